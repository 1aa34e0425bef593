#!/usr/bin/env node
/**
 * `npm run synth`: runs src/cli/synth.ts from a single-file bundle cached in
 * node_modules/.cache/media-stack-bundle. Loading ~150 TypeScript modules through the tsx loader
 * cost about half a second of every synth; the bundle is rebuilt (≈0.1 s, esbuild) whenever any
 * source file changes, so an edit is never run stale. Dependencies stay external (node_modules).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const entry = 'src/cli/synth.ts';

/** Path, size and mtime of every source file: any edit changes the fingerprint. */
function fingerprint() {
  const hash = createHash('sha256').update(process.version);
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') || e.name.endsWith('.json')) {
        const s = statSync(p);
        hash.update(`${relative(root, p)}\0${s.size}\0${s.mtimeMs}\n`);
      }
    }
  };
  for (const dir of ['src', 'imports']) walk(join(root, dir));
  hash.update(String(statSync(join(root, 'package-lock.json')).mtimeMs));
  return hash.digest('hex').slice(0, 24);
}

const cacheDir = join(root, 'node_modules', '.cache', 'media-stack-bundle');
const bundle = join(cacheDir, `synth-${fingerprint()}.mjs`);
if (!existsSync(bundle)) {
  const { build } = await import('esbuild');
  mkdirSync(cacheDir, { recursive: true });
  const tmp = `${bundle}.${process.pid}.tmp.mjs`;
  await build({ entryPoints: [join(root, entry)], bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', outfile: tmp, logLevel: 'error' });
  renameSync(tmp, bundle);
}
const { main } = await import(pathToFileURL(bundle).href);
process.exitCode = await main(process.argv.slice(2));
