import { appSchema, type AppConfigSlice } from '../../config/apps.js';
import { cronSchedule } from '../../config/cron.js';
import { bool, node, optional, str } from '../../config/schema.js';
import type { AppConfig } from '../../config/types.js';

/** What the `pulsarr-setup` CronJob does on Pulsarr's first run (and keeps healing hourly). */
export interface PulsarrSetupConfig {
  /**
   * Run the job: it creates Pulsarr's admin user (this user name and email, a generated password
   * in the Secret `pulsarr-secrets`) before anyone else can, and signs in as it for the parts below.
   * Off: the first visitor creates the admin, so the Ingress waits for `ingress: true`.
   * @default true
   */
  readonly enabled: boolean;
  /** The admin's user name (3 to 255 characters). @default 'admin' */
  readonly username: string;
  /** The admin's email: Pulsarr signs in with it (lower case, with a dot in the domain). @default 'admin@pulsarr.local' */
  readonly email: string;
  /**
   * Add every Sonarr/Radarr instance Pulsarr does not know yet, and fill an empty root folder or
   * quality profile of one it knows, from the Arr's own API. @default true
   */
  readonly arrInstances: boolean;
  /** Give Pulsarr the claimed Plex server's token while it has none. @default true */
  readonly plexToken: boolean;
  /** CronJob schedule. @default '27 * * * *' (hourly) */
  readonly schedule: string;
}

export interface PulsarrConfig extends AppConfig {
  /**
   * Give the web UI its Ingress in `ingress.auth.mode: 'apps'`. Its first visit creates the admin
   * account, so without the setup job anyone on the LAN who reaches the Ingress before you would
   * claim it (create it through a `kubectl port-forward`, then set this to true). In
   * 'forward-auth' mode the Ingress always exists (the Middleware guards it).
   * @default - true while `setup.enabled` (the job creates the admin first), else false
   */
  readonly ingress?: boolean;
  /** The first-run job: the admin user, the Sonarr/Radarr instances, the Plex token. @default - see PulsarrSetupConfig */
  readonly setup: PulsarrSetupConfig;
}

declare module '../../config/types.js' {
  interface AppsConfig {
    /** Pulsarr (Plex watchlists → Sonarr/Radarr, port 3003). @default - enabled */
    readonly pulsarr: PulsarrConfig;
  }
}

export const pulsarrConfig: AppConfigSlice<'pulsarr'> = {
  key: 'pulsarr',
  schema: appSchema({
    ingress: optional(bool),
    setup: node({
      enabled: bool,
      username: str(/^\S{3,255}$/, 'use 3 to 255 characters without spaces (Pulsarr CreateAdminSchema)'),
      email: str(
        /^[a-z0-9_'+.-]*[a-z0-9_+-]@([a-z0-9][a-z0-9-]*\.)+[a-z]{2,}$/,
        'use a lower-case email address whose domain has a dot, e.g. "admin@pulsarr.local" (Pulsarr lower-cases the email it signs in with and checks its form)',
      ),
      arrInstances: bool,
      plexToken: bool,
      schedule: cronSchedule,
    }),
  }),
  defaults: {
    enabled: true,
    setup: { enabled: true, username: 'admin', email: 'admin@pulsarr.local', arrInstances: true, plexToken: true, schedule: '27 * * * *' },
  },
};
