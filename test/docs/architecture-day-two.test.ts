import { posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { StackConfigInput } from '../../src/stack-config.js';
import { generateDocs } from '../../src/docs/index.js';
import { isAppPeer } from '../../src/lib/component.js';
import homelab from '../../examples/homelab.js';
import homelabBackups from '../../examples/homelab-backups.js';
import homelabExternalWorker from '../../examples/homelab-external-worker.js';
import homelabFailback from '../../examples/homelab-failback.js';
import singleNode from '../../examples/single-node.js';
import { docsInputOf } from './input.js';
import { mermaidBlocks } from './mermaid-render.js';

/**
 * The day-two objects on the architecture page, checked against the synthesized objects and the
 * components' call edges of real configs: CronJobs with their placement, schedule, containers,
 * Kustomization and calls; Longhorn RecurringJobs with the claims of their groups; the DRA claim;
 * the ServiceMonitors; the external ClusterPlex worker. Disabled features leave no trace.
 */

function architectureOf(cfg: StackConfigInput) {
  const input = docsInputOf(cfg);
  const md = generateDocs(input).find((f) => f.path === 'docs/architecture.md')!.content;
  const objects = input.objects.map((p) => ({ ...p, o: p.object as any }));
  return { input, md, objects, blocks: mermaidBlocks(md) };
}

/** The Markdown section below a `##`/`###` heading, up to the next heading of any level. */
function section(md: string, heading: string): string {
  const start = md.indexOf(`\n${heading}\n`);
  expect(start, `heading ${heading}`).toBeGreaterThan(-1);
  const rest = md.slice(start + heading.length + 2);
  const end = rest.search(/^#{2,3} /m);
  return end < 0 ? rest : rest.slice(0, end);
}

/** The subgraph each node of a diagram is declared in (`subgraph id[...]` … `end`). */
function subgraphOf(block: string): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  let current: string | undefined;
  for (const line of block.split('\n')) {
    const sub = /^\s*subgraph ([A-Za-z0-9_]+)\[/.exec(line);
    if (sub) current = sub[1];
    else if (/^\s*end$/.test(line)) current = undefined;
    else for (const m of line.matchAll(/(?:^\s*|~~~ )([A-Za-z0-9_]+)\[/g)) out.set(m[1]!, current);
  }
  return out;
}

const nodeId = (ns: string, name: string) => `w_${`${ns}_${name}`.replace(/[^A-Za-z0-9_]/g, '_')}`;
/** The cron schedule with the time zone the CronJob names, if any. */
const scheduleOf = (cj: any) => `${cj.spec.schedule}${cj.spec.timeZone ? ` (${cj.spec.timeZone})` : ''}`;
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('the architecture page shows the CronJobs', () => {
  // Host-path backups, the PostgreSQL dump, Configarr and the setup jobs: every kind of CronJob the stack writes.
  const { input, md, objects, blocks } = architectureOf(singleNode);
  const cronJobs = objects.filter((p) => p.o.kind === 'CronJob');
  const kustomizations = objects.filter((p) => p.o.kind === 'Kustomization' && p.o.apiVersion.startsWith('kustomize.toolkit.fluxcd.io/'));

  it('the example has the backup CronJobs of apps.backups on host paths', () => {
    const names = cronJobs.map((p) => p.o.metadata.name);
    for (const n of ['backup-sonarr', 'backup-radarr', 'backup-plex', 'backup-postgres', 'postgres-backup', 'arr-wiring', 'servarr-setup', 'configarr']) expect(names).toContain(n);
  });

  it('a row per CronJob: its schedule, where it runs, its containers and the Flux Kustomization that applies it', () => {
    const rows = section(md, '### Every workload and job').split('\n');
    for (const p of cronJobs) {
      const { name, namespace } = p.o.metadata;
      const pod = p.o.spec.jobTemplate.spec.template.spec;
      const ks = kustomizations.find((k) => k.o.spec.path.endsWith(`/${posix.dirname(p.path)}`))!;
      expect(ks, `Kustomization of ${p.path}`).toBeDefined();
      const row = rows.find((l) => l.startsWith(`| \`${name}\` |`));
      expect(row, name).toBeDefined();
      const cells = row!.split(' | ');
      expect(cells[1]).toBe(`CronJob in \`${namespace}\`, schedule \`${scheduleOf(p.o)}\``);
      // Pinned to the node of the host paths: the single-node layout's node.
      const pinned = JSON.stringify(pod.affinity ?? {}).includes('"nas"') || pod.nodeSelector?.['kubernetes.io/hostname'] === 'nas';
      expect(cells[2]).toBe(pinned ? 'Node nas (nas): kubernetes.io/hostname=nas' : 'Any node: no node constraint');
      expect(cells[3]).toBe(pod.containers.map((c: any) => `\`${c.name}\``).join(', '));
      expect(cells[4]).toBe(`\`${ks.o.metadata.name}\` |`);
    }
  });

  it('the scheduled-jobs diagram places each CronJob with its schedule, apart from the workloads', () => {
    const jobs = section(md, '### Scheduled jobs');
    const [block] = mermaidBlocks(jobs);
    expect(block).toBeDefined();
    const where = subgraphOf(block!);
    for (const p of cronJobs) {
      const id = nodeId(p.o.metadata.namespace, p.o.metadata.name);
      const pod = p.o.spec.jobTemplate.spec.template.spec;
      const pinned = JSON.stringify(pod.affinity ?? {}).includes('"nas"') || pod.nodeSelector?.['kubernetes.io/hostname'] === 'nas';
      expect(where.get(id), id).toBe(pinned ? 'node_nas' : 'anywhere');
      expect(block).toContain(`${id}["${p.o.metadata.name}<br/>CronJob · ${scheduleOf(p.o)}"]`);
    }
    // The workloads' diagram stays as it was: no CronJob in it.
    for (const p of cronJobs) expect(blocks[0]).not.toContain(`${nodeId(p.o.metadata.namespace, p.o.metadata.name)}[`);
  });

  it("every call a CronJob's component declares appears in the table and in a diagram of the jobs' calls", () => {
    const apps = new Set(objects.filter((p) => ['StatefulSet', 'Deployment', 'DaemonSet'].includes(p.o.kind)).map((p) => p.o.spec.selector.matchLabels['app.kubernetes.io/name']));
    const jobApps = new Map(cronJobs.map((p) => [p.o.spec.jobTemplate.spec.template.metadata.labels['app.kubernetes.io/name'], p.o.metadata.name]));
    const table = section(md, '### Every call');
    const jobBlocks = [...md.matchAll(/^### Calls from [^\n]*\n\n```mermaid\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
    let checked = 0;
    for (const c of input.stack.components) {
      for (const e of c.callEdges) {
        if (!isAppPeer(e.from) || !jobApps.has(e.from.app)) continue;
        if (isAppPeer(e.to) && !apps.has(e.to.app)) continue;
        const job = jobApps.get(e.from.app)!;
        const to = isAppPeer(e.to) ? `\`${e.to.instance ?? e.to.app}\`` : e.to === 'internet' ? 'Internet' : 'Kubernetes API';
        const ports = e.ports === 'any' ? 'any' : `${e.ports.join(', ')}/${e.protocol ?? 'TCP'}`;
        expect(table).toContain(`| \`${job}\` | ${to} | ${ports} | ${e.why} |`);
        checked++;
        if (e.to === 'internet') continue;
        // caller --- why-node --> callee, in one of the jobs' diagrams
        const from = nodeId('media', job);
        const callee = isAppPeer(e.to) ? nodeId('media', e.to.instance ?? e.to.app) : 'ext_kube_api';
        const hit = jobBlocks.find((b) => {
          const why = new RegExp(`^\\s*(j\\d+_\\d+)\\("${esc(e.why)}"\\)$`, 'm').exec(b)?.[1];
          return why !== undefined && b.includes(`  ${from} --- ${why}\n`) && b.includes(`  ${why} --> ${callee}`);
        });
        expect(hit, `${job} → ${callee}: ${e.why}`).toBeDefined();
      }
    }
    // backup-postgres, postgres-backup, the setup jobs, Configarr and the wiring job call out.
    expect(checked).toBeGreaterThanOrEqual(10);
  });

  it('lists what each backup CronJob mounts: its app directory and the backup target', () => {
    const rows = section(md, '### What the jobs mount');
    for (const p of cronJobs.filter((x) => x.o.metadata.name.startsWith('backup-') && x.o.metadata.name !== 'backup-postgres')) {
      const pod = p.o.spec.jobTemplate.spec.template.spec;
      for (const v of pod.volumes.filter((x: any) => x.hostPath !== undefined || x.nfs !== undefined)) {
        const mount = pod.containers.flatMap((c: any) => c.volumeMounts).find((m: any) => m.name === v.name);
        const where = v.hostPath ? `host path ${v.hostPath.path} · on the pod's node` : `NFS ${v.nfs.server}:${v.nfs.path}`;
        expect(rows).toContain(`| \`${p.o.metadata.name}\` | ${where} | ${mount.mountPath} (${mount.readOnly ? 'ro' : 'rw'}) |`);
      }
    }
  });

  it('the failback descheduler: its schedule and its calls to the Arrs and the Kubernetes API', () => {
    const { md, objects } = architectureOf(homelabFailback);
    const d = objects.find((p) => p.o.kind === 'CronJob' && p.o.metadata.name === 'descheduler')!;
    const where = d.o.metadata.namespace === 'media' ? '' : ` · ${d.o.metadata.namespace}`;
    expect(md).toContain(`["descheduler<br/>CronJob${where} · ${scheduleOf(d.o)}"]`);
    expect(section(md, '### Every call')).toContain('| `descheduler` | Kubernetes API | 443, 6443/TCP | lists pods and nodes, evicts through the Eviction API |');
    expect(md).toMatch(/^### Calls from [^\n]*`descheduler`/m);
  });
});

describe('the other day-two objects', () => {
  it('Longhorn backups: each RecurringJob with the claims its groups cover', () => {
    const { md, objects } = architectureOf(homelabBackups);
    const jobs = objects.filter((p) => p.o.kind === 'RecurringJob');
    expect(jobs.map((j) => j.o.spec.task).sort()).toEqual(['backup', 'snapshot']);
    const rows = section(md, '### Longhorn recurring jobs');
    for (const j of jobs) {
      const claims = objects
        .filter((p) => p.o.kind === 'PersistentVolumeClaim' && j.o.spec.groups.some((g: string) => p.o.metadata.labels?.[`recurring-job-group.longhorn.io/${g}`] === 'enabled'))
        .map((p) => `pvc/${p.o.metadata.name}`);
      expect(claims).toContain('pvc/config-sonarr');
      expect(claims).not.toContain('pvc/symlink-library');
      expect(rows).toContain(
        `| \`${j.o.metadata.name}\` in \`${j.o.metadata.namespace}\` | ${j.o.spec.task} | \`${j.o.spec.cron}\` | ${j.o.spec.retain} | ${j.o.spec.groups.map((g: string) => `\`${g}\``).join(', ')} | ${claims.join(', ')} |`,
      );
    }
  });

  it("DRA: the shared ResourceClaim, its DeviceClass and the driver that allocates it; the device plugin's place otherwise", () => {
    const dra = architectureOf(singleNode);
    const claim = dra.objects.find((p) => p.o.kind === 'ResourceClaim')!;
    const deviceClass = claim.o.spec.devices.requests[0].exactly.deviceClassName;
    const driver = dra.objects.find((p) => p.o.kind === 'DaemonSet' && posix.dirname(p.path) === posix.dirname(dra.objects.find((x) => x.o.kind === 'DeviceClass')!.path))!;
    const id = `rc_${claim.o.metadata.name.replace(/[^A-Za-z0-9_]/g, '_')}`;
    expect(dra.blocks[0]).toContain(`${id}(["resourceclaim/${claim.o.metadata.name}<br/>DeviceClass ${deviceClass}<br/>allocated by ${driver.o.metadata.name}"])`);
    const users = dra.objects.filter((p) => p.o.spec?.template?.spec?.resourceClaims?.some((r: any) => r.resourceClaimName === claim.o.metadata.name));
    expect(users.map((u) => u.o.metadata.name)).toContain('plex');
    for (const u of users) expect(dra.blocks[0]).toContain(`${nodeId(u.o.metadata.namespace, u.o.metadata.name)} -.->|"GPU (DRA)"| ${id}`);
    expect(dra.md).not.toContain('intel-gpu-plugin');
    const plugin = architectureOf(homelab);
    expect(plugin.md).not.toMatch(/resourceclaim|allocated by/);
    expect(plugin.blocks[0]).toContain('intel-gpu-plugin<br/>DaemonSet');
  });

  it('metrics: each ServiceMonitor with the Service port and the exporter sidecar it scrapes', () => {
    const { md, objects } = architectureOf(singleNode);
    const rows = section(md, '### Metrics');
    const monitors = objects.filter((p) => p.o.kind === 'ServiceMonitor');
    expect(monitors.length).toBeGreaterThanOrEqual(3);
    for (const m of monitors) {
      const svc = objects.find((p) => p.o.kind === 'Service' && Object.entries(m.o.spec.selector.matchLabels).every(([k, v]) => p.o.metadata.labels?.[k] === v))!;
      const port = svc.o.spec.ports.find((p: any) => p.name === m.o.spec.endpoints[0].port);
      const w = objects.find(
        (p) => p.o.kind === 'StatefulSet' && p.o.spec.selector.matchLabels['app.kubernetes.io/instance'] === svc.o.spec.selector['app.kubernetes.io/instance'],
      )!;
      const sidecar = w.o.spec.template.spec.containers.find((c: any) => c.ports?.some((p: any) => p.name === port.targetPort));
      expect(sidecar.name).toBe('exportarr');
      expect(rows).toContain(
        `| \`${m.o.metadata.name}\` | \`release=kube-prometheus-stack\` | \`svc/${svc.o.metadata.name}\` :${port.port} ${m.o.spec.endpoints[0].path} | \`exportarr\` in \`${w.o.metadata.name}\` (${sidecar.image}) | ${m.o.spec.endpoints[0].interval} |`,
      );
    }
  });

  it('the external ClusterPlex worker: a host outside the cluster in the playback flow, with its calls and binds', () => {
    const { md, input } = architectureOf(homelabExternalWorker);
    const flow = section(md, '### Playback: the transcoders outside the cluster');
    const [block] = mermaidBlocks(flow);
    const worker = homelabExternalWorker.apps!.clusterplex!.externalWorker!;
    const cidr = `${worker.address!}/32`;
    const id = `ext_host_${cidr.replace(/[^A-Za-z0-9_]/g, '_')}`;
    // The host by its own address, as the NetworkPolicies admit it, and the Compose service it runs.
    expect(block).toContain(`${id}(["external ClusterPlex worker ${worker.hostname!} (${cidr})<br/>Docker Compose service clusterplex-worker"])`);
    const calls = input.stack.components.flatMap((c) => c.callEdges).filter((e) => !isAppPeer(e.from) && typeof e.from === 'object' && e.from.cidr === cidr);
    expect(calls.length).toBe(2);
    for (const e of calls) {
      expect(isAppPeer(e.to)).toBe(true);
      const to = isAppPeer(e.to) ? nodeId('media', e.to.instance ?? e.to.app) : '';
      const why = new RegExp(`^\\s*(${id}_\\d+)\\("${esc(e.why)} :${(e.ports as number[]).join(',')}"\\)$`, 'm').exec(block!)?.[1];
      expect(why, e.why).toBeDefined();
      expect(block).toContain(`  ${id} --- ${why}\n`);
      expect(block).toContain(`  ${why} --> ${to}`);
    }
    expect(md).toContain(
      "runs `clusterplex-worker` by Docker Compose from [clusterplex-external-worker.compose.yaml](clusterplex-external-worker.compose.yaml) and binds the host's `/mnt/user/media` at `/mnt/media`",
    );
  });

  it('says nothing of what the config leaves off', () => {
    const { md } = architectureOf(homelab);
    expect(md).not.toMatch(/Longhorn recurring jobs|### Metrics|outside the cluster|descheduler|backup-/);
    const off = architectureOf({ ...homelab, apps: { ...homelab.apps, arrWiring: { enabled: false }, servarrLogin: { enabled: false } } });
    expect(off.md).not.toMatch(/arr-wiring|servarr-setup/);
  });
});
