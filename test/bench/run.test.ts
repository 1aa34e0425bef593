/**
 * `npm run bench` must keep running as the stack changes (it broke once when an app's operator
 * inputs changed and nothing noticed). This runs it once, as small as it goes, into a temp file and
 * checks the table it writes; the times themselves are the bench's business, not a test's.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('npm run bench', () => {
  it('runs ours and the stock flow on the default stack and writes the table', { timeout: 180_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-'));
    const out = join(dir, 'performance.md');
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts'], {
      encoding: 'utf8',
      env: { ...process.env, BENCH_RUNS: '1', BENCH_SIZES: '', BENCH_SCALING: '', BENCH_OUT: out },
    });
    expect(r.status, r.stderr).toBe(0);
    const doc = readFileSync(out, 'utf8');
    rmSync(dir, { recursive: true, force: true });
    expect(doc).toMatch(/^\| full stack \(default config\) \| \d+\.\d\d s \| \d+\.\d\d s \| \d+ MB \| \d+\.\d\d s \| \d+\.\d\d s \| \d+ MB \| \d+\.\d× \| \d+\.\d× \|$/m);
    expect(doc).toMatch(/^\| SOPS encryption per Secret, 3 recipient\(s\) ≤ 5 ms \| \d+\.\d\d ms \| (met|\*\*not met\*\*) \|$/m);
  });
});
