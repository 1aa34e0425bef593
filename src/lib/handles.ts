import type * as k8s from '../../imports/k8s.js';
import type { Component } from './component.js';
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

/** A GPU as its users request it: the extended resource and the device plugin that advertises it. */
export interface GpuHandle {
  /** The extended resource a container requests one of, e.g. `gpu.intel.com/i915`. */
  readonly resource: string;
  /** The device plugin's component (Flux applies it first). @default - nothing to wait for (a plugin the stack does not deploy) */
  readonly owner?: Component;
}

/** Requests one share of `handle`'s GPU for `user`: adds the plugin to its dependencies and returns the container's extended resources. */
export function useGpu(user: Component, handle: GpuHandle): Record<string, number> {
  user.addDependency(handle.owner);
  return { [handle.resource]: 1 };
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
