import { describe, expect, it } from 'vitest';
import { generateDocs } from '../../src/docs/index.js';
import { docsInputOf } from '../docs/input.js';

describe('docs stage', () => {
  const input = docsInputOf();
  const plain = generateDocs(input);

  it('writes the pages below the root it is given, with the same content', () => {
    const rooted = generateDocs(input, 'docs/homelab');
    expect(rooted.map((f) => f.path)).toEqual(plain.map((f) => f.path.replace(/^docs\//, 'docs/homelab/')));
    expect(rooted.map((f) => f.content)).toEqual(plain.map((f) => f.content));
    expect(rooted.map((f) => f.path)).toContain('docs/homelab/README.md');
  });
});
