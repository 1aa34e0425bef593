import { cpSync, mkdirSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/stack-config.js';
import { treeOf } from '../output/support.js';
import { bareEnv, DEMO_KEY, operatorEnv, synthCli } from '../stack/support.js';

/**
 * `npm run synth -- --plan` against a real previous output: the base config synthesized into a
 * temp folder, then plans of modified configs compared with it. The plans run with no age key
 * and no operator values (bareEnv), as in CI.
 */
let dir: string;
let out: string;
let before: Record<string, string>;

function configFile(name: string, cfg: Record<string, unknown>): string {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({ cluster: 'lab', ...cfg }));
  return file;
}

let planned = 0;
function plan(cfg: Record<string, unknown>, extra: string[] = [], target = out, env = bareEnv()) {
  return synthCli(['--config', configFile(`plan-${++planned}`, cfg), '--out', target, '--plan', ...extra], env);
}

/** The bullet of one object in a section of the plan (`## Added` …), with its field lines. */
function entry(md: string, section: string, object: string): string | undefined {
  const body = md.split(/^## /m).find((s) => s.startsWith(section));
  const lines = body?.split('\n') ?? [];
  const at = lines.findIndex((l) => l.startsWith(`- **${object}** `));
  if (at < 0) return undefined;
  const end = lines.findIndex((l, i) => i > at && l.startsWith('- '));
  return lines.slice(at, end < 0 ? undefined : end).join('\n');
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'plan-'));
  out = join(dir, 'gitops');
  const env = { ...operatorEnv(resolveConfig({ cluster: 'lab' })), SOPS_AGE_KEY_FILE: DEMO_KEY };
  const r = await synthCli(['--config', configFile('base', {}), '--out', out], env);
  expect(r.code, r.stderr).toBe(0);
  before = treeOf(out);
}, 120_000);

describe('npm run synth -- --plan', () => {
  it('an unchanged config: no object changes, exit 0, and the folder stays byte for byte', async () => {
    const r = await plan({});
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\*\*0 destructive\*\* · 0 added · 0 changed · 0 removed · \d+ unchanged/);
    expect(r.stdout).toContain('No object changes');
    expect(treeOf(out)).toEqual(before);
  });

  it('added, changed and removed objects, with the changed fields as JSON paths and what Flux does', async () => {
    const r = await plan({ timezone: 'Europe/Berlin', apps: { profilarr: { enabled: false }, flaresolverr: { enabled: true } } });
    expect(r.code, r.stderr).toBe(0);
    const md = r.stdout;
    expect(treeOf(out)).toEqual(before);

    const added = entry(md, 'Added', 'Deployment media/flaresolverr');
    expect(added, md).toMatch(/: Flux creates it$/);

    const sonarr = entry(md, 'Changed', 'StatefulSet media/sonarr')!;
    expect(sonarr, md).toContain('roll pods: the pod template changed');
    expect(sonarr).toContain('`spec.template.spec.containers[name=sonarr].env[name=TZ].value` changed: `UTC` → `Europe/Berlin`');

    const removed = entry(md, 'Removed', 'StatefulSet media/profilarr')!;
    expect(removed, md).toContain('prune: Flux deletes it (Kustomization `profilarr` has prune: true)');
    expect(entry(md, 'Removed', 'Kustomization flux-system/profilarr')).toContain('deleting it deletes every object it applied');
    // The claim carries prune: disabled: listed first, and kept (orphaned), not deleted.
    const first = md.indexOf('## ⚠️ Destructive changes');
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThan(md.indexOf('## Added'));
    const destructive = md.slice(first, md.indexOf('## Added'));
    expect(destructive).toContain('**PersistentVolumeClaim media/config-profilarr leaves the output (kept in the cluster, orphaned)**');
    expect(destructive).toContain('Flux leaves it in the cluster, orphaned');
    expect(destructive).not.toContain('StatefulSet media/sonarr');
  });

  it('destructive changes come first: claims and a StatefulSet whose immutable fields change are recreated', async () => {
    const r = await plan({ storage: { configStorageClass: 'longhorn-fast' } });
    expect(r.code, r.stderr).toBe(0);
    const md = r.stdout;
    const destructive = md.slice(md.indexOf('## ⚠️ Destructive changes'), md.indexOf('## Changed'));
    expect(md.indexOf('## ⚠️ Destructive changes'), md).toBeGreaterThan(0);
    expect(destructive).toContain('**PersistentVolumeClaim media/config-sonarr is recreated');
    expect(destructive).toContain('recreate: `spec.storageClassName` cannot change on an existing PersistentVolumeClaim');
    // The codec cache of the ClusterPlex worker comes from volumeClaimTemplates: the StatefulSet's spec field is immutable.
    expect(destructive).toContain('**StatefulSet media/clusterplex-worker is recreated');
    expect(destructive).toContain('`spec.volumeClaimTemplates[name=codecs].spec.storageClassName`');
    expect(destructive).toContain('no force: true in this output');
    expect(entry(md, 'Changed', 'PersistentVolumeClaim media/config-sonarr')).toContain('`spec.storageClassName` changed: `longhorn-simple` → `longhorn-fast`');
    expect(treeOf(out)).toEqual(before);
  });

  it('a claim may grow but not shrink', async () => {
    const grow = await plan({ apps: { sonarr: { configSize: '20Gi' } } });
    expect(entry(grow.stdout, 'Changed', 'PersistentVolumeClaim media/config-sonarr'), grow.stdout).toContain('Flux patches it in place');
    expect(grow.stdout).toContain('**0 destructive**');
    const shrink = await plan({ apps: { sonarr: { configSize: '5Gi' } } });
    expect(shrink.stdout).toContain('**PersistentVolumeClaim media/config-sonarr is recreated');
  });

  it('rotated Secrets are named with their keys; no value, ciphertext or MAC is printed', async () => {
    // New generated values, the operator's kept: the operator values are given (still no age key).
    const r = await plan({}, ['--regenerate-secrets'], out, operatorEnv(resolveConfig({ cluster: 'lab' })));
    expect(r.code, r.stderr).toBe(0);
    const md = r.stdout;
    expect(entry(md, 'Changed', 'Secret media/sonarr-secrets'), md).toContain('rotate the Secret: new ciphertext of `api-key`');
    expect(md).not.toContain('ENC[');
    if (process.env.SHOW_PLAN) console.log(md);
    // Nothing that looks like base64 from a ciphertext, a MAC or a checksum.
    expect(md).not.toMatch(/[A-Za-z0-9+]{24,}/);
    for (const [path, text] of Object.entries(before)) {
      if (!path.endsWith('.sops.yaml') || path === '.sops.yaml') continue;
      for (const m of text.matchAll(/data:([A-Za-z0-9+/=]{8,})/g)) expect(md).not.toContain(m[1]!);
    }
    expect(treeOf(out)).toEqual(before);
  });

  it('compares objects, not files: an output whose files moved has no changes', async () => {
    const moved = join(dir, 'moved');
    cpSync(out, moved, { recursive: true });
    // Every manifest into another folder and file name (as a per-app layout change would); the
    // encrypted Secrets stay, as they are kept from the previous output by path.
    const manifests = Object.keys(before).filter(
      (p) => p.startsWith('clusters/lab/apps/') && p.endsWith('.yaml') && !p.endsWith('kustomization.yaml') && !p.endsWith('.sops.yaml'),
    );
    expect(manifests.length).toBeGreaterThan(30);
    for (const path of manifests) {
      const target = join(moved, 'clusters/lab/elsewhere', path.replace(/\//g, '_'));
      mkdirSync(dirname(target), { recursive: true });
      renameSync(join(moved, path), target);
    }
    const r = await plan({}, [], moved);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\*\*0 destructive\*\* · 0 added · 0 changed · 0 removed/);
  });

  it('a missing or foreign output folder is a clear error naming it and the fix; nothing is created', async () => {
    const missing = join(dir, 'nope');
    const r = await plan({}, [], missing);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `error: --plan: the output folder ${missing} does not exist, so there is nothing to compare with; run \`npm run synth -- --out ${missing}\` once to create it, or point --out at the folder Flux reconciles\nnothing was written.\n`,
    );
    expect(treeOf(missing)).toEqual({});
    const foreign = join(dir, 'foreign');
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'notes.md'), 'mine\n');
    const f = await plan({}, [], foreign);
    expect(f.code).toBe(1);
    expect(f.stderr).toContain(`--plan: ${foreign} holds no media-stack output (no .media-stack-output file in it)`);
    expect(treeOf(foreign)).toEqual({ 'notes.md': 'mine\n' });
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x\n');
    expect((await plan({}, [], file)).stderr).toContain(`--plan: ${file} is not a folder`);
    expect(readFileSync(file, 'utf8')).toBe('x\n');
  });

  it('after the real synth of the planned config, a second plan has nothing left to do', async () => {
    const copy = join(dir, 'applied');
    cpSync(out, copy, { recursive: true });
    const cfg = { timezone: 'Europe/Berlin', apps: { profilarr: { enabled: false }, flaresolverr: { enabled: true } } };
    const env = { ...operatorEnv(resolveConfig({ cluster: 'lab' })), SOPS_AGE_KEY_FILE: DEMO_KEY };
    const applied = await synthCli(['--config', configFile('applied', cfg), '--out', copy, '--allow-data-loss'], env);
    expect(applied.code, applied.stderr).toBe(0);
    const r = await plan(cfg, [], copy);
    expect(r.stdout).toMatch(/\*\*0 destructive\*\* · 0 added · 0 changed · 0 removed/);
  });
});
