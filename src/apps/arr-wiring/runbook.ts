import type { Facts } from '../../docs/facts.js';
import { c, type Md } from '../../docs/md.js';
import { cronJobOf, cronPod, runNow, scheduleText } from '../../docs/objects.js';
import { RUNBOOK_PAGE_PATHS, type RunbookSection } from '../../docs/page.js';

/** The Arr wiring CronJob: what it adds, and running it by hand. */

function arrWiring(f: Facts, md: Md): void {
  const v = f.v;
  const wiring = cronJobOf(f, 'arr-wiring');
  if (!wiring) return;
  const ctr = cronPod(wiring).containers[0]!;
  md.h(2, 'Arr wiring');
  const desc = v.components.find((x) => x.fluxName === wiring.metadata.name || x.dir.endsWith(`/${wiring.metadata.name}`))?.description;
  md.p(
    `${c(`cronjob/${wiring.metadata.name}`)} runs at ${scheduleText(wiring)}${desc ? `: ${desc.replace(/^[^:]*:\s*/, '')}` : ''}. It only adds what is missing, so running it again is safe; settings changed in the UIs stay. Run it now (after the first deployment, or after adding an instance) and read its log:`,
  );
  md.sh(runNow(wiring, ctr.name, `${Math.ceil((wiring.spec.jobTemplate.spec.activeDeadlineSeconds ?? 600) / 60)}m`));
}

export const arrWiringSection: RunbookSection = { page: RUNBOOK_PAGE_PATHS.downloads, order: 50, render: arrWiring };
