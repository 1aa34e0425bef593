/**
 * Recorded answers of a cluster running a config: what `kubectl get -o json` prints for the objects
 * the config synthesizes once they run (the synthesized object plus the fields the API server and
 * the controllers add: uid, status conditions, readyReplicas, phase Bound…), and what the
 * `kubectl exec` checks print in the containers. `record-fixtures.ts` writes them to
 * test/fixtures/verify/<scenario>/ (see its README for the provenance of each shape); the tests
 * answer the checks from those files through the kubectl double.
 */
import { createHash } from 'node:crypto';
import type { Check } from '../../src/verify/check.js';
import type { VerifiedStack } from '../../src/verify/stack.js';
import type { Workload } from '../../src/docs/model.js';

/** One recorded kubectl call. */
export interface Recorded {
  readonly argv: readonly string[];
  readonly exit: number;
  /** JSON printed (written to a file of its own), or text. */
  readonly json?: unknown;
  readonly stdout?: string;
  readonly stderr?: string;
}

type Json = Record<string, any>;

const T0 = Date.parse('2026-11-30T20:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString().replace(/\.000Z$/, 'Z');
const hex = (seed: string, n: number) => createHash('sha256').update(seed).digest('hex').slice(0, n);
const uid = (seed: string) => {
  const h = hex(seed, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
};
const meta = (kind: string, name: string, namespace?: string) => ({
  uid: uid(`${kind}/${namespace}/${name}`),
  resourceVersion: String(parseInt(hex(`rv/${kind}/${name}`, 6), 16)),
  creationTimestamp: at(0),
});
const ip = (seed: string, prefix: string) => `${prefix}.${parseInt(hex(seed, 2), 16) % 250}.${(parseInt(hex(seed, 4).slice(2), 16) % 250) + 2}`;
const list = (items: unknown[]) => ({ apiVersion: 'v1', items, kind: 'List', metadata: { resourceVersion: '' } });
const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x));
const cond = (type: string, status = 'True', extra: Json = {}) => ({ type, status, lastTransitionTime: at(2), ...extra });

/** The live state of the cluster: what the answers are rendered from, so a scenario can break parts of it. */
export class ClusterState {
  readonly kustomizations: Json[] = [];
  readonly namespaces = new Map<string, Json>();
  readonly pods = new Map<string, Json[]>();
  readonly claims = new Map<string, Json[]>();
  readonly volumes: Json[] = [];
  readonly jobs = new Map<string, Json[]>();
  readonly nodes: Json[] = [];
  readonly services = new Map<string, Json>();
  readonly sopsSecret?: { name: string; namespace: string };
  /** exec argv (as JSON) → its answer; a missing one is a healthy exit 0 with the body the URL's app gives. */
  readonly exec = new Map<string, { exit: number; stdout: string; stderr: string }>();

  constructor(readonly stack: VerifiedStack) {
    const v = stack.facts.v;
    const cfg = v.cfg;
    for (const k of v.fluxKustomizations) {
      const rev = `refs/heads/main@sha1:${hex('revision', 40)}`;
      this.kustomizations.push({
        ...clone(k),
        metadata: { ...clone(k.metadata), finalizers: ['finalizers.fluxcd.io'], generation: 1, ...meta('Kustomization', k.metadata.name, k.metadata.namespace) },
        status: {
          conditions: [{ lastTransitionTime: at(5), message: `Applied revision: ${rev}`, observedGeneration: 1, reason: 'ReconciliationSucceeded', status: 'True', type: 'Ready' }],
          lastAppliedRevision: rev,
          lastAttemptedRevision: rev,
          observedGeneration: 1,
        },
      });
    }
    if (v.sopsSecretName) this.sopsSecret = { name: v.sopsSecretName, namespace: v.fluxNamespace };
    for (const ns of v.all('Namespace')) {
      this.namespaces.set(ns.metadata.name, {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { ...clone(ns.metadata), labels: { ...ns.metadata.labels, 'kubernetes.io/metadata.name': ns.metadata.name }, ...meta('Namespace', ns.metadata.name) },
        spec: { finalizers: ['kubernetes'] },
        status: { phase: 'Active' },
      });
    }
    const boundClaim = (c: Json) => {
      const ns = c.metadata.namespace ?? v.namespace;
      const staticPv = c.spec.volumeName as string | undefined;
      const volumeName = staticPv ?? `pvc-${meta('PersistentVolumeClaim', c.metadata.name, ns).uid}`;
      const claim = {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: {
          ...clone(c.metadata),
          namespace: ns,
          annotations: { 'pv.kubernetes.io/bind-completed': 'yes', ...(staticPv ? {} : { 'pv.kubernetes.io/bound-by-controller': 'yes' }) },
          finalizers: ['kubernetes.io/pvc-protection'],
          ...meta('PersistentVolumeClaim', c.metadata.name, ns),
        },
        spec: { ...clone(c.spec), volumeMode: 'Filesystem', volumeName },
        status: { accessModes: c.spec.accessModes, capacity: { storage: c.spec.resources.requests.storage }, phase: 'Bound' },
      };
      push(this.claims, ns, claim);
      if (!staticPv) {
        this.volumes.push({
          apiVersion: 'v1',
          kind: 'PersistentVolume',
          metadata: {
            name: volumeName,
            annotations: { 'pv.kubernetes.io/provisioned-by': 'driver.longhorn.io' },
            finalizers: ['kubernetes.io/pv-protection'],
            ...meta('PersistentVolume', volumeName),
          },
          spec: {
            accessModes: c.spec.accessModes,
            capacity: { storage: c.spec.resources.requests.storage },
            claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', name: c.metadata.name, namespace: ns, uid: claim.metadata.uid },
            csi: { driver: 'driver.longhorn.io', fsType: 'ext4', volumeHandle: volumeName },
            persistentVolumeReclaimPolicy: 'Delete',
            storageClassName: c.spec.storageClassName,
            volumeMode: 'Filesystem',
          },
          status: { lastPhaseTransitionTime: at(1), phase: 'Bound' },
        });
      }
    };
    for (const c of v.all('PersistentVolumeClaim')) boundClaim(c);
    for (const w of v.workloads) {
      const templates = (w.object as Json).spec.volumeClaimTemplates ?? [];
      for (const t of templates)
        for (let i = 0; i < w.replicas; i++)
          boundClaim({ ...t, metadata: { ...t.metadata, name: `${t.metadata.name}-${w.name}-${i}`, namespace: w.namespace, labels: w.podLabels } });
    }
    for (const pv of v.all('PersistentVolume')) {
      const claim = [...this.claims.values()].flat().find((c) => c.metadata.name === pv.spec.claimRef?.name);
      this.volumes.push({
        ...clone(pv),
        metadata: {
          ...clone(pv.metadata),
          annotations: { 'pv.kubernetes.io/bound-by-controller': 'yes' },
          finalizers: ['kubernetes.io/pv-protection'],
          ...meta('PersistentVolume', pv.metadata.name),
        },
        spec: { ...clone(pv.spec), claimRef: { ...clone(pv.spec.claimRef), apiVersion: 'v1', kind: 'PersistentVolumeClaim', uid: claim?.metadata.uid } },
        status: { lastPhaseTransitionTime: at(1), phase: 'Bound' },
      });
    }
    const gpuLabels = cfg.nodes.gpu.nodeSelector;
    const nodeOf = (w: Workload) => w.placement.hostnames[0] ?? cfg.nodes.system.hostnames[0]!;
    for (const w of v.workloads) {
      const count = w.kind === 'DaemonSet' ? 1 : w.replicas;
      for (let i = 0; i < count; i++) push(this.pods, w.namespace, runningPod(w, i, nodeOf(w)));
    }
    for (const cj of v.all('CronJob')) {
      const ns = cj.metadata.namespace ?? v.namespace;
      push(this.jobs, ns, jobOf(cj as Json, ns, 'Complete'));
    }
    if (Object.keys(gpuLabels).length) this.nodes.push(node(cfg.nodes.gpu.hostname, gpuLabels, gpuResources(stack)));
    for (const s of v.all('Service')) {
      const ns = s.metadata.namespace ?? v.namespace;
      const clusterIP = s.spec.clusterIP ?? ip(`svc/${s.metadata.name}`, '10.43');
      this.services.set(`${ns}/${s.metadata.name}`, {
        ...clone(s),
        metadata: { ...clone(s.metadata), namespace: ns, ...meta('Service', s.metadata.name, ns) },
        spec: {
          ...clone(s.spec),
          clusterIP,
          clusterIPs: [clusterIP],
          internalTrafficPolicy: 'Cluster',
          ipFamilies: ['IPv4'],
          ipFamilyPolicy: 'SingleStack',
          sessionAffinity: 'None',
          type: s.spec.type ?? 'ClusterIP',
          ports: s.spec.ports.map((p) => ({ protocol: 'TCP', targetPort: p.port, ...clone(p) })),
        },
        status: { loadBalancer: {} },
      });
    }
  }

  private readonly healthyBody = healthyBody;

  pod(namespace: string, name: string): Json {
    const p = this.pods.get(namespace)?.find((x) => x.metadata.name === name);
    if (!p) throw new Error(`no pod ${namespace}/${name} in the recorded cluster`);
    return p;
  }

  /** The answer to every argv the checks ask (and the context queries the CLI makes first). */
  answers(checks: readonly Check[], contexts: readonly string[]): Recorded[] {
    const out = new Map<string, Recorded>();
    const add = (r: Recorded) => out.set(JSON.stringify(r.argv), r);
    add({ argv: ['config', 'get-contexts', '-o', 'name'], exit: 0, stdout: contexts.map((c) => `${c}\n`).join('') });
    add({ argv: ['config', 'current-context'], exit: 0, stdout: `${contexts[0]}\n` });
    for (const c of checks) if (!out.has(JSON.stringify(c.argv))) add(this.answer(c.argv));
    return [...out.values()];
  }

  private answer(argv: readonly string[]): Recorded {
    const [verb, what, ...rest] = argv;
    const nsOf = () => rest[rest.indexOf('-n') + 1]!;
    if (verb === 'exec') return { argv, ...(this.exec.get(JSON.stringify(argv)) ?? { exit: 0, stdout: this.healthyBody(argv), stderr: '' }) };
    if (verb !== 'get') throw new Error(`the recorded cluster has no answer for ${argv.join(' ')}`);
    if (what === 'secret') return this.sopsSecret && rest[0] === this.sopsSecret.name ? { argv, exit: 0, stdout: `secret/${rest[0]}\n` } : notFound(argv, 'secrets', rest[0]!);
    if (what === 'kustomizations.kustomize.toolkit.fluxcd.io') return { argv, exit: 0, json: list(this.kustomizations) };
    if (what === 'namespace') return this.namespaces.has(rest[0]!) ? { argv, exit: 0, json: this.namespaces.get(rest[0]!) } : notFound(argv, 'namespaces', rest[0]!);
    if (what === 'persistentvolumeclaims') return { argv, exit: 0, json: list(this.claims.get(nsOf()) ?? []) };
    if (what === 'persistentvolumes') return { argv, exit: 0, json: list(this.volumes) };
    if (what === 'pods') return { argv, exit: 0, json: list(this.pods.get(nsOf()) ?? []) };
    if (what === 'jobs') return { argv, exit: 0, json: list(this.jobs.get(nsOf()) ?? []) };
    if (what === 'nodes') return { argv, exit: 0, json: list(this.nodes) };
    if (what === 'service') {
      const s = this.services.get(`${nsOf()}/${rest[0]}`);
      return s ? { argv, exit: 0, json: s } : notFound(argv, 'services', rest[0]!);
    }
    throw new Error(`the recorded cluster has no answer for ${argv.join(' ')}`);
  }
}

function push<T>(m: Map<string, T[]>, k: string, v: T): void {
  const l = m.get(k);
  if (l) l.push(v);
  else m.set(k, [v]);
}

function notFound(argv: readonly string[], resource: string, name: string): Recorded {
  return { argv, exit: 1, stdout: '', stderr: `Error from server (NotFound): ${resource} "${name}" not found\n` };
}

/** What a healthy app answers on the path the check asks (the shapes are the apps' own, see the README). */
function healthyBody(this: ClusterState, argv: readonly string[]): string {
  const url = /https?:\/\/localhost:\d+(\/[^\s"']*)/.exec(argv.join(' '));
  if (!url) return '';
  const path = url[1];
  const f = this.stack.facts;
  if (path === '/ping') return '{\n  "status": "OK"\n}';
  // Prowlarr's applications as the check's jq prints them (one line, keys only of name, implementation, baseUrl).
  if (path === '/api/v1/applications')
    return `${JSON.stringify(f.arrs.map((w) => ({ name: w.instance, implementation: w.app === 'sonarr' ? 'Sonarr' : 'Radarr', baseUrl: f.url(w) })))}\n`;
  if (path === '/library/sections')
    return JSON.stringify({
      MediaContainer: {
        size: 1,
        allowSync: false,
        title1: 'Plex Library',
        Directory: [{ key: '1', type: 'show', title: 'TV Shows', agent: 'tv.plex.agents.series', scanner: 'Plex TV Series', Location: [{ id: 1, path: '/mnt/media/tv' }] }],
      },
    });
  if (path === '/identity')
    return `<?xml version="1.0" encoding="UTF-8"?>\n<MediaContainer size="0" apiVersion="1.1.1" claimed="1" machineIdentifier="${hex('plex', 40)}" version="1.43.3.10828-00f62d37d">\n</MediaContainer>\n`;
  if (path === '/health') return 'Healthy';
  if (path === '/metrics') return '# HELP workers_active Active Workers\n# TYPE workers_active gauge\nworkers_active 1\n';
  return '';
}

function runningPod(w: Workload, i: number, nodeName: string): Json {
  const o = w.object as Json;
  const tmpl = o.spec.template;
  const revision = hex(`${w.name}/revision`, 10);
  const name =
    w.kind === 'StatefulSet' ? `${w.name}-${i}` : w.kind === 'Deployment' ? `${w.name}-${revision}-${hex(`${w.name}/${i}`, 5)}` : `${w.name}-${hex(`${w.name}/${i}`, 5)}`;
  const owner = w.kind === 'Deployment' ? { kind: 'ReplicaSet', name: `${w.name}-${revision}` } : { kind: w.kind, name: w.name };
  const labels = {
    ...tmpl.metadata?.labels,
    ...(w.kind === 'StatefulSet'
      ? { 'apps.kubernetes.io/pod-index': String(i), 'controller-revision-hash': `${w.name}-${revision}`, 'statefulset.kubernetes.io/pod-name': name }
      : {}),
    ...(w.kind === 'Deployment' ? { 'pod-template-hash': revision } : {}),
    ...(w.kind === 'DaemonSet' ? { 'controller-revision-hash': revision, 'pod-template-generation': '1' } : {}),
  };
  const podIP = ip(`pod/${w.namespace}/${name}`, '10.42');
  const hostIP = ip(`node/${nodeName}`, '192.168');
  const started = at(3);
  const running = (c: Json) => ({
    containerID: `containerd://${hex(`ctr/${name}/${c.name}`, 64)}`,
    image: c.image,
    imageID: `${c.image.replace(/@sha256:.*$/, '').replace(/:[^/:]+$/, '')}@sha256:${hex(`image/${c.image}`, 64)}`,
    lastState: {},
    name: c.name,
    ready: true,
    restartCount: 0,
    started: true,
    state: { running: { startedAt: started } },
  });
  const init = (tmpl.spec.initContainers ?? []).map((c: Json) =>
    c.restartPolicy === 'Always'
      ? running(c)
      : {
          ...running(c),
          started: false,
          state: { terminated: { containerID: `containerd://${hex(`ctr/${name}/${c.name}`, 64)}`, exitCode: 0, finishedAt: at(3), reason: 'Completed', startedAt: at(2) } },
        },
  );
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...(tmpl.metadata?.annotations ? { annotations: clone(tmpl.metadata.annotations) } : {}),
      generateName: w.kind === 'StatefulSet' ? `${w.name}-` : `${owner.name}-`,
      labels,
      name,
      namespace: w.namespace,
      ownerReferences: [
        { apiVersion: 'apps/v1', blockOwnerDeletion: true, controller: true, kind: owner.kind, name: owner.name, uid: uid(`${owner.kind}/${w.namespace}/${owner.name}`) },
      ],
      ...meta('Pod', name, w.namespace),
    },
    spec: {
      dnsPolicy: 'ClusterFirst',
      enableServiceLinks: true,
      restartPolicy: 'Always',
      schedulerName: 'default-scheduler',
      serviceAccountName: 'default',
      terminationGracePeriodSeconds: 30,
      ...clone(tmpl.spec),
      ...(w.kind === 'StatefulSet' ? { hostname: name, subdomain: o.spec.serviceName } : {}),
      nodeName,
    },
    status: {
      conditions: [cond('PodReadyToStartContainers'), cond('Initialized'), cond('Ready'), cond('ContainersReady'), cond('PodScheduled')],
      containerStatuses: tmpl.spec.containers.map(running),
      ...(init.length ? { initContainerStatuses: init } : {}),
      hostIP,
      hostIPs: [{ ip: hostIP }],
      phase: 'Running',
      podIP,
      podIPs: [{ ip: podIP }],
      qosClass: 'Burstable',
      startTime: at(2),
    },
  };
}

/** A Job the CronJob started, finished as `outcome`. */
export function jobOf(cj: Json, namespace: string, outcome: 'Complete' | 'Failed'): Json {
  const name = `${cj.metadata.name}-${29410000 + (parseInt(hex(cj.metadata.name, 4), 16) % 9000)}`;
  const id = uid(`Job/${namespace}/${name}`);
  const tmpl = cj.spec.jobTemplate;
  const selectorLabels = { 'batch.kubernetes.io/controller-uid': id, 'batch.kubernetes.io/job-name': name, 'controller-uid': id, 'job-name': name };
  const finished =
    outcome === 'Complete'
      ? [
          cond('SuccessCriteriaMet', 'True', { lastProbeTime: at(12), message: 'Reached expected number of succeeded pods', reason: 'CompletionsReached' }),
          cond('Complete', 'True', { lastProbeTime: at(12), message: 'Reached expected number of succeeded pods', reason: 'CompletionsReached' }),
        ]
      : [
          cond('FailureTarget', 'True', { lastProbeTime: at(12), message: 'Job has reached the specified backoff limit', reason: 'BackoffLimitExceeded' }),
          cond('Failed', 'True', { lastProbeTime: at(12), message: 'Job has reached the specified backoff limit', reason: 'BackoffLimitExceeded' }),
        ];
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      annotations: { 'batch.kubernetes.io/cronjob-scheduled-timestamp': at(10) },
      generation: 1,
      labels: { ...selectorLabels, ...tmpl.metadata?.labels },
      name,
      namespace,
      ownerReferences: [
        { apiVersion: 'batch/v1', blockOwnerDeletion: true, controller: true, kind: 'CronJob', name: cj.metadata.name, uid: uid(`CronJob/${namespace}/${cj.metadata.name}`) },
      ],
      ...meta('Job', name, namespace),
    },
    spec: {
      backoffLimit: 6,
      completionMode: 'NonIndexed',
      completions: 1,
      manualSelector: false,
      parallelism: 1,
      podReplacementPolicy: 'TerminatingOrFailed',
      suspend: false,
      ...clone(tmpl.spec),
      selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': id } },
      template: { ...clone(tmpl.spec.template), metadata: { ...clone(tmpl.spec.template.metadata ?? {}), labels: { ...selectorLabels, ...tmpl.spec.template.metadata?.labels } } },
    },
    status: {
      ...(outcome === 'Complete' ? { completionTime: at(12), succeeded: 1 } : { failed: Number(tmpl.spec.backoffLimit ?? 6) + 1 }),
      conditions: finished,
      ready: 0,
      startTime: at(10),
      terminating: 0,
      uncountedTerminatedPods: {},
    },
  };
}

function gpuResources(stack: VerifiedStack): Record<string, string> {
  const out: Record<string, string> = {};
  for (const w of stack.facts.v.workloads) for (const c of w.pod.containers) for (const k of Object.keys(c.resources?.limits ?? {})) if (k.includes('/')) out[k] = '1';
  return out;
}

function node(name: string, labels: Record<string, string>, extended: Record<string, string>): Json {
  const resources = { cpu: '4', 'ephemeral-storage': '61202244Ki', 'hugepages-1Gi': '0', 'hugepages-2Mi': '0', memory: '16279116Ki', pods: '110', ...extended };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      annotations: { 'k3s.io/hostname': name, 'node.alpha.kubernetes.io/ttl': '0' },
      labels: {
        'beta.kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'node.kubernetes.io/instance-type': 'k3s',
        ...labels,
      },
      name,
      ...meta('Node', name),
    },
    spec: { podCIDR: '10.42.3.0/24', podCIDRs: ['10.42.3.0/24'], providerID: `k3s://${name}` },
    status: {
      addresses: [
        { address: ip(`node/${name}`, '192.168'), type: 'InternalIP' },
        { address: name, type: 'Hostname' },
      ],
      allocatable: resources,
      capacity: resources,
      conditions: [{ lastHeartbeatTime: at(30), lastTransitionTime: at(0), message: 'kubelet is posting ready status', reason: 'KubeletReady', status: 'True', type: 'Ready' }],
    },
  };
}
