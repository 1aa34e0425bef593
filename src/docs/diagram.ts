import { posix } from 'node:path';
import type { HostPeer } from '../lib/component.js';
import { publishedFacts, type NotificationFact } from '../lib/published-facts.js';
import type { OutputFile } from '../output/layout.js';
import type { KubeObject } from '../output/model.js';
import {
  fuseMountPaths,
  gpuClaims,
  INSTANCE_LABEL,
  isPodOwner,
  mermaidId,
  mountCovers,
  placementGroupsOf,
  StackView,
  type ContainerJson,
  type KindObject,
  type OutsidePeer,
  type PodOwner,
  type ResolvedEdge,
  type ScheduledJob,
  type VolumeJson,
  type Workload,
} from './model.js';

/**
 * The architecture page (`docs/architecture.md`): Mermaid diagrams generated from the synthesized
 * objects and the components' call edges, so whatever the config disables is gone from them.
 * GitHub scales a diagram down to its ~880 px column, so each one is kept narrow enough to stay
 * readable there: split by concern or phase, directions chosen so few nodes share a rank, short
 * labels (the tables below each diagram carry the details).
 *
 * 1. Placement: one subgraph per place pods may run (from each pod's node affinity / selector).
 * 2. Calls: one diagram per group of callees; caller → why → callee, the callee with its ports.
 * 3. Volumes: a subgraph per pod holding its mounts, each mount → its claim, NFS export or host
 *    path; shared volumes and each pod's own in separate diagrams.
 * 4. Data flow from the Plex watchlist to playback, one diagram per phase.
 */

/** A volume as the docs show it: one node per claim, host path or NFS export. */
interface VolumeNode {
  readonly id: string;
  readonly label: string;
  /** Sort key (claims first, then host paths). */
  readonly sort: string;
}

interface Mount {
  readonly workload: PodOwner;
  readonly container: ContainerJson;
  readonly volume: VolumeNode;
  readonly path: string;
  readonly readOnly: boolean;
  readonly propagation?: string;
  readonly subPath?: string;
}

const q = (s: string) => `"${s.replace(/"/g, '#quot;')}"`;
const EXTERNAL: Record<string, { id: string; label: string }> = {
  internet: { id: 'ext_internet', label: 'Internet' },
  'ingress-controller': { id: 'ext_ingress', label: 'Ingress controller' },
  anywhere: { id: 'ext_anywhere', label: 'Clients anywhere' },
  'private-networks': { id: 'ext_private', label: 'Nodes and LAN (private ranges)' },
  'kubernetes-api': { id: 'ext_kube_api', label: 'Kubernetes API' },
  prometheus: { id: 'ext_prometheus', label: 'Prometheus' },
};

function workloadNodeId(w: PodOwner): string {
  return `w_${mermaidId(w.namespace)}_${mermaidId(w.name)}`;
}

function workloadLabel(v: StackView, w: PodOwner): string {
  const where = w.namespace !== v.namespace ? ` · ${w.namespace}` : '';
  const count = w.kind === 'DaemonSet' ? ' · per node' : w.replicas > 1 ? ` · ${w.replicas} pods` : '';
  return `${w.name}<br/>${w.kind}${where}${count}${'schedule' in w && w.schedule ? ` · ${scheduleText(w)}` : ''}`;
}

/** A CronJob's schedule with its time zone when it names one, e.g. `17 * * * *`. */
function scheduleText(j: ScheduledJob): string {
  return j.schedule ? `${j.schedule}${j.timeZone ? ` (${j.timeZone})` : ''}` : 'once';
}

/** The node of a peer outside the stack's pods: a named party, or a host labelled with its address. */
function outsideNode(p: OutsidePeer): { id: string; label: string } {
  return typeof p === 'string' ? EXTERNAL[p]! : { id: `ext_host_${mermaidId(p.cidr)}`, label: `${p.host} (${p.cidr})` };
}

function peerId(p: ResolvedEdge['from']): string {
  return isPodOwner(p) ? workloadNodeId(p) : outsideNode(p).id;
}

function portsText(e: ResolvedEdge): string {
  return e.edge.ports === 'any' ? '' : ` :${e.edge.ports.join(',')}`;
}

/** The volume node a pod volume stands for (undefined for scratch space and config maps). */
function volumeNode(v: StackView, w: PodOwner, vol: VolumeJson | undefined, name: string): VolumeNode | undefined {
  if (!vol) {
    if (w.volumeClaimTemplates.includes(name)) {
      return { id: `v_tpl_${mermaidId(w.name)}_${mermaidId(name)}`, label: `${name}-${w.name}-N<br/>one claim per pod`, sort: `1 ${w.name} ${name}` };
    }
    return undefined;
  }
  if (vol.persistentVolumeClaim) {
    const claim = vol.persistentVolumeClaim.claimName;
    const pvc = v.find('PersistentVolumeClaim', claim, w.namespace);
    const pv = pvc?.spec.volumeName ? v.find('PersistentVolume', pvc.spec.volumeName) : undefined;
    let backing: string;
    if (pv?.spec.nfs) {
      const exporter = nfsExporter(v, pv.spec.nfs.server);
      backing = `NFS ${pv.spec.nfs.server}:${pv.spec.nfs.path}${exporter ? `<br/>served by svc/${exporter.service}` : ''}`;
    } else if (pvc) {
      backing = `${pvc.spec.storageClassName ?? 'default class'} · ${(pvc.spec.accessModes ?? []).join(',')} · ${pvc.spec.resources?.requests?.storage ?? ''}`;
    } else backing = 'claim not in this stack';
    return { id: `v_pvc_${mermaidId(claim)}`, label: `pvc/${claim}<br/>${backing}`, sort: `0 ${claim}` };
  }
  if (vol.hostPath) return { id: `v_host_${mermaidId(vol.hostPath.path)}`, label: `host path ${vol.hostPath.path}<br/>on the pod's node`, sort: `2 ${vol.hostPath.path}` };
  if (vol.nfs) return { id: `v_nfs_${mermaidId(`${vol.nfs.server}${vol.nfs.path}`)}`, label: `NFS ${vol.nfs.server}:${vol.nfs.path}`, sort: `3 ${vol.nfs.server}` };
  return undefined;
}

/** The Service with a pinned ClusterIP `ip` and the workload behind it (an in-cluster NFS server). */
export function nfsExporter(v: StackView, ip: string): { service: string; workload?: Workload; container?: ContainerJson; port?: number } | undefined {
  const svc = v.serviceWithClusterIP(ip);
  if (!svc) return undefined;
  const w = v.workloads.find((x) => x.namespace === svc.metadata.namespace && x.instance === svc.spec.selector?.['app.kubernetes.io/instance']);
  const port = svc.spec.ports[0];
  const container = w?.pod.containers.find((c) => (c.ports ?? []).some((p) => p.name === port.targetPort || p.containerPort === port.targetPort));
  return { service: svc.metadata.name, workload: w, container, port: port.port };
}

/** Every mount of a claim, host path or NFS volume by a main container. */
function mountsOf(v: StackView, owners: readonly PodOwner[] = v.workloads): Mount[] {
  const out: Mount[] = [];
  for (const w of owners) {
    for (const c of w.pod.containers) {
      for (const m of c.volumeMounts ?? []) {
        const vol = w.pod.volumes?.find((x) => x.name === m.name);
        const node = volumeNode(v, w, vol, m.name);
        if (!node) continue;
        out.push({
          workload: w,
          container: c,
          volume: node,
          path: m.mountPath,
          readOnly: m.readOnly === true || vol?.persistentVolumeClaim?.readOnly === true,
          propagation: m.mountPropagation,
          subPath: m.subPath,
        });
      }
    }
  }
  return out;
}

function mountText(m: Mount, withContainer: boolean): string {
  const flags = [m.readOnly ? 'ro' : 'rw', ...(m.propagation ? [m.propagation] : []), ...(m.subPath ? [`subPath ${m.subPath}`] : [])];
  return `${withContainer ? `${m.container.name}: ` : ''}${m.path} (${flags.join(', ')})`;
}

/** One label per workload → volume pair: its mounts, prefixed by container when several mount it. */
function groupedMounts(mounts: readonly Mount[]): { workload: PodOwner; volume: VolumeNode; label: string; writes: boolean }[] {
  const groups = new Map<string, Mount[]>();
  for (const m of mounts) {
    const k = `${workloadNodeId(m.workload)}|${m.volume.id}`;
    groups.set(k, [...(groups.get(k) ?? []), m]);
  }
  return [...groups.values()].map((ms) => {
    const containers = new Set(ms.map((m) => m.container.name));
    const texts = [...new Set(ms.map((m) => mountText(m, containers.size > 1)))];
    return { workload: ms[0]!.workload, volume: ms[0]!.volume, label: texts.join('<br/>'), writes: ms.some((m) => !m.readOnly) };
  });
}

/** Nodes per row inside a placement subgraph: three fit the column next to each other. */
const PLACEMENT_ROW = 3;

/**
 * Diagram 1: where pods may run (no calls: those have diagrams of their own), for the workloads
 * or for the jobs: one subgraph per place, in the same order.
 */
function placementDiagram(v: StackView, owners: readonly PodOwner[]): string {
  const lines = ['flowchart LR'];
  for (const g of placementGroupsOf(owners)) {
    const members = owners.filter((w) => w.placement.id === g.id);
    const hosts = g.hostnames.length ? ` (${g.hostnames.join(', ')})` : '';
    const title = g.id === 'anywhere' ? 'Any node' : `${g.title}${hosts} · ${g.constraint}`;
    lines.push(`  subgraph ${g.id}[${q(title)}]`, '    direction LR');
    // Invisible links make rows, so a group of many pods wraps instead of widening the diagram.
    for (let i = 0; i < members.length; i += PLACEMENT_ROW) {
      lines.push(
        `    ${members
          .slice(i, i + PLACEMENT_ROW)
          .map((w) => `${workloadNodeId(w)}[${q(workloadLabel(v, w))}]`)
          .join(' ~~~ ')}`,
      );
    }
    lines.push('  end');
  }
  // DRA: the shared ResourceClaim each GPU pod names (the scheduler puts them on its device's node).
  for (const claim of gpuClaims(v)) {
    const users = [...new Set(claim.users.map((u) => u.w))].filter((w) => owners.includes(w));
    if (users.length === 0) continue;
    const id = `rc_${mermaidId(claim.name)}`;
    // The DRA driver that allocates the class's devices (an arrow to it would cross the subgraph).
    const drivers = draDrivers(v, claim.deviceClass).map((d) => `<br/>allocated by ${d.name}`);
    lines.push(`  ${id}([${q(`resourceclaim/${claim.name}<br/>DeviceClass ${claim.deviceClass ?? '?'}${drivers.join('')}`)}])`);
    for (const w of users) lines.push(`  ${workloadNodeId(w)} -.->|${q('GPU (DRA)')}| ${id}`);
  }
  return lines.join('\n');
}

/** The DaemonSets of the component that ships a DeviceClass: its DRA kubelet plugin. */
function draDrivers(v: StackView, deviceClass: string | undefined): Workload[] {
  const placed = deviceClass ? v.placed.find((p) => p.object.kind === 'DeviceClass' && p.object.metadata.name === deviceClass) : undefined;
  if (!placed) return [];
  const dir = posix.dirname(placed.path);
  return v.workloads.filter((w) => w.kind === 'DaemonSet' && posix.dirname(w.path) === dir);
}

/** One reason for calls: the callers, and the callees with the ports they are called on. */
interface CallGroup {
  readonly why: string;
  readonly edges: readonly ResolvedEdge[];
}

/** Calls grouped by why, as long as each group is every caller calling every callee (else split by caller). */
function callGroups(edges: readonly ResolvedEdge[]): CallGroup[] {
  const byWhy = new Map<string, ResolvedEdge[]>();
  for (const e of edges) byWhy.set(e.edge.why, [...(byWhy.get(e.edge.why) ?? []), e]);
  const out: CallGroup[] = [];
  for (const [why, es] of byWhy) {
    const from = new Set(es.map((e) => peerId(e.from)));
    const to = new Set(es.map((e) => peerId(e.to)));
    const pairs = new Set(es.map((e) => `${peerId(e.from)}>${peerId(e.to)}`));
    if (pairs.size === from.size * to.size) out.push({ why, edges: es });
    else for (const f of from) out.push({ why, edges: es.filter((e) => peerId(e.from) === f) });
  }
  return out;
}

/** Call groups per diagram: few enough that the edges between the three columns stay traceable. */
const GROUPS_PER_CALL_DIAGRAM = 4;

const peerName = (p: ResolvedEdge['from']) => (isPodOwner(p) ? p.name : outsideNode(p).label);

const isJob = (p: ResolvedEdge['from']): boolean => isPodOwner(p) && (p.kind === 'CronJob' || p.kind === 'Job');

/** A call diagram and what its heading names: the callees, or the jobs that make the calls. */
interface CallDiagram {
  readonly heading: string;
  readonly diagram: string;
}

/**
 * Diagram 2: the calls between deployed pods, one diagram per group of callees; then the jobs'
 * calls, one diagram per few jobs (their callees are the same apps: mixed in, the edges cross).
 */
function callDiagrams(v: StackView): CallDiagram[] {
  const edges = v.edges.filter((e) => e.from !== 'internet' && e.to !== 'internet' && e.from !== 'ingress-controller');
  const owners: PodOwner[] = [...v.workloads, ...v.jobs];
  const order = (p: ResolvedEdge['from']) => (isPodOwner(p) ? owners.indexOf(p) : owners.length);
  // The metrics scrapes reach every Servarr pod: a diagram of their own, last, keeps the others narrow.
  const scrape = (g: CallGroup) => g.edges.every((e) => e.from === 'prometheus');
  const callee = (g: CallGroup) => (scrape(g) ? owners.length + 1 : Math.min(...g.edges.map((e) => order(e.to))));
  const caller = (g: CallGroup) => Math.min(...g.edges.map((e) => order(e.from)));
  const groups = callGroups(edges);
  const byCallee = chunkGroups(
    groups.filter((g) => !g.edges.some((e) => isJob(e.from))),
    callee,
    scrape,
  );
  const byJob = chunkGroups(
    groups.filter((g) => g.edges.some((e) => isJob(e.from))),
    caller,
    () => false,
  );
  const names = (peers: ResolvedEdge['from'][]) => [...new Set(peers.map(peerName))].map((c) => (c.includes(' ') ? c : `\`${c}\``)).join(', ');
  return [
    ...byCallee.map((chunk, n) => ({ heading: `Calls to ${names(chunk.flatMap((g) => g.edges.map((e) => e.to)))}`, diagram: callDiagram(chunk, `c${n}`) })),
    ...byJob.map((chunk, n) => ({ heading: `Calls from ${names(chunk.flatMap((g) => g.edges.map((e) => e.from)))}`, diagram: callDiagram(chunk, `j${n}`) })),
  ];
}

/**
 * Call groups in diagrams of a few groups each, in the order of `key` (a callee or a caller):
 * every group of one key in the same diagram; `alone` groups get a diagram of their own.
 */
function chunkGroups(groups: readonly CallGroup[], key: (g: CallGroup) => number, alone: (g: CallGroup) => boolean): CallGroup[][] {
  const chunks: CallGroup[][] = [];
  let last: number | undefined;
  for (const g of [...groups].sort((a, b) => key(a) - key(b))) {
    const current = chunks[chunks.length - 1];
    if (current && !alone(g) && (key(g) === last || current.length < GROUPS_PER_CALL_DIAGRAM)) current.push(g);
    else chunks.push([g]);
    last = key(g);
  }
  return chunks;
}

/** One call diagram: callers, a node per reason, callees with their ports. */
function callDiagram(chunk: readonly CallGroup[], prefix: string): string {
  const lines = ['flowchart LR'];
  const callers = new Map<string, ResolvedEdge['from']>();
  const callees = new Map<string, { peer: ResolvedEdge['to']; ports: Set<string> }>();
  for (const e of chunk.flatMap((g) => g.edges)) {
    callers.set(peerId(e.from), e.from);
    const c = callees.get(peerId(e.to)) ?? { peer: e.to, ports: new Set<string>() };
    if (e.edge.ports !== 'any') for (const p of e.edge.ports) c.ports.add(String(p));
    callees.set(peerId(e.to), c);
  }
  const shape = (id: string, label: string) => (id.startsWith('ext_') ? `${id}([${q(label)}])` : `${id}[${q(label)}]`);
  for (const [id, peer] of callers) if (!callees.has(id)) lines.push(`  ${shape(id, peerName(peer))}`);
  for (const [id, c] of callees) lines.push(`  ${shape(id, `${peerName(c.peer)}${c.ports.size ? `<br/>:${[...c.ports].join(', :')}` : ''}`)}`);
  chunk.forEach((g, i) => {
    const why = `${prefix}_${i}`;
    lines.push(`  ${why}(${q(g.why)})`);
    for (const f of new Set(g.edges.map((e) => peerId(e.from)))) lines.push(`  ${f} --- ${why}`);
    for (const t of new Set(g.edges.map((e) => peerId(e.to)))) lines.push(`  ${why} --> ${t}`);
  });
  return lines.join('\n');
}

function mountFlags(m: Mount): string {
  return [m.readOnly ? 'ro' : 'rw', ...(m.propagation ? [m.propagation] : []), ...(m.subPath ? [`subPath ${m.subPath}`] : [])].join(' · ');
}

/**
 * Diagram 3: a subgraph per pod with one node per mount (path and flags), each joined to its
 * volume: which mount belongs to which pod is the box it is drawn in. Solid: the pod writes
 * there; dotted: read-only. A pod serving a volume over NFS has a node saying so, thick arrow.
 */
function volumesDiagram(v: StackView, mounts: readonly Mount[]): string {
  const lines = ['flowchart LR'];
  const volumes = uniqueVolumes(mounts);
  const exports = volumes.flatMap((vol) => {
    const ip = /^pvc\/[^<]+<br\/>NFS ([0-9.]+):/.exec(vol.label)?.[1];
    const ex = ip ? nfsExporter(v, ip) : undefined;
    return ex?.workload ? [{ vol, ip: ip!, ex, workload: ex.workload }] : [];
  });
  const pods = v.workloads.filter((w) => mounts.some((m) => m.workload === w) || exports.some((x) => x.workload === w));
  const links: string[] = [];
  for (const w of pods) {
    const own = mounts.filter((m) => m.workload === w);
    const containers = new Set(own.map((m) => m.container.name));
    lines.push(`  subgraph p_${workloadNodeId(w)}[${q(w.name)}]`, '    direction LR');
    own.forEach((m, i) => {
      const id = `m_${workloadNodeId(w)}_${i}`;
      lines.push(`    ${id}[${q(`${containers.size > 1 ? `${m.container.name}: ` : ''}${m.path}<br/>${mountFlags(m)}`)}]`);
      links.push(`  ${id} ${m.readOnly ? '-.->' : '-->'} ${m.volume.id}`);
    });
    for (const x of exports.filter((e) => e.workload === w)) {
      const id = `x_${workloadNodeId(w)}_${x.vol.id}`;
      lines.push(`    ${id}[${q(`serves it over NFS<br/>svc/${x.ex.service} ${x.ip}:${x.ex.port}`)}]`);
      links.push(`  ${id} ==> ${x.vol.id}`);
    }
    lines.push('  end');
  }
  for (const vol of volumes) lines.push(`  ${vol.id}[(${q(vol.label)})]`);
  return [...lines, ...links].join('\n');
}

/** Volumes mounted by more than one pod, and the rest (each pod's own). */
function splitShared(mounts: readonly Mount[]): { shared: Mount[]; own: Mount[] } {
  const users = new Map<string, Set<PodOwner>>();
  for (const m of mounts) users.set(m.volume.id, (users.get(m.volume.id) ?? new Set()).add(m.workload));
  const shared = mounts.filter((m) => users.get(m.volume.id)!.size > 1);
  return { shared, own: mounts.filter((m) => !shared.includes(m)) };
}

function uniqueVolumes(mounts: readonly Mount[]): VolumeNode[] {
  const byId = new Map<string, VolumeNode>();
  for (const m of mounts) byId.set(m.volume.id, m.volume);
  return [...byId.values()].sort((a, b) => a.sort.localeCompare(b.sort));
}

/** The apps on the way from the watchlist to playback (by `app.kubernetes.io/name`). */
const FLOW_APPS = ['pulsarr', 'sonarr', 'radarr', 'prowlarr', 'decypharr', 'plex', 'clusterplex-orchestrator', 'clusterplex-worker'];

/** The phases of the data flow, one diagram each (a single one would be a long chain, far too wide). */
const PHASES = [
  { id: 'request', title: 'Request: from the watchlist to a download' },
  { id: 'storage', title: 'Storage: the debrid library, its NFS export and the symlink library' },
  { id: 'playback', title: 'Playback: Plex, the transcoders and the players' },
  // Its own diagram: next to the in-cluster workers, the calls from outside make playback too wide.
  { id: 'outside', title: 'Playback: the transcoders outside the cluster' },
] as const;
type Phase = (typeof PHASES)[number]['id'];

/** Diagram 4 and its numbered story: the data flow from the Plex watchlist to playback, by phase. */
function dataFlow(v: StackView): { diagrams: { title: string; diagram: string }[]; steps: string[] } {
  const inFlow = v.workloads.filter((w) => FLOW_APPS.includes(w.app)).sort((a, b) => FLOW_APPS.indexOf(a.app) - FLOW_APPS.indexOf(b.app));
  const ids = new Set(inFlow.map(workloadNodeId));
  const steps: string[] = [];
  const body: { phase: Phase; line: string }[] = [];
  const link = (phase: Phase, line: string) => body.push({ phase, line });
  const nodes = new Map<string, string>();
  const node = (id: string, decl: string) => nodes.set(id, `  ${decl}`);
  for (const w of inFlow) node(workloadNodeId(w), `${workloadNodeId(w)}[${q(workloadLabel(v, w))}]`);

  const pulsarr = inFlow.filter((w) => w.app === 'pulsarr');
  const watch = v.edges.find((e) => isPodOwner(e.from) && e.from.app === 'pulsarr' && e.to === 'internet');
  if (pulsarr.length && watch) {
    node('ext_watchlist', `ext_watchlist([${q('Plex watchlist (plex.tv)')}])`);
    for (const p of pulsarr) link('request', `  ext_watchlist -->|${q(watch.edge.why)}| ${workloadNodeId(p)}`);
    steps.push(`${names(pulsarr)} ← Plex watchlists: ${watch.edge.why}.`);
  }
  // The calls that carry the flow (callbacks, webhooks and syncs are in the first diagram).
  const pairs: [string, string][] = [
    ['pulsarr', 'sonarr'],
    ['pulsarr', 'radarr'],
    ['sonarr', 'prowlarr'],
    ['radarr', 'prowlarr'],
    ['sonarr', 'decypharr'],
    ['radarr', 'decypharr'],
    ['plex', 'clusterplex-orchestrator'],
    ['clusterplex-worker', 'clusterplex-orchestrator'],
    ['clusterplex-worker', 'plex'],
  ];
  const pairRank = (e: ResolvedEdge) => pairs.findIndex(([f, t]) => isPodOwner(e.from) && isPodOwner(e.to) && e.from.app === f && e.to.app === t);
  const flowEdges = v.edges
    .filter((e) => isPodOwner(e.from) && isPodOwner(e.to) && ids.has(workloadNodeId(e.from)) && ids.has(workloadNodeId(e.to)) && pairRank(e) >= 0)
    .sort((a, b) => pairRank(a) - pairRank(b));
  // Calls for one reason share a node saying why (edge labels of crossing arrows would overlap).
  const callBody = callGroups(flowEdges).flatMap((g, i) => {
    const phase: Phase = g.edges.some((e) => isPodOwner(e.from) && ['plex', 'clusterplex-worker'].includes(e.from.app)) ? 'playback' : 'request';
    const ports = new Set(g.edges.map(portsText));
    const id = `f_${i}`;
    return [
      { phase, line: `  ${id}(${q(`${g.why}${ports.size === 1 ? [...ports][0]! : ''}`)})` },
      ...[...new Set(g.edges.map((e) => peerId(e.from)))].map((f) => ({ phase, line: `  ${f} --- ${id}` })),
      ...[...new Set(g.edges.map((e) => peerId(e.to)))].map((t) => ({ phase, line: `  ${id} --> ${t}` })),
    ];
  });
  const describe = (pred: (e: ResolvedEdge) => boolean) => {
    const hits = flowEdges.filter(pred);
    const byWhy = new Map<string, { from: string[]; to: string[] }>();
    for (const h of hits) {
      const g = byWhy.get(h.edge.why) ?? { from: [], to: [] };
      for (const [list, w] of [
        [g.from, h.from],
        [g.to, h.to],
      ] as const)
        if (!list.includes(`\`${(w as Workload).name}\``)) list.push(`\`${(w as Workload).name}\``);
      byWhy.set(h.edge.why, g);
    }
    return [...byWhy].map(([why, g]) => `${g.from.join(', ')} → ${g.to.join(', ')}: ${why}.`);
  };
  const fromApp = (apps: string[], toApps: string[]) => (e: ResolvedEdge) => apps.includes((e.from as Workload).app) && toApps.includes((e.to as Workload).app);
  for (const s of describe(fromApp(['pulsarr'], ['sonarr', 'radarr']))) steps.push(s);
  for (const s of describe(fromApp(['sonarr', 'radarr'], ['prowlarr']))) steps.push(s);
  for (const s of describe(fromApp(['sonarr', 'radarr'], ['decypharr']))) steps.push(s);

  // Storage steps: the DFS (FUSE on a host path), its NFS export, the symlink library, the readers.
  const mounts = mountsOf(v).filter((m) => ids.has(workloadNodeId(m.workload)));
  body.push(...callBody);
  const bidirectional = mounts.find((m) => m.propagation === 'Bidirectional');
  const fusePaths = bidirectional && fuseMountPaths(bidirectional.container, bidirectional.path);
  const fuse = bidirectional && fusePaths && { ...bidirectional, path: fusePaths.path };
  // Where the mount is on the node: the host path plus the subdirectory it sits in (never the volume root).
  const fuseOnNode = bidirectional && fusePaths && /^host path ([^<\s]+)/.exec(bidirectional.volume.label)?.[1]?.concat(fusePaths.sharedPath.slice(bidirectional.path.length));
  if (fuse) {
    node(fuse.volume.id, `${fuse.volume.id}[(${q(`DFS: FUSE mount<br/>${fuse.volume.label}`)})]`);
    link('storage', `  ${workloadNodeId(fuse.workload)} ==>|${q(`${fuse.container.name} mounts the debrid library at ${fuse.path}`)}| ${fuse.volume.id}`);
    steps.push(
      `\`${fuse.workload.name}\` (container \`${fuse.container.name}\`) serves the debrid library as a FUSE file system (DFS) at \`${fuse.path}\`, propagated to the node's ${fuseOnNode ? `host path ${fuseOnNode}` : fuse.volume.label.split('<br/>')[0]}.`,
    );
    const sidecar = mounts.find((m) => m.volume.id === fuse.volume.id && m !== bidirectional && m.workload === fuse.workload);
    const exportClaim = mounts.find((m) => /^pvc\/[^<]+<br\/>NFS [0-9.]+:/.test(m.volume.label) && m.path === fuse.path);
    if (sidecar && exportClaim) {
      const ip = /NFS ([0-9.]+):/.exec(exportClaim.volume.label)![1]!;
      const ex = nfsExporter(v, ip);
      node(exportClaim.volume.id, `${exportClaim.volume.id}[(${q(exportClaim.volume.label)})]`);
      link('storage', `  ${fuse.volume.id} ==>|${q(`${sidecar.container.name} re-exports it over NFS (svc/${ex?.service} ${ip}:${ex?.port})`)}| ${exportClaim.volume.id}`);
      steps.push(
        `The \`${sidecar.container.name}\` sidecar re-exports the DFS over NFSv3; kubelet on any node mounts it by the pinned ClusterIP of \`svc/${ex?.service}\` (${ip}:${ex?.port}) through the claim \`${exportClaim.volume.label.split('<br/>')[0]}\`, at the same path \`${fuse.path}\` in every reader.`,
      );
    }
  }
  const decypharr = inFlow.find((w) => w.app === 'decypharr');
  const download = decypharr ? envLiteral(decypharr, 'DECYPHARR_DOWNLOAD_FOLDER') : undefined;
  const symlinkWrite = decypharr && download ? mounts.find((m) => m.workload === decypharr && !m.readOnly && download.startsWith(`${m.path}/`)) : undefined;
  if (symlinkWrite) {
    node(symlinkWrite.volume.id, `${symlinkWrite.volume.id}[(${q(symlinkWrite.volume.label)})]`);
    link('storage', `  ${workloadNodeId(symlinkWrite.workload)} -->|${q(`symlinks in ${download} → ${fuse?.path ?? 'the DFS'}`)}| ${symlinkWrite.volume.id}`);
    steps.push(`Decypharr writes a symlink per file into \`${download}\` on \`${symlinkWrite.volume.label.split('<br/>')[0]}\`, pointing into \`${fuse?.path ?? 'the DFS'}\`.`);
    const importers = mounts.filter((m) => m.volume.id === symlinkWrite.volume.id && !m.readOnly && m.workload !== decypharr);
    for (const m of importers) link('storage', `  ${workloadNodeId(m.workload)} -->|${q(`imports into root folders under ${m.path}`)}| ${m.volume.id}`);
    if (importers.length)
      steps.push(
        `${names(importers.map((m) => m.workload))} import the symlinks into their root folders under \`${importers[0]!.path}\` (same paths in every pod, so the links resolve everywhere).`,
      );
    const readers = mounts.filter((m) => m.volume.id === symlinkWrite.volume.id && m.readOnly);
    for (const m of readers) link('playback', `  ${m.volume.id} -->|${q(`read at ${m.path}`)}| ${workloadNodeId(m.workload)}`);
    const dfsReaders = fuse ? mounts.filter((m) => mountCovers(m.path, fuse.path) && m.workload !== fuse.workload && readers.some((r) => r.workload === m.workload)) : [];
    for (const m of dfsReaders) {
      // A reader's own volume (none on a single node: readers mount Decypharr's host directory).
      if (!nodes.has(m.volume.id)) {
        node(m.volume.id, `${m.volume.id}[(${q(m.volume.label)})]`);
        link('playback', `  ${fuse!.volume.id} ==>|${q(`the FUSE mount itself (${m.path} in the readers)`)}| ${m.volume.id}`);
      }
      link('playback', `  ${m.volume.id} -->|${q(`symlink targets at ${fuse!.path}`)}| ${workloadNodeId(m.workload)}`);
    }
    if (readers.length)
      steps.push(`${names(readers.map((m) => m.workload))} read the library at \`${readers[0]!.path}\`${dfsReaders.length ? ` and follow the links into \`${fuse!.path}\`` : ''}.`);
  }
  for (const s of describe(fromApp(['plex'], ['clusterplex-orchestrator']))) steps.push(s);
  for (const s of describe(fromApp(['clusterplex-worker'], ['clusterplex-orchestrator']))) steps.push(s);
  for (const s of describe(fromApp(['clusterplex-worker'], ['plex']))) steps.push(s);
  // Machines outside the cluster that run a generated Compose project, with the calls they make into it.
  for (const host of externalHosts(v)) {
    const outside = outsideNode(host.peer);
    node(outside.id, `${outside.id}([${q(`${outside.label}<br/>Docker Compose service ${host.service}`)}])`);
    host.edges.forEach((e, i) => {
      const id = `${outside.id}_${i}`;
      link('outside', `  ${id}(${q(`${e.edge.why}${portsText(e)}`)})`);
      link('outside', `  ${outside.id} --- ${id}`);
      link('outside', `  ${id} --> ${peerId(e.to)}`);
      if (isPodOwner(e.to)) node(workloadNodeId(e.to), `${workloadNodeId(e.to)}[${q(workloadLabel(v, e.to))}]`);
    });
    const calls = host.edges.map((e) => `→ \`${peerName(e.to)}\`${portsText(e)}: ${e.edge.why}`).join('; ');
    const binds = host.binds.map((b) => `\`${b.source}\` at \`${b.target}\``).join(', ');
    steps.push(
      `The ${outside.label}, outside the cluster, runs \`${host.service}\` by Docker Compose from [${host.file}](${host.file})${binds ? ` and binds the host's ${binds}` : ''}; it calls ${calls}.`,
    );
  }
  const clients = v.edges.find((e) => e.from === 'anywhere' && isPodOwner(e.to) && e.to.app === 'plex');
  if (clients && isPodOwner(clients.to)) {
    node('ext_players', `ext_players([${q('Players')}])`);
    link('playback', `  ext_players -->|${q(`${clients.edge.why}${portsText(clients)}`)}| ${workloadNodeId(clients.to)}`);
    steps.push(`Players stream from \`svc/${v.serviceOf(clients.to)?.metadata.name ?? clients.to.name}\`${portsText(clients)}.`);
  }
  const diagrams = PHASES.flatMap((phase) => {
    const lines = body.filter((b) => b.phase === phase.id).map((b) => b.line);
    if (lines.length === 0) return [];
    const used = new Set(lines.flatMap((l) => [/^\s*(\w+)/.exec(l)?.[1], /(\w+)$/.exec(l)?.[1]]));
    // Top to bottom: each phase is a chain of a few steps, two or three nodes wide.
    return [{ title: phase.title, diagram: ['flowchart TB', ...[...nodes].filter(([id]) => used.has(id)).map(([, decl]) => decl), ...lines].join('\n') }];
  });
  return { diagrams, steps };
}

/** A machine outside the cluster running a Compose project the stack writes, and the calls it makes into the cluster. */
interface ExternalHost {
  readonly peer: HostPeer;
  /** The Compose service. */
  readonly service: string;
  readonly file: string;
  readonly edges: readonly ResolvedEdge[];
  /** The host directories the service binds, at the paths it sees them. */
  readonly binds: readonly { readonly source: string; readonly target: string }[];
}

/** The hosts of the Compose projects that call into the cluster (the fact names the host's peer in the call graph). */
function externalHosts(v: StackView): ExternalHost[] {
  return v.components.flatMap((c) =>
    publishedFacts(c).flatMap((f) => {
      const peer = f.kind === 'compose-file' ? f.peer : undefined;
      if (f.kind !== 'compose-file' || !peer) return [];
      const edges = v.edges.filter((e) => typeof e.from === 'object' && !isPodOwner(e.from) && e.from.cidr === peer.cidr);
      const service = (f.project.services as Record<string, { volumes?: { type: string; source: string; target: string }[] }> | undefined)?.[f.instance];
      const binds = (service?.volumes ?? []).filter((x) => x.type === 'bind').map(({ source, target }) => ({ source, target }));
      return edges.length ? [{ peer, service: f.instance, file: f.file, edges, binds }] : [];
    }),
  );
}

/** Each ServiceMonitor's endpoints: the Service port it scrapes and the container serving it (an exporter sidecar). */
function metricsScrapes(v: StackView): { name: string; labels: string; service: string; container: string; interval: string }[] {
  return v.all('ServiceMonitor').flatMap((sm) => {
    const want = Object.entries(sm.spec.selector?.matchLabels ?? {});
    const services = v.all('Service').filter((svc) => svc.metadata.namespace === sm.metadata.namespace && want.every(([k, val]) => svc.metadata.labels?.[k] === val));
    const labels = Object.entries(sm.metadata.labels ?? {})
      .filter(([k]) => !k.startsWith('app.kubernetes.io/'))
      .map(([k, val]) => `\`${k}=${val}\``)
      .join(', ');
    return (sm.spec.endpoints ?? []).flatMap((ep) =>
      services.map((svc) => {
        const port = svc.spec.ports.find((p) => p.name === ep.port) ?? svc.spec.ports[0];
        const w = v.workloads.find((x) => x.namespace === svc.metadata.namespace && x.instance === svc.spec.selector?.[INSTANCE_LABEL]);
        const c = w?.pod.containers.find((x) => (x.ports ?? []).some((p) => p.name === port.targetPort || p.containerPort === port.targetPort));
        return {
          name: sm.metadata.name,
          labels: labels || '—',
          service: `\`svc/${svc.metadata.name}\` :${port.port}${ep.path ? ` ${ep.path}` : ''}`,
          container: w && c ? `\`${c.name}\` in \`${w.name}\` (${c.image})` : '—',
          interval: ep.interval ?? 'Prometheus default',
        };
      }),
    );
  });
}

interface FluxAlertJson {
  readonly spec: { providerRef: { name: string }; eventSeverity?: string; eventSources: { kind: string; name: string; matchLabels?: Record<string, string> }[] };
}
interface FluxProviderJson {
  readonly spec: { type: string; secretRef?: { name: string } };
}

/**
 * Each Flux Alert as a notification: its Provider's type, what it forwards, and the Secret whose
 * `address` key holds the webhook URL (notification-controller's key for it).
 */
function fluxNotifications(v: StackView): NotificationFact[] {
  return v.all('Alert').flatMap((o) => {
    const alert = o as KubeObject & FluxAlertJson;
    const provider = v.all('Provider').find((p) => p.metadata.name === alert.spec.providerRef.name && p.metadata.namespace === alert.metadata.namespace) as
      (KubeObject & FluxProviderJson) | undefined;
    if (!provider?.spec.secretRef) return [];
    const sources = alert.spec.eventSources.map((src) => {
      const labels = Object.entries(src.matchLabels ?? {}).map(([k, val]) => `${k}=${val}`);
      return src.name === '*' ? `every ${src.kind}${labels.length ? ` labelled ${labels.join(', ')}` : ''}` : `${src.kind} ${src.name}`;
    });
    return [
      {
        kind: 'notification',
        instance: `alert/${alert.metadata.name}`,
        name: `provider/${provider.metadata.name}`,
        target: provider.spec.type,
        events: [`${alert.spec.eventSeverity ?? 'info'} events of ${sources.join('; ')}`],
        setBy: 'Flux',
        secret: provider.spec.secretRef.name,
        key: 'address',
      },
    ];
  });
}

/** Longhorn's label that puts a claim's volume into a recurring-job group, and the one that names a single job. */
const RECURRING_GROUP_LABEL = 'recurring-job-group.longhorn.io/';
const RECURRING_JOB_LABEL = 'recurring-job.longhorn.io/';

/** Each Longhorn RecurringJob with the claims in its groups (or naming it), by `namespace/name`. */
function recurringJobs(v: StackView): { job: KindObject<'RecurringJob'>; claims: string[] }[] {
  const claims = v.all('PersistentVolumeClaim');
  return v.all('RecurringJob').map((job) => {
    const covered = claims.filter((c) => {
      const labels = c.metadata.labels ?? {};
      return (job.spec.groups ?? []).some((g) => labels[`${RECURRING_GROUP_LABEL}${g}`] === 'enabled') || labels[`${RECURRING_JOB_LABEL}${job.metadata.name}`] === 'enabled';
    });
    return { job, claims: covered.map((c) => `${c.metadata.namespace && c.metadata.namespace !== v.namespace ? `${c.metadata.namespace}/` : ''}${c.metadata.name}`) };
  });
}

const names = (ws: readonly PodOwner[]) => ws.map((w) => `\`${w.name}\``).join(', ');

function envLiteral(w: PodOwner, name: string): string | undefined {
  for (const c of w.pod.containers) {
    const e = c.env?.find((x) => x.name === name);
    if (e?.value !== undefined) return e.value;
  }
  return undefined;
}

function mdCell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/<br\/>/g, ' · ');
}

const mermaid = (diagram: string) => ['```mermaid', diagram, '```', ''];

function architecturePage(v: StackView): string {
  const out: string[] = [];
  const flow = dataFlow(v);
  out.push(
    '# Architecture',
    '',
    `Generated from the synthesized objects of cluster \`${v.clusterRoot}\` (namespace \`${v.namespace}\`): an app disabled in the config is not here.`,
    '',
    '## Where pods run',
    '',
    "Subgraphs are derived from each pod's node affinity and node selector.",
    '',
    ...mermaid(placementDiagram(v, v.workloads)),
  );
  if (v.jobs.length)
    out.push(
      '### Scheduled jobs',
      '',
      `CronJobs start a pod on their schedule (cron syntax, in the controller's time zone${v.jobs.some((j) => j.timeZone) ? ' unless one is named' : ''}); the pod runs to completion and exits. Placed the same way as the workloads.`,
      '',
      ...mermaid(placementDiagram(v, v.jobs)),
    );
  out.push(`### Every workload${v.jobs.length ? ' and job' : ''}`, '', '| Workload | Kind | Runs on | Containers | Flux Kustomization |', '|---|---|---|---|---|');
  for (const w of [...v.workloads, ...v.jobs]) {
    const hosts = w.placement.hostnames.length ? ` (${w.placement.hostnames.join(', ')})` : '';
    const when = 'schedule' in w ? `, ${w.schedule ? `schedule \`${scheduleText(w)}\`` : 'runs once'}` : '';
    out.push(
      `| \`${w.name}\` | ${w.kind} in \`${w.namespace}\`${when} | ${mdCell(`${w.placement.title}${hosts}: ${w.placement.constraint}`)} | ${w.pod.containers.map((c) => `\`${c.name}\``).join(', ')} | ${w.component ? `\`${w.component.fluxName}\`` : '—'} |`,
    );
  }
  out.push(
    '',
    '## Who calls whom',
    '',
    'The calls the NetworkPolicies allow, one diagram per group of callees: caller → why → callee (with the ports it is called on). Calls to the internet and from the ingress controller are in the table below.',
    '',
  );
  for (const d of callDiagrams(v)) out.push(`### ${d.heading}`, '', ...mermaid(d.diagram));
  out.push('### Every call', '', '| From | To | Ports | Why |', '|---|---|---|---|');
  const name = (p: ResolvedEdge['from']) => (isPodOwner(p) ? `\`${p.name}\`` : outsideNode(p).label);
  for (const e of v.edges) {
    out.push(`| ${name(e.from)} | ${name(e.to)} | ${e.edge.ports === 'any' ? 'any' : `${e.edge.ports.join(', ')}/${e.edge.protocol ?? 'TCP'}`} | ${mdCell(e.edge.why)} |`);
  }
  const scrapes = metricsScrapes(v);
  if (scrapes.length) {
    out.push('', '### Metrics', '', 'Prometheus scrapes what these ServiceMonitors select (it picks a ServiceMonitor up by its labels).', '');
    out.push('| ServiceMonitor | Labels | Service and port | Container | Interval |', '|---|---|---|---|---|');
    for (const x of scrapes) out.push(`| \`${x.name}\` | ${x.labels} | ${x.service} | ${x.container} | ${x.interval} |`);
  }
  const notifications = [...fluxNotifications(v), ...v.components.flatMap((c) => publishedFacts(c)).filter((f) => f.kind === 'notification')];
  if (notifications.length) {
    out.push(
      '',
      '### Notifications',
      '',
      'Messages the stack sends out, and the Secret key that holds where to (the Arrs and Flux may call the internet; a server on the LAN or in the cluster needs its own egress NetworkPolicy).',
      '',
    );
    out.push('| Sender | Connection | Posts to | On | Set up by | Address (Secret key) |', '|---|---|---|---|---|---|');
    for (const n of notifications)
      out.push(
        `| \`${n.instance}\` | ${mdCell(n.name)} | ${n.target} | ${mdCell(n.events.join(', '))} | ${n.setBy === 'Flux' ? 'Flux' : `\`cronjob/${n.setBy}\``} | \`${n.secret}/${n.key}\` |`,
      );
  }
  const mounts = mountsOf(v);
  const { shared, own } = splitShared(mounts);
  out.push(
    '',
    '## Volumes and mounts',
    '',
    'Each box is a pod with its mounts (path, read-only or read-write, mount propagation, subPath). Solid arrows: the pod writes there; dotted: read-only; thick: the pod serves the volume.',
    '',
  );
  if (shared.length) out.push('### Volumes several pods mount', '', ...mermaid(volumesDiagram(v, shared)));
  if (own.length) out.push("### Each pod's own volumes", '', ...mermaid(volumesDiagram(v, own)));
  out.push('| Volume | Mounted by |', '|---|---|');
  for (const vol of uniqueVolumes(mounts)) {
    const by = groupedMounts(mounts.filter((m) => m.volume.id === vol.id)).map((g) => `\`${g.workload.name}\` ${g.label}`);
    out.push(`| ${mdCell(vol.label)} | ${mdCell(by.join('<br/>'))} |`);
  }
  const jobMounts = groupedMounts(mountsOf(v, v.jobs));
  if (jobMounts.length) {
    out.push('', '### What the jobs mount', '', 'Each run of a job mounts these while it runs (not drawn above).', '', '| Job | Volume | Mounts |', '|---|---|---|');
    for (const g of jobMounts) out.push(`| \`${g.workload.name}\` | ${mdCell(g.volume.label)} | ${mdCell(g.label)} |`);
  }
  const recurring = recurringJobs(v);
  if (recurring.length) {
    out.push(
      '',
      '### Longhorn recurring jobs',
      '',
      'Longhorn snapshots or backs up every volume of a group on the schedule (a claim joins a group by its `recurring-job-group.longhorn.io/<group>` label), keeping the newest ones.',
      '',
      '| RecurringJob | Task | Schedule | Keeps | Groups | Volumes (claims) |',
      '|---|---|---|---|---|---|',
    );
    for (const r of recurring)
      out.push(
        `| \`${r.job.metadata.name}\` in \`${r.job.metadata.namespace ?? ''}\` | ${r.job.spec.task} | \`${r.job.spec.cron}\` | ${r.job.spec.retain} | ${(r.job.spec.groups ?? []).map((g) => `\`${g}\``).join(', ') || '—'} | ${r.claims.map((c) => `pvc/${c}`).join(', ') || 'none yet'} |`,
      );
  }
  out.push('', '## Data flow: from the watchlist to playback', '');
  for (const d of flow.diagrams) out.push(`### ${d.title}`, '', ...mermaid(d.diagram));
  flow.steps.forEach((s, i) => out.push(`${i + 1}. ${s}`));
  out.push('');
  return out.join('\n');
}

export function diagramFiles(v: StackView): OutputFile[] {
  return [{ path: 'docs/architecture.md', content: architecturePage(v) }];
}
