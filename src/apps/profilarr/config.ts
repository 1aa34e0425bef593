import { appSchema, type AppConfigSlice } from '../../config/apps.js';
import { bool, loginName, node } from '../../config/schema.js';
import type { AppConfig } from '../../config/types.js';

/** The `profilarr-setup` job: Profilarr's admin account and its Sonarr/Radarr connections. */
export interface ProfilarrSetupConfig {
  /** Run the `profilarr-setup` job at all. @default true */
  readonly enabled: boolean;
  /** The admin account's user name (its password is generated into `profilarr-secrets/admin-password`). @default 'admin' */
  readonly user: string;
  /**
   * Create the admin account while Profilarr has none (its first visit would ask for it). Off:
   * you create it, and the job signs in with `user` and the generated password only if you chose those.
   * @default true
   */
  readonly account: boolean;
  /** Add a connection for every Sonarr/Radarr instance (URL and API key from its own Secret) that Profilarr lacks. @default true */
  readonly connections: boolean;
}

/** Profilarr's section: its Ingress in 'apps' mode and its first-run job. */
export interface ProfilarrConfig extends AppConfig {
  /**
   * Give the web UI its Ingress in `ingress.auth.mode: 'apps'` although the setup job does not
   * create the admin account (`setup.enabled` or `setup.account` false): anyone who reaches it
   * before you claims the account. With the job creating it the Ingress exists anyway (the job
   * runs every 5 minutes; until its first run the account is unclaimed). In 'forward-auth' mode
   * the Ingress always exists (the Middleware guards it).
   * @default false
   */
  readonly ingress: boolean;
  /** First-run setup by the `profilarr-setup` job. @default - on: account 'admin', connections */
  readonly setup: ProfilarrSetupConfig;
}

declare module '../../config/types.js' {
  interface AppsConfig {
    /** Profilarr v2 (quality profiles, port 6868). @default - enabled */
    readonly profilarr: ProfilarrConfig;
  }
}

export const profilarrConfig: AppConfigSlice<'profilarr'> = {
  key: 'profilarr',
  schema: appSchema({ ingress: bool, setup: node({ enabled: bool, user: loginName, account: bool, connections: bool }) }),
  defaults: { enabled: true, ingress: false, setup: { enabled: true, user: 'admin', account: true, connections: true } },
};
