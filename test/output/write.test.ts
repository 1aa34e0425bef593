import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withKustomizations } from '../../src/output/layout.js';
import { listFiles, OUTPUT_MARKER, writeTree } from '../../src/output/write.js';

const tmp = () => join(mkdtempSync(join(tmpdir(), 'write-')), 'out');

describe('the output writer', () => {
  it('writes exactly the given files plus its marker, and reports what changed', async () => {
    const out = tmp();
    const r1 = await writeTree(out, [{ path: 'a/x.yaml', content: 'x: 1\n' }, { path: 'b.yaml', content: 'b: 1\n' }]);
    expect(await listFiles(out)).toEqual([OUTPUT_MARKER, 'a/x.yaml', 'b.yaml']);
    expect(r1.written).toContain('a/x.yaml');
    const r2 = await writeTree(out, [{ path: 'a/x.yaml', content: 'x: 2\n' }]);
    expect(r2).toEqual({ written: ['a/x.yaml'], unchanged: [OUTPUT_MARKER], removed: ['b.yaml'] });
    expect(await listFiles(out)).toEqual([OUTPUT_MARKER, 'a/x.yaml']);
    expect(readFileSync(join(out, 'a/x.yaml'), 'utf8')).toBe('x: 2\n');
  });

  it('refuses to replace a folder it did not write, such as a repository root, and leaves it untouched', async () => {
    const out = tmp();
    mkdirSync(join(out, '.git'), { recursive: true });
    writeFileSync(join(out, 'README.md'), 'mine');
    await expect(writeTree(out, [{ path: 'x.yaml', content: 'x: 1\n' }])).rejects.toThrow(/refusing to replace .*not media-stack output.*\.git repository.*flux\.repoPath/);
    expect(await listFiles(out)).toEqual(['README.md']);
    expect(existsSync(join(out, '.git'))).toBe(true);
  });

  it('leaves the previous tree byte-identical when writing fails', async () => {
    const out = tmp();
    await writeTree(out, [{ path: 'keep.yaml', content: 'k: 1\n' }]);
    await expect(writeTree(out, [{ path: 'ok.yaml', content: 'o\n' }, { path: '../escape.yaml', content: 'e\n' }])).rejects.toThrow(/outside the output folder/);
    expect(await listFiles(out)).toEqual([OUTPUT_MARKER, 'keep.yaml']);
    expect(readFileSync(join(out, 'keep.yaml'), 'utf8')).toBe('k: 1\n');
    expect((await listFiles(join(out, '..'))).filter((f) => f.includes('.tmp-') || f.includes('.old-'))).toEqual([]);
  });

  it('gives every folder below the root a kustomization.yaml listing exactly its manifests', () => {
    const files = withKustomizations(
      [
        { path: 'c/apps/m/s/b.yaml', content: '' },
        { path: 'c/apps/m/s/a.yaml', content: '' },
        { path: 'c/apps/m/ns.yaml', content: '' },
        { path: 'docs/x.md', content: '' },
      ],
      'c',
      { c: ['flux-system'] },
    );
    const k = (dir: string) => files.find((f) => f.path === `${dir}/kustomization.yaml`)?.content;
    expect(k('c/apps/m/s')).toBe('apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - a.yaml\n  - b.yaml\n');
    expect(k('c/apps/m')).toContain('  - ns.yaml\n');
    expect(k('c/apps')).toContain('resources: []');
    expect(k('c')).toContain('  - flux-system\n');
    expect(k('docs')).toBeUndefined();
  });
});
