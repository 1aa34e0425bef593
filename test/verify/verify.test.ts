import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { SchemaValidator } from '../../src/gates/schema.js';
import type { KubeObject } from '../../src/output/model.js';
import { DEFAULT_CONFIG, loadConfig } from '../../src/stack-config.js';
import { refText, type Check } from '../../src/verify/check.js';
import { Kubectl } from '../../src/verify/kubectl.js';
import { PHASES } from '../../src/verify/phases.js';
import { planChecks } from '../../src/verify/plan.js';
import { runChecks } from '../../src/verify/run.js';
import { synthesizeForVerify } from '../../src/verify/stack.js';
import { ClusterState } from './cluster.js';
import { BROKEN, CONTEXTS, renderScenario } from './scenarios.js';

const PROJECT = process.cwd();
const DOUBLE = join(PROJECT, 'test/verify/kubectl-double.mjs');
const FIXTURES = join(PROJECT, 'test/fixtures/verify');
const run = promisify(execFile);

/** `npm run verify -- …args` (what the script runs), with kubectl answered from a recorded scenario. */
async function verifyCli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string; calls: string[][] }> {
  const log = join(mkdtempSync(join(tmpdir(), 'verify-')), 'calls.log');
  const fullEnv = { HOME: mkdtempSync(join(tmpdir(), 'home-')), KUBECTL_DOUBLE_LOG: log, ...env };
  let out: { code: number; stdout: string; stderr: string };
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'src/cli/verify.ts', ...args], { cwd: PROJECT, env: fullEnv, encoding: 'utf8' });
    out = { code: 0, stdout, stderr };
  } catch (err: any) {
    out = { code: err.code ?? 1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
  const calls = existsSync(log)
    ? readFileSync(log, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as string[])
    : [];
  return { ...out, calls };
}

/** A PATH whose first folder holds `kubectl` = the double, and nothing else of kubectl's. */
function pathWithDouble(): string {
  const bin = mkdtempSync(join(tmpdir(), 'kubectl-double-'));
  symlinkSync(DOUBLE, join(bin, 'kubectl'));
  return `${bin}:${process.env.PATH}`;
}

const scenarioEnv = (scenario: string) => ({ PATH: pathWithDouble(), KUBECTL_RECORDINGS: join(FIXTURES, scenario) });
const phaseLines = (stdout: string) => stdout.split('\n').filter((l) => /^(PASS|FAIL) {2}/.test(l));

const stack = synthesizeForVerify(DEFAULT_CONFIG);
const checks = planChecks(stack);

describe('the recorded clusters', () => {
  it.each(['healthy', 'broken'] as const)('%s: the committed recordings are what record-fixtures.ts renders from the default config', (scenario) => {
    const want = renderScenario(scenario);
    const dir = join(FIXTURES, scenario);
    const hint = `run: node --import tsx test/verify/record-fixtures.ts`;
    expect(readdirSync(dir).sort(), hint).toEqual([...want.keys(), 'README.md'].filter((f) => f !== 'README.md' || existsSync(join(dir, f))).sort());
    for (const [file, content] of want) expect(readFileSync(join(dir, file), 'utf8'), `${scenario}/${file}: ${hint}`).toBe(content);
  });

  it('every recorded object has the shape the API server prints: strictly valid against Kubernetes 1.34 and the Flux CRD schema (status included)', () => {
    const validator = new SchemaValidator();
    let objects = 0;
    for (const scenario of ['healthy', 'broken']) {
      const dir = join(FIXTURES, scenario);
      for (const file of readdirSync(dir).filter((f) => f.endsWith('.json') && f !== 'calls.json')) {
        const doc = JSON.parse(readFileSync(join(dir, file), 'utf8'));
        const items: KubeObject[] = doc.kind === 'List' ? doc.items : [doc];
        if (doc.kind === 'List') expect(Object.keys(doc).sort()).toEqual(['apiVersion', 'items', 'kind', 'metadata']);
        objects += items.length;
        expect(validator.validate(items), `${scenario}/${file}`).toEqual([]);
      }
    }
    expect(objects).toBeGreaterThan(50);
  });

  it('the double answers a recorded argv exactly, refuses an unknown context like kubectl, and fails on an argv it has no recording for', async () => {
    const env = { ...process.env, KUBECTL_RECORDINGS: join(FIXTURES, 'healthy') };
    const ok = await run(DOUBLE, ['--context', 'homelab', 'get', 'namespace', 'media', '-o', 'json'], { env, encoding: 'utf8' });
    expect(JSON.parse(ok.stdout)).toMatchObject({ kind: 'Namespace', metadata: { name: 'media' }, status: { phase: 'Active' } });
    await expect(run(DOUBLE, ['--context', 'nope', 'get', 'namespace', 'media', '-o', 'json'], { env })).rejects.toMatchObject({
      code: 1,
      stderr: 'Error in configuration: context was not found for specified context: nope\n',
    });
    await expect(run(DOUBLE, ['get', 'namespace', 'media', '-o', 'yaml'], { env })).rejects.toMatchObject({ code: 99, stderr: expect.stringContaining('no recording for argv') });
  });
});

describe('the checks', () => {
  it('every check has a unique id and a runbook section that exists in the generated docs', () => {
    expect(new Set(checks.map((c) => c.id)).size).toBe(checks.length);
    for (const c of checks) expect(stack.runbooks.resolves(c.runbook), `${c.id} → ${c.runbook}`).toBe(true);
    // The design's phases point at a section, not only a page.
    expect(checks.filter((c) => c.phase !== PHASES.other && !c.runbook.includes('#')).map((c) => c.id)).toEqual([]);
  });

  it('are derived from the synthesized objects: every Kustomization, PVC, PV, workload and CronJob is checked', () => {
    const v = stack.facts.v;
    const ids = new Set(checks.map((c) => c.id));
    for (const k of v.fluxKustomizations) expect(ids).toContain(`flux-ready/${k.metadata.namespace}/${k.metadata.name}`);
    for (const p of v.all('PersistentVolumeClaim')) expect(ids).toContain(`pvc-bound/${p.metadata.namespace}/${p.metadata.name}`);
    for (const p of v.all('PersistentVolume')) expect(ids).toContain(`pv-bound/${p.metadata.name}`);
    for (const w of v.workloads) expect(ids).toContain(`pods-ready/${w.namespace}/${w.name}`);
    for (const cj of v.all('CronJob')) expect(ids).toContain(`cronjob-last-run/${cj.metadata.namespace}/${cj.metadata.name}`);
    for (const r of stack.facts.dfsReaders()) expect(ids).toContain(`dfs-reader/${r.namespace}/${r.name}`);
  });

  it('never read a Secret: the only Secret argv asks for its name alone', () => {
    const secretArgv = checks.filter((c) => c.argv.some((a) => /^secrets?$/.test(a)));
    expect(secretArgv.map((c) => c.argv)).toEqual([['get', 'secret', stack.facts.v.sopsSecretName, '-n', stack.facts.v.fluxNamespace, '-o', 'name']]);
    for (const c of checks) expect(c.argv.join(' ')).not.toMatch(/\bsecrets?\b.*-o (json|yaml|jsonpath)/);
  });

  it.each(readdirSync(join(PROJECT, 'examples')).filter((f) => /\.(ts|json|yaml)$/.test(f) && !f.endsWith('.d.ts')))(
    'plan for examples/%s: unique ids, every runbook reference resolves',
    async (file) => {
      const s = synthesizeForVerify(await loadConfig(join(PROJECT, 'examples', file)));
      const planned = planChecks(s);
      expect(planned.length).toBeGreaterThan(10);
      expect(new Set(planned.map((c) => c.id)).size).toBe(planned.length);
      for (const c of planned) expect(s.runbooks.resolves(c.runbook), `${c.id} → ${c.runbook}`).toBe(true);
    },
  );
});

/** Each judge on its own, on the healthy recording with one thing changed. */
describe('each check judges its answer', () => {
  let state: ClusterState;
  beforeAll(() => {
    state = new ClusterState(stack);
  });
  const byId = (id: string): Check => {
    const c = checks.find((x) => x.id === id);
    if (!c) throw new Error(`no check ${id}`);
    return c;
  };
  const judgeOn = (s: ClusterState, id: string) => {
    const c = byId(id);
    const r = s.answers([c], CONTEXTS).find((x) => JSON.stringify(x.argv) === JSON.stringify(c.argv))!;
    return c
      .judge({ code: r.exit, stdout: r.json !== undefined ? JSON.stringify(r.json) : (r.stdout ?? ''), stderr: r.stderr ?? '' })
      .map((f) => `${refText(f.object)}: ${f.reason}`);
  };

  it('the healthy recording passes every check', () => {
    for (const c of checks) expect(judgeOn(state, c.id), c.id).toEqual([]);
  });

  it('a pod that does not exist, a pod stuck in an init container, one Ready pod short', () => {
    const s = new ClusterState(stack);
    s.pods.set(
      'media',
      s.pods.get('media')!.filter((p) => p.metadata.name !== 'radarr-0'),
    );
    expect(judgeOn(s, 'pods-ready/media/radarr')).toEqual(['StatefulSet/media/radarr: no pod exists']);
    const sonarr = s.pod('media', 'sonarr-0');
    const wait = sonarr.status.initContainerStatuses[0];
    Object.assign(wait, { ready: false, state: { running: { startedAt: '2026-11-30T20:02:00Z' } } });
    sonarr.status.conditions.find((c: any) => c.type === 'Ready').status = 'False';
    expect(judgeOn(s, 'pods-ready/media/sonarr')).toEqual([`Pod/media/sonarr-0: init container ${wait.name} running, not ready`]);
  });

  it('kubectl failing (Forbidden) fails the object with kubectl own line; a missing Kustomization is "not found"', () => {
    const c = byId('flux-ready/flux-system/sonarr');
    expect(
      c.judge({ code: 1, stdout: '', stderr: 'Error from server (Forbidden): kustomizations.kustomize.toolkit.fluxcd.io is forbidden: User "me" cannot list resource\n' }),
    ).toEqual([
      {
        object: { kind: 'Kustomization', namespace: 'flux-system', name: 'sonarr' },
        reason: 'Error from server (Forbidden): kustomizations.kustomize.toolkit.fluxcd.io is forbidden: User "me" cannot list resource',
      },
    ]);
    const s = new ClusterState(stack);
    s.kustomizations.splice(
      s.kustomizations.findIndex((k) => k.metadata.name === 'sonarr'),
      1,
    );
    expect(judgeOn(s, 'flux-ready/flux-system/sonarr')).toEqual(['Kustomization/flux-system/sonarr: not found']);
  });

  it('a CronJob that never ran, and one whose only run is still going', () => {
    const s = new ClusterState(stack);
    const others = s.jobs.get('media')!.filter((j) => j.metadata.ownerReferences[0].name !== 'arr-wiring');
    const job = s.jobs.get('media')!.find((j) => j.metadata.ownerReferences[0].name === 'arr-wiring')!;
    s.jobs.set('media', others);
    expect(judgeOn(s, 'cronjob-last-run/media/arr-wiring')).toEqual(['CronJob/media/arr-wiring: has not run yet']);
    s.jobs.set('media', [...others, { ...job, status: { active: 1, startTime: job.status.startTime, ready: 1 } }]);
    expect(judgeOn(s, 'cronjob-last-run/media/arr-wiring')).toEqual(['CronJob/media/arr-wiring: its first run has not finished yet']);
  });

  it('a GPU node without the resource, no GPU node at all', () => {
    const s = new ClusterState(stack);
    const resource = Object.keys(s.nodes[0]!.status.allocatable).find((k) => k.startsWith('gpu.intel.com/'))!;
    s.nodes[0]!.status.allocatable[resource] = '0';
    expect(judgeOn(s, 'gpu-allocatable/gpu=true')).toEqual([`Node/k3s-w3: allocatable ${resource}: 0 (is intel-gpu-plugin running there?)`]);
    s.nodes.length = 0;
    expect(judgeOn(s, 'gpu-allocatable/gpu=true')).toEqual(['Node/-l gpu=true: no node has this label']);
  });

  it('ClusterPlex: the orchestrator counts fewer workers than the config runs', () => {
    const s = new ClusterState(stack);
    const c = byId('clusterplex-workers/media/clusterplex-orchestrator');
    s.exec.set(JSON.stringify(c.argv), { exit: 0, stdout: '# HELP workers_active Active Workers\n# TYPE workers_active gauge\nworkers_active 0\n', stderr: '' });
    expect(judgeOn(s, c.id)).toEqual(['Deployment/media/clusterplex-orchestrator: workers_active 0, expected 1']);
  });

  it('the streaming stack split over two nodes blames the pods away from Decypharr', () => {
    const s = new ClusterState(stack);
    s.pod('media', 'radarr-0').spec.nodeName = 'k3s-w2';
    const id = checks.find((c) => c.phase === PHASES.ha)!.id;
    expect(judgeOn(s, id)).toEqual(['Pod/media/radarr-0: on node k3s-w2, the others on k3s-w1']);
  });

  it('Prowlarr without an application for radarr; Plex unclaimed (401) and without a library', () => {
    const s = new ClusterState(stack);
    const apps = byId('prowlarr-apps/media/prowlarr');
    s.exec.set(JSON.stringify(apps.argv), {
      exit: 0,
      stdout: '[{"name":"sonarr","implementation":"Sonarr","baseUrl":"http://sonarr.media.svc.cluster.local:8989"}]\n',
      stderr: '',
    });
    expect(judgeOn(s, apps.id)).toEqual(['Pod/media/prowlarr-0: no application for radarr (radarr)']);
    const lib = byId('plex-library/media/plex');
    s.exec.set(JSON.stringify(lib.argv), { exit: 22, stdout: '', stderr: 'curl: (22) The requested URL returned error: 401\ncommand terminated with exit code 22\n' });
    expect(judgeOn(s, lib.id)).toEqual(['Pod/media/plex-0: GET /library/sections failed (server not claimed yet?): curl: (22) The requested URL returned error: 401']);
    s.exec.set(JSON.stringify(lib.argv), { exit: 0, stdout: '{"MediaContainer":{"size":0,"allowSync":false,"title1":"Plex Library"}}', stderr: '' });
    expect(judgeOn(s, lib.id)).toEqual(['Pod/media/plex-0: no library yet']);
  });

  it("the in-container scripts run in the images' shells: the API key and the Plex token expand in the pod, and jq keeps them out of what kubectl prints", async () => {
    // busybox sh (the Arr images are Alpine: busybox sh, curl, jq) with a curl that records its arguments and prints what Prowlarr would.
    const bin = mkdtempSync(join(tmpdir(), 'fake-curl-'));
    const seen = join(bin, 'args');
    const answer = JSON.stringify([
      {
        id: 1,
        name: 'sonarr',
        implementation: 'Sonarr',
        fields: [
          { name: 'prowlarrUrl', value: 'http://prowlarr.media.svc.cluster.local:9696' },
          { name: 'baseUrl', value: 'http://sonarr.media.svc.cluster.local:8989' },
          { name: 'apiKey', value: 'SONARR-KEY-7f3a9c' },
        ],
      },
      {
        id: 2,
        name: 'radarr',
        implementation: 'Radarr',
        fields: [
          { name: 'baseUrl', value: 'http://radarr.media.svc.cluster.local:7878' },
          { name: 'apiKey', value: 'RADARR-KEY-7f3a9c' },
        ],
      },
    ]);
    writeFileSync(join(bin, 'answer.json'), answer);
    writeFileSync(join(bin, 'curl'), `#!/bin/sh\nprintf '%s\\n' "$@" > '${seen}'\ncat '${join(bin, 'answer.json')}'\n`, { mode: 0o755 });
    const c = byId('prowlarr-apps/media/prowlarr');
    const [sh, flag, script] = c.argv.slice(c.argv.indexOf('--') + 1);
    expect([sh, flag]).toEqual(['sh', '-c']);
    const key = stack.facts.secretRef(stack.facts.one('prowlarr')!, 'api-key')!;
    const out = await run('busybox', ['sh', '-c', script!], { env: { PATH: `${bin}:${process.env.PATH}`, [key.env]: 'PROWLARR-KEY-7f3a9c' }, encoding: 'utf8' });
    expect(readFileSync(seen, 'utf8')).toContain('X-Api-Key: PROWLARR-KEY-7f3a9c\n');
    expect(out.stdout).not.toMatch(/KEY-7f3a9c/);
    expect(c.judge({ code: 0, stdout: out.stdout, stderr: out.stderr })).toEqual([]);
    expect(c.argv.join(' ')).not.toContain('PROWLARR-KEY');

    // Plex's script reads the token from Preferences.xml (here: a copy at the same path below a temp root).
    const lib = byId('plex-library/media/plex');
    const plexScript = lib.argv.at(-1)!;
    const root = mkdtempSync(join(tmpdir(), 'plex-root-'));
    const prefs = /'(\/config\/[^']*Preferences\.xml)'/.exec(plexScript)![1]!;
    mkdirSync(join(root, prefs, '..'), { recursive: true });
    writeFileSync(join(root, prefs), '<?xml version="1.0" encoding="utf-8"?>\n<Preferences MachineIdentifier="m" PlexOnlineToken="PLEX-TOKEN-7f3a9c" AcceptedEULA="1"/>\n');
    writeFileSync(join(bin, 'answer.json'), '{"MediaContainer":{"size":1,"Directory":[{"key":"1","type":"show","title":"TV Shows"}]}}');
    const plexOut = await run('busybox', ['sh', '-c', plexScript.replace(prefs, join(root, prefs))], { env: { PATH: `${bin}:${process.env.PATH}` }, encoding: 'utf8' });
    expect(readFileSync(seen, 'utf8')).toContain('X-Plex-Token: PLEX-TOKEN-7f3a9c\n');
    expect(lib.judge({ code: 0, stdout: plexOut.stdout, stderr: plexOut.stderr })).toEqual([]);
    expect(lib.argv.join(' ')).not.toContain('PLEX-TOKEN');
  });

  it('the DFS export Service on another address than the NFS PV mounts', () => {
    const s = new ClusterState(stack);
    const exp = stack.facts.dfs!.export!;
    s.services.get(`media/${exp.service}`)!.spec.clusterIP = '10.43.7.7';
    expect(judgeOn(s, `dfs-export/media/${exp.service}`)).toEqual([`Service/media/${exp.service}: ClusterIP 10.43.7.7, the NFS PV ${exp.pv} mounts ${exp.ip}`]);
  });
});

// Each case spawns the CLI (a synthesis in memory, then the kubectl calls): seconds under load.
describe('npm run verify against the recorded clusters', { timeout: 120_000 }, () => {
  it('healthy: every phase PASS, exit 0; kubectl found first on PATH and asked only the recorded argv, each once', async () => {
    const r = await verifyCli(['--context', 'homelab'], scenarioEnv('healthy'));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = phaseLines(r.stdout);
    expect(lines.length).toBe(Object.values(PHASES).filter((p) => checks.some((c) => c.phase === p)).length);
    for (const l of lines) expect(l).toMatch(/^PASS {2}/);
    expect(r.stdout).toMatch(/all \d+ phases PASS\n$/);
    const asked = r.calls.map((c) => JSON.stringify(c));
    expect(new Set(asked).size).toBe(asked.length);
    expect(r.calls.filter((c) => c[0] === '--context').length).toBe(asked.length - 1);
  });

  it('broken: exactly the five faults FAIL, each with its object and runbook section, exit 1', async () => {
    const r = await verifyCli(['--context', 'homelab'], scenarioEnv('broken'));
    expect(r.code).toBe(1);
    const failed = phaseLines(r.stdout).filter((l) => l.startsWith('FAIL'));
    expect(failed.map((l) => l.slice(6).replace(/ \(\d+\/\d+ checks\)$/, ''))).toEqual(
      [PHASES.foundation, PHASES.dfs, PHASES.wiring, PHASES.profiles, PHASES.watchlist].map((p) => p.title),
    );
    expect(r.stdout).toMatch(/5 of 9 phases FAIL\n$/);

    // The same run at the data level: which checks failed, on which object, pointing where.
    const kubectl = new Kubectl({ context: 'homelab', env: { ...process.env, ...scenarioEnv('broken') } });
    const outcomes = (await runChecks(checks, kubectl)).flatMap((p) => p.outcomes).filter((o) => o.failures.length);
    const dfsPod = `Pod/media/${stack.facts.v.podRef(stack.facts.dfs!.w)}`;
    const docs = 'docs/homelab';
    expect(outcomes.map((o) => [o.check.id, o.failures.map((f) => refText(f.object)).join(' '), o.check.runbook])).toEqual([
      [`flux-ready/flux-system/${BROKEN.kustomization}`, `Kustomization/flux-system/${BROKEN.kustomization}`, `${docs}/bootstrap.md#4-watch-the-kustomizations-come-up`],
      [`pvc-bound/media/${BROKEN.unboundClaim.name}`, `PersistentVolumeClaim/media/${BROKEN.unboundClaim.name}`, `${docs}/verification.md#foundation`],
      ['pods-ready/media/decypharr', dfsPod, `${docs}/verification.md#decypharr-and-the-symlink-library`],
      ['dfs-mounted/media/decypharr', dfsPod, `${docs}/decypharr-dfs.md#1-decypharr-itself`],
      ...stack.facts.dfsReaders().map((w) => [`dfs-reader/media/${w.name}`, `Pod/media/${stack.facts.v.podRef(w)}`, `${docs}/decypharr-dfs.md#4-the-readers`]),
      [
        `cronjob-last-run/media/${BROKEN.failedCronJob}`,
        expect.stringMatching(new RegExp(`^Job/media/${BROKEN.failedCronJob}-\\d+$`)),
        `${docs}/downloads-and-database.md#arr-wiring`,
      ],
      ['pods-ready/media/profilarr', `Pod/media/${BROKEN.unboundClaim.pod}`, `${docs}/verification.md#arr-apps`],
      ['pods-ready/media/pulsarr', `Pod/media/${BROKEN.crashLoopingPod.name}`, `${docs}/post-deploy.md#pulsarr`],
    ]);
    // The report says why, in the status's own words, and where to read.
    for (const o of outcomes) {
      for (const f of o.failures) expect(r.stdout).toContain(`${refText(f.object)}: ${f.reason}`);
      expect(r.stdout).toContain(`read: ${o.check.runbook}`);
    }
    expect(r.stdout).toContain(`Pod/media/${BROKEN.crashLoopingPod.name}: container ${BROKEN.crashLoopingPod.container} CrashLoopBackOff, 7 restarts, last exit 1 (Error)`);
    expect(r.stdout).toContain(`Pod/media/${BROKEN.unboundClaim.pod}: not scheduled (Unschedulable): 0/5 nodes are available: pod has unbound immediate PersistentVolumeClaims.`);
    expect(r.stdout).toMatch(/Job\/media\/arr-wiring-\d+: failed \(BackoffLimitExceeded\): Job has reached the specified backoff limit/);
  });

  it('an unknown context: one clear line naming the contexts there are, exit 2, nothing checked', async () => {
    const r = await verifyCli(['--context', 'nope'], scenarioEnv('healthy'));
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`error: kube context 'nope' does not exist (kubectl config get-contexts lists: ${CONTEXTS.join(', ')})\n`);
    expect(r.calls).toEqual([['config', 'get-contexts', '-o', 'name']]);
  });

  it('the real kubectl (1.32, a kubeconfig with two contexts): an unknown context is refused before anything is checked', async () => {
    const home = mkdtempSync(join(tmpdir(), 'kubeconfig-'));
    const kubeconfig = join(home, 'config');
    const kc = (...args: string[]) => run('kubectl', args, { env: { ...process.env, KUBECONFIG: kubeconfig } });
    await kc('config', 'set-cluster', 'lab', '--server=https://127.0.0.1:1');
    for (const name of CONTEXTS) await kc('config', 'set-context', name, '--cluster=lab');
    await kc('config', 'use-context', CONTEXTS[0]);
    const r = await verifyCli(['--context', 'nope'], { PATH: process.env.PATH, KUBECONFIG: kubeconfig });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`error: kube context 'nope' does not exist (kubectl config get-contexts lists: ${CONTEXTS.join(', ')})\n`);
  });

  it('without --context: the current context, named in the header', async () => {
    const r = await verifyCli([], scenarioEnv('healthy'));
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toContain(`kube context '${CONTEXTS[0]}'`);
    expect(r.calls.every((c) => c[0] !== '--context')).toBe(true);
  });

  it('kubectl missing (KUBECTL names nothing, or none on PATH): one clear line, exit 2', async () => {
    const viaEnv = await verifyCli(['--context', 'homelab'], { PATH: process.env.PATH, KUBECTL: '/nonexistent/kubectl' });
    expect(viaEnv.code).toBe(2);
    expect(viaEnv.stderr).toBe("error: kubectl not found: '/nonexistent/kubectl' (KUBECTL) does not exist\n");
    const emptyBin = mkdtempSync(join(tmpdir(), 'no-kubectl-'));
    writeFileSync(join(emptyBin, 'README'), 'no kubectl here\n');
    const viaPath = await verifyCli(['--context', 'homelab'], { PATH: emptyBin });
    expect(viaPath.code).toBe(2);
    expect(viaPath.stderr).toBe("error: kubectl not found: 'kubectl' is not on PATH; install kubectl or set KUBECTL to its path\n");
  });

  it("KUBECTL overrides PATH, and --config checks that config (against the default config's cluster: its own apps are missing there)", async () => {
    const file = join(PROJECT, 'examples', 'single-node.ts');
    const cfg = await loadConfig(file);
    const r = await verifyCli(['--context', 'homelab', '--config', file], { PATH: process.env.PATH, KUBECTL: DOUBLE, KUBECTL_RECORDINGS: join(FIXTURES, 'healthy') });
    expect(r.calls[0]).toEqual(['config', 'get-contexts', '-o', 'name']);
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n')[0]).toContain(`Verifying cluster '${cfg.cluster}'`);
    const own = planChecks(synthesizeForVerify(cfg)).find((c) => c.id.startsWith('flux-ready/') && !checks.some((d) => d.id === c.id))!;
    expect(r.stdout).toContain(`Kustomization/${own.id.slice('flux-ready/'.length)}: not found`);
  });
});
