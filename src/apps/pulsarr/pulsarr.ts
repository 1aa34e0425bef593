import type { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { ResourcesConfig } from '../../config/types.js';
import { Component } from '../../lib/component.js';
import type { ArrHandle, PlexHandle } from '../../lib/handles.js';
import { publishFact } from '../../lib/published-facts.js';
import { container, withOverrides, type EnvValue } from '../../lib/pod.js';
import { storageNodePlacement } from '../../lib/placement.js';
import { addConfigClaim, configVolume } from '../../lib/storage.js';
import { addHeadlessService, addIngress, addService, addWorkload, scratchVolume } from '../../lib/workload.js';
import type { MediaNamespace } from '../shared-storage/shared-storage.js';
import { PULSARR_ARR_KINDS, PULSARR_IMAGES, PULSARR_PORT } from './facts.js';

export interface PulsarrProps {
  /** The namespace (the app depends on it; its site settings place and configure the pod). */
  readonly namespace: MediaNamespace;
  /** The library managers it waits for; it adds watchlisted titles to the Sonarr and Radarr ones (the first of each is seeded). @default [] */
  readonly arrs?: readonly ArrHandle[];
  /** Plex, whose token and server it uses for watchlists and library lookups (it depends on it). @default - no Plex */
  readonly plex?: PlexHandle;
  /** Create its Ingress although its first visit creates the admin account. @default false */
  readonly ingress?: boolean;
  /** Container resources over the defaults. @default - 50m CPU, 128Mi memory, 512Mi limit */
  readonly resources?: Partial<ResourcesConfig>;
  /** Size of the config volume. @default '1Gi' */
  readonly configSize?: string;
}

/**
 * Pulsarr: Plex watchlists → Sonarr/Radarr requests. Stateful (SQLite under /app/data).
 * `baseUrl` is the address Sonarr/Radarr use to call its webhooks. The first Sonarr and Radarr
 * instance and the Plex token are seeded from the same Secrets the apps read; Pulsarr documents
 * these seed variables as a development aid, so further instances are added in its UI.
 * `ApiObject.of(pulsarr)` is its StatefulSet.
 */
export class Pulsarr extends Component {
  /** The StatefulSet. */
  readonly workload: ApiObject;
  readonly service: ApiObject;
  /** @default - none unless opted in (and the ingress is on) */
  readonly ingress?: ApiObject;

  constructor(scope: Construct, id: string, props: PulsarrProps) {
    const cfg = props.namespace.site;
    super(scope, id, props.namespace.appFolder('pulsarr', `Pulsarr on port ${PULSARR_PORT}`));
    // It requests series and movies only: of the Arrs it waits for, it calls Sonarr and Radarr.
    const arrs = (props.arrs ?? []).map((a) => a.endpoint).filter((a) => PULSARR_ARR_KINDS.includes(a.kind));
    const plex = props.plex;
    this.addDependency(...(props.arrs ?? []), plex);
    const ns = cfg.namespace;
    const env: Record<string, EnvValue> = {
      TZ: cfg.timezone,
      port: String(PULSARR_PORT),
      baseUrl: `http://pulsarr.${ns}.svc.cluster.local`,
      logLevel: 'info',
      // Kubernetes expands $(PLEX_TOKEN) in plexTokens from the variable before it.
      ...(plex ? { PLEX_TOKEN: plex.token, plexTokens: '["$(PLEX_TOKEN)"]', plexServerUrl: plex.url } : {}),
    };
    if (plex) publishFact(this, { kind: 'secret-input', instance: 'pulsarr', purpose: 'plex-token', env: 'PLEX_TOKEN', ...plex.token });
    const sonarr = arrs.find((a) => a.kind === 'sonarr');
    const radarr = arrs.find((a) => a.kind === 'radarr');
    if (sonarr) Object.assign(env, { sonarrBaseUrl: sonarr.url, sonarrApiKey: sonarr.apiKey });
    if (radarr) Object.assign(env, { radarrBaseUrl: radarr.url, radarrApiKey: radarr.apiKey });

    addConfigClaim(this, cfg, 'pulsarr', props.configSize ?? '1Gi');
    this.workload = addWorkload(this, cfg, {
      name: 'pulsarr',
      controller: 'StatefulSet',
      pod: {
        ...storageNodePlacement(cfg),
        containers: [
          container({
            name: 'pulsarr',
            image: PULSARR_IMAGES.pulsarr,
            ports: [{ name: 'http', port: PULSARR_PORT }],
            env,
            mounts: [
              { volume: 'config', path: '/app/data' },
              { volume: 'tmp', path: '/tmp' },
              // the start script creates /app/build-cache inside the read-only image
              { volume: 'build-cache', path: '/app/build-cache' },
            ],
            probes: { check: { http: '/health', port: 'http' } },
            resources: withOverrides({ cpuRequest: '50m', memoryRequest: '128Mi', memoryLimit: '512Mi' }, props.resources),
          }),
        ],
        volumes: [configVolume(cfg, 'pulsarr'), scratchVolume(), scratchVolume('build-cache', '512Mi')],
      },
    });
    this.node.defaultChild = this.workload;
    const self = { app: 'pulsarr' };
    // Its first visit creates the admin account (/v1/users/create-admin), so the Ingress waits for the opt-in.
    this.addCall({ from: self, to: 'internet', ports: 'any', why: 'Plex watchlists on plex.tv and discovery metadata' });
    if (plex) this.addCall({ from: self, to: { app: plex.app }, ports: [plex.port], why: 'library lookups on the Plex server' });
    for (const arr of arrs) this.addCall({ from: self, to: { app: arr.kind, instance: arr.instance }, ports: [arr.port], why: 'adds watchlisted series and movies' });
    this.service = addService(this, cfg, { name: 'pulsarr', instance: 'pulsarr', ports: [{ name: 'http', port: PULSARR_PORT }] });
    addHeadlessService(this, cfg, { name: 'pulsarr', instance: 'pulsarr', ports: [{ name: 'http', port: PULSARR_PORT }] });
    this.ingress = addIngress(this, cfg, {
      name: 'pulsarr',
      instance: 'pulsarr',
      service: 'pulsarr',
      port: 'http',
      call: { to: self, port: PULSARR_PORT },
      firstLoginOptIn: props.ingress ?? false,
    });
  }
}
