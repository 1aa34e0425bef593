import type { Construct } from 'constructs';
import type { StackConfig } from '../../config/types.js';
import { enabledArrs } from '../servarr/arr.js';
import { Component } from '../../lib/component.js';
import { publishFact } from '../../lib/published-facts.js';
import { IMAGES } from '../../lib/images.js';
import { PORTS } from '../../lib/ports.js';
import { container, withOverrides, type EnvValue } from '../../lib/pod.js';
import { storageNodePlacement } from '../../lib/placement.js';
import { addConfigClaim, configVolume } from '../../lib/storage.js';
import { addHeadlessService, addIngress, addService, addWorkload, scratchVolume } from '../../lib/workload.js';
import { PLEX_PORT } from '../plex/plex.js';

export const PULSARR_PORT = PORTS.pulsarr;

/**
 * Pulsarr: Plex watchlists → Sonarr/Radarr requests. Stateful (SQLite under /app/data).
 * `baseUrl` is the address Sonarr/Radarr use to call its webhooks. The first Sonarr and Radarr
 * instance and the Plex token are seeded from the same Secrets the apps read; Pulsarr documents
 * these seed variables as a development aid, so further instances are added in its UI.
 */
export class Pulsarr extends Component {
  constructor(scope: Construct, id: string, cfg: StackConfig, props: { dependsOn?: Component[] } = {}) {
    super(scope, id, {
      dir: `apps/${cfg.namespace}/pulsarr`,
      fluxName: 'pulsarr',
      namespace: cfg.namespace,
      dependsOn: props.dependsOn,
      description: `Pulsarr on port ${PULSARR_PORT}`,
    });
    const ns = cfg.namespace;
    const env: Record<string, EnvValue> = {
      TZ: cfg.timezone,
      port: String(PULSARR_PORT),
      baseUrl: `http://pulsarr.${ns}.svc.cluster.local`,
      logLevel: 'info',
    };
    if (cfg.apps.plex.enabled) {
      env['PLEX_TOKEN'] = { secret: 'plex-secrets', key: 'token' };
      publishFact(this, { kind: 'secret-input', instance: 'pulsarr', purpose: 'plex-token', env: 'PLEX_TOKEN', secret: 'plex-secrets', key: 'token' });
      // Kubernetes expands $(PLEX_TOKEN) from the variable above.
      env['plexTokens'] = '["$(PLEX_TOKEN)"]';
      env['plexServerUrl'] = `http://plex.${ns}.svc.cluster.local:${PLEX_PORT}`;
    }
    const sonarr = enabledArrs(cfg, ['sonarr'])[0];
    const radarr = enabledArrs(cfg, ['radarr'])[0];
    if (sonarr) Object.assign(env, { sonarrBaseUrl: sonarr.url, sonarrApiKey: sonarr.apiKey });
    if (radarr) Object.assign(env, { radarrBaseUrl: radarr.url, radarrApiKey: radarr.apiKey });

    addConfigClaim(this, cfg, 'pulsarr', cfg.apps.pulsarr.configSize ?? '1Gi');
    addWorkload(this, cfg, {
      name: 'pulsarr',
      controller: 'StatefulSet',
      pod: {
        ...storageNodePlacement(cfg),
        containers: [
          container({
            name: 'pulsarr',
            image: IMAGES.pulsarr,
            ports: [{ name: 'http', port: PULSARR_PORT }],
            env,
            mounts: [
              { volume: 'config', path: '/app/data' },
              { volume: 'tmp', path: '/tmp' },
              // the start script creates /app/build-cache inside the read-only image
              { volume: 'build-cache', path: '/app/build-cache' },
            ],
            probes: { check: { http: '/health', port: 'http' } },
            resources: withOverrides({ cpuRequest: '50m', memoryRequest: '128Mi', memoryLimit: '512Mi' }, cfg.apps.pulsarr.resources),
          }),
        ],
        volumes: [configVolume(cfg, 'pulsarr'), scratchVolume(), scratchVolume('build-cache', '512Mi')],
      },
    });
    const self = { app: 'pulsarr' };
    // Its first visit creates the admin account (/v1/users/create-admin), so the Ingress waits for the opt-in.
    this.addCall({ from: self, to: 'internet', ports: 'any', why: 'Plex watchlists on plex.tv and discovery metadata' });
    if (cfg.apps.plex.enabled) this.addCall({ from: self, to: { app: 'plex' }, ports: [PLEX_PORT], why: 'library lookups on the Plex server' });
    for (const arr of enabledArrs(cfg, ['sonarr', 'radarr'])) this.addCall({ from: self, to: { app: arr.kind, instance: arr.instance }, ports: [arr.port], why: 'adds watchlisted series and movies' });
    addService(this, cfg, { name: 'pulsarr', instance: 'pulsarr', ports: [{ name: 'http', port: PULSARR_PORT }] });
    addHeadlessService(this, cfg, { name: 'pulsarr', instance: 'pulsarr', ports: [{ name: 'http', port: PULSARR_PORT }] });
    addIngress(this, cfg, { name: 'pulsarr', instance: 'pulsarr', service: 'pulsarr', port: 'http', call: { to: self, port: PULSARR_PORT }, firstLoginOptIn: cfg.apps.pulsarr.ingress });
  }
}
