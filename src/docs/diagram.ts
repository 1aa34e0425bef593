import type { OutputFile } from '../output/layout.js';
import { fuseMountPaths, isWorkload, mermaidId, mountCovers, StackView, type ContainerJson, type ResolvedEdge, type VolumeJson, type Workload } from './model.js';

/**
 * The architecture page (`docs/architecture.md`): Mermaid diagrams generated from the synthesized
 * objects and the components' call edges, so whatever the config disables is gone from them.
 *
 * 1. Placement and calls: one subgraph per place pods may run (derived from each pod's node
 *    affinity / node selector), arrows = the call edges between deployed pods, labelled with why.
 * 2. Volumes: every claim, NFS export and host path a pod mounts, with the mount paths.
 * 3. Data flow from the Plex watchlist to playback, from the same edges and mounts.
 */

/** A volume as the docs show it: one node per claim, host path or NFS export. */
interface VolumeNode {
  readonly id: string;
  readonly label: string;
  /** Sort key (claims first, then host paths). */
  readonly sort: string;
}

interface Mount {
  readonly workload: Workload;
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
};

function workloadNodeId(w: Workload): string {
  return `w_${mermaidId(w.namespace)}_${mermaidId(w.name)}`;
}

function workloadLabel(v: StackView, w: Workload): string {
  const where = w.namespace !== v.namespace ? ` · ${w.namespace}` : '';
  const count = w.kind === 'DaemonSet' ? ' · per node' : w.replicas > 1 ? ` · ${w.replicas} pods` : '';
  return `${w.name}<br/>${w.kind}${where}${count}`;
}

function peerId(p: ResolvedEdge['from']): string {
  return isWorkload(p) ? workloadNodeId(p) : EXTERNAL[p]!.id;
}

function portsText(e: ResolvedEdge): string {
  return e.edge.ports === 'any' ? '' : ` :${e.edge.ports.join(',')}`;
}

/** The volume node a pod volume stands for (undefined for scratch space and config maps). */
function volumeNode(v: StackView, w: Workload, vol: VolumeJson | undefined, name: string): VolumeNode | undefined {
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
function mountsOf(v: StackView): Mount[] {
  const out: Mount[] = [];
  for (const w of v.workloads) {
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
function groupedMounts(mounts: readonly Mount[]): { workload: Workload; volume: VolumeNode; label: string; writes: boolean }[] {
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

function placementSubgraphs(v: StackView, workloads: readonly Workload[], indent = '  '): string[] {
  const lines: string[] = [];
  for (const g of v.placementGroups) {
    const members = workloads.filter((w) => w.placement.id === g.id);
    if (members.length === 0) continue;
    const hosts = g.hostnames.length ? ` (${g.hostnames.join(', ')})` : '';
    const title = g.id === 'anywhere' ? 'Any node' : `${g.title}${hosts} · ${g.constraint}`;
    lines.push(`${indent}subgraph ${g.id}[${q(title)}]`);
    for (const w of members) lines.push(`${indent}  ${workloadNodeId(w)}[${q(workloadLabel(v, w))}]`);
    lines.push(`${indent}end`);
  }
  return lines;
}

function externalNodes(used: Set<string>): string[] {
  return Object.values(EXTERNAL)
    .filter((e) => used.has(e.id))
    .map((e) => `  ${e.id}([${q(e.label)}])`);
}

/** Diagram 1: where pods run and the calls between them. */
function placementDiagram(v: StackView): string {
  const lines = ['flowchart LR', ...placementSubgraphs(v, v.workloads)];
  const edges = v.edges.filter((e) => e.from !== 'internet' && e.to !== 'internet' && e.from !== 'ingress-controller');
  const used = new Set(edges.flatMap((e) => [peerId(e.from), peerId(e.to)]));
  lines.push(...externalNodes(used));
  for (const e of edges) lines.push(`  ${peerId(e.from)} -->|${q(`${e.edge.why}${portsText(e)}`)}| ${peerId(e.to)}`);
  return lines.join('\n');
}

/** Diagram 2: the volumes and which pods mount them where. */
function volumesDiagram(v: StackView): string {
  const mounts = mountsOf(v);
  const lines = [
    'flowchart LR',
    ...placementSubgraphs(
      v,
      v.workloads.filter((w) => mounts.some((m) => m.workload === w)),
    ),
  ];
  const volumes = uniqueVolumes(mounts);
  lines.push('  subgraph volumes["Volumes"]');
  for (const vol of volumes) lines.push(`    ${vol.id}[(${q(vol.label)})]`);
  lines.push('  end');
  for (const g of groupedMounts(mounts)) lines.push(`  ${workloadNodeId(g.workload)} -.-|${q(g.label)}| ${g.volume.id}`);
  for (const vol of volumes) {
    const ip = /^pvc\/[^<]+<br\/>NFS ([0-9.]+):/.exec(vol.label)?.[1];
    const exporter = ip ? nfsExporter(v, ip) : undefined;
    if (exporter?.workload) {
      lines.push(`  ${workloadNodeId(exporter.workload)} ==>|${q(`exports via svc/${exporter.service} ${ip}:${exporter.port}`)}| ${vol.id}`);
    }
  }
  return lines.join('\n');
}

function uniqueVolumes(mounts: readonly Mount[]): VolumeNode[] {
  const byId = new Map<string, VolumeNode>();
  for (const m of mounts) byId.set(m.volume.id, m.volume);
  return [...byId.values()].sort((a, b) => a.sort.localeCompare(b.sort));
}

/** The apps on the way from the watchlist to playback (by `app.kubernetes.io/name`). */
const FLOW_APPS = ['pulsarr', 'sonarr', 'radarr', 'prowlarr', 'decypharr', 'plex', 'clusterplex-orchestrator', 'clusterplex-worker'];

/** Diagram 3 and its numbered story: the data flow from the Plex watchlist to playback. */
function dataFlow(v: StackView): { diagram: string; steps: string[] } {
  const inFlow = v.workloads.filter((w) => FLOW_APPS.includes(w.app)).sort((a, b) => FLOW_APPS.indexOf(a.app) - FLOW_APPS.indexOf(b.app));
  const ids = new Set(inFlow.map(workloadNodeId));
  const lines = ['flowchart LR'];
  const steps: string[] = [];
  const body: string[] = [];
  const nodes = new Map<string, string>();
  const node = (id: string, decl: string) => nodes.set(id, `  ${decl}`);
  for (const w of inFlow) node(workloadNodeId(w), `${workloadNodeId(w)}[${q(workloadLabel(v, w))}]`);

  const pulsarr = inFlow.filter((w) => w.app === 'pulsarr');
  const watch = v.edges.find((e) => isWorkload(e.from) && e.from.app === 'pulsarr' && e.to === 'internet');
  if (pulsarr.length && watch) {
    node('ext_watchlist', `ext_watchlist([${q('Plex watchlist (plex.tv)')}])`);
    for (const p of pulsarr) body.push(`  ext_watchlist -->|${q(watch.edge.why)}| ${workloadNodeId(p)}`);
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
  const pairRank = (e: ResolvedEdge) => pairs.findIndex(([f, t]) => isWorkload(e.from) && isWorkload(e.to) && e.from.app === f && e.to.app === t);
  const flowEdges = v.edges
    .filter((e) => isWorkload(e.from) && isWorkload(e.to) && ids.has(workloadNodeId(e.from)) && ids.has(workloadNodeId(e.to)) && pairRank(e) >= 0)
    .sort((a, b) => pairRank(a) - pairRank(b));
  const callBody = flowEdges.map((e) => `  ${peerId(e.from)} -->|${q(`${e.edge.why}${portsText(e)}`)}| ${peerId(e.to)}`);
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
    body.push(`  ${workloadNodeId(fuse.workload)} ==>|${q(`${fuse.container.name} mounts the debrid library at ${fuse.path}`)}| ${fuse.volume.id}`);
    steps.push(
      `\`${fuse.workload.name}\` (container \`${fuse.container.name}\`) serves the debrid library as a FUSE file system (DFS) at \`${fuse.path}\`, propagated to the node's ${fuseOnNode ? `host path ${fuseOnNode}` : fuse.volume.label.split('<br/>')[0]}.`,
    );
    const sidecar = mounts.find((m) => m.volume.id === fuse.volume.id && m !== bidirectional && m.workload === fuse.workload);
    const exportClaim = mounts.find((m) => /^pvc\/[^<]+<br\/>NFS [0-9.]+:/.test(m.volume.label) && m.path === fuse.path);
    if (sidecar && exportClaim) {
      const ip = /NFS ([0-9.]+):/.exec(exportClaim.volume.label)![1]!;
      const ex = nfsExporter(v, ip);
      node(exportClaim.volume.id, `${exportClaim.volume.id}[(${q(exportClaim.volume.label)})]`);
      body.push(`  ${fuse.volume.id} ==>|${q(`${sidecar.container.name} re-exports it over NFS (svc/${ex?.service} ${ip}:${ex?.port})`)}| ${exportClaim.volume.id}`);
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
    body.push(`  ${workloadNodeId(symlinkWrite.workload)} -->|${q(`symlinks in ${download} → ${fuse?.path ?? 'the DFS'}`)}| ${symlinkWrite.volume.id}`);
    steps.push(`Decypharr writes a symlink per file into \`${download}\` on \`${symlinkWrite.volume.label.split('<br/>')[0]}\`, pointing into \`${fuse?.path ?? 'the DFS'}\`.`);
    const importers = mounts.filter((m) => m.volume.id === symlinkWrite.volume.id && !m.readOnly && m.workload !== decypharr);
    for (const m of importers) body.push(`  ${workloadNodeId(m.workload)} -->|${q(`imports into root folders under ${m.path}`)}| ${m.volume.id}`);
    if (importers.length)
      steps.push(
        `${names(importers.map((m) => m.workload))} import the symlinks into their root folders under \`${importers[0]!.path}\` (same paths in every pod, so the links resolve everywhere).`,
      );
    const readers = mounts.filter((m) => m.volume.id === symlinkWrite.volume.id && m.readOnly);
    for (const m of readers) body.push(`  ${m.volume.id} -->|${q(`read at ${m.path}`)}| ${workloadNodeId(m.workload)}`);
    const dfsReaders = fuse ? mounts.filter((m) => mountCovers(m.path, fuse.path) && m.workload !== fuse.workload && readers.some((r) => r.workload === m.workload)) : [];
    for (const m of dfsReaders) {
      // A reader's own volume (none on a single node: readers mount Decypharr's host directory).
      if (!nodes.has(m.volume.id)) {
        node(m.volume.id, `${m.volume.id}[(${q(m.volume.label)})]`);
        body.push(`  ${fuse!.volume.id} ==>|${q(`the FUSE mount itself (${m.path} in the readers)`)}| ${m.volume.id}`);
      }
      body.push(`  ${m.volume.id} -->|${q(`symlink targets at ${fuse!.path}`)}| ${workloadNodeId(m.workload)}`);
    }
    if (readers.length)
      steps.push(`${names(readers.map((m) => m.workload))} read the library at \`${readers[0]!.path}\`${dfsReaders.length ? ` and follow the links into \`${fuse!.path}\`` : ''}.`);
  }
  for (const s of describe(fromApp(['plex'], ['clusterplex-orchestrator']))) steps.push(s);
  for (const s of describe(fromApp(['clusterplex-worker'], ['clusterplex-orchestrator']))) steps.push(s);
  for (const s of describe(fromApp(['clusterplex-worker'], ['plex']))) steps.push(s);
  const clients = v.edges.find((e) => e.from === 'anywhere' && isWorkload(e.to) && e.to.app === 'plex');
  if (clients && isWorkload(clients.to)) {
    node('ext_players', `ext_players([${q('Players')}])`);
    body.push(`  ext_players -->|${q(`${clients.edge.why}${portsText(clients)}`)}| ${workloadNodeId(clients.to)}`);
    steps.push(`Players stream from \`svc/${v.serviceOf(clients.to)?.metadata.name ?? clients.to.name}\`${portsText(clients)}.`);
  }
  lines.push(...nodes.values(), ...body);
  return { diagram: lines.join('\n'), steps };
}

const names = (ws: readonly Workload[]) => ws.map((w) => `\`${w.name}\``).join(', ');

function envLiteral(w: Workload, name: string): string | undefined {
  for (const c of w.pod.containers) {
    const e = c.env?.find((x) => x.name === name);
    if (e?.value !== undefined) return e.value;
  }
  return undefined;
}

function mdCell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/<br\/>/g, ' · ');
}

function architecturePage(v: StackView): string {
  const out: string[] = [];
  const flow = dataFlow(v);
  out.push(
    '# Architecture',
    '',
    `Generated from the synthesized objects of cluster \`${v.clusterRoot}\` (namespace \`${v.namespace}\`): an app disabled in the config is not here.`,
    '',
    '## Where pods run and who calls whom',
    '',
    "Subgraphs are derived from each pod's node affinity and node selector; arrows are the calls the NetworkPolicies allow (calls to the internet and from the ingress controller are listed below the diagram).",
    '',
    '```mermaid',
    placementDiagram(v),
    '```',
    '',
    '| Workload | Kind | Runs on | Containers | Flux Kustomization |',
    '|---|---|---|---|---|',
  );
  for (const w of v.workloads) {
    const hosts = w.placement.hostnames.length ? ` (${w.placement.hostnames.join(', ')})` : '';
    out.push(
      `| \`${w.name}\` | ${w.kind} in \`${w.namespace}\` | ${mdCell(`${w.placement.title}${hosts}: ${w.placement.constraint}`)} | ${w.pod.containers.map((c) => `\`${c.name}\``).join(', ')} | ${w.component ? `\`${w.component.fluxName}\`` : '—'} |`,
    );
  }
  out.push('', '### Every call', '', '| From | To | Ports | Why |', '|---|---|---|---|');
  const name = (p: ResolvedEdge['from']) => (isWorkload(p) ? `\`${p.name}\`` : EXTERNAL[p]!.label);
  for (const e of v.edges) {
    out.push(`| ${name(e.from)} | ${name(e.to)} | ${e.edge.ports === 'any' ? 'any' : `${e.edge.ports.join(', ')}/${e.edge.protocol ?? 'TCP'}`} | ${mdCell(e.edge.why)} |`);
  }
  out.push(
    '',
    '## Volumes and mounts',
    '',
    'Dotted lines: a pod mounts the volume (path, read-only or read-write, mount propagation). Thick arrows: a pod serves the volume.',
    '',
    '```mermaid',
    volumesDiagram(v),
    '```',
    '',
  );
  const mounts = mountsOf(v);
  out.push('| Volume | Mounted by |', '|---|---|');
  for (const vol of uniqueVolumes(mounts)) {
    const by = groupedMounts(mounts.filter((m) => m.volume.id === vol.id)).map((g) => `\`${g.workload.name}\` ${g.label}`);
    out.push(`| ${mdCell(vol.label)} | ${mdCell(by.join('<br/>'))} |`);
  }
  out.push('', '## Data flow: from the watchlist to playback', '', '```mermaid', flow.diagram, '```', '');
  flow.steps.forEach((s, i) => out.push(`${i + 1}. ${s}`));
  out.push('');
  return out.join('\n');
}

export function diagramFiles(v: StackView): OutputFile[] {
  return [{ path: 'docs/architecture.md', content: architecturePage(v) }];
}
