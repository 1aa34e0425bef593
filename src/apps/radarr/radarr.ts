import type { Construct } from 'constructs';
import { ArrApp, type LibraryArrProps } from '../servarr/arr.js';
import { RADARR } from './facts.js';

/** Props of `Radarr`: a library manager's (namespace, media and symlink libraries; optional DFS, downloads, database). */
export type RadarrProps = LibraryArrProps;

/** Radarr (movies): the *arr StatefulSet with the media, symlink and (when given) DFS and downloads mounts. */
export class Radarr extends ArrApp {
  constructor(scope: Construct, id: string, props: RadarrProps) {
    super(scope, id, RADARR, props);
  }
}
