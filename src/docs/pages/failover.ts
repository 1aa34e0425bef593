import type { Facts } from '../facts.js';
import { c, Md } from '../md.js';
import type { RunbookPage } from '../page.js';

/** Draining the primary storage node and moving the streaming stack back. */

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
  const md = new Md();
  md.h(1, 'Failover and failback of the storage nodes');
  md.p(
    `The streaming stack (${group.map((w) => c(w.name)).join(', ')}) requires a storage node (${c(storage.constraint)}), prefers the primary (${c(primaryLabel ?? '?')}) and prefers to run together (pod label ${c(label)}), so a failover moves it as a group. Preferences are not guarantees: the checks below are the test. There is no descheduler in this stack: failback is a step of its own.`,
  );
  const list = `kubectl get pods -n ${ns} -l ${label} -o wide`;
  md.h(2, '1. Before');
  md.sh([`kubectl get nodes -l ${storage.nodeSelector} -L ${primaryLabel?.split('=')[0] ?? storage.nodeSelector.split('=')[0]}`, `${list}   # all on ${primary}`]);
  md.h(2, `2. Fail over: drain ${primary}`);
  md.sh([`kubectl drain ${primary} --ignore-daemonsets --delete-emptydir-data`, `${list} -w   # all move to ${secondary}; Longhorn volumes re-attach (a few minutes)`]);
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
  md.p(`Uncordoning alone moves nothing back. Move the group in one go, with ${secondary} cordoned so nothing lands there:`);
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
