import type { Construct } from 'constructs';
import type { StackConfig } from '../../config/types.js';
import { Component } from '../../lib/component.js';
import { PROFILARR_IMAGE, PROFILARR_PORT } from './facts.js';
import { enabledArrs } from '../servarr/arr.js';
import { container, withOverrides } from '../../lib/pod.js';
import { storageNodePlacement } from '../../lib/placement.js';
import { addConfigClaim, configVolume, PATHS } from '../../lib/storage.js';
import { addHeadlessService, addIngress, addService, addWorkload, scratchVolume } from '../../lib/workload.js';

/**
 * Profilarr v2 (quality profiles from the Dictionarry database, synced to Sonarr/Radarr).
 * The Arr connections are entered in its UI and kept in its SQLite database under /config;
 * Profilarr has no env vars for them. `ORIGIN` must be the URL users open (CSRF check behind a
 * reverse proxy). The image user is profilarr 1000:1000 and its entrypoint skips chown/su-exec
 * when started non-root.
 */
export class Profilarr extends Component {
  constructor(scope: Construct, id: string, cfg: StackConfig, props: { dependsOn?: Component[] } = {}) {
    super(scope, id, {
      dir: `apps/${cfg.namespace}/profilarr`,
      fluxName: 'profilarr',
      namespace: cfg.namespace,
      dependsOn: props.dependsOn,
      description: `Profilarr on port ${PROFILARR_PORT}`,
    });
    const scheme = cfg.ingress.tlsSecretName ? 'https' : 'http';
    addConfigClaim(this, cfg, 'profilarr', cfg.apps.profilarr.configSize ?? '2Gi');
    addWorkload(this, cfg, {
      name: 'profilarr',
      controller: 'StatefulSet',
      pod: {
        ...storageNodePlacement(cfg),
        containers: [
          container({
            name: 'profilarr',
            image: PROFILARR_IMAGE,
            ports: [{ name: 'http', port: PROFILARR_PORT }],
            env: {
              TZ: cfg.timezone,
              PORT: String(PROFILARR_PORT),
              HOST: '0.0.0.0',
              AUTH: 'on',
              ORIGIN: `${scheme}://profilarr.${cfg.ingress.domain}`,
            },
            mounts: [
              { volume: 'config', path: PATHS.config },
              { volume: 'tmp', path: '/tmp' },
            ],
            probes: { check: { http: '/api/v1/health', port: 'http' } },
            resources: withOverrides({ cpuRequest: '50m', memoryRequest: '256Mi', memoryLimit: '1Gi' }, cfg.apps.profilarr.resources),
          }),
        ],
        volumes: [configVolume(cfg, 'profilarr'), scratchVolume()],
      },
    });
    const self = { app: 'profilarr' };
    // Its first visit creates the admin account (/auth/setup), so the Ingress waits for the opt-in.
    this.addCall({ from: self, to: 'internet', ports: 'any', why: 'pulls the Dictionarry profile database from GitHub' });
    // Profilarr's profiles are for Sonarr and Radarr.
    for (const arr of enabledArrs(cfg, ['sonarr', 'radarr'])) this.addCall({ from: self, to: { app: arr.kind, instance: arr.instance }, ports: [arr.port], why: 'syncs quality profiles and custom formats' });
    addService(this, cfg, { name: 'profilarr', instance: 'profilarr', ports: [{ name: 'http', port: PROFILARR_PORT }] });
    addHeadlessService(this, cfg, { name: 'profilarr', instance: 'profilarr', ports: [{ name: 'http', port: PROFILARR_PORT }] });
    addIngress(this, cfg, { name: 'profilarr', instance: 'profilarr', service: 'profilarr', port: 'http', call: { to: self, port: PROFILARR_PORT }, firstLoginOptIn: cfg.apps.profilarr.ingress });
  }
}
