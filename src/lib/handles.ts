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
