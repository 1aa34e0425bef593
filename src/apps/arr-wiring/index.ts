import * as k8s from '../../../imports/k8s.js';
import type { Construct } from 'constructs';
import type { StackConfig } from '../../config/types.js';
import { arrEndpoint, type ArrEndpoint } from '../servarr/arr.js';
import { Component, setFileName } from '../../lib/component.js';
import { IMAGES } from '../../lib/images.js';
import { appLabels, container, podSpec, withOverrides, type EnvValue, type Mount } from '../../lib/pod.js';
import { storageNodePlacement } from '../../lib/placement.js';
import { readSourceFile } from '../../lib/script-file.js';
import { CLAIMS, mediaVolume, PATHS, symlinkVolume } from '../../lib/storage.js';
import { addCronJob, scratchVolume } from '../../lib/workload.js';
import {
  configuredArrs,
  NOTIFICATION_SECRET,
  notificationEnv,
  notificationFlags,
  PLEX_TOKEN_ENV,
  wiringData,
  wiringKeyEnv,
  type WiredArr,
  type WiredPlex,
  type WiringData,
} from './data.js';
import { NOTIFICATION_IMPLEMENTATIONS, notificationFlagLabel, NTFY_DEFAULT_SERVER } from './facts.js';
import { publishFact } from '../../lib/published-facts.js';
import { notificationSecretKey, type ArrNotificationConfig } from './config.js';
import type { SecretKeySpec } from '../../secrets/model.js';

export { hostRegex, wiringData } from './data.js';
export type { WiredArr, WiredPlex, WiringData } from './data.js';

const ARR_WIRING_CONFIG_MAP = 'arr-wiring-script';
/** The ConfigMap keys: the static script and the data it reads. */
const ARR_WIRING_SCRIPT = 'arr-wiring.sh';
const ARR_WIRING_DATA = 'arr-wiring.json';
/** Where the ConfigMap is mounted in the job's container. */
const SCRIPT_DIR = '/scripts';

/**
 * A URL the script pastes into a JSON body: http(s), and only characters that need no escape in
 * JSON and none in the script's checks (the same set as `need_url` in arr-wiring.sh; no "@@",
 * the script's placeholder mark).
 */
export const NOTIFICATION_URL_RULE = {
  pattern: /^https?:\/\/(?!.*@@)[A-Za-z0-9._~:/?#@!$&'()*+,;=%-]+$/,
  description: "an http(s) URL of letters, digits and . _ ~ : / ? # @ ! $ & ' ( ) * + , ; = % - (no spaces, quotes or backslashes)",
} as const;
/** An ntfy topic: ntfy's own rule (1–64 of letters, digits, "_", "-"), minus the names the Arrs refuse (NtfySettingsValidator). */
export const NTFY_TOPIC_RULE = {
  pattern: /^(?!(announcements|app|docs|settings|stats|mytopic-rw|mytopic-ro|mytopic-wo)$)[A-Za-z0-9_-]{1,64}$/,
  description: 'an ntfy topic: 1 to 64 letters, digits, "_" or "-" (not one of the names the Arrs refuse, such as "app" or "docs")',
} as const;

/** The operator value of one notification connection: its URL or its ntfy topic. */
function notificationKey(n: ArrNotificationConfig): SecretKeySpec {
  const where =
    n.kind === 'discord'
      ? "the channel's webhook URL (in Discord: Edit Channel › Integrations › Webhooks › Copy Webhook URL)"
      : n.kind === 'ntfy'
        ? `the topic on ${n.server ?? NTFY_DEFAULT_SERVER}; anyone who knows a public topic can read it, so pick a long random one`
        : 'the URL that receives the JSON POST';
  return {
    key: notificationSecretKey(n),
    source: { kind: 'operator', description: `${n.name} (apps.arrWiring.notifications): ${where}` },
    valueRule: n.kind === 'ntfy' ? NTFY_TOPIC_RULE : NOTIFICATION_URL_RULE,
  };
}

/** The static script (the same for every config). */
export function arrWiringScript(): string {
  const script = readSourceFile(`src/apps/arr-wiring/${ARR_WIRING_SCRIPT}`);
  // The script finds its data where this construct mounts it.
  const expected = `DATA=\${1:-${SCRIPT_DIR}/${ARR_WIRING_DATA}}`;
  if (!script.split('\n').includes(expected))
    throw new Error(`src/apps/arr-wiring/${ARR_WIRING_SCRIPT} must read its data from ${SCRIPT_DIR}/${ARR_WIRING_DATA} (a line \`${expected}\`)`);
  return script;
}

/** The data document as the ConfigMap carries it. */
export function arrWiringDataText(data: WiringData): string {
  return `${JSON.stringify(data, null, 2)}\n`;
}

export interface ArrWiringProps {
  /** Components the job waits for (Flux `dependsOn`). @default [] */
  readonly dependsOn?: Component[];
  /**
   * Arr instances to wire besides the config's Sonarr and Radarr instances, e.g. a Lidarr until
   * the config lists that kind. @default []
   */
  readonly extraArrs?: readonly WiredArr[];
  /** Plex, when the stack runs it: the Arrs get their library-refresh connection. @default - none */
  readonly plex?: WiredPlex;
}

/**
 * The reconciler that removes the manual wiring steps: the Arrs as Prowlarr applications,
 * Decypharr (and qBittorrent) as their download clients, their root folders, and FlareSolverr /
 * Byparr as Prowlarr indexer proxies. A CronJob (hourly by default, never two at once) running a
 * static POSIX sh + curl script (arr-wiring.sh) over a JSON document of what to wire (data.ts),
 * both from one ConfigMap, against the apps' REST APIs, with the API keys from the same Secrets
 * the apps read. Idempotent: it creates what is missing and leaves everything that exists —
 * including the operator's own edits — alone.
 */
export class ArrWiring extends Component {
  /** What the job wires. */
  readonly data: WiringData;

  constructor(scope: Construct, id: string, cfg: StackConfig, props: ArrWiringProps = {}) {
    const c = cfg.apps.arrWiring;
    const arrs: WiredArr[] = [...configuredArrs(cfg), ...(props.extraArrs ?? [])];
    const prowlarr = cfg.apps.prowlarr.enabled ? arrEndpoint(cfg, 'prowlarr') : undefined;
    // Names only what is deployed (the docs must not mention disabled apps).
    const arrParts = ['download clients', 'root folders', ...(c.notifications.length ? ['notification connections'] : [])];
    const arrWhat = `${arrParts.slice(0, -1).join(', ')} and ${arrParts.at(-1)!} of the Arrs`;
    const what = [...(arrs.length ? [arrWhat] : []), ...(prowlarr ? ['applications and indexer proxies in Prowlarr'] : [])].join('; ');
    super(scope, id, {
      dir: `apps/${cfg.namespace}/arr-wiring`,
      fluxName: 'arr-wiring',
      namespace: cfg.namespace,
      dependsOn: props.dependsOn,
      description: `Arr wiring CronJob (${c.schedule}): adds missing ${what}`,
    });
    this.data = wiringData(cfg, { extraArrs: props.extraArrs, plex: arrs.length ? props.plex : undefined });
    setFileName(
      new k8s.KubeConfigMap(this, 'script', {
        metadata: { name: ARR_WIRING_CONFIG_MAP, namespace: cfg.namespace, labels: appLabels('arr-wiring') },
        data: { [ARR_WIRING_DATA]: arrWiringDataText(this.data), [ARR_WIRING_SCRIPT]: arrWiringScript() },
      }),
      'configmap.yaml',
    );

    const env: Record<string, EnvValue> = { TZ: cfg.timezone };
    const called: (WiredArr | ArrEndpoint)[] = [...arrs, ...(prowlarr ? [prowlarr] : [])];
    for (const a of called) env[wiringKeyEnv(a.instance)] = a.apiKey;
    // Empty (or the Secret absent) until Plex is claimed: the connections wait for it.
    if (props.plex && arrs.length) env[PLEX_TOKEN_ENV] = { ...props.plex.token, optional: true };
    const notifications = arrs.length ? c.notifications : [];
    if (notifications.length) {
      this.addSecret(NOTIFICATION_SECRET, notifications.map(notificationKey));
      // Optional: a value missing from an external store fails only its connections (the log names
      // the variable), not the job's start and with it every other entry.
      for (const n of notifications) env[notificationEnv(n)] = { secret: NOTIFICATION_SECRET, key: notificationSecretKey(n), optional: true };
      for (const arr of arrs)
        for (const n of notifications) {
          const flags = notificationFlags(arr, n);
          if (flags)
            publishFact(this, {
              kind: 'notification',
              instance: arr.instance,
              name: n.name,
              target: NOTIFICATION_IMPLEMENTATIONS[n.kind].implementation,
              events: flags.map(notificationFlagLabel),
              setBy: 'arr-wiring',
              secret: NOTIFICATION_SECRET,
              key: notificationSecretKey(n),
            });
        }
    }

    const mounts: Mount[] = [
      { volume: 'script', path: SCRIPT_DIR, readOnly: true },
      { volume: 'tmp', path: '/tmp' },
    ];
    const volumes: k8s.Volume[] = [{ name: 'script', configMap: { name: ARR_WIRING_CONFIG_MAP } }, scratchVolume('tmp', '64Mi')];
    if (arrs.length) {
      // Same paths as in the Arrs: the permanent library only to look, the streaming library to
      // create the instances' folders.
      volumes.push(mediaVolume(cfg));
      mounts.push({ volume: CLAIMS.media, path: PATHS.media, readOnly: true });
      if (cfg.apps.decypharr.enabled) {
        volumes.push(symlinkVolume(cfg));
        mounts.push({ volume: CLAIMS.symlinks, path: PATHS.symlinks });
      }
    }

    const spec = podSpec(cfg, {
      ...storageNodePlacement(cfg),
      containers: [
        container({
          name: 'arr-wiring',
          image: IMAGES.curl,
          command: ['sh', `${SCRIPT_DIR}/${ARR_WIRING_SCRIPT}`],
          env,
          mounts,
          resources: withOverrides({ cpuRequest: '10m', memoryRequest: '32Mi', memoryLimit: '128Mi' }, c.resources),
        }),
      ],
      volumes,
    });
    addCronJob(this, cfg, { name: 'arr-wiring', schedule: c.schedule, pod: spec, backoffLimit: 1, activeDeadlineSeconds: 900 });

    const self = { app: 'arr-wiring' };
    for (const a of called) {
      this.addCall({
        from: self,
        to: { app: a.kind, instance: a.instance },
        ports: [a.port],
        why: a.kind === 'prowlarr' ? 'adds applications and indexer proxies through the API' : 'adds download clients and root folders through the API',
      });
    }
  }
}
