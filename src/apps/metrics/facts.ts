import type { AppFacts } from '../../gates/behaviour-facts.js';
import { ARR_KINDS } from '../servarr/table.js';

// onedr0p/exportarr v2.3.0 (367f6031): distroless static:nonroot, ENTRYPOINT /tini -- /exportarr.
// renovate: datasource=docker depName=ghcr.io/onedr0p/exportarr
export const EXPORTARR_IMAGE = 'ghcr.io/onedr0p/exportarr:v2.3.0';

/** The exporter's listening port (`PORT`; the project's examples and Dockerfile use 9707). */
export const EXPORTARR_PORT = 9707;

/** The sidecar's container name in each Servarr pod. */
export const EXPORTARR_CONTAINER = 'exportarr';

/** Its scrape timeout: exportarr calls the Arr's API while Prometheus waits (its Kubernetes example: 4m interval, 90s timeout). */
export const EXPORTARR_SCRAPE_TIMEOUT = '90s';

/** Who exportarr runs as and what it writes, in every Servarr pod (the behaviour gate's input). */
export const METRICS_FACTS: AppFacts = {
  images: {
    'ghcr.io/onedr0p/exportarr': {
      imageUser: { uid: 65532, gid: 65532 },
      asRoot: { kind: 'stays-root' },
      source: 'onedr0p/exportarr v2.3.0 (367f6031) Dockerfile: FROM gcr.io/distroless/static:nonroot, USER nonroot:nonroot (65532); no user switching',
    },
  },
  containers: Object.fromEntries(
    ARR_KINDS.map((k) => [
      `${k.name}/${EXPORTARR_CONTAINER}`,
      { writes: [], source: 'onedr0p/exportarr v2.3.0 internal/commands/root.go (HTTP server on PORT, logs to stdout; no files)' },
    ]),
  ),
};
