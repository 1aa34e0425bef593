import { appSchema, type AppConfigSlice } from '../../config/apps.js';
import { cronSchedule } from '../../config/cron.js';
import { bool, cidr, int, oneOf, optional, strList, unicastIpv4 } from '../../config/schema.js';
import type { AppConfig } from '../../config/types.js';

export interface PlexConfig extends AppConfig {
  /** Service type for client access. @default 'LoadBalancer' */
  readonly serviceType: 'LoadBalancer' | 'ClusterIP' | 'NodePort';
  /** Fixed LoadBalancer IP (MetalLB). @default - assigned by the load balancer */
  readonly loadBalancerIP?: string;
  /**
   * Give Plex itself the GPU too. Plex only asks ClusterPlex workers for hardware transcodes when
   * it decides on hardware encoding itself, which needs a GPU where PMS runs.
   * @default true
   */
  readonly gpu: boolean;
  /**
   * GID of the host's `render` group (owner of /dev/dri/renderD*), added as a supplemental group.
   * @default 109 (Debian/Ubuntu `render`); check with `getent group render` on the node
   */
  readonly renderGroupId: number;
  /**
   * Where PMS runs. `gpu-node`: on the GPU node next to the workers, so Plex itself sees the GPU
   * and decides on hardware transcoding (ClusterPlex only moves the transcodes Plex planned).
   * `storage-nodes`: with the streaming stack on the Longhorn nodes, as the seed draws it; only
   * transcodes on a GPU if those nodes have one the device plugin advertises.
   * @default 'gpu-node'
   */
  readonly placement: 'gpu-node' | 'storage-nodes';
  /**
   * The plex-setup CronJob: once the server is claimed it sets, through Plex's API with the
   * server's own token, the transcoder temporary directory `/transcode`, hardware acceleration
   * (with `gpu`), the networks below and one library per media type; it only adds what is
   * missing and keeps every value the operator changed.
   * @default true
   */
  readonly setupJob: boolean;
  /** Schedule of the plex-setup CronJob. @default '47 * * * *' (hourly) */
  readonly setupSchedule: string;
  /**
   * Let plex-setup add one library per media type (Movies, TV Shows, Music with Lidarr) whose
   * folders are the streaming and the permanent library folders of the Arrs. Off: the job
   * leaves the libraries to you. @default true
   */
  readonly setupLibraries: boolean;
  /**
   * Networks whose clients need no sign-in (Plex's "List of IP addresses and networks that are
   * allowed without auth", preference `allowedNetworks`), e.g. `['192.168.1.0/24']`. Set once
   * by plex-setup while Plex's value is empty.
   * @default - not set (every client signs in)
   */
  readonly allowedNetworks?: readonly string[];
  /**
   * Networks Plex treats as local for bandwidth and remote-access rules ("LAN Networks",
   * preference `LanNetworksBandwidth`), e.g. `['192.168.1.0/24']`. Set once by plex-setup while
   * Plex's value is empty.
   * @default - not set (Plex counts only its own subnet, the pod network, as local)
   */
  readonly lanNetworks?: readonly string[];
  /**
   * A sidecar in the Plex pod that copies the claimed server's token (PlexOnlineToken in
   * Preferences.xml) into the Secret `plex-token` (key `token`) for plex-setup, Pulsarr and the
   * Arrs' library refresh. Off: fill that Secret yourself.
   * @default true
   */
  readonly tokenWriter: boolean;
}

declare module '../../config/types.js' {
  interface AppsConfig {
    /** Plex Media Server (port 32400). @default - enabled, with the GPU, on the GPU node */
    readonly plex: PlexConfig;
  }
}

export const plexConfig: AppConfigSlice<'plex'> = {
  key: 'plex',
  schema: appSchema({
    serviceType: oneOf(['LoadBalancer', 'ClusterIP', 'NodePort']),
    loadBalancerIP: optional(unicastIpv4),
    gpu: bool,
    renderGroupId: int(1, 65535),
    placement: oneOf(['gpu-node', 'storage-nodes']),
    setupJob: bool,
    setupSchedule: cronSchedule,
    setupLibraries: bool,
    allowedNetworks: optional(strList(cidr)),
    lanNetworks: optional(strList(cidr)),
    tokenWriter: bool,
  }),
  defaults: {
    enabled: true,
    serviceType: 'LoadBalancer',
    gpu: true,
    renderGroupId: 109,
    placement: 'gpu-node',
    setupJob: true,
    setupSchedule: '47 * * * *',
    setupLibraries: true,
    tokenWriter: true,
  },
};
