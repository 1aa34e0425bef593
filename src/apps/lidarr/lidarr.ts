import type { Construct } from 'constructs';
import { ArrApp, type LibraryArrProps } from '../servarr/arr.js';
import { LIDARR } from './facts.js';

/** Props of `Lidarr`: a library manager's (namespace, media and symlink libraries; optional DFS, downloads, database). */
export type LidarrProps = LibraryArrProps;

/**
 * Lidarr (music): the *arr StatefulSet with the media, symlink and (when given) DFS and downloads
 * mounts, like Sonarr and Radarr. Its env is the same Servarr pattern (`LIDARR__AUTH__APIKEY`,
 * `LIDARR__SERVER__PORT`, …): Lidarr's Bootstrap binds its `Lidarr:*` sections from the environment.
 */
export class Lidarr extends ArrApp {
  constructor(scope: Construct, id: string, props: LidarrProps) {
    super(scope, id, LIDARR, props);
  }
}
