import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { execFileSync } from 'node:child_process';
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
    const nas = cfg.apps.clusterplex.externalWorker.address!;
    const admits = (policy: string, port: number) =>
      objectOf(result, 'NetworkPolicy', policy).spec.ingress.some(
        (r: any) => r.ports?.some((p: any) => p.port === port) && r.from.some((f: any) => f.ipBlock && inCidr(nas, f.ipBlock.cidr)),
      );
    expect(admits('allow-clusterplex-orchestrator', 3500)).toBe(true);
    expect(admits('allow-plex', Number(pmsEnv.LOCAL_RELAY_PORT))).toBe(true);
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

function inCidr(ip: string, cidr: string): boolean {
  const n = (a: string) => a.split('.').reduce((acc, p) => acc * 256 + Number(p), 0);
  const [base, bits] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  return n(ip) >= n(base!) && n(ip) < n(base!) + size;
}

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
    expect(issuesOf(withWorker({ address: '100.64.0.9' }))).toEqual(['apps.clusterplex.externalWorker.address']);
    expect(issuesOf(withWorker({}, { orchestratorService: { type: 'ClusterIP' } }))).toEqual([
      'apps.clusterplex.orchestratorService.type',
      'apps.clusterplex.externalWorker.orchestratorAddress',
    ]);
    expect(issuesOf({ ...withWorker({}), apps: { ...withWorker({}).apps, plex: { serviceType: 'NodePort' } } })).toEqual([
      'apps.plex.serviceType',
      'apps.clusterplex.externalWorker.plexAddress',
    ]);
  });

  it('with a NodePort orchestrator: the fixed node port on the Service and in the worker’s URL', () => {
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
    expect(find('Service', 'clusterplex-orchestrator').spec.ports[0].nodePort).toBe(30500);
  });
});
