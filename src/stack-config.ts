/**
 * The config of the whole stack: the shared sections (src/config) with every app module's slice
 * from the registry. Import config helpers from here (src/config alone knows no apps).
 */
import { APP_MODULES } from './apps/registry.js';
import { configResolver, loadConfigWith, type StackConfig } from './config/index.js';

export * from './config/index.js';

const resolver = configResolver(APP_MODULES.flatMap((m) => (m.config ? [m.config] : [])));

/** The runtime schema of `StackConfig`. */
export const CONFIG_SCHEMA = resolver.schema;
/** The embedded default: the seed-000 homelab (see src/config/defaults.ts and each app's config.ts). */
export const DEFAULT_CONFIG: StackConfig = resolver.defaults;
/** Fills defaults into `input` and validates it. Throws `ConfigError` listing every problem. */
export const resolveConfig = resolver.resolve;

/** Loads a config file (or the embedded default) and validates it. */
export function loadConfig(file?: string): Promise<StackConfig> {
  return loadConfigWith(resolveConfig, file);
}
