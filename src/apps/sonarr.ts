import type { Construct } from 'constructs';
import type { StackConfig } from '../config/types.js';
import { ArrApp, type ArrAppProps } from '../lib/arr.js';

/** Sonarr (TV): the *arr StatefulSet with the media, symlink and DFS mounts. */
export class Sonarr extends ArrApp {
  constructor(scope: Construct, id: string, cfg: StackConfig, props: Partial<Pick<ArrAppProps, 'instance' | 'env' | 'dependsOn'>> = {}) {
    super(scope, id, cfg, { kind: 'sonarr', app: cfg.apps.sonarr, mediaMounts: true, waitForDfs: true, ...props });
  }
}
