/**
 * The seed-000 homelab (examples/homelab.ts) with the first design's config backups to the Unraid
 * NAS: every config volume joins the Longhorn recurring-job group `media-config` — a snapshot
 * every hour (24 kept) and a nightly backup to Longhorn's backup target, the NAS export below
 * (14 kept). The restore runbook is in docs/homelab/downloads-and-database.md. homelab.ts stays
 * the default config, which keeps backups off (the export has to exist first).
 */
import { defineConfig } from '../src/config/index.js';
import homelab from './homelab.js';

export default defineConfig({
  ...homelab,
  apps: { ...homelab.apps, backups: { enabled: true, target: 'nfs://unraid.homelab:/mnt/user/backups', schedule: '15 4 * * *', retain: 14 } },
});
