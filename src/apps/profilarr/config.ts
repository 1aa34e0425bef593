import { appSchema, type AppConfigSlice } from '../../config/apps.js';
import { bool } from '../../config/schema.js';

declare module '../../config/types.js' {
  interface AppsConfig {
    /** Profilarr v2 (quality profiles, port 6868). @default - enabled */
    readonly profilarr: FirstLoginAppConfig;
  }
}

export const profilarrConfig: AppConfigSlice<'profilarr'> = {
  key: 'profilarr',
  schema: appSchema({ ingress: bool }),
  defaults: { enabled: true, ingress: false },
};
