import type { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import { stringify as toYaml } from 'yaml';
import * as k8s from '../../../imports/k8s.js';
import type { ResourcesConfig, SiteConfig } from '../../config/types.js';
import { Component, setFileName } from '../../lib/component.js';
import { IMAGES } from '../../lib/images.js';
import { appLabels, container, podSpec, selectorLabels, withOverrides, type EnvValue } from '../../lib/pod.js';
import { readSourceFile } from '../../lib/script-file.js';
import { SETUP_SCRIPT_DIR } from '../../lib/setup-job.js';
import { addCronJob, scratchVolume } from '../../lib/workload.js';
import type { ArrEndpoint } from '../servarr/arr.js';
import { failbackConfig } from './config.js';
import { DESCHEDULER, DESCHEDULER_BINARY, DESCHEDULER_HEALTH_PORT, DESCHEDULER_IMAGES, IMPORT_GUARD } from './facts.js';
import { failbackPolicy, HOLD_POLICY, type FailbackScope } from './policy.js';

/** The Arr queue states that mean an import is about to start or running (Sonarr/Radarr TrackedDownloadState). */
const IMPORT_BUSY_STATES = ['importPending', 'importing'] as const;

const POLICY_FILE = 'policy.yaml';
/** Where the descheduler reads its policy: the ConfigMap, or the guard's output of this run. */
const POLICY_DIR = '/policy-dir';
const RUN_POLICY_DIR = '/run/descheduler';
const SETUP_LIB = 'setup_lib.py';

/** The data document of import-guard.py (secrets by env var name). */
interface ImportGuardData {
  readonly instances: readonly { readonly instance: string; readonly api: string; readonly keyEnv: string }[];
  readonly busyStates: readonly string[];
  /** The failback policy (ConfigMap) and where this run's policy goes. */
  readonly policy: string;
  readonly out: string;
  readonly holdPolicy: string;
}

export interface DeschedulerProps {
  readonly site: SiteConfig;
  /** What may be evicted. */
  readonly scope: FailbackScope;
  /** @default 'cronjob' */
  readonly mode?: 'cronjob' | 'deployment';
  /** CronJob schedule (mode 'cronjob'). @default '0-59/10 * * * *' */
  readonly schedule?: string;
  /** `--descheduling-interval` (mode 'deployment'). @default '10m' */
  readonly interval?: string;
  /** The Arr instances whose queues the guard asks before each run (mode 'cronjob'). @default - no guard */
  readonly importGuard?: readonly ArrEndpoint[];
  /** @default [] */
  readonly dependsOn?: readonly Component[];
  /** @default - 50m CPU, 64Mi request, 256Mi limit */
  readonly resources?: Partial<ResourcesConfig>;
}

/**
 * Failback: the kubernetes-sigs descheduler with a policy that evicts only the streaming stack,
 * and only from a node its preferred node affinity ranks below another schedulable node (the
 * primary, once it is back and uncordoned). Mirrors upstream's kubernetes/{base,cronjob,deployment}
 * manifests, with the ClusterRole cut to what this policy uses. With an import guard (CronJob),
 * each run starts with `import-guard`, which writes the run's policy: the failback policy while
 * the queues are quiet, the hold policy (evicts nothing) while an import is pending or running.
 */
export class Descheduler extends Component {
  /** The CronJob or Deployment. */
  readonly workload: ApiObject;
  readonly guardData?: ImportGuardData;

  constructor(scope: Construct, id: string, props: DeschedulerProps) {
    const cfg = props.site;
    const ns = cfg.namespace;
    const mode = props.mode ?? failbackConfig.defaults.mode;
    const schedule = props.schedule ?? failbackConfig.defaults.schedule;
    const guard = mode === 'cronjob' ? props.importGuard : undefined;
    if (mode === 'deployment' && props.importGuard)
      throw new Error('the import guard runs before each run of the CronJob; a Deployment runs its loop without it (use mode cronjob)');
    super(scope, id, {
      dir: 'infrastructure/descheduler',
      fluxName: 'descheduler',
      namespace: ns,
      dependsOn: props.dependsOn,
      description: `Descheduler (failback, ${mode === 'cronjob' ? `CronJob ${schedule}` : `Deployment every ${props.interval ?? failbackConfig.defaults.interval}`}): evicts the streaming stack from a storage node its preferred affinity ranks below the schedulable primary${guard ? ', never while an Arr imports' : ''}`,
    });
    const labels = appLabels(DESCHEDULER);
    this.addRbac(ns);

    const configMap = `${DESCHEDULER}-policy`;
    const policyText = toYaml(failbackPolicy(props.scope));
    const env: Record<string, EnvValue> = {};
    if (guard) {
      this.guardData = {
        instances: guard.map((ep) => {
          const keyEnv = `${ep.instance.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_API_KEY`;
          env[keyEnv] = ep.apiKey;
          return { instance: ep.instance, api: `${ep.url}/api/${ep.spec.apiVersion}`, keyEnv };
        }),
        busyStates: [...IMPORT_BUSY_STATES],
        policy: `${SETUP_SCRIPT_DIR}/${POLICY_FILE}`,
        out: `${RUN_POLICY_DIR}/${POLICY_FILE}`,
        holdPolicy: toYaml(HOLD_POLICY),
      };
      this.addCall(
        ...guard.map((ep) => ({
          from: { app: DESCHEDULER },
          to: { app: ep.kind, instance: ep.instance },
          ports: [ep.port],
          why: 'the import guard reads the queue before each failback run',
        })),
      );
    }
    setFileName(
      new k8s.KubeConfigMap(this, 'policy', {
        metadata: { name: configMap, namespace: ns, labels },
        data: {
          [POLICY_FILE]: policyText,
          ...(this.guardData
            ? {
                [SETUP_LIB]: readSourceFile(`src/lib/${SETUP_LIB}`),
                [`${IMPORT_GUARD}.py`]: readSourceFile('src/apps/descheduler/import-guard.py'),
                [`${IMPORT_GUARD}.json`]: `${JSON.stringify(this.guardData, null, 2)}\n`,
              }
            : {}),
        },
      }),
      'configmap.yaml',
    );
    this.addCall({ from: { app: DESCHEDULER }, to: 'kubernetes-api', ports: [443, 6443], why: 'lists pods and nodes, evicts through the Eviction API' });

    const descheduler = container({
      name: DESCHEDULER,
      image: DESCHEDULER_IMAGES.descheduler,
      command: [DESCHEDULER_BINARY],
      args: [
        '--policy-config-file',
        `${guard ? RUN_POLICY_DIR : POLICY_DIR}/${POLICY_FILE}`,
        ...(mode === 'deployment' ? ['--descheduling-interval', props.interval ?? failbackConfig.defaults.interval] : []),
        '--v',
        '3',
      ],
      ports: mode === 'deployment' ? [{ name: 'https', port: DESCHEDULER_HEALTH_PORT }] : [],
      mounts: [guard ? { volume: 'run-policy', path: RUN_POLICY_DIR, readOnly: true } : { volume: 'policy', path: POLICY_DIR, readOnly: true }],
      resources: withOverrides({ cpuRequest: '50m', memoryRequest: '64Mi', memoryLimit: '256Mi' }, props.resources),
    });
    const main: k8s.Container = {
      ...descheduler,
      livenessProbe: {
        httpGet: { path: '/healthz', port: k8s.IntOrString.fromNumber(DESCHEDULER_HEALTH_PORT), scheme: 'HTTPS' },
        initialDelaySeconds: 3,
        periodSeconds: 10,
        failureThreshold: 3,
      },
    };
    const initContainers = guard
      ? [
          container({
            name: IMPORT_GUARD,
            image: IMAGES.python,
            command: ['python3', `${SETUP_SCRIPT_DIR}/${IMPORT_GUARD}.py`, `${SETUP_SCRIPT_DIR}/${IMPORT_GUARD}.json`],
            env: { TZ: cfg.timezone, PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1', PYTHONPATH: SETUP_SCRIPT_DIR, ...env },
            mounts: [
              { volume: 'policy', path: SETUP_SCRIPT_DIR, readOnly: true },
              { volume: 'run-policy', path: RUN_POLICY_DIR },
              { volume: 'tmp', path: '/tmp' },
            ],
            resources: { cpuRequest: '10m', memoryRequest: '48Mi', memoryLimit: '128Mi' },
          }),
        ]
      : [];
    const spec: k8s.PodSpec = {
      ...podSpec(cfg, {
        serviceAccountName: DESCHEDULER,
        initContainers,
        containers: [main],
        volumes: [{ name: 'policy', configMap: { name: configMap } }, ...(guard ? [scratchVolume('run-policy', '1Mi'), scratchVolume('tmp', '64Mi')] : [])],
      }),
      // The descheduler talks to the Kubernetes API as its ServiceAccount.
      automountServiceAccountToken: true,
    };
    if (mode === 'cronjob') {
      this.workload = addCronJob(this, cfg, { name: DESCHEDULER, schedule, pod: spec, backoffLimit: 0, activeDeadlineSeconds: 600, fileName: 'cronjob.yaml' });
    } else {
      this.workload = setFileName(
        new k8s.KubeDeployment(this, 'deployment', {
          metadata: { name: DESCHEDULER, namespace: ns, labels },
          spec: { replicas: 1, selector: { matchLabels: selectorLabels(DESCHEDULER) }, template: { metadata: { labels }, spec } },
        }),
        'deployment.yaml',
      );
      this.addHealthCheck({ apiVersion: 'apps/v1', kind: 'Deployment', name: DESCHEDULER, namespace: ns });
    }
    this.addSecurityExceptionFor(this.workload, {
      rules: ['no-sa-token'],
      reason:
        'the descheduler lists pods, nodes, namespaces, PriorityClasses and PodDisruptionBudgets and evicts through the Eviction API as its ServiceAccount (its ClusterRole grants exactly those verbs)',
    });
  }

  /** ServiceAccount, ClusterRole and binding: upstream's kubernetes/base/rbac.yaml cut to this policy's needs. */
  private addRbac(ns: string): void {
    const labels = appLabels(DESCHEDULER);
    // Cluster-scoped: named after the namespace so it never meets another descheduler's objects.
    const clusterName = `${ns}-${DESCHEDULER}`;
    setFileName(new k8s.KubeServiceAccount(this, 'sa', { metadata: { name: DESCHEDULER, namespace: ns, labels }, automountServiceAccountToken: false }), 'serviceaccount.yaml');
    setFileName(
      new k8s.KubeClusterRole(this, 'role', {
        metadata: { name: clusterName, labels },
        rules: [
          // Why each rule (kubernetes-sigs/descheduler v0.34.0 pkg/descheduler/descheduler.go, evictions.go):
          // events of every eviction ("Descheduled"), through the events.k8s.io recorder;
          { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: ['create', 'update'] },
          // the informers it starts: nodes (ready, schedulable, labels), pods (per node), namespaces,
          // PriorityClasses and PodDisruptionBudgets (the DefaultEvictor's filters);
          { apiGroups: [''], resources: ['nodes', 'namespaces', 'pods'], verbs: ['get', 'watch', 'list'] },
          { apiGroups: ['scheduling.k8s.io'], resources: ['priorityclasses'], verbs: ['get', 'watch', 'list'] },
          { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: ['get', 'watch', 'list'] },
          // the eviction itself (policy/v1 Eviction, which the API server refuses while a PDB forbids it).
          { apiGroups: [''], resources: ['pods/eviction'], verbs: ['create'] },
        ],
      }),
      'clusterrole.yaml',
    );
    setFileName(
      new k8s.KubeClusterRoleBinding(this, 'binding', {
        metadata: { name: clusterName, labels },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterName },
        subjects: [{ kind: 'ServiceAccount', name: DESCHEDULER, namespace: ns }],
      }),
      'clusterrolebinding.yaml',
    );
  }
}
