import { appSchema, type AppConfigSlice } from '../../config/apps.js';
import { bool, int, oneOf, optional, unicastIpv4 } from '../../config/schema.js';
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
  }),
  defaults: { enabled: true, serviceType: 'LoadBalancer', gpu: true, renderGroupId: 109, placement: 'gpu-node' },
};
