import type { Facts } from '../../docs/facts.js';
import { c, type Md } from '../../docs/md.js';
import { INSTANCE_LABEL } from '../../docs/model.js';
import { cronJobOf, cronPod, runNow, scheduleText, volumeText } from '../../docs/objects.js';
import { RUNBOOK_PAGE_PATHS, type RunbookSection } from '../../docs/page.js';

/** Configarr: the CronJob that applies the TRaSH guide profiles, and running it by hand. */

function configarr(f: Facts, md: Md): void {
  const cj = cronJobOf(f, 'configarr');
  if (!cj) return;
  const pod = cronPod(cj);
  const ctr = pod.containers[0]!;
  const loc = ctr.env?.find((e) => e.name === 'CONFIG_LOCATION')?.value;
  const cmVol = loc ? pod.volumes?.find((x) => x.configMap && ctr.volumeMounts?.some((m) => m.name === x.name && loc.startsWith(`${m.mountPath}/`))) : undefined;
  const instance = cj.spec.jobTemplate.spec.template.metadata?.labels?.[INSTANCE_LABEL];
  const cache = instance ? f.publishedOf('cache-directory', { instance }).find((x) => x.container === ctr.name) : undefined;
  const repos = ctr.volumeMounts?.find((m) => m.mountPath === cache?.path);
  md.h(2, 'Configarr');
  md.p(
    `${c(`cronjob/${cj.metadata.name}`)} applies the TRaSH guide quality profiles and custom formats to the Arrs at ${scheduleText(cj)}${cmVol?.configMap ? `, from ${c(loc!)} (ConfigMap ${c(cmVol.configMap.name)})` : ''}${repos ? `; it keeps its clone of the guides in ${c(repos.mountPath)} (${volumeText(pod.volumes?.find((x) => x.name === repos.name)) ?? 'a volume'})` : ''}. Configarr has no scheduler of its own and no UI: each run is one Job. Run it now after changing the config, and read what it changed:`,
  );
  md.sh(runNow(cj, ctr.name, '10m'));
  if (ctr.env?.some((e) => e.name === 'STOP_ON_ERROR' && e.value === 'true')) {
    md.p(
      `A run in which an Arr cannot be configured fails its Job (${c('STOP_ON_ERROR=true')}; Configarr would otherwise exit 0 with every instance failed): ${c(`kubectl get jobs -n ${cj.metadata.namespace}`)} shows it, and the instances after the failed one wait for the next run.`,
    );
  }
  if (cmVol?.configMap) md.sh([`kubectl get configmap ${cmVol.configMap.name} -n ${cj.metadata.namespace} -o yaml`]);
}

export const configarrSection: RunbookSection = { page: RUNBOOK_PAGE_PATHS.downloads, order: 40, render: configarr };
