import * as k8s from '../../imports/k8s.js';
import type { ApiObject } from 'cdk8s';
import type { SiteConfig } from '../config/types.js';
import { setFileName, type CallEdge, type Component } from './component.js';
import { IMAGES } from './images.js';
import type { Placement } from './placement.js';
import { appLabels, container, podSpec, withOverrides, type EnvValue, type Mount } from './pod.js';
import type { ResourcesConfig } from '../config/types.js';
import { readSourceFile } from './script-file.js';
import { addCronJob, scratchVolume } from './workload.js';

/** Where a setup job's ConfigMap is mounted: the shared library, the script and its data. */
export const SETUP_SCRIPT_DIR = '/scripts';
/** The shared Python module every setup script imports (`import setup_lib`). */
const SETUP_LIB = 'setup_lib.py';
const SETUP_LIB_SOURCE = `src/lib/${SETUP_LIB}`;

export interface SetupJobProps {
  /** CronJob name, ConfigMap `<name>-script`, the pods' app label and the log prefix. */
  readonly name: string;
  /** The script's path from the project root, e.g. `src/apps/plex/plex-setup.py`. */
  readonly script: string;
  /** What to set up: the JSON document the script reads (never a secret value; name env vars instead). */
  readonly data: unknown;
  readonly schedule: string;
  /** Environment of the job; secrets as `{ secret, key }` references. @default - TZ only */
  readonly env?: Readonly<Record<string, EnvValue>>;
  /** The calls the job makes (NetworkPolicies allow exactly these). */
  readonly calls: readonly Omit<CallEdge, 'from'>[];
  /** Extra volumes and their mounts (e.g. a library the job creates folders in). @default - none */
  readonly volumes?: readonly k8s.Volume[];
  /** @default - none */
  readonly mounts?: readonly Mount[];
  /** A service account for jobs that talk to the Kubernetes API (token mounted then). @default - none, no token */
  readonly serviceAccountName?: string;
  /** Where the pods run (e.g. `storageNodePlacement(cfg)`, which pins the single-node layout's node). @default - any node */
  readonly placement?: Placement;
  /** Resource overrides from the app's config. @default - 10m CPU, 48Mi request, 128Mi limit */
  readonly resources?: Partial<ResourcesConfig>;
  /** Kill a run that takes longer. @default 900 */
  readonly activeDeadlineSeconds?: number;
}

/** The ConfigMap key of a job's script, e.g. `plex-setup.py`. */
function setupScriptKey(p: Pick<SetupJobProps, 'name'>): string {
  return `${p.name}.py`;
}

/** The ConfigMap key of a job's data document, e.g. `plex-setup.json`. */
function setupDataKey(p: Pick<SetupJobProps, 'name'>): string {
  return `${p.name}.json`;
}

/**
 * A first-boot job: a CronJob (never two at once) running a static Python script of the app's
 * folder over a JSON document of what to set up, with the shared `setup_lib.py`, all from one
 * ConfigMap. The scripts read what exists and add only what is missing, so the schedule keeps
 * healing a fresh install and never undoes the operator's edits. Returns the CronJob.
 */
export function addSetupJob(scope: Component, cfg: SiteConfig, p: SetupJobProps): ApiObject {
  const configMap = `${p.name}-script`;
  const script = readSourceFile(p.script);
  if (!/^import setup_lib$|^from setup_lib import /m.test(script))
    throw new Error(`${p.script} must use the shared library (import setup_lib): every setup job logs, fails and redacts the same way`);
  setFileName(
    new k8s.KubeConfigMap(scope, `${p.name}-script`, {
      metadata: { name: configMap, namespace: cfg.namespace, labels: appLabels(p.name) },
      data: { [SETUP_LIB]: readSourceFile(SETUP_LIB_SOURCE), [setupScriptKey(p)]: script, [setupDataKey(p)]: `${JSON.stringify(p.data, null, 2)}\n` },
    }),
    `${p.name}-configmap.yaml`,
  );
  const spec = podSpec(cfg, {
    ...p.placement,
    ...(p.serviceAccountName ? { serviceAccountName: p.serviceAccountName } : {}),
    containers: [
      container({
        name: p.name,
        image: IMAGES.python,
        command: ['python3', `${SETUP_SCRIPT_DIR}/${setupScriptKey(p)}`, `${SETUP_SCRIPT_DIR}/${setupDataKey(p)}`],
        // The ConfigMap is read-only: no bytecode next to the modules; imports find setup_lib there.
        env: { TZ: cfg.timezone, PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1', PYTHONPATH: SETUP_SCRIPT_DIR, ...p.env },
        mounts: [{ volume: 'script', path: SETUP_SCRIPT_DIR, readOnly: true }, { volume: 'tmp', path: '/tmp' }, ...(p.mounts ?? [])],
        resources: withOverrides({ cpuRequest: '10m', memoryRequest: '48Mi', memoryLimit: '128Mi' }, p.resources),
      }),
    ],
    volumes: [{ name: 'script', configMap: { name: configMap } }, scratchVolume('tmp', '64Mi'), ...(p.volumes ?? [])],
  });
  const cronJob = addCronJob(scope, cfg, {
    name: p.name,
    schedule: p.schedule,
    pod: spec,
    backoffLimit: 1,
    activeDeadlineSeconds: p.activeDeadlineSeconds ?? 900,
    fileName: `${p.name}-cronjob.yaml`,
  });
  for (const call of p.calls) scope.addCall({ from: { app: p.name }, ...call });
  return cronJob;
}
