import * as k8s from '../../../imports/k8s.js';
import type { ApiObject } from 'cdk8s';
import type { SiteConfig, StackConfig } from '../../config/types.js';
import { setFileName, type Component } from '../../lib/component.js';
import { IMAGES } from '../../lib/images.js';
import { storageNodePlacement } from '../../lib/placement.js';
import { appLabels, container, type Mount } from '../../lib/pod.js';
import { readSourceFile } from '../../lib/script-file.js';
import { addSetupJob, SETUP_SCRIPT_DIR } from '../../lib/setup-job.js';
import { PATHS } from '../../lib/storage.js';
import { configuredArrs, permanentRootFolder, streamingRootFolder } from '../arr-wiring/data.js';
import { PLEX_LIBRARY_OF_ARR, PLEX_PORT, PLEX_PREFERENCES_XML, PLEX_PREFS } from './facts.js';

/** The Secret the token writer fills and Plex's clients read (created empty, never applied again by Flux). */
export const PLEX_TOKEN_SECRET = { secret: 'plex-token', key: 'token' } as const;
/** The CronJob, its container and its ConfigMap prefix. */
export const PLEX_SETUP_JOB = 'plex-setup';
const TOKEN_WRITER = 'plex-token';
const TOKEN_ENV = 'PLEX_TOKEN';
/** Language of the libraries plex-setup adds (Plex's default in the web app). */
const LIBRARY_LANGUAGE = 'en-US';

interface SetupPref {
  readonly id: string;
  /** For the log: `transcoder temporary directory`. */
  readonly what: string;
  readonly value: string;
  /** A yes/no preference: switched on only in the run that sets the transcoder directory. @default false */
  readonly bool?: boolean;
  readonly withTranscoderDirectory?: boolean;
  /** Setting it marks a server whose transcoder was never set up. @default false */
  readonly transcoderDirectory?: boolean;
}

interface SetupLibrary {
  readonly name: string;
  readonly type: string;
  readonly agent: string;
  readonly scanner: string;
  readonly language: string;
  /** Streaming and permanent folders, as Plex mounts them. */
  readonly folders: readonly string[];
}

/** plex-setup.json: what the job sets in Plex (no secret: the token is in `tokenEnv`). */
export interface PlexSetupData {
  readonly server: string;
  readonly tokenEnv: string;
  /** For the log line of an unclaimed server. */
  readonly tokenSecret: string;
  readonly prefs: readonly SetupPref[];
  readonly libraries: readonly SetupLibrary[];
}

/** What plex-setup sets, from the config: the preferences in order, one library per media type. */
export function plexSetupData(cfg: StackConfig, p: { url: string; gpu: boolean }): PlexSetupData {
  const plex = cfg.apps.plex;
  const prefs: SetupPref[] = [
    { id: PLEX_PREFS.transcoderTempDirectory, what: 'transcoder temporary directory', value: PATHS.transcode, transcoderDirectory: true },
    ...(p.gpu ? [{ id: PLEX_PREFS.hardwareAcceleration, what: 'hardware acceleration', value: '1', bool: true, withTranscoderDirectory: true }] : []),
    ...(plex.allowedNetworks?.length ? [{ id: PLEX_PREFS.allowedNetworks, what: 'networks allowed without auth', value: plex.allowedNetworks.join(',') }] : []),
    ...(plex.lanNetworks?.length ? [{ id: PLEX_PREFS.lanNetworks, what: 'LAN networks', value: plex.lanNetworks.join(',') }] : []),
  ];
  const libraries = new Map<string, SetupLibrary>();
  if (plex.setupLibraries) {
    for (const arr of configuredArrs(cfg)) {
      const kind = PLEX_LIBRARY_OF_ARR[arr.kind];
      if (!kind) continue;
      // Streaming folders exist only with Decypharr (the Arrs' streaming root folders).
      const folders = [...(cfg.apps.decypharr.enabled ? [streamingRootFolder(arr)] : []), permanentRootFolder(arr)];
      const lib = libraries.get(kind.type);
      libraries.set(kind.type, lib ? { ...lib, folders: [...lib.folders, ...folders] } : { ...kind, language: LIBRARY_LANGUAGE, folders });
    }
  }
  return { server: p.url, tokenEnv: TOKEN_ENV, tokenSecret: `Secret ${PLEX_TOKEN_SECRET.secret} key ${PLEX_TOKEN_SECRET.key}`, prefs, libraries: [...libraries.values()] };
}

/** The plex-setup CronJob (src/apps/plex/plex-setup.py) over `plexSetupData`. */
export function addPlexSetupJob(plex: Component, cfg: StackConfig, data: PlexSetupData): ApiObject {
  return addSetupJob(plex, cfg, {
    name: PLEX_SETUP_JOB,
    script: 'src/apps/plex/plex-setup.py',
    data,
    schedule: cfg.apps.plex.setupSchedule,
    // With the other setup jobs (and the single-node layout's one node); it only talks HTTP.
    placement: storageNodePlacement(cfg),
    env: { [TOKEN_ENV]: { ...PLEX_TOKEN_SECRET, optional: true } },
    calls: [{ to: { app: 'plex' }, ports: [PLEX_PORT], why: 'sets the transcoder, network preferences and libraries through the API' }],
  });
}

/**
 * The Secret `plex-token`: Flux creates it once with an empty `token` and never applies it again
 * (`ssa: IfNotPresent`), so the value the token writer patches in stays; `prune: disabled`
 * keeps it when the object moves between folders (the token is a credential the repo never had).
 */
export function addPlexTokenSecret(plex: Component, cfg: SiteConfig): ApiObject {
  return setFileName(
    new k8s.KubeSecret(plex, 'plex-token', {
      metadata: {
        name: PLEX_TOKEN_SECRET.secret,
        namespace: cfg.namespace,
        labels: appLabels('plex'),
        annotations: { 'kustomize.toolkit.fluxcd.io/ssa': 'IfNotPresent', 'kustomize.toolkit.fluxcd.io/prune': 'disabled' },
      },
      type: 'Opaque',
      data: { [PLEX_TOKEN_SECRET.key]: '' },
    }),
    'secret-plex-token.yaml',
  );
}

export interface PlexTokenWriter {
  /** The sidecar container. */
  readonly container: k8s.Container;
  /** The script ConfigMap and the ServiceAccount token, projected for this container only. */
  readonly volumes: readonly k8s.Volume[];
  readonly serviceAccountName: string;
}

/**
 * The token writer: a sidecar of the Plex pod (only there is the RWO config volume with
 * Preferences.xml mounted) that patches the server's token into `plex-token`. Its ServiceAccount
 * may get and patch that one Secret; the token is projected into the sidecar alone, Plex's own
 * container has none.
 */
export function addPlexTokenWriter(plex: Component, cfg: SiteConfig, configVolume: string): PlexTokenWriter {
  const name = TOKEN_WRITER;
  const ns = cfg.namespace;
  const labels = appLabels('plex');
  const sa = `${name}-writer`;
  setFileName(
    new k8s.KubeServiceAccount(plex, 'token-writer-sa', { metadata: { name: sa, namespace: ns, labels }, automountServiceAccountToken: false }),
    'token-writer-serviceaccount.yaml',
  );
  setFileName(
    new k8s.KubeRole(plex, 'token-writer-role', {
      metadata: { name: sa, namespace: ns, labels },
      rules: [{ apiGroups: [''], resources: ['secrets'], resourceNames: [PLEX_TOKEN_SECRET.secret], verbs: ['get', 'patch'] }],
    }),
    'token-writer-role.yaml',
  );
  setFileName(
    new k8s.KubeRoleBinding(plex, 'token-writer-binding', {
      metadata: { name: sa, namespace: ns, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: sa },
      subjects: [{ kind: 'ServiceAccount', name: sa, namespace: ns }],
    }),
    'token-writer-rolebinding.yaml',
  );
  const configMap = `${name}-script`;
  const data = {
    preferences: PLEX_PREFERENCES_XML,
    apiServer: 'https://kubernetes.default.svc',
    namespace: ns,
    ...PLEX_TOKEN_SECRET,
    intervalSeconds: 60,
    heartbeat: '/tmp/plex-token.alive',
  };
  setFileName(
    new k8s.KubeConfigMap(plex, 'token-writer-script', {
      metadata: { name: configMap, namespace: ns, labels },
      data: {
        'setup_lib.py': readSourceFile('src/lib/setup_lib.py'),
        [`${name}.py`]: readSourceFile('src/apps/plex/plex-token.py'),
        [`${name}.json`]: `${JSON.stringify(data, null, 2)}\n`,
      },
    }),
    'token-writer-configmap.yaml',
  );
  const saDir = '/var/run/secrets/kubernetes.io/serviceaccount';
  const mounts: Mount[] = [
    { volume: 'token-writer-script', path: SETUP_SCRIPT_DIR, readOnly: true },
    { volume: 'token-writer-tmp', path: '/tmp' },
    { volume: 'token-writer-sa', path: saDir, readOnly: true },
    // Only Preferences.xml's folder, read-only.
    { volume: configVolume, path: PATHS.config, readOnly: true },
  ];
  const sidecar = container({
    name,
    image: IMAGES.python,
    command: ['python3', `${SETUP_SCRIPT_DIR}/${name}.py`, `${SETUP_SCRIPT_DIR}/${name}.json`],
    env: { TZ: cfg.timezone, PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1', PYTHONPATH: SETUP_SCRIPT_DIR },
    mounts,
    // A round every minute writes the heartbeat; ten minutes without one is a hung loop.
    probes: { check: { exec: ['sh', '-c', `test -n "$(find ${data.heartbeat} -mmin -10)"`] }, startupSeconds: 120, periodSeconds: 60 },
    resources: { cpuRequest: '5m', memoryRequest: '24Mi', memoryLimit: '64Mi' },
    security: { runAs: { uid: cfg.uid, gid: cfg.gid } },
  });
  plex.addCall({ from: { app: 'plex' }, to: 'kubernetes-api', ports: [443, 6443], why: 'the token writer patches Secret plex-token' });
  return {
    container: sidecar,
    serviceAccountName: sa,
    volumes: [
      { name: 'token-writer-script', configMap: { name: configMap } },
      { name: 'token-writer-tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('16Mi') } },
      {
        name: 'token-writer-sa',
        projected: {
          sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 3600 } }, { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } }],
        },
      },
    ],
  };
}
