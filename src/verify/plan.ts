import type { Facts } from '../docs/facts.js';
import { gpuResource } from '../docs/facts.js';
import { PLEX_APP_SUPPORT } from '../apps/plex/facts.js';
import type { KindObject, Workload } from '../docs/model.js';
import { NAME_LABEL } from '../docs/model.js';
import { condition, judgeExit, judgeJson, matches, type Check, type Failure, type LiveObject, type ObjectRef } from './check.js';
import { hasJq, httpGetArgv } from './image-tools.js';
import { PHASES, phaseOf } from './phases.js';
import type { RunbookIndex } from './runbooks.js';
import type { VerifiedStack } from './stack.js';

/**
 * The verification checklist of the runbooks (docs/verification.md and the troubleshooting pages)
 * as checks against a live cluster, every name read from this config's synthesized objects: a new
 * app, setup job, claim or Kustomization is checked without a change here.
 */

const VERIFICATION = 'verification.md';
/** The orchestrator's Prometheus gauge of connected workers (pabloromeo/clusterplex orchestrator/metrics.js@v1.4.15). */
const CLUSTERPLEX_WORKERS_GAUGE = 'workers_active';
const CLUSTERPLEX_METRICS_PATH = '/metrics';

export function planChecks(stack: VerifiedStack): Check[] {
  const { facts: f, runbooks } = stack;
  return [
    ...foundation(f, runbooks),
    ...workloads(f, runbooks),
    ...prowlarrSync(f, runbooks),
    ...dfs(f, runbooks),
    ...cronJobs(f, runbooks),
    ...plexLibrary(f, runbooks),
    ...gpu(f, runbooks),
    ...clusterplex(f, runbooks),
    ...coLocation(f, runbooks),
  ];
}

const getJson = (...args: string[]) => ['get', ...args, '-o', 'json'];
const ref = (kind: string, name: string, namespace?: string): ObjectRef => (namespace ? { kind, namespace, name } : { kind, name });
const refOf = (kind: string, o: { metadata: { name: string; namespace?: string } }): ObjectRef => ref(kind, o.metadata.name, o.metadata.namespace);

/** One live object by name among a List's items; a missing one fails as "not found". */
function byName(items: readonly LiveObject[], want: ObjectRef, judge: (o: LiveObject) => string | undefined): Failure[] {
  const o = items.find((x) => x.metadata.name === want.name);
  if (!o) return [{ object: want, reason: 'not found' }];
  const reason = judge(o);
  return reason ? [{ object: want, reason }] : [];
}

// ─── Phase 1: Flux, SOPS, namespace, storage ────────────────────────────────────────────────

function foundation(f: Facts, rb: RunbookIndex): Check[] {
  const v = f.v;
  const phase = PHASES.foundation;
  const checks: Check[] = [];
  const fluxNs = v.fluxNamespace;
  const watch = rb.heading('bootstrap.md', /kustomizations/i);
  for (const k of v.fluxKustomizations) {
    const want = refOf('Kustomization', k);
    checks.push({
      id: `flux-ready/${fluxNs}/${k.metadata.name}`,
      phase,
      title: `Flux Kustomization ${k.metadata.name} Ready`,
      argv: getJson('kustomizations.kustomize.toolkit.fluxcd.io', '-n', fluxNs),
      judge: judgeJson(want, (items) =>
        byName(items, want, (o) => {
          const ready = condition(o, 'Ready');
          if (ready?.status === 'True') return undefined;
          return ready ? `Ready=${ready.status} (${ready.reason ?? 'no reason'}): ${oneLine(ready.message)}` : 'no Ready condition yet';
        }),
      ),
      runbook: watch,
    });
  }
  const sops = v.sopsSecretName;
  if (sops) {
    const want = ref('Secret', sops, fluxNs);
    // `-o name` prints only `secret/<name>`: the key's data never reaches this process.
    checks.push({
      id: `sops-key/${fluxNs}/${sops}`,
      phase,
      title: `SOPS age key Secret ${sops} exists`,
      argv: ['get', 'secret', sops, '-n', fluxNs, '-o', 'name'],
      judge: judgeExit(want, 'missing'),
      runbook: rb.heading('bootstrap.md', /age key|sops/i),
    });
  }
  const ns = v.all('Namespace').find((o) => o.metadata.name === v.namespace);
  if (ns) {
    const want = refOf('Namespace', ns);
    checks.push({
      id: `namespace/${ns.metadata.name}`,
      phase,
      title: `namespace ${ns.metadata.name} Active`,
      argv: getJson('namespace', ns.metadata.name),
      judge: judgeJson(want, (items) => byName(items, want, (o) => (o.status?.phase === 'Active' ? undefined : `phase ${o.status?.phase ?? 'unknown'}`))),
      runbook: rb.heading(VERIFICATION, /foundation/i),
    });
  }
  const claims = [
    ...v.all('PersistentVolumeClaim').map((p) => ref('PersistentVolumeClaim', p.metadata.name, p.metadata.namespace ?? v.namespace)),
    // A StatefulSet's claim templates become `<template>-<set>-<ordinal>`.
    ...v.workloads.flatMap((w) =>
      w.volumeClaimTemplates.flatMap((t) => Array.from({ length: w.replicas }, (_, i) => ref('PersistentVolumeClaim', `${t}-${w.name}-${i}`, w.namespace))),
    ),
  ];
  const pvcSection = rb.heading(VERIFICATION, /foundation/i);
  for (const want of claims) {
    checks.push({
      id: `pvc-bound/${want.namespace}/${want.name}`,
      phase,
      title: `PVC ${want.name} Bound`,
      argv: getJson('persistentvolumeclaims', '-n', want.namespace!),
      judge: judgeJson(want, (items) => byName(items, want, (o) => (o.status?.phase === 'Bound' ? undefined : `phase ${o.status?.phase ?? 'unknown'}${pendingReason(o)}`))),
      runbook: pvcSection,
    });
  }
  for (const pv of v.all('PersistentVolume')) {
    const want = refOf('PersistentVolume', pv);
    checks.push({
      id: `pv-bound/${pv.metadata.name}`,
      phase,
      title: `PV ${pv.metadata.name} Bound`,
      argv: getJson('persistentvolumes'),
      judge: judgeJson(want, (items) => byName(items, want, (o) => (o.status?.phase === 'Bound' ? undefined : `phase ${o.status?.phase ?? 'unknown'}`))),
      runbook: pvcSection,
    });
  }
  return checks;
}

function pendingReason(o: LiveObject): string {
  const resizing = o.status?.conditions?.find((c) => c.status === 'True');
  return resizing ? ` (${resizing.type}: ${oneLine(resizing.message)})` : '';
}

// ─── Every workload: pods Ready, API answering ──────────────────────────────────────────────

/** The verification page's section about an app's phase. */
function sectionOf(rb: RunbookIndex, app: string): string {
  const phase = phaseOf(app);
  if (phase === PHASES.dfs) return rb.heading(VERIFICATION, /decypharr/i);
  if (phase === PHASES.plex) return rb.heading(VERIFICATION, /plex/i);
  if (phase === PHASES.arrs || phase === PHASES.indexers || phase === PHASES.profiles) return rb.heading(VERIFICATION, /arr apps/i);
  // The design had no section of its own for the rest: the first runbook section named after the app.
  const name = new RegExp(`\\b${app.replace(/[^a-z0-9]/gi, '.')}\\b`, 'i');
  return rb.heading(VERIFICATION, name, rb.heading('post-deploy.md', name, rb.heading('downloads-and-database.md', name, rb.page(VERIFICATION))));
}

function workloads(f: Facts, rb: RunbookIndex): Check[] {
  const checks: Check[] = [];
  for (const w of f.v.workloads) {
    if (w.kind !== 'DaemonSet' && w.replicas === 0) continue;
    const phase = phaseOf(w.app);
    const runbook = sectionOf(rb, w.app);
    const selector = (w.object as KindObject<'StatefulSet'>).spec.selector?.matchLabels ?? {};
    const want = ref(w.kind, w.name, w.namespace);
    checks.push({
      id: `pods-ready/${w.namespace}/${w.name}`,
      phase,
      title: `${w.name}: every pod Ready`,
      argv: getJson('pods', '-n', w.namespace),
      judge: judgeJson(want, (items) =>
        podsReady(
          want,
          w,
          items.filter((p) => matches(p, selector) && isCurrent(p)),
        ),
      ),
      runbook,
    });
    const api = apiCheck(f, w);
    if (api) checks.push({ ...api, phase, runbook });
  }
  return checks;
}

/** Pods that count: not finished (an evicted or completed pod of an older revision lingers), not being deleted. */
function isCurrent(p: LiveObject): boolean {
  const phase = p.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !(p.metadata as { deletionTimestamp?: string }).deletionTimestamp;
}

function podsReady(want: ObjectRef, w: Workload, pods: readonly LiveObject[]): Failure[] {
  // A DaemonSet's pod count depends on the nodes; it needs at least one.
  const expected = w.kind === 'DaemonSet' ? 1 : w.replicas;
  const out: Failure[] = [];
  if (pods.length < expected) out.push({ object: want, reason: pods.length ? `${pods.length} of ${expected} pods exist` : 'no pod exists' });
  for (const p of pods) {
    if (condition(p, 'Ready')?.status === 'True') continue;
    out.push({ object: refOf('Pod', p), reason: notReadyReason(p) });
  }
  return out;
}

interface ContainerStatus {
  readonly name: string;
  readonly ready?: boolean;
  readonly restartCount?: number;
  readonly state?: {
    readonly waiting?: { readonly reason?: string; readonly message?: string };
    readonly running?: object;
    readonly terminated?: { readonly reason?: string; readonly exitCode?: number };
  };
  readonly lastState?: { readonly terminated?: { readonly reason?: string; readonly exitCode?: number } };
}

/** Why a pod is not Ready, in the words of its status: the waiting reason, the init container it is stuck in, the scheduler. */
function notReadyReason(p: LiveObject): string {
  const status = p.status as { initContainerStatuses?: ContainerStatus[]; containerStatuses?: ContainerStatus[] } | undefined;
  const describe = (c: ContainerStatus, what: string) => {
    const waiting = c.state?.waiting;
    const last = c.lastState?.terminated;
    const restarts = c.restartCount ? `, ${c.restartCount} restarts` : '';
    const lastExit = last ? `, last exit ${last.exitCode ?? '?'} (${last.reason ?? 'terminated'})` : '';
    if (waiting) return `${what} ${c.name} ${waiting.reason ?? 'waiting'}${restarts}${lastExit}`;
    if (c.state?.terminated) return `${what} ${c.name} terminated (${c.state.terminated.reason ?? 'exit'} ${c.state.terminated.exitCode ?? ''})`.trim();
    return `${what} ${c.name} running, not ready${restarts}`;
  };
  const init = status?.initContainerStatuses?.find((c) => !c.ready && !c.state?.terminated);
  if (init) return describe(init, 'init container');
  const ctr = status?.containerStatuses?.find((c) => !c.ready);
  if (ctr) return describe(ctr, 'container');
  const scheduled = condition(p, 'PodScheduled');
  if (scheduled?.status === 'False') return `not scheduled (${scheduled.reason ?? 'Unschedulable'}): ${oneLine(scheduled.message)}`;
  return `phase ${p.status?.phase ?? 'unknown'}, not Ready`;
}

/**
 * The app's own health endpoint (its readiness probe's path), asked from inside its container:
 * what a user's request reaches, whatever the NetworkPolicies and the Ingress do.
 */
function apiCheck(f: Facts, w: Workload): Omit<Check, 'phase' | 'runbook'> | undefined {
  const health = f.health(w);
  const ctr = f.main(w);
  if (!health) return undefined;
  const scheme = (ctr.readinessProbe?.httpGet as { scheme?: string } | undefined)?.scheme === 'HTTPS' ? 'https' : 'http';
  const argv = httpGetArgv(ctr.image, `${scheme}://localhost:${health.port}${health.path}`);
  if (!argv) return undefined;
  const pod = f.pod(w);
  return {
    id: `api/${w.namespace}/${w.name}`,
    title: `${w.name}: ${health.path} answers`,
    argv: ['exec', pod, '-n', w.namespace, '-c', ctr.name, '--', ...argv],
    judge: judgeExit(podRef(w, pod), `GET ${health.path} on port ${health.port} failed`),
  };
}

/** The pod a `kubectl exec <target>` reaches, as a failing object. */
function podRef(w: Workload, target: string): ObjectRef {
  return target.includes('/') ? ref(w.kind, w.name, w.namespace) : ref('Pod', target, w.namespace);
}

// ─── Phase 3: Prowlarr's apps ───────────────────────────────────────────────────────────────

/** An argv as one `sh -c` line: `$VAR` in an argument expands in the container, nothing else does. */
function shellLine(argv: readonly string[]): string {
  return argv.map((a) => (/^[A-Za-z0-9_./:=@%+,-]+$/.test(a) ? a : `"${a.replace(/["\\`]/g, '\\$&')}"`)).join(' ');
}

/**
 * Prowlarr lists an application for every Sonarr/Radarr instance (what it syncs indexers to). The
 * request runs in Prowlarr's container with the API key of its own environment, and jq there keeps
 * only name, implementation and baseUrl: no key leaves the pod.
 */
function prowlarrSync(f: Facts, rb: RunbookIndex): Check[] {
  const prowlarr = f.one('prowlarr');
  const key = prowlarr && f.secretRef(prowlarr, 'api-key');
  const health = prowlarr && f.health(prowlarr);
  if (!prowlarr || !key || !health || f.arrs.length === 0) return [];
  const ctr = f.main(prowlarr);
  const get = httpGetArgv(ctr.image, `http://localhost:${health.port}/api/v1/applications`, [`X-Api-Key: $${key.env}`]);
  if (!get || !hasJq(ctr.image)) return [];
  const script = `${shellLine(get)} | jq -c '[.[] | {name, implementation, baseUrl: ([.fields[] | select(.name == "baseUrl") | .value] | first)}]'`;
  const pod = f.pod(prowlarr);
  const want = podRef(prowlarr, pod);
  const arrs = f.arrs.map((w) => ({ w, service: f.svc(w)?.name ?? w.name }));
  return [
    {
      id: `prowlarr-apps/${prowlarr.namespace}/${prowlarr.name}`,
      phase: PHASES.indexers,
      title: `${prowlarr.name}: an application for ${arrs.map((a) => a.w.name).join(', ')}`,
      argv: ['exec', pod, '-n', prowlarr.namespace, '-c', ctr.name, '--', 'sh', '-c', script],
      judge: (r) => {
        const failed = judgeExit(want, 'GET /api/v1/applications failed')(r);
        if (failed.length) return failed;
        let apps: { name?: string; baseUrl?: string | null }[];
        try {
          apps = JSON.parse(r.stdout) as typeof apps;
        } catch {
          return [{ object: want, reason: 'GET /api/v1/applications printed no JSON' }];
        }
        const hostOf = (url: string | null | undefined) => (url ? url.replace(/^https?:\/\//, '').split(/[.:/]/)[0] : undefined);
        const missing = arrs.filter((a) => !apps.some((x) => hostOf(x.baseUrl) === a.service));
        return missing.length ? [{ object: want, reason: `no application for ${missing.map((a) => `${a.w.name} (${a.service})`).join(', ')}` }] : [];
      },
      runbook: rb.heading('post-deploy.md', /prowlarr/i, rb.heading(VERIFICATION, /arr apps/i)),
    },
  ];
}

// ─── Phase 4: the DFS ───────────────────────────────────────────────────────────────────────

function dfs(f: Facts, rb: RunbookIndex): Check[] {
  const d = f.dfs;
  if (!d) return [];
  const phase = PHASES.dfs;
  const page = 'decypharr-dfs.md';
  // Decypharr's own readiness check proves the FUSE mount (a file only the mounted DFS has); without one, a FUSE line at the mount point.
  const served = d.readiness ? ['sh', '-c', d.readiness] : ['grep', '-F', ` ${d.path} fuse`, '/proc/mounts'];
  const pod = f.pod(d.w);
  const checks: Check[] = [
    {
      id: `dfs-mounted/${d.w.namespace}/${d.w.name}`,
      phase,
      title: `${d.w.name}: the DFS is mounted at ${d.path}`,
      argv: ['exec', pod, '-n', d.w.namespace, '-c', d.container, '--', ...served],
      judge: judgeExit(podRef(d.w, pod), `DFS not mounted at ${d.path} (${served.join(' ')})`),
      runbook: rb.heading(page, /decypharr itself/i),
    },
  ];
  const exp = d.export;
  if (exp) {
    const want = ref('Service', exp.service, d.w.namespace);
    checks.push({
      id: `dfs-export/${d.w.namespace}/${exp.service}`,
      phase,
      title: `Service ${exp.service} exports the DFS at ${exp.ip}`,
      argv: getJson('service', exp.service, '-n', d.w.namespace),
      judge: judgeJson(want, (items) =>
        byName(items, want, (o) => (o.spec?.clusterIP === exp.ip ? undefined : `ClusterIP ${o.spec?.clusterIP ?? 'none'}, the NFS PV ${exp.pv} mounts ${exp.ip}`)),
      ),
      runbook: rb.heading(page, /nfs export/i),
    });
  }
  for (const w of f.dfsReaders()) {
    const ctr = f.containerMounting(w, d.path);
    if (!ctr) continue;
    const target = f.pod(w);
    const cmd = d.readiness ? ['sh', '-c', d.readiness] : ['ls', d.path];
    checks.push({
      id: `dfs-reader/${w.namespace}/${w.name}`,
      phase,
      title: `${w.name}: sees the DFS at ${d.path}`,
      argv: ['exec', target, '-n', w.namespace, '-c', ctr.name, '--', ...cmd],
      judge: judgeExit(podRef(w, target), `DFS not readable at ${d.path}`),
      runbook: rb.heading(page, /readers/i),
    });
  }
  return checks;
}

// ─── The CronJobs (setup jobs, wiring, backups): the last run succeeded ────────────────────

interface JobStatus {
  readonly startTime?: string;
  readonly active?: number;
}

function cronJobs(f: Facts, rb: RunbookIndex): Check[] {
  return f.v.all('CronJob').map((cj) => {
    const ns = cj.metadata.namespace ?? f.ns;
    const app = cj.spec.jobTemplate.spec.template.metadata?.labels?.[NAME_LABEL] ?? cj.metadata.name;
    const want = ref('CronJob', cj.metadata.name, ns);
    return {
      id: `cronjob-last-run/${ns}/${cj.metadata.name}`,
      phase: phaseOf(app),
      title: `${cj.metadata.name}: the last run succeeded`,
      argv: getJson('jobs', '-n', ns),
      judge: judgeJson(want, (items) => lastRun(want, items)),
      // The runbook section that shows its log and runs it now.
      runbook: rb.mentioning(`cronjob/${cj.metadata.name}`, rb.page('post-deploy.md')),
    };
  });
}

function lastRun(want: ObjectRef, jobs: readonly LiveObject[]): Failure[] {
  const started = (j: LiveObject) => (j.status as JobStatus | undefined)?.startTime ?? j.metadata.creationTimestamp ?? '';
  const owned = jobs.filter((j) => j.metadata.ownerReferences?.some((o) => o.kind === 'CronJob' && o.name === want.name)).sort((a, b) => started(b).localeCompare(started(a)));
  const finished = owned.find((j) => isTrue(j, 'Complete') || isTrue(j, 'Failed'));
  if (finished && isTrue(finished, 'Failed')) {
    const failed = condition(finished, 'Failed')!;
    return [{ object: refOf('Job', finished), reason: `failed (${failed.reason ?? 'Failed'}): ${oneLine(failed.message)}` }];
  }
  if (finished) return [];
  return [{ object: want, reason: owned.length ? 'its first run has not finished yet' : 'has not run yet' }];
}

const isTrue = (o: LiveObject, type: string) => condition(o, type)?.status === 'True';

// ─── Phase 7: Plex's library ────────────────────────────────────────────────────────────────

/**
 * Plex lists at least one library. Plex answers `/library/sections` only with a token: the request
 * runs in Plex's container with the claimed server's own token, read there from Preferences.xml
 * (PlexOnlineToken); it never leaves the pod. Unclaimed, the request fails (401).
 */
function plexLibrary(f: Facts, rb: RunbookIndex): Check[] {
  const plex = f.one('plex');
  const health = plex && f.health(plex);
  if (!plex || !health) return [];
  const ctr = f.main(plex);
  const get = httpGetArgv(ctr.image, `http://localhost:${health.port}/library/sections`, ['Accept: application/json', 'X-Plex-Token: $PLEX_TOKEN']);
  if (!get) return [];
  const prefs = `${PLEX_APP_SUPPORT}/Preferences.xml`;
  const script = `PLEX_TOKEN="$(sed -n 's/.*PlexOnlineToken="\\([^"]*\\)".*/\\1/p' '${prefs}')" && ${shellLine(get)}`;
  const pod = f.pod(plex);
  const want = podRef(plex, pod);
  return [
    {
      id: `plex-library/${plex.namespace}/${plex.name}`,
      phase: PHASES.plex,
      title: `${plex.name}: a library exists`,
      argv: ['exec', pod, '-n', plex.namespace, '-c', ctr.name, '--', 'sh', '-c', script],
      judge: (r) => {
        const failed = judgeExit(want, 'GET /library/sections failed (server not claimed yet?)')(r);
        if (failed.length) return failed;
        let count: number;
        try {
          count = ((JSON.parse(r.stdout) as { MediaContainer?: { Directory?: unknown[] } }).MediaContainer?.Directory ?? []).length;
        } catch {
          return [{ object: want, reason: 'GET /library/sections printed no JSON' }];
        }
        return count > 0 ? [] : [{ object: want, reason: 'no library yet' }];
      },
      runbook: rb.heading('post-deploy.md', /plex/i, rb.heading(VERIFICATION, /plex/i)),
    },
  ];
}

// ─── Phase 7: the GPU and ClusterPlex ───────────────────────────────────────────────────────

function gpu(f: Facts, rb: RunbookIndex): Check[] {
  const resource = gpuResource(f.v);
  // The device plugin: the DaemonSet on the GPU nodes that advertises the resource the consumers request.
  const plugin = f.v.workloads.find((w) => w.kind === 'DaemonSet' && w.placement.id === 'gpu_nodes');
  if (!resource || !plugin?.placement.nodeSelector) return [];
  const selector = plugin.placement.nodeSelector;
  return [
    {
      id: `gpu-allocatable/${selector}`,
      phase: PHASES.plex,
      title: `${resource} allocatable on the nodes labelled ${selector}`,
      argv: getJson('nodes', '-l', selector),
      judge: judgeJson(ref('Node', `-l ${selector}`), (nodes) => {
        if (nodes.length === 0) return [{ object: ref('Node', `-l ${selector}`), reason: 'no node has this label' }];
        return nodes.flatMap((n) => {
          const count = Number((n.status as { allocatable?: Record<string, string> } | undefined)?.allocatable?.[resource] ?? 0);
          return count > 0 ? [] : [{ object: refOf('Node', n), reason: `allocatable ${resource}: 0 (is ${plugin.name} running there?)` }];
        });
      }),
      runbook: rb.heading('gpu-transcoding.md', /advertises the gpu/i),
    },
  ];
}

function clusterplex(f: Facts, rb: RunbookIndex): Check[] {
  const orch = f.one('clusterplex-orchestrator');
  const workers = f.v.workloadsOfApp('clusterplex-worker');
  const expected = workers.reduce((n, w) => n + w.replicas, 0);
  const health = orch && f.health(orch);
  if (!orch || !health || expected === 0) return [];
  const ctr = f.main(orch);
  const argv = httpGetArgv(ctr.image, `http://localhost:${health.port}${CLUSTERPLEX_METRICS_PATH}`);
  if (!argv) return [];
  const target = f.pod(orch);
  const want = podRef(orch, target);
  return [
    {
      id: `clusterplex-workers/${orch.namespace}/${orch.name}`,
      phase: PHASES.plex,
      title: `${orch.name}: ${expected} worker(s) registered (${workers.map((w) => w.name).join(', ')})`,
      argv: ['exec', target, '-n', orch.namespace, '-c', ctr.name, '--', ...argv],
      judge: (r) => {
        const failed = judgeExit(want, `GET ${CLUSTERPLEX_METRICS_PATH} failed`)(r);
        if (failed.length) return failed;
        const m = new RegExp(`^${CLUSTERPLEX_WORKERS_GAUGE} (\\d+)`, 'm').exec(r.stdout);
        const n = m ? Number(m[1]) : 0;
        return n >= expected ? [] : [{ object: want, reason: `${CLUSTERPLEX_WORKERS_GAUGE} ${n}, expected ${expected}` }];
      },
      runbook: rb.heading('gpu-transcoding.md', /orchestrator/i),
    },
  ];
}

// ─── HA: the streaming stack on one node ────────────────────────────────────────────────────

function coLocation(f: Facts, rb: RunbookIndex): Check[] {
  const label = f.v.workloads.map((w) => f.v.coLocationLabel(w.pod)).find((l) => l !== undefined);
  if (!label) return [];
  const selector = Object.fromEntries(label.split(',').map((kv) => kv.split('=') as [string, string]));
  const ns = f.ns;
  const anchor = f.dfs?.w;
  return [
    {
      id: `co-located/${ns}/${label}`,
      phase: PHASES.ha,
      title: `the pods labelled ${label} run on one node`,
      argv: getJson('pods', '-n', ns),
      judge: judgeJson(ref('Namespace', ns), (items) => {
        const pods = items.filter((p) => matches(p, selector) && isCurrent(p) && p.spec?.nodeName);
        const nodeOf = (p: LiveObject) => p.spec!.nodeName!;
        // Everything follows the DFS: the node of Decypharr's pod, else the node most of them are on.
        const home = pods.find((p) => anchor && p.metadata.labels?.[NAME_LABEL] === anchor.app)?.spec?.nodeName ?? mostCommon(pods.map(nodeOf));
        return pods.filter((p) => nodeOf(p) !== home).map((p) => ({ object: refOf('Pod', p), reason: `on node ${nodeOf(p)}, the others on ${home}` }));
      }),
      runbook: rb.mentioning(`-l ${label}`, rb.page('failover.md'), 'failover.md'),
    },
  ];
}

function mostCommon(xs: readonly string[]): string | undefined {
  const counts = new Map<string, number>();
  for (const x of xs) counts.set(x, (counts.get(x) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0];
}

function oneLine(s: string | undefined): string {
  return (s ?? '').replace(/\s+/g, ' ').trim().slice(0, 300);
}
