import { DESCHEDULER, IMPORT_GUARD } from '../../apps/descheduler/facts.js';
import type { Facts } from '../facts.js';
import { c, Md } from '../md.js';
import { NAME_LABEL } from '../model.js';
import { cronJobOf, cronPod, runNow, scheduleText } from '../objects.js';
import type { RunbookPage } from '../page.js';

/** Draining the primary storage node and moving the streaming stack back. */

/** The descheduler of failback as the runbook drives it (undefined when the config deploys none). */
interface Failback {
  /** `cronjob/descheduler` or `deployment/descheduler`. */
  readonly ref: string;
  /** When it runs, in words. */
  readonly when: string;
  readonly pause: string;
  readonly resume: string;
  /** Run it now and read its log. */
  readonly now: readonly string[];
  /** The instances the import guard asks before each run (none: no guard). */
  readonly guarded: readonly string[];
}

function failbackOf(f: Facts): Failback | undefined {
  const cj = cronJobOf(f, DESCHEDULER);
  if (cj) {
    const name = cj.metadata.name;
    const ns = cj.metadata.namespace;
    const pod = cronPod(cj);
    const guard = pod.initContainers?.find((x) => x.name === IMPORT_GUARD);
    const scripts = pod.volumes?.find((v) => v.name === guard?.volumeMounts?.[0]?.name)?.configMap?.name;
    const data = f.v.all('ConfigMap').find((o) => o.metadata.name === scripts && o.metadata.namespace === ns)?.data?.[`${IMPORT_GUARD}.json`];
    const guarded = data ? (JSON.parse(data) as { instances: { instance: string }[] }).instances.map((i) => i.instance) : [];
    const now = runNow(cj, DESCHEDULER, `${Math.ceil((cj.spec.jobTemplate.spec.activeDeadlineSeconds ?? 600) / 60)}m`);
    return {
      ref: `cronjob/${name}`,
      when: `at ${scheduleText(cj)}`,
      pause: `kubectl patch cronjob ${name} -n ${ns} -p '{"spec":{"suspend":true}}'`,
      resume: `kubectl patch cronjob ${name} -n ${ns} -p '{"spec":{"suspend":false}}'`,
      now: guard
        ? [...now.slice(0, -1), `kubectl logs job/${name}-manual -n ${ns} -c ${IMPORT_GUARD}   # "skipping this run" names the import it waited for`, now[now.length - 1]!]
        : now,
      guarded,
    };
  }
  const dep = f.v.all('Deployment').find((o) => o.spec.template.metadata?.labels?.[NAME_LABEL] === DESCHEDULER);
  if (!dep) return undefined;
  const args = dep.spec.template.spec.containers[0]?.args ?? [];
  const interval = args[args.indexOf('--descheduling-interval') + 1] ?? '?';
  const scale = (n: number) => `kubectl scale deployment ${dep.metadata.name} -n ${dep.metadata.namespace} --replicas=${n}`;
  return {
    ref: `deployment/${dep.metadata.name}`,
    when: `every ${c(interval)}`,
    pause: scale(0),
    resume: scale(1),
    now: [`kubectl logs deployment/${dep.metadata.name} -n ${dep.metadata.namespace} -f   # "Evicted pod" lines`],
    guarded: [],
  };
}

/** What failback does, as a diagram: the run, its guard, the eviction and where the pods go. */
function failbackDiagram(back: Failback, group: readonly string[], primary: string, secondary: string): string {
  const pods = group.join(', ');
  return [
    'flowchart TB',
    `  run["${back.ref}<br/>${back.when.replace(/`/g, '')}"]`,
    ...(back.guarded.length
      ? [`  guard["${IMPORT_GUARD}<br/>asks the queues first"]`, `  arrs["${back.guarded.join(', ')}<br/>GET /api/v3/queue"]`, '  run --> guard', '  guard --> arrs']
      : []),
    `  subgraph secondary["${secondary}"]`,
    `    away["${pods}<br/>after a failover"]`,
    '  end',
    `  subgraph primaryNode["${primary} (preferred)"]`,
    `    home["${pods}"]`,
    '  end',
    `  run -- "evicts${back.guarded.length ? ' unless importing' : ''}" --> away`,
    '  away -. "rescheduled" .-> home',
  ].join('\n');
}

// ─── failover ───────────────────────────────────────────────────────────────────────────────

function failover(f: Facts): string | undefined {
  const v = f.v;
  const group = f.v.workloads.filter((w) => w.placement.id === 'storage_nodes' && v.coLocationLabel(w.pod));
  if (group.length === 0) return undefined;
  const label = v.coLocationLabel(group[0]!.pod)!;
  const storage = group[0]!.placement;
  const primaryLabel = v.preferredNodeLabel(group[0]!.pod);
  const hosts = storage.hostnames;
  const primary = hosts[0] ?? '<primary node>';
  const secondary = hosts[1] ?? '<secondary node>';
  const ns = group[0]!.namespace;
  const back = failbackOf(f);
  const md = new Md();
  md.h(1, 'Failover and failback of the storage nodes');
  md.p(
    `The streaming stack (${group.map((w) => c(w.name)).join(', ')}) requires a storage node (${c(storage.constraint)}), prefers the primary (${c(primaryLabel ?? '?')}) and prefers to run together (pod label ${c(label)}), so a failover moves it as a group. Preferences are not guarantees: the checks below are the test. ${
      back
        ? `Failback is the descheduler's: ${c(back.ref)} runs ${back.when} and evicts the pods labelled ${c(label)} in ${c(ns)} (no other pod) from a storage node that their preferred node affinity ranks below another schedulable node; while ${primary} is cordoned it evicts nothing.${back.guarded.length ? ` Before each run its ${c(IMPORT_GUARD)} step asks the queues of ${back.guarded.map(c).join(', ')} and skips the run while an import is pending or running (an evicted Arr would cut it off); an Arr that does not answer fails the step, and nothing is evicted.` : ''}`
        : 'There is no descheduler in this config (`apps.failback` is off): failback is a step of its own.'
    }`,
  );
  if (back)
    md.code(
      'mermaid',
      failbackDiagram(
        back,
        group.map((w) => w.name),
        primary,
        secondary,
      ),
    );
  const list = `kubectl get pods -n ${ns} -l ${label} -o wide`;
  md.h(2, '1. Before');
  md.sh([`kubectl get nodes -l ${storage.nodeSelector} -L ${primaryLabel?.split('=')[0] ?? storage.nodeSelector.split('=')[0]}`, `${list}   # all on ${primary}`]);
  md.h(2, `2. Fail over: drain ${primary}`);
  if (back) md.p(`For planned maintenance, pause failback first, so that the stack moves back when you resume it rather than at the first run after the uncordon:`);
  md.sh([
    ...(back ? [`${back.pause}   # failback paused`] : []),
    `kubectl drain ${primary} --ignore-daemonsets --delete-emptydir-data`,
    `${list} -w   # all move to ${secondary}; Longhorn volumes re-attach (a few minutes)`,
  ]);
  md.p('Expected:');
  const checks: string[] = [];
  const dfs = f.dfs;
  const readers = f.dfsReaders().filter((w) => group.includes(w));
  if (dfs) {
    checks.push(`# Decypharr's FUSE mount is back on ${secondary}`);
    checks.push(f.dfsServedCheck(dfs));
    if (dfs.export) checks.push(`kubectl get endpoints ${dfs.export.service} -n ${dfs.w.namespace}   # the export follows the pod; readers mount ${dfs.export.ip}, not a name`);
    for (const w of readers) checks.push(f.exec(w, f.containerMounting(w, dfs.path)!.name, `ls ${dfs.path}`));
  }
  for (const w of group.filter((x) => f.claimPath(x, 'symlink-library'))) {
    const p = f.claimPath(w, 'symlink-library')!;
    checks.push(f.exec(w, f.containerMounting(w, p)!.name, `ls ${p}`));
  }
  md.sh(checks);
  if (dfs)
    md.p(
      `Pods that stay ${c('Init')} wait for the DFS (see [decypharr-dfs.md](decypharr-dfs.md)); pods on different nodes still work (every reader mounts the DFS over NFS), but re-run the drain test after fixing why they split.`,
    );
  // Readers that did not move keep the NFS mount they had: the DFS behind it was mounted anew.
  const stayed = dfs?.export ? f.dfsReaders().filter((w) => !group.includes(w)) : [];
  if (dfs && stayed.length) {
    md.p(
      `${stayed.map((w) => c(w.name)).join(', ')} did not move and keep the NFS mount of ${c(`${dfs.export!.ip}:${dfs.export!.path}`)} they had; the DFS behind it is a new FUSE mount on ${secondary}, and open files and cached handles from before point at the old one (${c('Stale file handle')}, or streams that stop). Restart them once the export serves again:`,
    );
    md.sh([
      ...stayed.map((w) => `kubectl rollout restart ${w.ref} ${f.n(w)}`),
      ...stayed.map((w) => `${f.exec(w, f.containerMounting(w, dfs.path)!.name, `ls ${dfs.path}`)}   # lists the DFS, no "Stale file handle"`),
    ]);
  }
  md.h(2, `3. Fail back to ${primary}`);
  if (back) {
    md.p(`Uncordon ${primary} and resume failback; the next run evicts the group from ${secondary} (run it now instead of waiting):`);
    md.sh([`kubectl uncordon ${primary}`, `${back.resume}   # failback resumed`, ...back.now, `${list} -w   # all on ${primary}`]);
    md.p(
      `A pod that the scheduler puts back on ${secondary} (it also prefers its group's node) is evicted again by the next run. To move the group by hand instead (with failback paused: ${c(back.pause)}):`,
    );
  } else md.p(`Uncordoning alone moves nothing back. Move the group in one go, with ${secondary} cordoned so nothing lands there:`);
  md.sh([
    `kubectl uncordon ${primary}`,
    `kubectl cordon ${secondary}`,
    `kubectl delete pod -n ${ns} -l ${label}`,
    `${list} -w   # all on ${primary}`,
    `kubectl uncordon ${secondary}`,
  ]);
  if (dfs && stayed.length) md.p(`Then restart ${stayed.map((w) => c(w.name)).join(', ')} again, as after the failover.`);
  const workers = v.workloads.filter((w) => w.placement.id === 'gpu_nodes' && w.kind === 'StatefulSet');
  if (workers.length) {
    md.h(2, 'GPU node down');
    md.p(
      `${workers.map((w) => c(w.name)).join(', ')} ${workers.length > 1 ? 'go' : 'goes'} Pending (${c(workers[0]!.placement.constraint)}); ${f.has('plex') ? 'Plex transcodes locally in the meantime. ' : ''}Nothing to do but bring the node back.`,
    );
  }
  return md.toString();
}

export const failoverPage: RunbookPage = { path: 'docs/failover.md', title: () => 'Failover and failback of the storage nodes', render: failover };
