import { bool, cpuQuantity, memoryQuantity, node, optional, storageSize, type Node, type Schema } from './schema.js';
import type { AppsConfig } from './types.js';

/**
 * One app's part of the config: its field under `apps`, the schema of that field and its
 * defaults. App modules (src/apps/<app>/config.ts) define one each; the stack's schema and
 * defaults are put together from the registry's slices (`configResolver`).
 */
export interface AppConfigSlice<K extends keyof AppsConfig = keyof AppsConfig> {
  readonly key: K;
  readonly schema: Node;
  readonly defaults: AppsConfig[K];
}

const resources = node({
  cpuRequest: optional(cpuQuantity),
  memoryRequest: optional(memoryQuantity),
  memoryLimit: optional(memoryQuantity),
});

/** The schema of an app's section: the fields of `AppConfig` every app shares, plus its own. */
export function appSchema(extra: Record<string, Schema> = {}): Node {
  return node({ enabled: bool, resources: optional(resources), configSize: optional(storageSize), ...extra });
}
