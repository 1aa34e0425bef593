import type { Facts } from '../facts.js';
import { Md } from '../md.js';
import { renderSections, RUNBOOK_PAGE_PATHS, type RunbookPage, type RunbookSection } from '../page.js';

/**
 * The runbook of the second design's apps: qBittorrent behind its VPN sidecar, PostgreSQL and its
 * backup CronJob, Samba, and the CronJobs (Configarr, the Arr wiring). The apps contribute the
 * sections; a section is left out when its app is not deployed, the page when none is.
 */

const DOWNLOADS_TITLE = 'Downloads, database, shares and CronJobs';

function downloadsAndDatabase(f: Facts, sections: readonly RunbookSection[]): string | undefined {
  const md = new Md();
  md.h(1, DOWNLOADS_TITLE);
  const empty = md.toString();
  renderSections(f, md, sections);
  if (md.toString() === empty) return undefined;
  return md.toString();
}

export const downloadsPage: RunbookPage = { path: RUNBOOK_PAGE_PATHS.downloads, title: () => DOWNLOADS_TITLE, render: downloadsAndDatabase };
