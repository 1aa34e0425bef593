import { DEFAULT_CONFIG } from './defaults.js';
import { crossFieldIssues } from './cross-field.js';
import { cronSchedule } from './cron.js';
import {
  absPath, bool, cidr, cpuQuantity, dnsLabel, dnsName, fluxInterval, hostPath, httpsUrl, int, ipv4, labelKey, labelValue, leaf, mapOf,
  memoryQuantity, mergeChecked, node, oneOf, optional, repoRelativePath, storageSize, str, strList, timezone, unicastIpv4, wholeNode,
  type ConfigIssue, type Schema,
} from './schema.js';
import type { StackConfig, StackConfigInput } from './types.js';

/** Thrown when a config is invalid; lists every issue with its field, value and fix. */
export class ConfigError extends Error {
  constructor(readonly issues: readonly ConfigIssue[], source = 'config') {
    super(
      `invalid ${source} (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n` +
        issues.map((i) => `  - ${i.path}: ${i.message}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

/** A taint given replaces the default taint whole; its value is required ('' for a taint without one). */
const taint = wholeNode(
  { key: labelKey, value: labelValue, effect: oneOf(['NoSchedule', 'PreferNoSchedule', 'NoExecute']) },
  { effect: 'NoSchedule' },
  { value: "write the taint's value, or '' for a taint without one (as `kubectl taint nodes <node> gpu:NoSchedule` creates)" },
);
const resources = node({
  cpuRequest: optional(cpuQuantity),
  memoryRequest: optional(memoryQuantity),
  memoryLimit: optional(memoryQuantity),
});
const app = (extra: Record<string, Schema> = {}) =>
  node({ enabled: bool, resources: optional(resources), configSize: optional(storageSize), ...extra });
const nfsExport = node({
  server: str(/^(?!.*\.svc(\.cluster\.local)?$)[A-Za-z0-9.-]+$/, 'use an IP or a host name the nodes resolve; kubelet cannot resolve *.svc.cluster.local names'),
  path: absPath,
  mountOptions: strList(str(/^[a-z0-9_]+(=[A-Za-z0-9_.:,/-]+)?$/, 'use an NFS mount option such as "nfsvers=4.1" or "soft"')),
  size: storageSize,
});

/**
 * Extra instances per app. Each is a full app (StatefulSet, volume, Secret, Ingress, network
 * policy, its own databases) requesting about 0.5 GiB of memory, so a homelab needs a handful;
 * the cap keeps a runaway list (10,000 items) from a synth that never finishes, while the
 * benchmark's largest stack (4,000 instances, `npm run bench`) still synthesizes.
 */
export const MAX_EXTRA_INSTANCES = 4000;
const extraInstances = strList(dnsLabel, {
  maxItems: MAX_EXTRA_INSTANCES,
  why: 'each is a whole app with its own volume and about 0.5 GiB of memory; a list this long is a mistake (or run a second stack)',
});
const recyclarrTemplate = str(/^[a-z0-9][a-z0-9-]*$/, 'use a recyclarr config-template id such as "sonarr-v4-quality-profile-web-1080p"');
/** User names Samba and Linux both accept. */
const sambaUser = str(/^[a-z_][a-z0-9_-]{0,31}$/, 'use a lower-case user name such as "media" (letters, digits, "_" and "-", at most 32)');

/** The runtime schema of `StackConfig` (mirrors types.ts). */
export const CONFIG_SCHEMA = node({
  cluster: dnsLabel,
  namespace: dnsLabel,
  timezone,
  uid: int(1, 2147483647),
  gid: int(1, 2147483647),
  nodes: node({
    system: node({ hostnames: strList(dnsName) }),
    storage: node({
      label: labelKey,
      labelValue,
      primaryLabel: labelKey,
      primaryLabelValue: labelValue,
      taint: optional(taint),
      hostnames: strList(dnsName),
    }),
    gpu: node({ nodeSelector: mapOf(labelValue), taint: optional(taint), hostname: dnsName }),
  }),
  storage: node({
    mode: oneOf(['longhorn', 'hostPath']),
    configStorageClass: dnsName,
    rwxStorageClass: dnsName,
    rwxReplicas: int(1, 5),
    symlinkLibrarySize: storageSize,
    media: nfsExport,
    transcode: nfsExport,
    hostPathRoot: hostPath,
    singleNodeHostname: optional(dnsName),
  }),
  ingress: node({
    enabled: bool,
    className: dnsName,
    domain: dnsName,
    tlsSecretName: optional(dnsName),
    controllerNamespace: dnsLabel,
    auth: node({
      mode: oneOf(['apps', 'forward-auth']),
      middleware: optional(str(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?@[a-z]+$/, 'use the name Traefik gives the Middleware, "<namespace>-<name>@kubernetescrd"')),
    }),
  }),
  flux: node({
    interval: fluxInterval,
    namespace: dnsLabel,
    sourceName: dnsName,
    repoPath: leaf((v, path) =>
      v === '.' || (typeof v === 'string' && v.startsWith('./'))
        ? repoRelativePath('"./clusters-out"').check(v, path)
        : `${JSON.stringify(v)} is not valid: use "." or a relative path such as "./clusters-out"`,
    ),
    extraRootResources: strList(repoRelativePath('"flux-system"')),
  }),
  secrets: node({
    backend: oneOf(['sops', 'external-secrets']),
    infisical: node({
      hostAPI: httpsUrl,
      projectSlug: dnsLabel,
      environmentSlug: dnsLabel,
      secretsPath: absPath,
      bootstrapSecretName: dnsName,
    }),
  }),
  networkPolicies: node({
    enabled: bool,
    privateCidrs: strList(cidr),
  }),
  network: node({ podCidr: cidr, serviceCidr: cidr }),
  apps: node({
    sonarr: app({ extraInstances }),
    radarr: app({ extraInstances }),
    prowlarr: app(),
    profilarr: app({ ingress: bool }),
    decypharr: app({ dfsHostPath: hostPath, nfsClusterIP: ipv4, usenet: bool }),
    plex: app({
      serviceType: oneOf(['LoadBalancer', 'ClusterIP', 'NodePort']),
      loadBalancerIP: optional(unicastIpv4),
      gpu: bool,
      renderGroupId: int(1, 65535),
      placement: oneOf(['gpu-node', 'storage-nodes']),
    }),
    clusterplex: app({ workers: int(0, 16), workerSelectionStrategy: oneOf(['LOAD_RANK', 'LOAD_CPU', 'LOAD_TASKS', 'RR']) }),
    pulsarr: app({ ingress: bool }),
    intelGpuPlugin: app({ sharedDevNum: int(1, 64), namespace: dnsLabel }),
    postgres: app({
      apps: strList(oneOf(['sonarr', 'radarr', 'prowlarr'])),
      backupSchedule: cronSchedule,
      backupRetention: int(1, 365),
      backupSize: storageSize,
    }),
    qbittorrent: app({
      ingress: bool,
      webUiPort: int(1024, 65535),
      downloadsSize: storageSize,
      vpn: node({
        provider: oneOf(['gluetun', 'protonwire']),
        serviceProvider: str(/^[a-z0-9 ._-]+$/, 'use a gluetun VPN_SERVICE_PROVIDER such as "protonvpn" or "mullvad"'),
        serverCountries: strList(str(/^[A-Za-z][A-Za-z .-]*$/, 'use a country name such as "Netherlands"')),
        serverHostnames: strList(str(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'use a server host name from the provider, e.g. "node-nl-05.protonvpn.net"')),
        server: optional(str(/^[A-Za-z0-9.#-]+$/, 'use a ProtonVPN server name such as "NL#1", its DNS name or its IP')),
        endpointCidrs: strList(cidr),
        endpointPort: int(1, 65535),
        endpointProtocol: oneOf(['UDP', 'TCP']),
        tunResource: labelKey,
        bootstrapCidrs: strList(cidr),
        portForwarding: bool,
      }),
    }),
    flaresolverr: app(),
    byparr: app(),
    configarr: app({ schedule: cronSchedule, sonarrTemplates: strList(recyclarrTemplate), radarrTemplates: strList(recyclarrTemplate) }),
    samba: app({
      users: strList(sambaUser),
      workgroup: str(/^[A-Za-z0-9_-]{1,15}$/, 'use a NetBIOS workgroup name such as "WORKGROUP" (at most 15 characters)'),
      serviceType: oneOf(['LoadBalancer', 'ClusterIP', 'NodePort']),
      shareDownloads: bool,
    }),
    arrWiring: app({ schedule: cronSchedule }),
  }),
});

/**
 * Fills defaults into `input` and validates it. Throws `ConfigError` listing every problem.
 * @param source how to name the config in messages (e.g. its file path)
 */
export function resolveConfig(input: StackConfigInput = {}, source = 'config'): StackConfig {
  const issues: ConfigIssue[] = [];
  const merged = mergeChecked(CONFIG_SCHEMA, input, DEFAULT_CONFIG, '', issues) as StackConfig;
  if (issues.length === 0) issues.push(...crossFieldIssues(merged));
  if (issues.length > 0) throw new ConfigError(issues, source);
  return merged;
}

/** Identity helper that gives config files type checking and editor completion. */
export function defineConfig(config: StackConfigInput): StackConfigInput {
  return config;
}

