import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { execFileSync } from 'node:child_process';
import { BlockList } from 'node:net';
import { loadConfig, resolveConfig, type StackConfigInput } from '../../src/stack-config.js';
import type { StackConfig } from '../../src/config/types.js';
import { synthesize, type SynthResult } from '../../src/synth.js';
import { writeTree } from '../../src/output/write.js';
import { COMPOSE_SPEC_SCHEMA, schemaHeaderOf } from '../../src/output/schema-header.js';
import { containerOf, envOf, objectsOf } from '../helpers.js';
import { DEMO_KEY, kubectlKustomize, operatorEnv, PROJECT, readTree } from '../stack/support.js';

const EXAMPLE = 'examples/homelab-external-worker.ts';
const FILE = 'docs/homelab/clusterplex-external-worker.compose.yaml';
const SCHEMA = JSON.parse(readFileSync(join(PROJECT, 'test/fixtures/compose-spec/compose-spec.json'), 'utf8'));

/** Validates a document against the Compose Specification's own schema (test/fixtures/compose-spec). */
function composeSpecErrors(doc: unknown): string[] {
  // The spec names its draft-07 meta-schema by its https URL, which Ajv does not register.
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false, validateFormats: false });
  const validate = ajv.compile(SCHEMA);
  return validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

const objectOf = (r: SynthResult, kind: string, name: string): any => r.objects.find((p) => p.object.kind === kind && p.object.metadata.name === name)!.object;
const fileOf = (r: SynthResult, path: string) => r.files.find((f) => f.path === path)?.content;

describe('the external ClusterPlex worker (examples/homelab-external-worker.ts)', () => {
  let cfg: StackConfig;
  let result: SynthResult;
  let text: string;
  let compose: any;
  let worker: any;
  beforeAll(async () => {
    cfg = await loadConfig(EXAMPLE);
    result = await synthesize({ config: cfg, projectDir: PROJECT, env: operatorEnv(cfg) });
    text = fileOf(result, FILE)!;
    compose = parse(text);
    worker = compose.services['clusterplex-worker'];
  }, 120_000);

  it('writes a Compose file with the compose-spec schema line that the spec validates', () => {
    expect(text).toBeDefined();
    expect(schemaHeaderOf(text)).toBe(COMPOSE_SPEC_SCHEMA);
    expect(composeSpecErrors(compose)).toEqual([]);
    // Compose itself (Debian's docker-compose, offline: it reads no registry) accepts it too
    const dir = mkdtempSync(join(tmpdir(), 'compose-'));
    writeFileSync(join(dir, 'worker.compose.yaml'), text);
    let rendered: string;
    try {
      rendered = execFileSync('docker-compose', ['-f', join(dir, 'worker.compose.yaml'), 'config'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e: any) {
      throw new Error(
        e.code === 'ENOENT' ? 'docker-compose is not installed: run scripts/test-setup.sh (Debian package docker-compose)' : `docker-compose config rejected the file: ${e.stderr}`,
        { cause: e },
      );
    }
    expect(parse(rendered).services['clusterplex-worker'].image).toBe(worker.image);
    // the validator does reject a broken file
    expect(composeSpecErrors({ ...compose, services: { 'clusterplex-worker': { ...worker, restart: 7, volumes: [{ target: '/x' }] } } })).not.toEqual([]);
  });

  it('runs the identical Plex build with the worker mod and PMS paths bound from the NAS exports', () => {
    const plex = containerOf(objectOf(result, 'StatefulSet', 'plex'), 'plex');
    expect(worker.image).toBe(plex.image);
    const inCluster = envOf(containerOf(objectOf(result, 'StatefulSet', 'clusterplex-worker'), 'worker'));
    for (const k of ['DOCKER_MODS', 'VERSION', 'PUID', 'PGID', 'TZ', 'LISTENING_PORT', 'STAT_CPU_INTERVAL', 'EAE_SUPPORT', 'FFMPEG_HWACCEL'])
      expect(worker.environment[k], k).toBe(inCluster[k]);
    expect(worker.devices).toEqual(['/dev/dri:/dev/dri']);
    const binds = worker.volumes.filter((v: any) => v.type === 'bind');
    // every bind lands on a path PMS mounts, read-only where PMS has it read-only
    const pmsMounts = new Map<string, any>(plex.volumeMounts.map((m: any) => [m.mountPath, m]));
    for (const b of binds) {
      expect(pmsMounts.has(b.target), b.target).toBe(true);
      expect(Boolean(b.read_only), b.target).toBe(Boolean(pmsMounts.get(b.target).readOnly));
    }
    const source = (target: string) => binds.find((b: any) => b.target === target)?.source;
    expect(source('/mnt/media')).toBe(cfg.storage.media.path);
    expect(source('/transcode')).toBe(cfg.storage.transcode.path);
    for (const m of plex.volumeMounts.filter((x: any) => x.subPath)) expect(source(m.mountPath)).toBe(`${cfg.storage.transcode.path}/${m.subPath}`);
    // the symlinks and the DFS live in the cluster: not mounted, and the runbook says so
    expect(source('/mnt/streaming-media')).toBeUndefined();
    expect(fileOf(result, 'docs/homelab/gpu-transcoding.md')).toContain('has no `/mnt/streaming-media`, `/mnt/dfs`');
  });

  it('dials the orchestrator LoadBalancer and resolves PMS_SERVICE to Plex’s LoadBalancer, both admitted from the worker’s address', () => {
    const svc = objectOf(result, 'Service', 'clusterplex-orchestrator');
    expect(svc.spec.type).toBe('LoadBalancer');
    expect(svc.spec.externalTrafficPolicy).toBe('Local');
    const lbIp = svc.metadata.annotations['metallb.universe.tf/loadBalancerIPs'];
    expect(worker.environment.ORCHESTRATOR_URL).toBe(`http://${lbIp}:${svc.spec.ports[0].port}`);
    const pmsEnv = envOf(containerOf(objectOf(result, 'StatefulSet', 'plex'), 'plex'));
    const plexSvc = objectOf(result, 'Service', 'plex');
    expect(worker.extra_hosts).toEqual([`${pmsEnv.PMS_SERVICE}:${plexSvc.metadata.annotations['metallb.universe.tf/loadBalancerIPs']}`]);
    expect(plexSvc.spec.ports.map((p: any) => p.port)).toContain(Number(pmsEnv.LOCAL_RELAY_PORT));
  });

  it('admits exactly the worker’s /32 to the orchestrator and the relay, through Services that keep its address', () => {
    const relay = Number(envOf(containerOf(objectOf(result, 'StatefulSet', 'plex'), 'plex')).LOCAL_RELAY_PORT);
    const nas = cfg.apps.clusterplex.externalWorker.address!;
    const orchestrator = objectOf(result, 'NetworkPolicy', 'allow-clusterplex-orchestrator').spec.ingress;
    const plex = objectOf(result, 'NetworkPolicy', 'allow-plex').spec.ingress;
    // the orchestrator (no authentication): the worker's /32 is its only address block, on 3500 only
    expect(orchestrator.filter((r: any) => r.from.some((f: any) => f.ipBlock))).toEqual([{ from: [{ ipBlock: { cidr: `${nas}/32` } }], ports: [{ protocol: 'TCP', port: 3500 }] }]);
    // the relay port: only the /32 (and the in-cluster workers' pods); Plex's own port stays open to its clients
    const onRelay = plex.filter((r: any) => r.ports.some((p: any) => p.port === relay));
    expect(onRelay.flatMap((r: any) => r.from.filter((f: any) => f.ipBlock))).toEqual([{ ipBlock: { cidr: `${nas}/32` } }]);
    expect(onRelay.find((r: any) => r.from[0].ipBlock).ports).toEqual([{ protocol: 'TCP', port: relay }]);
    for (const rules of [orchestrator, plex]) for (const range of cfg.networkPolicies.privateCidrs) expect(JSON.stringify(rules)).not.toContain(range);

    // The source addresses a pod sees, as the kernel rewrites them: the worker's own with
    // externalTrafficPolicy Local; a node's or a pod-network address when a node SNATs (Cluster,
    // or a svclb pod's MASQUERADE); another LAN host. Only the first may reach port 3500/relay.
    const admitted = (rules: any[], port: number) => {
      const list = new BlockList();
      for (const r of rules.filter((x) => x.ports.some((p: any) => p.port === port)))
        for (const f of r.from.filter((x: any) => x.ipBlock)) {
          const [net, bits] = f.ipBlock.cidr.split('/');
          list.addSubnet(net, Number(bits));
        }
      return (ip: string) => list.check(ip);
    };
    for (const [rules, port] of [
      [orchestrator, 3500],
      [plex, relay],
    ] as const) {
      const ok = admitted(rules, port);
      expect(ok(nas), `${nas} on ${port}`).toBe(true);
      for (const other of ['192.168.1.11', '192.168.1.21', '10.42.0.0', '10.42.1.1', '10.42.2.7', '172.17.0.1']) expect(ok(other), `${other} on ${port}`).toBe(false);
    }
    // the two Services the worker dials keep its address
    for (const name of ['clusterplex-orchestrator', 'plex']) {
      const svc = objectOf(result, 'Service', name);
      expect(svc.spec.type, name).toBe('LoadBalancer');
      expect(svc.spec.externalTrafficPolicy, name).toBe('Local');
    }
  });

  it('names the worker by its address in the call diagrams and the runbook', () => {
    const arch = fileOf(result, 'docs/homelab/architecture.md')!;
    const nas = cfg.apps.clusterplex.externalWorker.address!;
    expect(arch).toContain(`| external ClusterPlex worker unraid-clusterplex-worker (${nas}/32) | \`clusterplex-orchestrator\` | 3500/TCP |`);
    expect(arch).not.toMatch(/Nodes and LAN \(private ranges\) \| `(clusterplex-orchestrator|plex)`/);
    const page = fileOf(result, 'docs/homelab/gpu-transcoding.md')!;
    expect(page).toContain(`admit only the worker's own address, \`${nas}/32\`, to \`clusterplex-orchestrator\` on :3500 and to \`plex\` on :32499`);
    expect(page).toContain('`svc/clusterplex-orchestrator` and `svc/plex` have `externalTrafficPolicy: Local`');
  });

  it('is never applied by Flux: outside the cluster tree, in no kustomization, and the writer owns it', async () => {
    expect(FILE.startsWith(`clusters/`)).toBe(false);
    for (const f of result.files.filter((x) => x.path.endsWith('kustomization.yaml') || x.path.endsWith('ks.yaml'))) expect(f.content, f.path).not.toContain('compose');
    const out = join(mkdtempSync(join(tmpdir(), 'external-worker-')), 'dist');
    await writeTree(out, result.files, { owner: cfg.cluster });
    expect(kubectlKustomize(join(out, 'clusters/homelab'))).not.toContain('clusterplex-external-worker');
    expect(readTree(out).get(FILE)).toBe(text);
    // unchanged input: no byte changes
    const env = { ...operatorEnv(cfg), SOPS_AGE_KEY_FILE: DEMO_KEY };
    const again = await synthesize({ config: cfg, projectDir: PROJECT, previousDir: out, env });
    const report = await writeTree(out, again.files, { owner: cfg.cluster });
    expect(report.written).toEqual([]);
    // turned off: the writer removes the file it wrote
    const off: StackConfig = {
      ...cfg,
      apps: { ...cfg.apps, clusterplex: { ...cfg.apps.clusterplex, externalWorker: { ...cfg.apps.clusterplex.externalWorker, enabled: false } } },
    };
    const removed = await writeTree(out, (await synthesize({ config: off, projectDir: PROJECT, previousDir: out, env })).files, { owner: cfg.cluster });
    expect(removed.removed).toContain(FILE);
  }, 240_000);
});

describe('external worker config', () => {
  const base: StackConfigInput = {
    apps: {
      plex: { loadBalancerIP: '192.168.1.60' },
      clusterplex: { orchestratorService: { type: 'LoadBalancer', loadBalancerIP: '192.168.1.61' }, externalWorker: { enabled: true, address: '192.168.1.20' } },
    },
  };
  const issuesOf = (input: StackConfigInput) => {
    try {
      resolveConfig(input);
      return [];
    } catch (e: any) {
      return (e.issues ?? []).map((i: any) => i.path);
    }
  };

  it('is off by default: no Compose file, a ClusterIP orchestrator', () => {
    expect(existsSync(join(PROJECT, 'dist', FILE))).toBe(false);
    expect(existsSync(join(PROJECT, 'dist/docs/homelab/gpu-transcoding.md'))).toBe(true);
    const { find } = objectsOf({});
    expect(find('Service', 'clusterplex-orchestrator').spec.type).toBe('ClusterIP');
  });

  it('names the field to fix when the worker cannot reach the cluster', () => {
    expect(issuesOf(base)).toEqual([]);
    const withWorker = (w: object, cp: object = {}) => ({
      apps: { ...base.apps, clusterplex: { ...base.apps!.clusterplex, ...cp, externalWorker: { ...base.apps!.clusterplex!.externalWorker, ...w } } },
    });
    expect(issuesOf(withWorker({ address: undefined }))).toEqual(['apps.clusterplex.externalWorker.address']);
    // any unicast address: the policies admit its /32, whatever networkPolicies.privateCidrs say
    expect(issuesOf(withWorker({ address: '100.64.0.9' }))).toEqual([]);
    expect(issuesOf(withWorker({ address: '192.168.1.0/24' }))).toEqual(['apps.clusterplex.externalWorker.address']);
    // an address of the cluster (a pod's, a Service's) is not the worker's host
    expect(issuesOf(withWorker({ address: '10.42.1.7' }))).toEqual(['apps.clusterplex.externalWorker.address']);
    expect(issuesOf(withWorker({ address: '10.43.0.10' }))).toEqual(['apps.clusterplex.externalWorker.address']);
    expect(issuesOf(withWorker({ address: '10.44.0.1' }))).toEqual([]);
    expect(issuesOf(withWorker({}, { orchestratorService: { type: 'ClusterIP' } }))).toEqual([
      'apps.clusterplex.orchestratorService.type',
      'apps.clusterplex.externalWorker.orchestratorAddress',
    ]);
    expect(issuesOf({ ...withWorker({}), apps: { ...withWorker({}).apps, plex: { serviceType: 'NodePort' } } })).toEqual([
      'apps.plex.serviceType',
      'apps.clusterplex.externalWorker.plexAddress',
    ]);
  });

  it('with a NodePort orchestrator: the fixed node port on the Service and in the worker’s URL', async () => {
    const input = {
      apps: {
        ...base.apps,
        clusterplex: {
          orchestratorService: { type: 'NodePort', nodePort: 30500 },
          externalWorker: { enabled: true, address: '192.168.1.20', orchestratorAddress: '192.168.1.11' },
        },
      },
    } as StackConfigInput;
    expect(issuesOf({ apps: { ...input.apps, clusterplex: { ...input.apps!.clusterplex, orchestratorService: { type: 'NodePort' } } } })).toContain(
      'apps.clusterplex.orchestratorService.nodePort',
    );
    const { find } = objectsOf(input);
    const svc = find('Service', 'clusterplex-orchestrator');
    expect(svc.spec.ports[0].nodePort).toBe(30500);
    // a node port keeps the worker's address only with Local (else the node SNATs it)
    expect(svc.spec.externalTrafficPolicy).toBe('Local');
    expect(find('NetworkPolicy', 'allow-clusterplex-orchestrator').spec.ingress.filter((r: any) => r.from[0].ipBlock)).toEqual([
      { from: [{ ipBlock: { cidr: '192.168.1.20/32' } }], ports: [{ protocol: 'TCP', port: 3500 }] },
    ]);
    // the runbook says which node the worker must dial
    const cfg = resolveConfig(input);
    const page = (await synthesize({ config: cfg, projectDir: PROJECT, env: operatorEnv(cfg) })).files.find((f) => f.path === 'docs/homelab/gpu-transcoding.md')!.content;
    expect(page).toContain('A node port answers only on the node that runs the pod');
  }, 120_000);
});
