import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { filesBelow } from '../../src/output/tree.js';

describe('filesBelow (the tree walk of the previous output and of the legacy writer)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tree-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'a/b/c'), { recursive: true });
  mkdirSync(join(dir, 'empty'));
  writeFileSync(join(dir, 'top.yaml'), '');
  writeFileSync(join(dir, 'a/b/c/deep.yaml'), '');
  writeFileSync(join(dir, 'a/x.md'), '');
  symlinkSync(join(dir, 'a'), join(dir, 'link-to-a'));

  it('lists every regular file as a /-path relative to the folder, not folders or links', () => {
    expect(filesBelow(dir).sort()).toEqual(['a/b/c/deep.yaml', 'a/x.md', 'top.yaml']);
    expect(filesBelow(join(dir, 'a')).sort()).toEqual(['b/c/deep.yaml', 'x.md']);
  });

  it('has nothing below a missing folder or a file', () => {
    expect(filesBelow(join(dir, 'missing'))).toEqual([]);
    expect(filesBelow(join(dir, 'top.yaml'))).toEqual([]);
    expect(filesBelow(join(dir, 'empty'))).toEqual([]);
  });
});
