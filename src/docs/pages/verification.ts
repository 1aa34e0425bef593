import { gpuResource, type Facts } from '../facts.js';
import { c, Md } from '../md.js';
import type { RunbookPage } from '../page.js';

/** The design document's checklist, as commands against what this config deploys. */

// ─── verification ───────────────────────────────────────────────────────────────────────────

function verification(f: Facts): string {
  const v = f.v;
  const md = new Md();
  const fluxNs = v.fluxNamespace;
  md.h(1, 'Verification checklist');
  md.p("The design document's checklist, as commands against what this config deploys. Each block should print what its comment says.");
  md.p(
    `${c('npm run verify -- --context <kube context> --config <your config>')} in the generator's folder runs the checks kubectl can make (everything but the end-to-end tests) and prints each phase as PASS or FAIL with the failing object and the section to read.`,
  );

  md.h(2, 'Foundation');
  const appConfig = new Set(f.publishedAll('config-claim').map((x) => x.claim));
  const claims = v.all('PersistentVolumeClaim').map((p) => p.metadata.name);
  const sharedClaims = claims.filter((name) => !appConfig.has(name));
  const configClaims = claims.filter((name) => appConfig.has(name));
  md.sh([
    `flux get kustomizations -n ${fluxNs}   # every one Ready=True`,
    ...(v.sopsSecretName ? [`kubectl get secret ${v.sopsSecretName} -n ${fluxNs}`] : []),
    ...(sharedClaims.length ? [`kubectl get pvc ${sharedClaims.join(' ')} -n ${f.ns}   # Bound`] : []),
    ...(configClaims.length ? [`kubectl get pvc ${configClaims.join(' ')} -n ${f.ns}   # Bound`] : []),
  ]);

  const arrs = [...f.arrs, ...v.workloadsOfApp('prowlarr')];
  if (arrs.length) {
    md.h(2, '*arr apps');
    const cmds: string[] = [];
    for (const w of arrs) {
      cmds.push(`# ${w.name}: Running on ${w.placement.title.toLowerCase()}; /ping answers {"status":"OK"} without a login (there is no /health)`);
      cmds.push(f.getPodWide(w));
      cmds.push(...f.healthCurl(w));
    }
    const prowlarr = v.workloadsOfApp('prowlarr')[0];
    if (prowlarr) cmds.push(`${f.logs(prowlarr, f.main(prowlarr).name)} | grep -i sync   # app sync to ${f.arrs.map((w) => w.name).join(', ')}`);
    md.sh(cmds);
    const ui = [
      ...(prowlarr && f.arrs.length ? ['Settings › Indexers lists the Prowlarr-synced indexers'] : []),
      ...(f.has('decypharr') ? ['Settings › Download Clients shows Decypharr green on "Test"'] : []),
    ];
    if (ui.length && f.arrs.length) md.p(`In each ${f.arrKinds} instance: ${ui.join('; ')}.`);
  }
  const profilarr = f.one('profilarr');
  if (profilarr) md.sh([f.getPodWide(profilarr), ...f.healthCurl(profilarr)]);

  const dfs = f.dfs;
  if (dfs) {
    const d = dfs.w;
    const label = v.coLocationLabel(d.pod);
    md.h(2, 'Decypharr and the symlink library');
    const links = f.claimPath(d, 'symlink-library');
    const cmds = [
      `kubectl get pod ${f.pod(d)} -n ${d.namespace} -o jsonpath='{.spec.containers[*].name}{"\\n"}'   # ${d.pod.containers.map((x) => x.name).join(' ')}`,
      `kubectl get pod ${f.pod(d)} -n ${d.namespace}   # READY ${d.pod.containers.length}/${d.pod.containers.length}`,
      ...(label ? [`kubectl get pods -n ${d.namespace} -l ${label} -o wide   # the streaming stack, on one node`] : []),
      `${f.dfsServedCheck(dfs)}   # the DFS is served`,
      ...(links ? [`${f.execAsApp(d, dfs.container, `test -w ${links}`)} && echo writable   # as the user Decypharr runs as`] : []),
      ...(dfs.sidecar ? [`${f.logs(d, dfs.sidecar, '--tail=10')}   # no errors`] : []),
      ...(dfs.export ? [`kubectl get svc ${dfs.export.service} -n ${d.namespace}   # CLUSTER-IP ${dfs.export.ip}`] : []),
    ];
    for (const w of f.dfsReaders()) {
      const wait = f.dfsWait(w);
      if (wait) cmds.push(`${f.logs(w, wait.name)} | tail -1   # ${wait.ready ?? 'ready'}`);
      cmds.push(f.exec(w, f.containerMounting(w, dfs.path)!.name, `ls ${dfs.path}`));
    }
    md.sh(cmds);
  }

  const plex = f.one('plex');
  if (plex) {
    md.h(2, f.has('clusterplex-orchestrator') ? 'Plex and ClusterPlex' : 'Plex');
    const ctr = f.main(plex).name;
    const cmds = [f.getPodWide(plex), ...f.healthCurl(plex).map((x) => (x.startsWith('curl') ? `${x}   # 200 with the server identity` : x))];
    for (const claim of ['media-library', 'symlink-library']) {
      const p = f.claimPath(plex, claim);
      if (p) cmds.push(f.exec(plex, ctr, `ls ${p}`));
    }
    // Decypharr's own readiness check: the directory alone is there without the mount too.
    if (dfs) cmds.push(f.exec(plex, ctr, dfs.readiness ?? `test -d ${dfs.path}`) + ' && echo "DFS accessible"');
    const plugin = v.workloads.find((w) => w.kind === 'DaemonSet' && w.app.includes('gpu'));
    const resource = gpuResource(v);
    if (plugin) cmds.push(`kubectl get daemonset ${plugin.name} -n ${plugin.namespace}`);
    if (resource && plugin)
      cmds.push(`kubectl get nodes -l ${plugin.placement.nodeSelector} -o custom-columns='NODE:.metadata.name,GPU:.status.allocatable.${resource.replace(/\./g, '\\.')}'`);
    const orch = f.one('clusterplex-orchestrator');
    if (orch) cmds.push(`kubectl get svc ${f.svc(orch)?.name ?? orch.name} -n ${orch.namespace}   # TYPE ClusterIP (no LoadBalancer needed)`);
    for (const w of v.workloadsOfApp('clusterplex-worker')) {
      cmds.push(`${f.getPodWide(w)}   # on ${w.placement.title.toLowerCase()}`);
      cmds.push(`${f.logs(w, f.main(w).name)} | grep -i orchestrator`);
    }
    md.sh(cmds);
    if (gpuResource(v) || f.has('clusterplex-orchestrator')) md.p(`See [gpu-transcoding.md](gpu-transcoding.md) for the transcode test.`);
  }

  md.h(2, 'End to end');
  const items: string[] = [];
  const sonarr = f.arrs[0];
  if (sonarr)
    items.push(
      `Search a title in ${c(sonarr.name)}${f.has('prowlarr') ? ': results come through Prowlarr' : ''}; grab one: it ${f.has('decypharr') ? 'appears in Decypharr and ' : ''}is imported.`,
    );
  if (sonarr && f.claimPath(sonarr, 'symlink-library')) {
    const p = f.claimPath(sonarr, 'symlink-library')!;
    items.push(`Symlinks were created: ${c(`${f.exec(sonarr, f.containerMounting(sonarr, p)!.name, `find ${p} -type l`)} | head -3`)}.`);
  }
  if (plex) items.push('Play the title in Plex from the streaming folder, and a title from the permanent library.');
  if (f.one('pulsarr'))
    items.push(
      `Watchlist a title in Plex: it appears in ${f.arrs.map((w) => c(w.name)).join(' or ')} at Pulsarr's next sync (${c(f.logs(f.one('pulsarr')!, f.main(f.one('pulsarr')!).name, '--tail=50'))}).`,
    );
  if (f.one('clusterplex-orchestrator') && v.workloadsOfApp('clusterplex-worker').length)
    items.push('Play with a lower quality to force a transcode: the worker log shows the job and the Plex dashboard shows "(hw)".');
  md.ol(items);
  if (v.workloads.some((w) => w.placement.id === 'storage_nodes' && v.coLocationLabel(w.pod))) md.p('Failover: [failover.md](failover.md).');
  return md.toString();
}

export const verificationPage: RunbookPage = { path: 'docs/verification.md', title: () => 'Verification checklist', render: verification };
