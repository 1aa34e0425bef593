import type { Facts } from '../../docs/facts.js';
import { c, type Md } from '../../docs/md.js';
import type { Workload } from '../../docs/model.js';
import { cronPod, runNow, scheduleText, volumeOfMount, volumeText } from '../../docs/objects.js';
import { RUNBOOK_PAGE_PATHS, type RunbookSection } from '../../docs/page.js';

/** PostgreSQL: the databases of the Arrs, the backup CronJob and a restore. */

function postgres(f: Facts, md: Md): void {
  const v = f.v;
  const w = f.one('postgres');
  if (!w) return;
  const main = f.main(w);
  const svc = f.svc(w);
  const superuser = main.env?.find((e) => e.name === 'POSTGRES_USER')?.value ?? 'postgres';
  md.h(2, 'PostgreSQL');
  md.p(
    `${c(w.ref)} (${c(main.image)}) serves ${svc ? c(`${svc.name}.${w.namespace}.svc.cluster.local:${svc.port}`) : 'the Arrs'}; its data directory is ${volumeText(volumeOfMount(w.pod, main, main.volumeMounts?.[0]?.mountPath ?? '')) ?? 'its volume'}.`,
  );
  const probe = main.readinessProbe?.exec?.command;
  md.sh([
    f.getPodWide(w),
    `${f.exec(w, main.name, probe?.[0] === 'pg_isready' ? probe.join(' ') : `pg_isready -U ${superuser}`)}   # accepting connections`,
    `${f.exec(w, main.name, `psql -U ${superuser} -l`)}   # the databases below, owned by their app's role`,
  ]);
  // Databases per app, as each app's component published them.
  const rows: string[][] = [];
  const users: Workload[] = [];
  for (const a of v.workloads) {
    const db = f.publishedOf('database', a)[0];
    if (!db) continue;
    rows.push([c(a.name), c(db.role), c(db.mainDatabase), c(db.logDatabase), c(db.env)]);
    users.push(a);
  }
  md.table(['App', 'Role', 'Main database', 'Log database', 'From'], rows);
  const initName = users.flatMap((a) => (a.pod.initContainers ?? []).filter((i) => i.env?.some((e) => e.name === 'INIT_POSTGRES_DBNAME')).map((i) => i.name))[0];
  if (initName)
    md.p(
      `The apps never create their databases: the ${c(initName)} init container of each creates its role and databases (idempotently) before the app starts. A missing database: ${c(f.logs(users[0]!, initName))}.`,
    );

  const backup = f.publishedOf('backup', w)[0];
  const cj = backup && v.find('CronJob', backup.cronJob, w.namespace);
  if (!backup || !cj) return;
  const pod = cronPod(cj);
  const dumper = pod.containers.find((x) => x.name === backup.container);
  if (!dumper) return;
  const dir = dumper.volumeMounts?.find((m) => m.mountPath === backup.directory);
  const vol = dir ? pod.volumes?.find((x) => x.name === dir.name) : undefined;
  const retention = v.cfg.apps.postgres.backupRetention;
  md.h(3, 'Backups');
  md.p(
    `${c(`cronjob/${cj.metadata.name}`)} runs ${c('pg_dumpall --clean --if-exists')} at ${scheduleText(cj)} and writes one gzip'd dump per run${vol ? ` to ${volumeText(vol)}${vol.hostPath && w.placement.hostnames[0] ? ` on ${c(w.placement.hostnames[0])}` : ''}` : ''}, keeping the newest ${retention}. A dump is written under a temporary name and renamed when complete, so a failed run never replaces a good dump. Copy the dumps off the node as well: they are the only way back from a lost data directory. Run a backup now:`,
  );
  md.sh([...runNow(cj, dumper.name, '15m'), ...(vol?.hostPath ? [`sudo ls -lt ${vol.hostPath.path}   # on ${w.placement.hostnames[0] ?? 'the node'}`] : [])]);

  md.h(3, 'Restore');
  const helper = `${cj.metadata.name}-restore`;
  const ns = cj.metadata.namespace!;
  const helperPod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: helper, namespace: ns, labels: cj.spec.jobTemplate.spec.template.metadata?.labels ?? {} },
    spec: { ...pod, restartPolicy: 'Never', containers: pod.containers.map((x) => (x === dumper ? { ...x, command: ['sleep', 'infinity'] } : x)) },
  };
  const ks = [...new Set(users.map((a) => v.fluxNameOf(a)).filter((x): x is string => Boolean(x)))];
  md.p(
    `A dump restores every database and role at once. Stop the Arrs first (Flux would scale them back up, so suspend their Kustomizations), start a pod from the backup's own template (same image, Secret, volume and network access), feed the dump to ${c('psql')}, then bring the Arrs back:`,
  );
  md.sh([
    ...ks.map((k) => `flux suspend kustomization ${k} -n ${v.fluxNamespace}`),
    ...users.map((a) => `kubectl scale ${a.ref} ${f.n(a)} --replicas=0`),
    `kubectl apply -f - <<'EOF'`,
    ...JSON.stringify(helperPod, null, 2).split('\n'),
    'EOF',
    `kubectl wait --for=condition=Ready pod/${helper} -n ${ns} --timeout=5m`,
    ...(dir ? [`kubectl exec ${helper} -n ${ns} -c ${dumper.name} -- ls -lt ${dir.mountPath}   # pick a dump`] : []),
    `kubectl exec ${helper} -n ${ns} -c ${dumper.name} -- bash -c 'gunzip -c ${dir?.mountPath ?? '<dir>'}/<dump>.sql.gz | psql -d postgres -f -'`,
    `kubectl delete pod ${helper} -n ${ns}`,
    ...users.map((a) => `kubectl scale ${a.ref} ${f.n(a)} --replicas=${a.replicas}`),
    ...ks.map((k) => `flux resume kustomization ${k} -n ${v.fluxNamespace}`),
  ]);
  md.p(
    `${c('psql')} continues past errors: those about the role ${c(superuser)} (the connected superuser, which cannot be dropped or recreated) are expected; anything about the Arrs' roles or databases is not. Then check each Arr's ${c('/ping')} and its System › Status page.`,
  );
}

export const postgresSection: RunbookSection = { page: RUNBOOK_PAGE_PATHS.downloads, order: 20, render: postgres };
