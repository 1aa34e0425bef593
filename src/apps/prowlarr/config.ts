import { appSchema, type AppConfigSlice } from '../../config/apps.js';
import { cronSchedule } from '../../config/cron.js';
import { leaf } from '../../config/schema.js';
import type { AppConfig } from '../../config/types.js';

/** One indexer the `prowlarr-setup` job adds to Prowlarr (when no indexer of its definition exists). */
export interface ProwlarrIndexerConfig {
  /**
   * Prowlarr's name of the indexer definition: `definitionName` in `GET /api/v1/indexer/schema`
   * — the definition file of a Cardigann indexer (`1337x`, `eztv`), the name of a native one
   * (`FileList.io`). Prowlarr › Indexers › Add lists them.
   */
  readonly definition: string;
  /** The indexer's name in Prowlarr (and, with " (Prowlarr)", in the Arrs). @default - the definition's own name */
  readonly name?: string;
  /**
   * Prowlarr tags (created when missing): `flaresolverr` / `byparr` route the indexer through that
   * proxy; a tag also limits which Prowlarr applications sync it (only applications with no tags
   * or a shared one). Prowlarr does not copy indexer tags to the Arrs. Lower-case letters, digits, "-".
   * @default []
   */
  readonly tags?: readonly string[];
  /** Prowlarr priority, 1 (used first) to 50. @default 25 (Prowlarr's default) */
  readonly priority?: number;
  /**
   * Settings of a private tracker from Secret keys: indexer field name → key of the Secret
   * `prowlarr-indexer-secrets`, e.g. `{ username: 'filelist-username', passkey: 'filelist-passkey' }` (the field names of the definition's settings).
   * Each key is an operator value (docs/secrets.md lists them); the job fails, naming the key, while one is empty.
   * @default {}
   */
  readonly secrets?: Readonly<Record<string, string>>;
}

export interface ProwlarrConfig extends AppConfig {
  /**
   * Indexers the `prowlarr-setup` job adds through Prowlarr's API. An indexer counts as present
   * when Prowlarr has one of the same definition (renamed or edited, it is kept as it is).
   * @default [] (no job)
   */
  readonly indexers: readonly ProwlarrIndexerConfig[];
  /** CronJob schedule of `prowlarr-setup`. @default '27 * * * *' (hourly) */
  readonly setupSchedule: string;
}

declare module '../../config/types.js' {
  interface AppsConfig {
    /** Prowlarr (indexers, port 9696). @default - enabled, no indexers */
    readonly prowlarr: ProwlarrConfig;
  }
}

/** The Secret holding the operator's tracker credentials (one key per configured `secrets` entry). */
export const PROWLARR_INDEXER_SECRET = 'prowlarr-indexer-secrets';

const show = (v: unknown) => (typeof v === 'string' ? `'${v}'` : JSON.stringify(v));
const FIELDS = ['definition', 'name', 'tags', 'priority', 'secrets'];
const TAG = /^[a-z0-9-]+$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;
/** A settings field name as Prowlarr's schema spells it (camelCase, dotted for nested settings). */
const FIELD_NAME = /^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*$/;

/** What is wrong with one item of `indexers`, or undefined. */
function indexerProblem(v: unknown, at: string): string | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return `${at} must be an object such as { definition: '1337x', tags: ['flaresolverr'] }, got ${show(v)}`;
  const item = v as Record<string, unknown>;
  const unknown = Object.keys(item).filter((k) => !FIELDS.includes(k));
  if (unknown.length) return `${at} has no field ${unknown.map(show).join(', ')}: use ${FIELDS.join(', ')}`;
  if (typeof item.definition !== 'string' || !/^\S.*\S$|^\S$/.test(item.definition))
    return `${at}.definition must be Prowlarr's definition name (definitionName in GET /api/v1/indexer/schema, e.g. '1337x'), got ${show(item.definition)}`;
  if (item.name !== undefined && (typeof item.name !== 'string' || item.name.trim() === ''))
    return `${at}.name must be a non-empty string (or leave it out for the definition's name), got ${show(item.name)}`;
  if (item.tags !== undefined) {
    if (!Array.isArray(item.tags)) return `${at}.tags must be a list of tag names, got ${show(item.tags)}`;
    const bad: unknown = (item.tags as unknown[]).find((t) => typeof t !== 'string' || !TAG.test(t));
    if (bad !== undefined) return `${at}.tags: ${show(bad)} is not a Prowlarr tag: use lower-case letters, digits and "-"`;
    if (new Set(item.tags).size !== item.tags.length) return `${at}.tags must not repeat a tag, got ${show(item.tags)}`;
  }
  if (item.priority !== undefined && !(typeof item.priority === 'number' && Number.isInteger(item.priority) && item.priority >= 1 && item.priority <= 50))
    return `${at}.priority must be an integer from 1 (used first) to 50 (Prowlarr's range), got ${show(item.priority)}`;
  if (item.secrets !== undefined) {
    if (typeof item.secrets !== 'object' || item.secrets === null || Array.isArray(item.secrets))
      return `${at}.secrets must map indexer fields to Secret keys, e.g. { username: 'filelist-username' }, got ${show(item.secrets)}`;
    for (const [fieldName, key] of Object.entries(item.secrets)) {
      if (!FIELD_NAME.test(fieldName)) return `${at}.secrets: ${show(fieldName)} is not an indexer field name (as in Prowlarr's schema, e.g. 'username', 'passkey', 'apiKey')`;
      if (typeof key !== 'string' || !SECRET_KEY.test(key))
        return `${at}.secrets.${fieldName} must name a key of the Secret ${PROWLARR_INDEXER_SECRET} (letters, digits, '-', '_', '.'), got ${show(key)}`;
    }
  }
  return undefined;
}

/** `indexers`: every item checked, definitions, names and Secret keys each used once. */
const indexers = leaf((v) => {
  if (!Array.isArray(v)) return `must be a list such as [{ definition: '1337x' }], got ${show(v)}`;
  for (let i = 0; i < v.length; i++) {
    const problem = indexerProblem(v[i], `[${i}]`);
    if (problem) return problem;
  }
  const items = v as ProwlarrIndexerConfig[];
  const twice = (values: string[], what: string, why: string) => {
    const seen = new Set<string>();
    for (const x of values) {
      if (seen.has(x.toLowerCase())) return `${what} ${show(x)} is listed twice: ${why}`;
      seen.add(x.toLowerCase());
    }
    return undefined;
  };
  return (
    twice(
      items.map((x) => x.definition),
      'the definition',
      'the job adds one indexer per definition (an indexer of that definition counts as present)',
    ) ??
    twice(
      items.map((x) => x.name ?? x.definition),
      'the indexer name',
      'Prowlarr needs unique names (set name on one of them)',
    ) ??
    twice(
      items.flatMap((x) => Object.values(x.secrets ?? {})),
      'the Secret key',
      'give each credential its own key',
    )
  );
});

export const prowlarrConfig: AppConfigSlice<'prowlarr'> = {
  key: 'prowlarr',
  schema: appSchema({ indexers, setupSchedule: cronSchedule }),
  defaults: { enabled: true, indexers: [], setupSchedule: '27 * * * *' },
};
