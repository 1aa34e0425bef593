import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadConfig, resolveConfig } from '../../src/stack-config.js';
import type { StackConfigInput } from '../../src/config/types.js';
import { formatSummary } from '../../src/docs/summary.js';
import { DataLossError } from '../../src/output/state.js';
import { writeTree } from '../../src/output/write.js';
import { synthesize } from '../../src/synth.js';
import { DEMO_KEY, operatorEnv, PROJECT, readTree } from './support.js';

// Kinds whose objects hold state the stack cannot recreate, spelled out here on purpose (not
// imported): the test must fail if the code forgets one.
const STATEFUL = ['Namespace', 'PersistentVolumeClaim', 'PersistentVolume'];
const PRUNE = 'kustomize.toolkit.fluxcd.io/prune';

async function synthOnce(input: StackConfigInput, out: string, allowDataLoss = false) {
  const config = resolveConfig(input);
  const env = { ...operatorEnv(config), SOPS_AGE_KEY_FILE: DEMO_KEY };
  const result = await synthesize({ config, projectDir: PROJECT, previousDir: out, outputDir: out, env, allowDataLoss });
  const report = await writeTree(out, result.files);
  return { result, report, summary: formatSummary(result, report, { out }) };
}

/** First synth `before`, then `after` into the same folder: refused, unchanged; then confirmed. */
async function dropBetween(before: StackConfigInput, after: StackConfigInput) {
  const out = join(mkdtempSync(join(tmpdir(), 'state-')), 'out');
  await synthOnce(before, out);
  const tree = readTree(out);
  const refusal = await synthOnce(after, out).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(refusal).toBeInstanceOf(DataLossError);
  expect(readTree(out)).toEqual(tree); // nothing written
  const confirmed = await synthOnce(after, out, true);
  return { out, tree, error: refusal as DataLossError, confirmed };
}

describe('state survives Flux', () => {
  it.each([
    ['the default config', undefined],
    ['examples/homelab.ts', 'examples/homelab.ts'],
    ['examples/single-node.ts', 'examples/single-node.ts'],
    ['the default config with qBittorrent and PostgreSQL (downloads and backup claims)', 'with-downloads'],
  ])('every stateful object of %s carries prune: disabled', async (_name, file) => {
    const config =
      file === 'with-downloads'
        ? resolveConfig({
            apps: {
              postgres: { enabled: true, apps: ['sonarr'] },
              qbittorrent: {
                enabled: true,
                vpn: { provider: 'gluetun', serviceProvider: 'protonvpn', serverHostnames: ['node-nl-05.protonvpn.net'], endpointCidrs: ['203.0.113.10/32'], endpointPort: 51820 },
              },
            },
          })
        : await loadConfig(file);
    const result = await synthesize({ config, projectDir: PROJECT, env: { ...operatorEnv(config), SOPS_AGE_KEY_FILE: DEMO_KEY } });
    const stateful = result.objects.filter((p) => STATEFUL.includes(p.object.kind));
    expect(stateful.some((p) => p.object.kind === 'Namespace')).toBe(true);
    if (config.storage.mode === 'longhorn') {
      expect(stateful.filter((p) => p.object.kind === 'PersistentVolumeClaim').length).toBeGreaterThan(3);
      expect(stateful.some((p) => p.object.kind === 'PersistentVolume')).toBe(true);
    }
    for (const { object, path } of stateful) expect(object.metadata.annotations?.[PRUNE], `${object.kind} ${object.metadata.name} (${path})`).toBe('disabled');
    if (file === 'with-downloads') {
      const names = stateful.map((p) => p.object.metadata.name);
      expect(names).toEqual(expect.arrayContaining(['downloads', 'postgres-backups', 'config-postgres']));
    }
  });

  it('disabling an app: refused with the names, nothing written; with --allow-data-loss written and listed', async () => {
    const { error, confirmed, out } = await dropBetween({}, { apps: { pulsarr: { enabled: false } } });
    expect(error.dropped.filter((d) => d.confirm).map((d) => `${d.kind} ${d.name}`)).toEqual(['PersistentVolumeClaim config-pulsarr']);
    expect(error.message).toContain('PersistentVolumeClaim media/config-pulsarr (clusters/homelab/apps/media/pulsarr/app/pvc-config.yaml)');
    expect(error.message).toMatch(/Flux leaves it in the cluster, orphaned/);
    expect(error.message).toContain('--allow-data-loss');
    expect(confirmed.summary).toMatch(/state dropped from the output: 1 object\(s\) \(confirmed with --allow-data-loss\)/);
    expect(confirmed.summary).toContain('! PersistentVolumeClaim media/config-pulsarr');
    expect(readTree(out).has('clusters/homelab/apps/media/pulsarr/app/pvc-config.yaml')).toBe(false);
  });

  it('renaming an extra instance drops the old instance’s config claim', async () => {
    const { error, confirmed } = await dropBetween({ apps: { sonarr: { extraInstances: ['4k'] } } }, { apps: { sonarr: { extraInstances: ['uhd'] } } });
    expect(error.dropped.filter((d) => d.confirm).map((d) => `${d.kind} ${d.name}`)).toEqual(['PersistentVolumeClaim config-sonarr-4k']);
    expect(confirmed.result.droppedState.map((d) => d.name)).toEqual(['config-sonarr-4k']);
    expect(confirmed.summary).toContain('! PersistentVolumeClaim media/config-sonarr-4k (clusters/homelab/apps/media/sonarr-4k/app/pvc-config.yaml)');
  });

  it('changing the storage mode names every claim, PV and the ClusterPlex template claims', async () => {
    const { error, confirmed } = await dropBetween({}, { storage: { mode: 'hostPath' } });
    const confirm = error.dropped.filter((d) => d.confirm);
    expect(confirmed.summary).toContain(`state dropped from the output: ${confirm.length} object(s) (confirmed with --allow-data-loss)`);
    for (const d of confirm) expect(confirmed.summary).toContain(`! ${d.kind} ${d.namespace ? `${d.namespace}/` : ''}${d.name} (${d.path})`);
    expect(confirm.map((d) => d.kind)).toEqual(expect.arrayContaining(['PersistentVolumeClaim', 'PersistentVolume']));
    expect(confirm.map((d) => d.name)).toEqual(expect.arrayContaining(['config-sonarr', 'config-radarr', 'symlink-library', 'media-library', 'media-media-library']));
    expect(confirm.some((d) => d.kind === 'Namespace')).toBe(false);
    // the ClusterPlex worker keeps its StatefulSet in hostPath mode, without templates: not dropped
    expect(error.dropped.some((d) => d.kind === 'StatefulSet')).toBe(false);
  });

  it('disabling ClusterPlex notes the claims of the worker’s volumeClaimTemplates, which Flux does not own', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'state-')), 'out');
    await synthOnce({}, out);
    const next = await synthOnce({ apps: { clusterplex: { enabled: false } } }, out);
    const note = next.result.droppedState.find((d) => d.kind === 'StatefulSet');
    expect(note?.confirm).toBe(false);
    expect(note?.consequence).toMatch(/codecs-clusterplex-worker-<ordinal>.*not Flux's objects and stay/);
    expect(next.summary).toContain('state dropped from the output: 0 object(s)');
  });

  it('says Flux DELETES an object the previous output left unprotected', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'state-')), 'out');
    await synthOnce({}, out);
    // an output from before prune protection: strip the annotation from one claim
    const file = join(out, 'clusters/homelab/apps/media/pulsarr/app/pvc-config.yaml');
    const tree = readTree(out);
    writeFileSync(
      file,
      tree.get('clusters/homelab/apps/media/pulsarr/app/pvc-config.yaml')!.replace(/\n {2}annotations:\n {4}kustomize\.toolkit\.fluxcd\.io\/prune: disabled/, ''),
    );
    const err = (await synthOnce({ apps: { pulsarr: { enabled: false } } }, out).catch((e: unknown) => e)) as DataLossError;
    expect(err).toBeInstanceOf(DataLossError);
    expect(err.message).toMatch(/config-pulsarr .*does not carry kustomize\.toolkit\.fluxcd\.io\/prune: disabled .* DELETES it/);
  });

  it('renaming the namespace names the namespace itself', async () => {
    const { error } = await dropBetween({}, { namespace: 'media2' });
    expect(error.dropped.some((d) => d.kind === 'Namespace' && d.name === 'media' && d.confirm)).toBe(true);
  });
});

describe('npm run synth --allow-data-loss', () => {
  const run = promisify(execFile);
  const SYNTH = join(PROJECT, 'scripts/synth.mjs');
  const cli = (args: string[], env: NodeJS.ProcessEnv) =>
    run(process.execPath, [SYNTH, ...args], { cwd: PROJECT, env, encoding: 'utf8' }).then(
      (r) => ({ code: 0, ...r }),
      (e: unknown) => {
        const { code, stdout, stderr } = e as { code: number; stdout: string; stderr: string };
        return { code, stdout, stderr };
      },
    );

  it('refuses with exit 1 and the names, leaves --out as it was, and writes when confirmed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'state-cli-'));
    const before = join(dir, 'before.json');
    const after = join(dir, 'after.json');
    writeFileSync(before, JSON.stringify({ cluster: 'lab' }));
    writeFileSync(after, JSON.stringify({ cluster: 'lab', apps: { profilarr: { enabled: false } } }));
    const env = { ...operatorEnv(resolveConfig({ cluster: 'lab' })), SOPS_AGE_KEY_FILE: DEMO_KEY };
    const out = join(dir, 'out');
    expect((await cli(['--config', before, '--out', out], env)).code).toBe(0);
    const tree = readTree(out);
    const refused = await cli(['--config', after, '--out', out], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('PersistentVolumeClaim media/config-profilarr');
    expect(refused.stderr).toContain('--allow-data-loss');
    expect(readTree(out)).toEqual(tree);
    const ok = await cli(['--config', after, '--out', out, '--allow-data-loss'], env);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('! PersistentVolumeClaim media/config-profilarr');
    expect(readTree(out).has('clusters/lab/apps/media/profilarr/app/pvc-config.yaml')).toBe(false);
  });
});
