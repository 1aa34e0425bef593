import type { StackConfig } from '../../config/types.js';
import type { EnvValue } from '../../lib/pod.js';
import { storageNodePlacement } from '../../lib/placement.js';
import { addSetupJob } from '../../lib/setup-job.js';
import type { ArrApp } from '../servarr/arr.js';
import { PROWLARR_INDEXER_SECRET, type ProwlarrIndexerConfig } from './config.js';

/** The CronJob (and log prefix) that adds the config's indexers. */
export const PROWLARR_SETUP_JOB = 'prowlarr-setup';

/** A credential as the job reads it: the env var that holds it, and where the operator puts it. */
interface CredentialRef {
  readonly env: string;
  readonly secret: string;
  readonly key: string;
}

/** The data document of prowlarr-setup.py (never a secret value: env var names). */
export interface ProwlarrSetupData {
  /** Prowlarr's API base, e.g. `http://prowlarr.media.svc.cluster.local:9696/api/v1`. */
  readonly api: string;
  /** The env var holding Prowlarr's API key. */
  readonly keyEnv: string;
  readonly indexers: readonly {
    readonly definition: string;
    readonly name?: string;
    readonly tags: readonly string[];
    readonly priority?: number;
    /** Indexer field → its credential. */
    readonly secrets: Readonly<Record<string, CredentialRef>>;
  }[];
}

/** `filelist-passkey` → `INDEXER_FILELIST_PASSKEY`. */
function credentialEnv(key: string): string {
  return `INDEXER_${key.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/** The job's data for these indexers. */
function prowlarrSetupData(prowlarr: ArrApp['endpoint'], indexers: readonly ProwlarrIndexerConfig[]): ProwlarrSetupData {
  return {
    api: `${prowlarr.url}/api/${prowlarr.spec.apiVersion}`,
    keyEnv: 'PROWLARR_API_KEY',
    indexers: indexers.map((i) => ({
      definition: i.definition,
      ...(i.name ? { name: i.name } : {}),
      tags: i.tags ?? [],
      ...(i.priority ? { priority: i.priority } : {}),
      secrets: Object.fromEntries(Object.entries(i.secrets ?? {}).map(([field, key]) => [field, { env: credentialEnv(key), secret: PROWLARR_INDEXER_SECRET, key }])),
    })),
  };
}

/**
 * The `prowlarr-setup` CronJob in Prowlarr's component: adds the config's indexers through
 * Prowlarr's API (src/apps/prowlarr/prowlarr-setup.py), and the Secret of the trackers'
 * credentials (operator values, one key per `secrets` entry). Nothing when the list is empty.
 */
export function addProwlarrSetup(prowlarr: ArrApp, cfg: StackConfig): void {
  const app = cfg.apps.prowlarr;
  if (app.indexers.length === 0) return;
  const data = prowlarrSetupData(prowlarr.endpoint, app.indexers);
  const env: Record<string, EnvValue> = { [data.keyEnv]: prowlarr.endpoint.apiKey };
  const keys = app.indexers.flatMap((i) => Object.entries(i.secrets ?? {}).map(([field, key]) => ({ indexer: i, field, key })));
  if (keys.length) {
    prowlarr.addSecret(
      PROWLARR_INDEXER_SECRET,
      keys.map(({ indexer, field, key }) => ({
        key,
        source: { kind: 'operator', description: `${indexer.name ?? indexer.definition}: the tracker's ${field} for Prowlarr (apps.prowlarr.indexers)` },
      })),
    );
    for (const { key } of keys) env[credentialEnv(key)] = { secret: PROWLARR_INDEXER_SECRET, key };
  }
  addSetupJob(prowlarr, cfg, {
    name: PROWLARR_SETUP_JOB,
    script: 'src/apps/prowlarr/prowlarr-setup.py',
    data,
    schedule: app.setupSchedule,
    env,
    // Like the wiring job: the storage nodes (on a single node, that node).
    placement: storageNodePlacement(cfg),
    calls: [{ to: { app: prowlarr.endpoint.kind, instance: prowlarr.endpoint.instance }, ports: [prowlarr.endpoint.port], why: 'adds the configured indexers through the API' }],
  });
}
