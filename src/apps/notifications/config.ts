import { appSchema, type AppConfigSlice } from '../../config/apps.js';
import { oneOf } from '../../config/schema.js';
import type { AppConfig } from '../../config/types.js';

/**
 * The Flux Provider types whose whole endpoint is one webhook URL (the Secret's `address` key,
 * notification-controller docs/spec/v1beta3/providers.md): chat webhooks and the generic JSON
 * POST (e.g. an ntfy topic URL, which shows the event JSON as the message).
 */
export const FLUX_ALERT_PROVIDERS = ['discord', 'slack', 'msteams', 'googlechat', 'generic'] as const;
export type FluxAlertProvider = (typeof FLUX_ALERT_PROVIDERS)[number];

export interface FluxAlertsConfig extends AppConfig {
  /** The Flux notification Provider type. @default 'discord' */
  readonly provider: FluxAlertProvider;
}

declare module '../../config/types.js' {
  interface AppsConfig {
    /**
     * Flux notifications: a `Provider` and an `Alert` in the Flux namespace that post every error
     * event of the stack's Kustomizations (a failed apply, health check or decryption) to a chat
     * webhook. The webhook URL is an operator value (`address` of Secret `flux-alerts-webhook`),
     * SOPS-encrypted like the others. @default - disabled
     */
    readonly fluxAlerts: FluxAlertsConfig;
  }
}

export const fluxAlertsConfig: AppConfigSlice<'fluxAlerts'> = {
  key: 'fluxAlerts',
  schema: appSchema({ provider: oneOf(FLUX_ALERT_PROVIDERS) }),
  defaults: { enabled: false, provider: 'discord' },
};

/** The Provider, Alert and Secret names. */
export const FLUX_ALERTS = { name: 'flux-alerts', secret: 'flux-alerts-webhook', key: 'address' } as const;
