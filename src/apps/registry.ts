import type { AppsConfig } from '../config/types.js';
import { arrWiringModule } from './arr-wiring/module.js';
import { backupsModule } from './backups/index.js';
import { bazarrModule } from './bazarr/index.js';
import { byparrModule } from './byparr/index.js';
import { clusterplexModule } from './clusterplex/index.js';
import { configarrModule } from './configarr/index.js';
import { decypharrModule } from './decypharr/index.js';
import { deschedulerModule } from './descheduler/index.js';
import { flaresolverrModule } from './flaresolverr/index.js';
import { intelGpuPluginModule } from './intel-gpu-plugin/index.js';
import { lidarrModule } from './lidarr/index.js';
import { metricsModule } from './metrics/index.js';
import { fluxAlertsModule } from './notifications/index.js';
import type { AppModule } from './module.js';
import { plexModule } from './plex/index.js';
import { postgresModule } from './postgres/index.js';
import { profilarrModule } from './profilarr/index.js';
import { prowlarrModule } from './prowlarr/index.js';
import { pulsarrModule } from './pulsarr/index.js';
import { qbittorrentModule } from './qbittorrent/index.js';
import { radarrModule } from './radarr/index.js';
import { sambaModule } from './samba/index.js';
import { servarrSetupModule } from './servarr/setup.js';
import { sharedStorageModule } from './shared-storage/index.js';
import { sonarrModule } from './sonarr/index.js';

/**
 * Every module of the stack in phase order: a module is built after every module above it, and
 * only those can be its dependencies (Flux `dependsOn`). The config's `apps` section, its schema,
 * its defaults and the configuration reference follow this list. Adding an app = its folder
 * under src/apps and one line here.
 */
export const APP_MODULES = [
  intelGpuPluginModule, // infrastructure
  sharedStorageModule, // namespace, storage classes, NFS volumes, symlink library
  postgresModule, // databases before the Arrs
  qbittorrentModule, // the downloads claim before the Arrs
  sonarrModule,
  radarrModule,
  lidarrModule,
  prowlarrModule,
  servarrSetupModule, // the first login user of every Servarr instance above
  profilarrModule,
  decypharrModule,
  bazarrModule, // after the Sonarr/Radarr it reads
  plexModule,
  clusterplexModule,
  pulsarrModule,
  flaresolverrModule,
  byparrModule,
  configarrModule,
  sambaModule,
  arrWiringModule, // after everything it wires
  metricsModule, // config and docs only: each Servarr instance builds its exporter
  fluxAlertsModule, // Flux notifications (independent of the apps)
  deschedulerModule, // failback: after everything it may evict
  backupsModule, // last: the config volumes of every app above
] as const satisfies readonly AppModule[];

/** The config keys the registry's modules bring. */
type RegistryKeys = NonNullable<(typeof APP_MODULES)[number]['config']>['key'];
/**
 * Compile-time check: every field of `AppsConfig` (declared by the modules' config.ts files) has
 * its module in the registry. A folder whose module is missing here fails the typecheck.
 * Exported so the unused-locals check keeps it; nothing imports it (@public tells knip so).
 * @public
 */
export const REGISTRY_COVERS_APPS_CONFIG: [Exclude<keyof AppsConfig, RegistryKeys>] extends [never] ? true : never = true;
