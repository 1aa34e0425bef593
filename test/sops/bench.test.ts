import { describe, expect, it } from 'vitest';
import { benchSops } from '../../bench/sops.js';

describe('bench/sops.ts', () => {
  it('measures encryptYaml of a 4-key Secret for 1 and 3 recipients (a loose bound here; the 5 ms target is checked by npm run bench)', async () => {
    const rows = await benchSops({ iterations: 5 });
    expect(rows.map((r) => r.recipients)).toEqual([1, 3]);
    for (const r of rows) {
      expect(r.msPerSecret).toBeGreaterThan(0);
      expect(r.msPerSecret).toBeLessThan(100);
    }
  });
});
