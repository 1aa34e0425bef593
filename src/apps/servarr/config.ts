import { appSchema, type AppConfigSlice } from '../../config/apps.js';
import { cronSchedule } from '../../config/cron.js';
import { dnsLabel, str, strList } from '../../config/schema.js';
import type { AppConfig, StackConfig } from '../../config/types.js';

export interface ArrInstanceConfig extends AppConfig {
  /**
   * Extra instances of this app (e.g. `['4k']` → `sonarr-4k`) with their own volume, API key and
   * ingress host. At most 20; the instance name `<app>-<suffix>` has at most 52 characters (its
   * StatefulSet's `controller-revision-hash` label must fit 63).
   * @default []
   */
  readonly extraInstances: readonly string[];
}

/**
 * Extra instances per app. Each is a full app (StatefulSet, volume, Secret, Ingress, network
 * policy, its own databases) requesting about 0.5 GiB of memory, so a homelab needs a handful;
 * the cap keeps a runaway list (10,000 items) from a synth that never finishes, while the
 * benchmark's largest stack (4,000 instances, `npm run bench`) still synthesizes.
 */
export const MAX_EXTRA_INSTANCES = 4000;
/** The schema of `extraInstances`. */
export const extraInstances = strList(dnsLabel, {
  maxItems: MAX_EXTRA_INSTANCES,
  why: 'each is a whole app with its own volume and about 0.5 GiB of memory; a list this long is a mistake (or run a second stack)',
});

export interface ServarrLoginConfig extends AppConfig {
  /**
   * The user name of the first UI user the `servarr-setup` job creates in every Servarr instance
   * (Sonarr, Radarr, Lidarr, Prowlarr; the apps store it in lower case). Its password is generated
   * per instance (`ui-password` in the instance's Secret).
   * @default 'admin'
   */
  readonly username: string;
  /** CronJob schedule of the job. @default '7 * * * *' (hourly) */
  readonly schedule: string;
}

declare module '../../config/types.js' {
  interface AppsConfig {
    /**
     * The `servarr-setup` CronJob: creates the first UI user of every Servarr instance through its
     * API while none exists (their Forms login is required from every address, and nobody can
     * create that user in the UI). Never changes a user that exists. Off in `ingress.auth.mode:
     * 'forward-auth'` (the Middleware is the login). @default - enabled, user `admin`, hourly
     */
    readonly servarrLogin: ServarrLoginConfig;
  }
}

/** A user name as the Servarr apps keep it: lower case, no spaces. */
const servarrUsername = str(
  /^[a-z0-9][a-z0-9._@-]{0,63}$/,
  'use lower-case letters, digits, ".", "_", "@" and "-" (the apps store user names in lower case), at most 64 characters',
);

export const servarrLoginConfig: AppConfigSlice<'servarrLogin'> = {
  key: 'servarrLogin',
  schema: appSchema({ username: servarrUsername, schedule: cronSchedule }),
  defaults: { enabled: true, username: 'admin', schedule: '7 * * * *' },
};

/** The CronJob (and log prefix) that creates the instances' first UI user. */
export const SERVARR_SETUP_JOB = 'servarr-setup';
/** The key of the generated login password in each instance's Secret (`<instance>-secrets`). */
export const SERVARR_UI_PASSWORD_KEY = 'ui-password';

/** Whether the config has the job create the instances' first user (Forms login only: with forward-auth the Middleware is the login). */
export function servarrLoginOn(cfg: Pick<StackConfig, 'apps' | 'ingress'>): boolean {
  return cfg.apps.servarrLogin.enabled && cfg.ingress.auth.mode !== 'forward-auth';
}
