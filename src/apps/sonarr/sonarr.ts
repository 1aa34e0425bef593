import type { Construct } from 'constructs';
import { ArrApp, type LibraryArrProps } from '../servarr/arr.js';
import { SONARR } from './facts.js';

/** Props of `Sonarr`: a library manager's (namespace, media and symlink libraries; optional DFS, downloads, database). */
export type SonarrProps = LibraryArrProps;

/** Sonarr (TV): the *arr StatefulSet with the media, symlink and (when given) DFS and downloads mounts. */
export class Sonarr extends ArrApp {
  constructor(scope: Construct, id: string, props: SonarrProps) {
    super(scope, id, SONARR, props);
  }
}
