import { appSchema, type AppConfigSlice } from '../../config/apps.js';
import { dnsLabel, int } from '../../config/schema.js';
import type { AppConfig } from '../../config/types.js';

export interface GpuPluginConfig extends AppConfig {
  /** Containers that may share one GPU (`-shared-dev-num`, device plugin only; with DRA they share one ResourceClaim). Plex + workers on one node need > 1. @default 4 */
  readonly sharedDevNum: number;
  /** Namespace of the plugin (or resource driver) DaemonSet. @default 'kube-system' */
  readonly namespace: string;
}

declare module '../../config/types.js' {
  interface AppsConfig {
    /** Intel GPU device plugin, or with `gpu.mode: 'dra'` Intel's GPU resource driver (infrastructure). @default - enabled, 4 containers per GPU */
    readonly intelGpuPlugin: GpuPluginConfig;
  }
}

export const intelGpuPluginConfig: AppConfigSlice<'intelGpuPlugin'> = {
  key: 'intelGpuPlugin',
  schema: appSchema({ sharedDevNum: int(1, 64), namespace: dnsLabel }),
  defaults: { enabled: true, sharedDevNum: 4, namespace: 'kube-system' },
};
