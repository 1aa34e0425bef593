import type { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { ResourcesConfig } from '../../config/types.js';
import { Component } from '../../lib/component.js';
import { PROFILARR_IMAGE, PROFILARR_PORT } from './facts.js';
import type { ArrEndpoint } from '../servarr/arr.js';
import type { MediaNamespace } from '../shared-storage/shared-storage.js';
import { container, withOverrides } from '../../lib/pod.js';
import { storageNodePlacement } from '../../lib/placement.js';
import { addConfigClaim, configVolume, PATHS } from '../../lib/storage.js';
import { addHeadlessService, addIngress, addService, addWorkload, scratchVolume } from '../../lib/workload.js';

export interface ProfilarrProps {
  /** The namespace (the app depends on it; its site settings place and configure the pod). */
  readonly namespace: MediaNamespace;
  /** The library manager instances it syncs profiles to (its calls to them). @default [] */
  readonly arrs?: readonly ArrEndpoint[];
  /** Publish the Ingress: its first visit creates the admin account, so it waits for the opt-in. @default false */
  readonly ingress?: boolean;
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
              ORIGIN: `${scheme}://profilarr.${cfg.ingress.domain}`,
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
    // Its first visit creates the admin account (/auth/setup), so the Ingress waits for the opt-in.
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
      firstLoginOptIn: props.ingress ?? false,
    });
  }
}
