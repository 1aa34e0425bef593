import type { Facts } from '../../docs/facts.js';
import { c, type Md } from '../../docs/md.js';
import type { KindObject, Workload } from '../../docs/model.js';
import { cronPod, runNow } from '../../docs/objects.js';
import { RUNBOOK_PAGE_PATHS, type RunbookSection } from '../../docs/page.js';
import { IMAGES } from '../../lib/images.js';
import { BACKUP_PATHS, CONFIG_BACKUP_CONTAINER, PG_DUMP_CONTAINER } from './facts.js';

/** Config backups: what is covered, where the backups are, how to see a failure, and a restore per app. */

const GROUP_LABEL = 'recurring-job-group.longhorn.io/';

/** Stop an app so nothing writes its data: Flux would scale it back, so its Kustomization is suspended first. */
function stopApp(f: Facts, w: Workload): string[] {
  const ks = f.v.fluxNameOf(w);
  return [
    ...(ks ? [`flux suspend kustomization ${ks} -n ${f.v.fluxNamespace}`] : []),
    `kubectl scale ${w.ref} ${f.n(w)} --replicas=0`,
    `kubectl wait --for=delete pod -l ${w.selector} ${f.n(w)} --timeout=5m`,
  ];
}

function startApp(f: Facts, w: Workload): string[] {
  const ks = f.v.fluxNameOf(w);
  return [`kubectl scale ${w.ref} ${f.n(w)} --replicas=${w.replicas}`, ...(ks ? [`flux resume kustomization ${ks} -n ${f.v.fluxNamespace}`] : [])];
}

/** A pod from the CronJob's own template (same image, node, volumes) that waits, for restore commands. */
function helperPod(cj: KindObject<'CronJob'>, name: string, containerName: string): string[] {
  const pod = cronPod(cj);
  const manifest = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: cj.metadata.namespace, labels: cj.spec.jobTemplate.spec.template.metadata?.labels ?? {} },
    spec: { ...pod, restartPolicy: 'Never', containers: pod.containers.map((x) => (x.name === containerName ? { ...x, command: ['sleep', 'infinity'] } : x)) },
  };
  // One line: eight apps' restore blocks stay readable; kubectl takes JSON as it is.
  return ["kubectl apply -f - <<'EOF'", JSON.stringify(manifest), 'EOF', `kubectl wait --for=condition=Ready pod/${name} -n ${cj.metadata.namespace} --timeout=5m`];
}

function hostPathBackups(f: Facts, md: Md): void {
  const v = f.v;
  const backups = f.publishedAll('config-backup');
  if (backups.length === 0) return;
  const cfg = v.cfg.apps.backups;
  const ns = v.namespace;
  md.h(2, 'Config backups');
  md.p(
    `Each app's data directory has a CronJob that writes one archive per run to ${c(cfg.target)} (${c('apps.backups.target')}), under ${c(`${v.cfg.cluster}/<instance>/`)}, at ${c(cfg.schedule)} (${v.cfg.timezone}), keeping the newest ${cfg.retain}. SQLite databases are copied with SQLite's online backup (a consistent copy while the app keeps running), everything else as it is; an archive is written under a temporary name and renamed when complete, so a failed run never replaces a good backup.${backups.some((b) => b.container === PG_DUMP_CONTAINER) ? ` PostgreSQL's data directory is not copied (a live copy is no backup): ${c('cronjob/backup-postgres')} dumps each database with ${c('pg_dump -Fc')} and the roles with ${c('pg_dumpall --globals-only')}.` : ''}`,
  );
  const rows: string[][] = [];
  for (const b of backups) {
    const cj = v.find('CronJob', b.cronJob, ns);
    const src = cj && cronPod(cj).volumes?.find((x) => x.name === 'source')?.hostPath?.path;
    rows.push([c(b.instance), c(`cronjob/${b.cronJob}`), src ? c(src) : 'its databases', c(b.directory)]);
  }
  md.table(['App', 'CronJob', 'Backs up', 'Archives (in the pod)'], rows);
  md.p(
    `A failed run fails its Job (exit code 1, the reason in the last log line) and stays listed for a day; the CronJob keeps the time of its last good run. Check them after a change and now and then (no metrics needed):`,
  );
  md.sh([
    `kubectl get cronjobs -n ${ns} -o custom-columns=NAME:.metadata.name,LAST-SCHEDULE:.status.lastScheduleTime,LAST-SUCCESS:.status.lastSuccessfulTime | grep -E '^(NAME|backup-)'`,
    `kubectl get jobs -n ${ns} --field-selector status.successful=0   # failed or running backups`,
  ]);
  const first = backups[0]!;
  const firstCj = v.find('CronJob', first.cronJob, ns);
  if (firstCj) {
    md.p(`Run one now (e.g. before an upgrade) and read its log:`);
    md.sh(runNow(firstCj, first.container, '3h'));
  }
  md.h(3, 'Restore an app from its latest backup');
  md.p(
    `Stop the app (suspend its Flux Kustomization, or Flux scales it back up), start a pod from its backup CronJob's template (same node, data directory and target), unpack the archive, delete the pod, start the app. The restore moves what is in the data directory to ${c('.before-restore-<time>/')} inside it first: delete that once the app works.`,
  );
  for (const b of backups.filter((x) => x.container === CONFIG_BACKUP_CONTAINER)) {
    const w = v.workloads.find((x) => x.instance === b.instance);
    const cj = v.find('CronJob', b.cronJob, ns);
    if (!w || !cj) continue;
    const helper = `${b.cronJob}-restore`;
    const exec = (cmd: string) => `kubectl exec ${helper} -n ${ns} -c ${CONFIG_BACKUP_CONTAINER} -- ${cmd}`;
    md.p(`${c(b.instance)}:`);
    md.sh([
      ...stopApp(f, w),
      ...helperPod(cj, helper, CONFIG_BACKUP_CONTAINER),
      `ARCHIVE=$(${exec(`sh -c 'ls -1 ${b.directory}/${b.instance}-*.tar.gz | sort | tail -n 1'`)})   # the latest; or pick one from ls`,
      exec(`python3 ${BACKUP_PATHS.scripts}/config-backup.py restore "$ARCHIVE" ${BACKUP_PATHS.source}`),
      `kubectl delete pod ${helper} -n ${ns}`,
      ...startApp(f, w),
    ]);
  }
  const pg = backups.find((b) => b.container === PG_DUMP_CONTAINER);
  const pgCj = pg && v.find('CronJob', pg.cronJob, ns);
  const users = v.workloads.filter((w) => f.publishedOf('database', w).length > 0);
  if (pg && pgCj) {
    const helper = `${pg.cronJob}-restore`;
    const exec = (cmd: string) => `kubectl exec ${helper} -n ${ns} -c ${PG_DUMP_CONTAINER} -- ${cmd}`;
    md.p(
      `A database (the Arrs keep ${c('<instance>-main')} and ${c('<instance>-log')}): stop the apps that use it, restore the dump with ${c('pg_restore --clean --if-exists --create')} (it drops and recreates that database only), start them again. The roles are in ${c(`${pg.directory}/globals/`)} (${c('psql -f')} them first on a new server).`,
    );
    md.sh([
      ...users.flatMap((w) => stopApp(f, w)),
      ...helperPod(pgCj, helper, PG_DUMP_CONTAINER),
      exec(`ls -1 ${pg.directory}/<database>/   # pick a dump`),
      exec(`pg_restore --clean --if-exists --create -d postgres ${pg.directory}/<database>/<dump>.dump`),
      `kubectl delete pod ${helper} -n ${ns}`,
      ...users.flatMap((w) => startApp(f, w)),
    ]);
  }
}

function longhornBackups(f: Facts, md: Md): void {
  const v = f.v;
  const jobs = v.all('RecurringJob' as never) as unknown as {
    metadata: { name: string; namespace: string };
    spec: { task: string; cron: string; retain: number; groups: string[] };
  }[];
  if (jobs.length === 0) return;
  const cfg = v.cfg.apps.backups;
  const lh = cfg.longhornNamespace;
  const claims = (v.all('PersistentVolumeClaim') as { metadata: { name: string; namespace?: string; labels?: Record<string, string> } }[]).filter(
    (p) => p.metadata.labels?.[`${GROUP_LABEL}${cfg.group}`] === 'enabled',
  );
  md.h(2, 'Config backups');
  md.p(
    `Longhorn backs up every config volume: the claims below carry ${c(`${GROUP_LABEL}${cfg.group}: enabled`)} (with ${c('recurring-job.longhorn.io/source: enabled')}, without which Longhorn ignores a claim's labels), and Longhorn runs the group's RecurringJobs on their volumes:`,
  );
  md.table(
    ['RecurringJob', 'Task', 'Schedule', 'Keeps'],
    jobs.map((j) => [c(`${j.metadata.namespace}/${j.metadata.name}`), j.spec.task, c(j.spec.cron), `${j.spec.retain} per volume`]),
  );
  md.p(
    `Covered: ${claims.map((p) => c(p.metadata.name)).join(', ')}. A volume without the label (a new app's claim before the next synth) is not backed up. See what is covered and what Longhorn did:`,
  );
  md.sh([
    `kubectl get pvc -n ${v.namespace} -l ${GROUP_LABEL}${cfg.group}=enabled`,
    `kubectl get recurringjobs.longhorn.io -n ${lh}`,
    `kubectl get backups.longhorn.io -n ${lh}   # one per volume and run; failed ones show their state`,
  ]);
  md.h(3, 'The backup target (once)');
  md.p(
    `Snapshots stay on the cluster's disks; backups go to Longhorn's backup target, the NAS. Since Longhorn 1.8 that is the BackupTarget ${c('default')}, which Longhorn creates and owns (the stack does not apply it, so a Longhorn upgrade or reinstall never fights Flux over it). Point it at ${c(cfg.target)} (${c('apps.backups.target')}) and check that it is available:`,
  );
  const cifs = cfg.target.startsWith('cifs://');
  md.sh([
    ...(cifs ? [`kubectl create secret generic cifs-secret -n ${lh} --from-literal=CIFS_USERNAME='<user>' --from-literal=CIFS_PASSWORD='<password>'`] : []),
    `kubectl patch backuptargets.longhorn.io default -n ${lh} --type merge -p '{"spec":{"backupTargetURL":"${cfg.target}"${cifs ? ',"credentialSecret":"cifs-secret"' : ''}}}'`,
    `kubectl get backuptargets.longhorn.io default -n ${lh}   # AVAILABLE true`,
  ]);
  md.p(
    `Without an available target the backup RecurringJob fails on every volume (the snapshots still run). Never prune the backupstore on the NAS by hand: Longhorn keeps ${cfg.retain} backups per volume itself.`,
  );
  md.h(3, 'Restore an app from its latest backup');
  md.p(
    `Restore into a new volume and copy it over the app's own claim (the claim stays, so Flux and the StatefulSet need no change): stop the app; in the Longhorn UI, Backup and Restore › Backups › the backup volume of the claim's PV › Restore Latest Backup, named ${c('<claim>-restore')}; on that volume, Create PV/PVC with the PVC ${c('<claim>-restore')} in ${c(v.namespace)}; then a pod with both claims moves the damaged data aside and copies the restored data in:`,
  );
  for (const cc of f.publishedAll('config-claim')) {
    const w = v.workloads.find((x) => x.instance === cc.instance);
    if (!w || !claims.some((p) => p.metadata.name === cc.claim)) continue;
    const helper = `${cc.claim}-restore-copy`;
    const ns = w.namespace;
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: helper, namespace: ns },
      spec: {
        restartPolicy: 'Never',
        ...(w.pod.nodeSelector ? { nodeSelector: w.pod.nodeSelector } : {}),
        ...(w.pod.affinity ? { affinity: w.pod.affinity } : {}),
        ...(w.pod.tolerations ? { tolerations: w.pod.tolerations } : {}),
        securityContext: w.pod.securityContext,
        containers: [
          {
            name: 'copy',
            image: IMAGES.busybox,
            command: [
              'sh',
              '-c',
              // lost+found belongs to root and stays, like earlier .before-restore-* folders.
              `set -e; a=/data/.before-restore-$(date -u +%Y%m%dT%H%M%SZ); mkdir "$a"; find /data -mindepth 1 -maxdepth 1 ! -name lost+found ! -name '.before-restore-*' -exec mv {} "$a"/ \\; ; find /restored -mindepth 1 -maxdepth 1 ! -name lost+found -exec cp -a {} /data/ \\; ; echo "restored; the damaged data is in $a"`,
            ],
            securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
            volumeMounts: [
              { name: 'data', mountPath: '/data' },
              { name: 'restored', mountPath: '/restored', readOnly: true },
            ],
          },
        ],
        volumes: [
          { name: 'data', persistentVolumeClaim: { claimName: cc.claim } },
          { name: 'restored', persistentVolumeClaim: { claimName: `${cc.claim}-restore` } },
        ],
      },
    };
    md.p(`${c(cc.instance)} (claim ${c(cc.claim)}, PV ${c(`$(kubectl get pvc ${cc.claim} -n ${ns} -o jsonpath='{.spec.volumeName}')`)}):`);
    md.sh([
      ...stopApp(f, w),
      '# Longhorn UI: restore the latest backup of that PV as volume ' + `${cc.claim}-restore` + ', then Create PV/PVC ' + `${cc.claim}-restore` + ` in ${ns}`,
      "kubectl apply -f - <<'EOF'",
      JSON.stringify(pod),
      'EOF',
      `kubectl wait --for=jsonpath='{.status.phase}'=Succeeded pod/${helper} -n ${ns} --timeout=30m`,
      `kubectl logs ${helper} -n ${ns}`,
      `kubectl delete pod ${helper} -n ${ns}`,
      `kubectl delete pvc ${cc.claim}-restore -n ${ns}`,
      ...startApp(f, w),
    ]);
  }
  md.p(`Once the app works: delete ${c('.before-restore-<time>')} in its volume, and the restored volume in the Longhorn UI.`);
}

function backups(f: Facts, md: Md): void {
  if (!f.v.cfg.apps.backups.enabled) return;
  if (f.v.cfg.storage.mode === 'longhorn') longhornBackups(f, md);
  else hostPathBackups(f, md);
}

export const backupsSection: RunbookSection = { page: RUNBOOK_PAGE_PATHS.downloads, order: 60, render: backups };
