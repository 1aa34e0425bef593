import type { Construct } from 'constructs';
import type { StackConfig } from '../config/types.js';
import { ArrApp, type ArrAppProps } from '../lib/arr.js';

/** Prowlarr (indexers, port 9696): the *arr StatefulSet without media mounts. */
export class Prowlarr extends ArrApp {
  constructor(scope: Construct, id: string, cfg: StackConfig, props: Partial<Pick<ArrAppProps, 'env' | 'dependsOn'>> = {}) {
    super(scope, id, cfg, { kind: 'prowlarr', app: cfg.apps.prowlarr, mediaMounts: false, ...props });
  }
}
