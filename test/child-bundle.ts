/**
 * Child processes of the tests run from a single-file esbuild bundle instead of
 * `node --import tsx <file>.ts`: the tsx loader costs ~0.5 s of every start, and the crash tests
 * start a child for each step of the writer (dozens per test). Built once per test file, under
 * node_modules/.cache like `npm run synth`'s bundle (the schema gate finds the project root by
 * walking up from the module), dependencies stay external.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { buildSync } from 'esbuild';
import { basename, join } from 'node:path';

const PROJECT = process.cwd();
const built = new Map<string, string>();

/** Path of a runnable `.mjs` bundle of a TypeScript entry file: `spawn(process.execPath, [bundled(file), …])`. */
export function bundled(entry: string): string {
  let out = built.get(entry);
  if (!out) {
    const dir = join(PROJECT, 'node_modules', '.cache', 'media-stack-test-bundles');
    mkdirSync(dir, { recursive: true });
    const [code] = buildSync({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', write: false, outfile: 'bundle.mjs', logLevel: 'error' }).outputFiles;
    // Named by content: parallel test files share one file, and a source edit never runs stale.
    out = join(dir, `${basename(entry, '.ts')}-${createHash('sha256').update(code!.contents).digest('hex').slice(0, 16)}.mjs`);
    if (!existsSync(out)) {
      const tmp = `${out}.${process.pid}.tmp`;
      writeFileSync(tmp, code!.contents);
      renameSync(tmp, out);
    }
    built.set(entry, out);
  }
  return out;
}
