import * as k8s from '../../../imports/k8s.js';
import type { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { ResourcesConfig, SiteConfig } from '../../config/types.js';
import { useVolume, type VolumeHandle } from '../../lib/handles.js';
import type { MediaNamespace } from '../shared-storage/shared-storage.js';
import type { SambaConfig } from './config.js';
import { Component, setFileName } from '../../lib/component.js';
import { publishFact } from '../../lib/published-facts.js';
import { IMAGES } from '../../lib/images.js';
import { SAMBA_IMAGE, SMB_PORT } from './facts.js';
import { appLabels, container, SHELL_STEP_RESOURCES, withOverrides, type EnvValue } from '../../lib/pod.js';
import { clientAddressServiceProps, storageNodePlacement } from '../../lib/placement.js';
import { addService, addWorkload } from '../../lib/workload.js';
import type { SecretValueRule } from '../../secrets/model.js';

const SAMBA_SECRET = 'samba-secrets';
const SAMBA_CONFIG_MAP = 'samba-config';
/** sambacc config id (`SAMBA_CONTAINER_ID`). */
const SAMBA_CONTAINER_ID = 'media';
const CONFIG_DIR = '/etc/samba-container';
const USERS_DIR = '/etc/samba-users';
const SHARES_ROOT = '/shares';

/** Secret key of a user's password. */
function sambaPasswordKey(user: string): string {
  return `password-${user}`;
}

/** A share: its name (`smb://<node>/<name>`) and the volume it exports. */
interface SambaShare {
  readonly name: string;
  readonly volume: k8s.Volume;
}

/** Who may log in and how the shares look (the settings of `SambaConfig`). */
type SambaSettings = Pick<SambaConfig, 'users' | 'workgroup'>;

/**
 * The sambacc container config (no passwords): one config `media` with the shares and globals,
 * and the stack's group. The users file is rendered at runtime (see `renderUsersScript`).
 */
function sambaContainerConfig(s: SambaSettings, shares: readonly SambaShare[], gid: number): Record<string, unknown> {
  return {
    'samba-container-config': 'v0',
    configs: {
      [SAMBA_CONTAINER_ID]: { shares: shares.map((x) => x.name), globals: ['default'], instance_name: 'MEDIA' },
    },
    shares: Object.fromEntries(
      shares.map((x) => [x.name, { options: { path: `${SHARES_ROOT}/${x.name}`, 'valid users': s.users.join(' '), 'read only': 'no', 'guest ok': 'no' } }]),
    ),
    globals: {
      default: {
        options: {
          workgroup: s.workgroup,
          security: 'user',
          'server min protocol': 'SMB2_10',
          'map to guest': 'Never',
          'load printers': 'no',
          printing: 'bsd',
          'printcap name': '/dev/null',
          'disable spoolss': 'yes',
          // New files belong to the stack user/group, like everything the apps write.
          'create mask': '0664',
          'directory mask': '0775',
        },
      },
    },
    groups: { all_entries: [{ name: 'media', gid }] },
  };
}

/**
 * A usable SMB password: not empty, no control characters. A raw control character makes the
 * users file invalid JSON for sambacc (only `"` and `\` are escaped) and smbd never starts.
 */
export const SAMBA_PASSWORD_RULE: SecretValueRule = {
  // The control characters are the point: they are what breaks the users file.
  // eslint-disable-next-line no-control-regex
  pattern: /^[^\x00-\x1f\x7f]+$/,
  description: 'a non-empty password of printable characters (no newline, tab or other control character)',
};

/**
 * Init script that writes sambacc's users file from the passwords in the environment (from the
 * Secret) into a memory-backed emptyDir. The passwords never appear in a ConfigMap or in Git;
 * `"` and `\` are escaped for JSON. A password that breaks `SAMBA_PASSWORD_RULE` (the synth
 * cannot see values from Infisical or edited by hand in the cluster) stops the pod here with
 * the user and Secret key named, never the value.
 */
export function renderUsersScript(users: readonly string[], owner: Pick<SiteConfig, 'uid' | 'gid'>): string {
  const entries = users.map(
    (u, i) => `printf '{"name":"%s","password":"%s","uid":${owner.uid},"gid":${owner.gid}}${i < users.length - 1 ? ',' : ''}' '${u}' "$(esc "$SAMBA_PASSWORD_${i}")"`,
  );
  return [
    'set -eu',
    'usable() {',
    `  if [ -z "$1" ]; then echo "$2 is empty: set ${SAMBA_PASSWORD_RULE.description}" >&2; exit 1; fi`,
    // tr deletes the C0 controls and DEL; any difference means the password had one.
    `  if [ "$(printf '%s' "$1" | tr -d '\\001-\\037\\177')" != "$1" ]; then echo "$2 contains a control character, which breaks the users file (smbd would not start): set ${SAMBA_PASSWORD_RULE.description}" >&2; exit 1; fi`,
    '}',
    ...users.map((u, i) => `usable "$SAMBA_PASSWORD_${i}" 'the password of ${u} (Secret ${SAMBA_SECRET}, key ${sambaPasswordKey(u)})'`),
    "esc() { printf '%s' \"$1\" | sed -e 's/\\\\/\\\\\\\\/g' -e 's/\"/\\\\\"/g'; }",
    '{',
    `printf '{"samba-container-config":"v0","users":{"all_entries":['`,
    ...entries,
    "printf ']}}\\n'",
    // A new file renamed over the old one: the old one is 0400, so writing into it again (the
    // step re-runs on the same emptyDir when the pod sandbox is re-created) would be refused.
    `} > ${USERS_DIR}/users.json.new`,
    `chmod 0400 ${USERS_DIR}/users.json.new`,
    `mv -f ${USERS_DIR}/users.json.new ${USERS_DIR}/users.json`,
    `echo "wrote ${users.length} user(s) to ${USERS_DIR}/users.json"`,
  ].join('\n');
}

export interface SambaProps {
  /** The namespace (Samba depends on it; its site settings place the pod and own the files). */
  readonly namespace: MediaNamespace;
  /** The permanent media library, shared as `library` (Samba depends on its owner). */
  readonly library: VolumeHandle;
  /**
   * The downloads, shared as `downloads`. Only its volume is used: Samba does not wait for
   * qBittorrent, which creates the claim in Longhorn mode. @default - no downloads share
   */
  readonly downloads?: VolumeHandle;
  /** SMB users; each gets a generated password in the `samba-secrets` Secret. @default ['media'] */
  readonly users?: readonly string[];
  /** @default 'WORKGROUP' */
  readonly workgroup?: string;
  /** Service type for port 445 (k3s ServiceLB serves a LoadBalancer on the node's address). @default 'LoadBalancer' */
  readonly serviceType?: SambaConfig['serviceType'];
  /** Container resources over the defaults. @default - 50m CPU, 128Mi requested, 1Gi limit */
  readonly resources?: Partial<ResourcesConfig>;
  /** Further components to apply first. @default [] */
  readonly dependsOn?: readonly Component[];
}

/**
 * Samba (samba-in-kubernetes server image, sambacc config) sharing the library and the
 * downloads over SMB. One generated password per user in `samba-secrets`; the users file is
 * rendered by an init container at runtime. Port 445 through a Service (k3s ServiceLB binds it
 * on the node) instead of host networking; WS-Discovery/LLMNR are not provided.
 * `ApiObject.of(samba)` is its Deployment.
 */
export class Samba extends Component {
  readonly workload: ApiObject;
  readonly service: ApiObject;

  constructor(scope: Construct, id: string, props: SambaProps) {
    const cfg = props.namespace.site;
    const s = { users: props.users ?? ['media'], workgroup: props.workgroup ?? 'WORKGROUP', serviceType: props.serviceType ?? 'LoadBalancer' } as const;
    const shares: SambaShare[] = [{ name: 'library', volume: props.library.volume }, ...(props.downloads ? [{ name: 'downloads', volume: props.downloads.volume }] : [])];
    super(scope, id, {
      dir: `apps/${cfg.namespace}/samba`,
      fluxName: 'samba',
      namespace: cfg.namespace,
      description: `Samba on port ${SMB_PORT}: ${shares.map((x) => x.name).join(', ')} for ${s.users.join(', ')}`,
    });
    this.addDependency(props.namespace);
    useVolume(this, props.library);
    this.addDependency(...(props.dependsOn ?? []));
    this.addSecret(
      SAMBA_SECRET,
      s.users.map((u) => ({ key: sambaPasswordKey(u), source: { kind: 'generated', length: 24, alphabet: 'alphanumeric' } as const, valueRule: SAMBA_PASSWORD_RULE })),
    );
    setFileName(
      new k8s.KubeConfigMap(this, 'config', {
        metadata: { name: SAMBA_CONFIG_MAP, namespace: cfg.namespace, labels: appLabels('samba') },
        data: { 'container.json': `${JSON.stringify(sambaContainerConfig(s, shares, cfg.gid), null, 2)}\n` },
      }),
      'configmap.yaml',
    );
    const placement = storageNodePlacement(cfg);
    const passwords: Record<string, EnvValue> = Object.fromEntries(s.users.map((u, i) => [`SAMBA_PASSWORD_${i}`, { secret: SAMBA_SECRET, key: sambaPasswordKey(u) }]));
    for (const u of s.users) publishFact(this, { kind: 'login', instance: 'samba', user: u, secret: SAMBA_SECRET, key: sambaPasswordKey(u), setBy: 'render-users' });
    const workload = (this.workload = addWorkload(this, cfg, {
      name: 'samba',
      controller: 'Deployment',
      pod: {
        ...placement,
        startsAsRoot: true,
        initContainers: [
          container({
            name: 'render-users',
            image: IMAGES.busybox,
            command: ['sh', '-c', renderUsersScript(s.users, cfg)],
            env: passwords,
            mounts: [{ volume: 'users', path: USERS_DIR }],
            resources: SHELL_STEP_RESOURCES,
            security: { runAs: { uid: cfg.uid, gid: cfg.gid } },
          }),
        ],
        containers: [
          container({
            name: 'samba',
            image: SAMBA_IMAGE,
            ports: [{ name: 'smb', port: SMB_PORT }],
            env: {
              TZ: cfg.timezone,
              SAMBACC_CONFIG: `${CONFIG_DIR}/container.json:${USERS_DIR}/users.json`,
              SAMBA_CONTAINER_ID,
            },
            mounts: [
              { volume: 'config', path: CONFIG_DIR, readOnly: true },
              { volume: 'users', path: USERS_DIR, readOnly: true },
              ...shares.map((x) => ({ volume: x.volume.name, path: `${SHARES_ROOT}/${x.name}` })),
            ],
            probes: { check: { tcp: 'smb' }, startupSeconds: 120 },
            resources: withOverrides({ cpuRequest: '50m', memoryRequest: '128Mi', memoryLimit: '1Gi' }, props.resources),
            security: { runAsRoot: true, readOnlyRootFilesystem: false, dropAll: false },
          }),
        ],
        volumes: [
          { name: 'config', configMap: { name: SAMBA_CONFIG_MAP } },
          { name: 'users', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString('1Mi') } },
          ...shares.map((x) => x.volume),
        ],
      },
    }));
    this.node.defaultChild = workload;
    this.addSecurityExceptionFor(workload, {
      container: 'samba',
      rules: ['run-as-non-root', 'read-only-root-filesystem', 'drop-all-capabilities'],
      reason: 'smbd runs as root and switches to each logged-in user (setuid/setgid); sambacc writes the users into /etc/passwd, /etc/group and the Samba passdb at start',
    });
    this.addCall({ from: 'private-networks', to: { app: 'samba' }, ports: [SMB_PORT], why: 'SMB clients on the LAN' });
    this.service = addService(this, cfg, {
      name: 'samba',
      instance: 'samba',
      ports: [{ name: 'smb', port: SMB_PORT }],
      type: s.serviceType,
      // Keep the client's address: with Cluster the node SNATs it, and the NetworkPolicy that
      // admits only the private ranges sees a node address and filters nothing. Only the node
      // that runs the Samba pod answers then (ServiceLB advertises just that node).
      ...clientAddressServiceProps(s.serviceType, placement),
    });
  }
}
