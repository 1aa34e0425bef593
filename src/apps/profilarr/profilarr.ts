import type { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { ResourcesConfig, SiteConfig } from '../../config/types.js';
import { Component } from '../../lib/component.js';
import { profilarrConfig, type ProfilarrSetupConfig } from './config.js';
import { PROFILARR_IMAGE, PROFILARR_PORT, PROFILARR_SETUP_JOB } from './facts.js';
import type { ArrEndpoint } from '../servarr/arr.js';
import type { MediaNamespace } from '../shared-storage/shared-storage.js';
import { container, withOverrides } from '../../lib/pod.js';
import { storageNodePlacement } from '../../lib/placement.js';
import { publishFact } from '../../lib/published-facts.js';
import { addSetupJob } from '../../lib/setup-job.js';
import { addConfigClaim, configVolume, PATHS } from '../../lib/storage.js';
import { addHeadlessService, addIngress, addService, addWorkload, scratchVolume } from '../../lib/workload.js';

export interface ProfilarrProps {
  /** The namespace (the app depends on it; its site settings place and configure the pod). */
  readonly namespace: MediaNamespace;
  /** The library manager instances it syncs profiles to (its calls to them). @default [] */
  readonly arrs?: readonly ArrEndpoint[];
  /** Publish the Ingress although nothing creates the admin account (its first visit would). @default false */
  readonly ingress?: boolean;
  /** The `profilarr-setup` job (admin account, Arr connections). @default - on: account 'admin', connections */
  readonly setup?: ProfilarrSetupConfig;
  /** Container resources over the defaults. @default - 50m CPU, 256Mi requested, 1Gi limit */
  readonly resources?: Partial<ResourcesConfig>;
  /** Size of the config volume. @default '2Gi' */
  readonly configSize?: string;
  /** Further components to apply first (e.g. the instances it syncs to). @default [] */
  readonly dependsOn?: readonly Component[];
}

/**
 * Profilarr v2 (quality profiles from the Dictionarry database, synced to Sonarr/Radarr).
 * The Arr connections are entered in its UI and kept in its SQLite database under /config;
 * Profilarr has no env vars for them. `ORIGIN` must be the URL users open (CSRF check behind a
 * reverse proxy). The image user is profilarr 1000:1000 and its entrypoint skips chown/su-exec
 * when started non-root.
 */
export class Profilarr extends Component {
  readonly workload: ApiObject;
  readonly service: ApiObject;
  /** @default - none until the first-login opt-in (or with the ingress off) */
  readonly ingress?: ApiObject;

  constructor(scope: Construct, id: string, props: ProfilarrProps) {
    const cfg = props.namespace.site;
    super(scope, id, props.namespace.appFolder('profilarr', `Profilarr on port ${PROFILARR_PORT}`, { dependsOn: props.dependsOn }));
    const scheme = cfg.ingress.tlsSecretName ? 'https' : 'http';
    const origin = `${scheme}://profilarr.${cfg.ingress.domain}`;
    const setup = props.setup ?? profilarrConfig.defaults.setup;
    addConfigClaim(this, cfg, 'profilarr', props.configSize ?? '2Gi');
    this.workload = addWorkload(this, cfg, {
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
              ORIGIN: origin,
            },
            mounts: [
              { volume: 'config', path: PATHS.config },
              { volume: 'tmp', path: '/tmp' },
            ],
            probes: { check: { http: '/api/v1/health', port: 'http' } },
            resources: withOverrides({ cpuRequest: '50m', memoryRequest: '256Mi', memoryLimit: '1Gi' }, props.resources),
          }),
        ],
        volumes: [configVolume(cfg, 'profilarr'), scratchVolume()],
      },
    });
    this.node.defaultChild = this.workload;
    const self = { app: 'profilarr' };
    this.addCall({ from: self, to: 'internet', ports: 'any', why: 'pulls the Dictionarry profile database from GitHub' });
    for (const arr of props.arrs ?? [])
      this.addCall({ from: self, to: { app: arr.kind, instance: arr.instance }, ports: [arr.port], why: 'syncs quality profiles and custom formats' });
    this.service = addService(this, cfg, { name: 'profilarr', instance: 'profilarr', ports: [{ name: 'http', port: PROFILARR_PORT }] });
    addHeadlessService(this, cfg, { name: 'profilarr', instance: 'profilarr', ports: [{ name: 'http', port: PROFILARR_PORT }] });
    this.ingress = addIngress(this, cfg, {
      name: 'profilarr',
      instance: 'profilarr',
      service: 'profilarr',
      port: 'http',
      call: { to: self, port: PROFILARR_PORT },
      // Its first visit creates the admin account (/auth/setup): without the job creating it,
      // the Ingress waits for the opt-in.
      firstLoginOptIn: (props.ingress ?? false) || (setup.enabled && setup.account),
    });
    if (setup.enabled) addProfilarrSetupJob(this, cfg, origin, setup, props.arrs ?? []);
  }
}

/** The generated password of the admin account the setup job creates (key of `profilarr-secrets`). */
const PROFILARR_ADMIN_PASSWORD_KEY = 'admin-password';

/** The job's variable holding an Arr's API key, e.g. `API_KEY_SONARR_4K`. */
function apiKeyEnv(arr: ArrEndpoint): string {
  return `API_KEY_${arr.instance.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/**
 * `profilarr-setup`: the admin account from a generated password, then a connection per Arr
 * (its URL, its API key from the Secret the Arr reads), through Profilarr's form actions.
 */
function addProfilarrSetupJob(scope: Profilarr, cfg: SiteConfig, origin: string, setup: ProfilarrSetupConfig, arrs: readonly ArrEndpoint[]): void {
  scope.addSecret('profilarr-secrets', [{ key: PROFILARR_ADMIN_PASSWORD_KEY, source: { kind: 'generated', length: 32, alphabet: 'alphanumeric' } }]);
  const connected = setup.connections ? arrs : [];
  const job = PROFILARR_SETUP_JOB;
  publishFact(scope, { kind: 'login', instance: 'profilarr', user: setup.user, secret: 'profilarr-secrets', key: PROFILARR_ADMIN_PASSWORD_KEY, setBy: job });
  if (setup.account)
    publishFact(scope, { kind: 'setup-step', instance: 'profilarr', job, adds: 'the admin account', items: [setup.user], offSwitch: 'apps.profilarr.setup.account' });
  if (connected.length > 0)
    publishFact(scope, {
      kind: 'setup-step',
      instance: 'profilarr',
      job,
      adds: 'the connections',
      items: connected.map((a) => a.instance),
      offSwitch: 'apps.profilarr.setup.connections',
    });
  addSetupJob(scope, cfg, {
    name: job,
    script: 'src/apps/profilarr/profilarr-setup.py',
    // Often: with the job creating the account the Ingress exists from the start.
    schedule: '*/5 * * * *',
    data: {
      url: `http://profilarr.${cfg.namespace}.svc.cluster.local:${PROFILARR_PORT}`,
      origin,
      user: setup.user,
      passwordEnv: 'ADMIN_PASSWORD',
      passwordSecret: `profilarr-secrets/${PROFILARR_ADMIN_PASSWORD_KEY}`,
      account: setup.account,
      arrs: connected.map((a) => ({ name: a.instance, type: a.kind, url: a.url, apiKeyEnv: apiKeyEnv(a), apiKeySecret: `${a.apiKey.secret}/${a.apiKey.key}` })),
      wait: { attempts: 30, delaySeconds: 10 },
    },
    env: {
      ADMIN_PASSWORD: { secret: 'profilarr-secrets', key: PROFILARR_ADMIN_PASSWORD_KEY },
      // Optional: an Arr's key missing is one skipped connection, not a failed run.
      ...Object.fromEntries(connected.map((a) => [apiKeyEnv(a), { ...a.apiKey, optional: true }])),
    },
    calls: [{ to: { app: 'profilarr' }, ports: [PROFILARR_PORT], why: 'creates the admin account and the Arr connections' }],
  });
}
