/**
 * Config rules that involve more than one field: what the API server, the apps or the cluster
 * would refuse (or quietly break on) although every field is well-formed on its own.
 */
import { cidrsOverlap, inCidr, ipv4String, ipv4Value, parseCidr, quantityValue, type ConfigIssue } from './schema.js';
import type { AppConfig, StackConfig } from './types.js';
import { externalWorkerIssues } from '../apps/clusterplex/config.js';

/** Rules that involve more than one field (after every field passed its own check). */
export function crossFieldIssues(c: StackConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const a = c.apps;
  const need = (cond: boolean, path: string, message: string) => {
    if (cond) issues.push({ path, message });
  };
  need(
    c.ingress.auth.mode === 'forward-auth' && !c.ingress.auth.middleware,
    'ingress.auth.middleware',
    "mode forward-auth needs the Traefik Middleware that asks for the login, e.g. middleware: 'auth-authelia@kubernetescrd'; or use mode 'apps' (each app's own login)",
  );
  issues.push(...ingressModeIssues(c));
  need(
    a.failback.enabled && c.storage.mode === 'hostPath',
    'apps.failback.enabled',
    "failback moves the streaming stack back to the primary storage node; the single-node (hostPath) layout has one node: set it to false, or use storage.mode 'longhorn'",
  );
  need(
    a.failback.enabled && a.failback.mode === 'deployment' && a.failback.importGuard,
    'apps.failback.importGuard',
    "a Deployment runs the descheduler's loop without a step before each run, so nothing could check the queues: use mode 'cronjob', or set importGuard to false",
  );
  issues.push(...externalWorkerIssues(c));
  need(a.clusterplex.enabled && !a.plex.enabled, 'apps.clusterplex.enabled', 'ClusterPlex extends Plex; enable apps.plex too, or set apps.clusterplex.enabled to false');
  need(
    a.clusterplex.enabled && a.clusterplex.workers > 0 && !a.intelGpuPlugin.enabled,
    'apps.intelGpuPlugin.enabled',
    c.gpu.mode === 'dra'
      ? "ClusterPlex GPU workers claim a device of DeviceClass gpu.intel.com, which only Intel's GPU resource driver publishes; enable apps.intelGpuPlugin (with gpu.mode 'dra' it deploys the driver) or set apps.clusterplex.workers to 0"
      : 'ClusterPlex GPU workers request gpu.intel.com/i915, which only the Intel GPU device plugin advertises; enable apps.intelGpuPlugin or set apps.clusterplex.workers to 0',
  );
  need(
    a.plex.enabled && a.plex.gpu && !a.intelGpuPlugin.enabled,
    'apps.plex.gpu',
    `Plex GPU access needs the Intel GPU ${c.gpu.mode === 'dra' ? 'resource driver' : 'device plugin'}; enable apps.intelGpuPlugin or set apps.plex.gpu to false`,
  );
  need(
    c.gpu.mode === 'device-plugin' && a.plex.enabled && a.plex.gpu && a.clusterplex.enabled && a.clusterplex.workers > 0 && a.intelGpuPlugin.sharedDevNum < 2,
    'apps.intelGpuPlugin.sharedDevNum',
    `is ${a.intelGpuPlugin.sharedDevNum}, but Plex and a ClusterPlex worker may share one GPU; set it to 2 or more`,
  );
  need(
    a.plex.loadBalancerIP !== undefined && a.plex.serviceType !== 'LoadBalancer',
    'apps.plex.loadBalancerIP',
    `is set but apps.plex.serviceType is '${a.plex.serviceType}'; set serviceType to 'LoadBalancer' or remove loadBalancerIP`,
  );
  need(
    (a.profilarr.enabled || a.pulsarr.enabled) && !a.sonarr.enabled && !a.radarr.enabled,
    'apps.sonarr.enabled',
    'Profilarr and Pulsarr manage Sonarr/Radarr; enable at least one of apps.sonarr / apps.radarr, or disable them',
  );
  // Seed-004 components.
  const q = a.qbittorrent;
  need(
    q.enabled && q.vpn.endpointCidrs.length === 0,
    'apps.qbittorrent.vpn.endpointCidrs',
    'is empty, but the qBittorrent kill switch allows egress only to the VPN endpoint; list the VPN server address(es), e.g. ["203.0.113.7/32"]',
  );
  need(
    q.enabled && q.vpn.provider === 'gluetun' && q.vpn.serviceProvider !== 'custom' && q.vpn.serverHostnames.length === 0,
    'apps.qbittorrent.vpn.serverHostnames',
    'is empty, so gluetun may pick any server of the provider while the kill switch only lets traffic reach vpn.endpointCidrs; list the server host names whose addresses are in endpointCidrs',
  );
  need(
    q.enabled && q.vpn.provider === 'protonwire' && q.vpn.server === undefined,
    'apps.qbittorrent.vpn.server',
    "is required with vpn.provider 'protonwire' (PROTONVPN_SERVER, e.g. \"NL#1\" or the server's IP)",
  );
  need(
    q.enabled && q.vpn.provider === 'protonwire' && q.vpn.portForwarding,
    'apps.qbittorrent.vpn.portForwarding',
    "is a gluetun option; set it to false with vpn.provider 'protonwire'",
  );
  need(
    a.configarr.enabled && !a.sonarr.enabled && !a.radarr.enabled,
    'apps.configarr.enabled',
    'Configarr configures Sonarr/Radarr; enable at least one of apps.sonarr / apps.radarr, or disable Configarr',
  );
  need(
    a.postgres.enabled && !a.postgres.apps.some((k) => (a as unknown as Record<string, AppConfig | undefined>)[k]?.enabled),
    'apps.postgres.apps',
    'names no enabled app; enable one of them or disable apps.postgres',
  );
  need(
    c.gpu.mode === 'dra' && c.kubernetesVersion !== '1.34',
    'gpu.mode',
    `'dra' needs Kubernetes/k3s 1.34 or newer (resource.k8s.io/v1), but kubernetesVersion is '${c.kubernetesVersion}': set kubernetesVersion: '1.34' once every node runs v1.34+, or keep gpu.mode 'device-plugin'`,
  );
  need(a.samba.enabled && a.samba.users.length === 0, 'apps.samba.users', 'is empty; list at least one SMB user such as ["media"]');
  issues.push(...networkIssues(c), ...namespaceIssues(c), ...instanceIssues(c), ...resourceIssues(c), ...nasMountIssues(c), ...untaintedNodeIssues(c));
  return issues;
}

/**
 * Both NAS exports are mounted read-write by someone, and a PV's options apply to every pod that
 * mounts it: nfs(5) warns that a soft timeout can corrupt data silently.
 */
function nasMountIssues(c: StackConfig): ConfigIssue[] {
  if (c.storage.mode !== 'longhorn') return [];
  const writers = { media: 'the *arr apps import into the media library', transcode: 'Plex and the ClusterPlex workers write transcodes' } as const;
  return (Object.keys(writers) as (keyof typeof writers)[]).flatMap((name) => {
    const soft = c.storage[name].mountOptions.filter((o) => o === 'soft' || o === 'softerr');
    return soft.length === 0
      ? []
      : [
          {
            path: `storage.${name}.mountOptions`,
            message: `has '${soft.join("', '")}', but ${writers[name]}: a soft NFS timeout can leave a write half done without the app noticing (nfs(5): "silent data corruption"); use 'hard'`,
          },
        ];
  });
}

/**
 * The storage and GPU taints must leave the cluster's own pods (CoreDNS, Traefik, Flux, Longhorn's
 * Deployments — they tolerate none of them) at least one node: `nodes.system.hostnames` names
 * it, and it must not be one of the nodes that get a taint. Single-node (hostPath) mode taints
 * nothing.
 */
export function untaintedNodeIssues(c: StackConfig): ConfigIssue[] {
  if (c.storage.mode !== 'longhorn') return [];
  const n = c.nodes;
  const tainted = new Map<string, string>();
  if (n.storage.taint) for (const h of n.storage.hostnames) tainted.set(h, 'nodes.storage.taint');
  if (n.gpu.taint) tainted.set(n.gpu.hostname, 'nodes.gpu.taint');
  if (tainted.size === 0) return [];
  const issues: ConfigIssue[] = [];
  const fields = [...new Set(tainted.values())];
  if (n.system.hostnames.length === 0) {
    issues.push({
      path: 'nodes.system.hostnames',
      message:
        `is empty, but ${fields.join(' and ')} taint${fields.length === 1 ? 's' : ''} every node the stack names (${[...tainted.keys()].join(', ')}): ` +
        "CoreDNS, Traefik, the Flux controllers and Longhorn's Deployments tolerate none of these taints and would have nowhere to run; " +
        "list the node(s) that stay untainted, e.g. ['k3s-server']",
    });
  }
  n.system.hostnames.forEach((h, i) => {
    const field = tainted.get(h);
    if (field) {
      issues.push({
        path: `nodes.system.hostnames[${i}]`,
        message: `'${h}' gets the taint of ${field}, so it cannot stay untainted; name a node that gets no taint here (e.g. the k3s server)`,
      });
    }
  });
  return issues;
}

/**
 * The static band of a Service CIDR (KEP-3070, "Service ClusterIP allocation" in the Kubernetes
 * docs): the first min(max(16, size/16), 256) addresses after the network address. Dynamic
 * allocation takes the upper band first, so a pinned ClusterIP there can be taken by any
 * Service created before it.
 */
export function staticServiceBand(cidr: string): { first: string; last: string; firstValue: number; lastValue: number } {
  const c = parseCidr(cidr)!;
  const offset = Math.min(Math.max(16, c.size / 16), 256);
  const firstValue = c.base + 1;
  const lastValue = Math.min(c.base + offset, c.base + c.size - 2);
  return { first: ipv4String(firstValue), last: ipv4String(lastValue), firstValue, lastValue };
}

function networkIssues(c: StackConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const pods = parseCidr(c.network.podCidr)!;
  const services = parseCidr(c.network.serviceCidr)!;
  if (cidrsOverlap(pods, services)) {
    issues.push({
      path: 'network.serviceCidr',
      message: `'${c.network.serviceCidr}' overlaps network.podCidr '${c.network.podCidr}'; pod and Service addresses must be disjoint (k3s defaults: 10.42.0.0/16 and 10.43.0.0/16). Use the values your cluster was started with (--cluster-cidr, --service-cidr)`,
    });
  }
  const d = c.apps.decypharr;
  if (d.enabled) {
    const ip = ipv4Value(d.nfsClusterIP)!;
    const band = staticServiceBand(c.network.serviceCidr);
    const path = 'apps.decypharr.nfsClusterIP';
    const suggest = `e.g. '${ipv4String(services.base + 49 <= band.lastValue ? services.base + 49 : band.lastValue)}'`;
    if (!inCidr(ip, services)) {
      issues.push({
        path,
        message: `'${d.nfsClusterIP}' is outside network.serviceCidr '${c.network.serviceCidr}', so the API server refuses the Service; pick an address in the static band ${band.first}–${band.last}, ${suggest}`,
      });
    } else if (ip === services.base || ip === services.base + services.size - 1) {
      issues.push({
        path,
        message: `'${d.nfsClusterIP}' is the network or broadcast address of ${c.network.serviceCidr}; pick an address in the static band ${band.first}–${band.last}, ${suggest}`,
      });
    } else if (ip === services.base + 1) {
      issues.push({ path, message: `'${d.nfsClusterIP}' is the first address of ${c.network.serviceCidr}, which the API server gives the \`kubernetes\` Service; ${suggest}` });
    } else if (ip === services.base + 10) {
      issues.push({ path, message: `'${d.nfsClusterIP}' is the 10th address of ${c.network.serviceCidr}, by convention the cluster DNS Service (k3s: 10.43.0.10); ${suggest}` });
    } else if (ip > band.lastValue) {
      issues.push({
        path,
        message: `'${d.nfsClusterIP}' is in the dynamic band of ${c.network.serviceCidr}, where any new Service may take it first; statically chosen ClusterIPs belong in the static band ${band.first}–${band.last} (KEP-3070), ${suggest}`,
      });
    }
    if (inCidr(ip, pods)) issues.push({ path, message: `'${d.nfsClusterIP}' is inside network.podCidr '${c.network.podCidr}'; a ClusterIP must be a Service address, ${suggest}` });
  }
  return issues;
}

/** The fields `ingress.mode` needs, or cannot use. */
function ingressModeIssues(c: StackConfig): ConfigIssue[] {
  const ing = c.ingress;
  if (!ing.enabled) return [];
  const issues: ConfigIssue[] = [];
  if (ing.mode === 'gateway') {
    if (!ing.gateway)
      issues.push({
        path: 'ingress.gateway',
        message: "mode 'gateway' needs the parent Gateway of the HTTPRoutes, e.g. gateway: { name: 'envoy-internal', namespace: 'network' }; or use mode 'ingress'",
      });
    if (ing.tlsSecretName)
      issues.push({
        path: 'ingress.tlsSecretName',
        message:
          "is an Ingress setting: in mode 'gateway' TLS ends at the Gateway, whose HTTPS listener names its certificate; remove tlsSecretName, or set ingress.tls to have the stack write a cert-manager Certificate for that listener",
      });
    const middleware = ing.auth.mode === 'forward-auth' ? ing.auth.middleware : undefined;
    if (middleware && middlewareInNamespace(middleware, c.namespace) === undefined)
      issues.push({
        path: 'ingress.auth.middleware',
        message: `is '${middleware}', but in mode 'gateway' an HTTPRoute reaches a Traefik Middleware through an ExtensionRef filter, which names a Middleware of the route's own namespace: create the forwardAuth Middleware in '${c.namespace}' and set middleware: '${c.namespace}-<name>@kubernetescrd' (needs Traefik as the Gateway's controller)`,
      });
  } else if (ing.gateway) {
    issues.push({ path: 'ingress.gateway', message: "is only used in mode 'gateway'; set ingress.mode: 'gateway' to publish HTTPRoutes, or remove ingress.gateway" });
  }
  if (ing.tls && ing.tlsSecretName)
    issues.push({
      path: 'ingress.tlsSecretName',
      message: 'and ingress.tls both give the certificate; keep tlsSecretName (a Secret you provide) or tls (cert-manager Certificates written by the stack), not both',
    });
  return issues;
}

/**
 * The Middleware's own name when Traefik's annotation form `<namespace>-<name>@kubernetescrd`
 * names a Middleware of `namespace`; undefined for one of another namespace or provider.
 */
export function middlewareInNamespace(annotationName: string, namespace: string): string | undefined {
  const prefix = `${namespace}-`;
  const suffix = '@kubernetescrd';
  if (!annotationName.startsWith(prefix) || !annotationName.endsWith(suffix)) return undefined;
  const name = annotationName.slice(prefix.length, -suffix.length);
  return name === '' ? undefined : name;
}

/** Namespaces that belong to the cluster itself: a default-deny policy there cuts off CoreDNS, Flux or the ingress controller. */
const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease', 'flux-system', 'longhorn-system', 'metallb-system', 'cert-manager'];

function namespaceIssues(c: StackConfig): ConfigIssue[] {
  const owners: [string, string][] = [
    [c.flux.namespace, 'flux.namespace (Flux controllers)'],
    [c.ingress.controllerNamespace, 'ingress.controllerNamespace (the ingress controller)'],
  ];
  const gw = c.ingress.mode === 'gateway' ? c.ingress.gateway : undefined;
  if (gw) owners.push([gw.namespace, 'ingress.gateway.namespace (the Gateway)'], [gw.podNamespace ?? gw.namespace, 'ingress.gateway.podNamespace (the Gateway proxy)']);
  const system = SYSTEM_NAMESPACES.includes(c.namespace) || c.namespace.startsWith('kube-');
  const owner = owners.find(([ns]) => ns === c.namespace);
  if (!system && !owner) return [];
  return [
    {
      path: 'namespace',
      message: `'${c.namespace}' is ${system ? 'a system namespace' : `also ${owner![1]}`}; the stack default-denies traffic in its namespace and prunes what it owns there, which would cut off the cluster's own pods (CoreDNS, Flux, the ingress controller). Use a namespace of its own such as 'media'`,
    },
  ];
}

/**
 * Longest instance name (`sonarr-<suffix>`): the StatefulSet's pods get the label
 * `controller-revision-hash: <name>-<10-character hash>`, which must fit a 63-character label
 * value (kubernetes/kubernetes#64023), so the name may have at most 52.
 */
export const MAX_INSTANCE_NAME = 52;

function instanceIssues(c: StackConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const names = new Map<string, string>();
  // Every app with extra instances (the Servarr library managers), whatever their module.
  const multi = (Object.entries(c.apps) as [string, AppConfig & { extraInstances?: readonly string[] }][]).filter(
    (e): e is [string, AppConfig & { extraInstances: readonly string[] }] => Array.isArray(e[1].extraInstances),
  );
  for (const [kind, app] of multi) {
    names.set(kind, `apps.${kind}`);
    app.extraInstances.forEach((suffix, i) => names.set(`${kind}-${suffix}`, `apps.${kind}.extraInstances[${i}]`));
  }
  for (const [kind, app] of multi) {
    app.extraInstances.forEach((suffix, i) => {
      const name = `${kind}-${suffix}`;
      const path = `apps.${kind}.extraInstances[${i}]`;
      if (suffix === kind) {
        issues.push({ path, message: `instance suffix '${suffix}' would repeat the app name; use e.g. '4k'` });
      } else if (name.length > MAX_INSTANCE_NAME) {
        issues.push({
          path,
          message: `'${suffix}' makes the instance name '${name}' ${name.length} characters long; its StatefulSet's pods carry the label controller-revision-hash '<name>-<hash>', which Kubernetes limits to 63, so the name may have at most ${MAX_INSTANCE_NAME} (a suffix of at most ${MAX_INSTANCE_NAME - kind.length - 1}). Use a shorter suffix such as '4k'`,
        });
      } else if (suffix.endsWith('-headless') && names.has(name.slice(0, -'-headless'.length))) {
        issues.push({
          path,
          message: `'${suffix}' makes the instance '${name}', whose Service would take the name of the headless Service of ${names.get(name.slice(0, -'-headless'.length))}; use another suffix`,
        });
      } else if (suffix === 'headless') {
        issues.push({ path, message: `'${suffix}' makes the instance '${name}', whose Service would take the name of ${kind}'s own headless Service; use another suffix` });
      }
    });
  }
  return issues;
}

/** A memory request above the limit makes the API server refuse the pod; both given in the config are compared here. */
function resourceIssues(c: StackConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const [name, app] of Object.entries(c.apps) as [string, AppConfig][]) {
    const r = app.resources;
    const err = r?.memoryRequest && r.memoryLimit ? memoryRequestAboveLimit(r.memoryRequest, r.memoryLimit) : undefined;
    if (err) issues.push({ path: `apps.${name}.resources.memoryRequest`, message: err });
  }
  return issues;
}

/** Why a memory request does not fit its limit, or undefined. */
export function memoryRequestAboveLimit(request: string, limit: string): string | undefined {
  return quantityValue(request)! > quantityValue(limit)!
    ? `'${request}' is above the memory limit '${limit}'; Kubernetes refuses a request above its limit. Raise memoryLimit or lower memoryRequest`
    : undefined;
}
