import { readFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { ConfigError, resolveConfig } from './validate.js';
import type { StackConfig, StackConfigInput } from './types.js';

/**
 * Loads a config file and validates it. `.ts`/`.js`/`.mjs` files default-export the config
 * (use `defineConfig`); `.json`/`.yaml`/`.yml` files hold it as data.
 * Without a file, the embedded default config is used.
 */
export async function loadConfig(file?: string): Promise<StackConfig> {
  if (!file) return resolveConfig({}, 'embedded default config');
  const path = resolve(file);
  const ext = extname(path);
  let input: unknown;
  try {
    if (['.ts', '.mts', '.js', '.mjs'].includes(ext)) {
      // TypeScript configs load through tsx's API, so they work however synth itself was started.
      const mod = (['.ts', '.mts'].includes(ext)
        ? await (await import('tsx/esm/api')).tsImport(pathToFileURL(path).href, import.meta.url)
        : await import(pathToFileURL(path).href)) as { default?: unknown };
      input = mod.default;
      if (input === undefined) {
        throw new ConfigError([{ path: '(root)', message: `${file} has no default export; write \`export default defineConfig({ … })\`` }], file);
      }
    } else if (['.json', '.yaml', '.yml'].includes(ext)) {
      input = parseYaml(await readFile(path, 'utf8'));
    } else {
      throw new ConfigError([{ path: '(root)', message: `unsupported config file type '${ext}'; use .ts, .js, .json or .yaml` }], file);
    }
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' || code === 'ERR_MODULE_NOT_FOUND' ? 'file not found' : (err as Error).message;
    throw new ConfigError([{ path: '(root)', message: `cannot read ${file}: ${why}` }], file);
  }
  return resolveConfig((input ?? {}) as StackConfigInput, file);
}
