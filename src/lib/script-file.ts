/**
 * Static files that ship with the source (shell scripts a ConfigMap carries), read at synth time.
 *
 * The same module runs from src/ (tsx, vitest, ts-node in the stock cdk8s flow) and from the
 * single-file bundle `npm run synth` caches in node_modules/.cache/media-stack-bundle/, so a path
 * relative to `import.meta.url` is not stable. A file is named by its path from the project root
 * instead, and found in the nearest folder above this module that holds it. Reading at run time
 * (not inlining at bundle time) also means an edited script is never synthesized stale: the
 * bundle's fingerprint (scripts/synth.mjs) covers only .ts and .json files.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cache = new Map<string, string>();

/** The nearest folder above this module (itself included) that holds `relPath`, or undefined. */
function folderHolding(relPath: string): URL | undefined {
  for (let dir = new URL('./', import.meta.url); ; dir = new URL('../', dir)) {
    if (existsSync(new URL(relPath, dir))) return dir;
    if (dir.pathname === '/') return undefined;
  }
}

/**
 * The text of a file shipped with the source, e.g. `readSourceFile('src/apps/arr-wiring/arr-wiring.sh')`.
 * Read once per process.
 */
export function readSourceFile(relPath: string): string {
  if (relPath.startsWith('/') || relPath.split('/').includes('..')) throw new Error(`readSourceFile: ${relPath} must be a path from the project root (no leading /, no ..)`);
  const cached = cache.get(relPath);
  if (cached !== undefined) return cached;
  const dir = folderHolding(relPath);
  if (!dir) throw new Error(`${relPath} is not found in any folder above ${fileURLToPath(import.meta.url)}: restore it from Git`);
  const text = readFileSync(new URL(relPath, dir), 'utf8');
  cache.set(relPath, text);
  return text;
}
