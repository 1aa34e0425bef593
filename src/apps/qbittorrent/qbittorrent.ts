import * as k8s from '../../../imports/k8s.js';
import type { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { ResourcesConfig, SiteConfig } from '../../config/types.js';
import type { VolumeHandle } from '../../lib/handles.js';
import type { ArrEndpoint } from '../servarr/arr.js';
import type { MediaNamespace } from '../shared-storage/shared-storage.js';
import type { VpnConfig } from './config.js';
import { Component, setFileName } from '../../lib/component.js';
import { publishFact } from '../../lib/published-facts.js';
import { GLUETUN_HEALTH_PORT, GLUETUN_IMAGE, PROTONWIRE_IMAGE, QBITTORRENT_IMAGE } from './facts.js';
import { appLabels, container, selectorLabels, SHELL_STEP_RESOURCES, withOverrides, type EnvValue } from '../../lib/pod.js';
import { storageNodePlacement } from '../../lib/placement.js';
import { addConfigClaim, CLAIMS, configVolume, downloadsVolume, PATHS } from '../../lib/storage.js';
import { PRUNE_DISABLED } from '../../output/state.js';
import { addHeadlessService, addIngress, addService, addWorkload, firstLoginIngress, ingressControllerPeers, scratchVolume } from '../../lib/workload.js';

const VPN_SECRET = 'qbittorrent-vpn';
export const KILL_SWITCH_POLICY = 'qbittorrent-vpn-killswitch';

/**
 * Sysctls ProtonWire needs on the pod. Both are UNSAFE in Kubernetes: every kubelet that may run
 * the pod must allow them (`--allowed-unsafe-sysctls`), or the pod fails with SysctlForbidden.
 */
export const PROTONWIRE_SYSCTLS = [
  { name: 'net.ipv4.conf.all.rp_filter', value: '2' },
  { name: 'net.ipv6.conf.all.disable_ipv6', value: '1' },
] as const;

/** Where the image keeps its configuration and the defaults its entrypoint copies in (home-operations/containers `apps/qbittorrent/entrypoint.sh`). */
export const QBT_CONFIG_FILE = '/config/qBittorrent/qBittorrent.conf';
export const QBT_DEFAULTS_FILE = '/defaults/qBittorrent.conf';

/**
 * Init script (bash, in the qBittorrent image) that gives qBittorrent a default save path
 * before its first start. Without `BitTorrent/Session/DefaultSavePath` qBittorrent saves to
 * `$HOME/Downloads` (the image sets HOME=/config: the config volume, where no Arr looks), so a
 * grab before the WebUI step would land there. The config file is created from the image's
 * defaults as its entrypoint would; only a missing key is added, so a path set later in the
 * WebUI stays.
 */
export function seedConfigScript(savePath: string, files: { config: string; defaults: string } = { config: QBT_CONFIG_FILE, defaults: QBT_DEFAULTS_FILE }): string {
  return [
    'set -euo pipefail',
    `conf='${files.config}'`,
    `line='Session\\DefaultSavePath=${savePath}'`,
    'mkdir -p "${conf%/*}"',
    `[[ -f "$conf" ]] || cp '${files.defaults}' "$conf"`,
    'while IFS= read -r l || [[ -n "$l" ]]; do',
    '  if [[ "$l" == "${line%%=*}="* ]]; then echo "default save path already set: $l"; exit 0; fi',
    'done < "$conf"',
    // The key belongs to the [BitTorrent] section (QSettings INI: BitTorrent/Session/DefaultSavePath).
    'added=0',
    '{',
    '  while IFS= read -r l || [[ -n "$l" ]]; do',
    '    printf \'%s\\n\' "$l"',
    '    if [[ "$l" == "[BitTorrent]" && $added == 0 ]]; then printf \'%s\\n\' "$line"; added=1; fi',
    '  done < "$conf"',
    '  if [[ $added == 0 ]]; then printf \'\\n[BitTorrent]\\n%s\\n\' "$line"; fi',
    '} > "$conf.new"',
    'mv "$conf.new" "$conf"',
    'echo "set $line"',
  ].join('\n');
}

export interface QBittorrentProps {
  /** The namespace (qBittorrent depends on it; its site settings place the pod and lay out the storage). */
  readonly namespace: MediaNamespace;
  /** The VPN sidecar and the kill switch's endpoints (there is no VPN-less mode). */
  readonly vpn: VpnConfig;
  /**
   * The library managers that use it as their download client: their calls to the WebUI and the
   * kill switch's ingress. Endpoints, not components: qBittorrent is built before them (they
   * mount its downloads). @default []
   */
  readonly clients?: readonly ArrEndpoint[];
  /** WebUI port (`QBT_WEBUI_PORT`). @default 8080 */
  readonly webUiPort?: number;
  /** Size of the shared downloads volume (Longhorn RWX; host path `<root>/downloads` otherwise). @default '500Gi' */
  readonly downloadsSize?: string;
  /** Publish the Ingress (the image skips the login for private addresses, so it waits for the opt-in). @default false */
  readonly ingress?: boolean;
  /** Container resources over the defaults. @default - 100m CPU, 512Mi requested, 4Gi limit */
  readonly resources?: Partial<ResourcesConfig>;
  /** Size of the config volume. @default '5Gi' */
  readonly configSize?: string;
  /** Further components to apply first. @default [] */
  readonly dependsOn?: readonly Component[];
}

/**
 * qBittorrent (home-operations rootless image) behind a VPN sidecar in the same pod network
 * namespace, with two kill-switch layers:
 *  1. in the pod: gluetun's firewall (or ProtonWire's routing kill switch) drops everything that
 *     does not go through the tunnel, except replies to the cluster CIDRs;
 *  2. in the cluster: a NetworkPolicy lets the pod send only to the VPN endpoint(s) and cluster
 *     DNS, and receive only on the WebUI from Sonarr/Radarr and the ingress controller. If the
 *     tunnel is down or the sidecar is misconfigured, nothing reaches the internet.
 *
 * The VPN runs as a native sidecar (init container with `restartPolicy: Always`): it is started
 * — and its startup probe passed, i.e. the tunnel is up — before qBittorrent starts.
 * `ApiObject.of(qbittorrent)` is its StatefulSet.
 */
export class QBittorrent extends Component {
  /** The downloads as the Arrs mount them, at the same path (this component owns the claim in Longhorn mode). */
  readonly downloads: VolumeHandle;
  readonly workload: ApiObject;
  readonly service: ApiObject;
  /** @default - none until the first-login opt-in (or with the ingress off) */
  readonly ingress?: ApiObject;
  /** The kill-switch NetworkPolicy (layer 2). */
  readonly killSwitch: ApiObject;

  constructor(scope: Construct, id: string, props: QBittorrentProps) {
    const cfg = props.namespace.site;
    const vpn = props.vpn;
    const webUi = props.webUiPort ?? 8080;
    const ingress = props.ingress ?? false;
    super(
      scope,
      id,
      props.namespace.appFolder('qbittorrent', `qBittorrent (WebUI ${webUi}) behind ${vpn.provider} with a NetworkPolicy kill switch`, { dependsOn: props.dependsOn }),
    );
    const longhorn = cfg.storage.mode === 'longhorn';
    this.downloads = { volume: downloadsVolume(cfg), mount: { volume: CLAIMS.downloads, path: PATHS.downloads }, ...(longhorn ? { owner: this } : {}) };

    this.addSecret(VPN_SECRET, [
      {
        key: 'wireguard-private-key',
        source: { kind: 'operator', description: 'WireGuard private key of the VPN configuration (e.g. ProtonVPN → Downloads → WireGuard configuration, PrivateKey)' },
      },
    ]);

    const sidecar = vpn.provider === 'gluetun' ? gluetun(cfg, vpn, webUi) : protonwire(cfg, vpn);
    addConfigClaim(this, cfg, 'qbittorrent', props.configSize ?? '5Gi');
    if (longhorn) {
      // Shared with Sonarr/Radarr on any storage node: RWX.
      setFileName(
        new k8s.KubePersistentVolumeClaim(this, 'downloads-pvc', {
          metadata: { name: CLAIMS.downloads, namespace: cfg.namespace, labels: appLabels('qbittorrent'), annotations: { ...PRUNE_DISABLED } },
          spec: {
            accessModes: ['ReadWriteMany'],
            storageClassName: cfg.storage.rwxStorageClass,
            resources: { requests: { storage: k8s.Quantity.fromString(props.downloadsSize ?? '500Gi') } },
          },
        }),
        'pvc-downloads.yaml',
      );
    }
    publishFact(this, { kind: 'seeded-setting', instance: 'qbittorrent', container: 'seed-config', setting: 'BitTorrent/Session/DefaultSavePath', value: PATHS.downloads });
    const workload = (this.workload = addWorkload(this, cfg, {
      name: 'qbittorrent',
      controller: 'StatefulSet',
      pod: {
        ...storageNodePlacement(cfg),
        // Let qBittorrent flush resume data and announce stops.
        terminationGracePeriodSeconds: 300,
        ...(vpn.provider === 'protonwire' ? { sysctls: PROTONWIRE_SYSCTLS } : {}),
        // Before the VPN sidecar: it needs no network.
        initContainers: [
          container({
            name: 'seed-config',
            image: QBITTORRENT_IMAGE,
            command: ['bash', '-c', seedConfigScript(PATHS.downloads)],
            mounts: [{ volume: 'config', path: PATHS.config }],
            resources: SHELL_STEP_RESOURCES,
          }),
          sidecar,
        ],
        containers: [
          container({
            name: 'qbittorrent',
            image: QBITTORRENT_IMAGE,
            ports: [{ name: 'http', port: webUi }],
            env: { TZ: cfg.timezone, QBT_WEBUI_PORT: String(webUi) },
            mounts: [
              { volume: 'config', path: PATHS.config },
              { volume: CLAIMS.downloads, path: PATHS.downloads },
              { volume: 'tmp', path: '/tmp' },
            ],
            // Every WebAPI call needs a login unless the caller's subnet is whitelisted: TCP.
            probes: { check: { tcp: 'http' } },
            resources: withOverrides({ cpuRequest: '100m', memoryRequest: '512Mi', memoryLimit: '4Gi' }, props.resources),
          }),
        ],
        volumes: [
          configVolume(cfg, 'qbittorrent'),
          downloadsVolume(cfg),
          scratchVolume(),
          vpn.provider === 'gluetun' ? scratchVolume('gluetun', '64Mi') : { name: 'vpn-tmp', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString('64Mi') } },
        ],
      },
    }));
    this.node.defaultChild = workload;

    if (vpn.provider === 'protonwire') {
      this.addSecurityExceptionFor(workload, {
        rules: ['no-unsafe-sysctls'],
        reason: 'ProtonWire requires net.ipv4.conf.all.rp_filter=2 (and IPv6 off) in the pod network namespace; both are unsafe sysctls the kubelet must allow explicitly',
      });
      if (vpn.bootstrapCidrs.length === 0) {
        this.addWarning(
          'qbittorrent: ProtonWire downloads server metadata from https://protonwire-api.vercel.app before the tunnel is up, but apps.qbittorrent.vpn.bootstrapCidrs is empty, so the kill-switch NetworkPolicy blocks it',
        );
      }
    }
    this.addSecurityExceptionFor(workload, {
      container: sidecar.name,
      rules: ['run-as-non-root', 'drop-all-capabilities', 'read-only-root-filesystem'],
      reason:
        vpn.provider === 'gluetun'
          ? `gluetun sets up WireGuard, routes and its iptables kill switch as root with NET_ADMIN (and its DNS on :53), writing its state under /gluetun; /dev/net/tun comes from the ${vpn.tunResource} device-plugin resource, not from privileged or a hostPath`
          : 'ProtonWire sets up kernel WireGuard and its routing kill switch as root with NET_ADMIN and writes its state files at runtime',
    });

    const clients = props.clients ?? [];
    this.killSwitch = this.addKillSwitchPolicy(cfg, { vpn, webUi, ingress, clients });

    // Call graph for the generated NetworkPolicies: only inbound edges; the pod's egress is the
    // kill-switch policy's business (no 'internet' edge on purpose).
    const self = { app: 'qbittorrent' };
    for (const arr of clients) {
      this.addCall({ from: { app: arr.kind, instance: arr.instance }, to: self, ports: [webUi], why: 'qBittorrent as download client' });
    }
    // The image's defaults skip the login for every private address — the ingress controller's
    // included — so the Ingress waits for the opt-in (docs/post-deploy.md).

    this.service = addService(this, cfg, { name: 'qbittorrent', instance: 'qbittorrent', ports: [{ name: 'http', port: webUi }] });
    addHeadlessService(this, cfg, { name: 'qbittorrent', instance: 'qbittorrent', ports: [{ name: 'http', port: webUi }] });
    this.ingress = addIngress(this, cfg, {
      name: 'qbittorrent',
      instance: 'qbittorrent',
      service: 'qbittorrent',
      port: 'http',
      call: { to: self, port: webUi, why: 'WebUI through the ingress' },
      firstLoginOptIn: ingress,
    });
  }

  /**
   * Kill switch, layer 2: egress only to the VPN endpoint(s) and cluster DNS (plus, for
   * ProtonWire, its metadata API on 443); ingress only to the WebUI from the Arrs and (when the
   * Ingress exists) the ingress controller. Emitted even when the namespace-wide policies are off.
   */
  private addKillSwitchPolicy(cfg: SiteConfig, p: { vpn: VpnConfig; webUi: number; ingress: boolean; clients: readonly ArrEndpoint[] }): ApiObject {
    const vpn = p.vpn;
    const port = (n: number, protocol: 'TCP' | 'UDP' = 'TCP') => ({ protocol, port: k8s.IntOrString.fromNumber(n) });
    const egress: k8s.NetworkPolicyEgressRule[] = [
      { to: vpn.endpointCidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: [port(vpn.endpointPort, vpn.endpointProtocol)] },
      {
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
        ports: [port(53, 'UDP'), port(53, 'TCP')],
      },
    ];
    if (vpn.provider === 'protonwire' && vpn.bootstrapCidrs.length > 0) {
      egress.push({ to: vpn.bootstrapCidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: [port(443)] });
    }
    const from: k8s.NetworkPolicyPeer[] = p.clients.map((a) => ({ podSelector: { matchLabels: selectorLabels(a.kind, a.instance) } }));
    if (firstLoginIngress(cfg, p.ingress)) from.push(...ingressControllerPeers(cfg));
    return setFileName(
      new k8s.KubeNetworkPolicy(this, 'killswitch', {
        metadata: { name: KILL_SWITCH_POLICY, namespace: cfg.namespace, labels: appLabels('qbittorrent') },
        spec: {
          podSelector: { matchLabels: selectorLabels('qbittorrent') },
          policyTypes: ['Ingress', 'Egress'],
          ingress: from.length ? [{ from, ports: [port(p.webUi)] }] : [],
          egress,
        },
      }),
      'networkpolicy-killswitch.yaml',
    );
  }
}

/** gluetun as a native sidecar: NET_ADMIN + the tun device resource, never privileged. */
function gluetun(cfg: SiteConfig, vpn: VpnConfig, webUi: number): k8s.Container {
  const env: Record<string, EnvValue> = {
    TZ: cfg.timezone,
    VPN_SERVICE_PROVIDER: vpn.serviceProvider,
    VPN_TYPE: 'wireguard',
    WIREGUARD_PRIVATE_KEY: { secret: VPN_SECRET, key: 'wireguard-private-key' },
    ...(vpn.serverCountries.length ? { SERVER_COUNTRIES: vpn.serverCountries.join(',') } : {}),
    // Pinned servers: the kill-switch NetworkPolicy only lets the tunnel reach endpointCidrs.
    ...(vpn.serverHostnames.length ? { SERVER_HOSTNAMES: vpn.serverHostnames.join(',') } : {}),
    // Kubelet, Sonarr/Radarr and the ingress controller reach the WebUI and health server on
    // the pod interface; replies to the cluster ranges leave outside the tunnel.
    FIREWALL_INPUT_PORTS: `${webUi},${GLUETUN_HEALTH_PORT}`,
    FIREWALL_OUTBOUND_SUBNETS: `${cfg.network.podCidr},${cfg.network.serviceCidr}`,
    HEALTH_SERVER_ADDRESS: `:${GLUETUN_HEALTH_PORT}`,
    ...(vpn.portForwarding ? { VPN_PORT_FORWARDING: 'on' } : {}),
  };
  return container({
    name: 'gluetun',
    image: GLUETUN_IMAGE,
    restartPolicy: 'Always',
    ports: [{ name: 'vpn-health', port: GLUETUN_HEALTH_PORT }],
    env,
    mounts: [{ volume: 'gluetun', path: '/gluetun' }],
    // The health server answers 200 on / while the tunnel works.
    probes: { check: { http: '/', port: 'vpn-health' }, startupSeconds: 120 },
    resources: { cpuRequest: '50m', memoryRequest: '64Mi', memoryLimit: '256Mi' },
    extendedResources: { [vpn.tunResource]: 1 },
    security: { runAsRoot: true, readOnlyRootFilesystem: false, dropAll: false, addCapabilities: ['NET_ADMIN'] },
    // A restarted sidecar finds the previous instance's routing rules in the pod netns
    // ("adding IPv6 rule: file exists"): drop them (gluetun wiki, Kubernetes page).
    lifecycle: { postStart: { exec: { command: ['/bin/sh', '-c', '(ip rule del table 51820; ip -6 rule del table 51820) || true'] } } },
  });
}

/** ProtonWire as a native sidecar: NET_ADMIN, /tmp in memory, DNS left to the cluster. */
function protonwire(cfg: SiteConfig, vpn: VpnConfig): k8s.Container {
  const healthcheck = ['protonwire', 'healthcheck', '--silent', '--service-status-file'];
  return container({
    name: 'protonwire',
    image: PROTONWIRE_IMAGE,
    restartPolicy: 'Always',
    env: {
      TZ: cfg.timezone,
      PROTONVPN_SERVER: vpn.server ?? '',
      WIREGUARD_PRIVATE_KEY: { secret: VPN_SECRET, key: 'wireguard-private-key' },
      KILL_SWITCH: '1',
      // Proton's DNS cannot resolve *.cluster.local names.
      SKIP_DNS_CONFIG: '1',
    },
    mounts: [{ volume: 'vpn-tmp', path: '/tmp' }],
    probes: { check: { exec: healthcheck }, startupSeconds: 120 },
    resources: { cpuRequest: '50m', memoryRequest: '64Mi', memoryLimit: '256Mi' },
    security: { runAsRoot: true, readOnlyRootFilesystem: false, dropAll: false, addCapabilities: ['NET_ADMIN'] },
  });
}
