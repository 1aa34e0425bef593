import type { AppFacts } from '../../gates/behaviour-facts.js';

/** What the behaviour gate checks the wiring job's container against (its image, curl, is a shared helper). */
export const ARR_WIRING_FACTS: AppFacts = {
  containers: {
    'arr-wiring/arr-wiring': {
      writes: ['/tmp'],
      writesIfMounted: ['/mnt/streaming-media'],
      source: 'src/apps/arr-wiring/ (mkdir -p of each streaming root folder, arr-wiring.sh)',
    },
  },
};
