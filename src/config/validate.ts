import { DEFAULT_CONFIG } from './defaults.js';
import {
  absPath, bool, dnsLabel, dnsName, duration, int, ipv4, labelKey, labelValue, mapOf, mergeChecked, node,
  oneOf, optional, quantity, storageSize, str, strList, timezone, url, type ConfigIssue, type Schema,
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

const taint = node({
  key: labelKey,
  value: labelValue,
  effect: oneOf(['NoSchedule', 'PreferNoSchedule', 'NoExecute']),
});
const resources = node({
  cpuRequest: optional(quantity),
  memoryRequest: optional(quantity),
  memoryLimit: optional(quantity),
});
const app = (extra: Record<string, Schema> = {}) =>
  node({ enabled: bool, resources: optional(resources), configSize: optional(storageSize), ...extra });
const nfsExport = node({
  server: str(/^(?!.*\.svc(\.cluster\.local)?$)[A-Za-z0-9.-]+$/, 'use an IP or a host name the nodes resolve; kubelet cannot resolve *.svc.cluster.local names'),
  path: absPath,
  mountOptions: strList(str(/^[a-z0-9_]+(=[A-Za-z0-9_.:,/-]+)?$/, 'use an NFS mount option such as "nfsvers=4.1" or "soft"')),
  size: storageSize,
});

const cidr = str(
  /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\/(3[0-2]|[12]?\d)$/,
  'use an IPv4 CIDR such as "10.0.0.0/8" (a single address is "203.0.113.7/32")',
);
const cron = str(
  /^(@(hourly|daily|weekly|monthly|yearly|annually)|([0-9*,\/-]+\s+){4}[0-9A-Za-z*,\/-]+)$/,
  'use a 5-field cron schedule such as "0 * * * *" or "@daily"',
);
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
    hostPathRoot: absPath,
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
    interval: duration,
    namespace: dnsLabel,
    sourceName: dnsName,
    repoPath: str(/^\.(\/[A-Za-z0-9._-]+)*$/, 'use "." or a relative path such as "./clusters-out"'),
    extraRootResources: strList(str(/^[A-Za-z0-9._/-]+$/, 'use a relative path such as "flux-system"')),
  }),
  secrets: node({
    backend: oneOf(['sops', 'external-secrets']),
    infisical: node({
      hostAPI: url,
      projectSlug: dnsLabel,
      environmentSlug: dnsLabel,
      secretsPath: absPath,
      bootstrapSecretName: dnsName,
    }),
  }),
  networkPolicies: node({
    enabled: bool,
    privateCidrs: strList(str(/^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\/(3[0-2]|[12]?\d)$/, 'use an IPv4 CIDR such as "10.0.0.0/8"')),
  }),
  network: node({ podCidr: cidr, serviceCidr: cidr }),
  apps: node({
    sonarr: app({ extraInstances: strList(dnsLabel) }),
    radarr: app({ extraInstances: strList(dnsLabel) }),
    prowlarr: app(),
    profilarr: app(),
    decypharr: app({ dfsHostPath: absPath, nfsClusterIP: ipv4, usenet: bool }),
    plex: app({
      serviceType: oneOf(['LoadBalancer', 'ClusterIP', 'NodePort']),
      loadBalancerIP: optional(ipv4),
      gpu: bool,
      renderGroupId: int(1, 65535),
      placement: oneOf(['gpu-node', 'storage-nodes']),
    }),
    clusterplex: app({ workers: int(0, 16), workerSelectionStrategy: oneOf(['LOAD_RANK', 'LOAD_CPU', 'LOAD_TASKS', 'RR']) }),
    pulsarr: app(),
    intelGpuPlugin: app({ sharedDevNum: int(1, 64), namespace: dnsLabel }),
    postgres: app({
      apps: strList(oneOf(['sonarr', 'radarr', 'prowlarr'])),
      backupSchedule: cron,
      backupRetention: int(1, 365),
      backupSize: storageSize,
    }),
    qbittorrent: app({
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
    configarr: app({ schedule: cron, sonarrTemplates: strList(recyclarrTemplate), radarrTemplates: strList(recyclarrTemplate) }),
    samba: app({
      users: strList(sambaUser),
      workgroup: str(/^[A-Za-z0-9_-]{1,15}$/, 'use a NetBIOS workgroup name such as "WORKGROUP" (at most 15 characters)'),
      serviceType: oneOf(['LoadBalancer', 'ClusterIP', 'NodePort']),
      shareDownloads: bool,
    }),
    arrWiring: app({ schedule: cron }),
  }),
});

/** Rules that involve more than one field. */
function crossFieldIssues(c: StackConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const a = c.apps;
  const need = (cond: boolean, path: string, message: string) => {
    if (cond) issues.push({ path, message });
  };
  need(
    c.ingress.auth.mode === 'forward-auth' && !c.ingress.auth.middleware,
    'ingress.auth.middleware',
    'mode forward-auth needs the Traefik Middleware that asks for the login, e.g. middleware: \'auth-authelia@kubernetescrd\'; or use mode \'apps\' (each app\'s own login)',
  );
  need(
    a.clusterplex.enabled && !a.plex.enabled,
    'apps.clusterplex.enabled',
    'ClusterPlex extends Plex; enable apps.plex too, or set apps.clusterplex.enabled to false',
  );
  need(
    a.clusterplex.enabled && a.clusterplex.workers > 0 && !a.intelGpuPlugin.enabled,
    'apps.intelGpuPlugin.enabled',
    'ClusterPlex GPU workers request gpu.intel.com/i915, which only the Intel GPU device plugin advertises; enable apps.intelGpuPlugin or set apps.clusterplex.workers to 0',
  );
  need(
    a.plex.enabled && a.plex.gpu && !a.intelGpuPlugin.enabled,
    'apps.plex.gpu',
    'Plex GPU access needs the Intel GPU device plugin; enable apps.intelGpuPlugin or set apps.plex.gpu to false',
  );
  need(
    a.plex.enabled && a.plex.gpu && a.clusterplex.enabled && a.clusterplex.workers > 0 && a.intelGpuPlugin.sharedDevNum < 2,
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
    a.postgres.enabled && !a.postgres.apps.some((k) => a[k].enabled),
    'apps.postgres.apps',
    'names no enabled app; enable one of them or disable apps.postgres',
  );
  need(
    a.samba.enabled && a.samba.users.length === 0,
    'apps.samba.users',
    'is empty; list at least one SMB user such as ["media"]',
  );
  for (const arr of ['sonarr', 'radarr'] as const) {
    for (const inst of a[arr].extraInstances) {
      need(inst === arr, `apps.${arr}.extraInstances`, `instance suffix '${inst}' would repeat the app name; use e.g. '4k'`);
    }
  }
  return issues;
}

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

