import type { Construct } from 'constructs';
import type { AppConfigSlice } from '../../config/apps.js';
import type { AppsConfig, StackConfig } from '../../config/types.js';
import type { AppFacts } from '../../gates/behaviour-facts.js';
import type { VolumeHandle } from '../../lib/handles.js';
import { dfsMount, dfsVolume } from '../../lib/storage.js';
import { defineAppModule, type AppModule, type StackParts } from '../module.js';
import { namespaceOf } from '../shared-storage/index.js';
import { usesPostgres, type ArrApp, type DfsHandle, type LibraryArrProps } from './arr.js';
import type { ArrKindSpec } from './kinds.js';
import { servarrLoginSection } from './runbook.js';
import { servarrLoginOn, type ArrInstanceConfig } from './config.js';
import { exportarrOptions } from '../metrics/exportarr.js';

declare module '../module.js' {
  interface StackParts {
    /** Every library manager instance (Sonarr, Radarr…, main and extra) built so far, in registry order. */
    arrs?: ArrApp[];
  }
}

/** The Sonarr/Radarr… instances built so far. */
export function arrsOf(parts: StackParts): ArrApp[] {
  return parts.arrs ?? [];
}

/** The PostgreSQL handle for `kind`, when the config keeps its databases there. */
export function databaseFor(cfg: StackConfig, parts: StackParts, kind: string) {
  return usesPostgres(cfg, kind) ? parts.database : undefined;
}

/**
 * Decypharr's DFS as its readers mount it. Built from the config, not from Decypharr's handle:
 * Decypharr comes after the library managers (it calls them), so they wait for the DFS in an
 * init container instead of depending on it.
 */
export function dfsHandle(cfg: StackConfig): DfsHandle | undefined {
  if (!cfg.apps.decypharr.enabled) return undefined;
  const mount = dfsMount(cfg);
  return { volume: dfsVolume(cfg, cfg.apps.decypharr.dfsHostPath), mount };
}

type ArrInstanceKey = { [K in keyof AppsConfig]: AppsConfig[K] extends ArrInstanceConfig ? K : never }[keyof AppsConfig];

/**
 * The module of a library manager (Sonarr, Radarr…): its main instance and its extra instances,
 * each with the namespace, the libraries, the DFS, the downloads and its database as handles.
 */
export function libraryArrModule<K extends ArrInstanceKey>(p: {
  readonly folder: string;
  readonly spec: ArrKindSpec;
  /** Who its process runs as and what it writes (its facts.ts). */
  readonly facts: AppFacts;
  readonly config: AppConfigSlice<K>;
  readonly construct: new (scope: Construct, id: string, props: LibraryArrProps) => ArrApp;
}): AppModule<K> {
  return defineAppModule({
    folder: p.folder,
    config: p.config,
    facts: p.facts,
    runbook: [servarrLoginSection],
    build({ scope, config: cfg, parts, add }) {
      const app: ArrInstanceConfig = cfg.apps[p.config.key];
      if (!app.enabled) return;
      const media = required(parts.mediaLibrary, 'mediaLibrary');
      const symlinks = required(parts.symlinkLibrary, 'symlinkLibrary');
      const common = {
        namespace: namespaceOf(parts),
        media,
        symlinks,
        dfs: dfsHandle(cfg),
        downloads: parts.downloads,
        database: databaseFor(cfg, parts, p.spec.name),
        resources: app.resources,
        configSize: app.configSize,
        uiPassword: servarrLoginOn(cfg),
        metrics: exportarrOptions(cfg),
      };
      const arrs = (parts.arrs ??= []);
      arrs.push(add(new p.construct(scope, p.spec.name, common)));
      for (const suffix of app.extraInstances) {
        const instance = `${p.spec.name}-${suffix}`;
        arrs.push(add(new p.construct(scope, instance, { ...common, instance })));
      }
    },
  });
}

function required(handle: VolumeHandle | undefined, name: string): VolumeHandle {
  if (!handle) throw new Error(`the shared-storage module must come before the library managers in the registry (no ${name})`);
  return handle;
}
