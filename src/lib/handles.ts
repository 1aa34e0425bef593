import * as k8s from '../../imports/k8s.js';
import { setFileName, type Component } from './component.js';
import type { EnvValue, Mount } from './pod.js';

/**
 * A shared volume as a pod uses it: the pod volume, where it is mounted and the component that
 * creates it. Whoever mounts it through `useVolume` depends on that owner, so a forgotten
 * dependency cannot happen.
 */
export interface VolumeHandle {
  readonly volume: k8s.Volume;
  /** The mount (its `volume` is `volume.name`). */
  readonly mount: Mount;
  /** The component that creates the volume (Flux applies it first). @default - nothing to wait for (a host path) */
  readonly owner?: Component;
}

/** Mounts `handle` in `user`'s pod: adds its owner to `user`'s dependencies and returns the volume and mount. */
export function useVolume(user: Component, handle: VolumeHandle): { volume: k8s.Volume; mount: Mount } {
  user.addDependency(handle.owner);
  return { volume: handle.volume, mount: handle.mount };
}

/** A PostgreSQL server as its clients see it (src/apps/postgres). */
export interface DatabaseHandle {
  /** In-cluster host name of the server. */
  readonly host: string;
  readonly port: number;
  /** The superuser and where its password is, for init containers that create roles and databases. */
  readonly superuser: { readonly name: string; readonly password: Extract<EnvValue, object> };
  /** The app label of the server's pods (for the network call). */
  readonly app: string;
  /** The component that runs the server. @default - nothing to wait for */
  readonly owner?: Component;
}

/**
 * A GPU as its users request it (config `gpu.mode`): with the device plugin an extended resource,
 * with DRA a device of a DeviceClass that every user gets through one shared ResourceClaim
 * (a ResourceClaimTemplate would give each pod a whole GPU of its own: Intel's driver offers no
 * shared allocation, so Plex and a worker on a node with one GPU could not both start).
 */
export type GpuHandle =
  | {
      readonly mode: 'device-plugin';
      /** The extended resource a container requests one of, e.g. `gpu.intel.com/i915`. */
      readonly resource: string;
      /** The device plugin's component (Flux applies it first). @default - nothing to wait for (a plugin the stack does not deploy) */
      readonly owner?: Component;
    }
  | {
      readonly mode: 'dra';
      /** The DeviceClass the claim requests one device of, e.g. `gpu.intel.com`. */
      readonly deviceClass: string;
      /** Name of the shared ResourceClaim in the users' namespace. */
      readonly claimName: string;
      /** The resource driver's component (Flux applies it first). @default - nothing to wait for (a driver the stack does not deploy) */
      readonly owner?: Component;
    };

/** How a pod gets its GPU: the container's extended resources and claim names, the pod's claims. */
export interface GpuRequest {
  readonly extendedResources: Record<string, number>;
  /** Names of `podClaims` the GPU container uses. */
  readonly claims: readonly string[];
  readonly podClaims: k8s.PodResourceClaim[];
}

/** Name of the GPU's entry in a pod's `spec.resourceClaims` (and the container's `resources.claims`). */
const GPU_POD_CLAIM = 'gpu';

/** The component that holds each DRA handle's shared ResourceClaim: its first user. */
const claimHolders = new WeakMap<GpuHandle, Component>();

/**
 * Requests `handle`'s GPU for `user`: adds the plugin or driver (and, with DRA, the component
 * that holds the shared ResourceClaim, the first user, which creates it) to its dependencies.
 */
export function useGpu(user: Component, handle: GpuHandle): GpuRequest {
  user.addDependency(handle.owner);
  if (handle.mode === 'device-plugin') return { extendedResources: { [handle.resource]: 1 }, claims: [], podClaims: [] };
  const holder = claimHolders.get(handle);
  if (holder) user.addDependency(holder);
  else {
    claimHolders.set(handle, user);
    setFileName(
      new k8s.KubeResourceClaim(user, 'gpu-claim', {
        metadata: { name: handle.claimName, namespace: user.namespace },
        spec: { devices: { requests: [{ name: GPU_POD_CLAIM, exactly: { deviceClassName: handle.deviceClass } }] } },
      }),
      'gpu-resourceclaim.yaml',
    );
  }
  return { extendedResources: {}, claims: [GPU_POD_CLAIM], podClaims: [{ name: GPU_POD_CLAIM, resourceClaimName: handle.claimName }] };
}

/**
 * Plex Media Server as its clients (Pulsarr) and its ClusterPlex workers see it
 * (src/apps/plex): the component itself, so using it adds it to the user's dependencies.
 */
export interface PlexHandle extends Component {
  /** The app label of its pods and the name of its Service. */
  readonly app: string;
  readonly port: number;
  /** In-cluster URL, e.g. `http://plex.media.svc.cluster.local:32400`. */
  readonly url: string;
  /** The PMS image: ClusterPlex workers must run the identical build. */
  readonly image: string;
  /**
   * Where its clients read the claimed server's token: a Secret key Flux creates empty once and
   * never applies again, filled from Plex's side once the server is claimed. Reference it with an
   * optional secretKeyRef and treat an empty value as "Plex not claimed yet: skip, log it".
   */
  readonly token: { readonly secret: string; readonly key: string };
  /** The relay ClusterPlex workers report progress through. @default - none without the ClusterPlex PMS mod */
  readonly relayPort?: number;
  /** The libraries as PMS mounts them (read-only media and symlinks, DFS, transcode): workers mount them at the same paths. */
  readonly libraries: readonly { readonly volume: k8s.Volume; readonly mount: Mount }[];
  /** PMS's Drivers and Cache directories on the transcode volume, which workers share (clusterplex#223, #321). */
  readonly sharedDirMounts: readonly Mount[];
}

/** A Servarr instance (Sonarr, Radarr…) as its clients see it (src/apps/servarr): the component itself, so using it adds it to the client's dependencies. */
export interface ArrHandle extends Component {
  readonly endpoint: {
    /** The kind's name, e.g. `sonarr`. */
    readonly kind: string;
    /** Instance name = Service name, e.g. `sonarr-4k`. */
    readonly instance: string;
    readonly port: number;
    /** In-cluster URL, e.g. `http://sonarr.media.svc.cluster.local:8989`. */
    readonly url: string;
    /** Where its API key lives (the Secret the app itself reads). */
    readonly apiKey: { readonly secret: string; readonly key: string };
  };
}
