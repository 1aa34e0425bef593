import type { DatabaseHandle } from '../../lib/handles.js';
import { defineAppModule } from '../module.js';
import { namespaceOf, storageBase } from '../shared-storage/index.js';
import { postgresConfig } from './config.js';
import { POSTGRES_FACTS } from './facts.js';
import { Postgres } from './postgres.js';
import { postgresSection } from './runbook.js';

declare module '../module.js' {
  interface StackParts {
    postgres?: Postgres;
    /** The server as its clients see it. */
    database?: DatabaseHandle;
  }
}

/** Seed 004: the databases exist before the Arrs start (their init containers also wait). */
export const postgresModule = defineAppModule({
  folder: 'postgres',
  runbook: [postgresSection],
  config: postgresConfig,
  facts: POSTGRES_FACTS,
  build({ scope, config: cfg, parts, add }) {
    const p = cfg.apps.postgres;
    if (!p.enabled) return;
    const postgres = (parts.postgres = add(
      new Postgres(scope, 'postgres', {
        namespace: namespaceOf(parts),
        clients: p.apps,
        resources: p.resources,
        configSize: p.configSize,
        backupSchedule: p.backupSchedule,
        backupRetention: p.backupRetention,
        backupSize: p.backupSize,
        dependsOn: storageBase(parts),
      }),
    ));
    parts.database = postgres.database;
  },
});
