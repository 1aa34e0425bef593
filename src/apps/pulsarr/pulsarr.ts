import type { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { ResourcesConfig, SiteConfig } from '../../config/types.js';
import { addSetupJob } from '../../lib/setup-job.js';
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
  /** Create its Ingress (its first visit creates the admin account, unless `setup` does first). @default false */
  readonly ingress?: boolean;
  /** The pulsarr-setup job: the admin user, the Arr instances, the Plex token. @default - no job (the first visitor creates the admin) */
  readonly setup?: PulsarrSetupProps;
  /** Container resources over the defaults. @default - 50m CPU, 128Mi memory, 512Mi limit */
  readonly resources?: Partial<ResourcesConfig>;
  /** Size of the config volume. @default '1Gi' */
  readonly configSize?: string;
}

/** What the pulsarr-setup job sets up (src/apps/pulsarr/pulsarr-setup.py). */
export interface PulsarrSetupProps {
  readonly username: string;
  readonly email: string;
  /** Add the missing Sonarr/Radarr instances and fill their empty root folder / quality profile. */
  readonly arrInstances: boolean;
  /** Hand it Plex's token (when there is a Plex). */
  readonly plexToken: boolean;
  readonly schedule: string;
}

/** The Secret of the generated admin password and its key. */
const PULSARR_ADMIN_SECRET = { secret: 'pulsarr-secrets', key: 'admin-password' } as const;
/** The setup CronJob's name and log prefix. */
export const PULSARR_SETUP_JOB = 'pulsarr-setup';

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
      ...(plex ? { plexServerUrl: plex.url } : {}),
    };
    // Without the job handing it over, the token comes from the environment (Kubernetes expands
    // $(PLEX_TOKEN) in plexTokens from the variable before it).
    if (plex && !props.setup?.plexToken) {
      Object.assign(env, { PLEX_TOKEN: plex.token, plexTokens: '["$(PLEX_TOKEN)"]' });
      publishFact(this, { kind: 'secret-input', instance: 'pulsarr', purpose: 'plex-token', env: 'PLEX_TOKEN', ...plex.token });
    }
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
    // Its first visit creates the admin account (/v1/users/create-admin): without the setup job the Ingress waits for the opt-in.
    this.addCall({ from: self, to: 'internet', ports: 'any', why: 'Plex watchlists on plex.tv and discovery metadata' });
    if (plex) this.addCall({ from: self, to: { app: plex.app }, ports: [plex.port], why: 'library lookups on the Plex server' });
    for (const arr of arrs) this.addCall({ from: self, to: { app: arr.kind, instance: arr.instance }, ports: [arr.port], why: 'adds watchlisted series and movies' });
    this.service = addService(this, cfg, { name: 'pulsarr', instance: 'pulsarr', ports: [{ name: 'http', port: PULSARR_PORT }] });
    addHeadlessService(this, cfg, { name: 'pulsarr', instance: 'pulsarr', ports: [{ name: 'http', port: PULSARR_PORT }] });
    if (props.setup) this.addSetup(cfg, props.setup, arrs, plex);
    this.ingress = addIngress(this, cfg, {
      name: 'pulsarr',
      instance: 'pulsarr',
      service: 'pulsarr',
      port: 'http',
      call: { to: self, port: PULSARR_PORT },
      firstLoginOptIn: props.ingress ?? false,
    });
  }

  /** The pulsarr-setup CronJob: the admin user (generated password), then as that user the Arr instances and the Plex token. */
  private addSetup(cfg: SiteConfig, setup: PulsarrSetupProps, arrs: readonly ArrHandle['endpoint'][], plex: PlexHandle | undefined): void {
    this.addSecret(PULSARR_ADMIN_SECRET.secret, [{ key: PULSARR_ADMIN_SECRET.key, source: { kind: 'generated', length: 32, alphabet: 'alphanumeric' } }]);
    publishFact(this, { kind: 'login', instance: 'pulsarr', user: setup.email, ...PULSARR_ADMIN_SECRET, setBy: PULSARR_SETUP_JOB });
    const env: Record<string, EnvValue> = { PULSARR_ADMIN_PASSWORD: PULSARR_ADMIN_SECRET };
    const wired = setup.arrInstances ? arrs : [];
    const arrData = wired.map((a) => {
      const keyEnv = `${a.instance.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_API_KEY`;
      env[keyEnv] = a.apiKey;
      // Sonarr and Radarr (the kinds Pulsarr takes) both serve API v3.
      return { kind: a.kind, instance: a.instance, port: a.port, url: a.url, api: `${a.url}/api/v3`, keyEnv };
    });
    // Optional: empty (or missing) until the Plex server is claimed; the job then skips it.
    const handsToken = setup.plexToken && plex !== undefined;
    if (handsToken) env.PLEX_TOKEN = { ...plex.token, optional: true };
    addSetupJob(this, cfg, {
      name: PULSARR_SETUP_JOB,
      script: 'src/apps/pulsarr/pulsarr-setup.py',
      schedule: setup.schedule,
      data: {
        url: `http://pulsarr.${cfg.namespace}.svc.cluster.local:${PULSARR_PORT}`,
        admin: { username: setup.username, email: setup.email, passwordEnv: 'PULSARR_ADMIN_PASSWORD' },
        arrs: arrData,
        ...(handsToken ? { plexTokenEnv: 'PLEX_TOKEN' } : {}),
      },
      env,
      calls: [
        { to: { app: 'pulsarr' }, ports: [PULSARR_PORT], why: 'creates the admin user, adds the Arr instances and the Plex token' },
        ...wired.map((a) => ({ to: { app: a.kind, instance: a.instance }, ports: [a.port], why: 'reads the root folders and quality profiles for Pulsarr' })),
      ],
    });
  }
}
