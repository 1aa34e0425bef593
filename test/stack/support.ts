import { execFile, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { loadConfig, resolveConfig, type StackConfigInput } from '../../src/stack-config.js';
import { formatFindings } from '../../src/gates/index.js';
import { expect } from 'vitest';
import type { StackConfig } from '../../src/config/types.js';
import { writeTree } from '../../src/output/write.js';
import { secretEnvVarName } from '../../src/secrets/model.js';
import { buildStack } from '../../src/apps/stack.js';
import { synthesize, type SynthResult } from '../../src/synth.js';

export const PROJECT = process.cwd();
export const DEMO_KEY = join(PROJECT, 'examples/demo.agekey');
// exactly what `npm run synth` runs (the cached bundle of src/cli/synth.ts)
const SYNTH = join(PROJECT, 'scripts/synth.mjs');
const run = promisify(execFile);

/** Runs `npm run synth -- …args` in the project folder. */
export async function synthCli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [SYNTH, ...args], { cwd: PROJECT, env, encoding: 'utf8' });
    return { code: 0, stdout, stderr };
  } catch (err: any) {
    return { code: err.code ?? 1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

/** A distinctive fake operator value per Secret key, so tests can scan for leaks. */
export function fakeOperatorValue(secret: string, key: string): string {
  return `FAKE-${secret}-${key}-7f3a9c`.replace(/[^A-Za-z0-9-]/g, '-');
}

/** Env supplying every operator value a config needs (and no age identity). */
export function operatorEnv(cfg: StackConfig): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { HOME: mkdtempSync(join(tmpdir(), 'home-')), PATH: process.env.PATH };
  for (const c of buildStack(cfg).components) {
    for (const s of c.secrets)
      for (const k of s.keys)
        if (k.source.kind === 'operator') {
          const fake = fakeOperatorValue(s.name, k.key);
          // A value with a shape (a webhook URL) gets the fake inside a value of that shape.
          env[secretEnvVarName(s.name, k.key)] = k.valueRule && !k.valueRule.pattern.test(fake) ? `https://example.invalid/${fake}` : fake;
        }
  }
  return env;
}

/**
 * Synthesizes `input` in memory with every operator value supplied (operatorEnv) and fails the
 * test, listing every finding, when a gate reports an error.
 */
export async function synthesizeThroughGates(input: StackConfigInput): Promise<SynthResult> {
  const config = resolveConfig(input);
  const result = await synthesize({ config, projectDir: PROJECT, env: operatorEnv(config) });
  expect(
    result.findings.filter((f) => f.severity === 'error'),
    formatFindings(result.findings),
  ).toEqual([]);
  return result;
}

/** An env with no identity and no operator values (like CI). */
export function bareEnv(): NodeJS.ProcessEnv {
  return { HOME: mkdtempSync(join(tmpdir(), 'home-')), PATH: process.env.PATH };
}

/** Synthesizes a config file (or the default) into a fresh temp folder. */
export async function synthInto(opts: { config?: string; env: NodeJS.ProcessEnv; previousDir?: string; out?: string }): Promise<{ out: string; result: SynthResult }> {
  const config = await loadConfig(opts.config);
  const out = opts.out ?? join(mkdtempSync(join(tmpdir(), 'synth-')), 'dist');
  const previousDir = opts.previousDir ?? (opts.out && existsSync(opts.out) ? opts.out : undefined);
  const result = await synthesize({ config, projectDir: PROJECT, previousDir, env: opts.env });
  await writeTree(out, result.files, { owner: config.cluster });
  return { out, result };
}

/** Every file under dir → its content. */
export function readTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(dir, p), readFileSync(p, 'utf8'));
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

/** Folders (relative) that contain a kustomization.yaml. */
export function kustomizeDirs(root: string): string[] {
  return [...readTree(root).keys()].filter((p) => p.endsWith('kustomization.yaml')).map((p) => p.replace(/\/?kustomization\.yaml$/, '') || '.');
}

export function kubectlKustomize(dir: string): string {
  return execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A fresh copy of the working tree (what a clone holds) at `repo`, node_modules linked, not copied. */
export function copyOfRepo(repo: string): void {
  const skip = new Set(['node_modules', '.git', '.scratch', 'coverage']);
  mkdirSync(repo, { recursive: true });
  cpSync(PROJECT, repo, { recursive: true, preserveTimestamps: true, filter: (src) => !skip.has(src.slice(PROJECT.length + 1).split('/')[0]!) });
  symlinkSync(join(PROJECT, 'node_modules'), join(repo, 'node_modules'));
}

export interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `npm run <script> -- args` in `repo` (a copy), with only PATH, HOME and `extra` in the environment. */
export async function npmRunIn(repo: string, home: string, script: string, args: string[], extra: NodeJS.ProcessEnv = {}): Promise<Ran> {
  const env = { PATH: process.env.PATH, HOME: home, npm_config_update_notifier: 'false', ...extra };
  try {
    const { stdout, stderr } = await promisify(execFile)('npm', ['run', '--silent', script, '--', ...args], { cwd: repo, env, encoding: 'utf8' });
    return { code: 0, stdout, stderr };
  } catch (err: any) {
    return { code: typeof err.code === 'number' ? err.code : 1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}
