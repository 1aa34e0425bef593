import { cpSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
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
    expect(r.stdout).toMatch(/\*\*0 destructive\*\* · 0 added · 0 changed · 0 moved · 0 removed · \d+ unchanged/);
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

  it('compares objects, not files: an output whose files moved within their Flux Kustomizations has no changes', async () => {
    const moved = join(dir, 'moved');
    cpSync(out, moved, { recursive: true });
    // Every manifest into a folder below its own and another file name (as a layout change within
    // a component would): the same Kustomization applies it. The encrypted Secrets stay, as they
    // are kept from the previous output by path.
    const manifests = Object.keys(before).filter(
      (p) => p.startsWith('clusters/lab/apps/') && p.endsWith('.yaml') && !p.endsWith('kustomization.yaml') && !p.endsWith('.sops.yaml'),
    );
    expect(manifests.length).toBeGreaterThan(30);
    for (const path of manifests) {
      const target = join(moved, dirname(path), 'elsewhere', `moved-${path.replace(/\//g, '_')}`);
      mkdirSync(dirname(target), { recursive: true });
      renameSync(join(moved, path), target);
    }
    const r = await plan({}, [], moved);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\*\*0 destructive\*\* · 0 added · 0 changed · 0 moved · 0 removed/);
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
    expect(r.stdout).toMatch(/\*\*0 destructive\*\* · 0 added · 0 changed · 0 moved · 0 removed/);
  });
});

/**
 * Objects whose file goes from one Flux Kustomization's folder to another's: the old one's garbage
 * collection (or, when it leaves the output, its finalizer) deletes what it no longer lists while
 * the object's live `kustomize.toolkit.fluxcd.io/name` label still names it, so the plan lists
 * each such object as moved, and as destructive when it holds state and nothing protects it.
 */
describe('npm run synth -- --plan: objects that move to another Flux Kustomization', () => {
  it('flux.namespace changed: every Kustomization is a new one; protected claims are kept, the rest may be deleted first', async () => {
    const r = await plan({ flux: { namespace: 'flux' } });
    expect(r.code, r.stderr).toBe(0);
    const md = r.stdout;
    expect(treeOf(out)).toEqual(before);
    const moved = Number(/· (\d+) moved ·/.exec(md)?.[1]);
    expect(moved, md).toBeGreaterThan(30);
    // The claims carry prune: disabled in the cluster: the old Kustomization's finalizer skips them.
    expect(md).toMatch(/\*\*0 destructive\*\*/);
    const claim = entry(md, 'Moved', 'PersistentVolumeClaim media/config-sonarr')!;
    expect(claim, md).toContain('moves from Kustomization `flux-system/sonarr` to Kustomization `flux/sonarr`');
    expect(claim).toContain('prune: disabled on it: deleting `flux-system/sonarr` skips it');
    expect(claim).not.toContain('kubectl annotate');
    // A StatefulSet is not protected: deleted with the old Kustomization unless the new one applied it first.
    const sts = entry(md, 'Moved', 'StatefulSet media/sonarr')!;
    expect(sts).toContain(
      'deleting `flux-system/sonarr` (it leaves the output; deletionPolicy WaitForTermination) deletes it with the rest of what it applied unless `flux/sonarr` applied it first, likely here: `flux/sonarr` is new and Flux creates it first',
    );
    expect(sts).toContain(
      'to keep it: before Flux reconciles this commit, `kubectl annotate --field-manager=flux-client-side-apply -n media statefulset.apps/sonarr kustomize.toolkit.fluxcd.io/prune=disabled`',
    );
    expect(sts).toContain('`kubectl annotate --field-manager=flux-client-side-apply -n media statefulset.apps/sonarr kustomize.toolkit.fluxcd.io/prune-`');
    expect(sts).toContain('or `flux suspend kustomization sonarr -n flux-system` before (a suspended Kustomization neither prunes nor, when deleted, deletes what it applied)');
    expect(entry(md, 'Removed', 'Kustomization flux-system/sonarr')).toContain('deleting it deletes every object it applied');
    // The Namespace is applied by the root Kustomization before and after: no move.
    expect(entry(md, 'Moved', 'Namespace media')).toBeUndefined();
  });

  it("a claim without prune protection whose file moves from radarr's folder to sonarr's is destructive, with what to do first", async () => {
    // As an older output would have had it: Sonarr's claim in Radarr's folder, without prune: disabled.
    const previous = join(dir, 'claim-in-radarr');
    cpSync(out, previous, { recursive: true });
    const from = join(previous, 'clusters/lab/apps/media/sonarr/app/pvc-config.yaml');
    const text = readFileSync(from, 'utf8');
    expect(text).toContain('kustomize.toolkit.fluxcd.io/prune: disabled');
    writeFileSync(
      join(previous, 'clusters/lab/apps/media/radarr/app/pvc-config-sonarr.yaml'),
      text.replace(/^ {2}annotations:\n {4}kustomize\.toolkit\.fluxcd\.io\/prune: disabled\n/m, ''),
    );
    rmSync(from);
    const previousTree = treeOf(previous);
    const r = await plan({}, [], previous);
    expect(r.code, r.stderr).toBe(0);
    const md = r.stdout;
    expect(md).toMatch(/\*\*1 destructive\*\* · 0 added · 0 changed · 1 moved · 0 removed/);
    const destructive = md.slice(md.indexOf('## ⚠️ Destructive changes'), md.indexOf('## Moved'));
    expect(destructive, md).toContain(
      '**PersistentVolumeClaim media/config-sonarr may be DELETED with its data (and created anew, empty): it moves to another Kustomization** — moves from Kustomization `flux-system/radarr` to Kustomization `flux-system/sonarr`',
    );
    expect(destructive).toContain(
      '`flux-system/radarr` deletes it if it reconciles this revision before `flux-system/sonarr` applied it (both do, in no fixed order); `flux-system/sonarr` then creates it anew',
    );
    expect(destructive).toContain(
      '`kubectl annotate --field-manager=flux-client-side-apply -n media persistentvolumeclaim/config-sonarr kustomize.toolkit.fluxcd.io/prune=disabled`',
    );
    // The new output protects the claim itself: the annotation set by hand can stay.
    expect(destructive).not.toContain('prune-`');
    expect(destructive).toContain(
      'or `flux suspend kustomization radarr -n flux-system` before and `flux resume kustomization radarr -n flux-system` once `flux tree kustomization sonarr -n flux-system` lists it',
    );
    const line = entry(md, 'Moved', 'PersistentVolumeClaim media/config-sonarr')!;
    expect(line).toContain('⚠️ destructive, see above');
    expect(line).toContain('`metadata.annotations` added: `{"kustomize.toolkit.fluxcd.io/prune":"disabled"}`');
    expect(treeOf(previous)).toEqual(previousTree);
  });
});
