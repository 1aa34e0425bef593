import { ApiObject } from 'cdk8s';
import * as k8s from '../../imports/k8s.js';
import type { Construct } from 'constructs';
import type { SiteConfig } from '../config/types.js';
import { Component, setFileName, type Peer } from './component.js';
import { isLayoutHostPath } from './storage.js';
import { appLabels, podSpec, PREPARE_HOST_DIRS, selectorLabels, type PodProps, type Port } from './pod.js';

export interface WorkloadProps {
  /** Object name (the app instance, e.g. `sonarr` or `sonarr-4k`). */
  readonly name: string;
  /** App name for the `app.kubernetes.io/name` label. @default - `name` */
  readonly app?: string;
  readonly controller: 'StatefulSet' | 'Deployment';
  /** @default 1 */
  readonly replicas?: number;
  /** Extra pod-template labels (e.g. the streaming-stack label). @default {} */
  readonly podLabels?: Readonly<Record<string, string>>;
  readonly pod: PodProps;
  /** Output file name. @default 'statefulset.yaml' / 'deployment.yaml' */
  readonly fileName?: string;
}

/**
 * A StatefulSet (governed by `<name>-headless`) or a Deployment (Recreate: single replica with a
 * RWO volume cannot roll) with stable names and a selector that does not depend on construct paths.
 */
export function addWorkload(scope: Construct, cfg: SiteConfig, p: WorkloadProps): ApiObject {
  const labels = appLabels(p.app ?? p.name, p.name);
  const selector = { matchLabels: selectorLabels(p.app ?? p.name, p.name) };
  const template = {
    metadata: { labels: { ...labels, ...(p.podLabels ?? {}) } },
    spec: podSpec(cfg, p.pod),
  };
  const metadata = { name: p.name, namespace: cfg.namespace, labels };
  const replicas = p.replicas ?? 1;
  const obj =
    p.controller === 'StatefulSet'
      ? new k8s.KubeStatefulSet(scope, `${p.name}-sts`, {
          metadata,
          spec: { serviceName: `${p.name}-headless`, replicas, selector, template, podManagementPolicy: 'OrderedReady' },
        })
      : new k8s.KubeDeployment(scope, `${p.name}-deploy`, {
          metadata,
          spec: { replicas, selector, strategy: { type: 'Recreate' }, template },
        });
  declareHostLayoutExceptions(scope, cfg, obj, template.spec);
  return setFileName(obj, p.fileName ?? (p.controller === 'StatefulSet' ? 'statefulset.yaml' : 'deployment.yaml'));
}

/**
 * The security exceptions the single-node layout needs, declared on the workload that has them:
 * host-directory volumes (all of them the layout's) and the root init container that hands those
 * directories to the stack user (`hostDirsInitContainer`).
 */
export function declareHostLayoutExceptions(scope: Construct, site: SiteConfig, workload: ApiObject, pod: k8s.PodSpec): void {
  if (site.storage.mode !== 'hostPath') return;
  const component = Component.of(scope);
  if (!component) throw new Error(`${workload.kind}/${workload.name} is created outside a Component; its security exceptions have no owner`);
  const hostPaths = (pod.volumes ?? []).filter((v) => v.hostPath);
  if (hostPaths.length > 0 && hostPaths.every((v) => isLayoutHostPath(site, v))) {
    component.addSecurityExceptionFor(workload, { rules: ['no-host-path'], reason: `single-node layout: volumes are host directories under ${site.storage.hostPathRoot}` });
  }
  if ((pod.initContainers ?? []).some((c) => c.name === PREPARE_HOST_DIRS)) {
    component.addSecurityExceptionFor(workload, {
      container: PREPARE_HOST_DIRS,
      rules: ['run-as-non-root', 'drop-all-capabilities'],
      reason: `kubelet creates missing host directories as root and never applies fsGroup to them; this init container (CAP_CHOWN only) hands them to ${site.uid}:${site.gid}`,
    });
  }
}

export interface ServiceProps {
  readonly name: string;
  /** Instance whose pods are selected. */
  readonly instance: string;
  /** App name of the selected pods. @default - `instance` */
  readonly app?: string;
  readonly ports: readonly Port[];
  /** @default 'ClusterIP' */
  readonly type?: 'ClusterIP' | 'LoadBalancer' | 'NodePort';
  /** Pinned ClusterIP, or 'None' for a headless Service. @default - allocated */
  readonly clusterIP?: string;
  readonly loadBalancerIP?: string;
  /** Keep client source IPs (Plex LAN detection). @default - cluster default */
  readonly externalTrafficPolicy?: 'Local' | 'Cluster';
  /** @default 'service.yaml' */
  readonly fileName?: string;
  /** Extra Service annotations. @default {} */
  readonly annotations?: Readonly<Record<string, string>>;
}

export function addService(scope: Construct, cfg: SiteConfig, p: ServiceProps): ApiObject {
  return setFileName(
    new k8s.KubeService(scope, `${p.name}-svc`, {
      metadata: {
        name: p.name,
        namespace: cfg.namespace,
        labels: appLabels(p.app ?? p.instance, p.instance),
        ...(p.loadBalancerIP || p.annotations
          ? { annotations: { ...(p.loadBalancerIP ? { 'metallb.universe.tf/loadBalancerIPs': p.loadBalancerIP } : {}), ...(p.annotations ?? {}) } }
          : {}),
      },
      spec: {
        type: p.type ?? 'ClusterIP',
        ...(p.clusterIP ? { clusterIp: p.clusterIP } : {}),
        ...(p.externalTrafficPolicy ? { externalTrafficPolicy: p.externalTrafficPolicy } : {}),
        selector: selectorLabels(p.app ?? p.instance, p.instance),
        ports: p.ports.map((x) => ({
          name: x.name,
          port: x.port,
          targetPort: k8s.IntOrString.fromString(x.name),
          protocol: x.protocol ?? 'TCP',
        })),
      },
    }),
    p.fileName ?? 'service.yaml',
  );
}

/** The headless Service that governs a StatefulSet (stable pod DNS names). */
export function addHeadlessService(scope: Construct, cfg: SiteConfig, p: Omit<ServiceProps, 'clusterIP' | 'type'>): ApiObject {
  return addService(scope, cfg, { ...p, name: `${p.name}-headless`, clusterIP: 'None', fileName: 'service-headless.yaml' });
}

/**
 * Whether a web UI that has no login of its own until its first account exists (whoever reaches it
 * first creates it) gets an Ingress: always behind a forward-auth Middleware, and in 'apps' mode
 * only once the operator opts in after creating that login through a port-forward.
 */
export function firstLoginIngress(cfg: SiteConfig, optIn: boolean): boolean {
  return cfg.ingress.enabled && (cfg.ingress.auth.mode === 'forward-auth' || optIn);
}

/** Traefik's annotation that puts Middlewares in front of an Ingress's routers. */
export const TRAEFIK_MIDDLEWARES = 'traefik.ingress.kubernetes.io/router.middlewares';

/**
 * The ingress controller's call behind an Ingress: its NetworkPolicy edge, declared with the
 * Ingress itself so an Ingress without it cannot be written. `coveredBy` names the edge that
 * already lets the controller in (e.g. Plex's clients from anywhere).
 */
export type IngressCall = { readonly to: Peer; readonly port: number; /** @default 'web UI through the ingress' */ readonly why?: string } | { readonly coveredBy: string };

export interface IngressProps {
  readonly name: string;
  readonly instance: string;
  /** App label. @default - `instance` */
  readonly app?: string;
  readonly service: string;
  /** The Service port (by name). */
  readonly port: string;
  /** The controller's call to the pods (declared on `scope` when the Ingress exists). */
  readonly call: IngressCall;
  /** Behind `ingress.auth.middleware` in forward-auth mode. @default true */
  readonly forwardAuth?: boolean;
  /**
   * The app's first visit claims its admin account: without forward-auth the Ingress exists only
   * once the operator opted in (`firstLoginIngress`). Undefined: an app with a login from the start.
   * @default - no first-login rule
   */
  readonly firstLoginOptIn?: boolean;
}

/** `<name>.<domain>` through the configured ingress class, with the ingress controller's call. */
export function addIngress(scope: Component, cfg: SiteConfig, p: IngressProps): ApiObject | undefined {
  if (!cfg.ingress.enabled) return undefined;
  if (p.firstLoginOptIn !== undefined && !firstLoginIngress(cfg, p.firstLoginOptIn)) return undefined;
  if ('to' in p.call) scope.addCall({ from: 'ingress-controller', to: p.call.to, ports: [p.call.port], why: p.call.why ?? 'web UI through the ingress' });
  const host = `${p.name}.${cfg.ingress.domain}`;
  const auth = cfg.ingress.auth;
  const guarded = auth.mode === 'forward-auth' && auth.middleware && (p.forwardAuth ?? true);
  return setFileName(
    new k8s.KubeIngress(scope, `${p.name}-ingress`, {
      metadata: {
        name: p.name,
        namespace: cfg.namespace,
        labels: appLabels(p.app ?? p.instance, p.instance),
        ...(guarded ? { annotations: { [TRAEFIK_MIDDLEWARES]: auth.middleware } } : {}),
      },
      spec: {
        ingressClassName: cfg.ingress.className,
        ...(cfg.ingress.tlsSecretName ? { tls: [{ hosts: [host], secretName: cfg.ingress.tlsSecretName }] } : {}),
        rules: [
          {
            host,
            http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: p.service, port: { name: p.port } } } }] },
          },
        ],
      },
    }),
    'ingress.yaml',
  );
}

/** An emptyDir for scratch space under a read-only root filesystem. */
export function scratchVolume(name = 'tmp', sizeLimit = '1Gi'): k8s.Volume {
  return { name, emptyDir: { sizeLimit: k8s.Quantity.fromString(sizeLimit) } };
}

export interface CronJobProps {
  /** Object name (also the pods' app label). */
  readonly name: string;
  readonly schedule: string;
  /** The pod spec (from `podSpec`); its restartPolicy is set here. */
  readonly pod: k8s.PodSpec;
  /** IANA time zone of the schedule. @default - the controller's (UTC on k3s) */
  readonly timeZone?: string;
  /** @default 'Never' */
  readonly restartPolicy?: 'Never' | 'OnFailure';
  /** Retries of one run. @default 1 */
  readonly backoffLimit?: number;
  /** Kill a run that takes longer. @default - no deadline */
  readonly activeDeadlineSeconds?: number;
  /** Finished Jobs kept. @default 1 successful, 3 failed */
  readonly successfulJobsHistoryLimit?: number;
  /** @default 'cronjob.yaml' */
  readonly fileName?: string;
}

/**
 * A CronJob that never overlaps itself (`concurrencyPolicy: Forbid`), keeps a short history and
 * cleans up finished Jobs after a day.
 */
export function addCronJob(scope: Construct, cfg: SiteConfig, p: CronJobProps): ApiObject {
  const labels = appLabels(p.name);
  const cronJob = setFileName(
    new k8s.KubeCronJob(scope, `${p.name}-cronjob`, {
      metadata: { name: p.name, namespace: cfg.namespace, labels },
      spec: {
        schedule: p.schedule,
        ...(p.timeZone ? { timeZone: p.timeZone } : {}),
        concurrencyPolicy: 'Forbid',
        successfulJobsHistoryLimit: p.successfulJobsHistoryLimit ?? 1,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
          spec: {
            backoffLimit: p.backoffLimit ?? 1,
            ...(p.activeDeadlineSeconds ? { activeDeadlineSeconds: p.activeDeadlineSeconds } : {}),
            ttlSecondsAfterFinished: 86400,
            template: { metadata: { labels }, spec: { ...p.pod, restartPolicy: p.restartPolicy ?? 'Never' } },
          },
        },
      },
    }),
    p.fileName ?? 'cronjob.yaml',
  );
  declareHostLayoutExceptions(scope, cfg, cronJob, p.pod);
  return cronJob;
}
