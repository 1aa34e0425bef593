import * as k8s from '../../../imports/k8s.js';
import type { Construct } from 'constructs';
import type { ApiObject } from 'cdk8s';
import type { ResourcesConfig } from '../../config/types.js';
import type { MediaNamespace } from '../shared-storage/shared-storage.js';
import { Component } from '../../lib/component.js';
import { FLARESOLVERR_IMAGE, SOLVER_PORT } from './facts.js';
import { container, withOverrides, type EnvValue, type ProbeCheck } from '../../lib/pod.js';
import { storageNodePlacement } from '../../lib/placement.js';
import { addService, addWorkload, scratchVolume } from '../../lib/workload.js';

/** What FlareSolverr and Byparr take. */
export interface SolverAppProps {
  /** The namespace (the solver depends on it; its site settings place the pod). */
  readonly namespace: MediaNamespace;
  /** Container resources over the defaults. @default - 100m CPU, 256Mi requested, 2Gi limit */
  readonly resources?: Partial<ResourcesConfig>;
  /** Further components to apply first. @default [] */
  readonly dependsOn?: readonly Component[];
}

/** What differs between the two FlareSolverr-API solvers. */
export interface SolverSpec {
  readonly name: 'flaresolverr' | 'byparr';
  readonly title: string;
  readonly image: string;
  readonly env: Readonly<Record<string, EnvValue>>;
  readonly check: ProbeCheck;
}

/**
 * A stateless Cloudflare-challenge solver with a headless browser, called by Prowlarr (added in
 * Prowlarr as a "FlareSolverr" indexer proxy at `http://<name>.<namespace>.svc.cluster.local:8191`).
 * No ingress: nothing but Prowlarr needs it. A Deployment, non-root, with a memory-backed
 * /dev/shm for the browser.
 */
export class SolverApp extends Component {
  readonly url: string;
  readonly workload: ApiObject;
  readonly service: ApiObject;

  constructor(scope: Construct, id: string, spec: SolverSpec, solverProps: SolverAppProps) {
    const cfg = solverProps.namespace.site;
    const props = { ...spec, ...solverProps };
    super(scope, id, props.namespace.appFolder(props.name, `${props.title} (FlareSolverr API) on port ${SOLVER_PORT}`, { dependsOn: props.dependsOn }));
    this.url = `http://${props.name}.${cfg.namespace}.svc.cluster.local:${SOLVER_PORT}`;
    const workload = (this.workload = addWorkload(this, cfg, {
      name: props.name,
      controller: 'Deployment',
      pod: {
        ...storageNodePlacement(cfg),
        containers: [
          container({
            name: props.name,
            image: props.image,
            ports: [{ name: 'http', port: SOLVER_PORT }],
            env: { TZ: cfg.timezone, ...props.env },
            mounts: [
              { volume: 'tmp', path: '/tmp' },
              { volume: 'dshm', path: '/dev/shm' },
            ],
            probes: { check: props.check, startupSeconds: 180 },
            resources: withOverrides({ cpuRequest: '100m', memoryRequest: '256Mi', memoryLimit: '2Gi' }, props.resources),
            // The browser writes its profile and caches under the image's home and app folders.
            security: { readOnlyRootFilesystem: false },
          }),
        ],
        volumes: [scratchVolume(), { name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString('1Gi') } }],
      },
    }));
    this.node.defaultChild = workload;
    this.addSecurityExceptionFor(workload, {
      container: props.name,
      rules: ['read-only-root-filesystem'],
      reason: `${props.title} runs a headless browser that writes its profile, caches and crash data into the image's home and app directories (paths vary by browser version)`,
    });
    const self = { app: props.name };
    this.addCall(
      { from: { app: 'prowlarr' }, to: self, ports: [SOLVER_PORT], why: `Prowlarr indexer proxy (${props.title})` },
      { from: self, to: 'internet', ports: 'any', why: 'loads the indexer sites to solve their challenges' },
    );
    this.service = addService(this, cfg, { name: props.name, instance: props.name, ports: [{ name: 'http', port: SOLVER_PORT }] });
  }
}

/** FlareSolverr: `GET /health` is cheap (no browser) and public. */
export type FlareSolverrProps = SolverAppProps;

export class FlareSolverr extends SolverApp {
  constructor(scope: Construct, id: string, props: FlareSolverrProps) {
    super(
      scope,
      id,
      {
        name: 'flaresolverr',
        title: 'FlareSolverr',
        image: FLARESOLVERR_IMAGE,
        env: { LOG_LEVEL: 'info', PORT: String(SOLVER_PORT) },
        check: { http: '/health', port: 'http' },
      },
      props,
    );
  }
}
