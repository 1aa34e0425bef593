/**
 * An output written before the per-app layout (every component's manifests directly in its folder,
 * all Flux Kustomizations in `clusters/<cluster>/media-stack.yaml`, no schema lines) is moved by
 * the next synth: the writer replaces its own files, keeps every file it did not write, the
 * Secrets keep their values, and no volume counts as removed because its file moved.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/stack-config.js';
import { writeTree } from '../../src/output/write.js';
import { decryptYaml } from '../../src/sops/index.js';
import { synthesize } from '../../src/synth.js';
import { demoIdentities } from '../sops/helpers.js';
import { DEMO_KEY, operatorEnv, PROJECT, readTree } from './support.js';

const HEADER = /^# yaml-language-server: \$schema=\S+\n/gm;

/** Rewrites a per-app output into the previous layout, marker included. */
function toPreviousLayout(out: string, cluster: string): string[] {
  const tree = readTree(out);
  const owned: string[] = [];
  const kustomizations: string[] = [];
  for (const [path, text] of tree) {
    if (path === '.media-stack-output') continue;
    const bare = text.replace(HEADER, '');
    if (path.endsWith('/ks.yaml')) {
      kustomizations.push(`---\n${bare}`);
      rmSync(join(out, path));
      continue;
    }
    const moved = path.replace(/\/app\/([^/]+)$/, '/$1');
    if (moved !== path) rmSync(join(out, path));
    mkdirSync(dirname(join(out, moved)), { recursive: true });
    writeFileSync(join(out, moved), bare);
    owned.push(moved);
  }
  writeFileSync(join(out, `clusters/${cluster}/media-stack.yaml`), kustomizations.join(''));
  owned.push(`clusters/${cluster}/media-stack.yaml`);
  const marker = readFileSync(join(out, '.media-stack-output'), 'utf8');
  const head = marker.slice(0, marker.indexOf('owners:'));
  writeFileSync(
    join(out, '.media-stack-output'),
    `${head}owners:\n  "${cluster}":\n${owned
      .sort()
      .map((p) => `    - "${p}"\n`)
      .join('')}`,
  );
  return owned;
}

describe('moving a previous output into the per-app layout', () => {
  it('moves the writer’s own files, keeps the others, keeps every Secret value and drops no state', async () => {
    const config = resolveConfig({});
    const env = { ...operatorEnv(config), SOPS_AGE_KEY_FILE: DEMO_KEY };
    const out = join(mkdtempSync(join(tmpdir(), 'layout-move-')), 'out');
    const first = await synthesize({ config, projectDir: PROJECT, env });
    await writeTree(out, first.files, { owner: config.cluster });
    const fresh = readTree(out);
    const before = toPreviousLayout(out, config.cluster);
    const root = `clusters/${config.cluster}`;
    expect(before).toContain(`${root}/apps/media/sonarr/statefulset.yaml`);
    // a file of the operator's in an app folder, and one where app/ will be: never the writer's
    writeFileSync(join(out, `${root}/apps/media/sonarr/NOTES.md`), 'mine\n');
    const previousSecrets = new Map<string, unknown>();
    for (const p of before.filter((x) => x.startsWith('clusters/') && x.endsWith('.sops.yaml')))
      previousSecrets.set(posix.basename(posix.dirname(p)), (await decryptYaml(readFileSync(join(out, p), 'utf8'), demoIdentities())).plain);
    expect(previousSecrets.size).toBeGreaterThan(3);

    const moved = await synthesize({ config, projectDir: PROJECT, previousDir: out, outputDir: out, env });
    expect(moved.droppedState).toEqual([]);
    expect(moved.secrets.report.length).toBeGreaterThan(3);
    expect(
      moved.secrets.report.every((r) => r.status === 'kept'),
      JSON.stringify(moved.secrets.report.map((r) => [r.path, r.status])),
    ).toBe(true);
    const report = await writeTree(out, moved.files, { owner: config.cluster });
    expect(report.removed).toContain(`${root}/media-stack.yaml`);
    expect(report.removed).toContain(`${root}/apps/media/sonarr/statefulset.yaml`);

    const after = readTree(out);
    expect(after.get(`${root}/apps/media/sonarr/NOTES.md`)).toBe('mine\n');
    after.delete(`${root}/apps/media/sonarr/NOTES.md`);
    // byte for byte the tree a synth into an empty folder writes (the kept Secrets included)
    expect([...after.keys()].sort()).toEqual([...fresh.keys()].sort());
    for (const [path, text] of after) expect(text, path).toBe(fresh.get(path));
    for (const [app, plain] of previousSecrets) {
      const path = `${root}/apps/media/${app}/app/secret.sops.yaml`;
      expect((await decryptYaml(after.get(path)!, demoIdentities())).plain, path).toEqual(plain);
    }
  });
});
