export * from './types.js';
export { DEFAULT_CONFIG } from './defaults.js';
export { ConfigError, CONFIG_SCHEMA, defineConfig, resolveConfig } from './validate.js';
export { loadConfig } from './load.js';
export type { ConfigIssue } from './schema.js';
