import type { Construct } from 'constructs';
import { SOLVER_PORT } from '../flaresolverr/facts.js';
import { SolverApp, type SolverAppProps } from '../flaresolverr/flaresolverr.js';
import { BYPARR_IMAGE } from './facts.js';

/**
 * Byparr: FlareSolverr-API compatible (`POST /v1`), so Prowlarr uses it as a FlareSolverr proxy.
 * Its `/health` launches the browser and fetches a page, far too heavy for a probe every few
 * seconds: the probes only check the port.
 */
export type ByparrProps = SolverAppProps;

export class Byparr extends SolverApp {
  constructor(scope: Construct, id: string, props: ByparrProps) {
    super(
      scope,
      id,
      {
        name: 'byparr',
        title: 'Byparr',
        image: BYPARR_IMAGE,
        env: { PORT: String(SOLVER_PORT), HOST: '0.0.0.0', HOME: '/tmp' },
        check: { tcp: 'http' },
      },
      props,
    );
  }
}
