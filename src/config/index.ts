export * from './types.js';
export { ConfigError, configResolver, defineConfig } from './validate.js';
export { loadConfigWith } from './load.js';
