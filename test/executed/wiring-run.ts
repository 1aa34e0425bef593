/**
 * Running the Arr wiring script (src/apps/arr-wiring/arr-wiring.sh) for real against a
 * FakeServarr: the script and its data in a temp folder, a `curl` that refuses every address but
 * the fake's, and with `busybox` the busybox applets the curl image has instead of the system's.
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { arrWiringScript, type WiringData } from '../../src/apps/arr-wiring/index.js';
import { wiringDataAtFake } from './fake-servarr.js';
import { requireTool } from './support.js';

/** The system sh, and busybox sh with busybox's own awk/head/mkdir/… as in the curl image (a missing busybox fails). */
export const SHELLS = ['sh', 'busybox'] as const;
export type Shell = (typeof SHELLS)[number];

export interface WiringRun {
  /** The temp folder: script, data, `bin/curl`, and the folders the data names below it. */
  readonly dir: string;
  /** The PATH the script runs with (the refusing curl first). */
  readonly path: string;
  /** Runs `file` (default: the script) over `data` (default: the data given) with exactly `env` plus PATH. */
  run(env: Record<string, string>, opts?: { file?: string; data?: string }): Promise<{ code: number; out: string }>;
  cleanup(): void;
}

/**
 * Prepares a run of the wiring `data` against the fake on 127.0.0.1:`port`. `folders` (absolute
 * paths as in the container, e.g. `/mnt/media/tv`) are created below the temp folder first.
 */
export function prepareWiringRun(shell: Shell, port: number, data: WiringData, folders: readonly string[] = []): WiringRun {
  const dir = mkdtempSync(join(tmpdir(), 'arr-wiring-'));
  writeFileSync(join(dir, 'arr-wiring.sh'), arrWiringScript());
  writeFileSync(join(dir, 'arr-wiring.json'), JSON.stringify(wiringDataAtFake(data, port, dir)));
  mkdirSync(join(dir, 'bin'));
  const realCurl = requireTool('curl', 'curl');
  writeFileSync(
    join(dir, 'bin', 'curl'),
    `#!/bin/sh\nfor a in "$@"; do last="$a"; done\ncase "$last" in http://127.0.0.1:${port}/*) exec ${realCurl} "$@" ;; esac\necho "refused: $last" >&2\nexit 7\n`,
  );
  chmodSync(join(dir, 'bin', 'curl'), 0o755);
  for (const f of folders) mkdirSync(join(dir, f), { recursive: true });
  const busybox = shell === 'busybox' ? requireTool('busybox', 'busybox') : undefined;
  if (busybox) {
    mkdirSync(join(dir, 'applets'));
    for (const applet of ['awk', 'cat', 'head', 'mkdir', 'mktemp', 'rm', 'printf', 'sh']) symlinkSync(busybox, join(dir, 'applets', applet));
  }
  const path = `${join(dir, 'bin')}:${busybox ? `${join(dir, 'applets')}:` : ''}/usr/bin:/bin`;
  return {
    dir,
    path,
    run: (env, opts = {}) =>
      new Promise((resolve) => {
        // The data file as the script's argument (in the container: its default, the mounted ConfigMap entry).
        const args = [opts.file ?? join(dir, 'arr-wiring.sh'), opts.data ?? join(dir, 'arr-wiring.json')];
        const [cmd, argv] = busybox ? [busybox, ['sh', ...args]] : ['sh', args];
        execFile(cmd, argv, { env: { ...env, PATH: path }, timeout: 30_000 }, (err, stdout, stderr) => {
          resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr });
        });
      }),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
