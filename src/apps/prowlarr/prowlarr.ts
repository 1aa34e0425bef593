import type { Construct } from 'constructs';
import { ArrApp, type ArrAppProps, type ArrEndpoint } from '../servarr/arr.js';
import { PROWLARR } from './facts.js';

export interface ProwlarrProps extends ArrAppProps {
  /** The library managers it syncs its indexers to (its calls to them). @default [] */
  readonly syncsTo?: readonly ArrEndpoint[];
}

/** Prowlarr (indexers, port 9696): the *arr StatefulSet without media mounts. */
export class Prowlarr extends ArrApp {
  constructor(scope: Construct, id: string, props: ProwlarrProps) {
    super(scope, id, PROWLARR, props);
  }
}
