import type { RunbookSection } from '../page.js';
import { arrWiringSection } from './arr-wiring.js';
import { bazarrSection } from './bazarr.js';
import { configarrSection } from './configarr.js';
import { postgresSection } from './postgres.js';
import { qbittorrentSection } from './qbittorrent.js';
import { sambaSection } from './samba.js';

/**
 * The runbook sections the apps contribute. Each lives in its app's module (for now
 * `src/docs/sections/<app>.ts`); a page renders the ones naming it, in their order.
 */
export const RUNBOOK_SECTIONS: readonly RunbookSection[] = [qbittorrentSection, postgresSection, sambaSection, configarrSection, arrWiringSection, bazarrSection];
