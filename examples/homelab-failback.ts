/**
 * The seed-000 homelab (examples/homelab.ts) with failback on: the descheduler moves the
 * streaming stack back to the primary storage node every 10 minutes once it is schedulable
 * again, unless Sonarr or Radarr is importing (docs/failover.md). homelab.ts stays the default
 * config, which keeps failback off.
 */
import { defineConfig } from '../src/config/index.js';
import homelab from './homelab.js';

export default defineConfig({ ...homelab, apps: { ...homelab.apps, failback: { enabled: true } } });
