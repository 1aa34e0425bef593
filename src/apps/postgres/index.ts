import type { DatabaseHandle } from '../../lib/handles.js';
import { defineAppModule } from '../module.js';
import { POSTGRES, postgresHost } from '../servarr/arr.js';
import { storageBase } from '../shared-storage/index.js';
import { postgresConfig } from './config.js';
import { POSTGRES_FACTS } from './facts.js';
import { Postgres } from './postgres.js';

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
  config: postgresConfig,
  facts: POSTGRES_FACTS,
  build({ scope, config: cfg, parts, add }) {
    if (!cfg.apps.postgres.enabled) return;
    const postgres = (parts.postgres = add(new Postgres(scope, 'postgres', cfg, { dependsOn: storageBase(parts) })));
    parts.database = {
      host: postgresHost(cfg),
      port: POSTGRES.port,
      superuser: { name: POSTGRES.superuser, password: { secret: POSTGRES.secret, key: POSTGRES.superuserPasswordKey } },
      app: POSTGRES.service,
      owner: postgres,
    };
  },
});
