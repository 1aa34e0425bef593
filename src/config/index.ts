export * from './types.js';
export { appSchema, type AppConfigSlice } from './apps.js';
export { ConfigError, configResolver, defineConfig, type ConfigResolver } from './validate.js';
export { loadConfigWith } from './load.js';
export type { ConfigIssue } from './schema.js';
