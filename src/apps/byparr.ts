import type { Construct } from 'constructs';
import type { StackConfig } from '../config/types.js';
import type { Component } from '../lib/component.js';
import { IMAGES } from '../lib/images.js';
import { SOLVER_PORT, SolverApp } from './flaresolverr.js';

/**
 * Byparr: FlareSolverr-API compatible (`POST /v1`), so Prowlarr uses it as a FlareSolverr proxy.
 * Its `/health` launches the browser and fetches a page, far too heavy for a probe every few
 * seconds: the probes only check the port.
 */
export class Byparr extends SolverApp {
  constructor(scope: Construct, id: string, cfg: StackConfig, props: { dependsOn?: Component[] } = {}) {
    super(scope, id, cfg, {
      name: 'byparr',
      title: 'Byparr',
      image: IMAGES.byparr,
      app: cfg.apps.byparr,
      env: { PORT: String(SOLVER_PORT), HOST: '0.0.0.0', HOME: '/tmp' },
      check: { tcp: 'http' },
      dependsOn: props.dependsOn,
    });
  }
}
