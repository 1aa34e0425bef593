import { appSchema, type AppConfigSlice } from '../../config/apps.js';
import { bool, cidr, int, labelKey, node, oneOf, optional, storageSize, str, strList } from '../../config/schema.js';
import type { FirstLoginAppConfig } from '../../config/types.js';

/**
 * The VPN sidecar of qBittorrent and the second kill-switch layer (a NetworkPolicy that allows
 * the pod egress only to the VPN endpoint and cluster DNS).
 */
export interface VpnConfig {
  /**
   * `gluetun`: native sidecar with NET_ADMIN and /dev/net/tun from a device plugin.
   * `protonwire`: ProtonWire (kernel WireGuard) — needs the UNSAFE sysctls
   * `net.ipv4.conf.all.rp_filter` and `net.ipv6.conf.all.disable_ipv6` on the pod, so every
   * kubelet that may run it must start with
   * `--allowed-unsafe-sysctls=net.ipv4.conf.all.rp_filter,net.ipv6.conf.all.disable_ipv6`
   * (k3s: `kubelet-arg: [allowed-unsafe-sysctls=…]`); otherwise the pod is rejected with
   * `SysctlForbidden`.
   * @default 'gluetun'
   */
  readonly provider: 'gluetun' | 'protonwire';
  /** gluetun `VPN_SERVICE_PROVIDER` (WireGuard). @default 'protonvpn' */
  readonly serviceProvider: string;
  /** gluetun `SERVER_COUNTRIES`. @default [] (any) */
  readonly serverCountries: readonly string[];
  /**
   * gluetun `SERVER_HOSTNAMES`: the servers the tunnel may use. Required with gluetun (unless
   * `serviceProvider` is 'custom'): the kill-switch NetworkPolicy only lets traffic reach
   * `endpointCidrs`, so gluetun must not pick a server outside them.
   * @default []
   */
  readonly serverHostnames: readonly string[];
  /** ProtonWire `PROTONVPN_SERVER` (a server DNS name or IP). Required with `protonwire`. @default - none */
  readonly server?: string;
  /**
   * Addresses of the VPN server(s) the tunnel may connect to: the ONLY internet egress the
   * kill-switch NetworkPolicy allows. Required when qBittorrent is enabled.
   * @default []
   */
  readonly endpointCidrs: readonly string[];
  /** WireGuard endpoint port. @default 51820 */
  readonly endpointPort: number;
  /** @default 'UDP' */
  readonly endpointProtocol: 'UDP' | 'TCP';
  /**
   * Extended resource that provides /dev/net/tun without `privileged` or a hostPath
   * (squat/generic-device-plugin). @default 'squat.ai/tun'
   */
  readonly tunResource: string;
  /**
   * ProtonWire only: addresses of `protonwire-api.vercel.app` (server metadata, fetched over
   * HTTPS before the tunnel is up). Allowed on TCP 443 outside the tunnel. @default []
   */
  readonly bootstrapCidrs: readonly string[];
  /** gluetun `VPN_PORT_FORWARDING=on` (provider must support it). @default false */
  readonly portForwarding: boolean;
}

export interface QBittorrentConfig extends FirstLoginAppConfig {
  /** WebUI port (`QBT_WEBUI_PORT`). @default 8080 */
  readonly webUiPort: number;
  /** Size of the shared downloads volume (Longhorn RWX; host path `<root>/downloads` otherwise). @default '500Gi' */
  readonly downloadsSize: string;
  /** @default - see VpnConfig */
  readonly vpn: VpnConfig;
}

declare module '../../config/types.js' {
  interface AppsConfig {
    /** qBittorrent behind a VPN sidecar (seed 004). @default - disabled */
    readonly qbittorrent: QBittorrentConfig;
  }
}

export const qbittorrentConfig: AppConfigSlice<'qbittorrent'> = {
  key: 'qbittorrent',
  schema: appSchema({
    ingress: bool,
    webUiPort: int(1024, 65535),
    downloadsSize: storageSize,
    vpn: node({
      provider: oneOf(['gluetun', 'protonwire']),
      serviceProvider: str(/^[a-z0-9 ._-]+$/, 'use a gluetun VPN_SERVICE_PROVIDER such as "protonvpn" or "mullvad"'),
      serverCountries: strList(str(/^[A-Za-z][A-Za-z .-]*$/, 'use a country name such as "Netherlands"')),
      serverHostnames: strList(str(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'use a server host name from the provider, e.g. "node-nl-05.protonvpn.net"')),
      server: optional(str(/^[A-Za-z0-9.#-]+$/, 'use a ProtonVPN server name such as "NL#1", its DNS name or its IP')),
      endpointCidrs: strList(cidr),
      endpointPort: int(1, 65535),
      endpointProtocol: oneOf(['UDP', 'TCP']),
      tunResource: labelKey,
      bootstrapCidrs: strList(cidr),
      portForwarding: bool,
    }),
  }),
  defaults: {
    enabled: false,
    ingress: false,
    webUiPort: 8080,
    downloadsSize: '500Gi',
    vpn: {
      provider: 'gluetun',
      serviceProvider: 'protonvpn',
      serverCountries: [],
      serverHostnames: [],
      endpointCidrs: [],
      endpointPort: 51820,
      endpointProtocol: 'UDP',
      tunResource: 'squat.ai/tun',
      bootstrapCidrs: [],
      portForwarding: false,
    },
  },
};
