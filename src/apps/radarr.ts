import type { Construct } from 'constructs';
import type { StackConfig } from '../config/types.js';
import { ArrApp, type ArrAppProps } from '../lib/arr.js';

/** Radarr (movies, port 7878): the *arr StatefulSet with the media, symlink and DFS mounts. */
export class Radarr extends ArrApp {
  constructor(scope: Construct, id: string, cfg: StackConfig, props: Partial<Pick<ArrAppProps, 'instance' | 'env' | 'dependsOn'>> = {}) {
    super(scope, id, cfg, { kind: 'radarr', app: cfg.apps.radarr, mediaMounts: true, waitForDfs: true, ...props });
  }
}
