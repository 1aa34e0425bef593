/**
 * Child processes of the tests run from an esbuild bundle instead of
 * `node --import tsx <file>.ts`: the tsx loader costs ~0.5 s of every start, and the crash tests
 * start a child for each step of the writer (dozens per test). Built once per test file, under
 * node_modules/.cache like `npm run synth`'s bundle (the schema gate finds the project root by
 * walking up from the module), dependencies stay external. Split at dynamic imports: a child
 * that only runs the writer then never loads cdk8s, ajv and the app modules (~0.25 s of CPU per
 * start, which the crash tests paid once per step).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { buildSync } from 'esbuild';
import { basename, join, relative } from 'node:path';

const PROJECT = process.cwd();
const built = new Map<string, string>();

/** Path of a runnable `.mjs` bundle of a TypeScript entry file: `spawn(process.execPath, [bundled(file), …])`. */
export function bundled(entry: string): string {
  let out = built.get(entry);
  if (!out) {
    const cache = join(PROJECT, 'node_modules', '.cache', 'media-stack-test-bundles');
    const staging = join(cache, `.build-${process.pid}-${built.size}`);
    const { outputFiles } = buildSync({
      entryPoints: [entry],
      bundle: true,
      splitting: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      write: false,
      outdir: staging,
      entryNames: 'main',
      outExtension: { '.js': '.mjs' },
      logLevel: 'error',
    });
    // Named by content: parallel test files share one folder, and a source edit never runs stale.
    const hash = createHash('sha256');
    for (const f of outputFiles) hash.update(relative(staging, f.path)).update(f.contents);
    const dir = join(cache, `${basename(entry, '.ts')}-${hash.digest('hex').slice(0, 16)}`);
    if (!existsSync(dir)) {
      for (const f of outputFiles) {
        mkdirSync(join(f.path, '..'), { recursive: true });
        writeFileSync(f.path, f.contents);
      }
      try {
        renameSync(staging, dir);
      } catch {
        rmSync(staging, { recursive: true, force: true }); // another test file renamed its identical copy first
      }
    }
    out = join(dir, 'main.mjs');
    built.set(entry, out);
  }
  return out;
}
