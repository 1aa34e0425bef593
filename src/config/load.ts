import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from './validate.js';
import type { StackConfig, StackConfigInput } from './types.js';

/**
 * Loads a config file and validates it. `.ts`/`.js`/`.mjs` files default-export the config
 * (use `defineConfig`); `.json`/`.yaml`/`.yml` files hold it as data.
 * Without a file, the embedded default config is used.
 */
export async function loadConfigWith(resolveConfig: (input: StackConfigInput, source: string) => StackConfig, file?: string): Promise<StackConfig> {
  if (!file) return resolveConfig({}, 'embedded default config');
  const path = resolve(file);
  const ext = extname(path);
  const fail = (message: string) => new ConfigError([{ path: '(root)', message }], file);
  if (!existsSync(path)) throw fail(`cannot read ${file}: file not found`);
  let input: unknown;
  try {
    if (['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'].includes(ext)) {
      // TypeScript configs load through tsx's API, so they work however synth itself was started.
      const mod = (
        ['.ts', '.mts', '.cts'].includes(ext) ? await (await import('tsx/esm/api')).tsImport(pathToFileURL(path).href, import.meta.url) : await import(pathToFileURL(path).href)
      ) as Record<string, unknown>;
      const exported = defaultExport(mod);
      if (!exported.found) {
        const named = exported.named.length ? ` (it exports only ${exported.named.join(', ')})` : '';
        throw fail(`${file} has no default export${named}; write \`export default defineConfig({ … })\` (or \`export default { … }\`)`);
      }
      input = exported.value;
    } else if (['.json', '.yaml', '.yml'].includes(ext)) {
      input = parseYaml(await readFile(path, 'utf8'));
    } else {
      throw fail(`unsupported config file type '${ext}'; use .ts, .js, .json or .yaml`);
    }
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw fail(`cannot load ${file}: ${loadFailure(err)}`);
  }
  if (input === null || input === undefined) {
    throw fail(
      `${file} ${['.json', '.yaml', '.yml'].includes(ext) ? 'is empty' : 'exports nothing (the default export is null)'}; write the config (\`{}\` for the embedded defaults)`,
    );
  }
  return resolveConfig(input, file);
}

/**
 * The config a module default-exports, or the names it exports instead. A `.ts` file outside an ESM package (no `"type": "module"`
 * next to it, as in an operator's GitOps repo) is compiled as CommonJS: the namespace's `default`
 * is then `module.exports`, which holds the real default export (marked `__esModule`).
 */
function defaultExport(mod: Record<string, unknown>): { found: true; value: unknown } | { found: false; named: string[] } {
  const namedOf = (o: object) =>
    Object.keys(o)
      .filter((k) => k !== 'default' && k !== '__esModule')
      .sort();
  if (!Object.hasOwn(mod, 'default')) return { found: false, named: namedOf(mod) };
  const d = mod.default;
  if (typeof d === 'object' && d !== null && (d as Record<string, unknown>).__esModule === true) {
    // Compiled ESM without `export default`: module.exports holds only the named exports.
    return Object.hasOwn(d, 'default') ? { found: true, value: (d as Record<string, unknown>).default } : { found: false, named: namedOf(d) };
  }
  return { found: true, value: d };
}

/** What failed while loading a config module, naming the module (the config file itself exists). */
function loadFailure(err: unknown): string {
  // Anything can be thrown (even null or a string): every field is read as possibly missing.
  const e = err as (Partial<NodeJS.ErrnoException> & { requireStack?: string[] }) | null | undefined;
  const lines = (e?.message ?? String(err)).split('\n');
  if (e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND') {
    // CommonJS names the importer in its require stack, ESM in the message ("… imported from …").
    const importer = e.requireStack?.[0]?.replace(/\?namespace=.*$/, '');
    return `${lines[0]}${importer ? ` imported from ${importer}` : ''}: fix the import path or install the package`;
  }
  // esbuild: "Transform failed with 1 error:" then "<file>:<line>:<col>: ERROR: …"
  const why = lines[0]!.startsWith('Transform failed') && lines[1] ? lines[1] : lines[0]!;
  return why.includes('"cjs" output format')
    ? `${why}; the file is compiled as CommonJS because no package.json with "type": "module" is next to it: rename it to .mts or add that package.json`
    : why;
}
