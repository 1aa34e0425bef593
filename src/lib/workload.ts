import { ApiObject, Lazy } from 'cdk8s';
import * as cm from '../../imports/cert-manager.io.js';
import * as gw from '../../imports/gateway.networking.k8s.io.js';
import * as k8s from '../../imports/k8s.js';
import type { Construct } from 'constructs';
import { middlewareInNamespace } from '../config/cross-field.js';
import type { CertManagerTlsConfig, SiteConfig } from '../config/types.js';
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

/** The Traefik API group and kind of a Middleware, as an HTTPRoute's ExtensionRef filter names it. */
const TRAEFIK_MIDDLEWARE_REF = { group: 'traefik.io', kind: 'Middleware' } as const;

/**
 * `<name>.<domain>` for the web UI, with the ingress controller's call: an Ingress of the
 * configured class (mode 'ingress') or an HTTPRoute attached to the configured Gateway (mode
 * 'gateway'), plus its cert-manager Certificate in mode 'ingress' with `ingress.tls`.
 */
export function addIngress(scope: Component, cfg: SiteConfig, p: IngressProps): ApiObject | undefined {
  if (!cfg.ingress.enabled) return undefined;
  if (p.firstLoginOptIn !== undefined && !firstLoginIngress(cfg, p.firstLoginOptIn)) return undefined;
  if ('to' in p.call) scope.addCall({ from: 'ingress-controller', to: p.call.to, ports: [p.call.port], why: p.call.why ?? 'web UI through the ingress' });
  const host = `${p.name}.${cfg.ingress.domain}`;
  const auth = cfg.ingress.auth;
  const middleware = auth.mode === 'forward-auth' && (p.forwardAuth ?? true) ? auth.middleware : undefined;
  const metadata = { name: p.name, namespace: cfg.namespace, labels: appLabels(p.app ?? p.instance, p.instance) };
  if (cfg.ingress.mode === 'gateway') return addRoute(scope, cfg, p, host, metadata, middleware);
  const tls = cfg.ingress.tls;
  const tlsSecret = tls ? addCertificate(scope, { name: p.name, namespace: cfg.namespace, labels: metadata.labels, dnsNames: [host], tls }) : cfg.ingress.tlsSecretName;
  return setFileName(
    new k8s.KubeIngress(scope, `${p.name}-ingress`, {
      metadata: { ...metadata, ...(middleware ? { annotations: { [TRAEFIK_MIDDLEWARES]: middleware } } : {}) },
      spec: {
        ingressClassName: cfg.ingress.className,
        ...(tlsSecret ? { tls: [{ hosts: [host], secretName: tlsSecret }] } : {}),
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

/**
 * The HTTPRoute of mode 'gateway'. Forward-auth is Traefik's ExtensionRef filter to the Middleware,
 * which must be in the route's namespace (the config check makes sure it is).
 */
function addRoute(scope: Component, cfg: SiteConfig, p: IngressProps, host: string, metadata: k8s.ObjectMeta, middleware: string | undefined): ApiObject {
  const gateway = cfg.ingress.gateway;
  if (!gateway) throw new Error("ingress.gateway: mode 'gateway' needs the parent Gateway (the config check should have said so)");
  const middlewareName = middleware ? middlewareInNamespace(middleware, cfg.namespace) : undefined;
  if (middleware && !middlewareName)
    throw new Error(`ingress.auth.middleware: '${middleware}' is not a Middleware of namespace '${cfg.namespace}' (the config check should have said so)`);
  return setFileName(
    new gw.HttpRoute(scope, `${p.name}-route`, {
      metadata,
      spec: {
        parentRefs: [{ name: gateway.name, namespace: gateway.namespace, ...(gateway.sectionName ? { sectionName: gateway.sectionName } : {}) }],
        hostnames: [host],
        rules: [
          {
            matches: [{ path: { type: gw.HttpRouteSpecRulesMatchesPathType.PATH_PREFIX, value: '/' } }],
            ...(middlewareName ? { filters: [{ type: gw.HttpRouteSpecRulesFiltersType.EXTENSION_REF, extensionRef: { ...TRAEFIK_MIDDLEWARE_REF, name: middlewareName } }] } : {}),
            // Resolved at synth: callers may create the Service after the route.
            backendRefs: [{ name: p.service, port: Lazy.any({ produce: () => servicePortNumber(scope, p.service, p.port) }) as number }],
          },
        ],
      },
    }),
    'httproute.yaml',
  );
}

/**
 * The number of the Service port named `port` of the Service `service` of the same component: an
 * HTTPRoute's backendRef names the port by number where an Ingress can use its name.
 */
function servicePortNumber(scope: Component, service: string, port: string): number {
  const svc = scope.node.findAll().find((c): c is ApiObject => c instanceof ApiObject && c.kind === 'Service' && c.name === service);
  const ports = (svc?.toJson() as { spec?: { ports?: { name?: string; port?: number }[] } } | undefined)?.spec?.ports ?? [];
  const number = ports.find((x) => x.name === port)?.port;
  if (number === undefined) throw new Error(`${scope.node.path}: the route's backend Service "${service}" with a port named "${port}" must be in the same component`);
  return number;
}

export interface CertificateProps {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly dnsNames: readonly string[];
  readonly tls: CertManagerTlsConfig;
}

/** A cert-manager Certificate whose Secret is `<name>-tls`; returns the Secret's name. */
export function addCertificate(scope: Construct, p: CertificateProps): string {
  const secretName = `${p.name}-tls`;
  setFileName(
    new cm.Certificate(scope, `${p.name}-certificate`, {
      metadata: { name: p.name, namespace: p.namespace, labels: { ...p.labels } },
      spec: { secretName, dnsNames: [...p.dnsNames], issuerRef: { kind: p.tls.issuerKind, name: p.tls.issuerName } },
    }),
    'certificate.yaml',
  );
  return secretName;
}

/**
 * Who the ingress controller's calls come from, as NetworkPolicy peers: the ingress controller's
 * namespace (mode 'ingress'), or the Gateway's proxy pods (mode 'gateway').
 */
export function ingressControllerPeers(cfg: SiteConfig): k8s.NetworkPolicyPeer[] {
  const gateway = cfg.ingress.mode === 'gateway' ? cfg.ingress.gateway : undefined;
  const namespaceSelector = { matchLabels: { 'kubernetes.io/metadata.name': gateway ? (gateway.podNamespace ?? gateway.namespace) : cfg.ingress.controllerNamespace } };
  if (gateway && Object.keys(gateway.podLabels).length > 0) return [{ namespaceSelector, podSelector: { matchLabels: { ...gateway.podLabels } } }];
  return [{ namespaceSelector }];
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
