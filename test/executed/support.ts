/** Shared pieces of the executed-script tests: the synthesized examples, required tools, stubs. */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { loadConfig } from '../../src/stack-config.js';
import type { StackConfig } from '../../src/config/types.js';
import type { OutputFile } from '../../src/output/layout.js';
import type { KubeObject } from '../../src/output/model.js';
import { synthesize } from '../../src/synth.js';
import { operatorEnv, PROJECT } from '../stack/support.js';
import { extractScripts, type EmbeddedScript } from './extract.js';
import type { ImageShell } from './image-shells.js';

export const EXAMPLES = ['examples/homelab.ts', 'examples/single-node.ts'] as const;

export interface Synthesized {
  readonly example: string;
  readonly config: StackConfig;
  readonly objects: KubeObject[];
  readonly files: readonly OutputFile[];
  readonly scripts: EmbeddedScript[];
}

const synthesized = new Map<string, Promise<Synthesized>>();

/**
 * Synthesizes an example exactly as `npm run synth` would (fake operator values), in memory; once
 * per worker (test files share a worker's modules, vitest.config.ts), since the tests only read it.
 */
export function synthExample(example: string): Promise<Synthesized> {
  let r = synthesized.get(example);
  if (!r) {
    r = synthesizeExample(example);
    synthesized.set(example, r);
  }
  return r;
}

async function synthesizeExample(example: string): Promise<Synthesized> {
  const config = await loadConfig(example);
  const r = await synthesize({ config, projectDir: PROJECT, env: operatorEnv(config) });
  const objects = r.objects.map((p) => p.object);
  return { example, config, objects, files: r.files, scripts: extractScripts(example, objects) };
}

const INSTALL_HINT = 'run `bash scripts/test-setup.sh` (as root it installs the Debian packages)';

/** The absolute path of a program the tests need; a missing one fails the test, never skips it. */
export function requireTool(program: string, debianPackage: string): string {
  const dirs = (process.env.PATH ?? '').split(delimiter);
  if (program === 'initdb' || program === 'pg_ctl' || program === 'postgres') {
    const versions = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a)) : [];
    dirs.push(...versions.map((v) => `/usr/lib/postgresql/${v}/bin`));
  }
  for (const d of dirs) {
    const p = join(d, program);
    if (d && existsSync(p)) return p;
  }
  throw new Error(`\`${program}\` is not installed (Debian package ${debianPackage}): ${INSTALL_HINT}. The executed-script tests must not be skipped.`);
}

/** A scratch folder for one run. */
export function scratch(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `${prefix}-`));
}

/**
 * A folder of every busybox applet as its own command, like a busybox/alpine image's /bin: with
 * it first on PATH, `busybox sh` runs busybox's awk/sed/stat/… rather than the host's.
 */
let appletDir: string | undefined;
function busyboxApplets(): string {
  if (appletDir) return appletDir;
  const busybox = requireTool('busybox', 'busybox');
  const dir = scratch('busybox-applets');
  const list = execFileSync(busybox, ['--list'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  for (const applet of list) symlinkSync(busybox, join(dir, applet));
  appletDir = dir;
  return dir;
}

/**
 * Writes stub programs into `<dir>/stubs`. Each appends one line per call to `<dir>/calls/<name>`
 * (its arguments, tab-separated) and then runs `body` (POSIX sh; `$@` are its arguments).
 */
export function stubs(dir: string, programs: Record<string, string>): { bin: string; calls: (name: string) => string[][] } {
  const bin = join(dir, 'stubs');
  const log = join(dir, 'calls');
  mkdirSync(bin, { recursive: true });
  mkdirSync(log, { recursive: true });
  for (const [name, body] of Object.entries(programs)) {
    const file = join(bin, name);
    writeFileSync(file, `#!/bin/sh\n( IFS='\t'; printf '%s\\n' "$*" ) >> '${join(log, name)}'\n${body}\n`);
    chmodSync(file, 0o755);
  }
  return {
    bin,
    calls: (name) => {
      const f = join(log, name);
      return existsSync(f)
        ? readFileSync(f, 'utf8')
            .split('\n')
            .filter((l) => l !== '')
            .map((l) => l.split('\t'))
        : [];
    },
  };
}

/**
 * Rewrites the container's mount paths in a script to the same paths under `root`, so the script
 * works on a scratch copy of its volumes. Longer mount paths first; only whole path components,
 * and only where a shell word starts (not inside a regex `^/…` or a JSON value `"key":"/…"`, which
 * the script sends to an API as it is).
 */
export function inScratchRoot(text: string, container: any, root: string): string {
  const mounts = ((container?.volumeMounts ?? []) as { mountPath: string }[]).map((m) => m.mountPath.replace(/\/$/, '')).sort((a, b) => b.length - a.length);
  if (mounts.length === 0) return text;
  const re = new RegExp(`(?<=^|[\\s'=(]|(?<!:)")(${mounts.map((m) => m.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})(?=[/"'\\s;)|]|$)`, 'gm');
  return text.replace(re, (m) => `${root}${m}`);
}

/** Creates every mount point of the container under root. */
export function mountPoints(container: any, root: string): void {
  for (const m of container?.volumeMounts ?? []) mkdirSync(join(root, m.mountPath), { recursive: true });
}

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** argv of the local interpreter standing in for the image's shell. */
function interpreter(shell: ImageShell): string[] {
  if (shell.run === 'busybox') return [requireTool('busybox', 'busybox'), 'sh'];
  return [requireTool(shell.run, shell.run)];
}

/**
 * Runs a script as the image's shell would: `-c text` with a PATH of stubs first, then (for
 * busybox images) the busybox applets, then the system. Only the given env, like a container.
 */
export function runScript(
  shell: ImageShell,
  text: string,
  opts: {
    env?: Record<string, string>;
    path?: string[];
    cwd?: string;
    timeoutMs?: number;
    input?: string;
    /** run as this uid:gid, like the container's runAsUser (the tests run as root) */ user?: { uid: number; gid: number };
  } = {},
): Promise<RunResult> {
  const [cmd, ...pre] = interpreter(shell);
  const path = [...(opts.path ?? []), ...(shell.run === 'busybox' ? [busyboxApplets()] : []), '/usr/local/bin', '/usr/bin', '/bin'].join(':');
  return new Promise((resolve) => {
    const child = spawn(cmd!, [...pre, '-c', text], {
      env: { PATH: path, HOME: '/nonexistent', ...opts.env },
      cwd: opts.cwd ?? tmpdir(),
      timeout: opts.timeoutMs ?? 20_000,
      ...(opts.user ? { uid: opts.user.uid, gid: opts.user.gid } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
  });
}

/** A container's env as plain strings: literal values, and Secret references through `secretValue`. */
export function containerEnv(container: any, secretValue: (secret: string, key: string) => string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of container.env ?? []) {
    if (e.value !== undefined) env[e.name] = e.value;
    else if (e.valueFrom?.secretKeyRef) env[e.name] = secretValue(e.valueFrom.secretKeyRef.name, e.valueFrom.secretKeyRef.key);
  }
  return env;
}
