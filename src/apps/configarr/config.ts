import { appSchema, type AppConfigSlice } from '../../config/apps.js';
import { cronSchedule } from '../../config/cron.js';
import { str, strList } from '../../config/schema.js';
import type { AppConfig } from '../../config/types.js';

export interface ConfigarrConfig extends AppConfig {
  /** CronJob schedule. @default '0 * * * *' (hourly) */
  readonly schedule: string;
  /**
   * Recyclarr config-template ids included for every Sonarr instance.
   * @default ['sonarr-quality-definition-series', 'sonarr-v4-quality-profile-web-1080p', 'sonarr-v4-custom-formats-web-1080p']
   */
  readonly sonarrTemplates: readonly string[];
  /**
   * Recyclarr config-template ids included for every Radarr instance.
   * @default ['radarr-quality-definition-movie', 'radarr-quality-profile-hd-bluray-web', 'radarr-custom-formats-hd-bluray-web']
   */
  readonly radarrTemplates: readonly string[];
}

declare module '../../config/types.js' {
  interface AppsConfig {
    /** Configarr CronJob: TRaSH guide profiles into Sonarr/Radarr. @default - disabled */
    readonly configarr: ConfigarrConfig;
  }
}

const recyclarrTemplate = str(/^[a-z0-9][a-z0-9-]*$/, 'use a recyclarr config-template id such as "sonarr-v4-quality-profile-web-1080p"');

export const configarrConfig: AppConfigSlice<'configarr'> = {
  key: 'configarr',
  schema: appSchema({ schedule: cronSchedule, sonarrTemplates: strList(recyclarrTemplate), radarrTemplates: strList(recyclarrTemplate) }),
  defaults: {
    enabled: false,
    schedule: '0 * * * *',
    sonarrTemplates: ['sonarr-quality-definition-series', 'sonarr-v4-quality-profile-web-1080p', 'sonarr-v4-custom-formats-web-1080p'],
    radarrTemplates: ['radarr-quality-definition-movie', 'radarr-quality-profile-hd-bluray-web', 'radarr-custom-formats-hd-bluray-web'],
  },
};
