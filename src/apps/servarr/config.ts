import { dnsLabel, strList } from '../../config/schema.js';
import type { AppConfig } from '../../config/types.js';

export interface ArrInstanceConfig extends AppConfig {
  /**
   * Extra instances of this app (e.g. `['4k']` → `sonarr-4k`) with their own volume, API key and
   * ingress host. At most 20; the instance name `<app>-<suffix>` has at most 52 characters (its
   * StatefulSet's `controller-revision-hash` label must fit 63).
   * @default []
   */
  readonly extraInstances: readonly string[];
}

/**
 * Extra instances per app. Each is a full app (StatefulSet, volume, Secret, Ingress, network
 * policy, its own databases) requesting about 0.5 GiB of memory, so a homelab needs a handful;
 * the cap keeps a runaway list (10,000 items) from a synth that never finishes, while the
 * benchmark's largest stack (4,000 instances, `npm run bench`) still synthesizes.
 */
export const MAX_EXTRA_INSTANCES = 4000;
/** The schema of `extraInstances`. */
export const extraInstances = strList(dnsLabel, {
  maxItems: MAX_EXTRA_INSTANCES,
  why: 'each is a whole app with its own volume and about 0.5 GiB of memory; a list this long is a mistake (or run a second stack)',
});
