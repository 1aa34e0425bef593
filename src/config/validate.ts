import type { AppConfigSlice } from './apps.js';
import { BASE_DEFAULTS } from './defaults.js';
import { crossFieldIssues } from './cross-field.js';
import {
  absPath,
  bool,
  cidr,
  dnsLabel,
  dnsName,
  fluxInterval,
  fluxSubstitute,
  hostPath,
  httpsUrl,
  int,
  labelKey,
  labelValue,
  leaf,
  mapOf,
  mergeChecked,
  node,
  oneOf,
  optional,
  repoRelativePath,
  storageSize,
  str,
  strList,
  timezone,
  wholeNode,
  type ConfigIssue,
  type Schema,
} from './schema.js';
import type { StackConfig, StackConfigInput } from './types.js';

/** Thrown when a config is invalid; lists every issue with its field, value and fix. */
export class ConfigError extends Error {
  constructor(
    readonly issues: readonly ConfigIssue[],
    source = 'config',
  ) {
    super(`invalid ${source} (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n` + issues.map((i) => `  - ${i.path}: ${i.message}`).join('\n'));
    this.name = 'ConfigError';
  }
}

/** A taint given replaces the default taint whole; its value is required ('' for a taint without one). */
const taint = wholeNode(
  { key: labelKey, value: labelValue, effect: oneOf(['NoSchedule', 'PreferNoSchedule', 'NoExecute']) },
  { effect: 'NoSchedule' },
  { value: "write the taint's value, or '' for a taint without one (as `kubectl taint nodes <node> gpu:NoSchedule` creates)" },
);
const nfsExport = node({
  server: str(/^(?!.*\.svc(\.cluster\.local)?$)[A-Za-z0-9.-]+$/, 'use an IP or a host name the nodes resolve; kubelet cannot resolve *.svc.cluster.local names'),
  path: absPath,
  mountOptions: strList(str(/^[a-z0-9_]+(=[A-Za-z0-9_.:,/-]+)?$/, 'use an NFS mount option such as "nfsvers=4.1" or "soft"')),
  size: storageSize,
});

/** The runtime schema of `StackConfig` without `apps` (mirrors types.ts; the apps' slices come from their modules). */
const BASE_FIELDS = {
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
    mode: oneOf(['ingress', 'gateway']),
    gateway: optional(
      wholeNode(
        { name: dnsName, namespace: dnsLabel, sectionName: optional(dnsName), podNamespace: optional(dnsLabel), podLabels: mapOf(labelValue) },
        { podLabels: {} },
        { name: "name the Gateway the routes attach to, e.g. 'envoy-internal'", namespace: "name the Gateway's namespace, e.g. 'network'" },
      ),
    ),
    tls: optional(
      wholeNode(
        { issuerKind: oneOf(['ClusterIssuer', 'Issuer']), issuerName: dnsName },
        { issuerKind: 'ClusterIssuer' },
        { issuerName: "name the cert-manager issuer that signs the certificates, e.g. 'letsencrypt-production'" },
      ),
    ),
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
    targetNamespace: bool,
    substitute: fluxSubstitute,
    substituteFrom: strList(
      str(/^(ConfigMap|Secret)\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'write the kind and the name, e.g. "Secret/cluster-secrets" or "ConfigMap/cluster-settings"'),
    ),
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
  rollout: node({ restartOnChange: oneOf(['checksum', 'reloader']) }),
  kubernetesVersion: oneOf(['1.28', '1.34']),
  gpu: node({ mode: oneOf(['device-plugin', 'dra']) }),
};

/** The schema, the defaults and the validation of a stack made of the given app slices. */
export interface ConfigResolver {
  readonly schema: Schema;
  readonly defaults: StackConfig;
  /**
   * Fills defaults into `input` and validates it. Throws `ConfigError` listing every problem.
   * @param source how to name the config in messages (e.g. its file path)
   */
  readonly resolve: (input?: StackConfigInput, source?: string) => StackConfig;
}

/** Puts the stack's schema and defaults together from the app slices (in registry order). */
export function configResolver(apps: readonly AppConfigSlice[]): ConfigResolver {
  const seen = new Set<string>();
  for (const a of apps) {
    if (seen.has(a.key)) throw new Error(`two app modules claim the config field apps.${a.key}`);
    seen.add(a.key);
  }
  const schema = node({ ...BASE_FIELDS, apps: node(Object.fromEntries(apps.map((a) => [a.key, a.schema]))) });
  const defaults = { ...BASE_DEFAULTS, apps: Object.fromEntries(apps.map((a) => [a.key, a.defaults])) } as unknown as StackConfig;
  return {
    schema,
    defaults,
    resolve(input: StackConfigInput = {}, source = 'config'): StackConfig {
      const issues: ConfigIssue[] = [];
      const merged = mergeChecked(schema, input, defaults, '', issues) as StackConfig;
      if (issues.length === 0) issues.push(...crossFieldIssues(merged));
      if (issues.length > 0) throw new ConfigError(issues, source);
      return merged;
    },
  };
}

/** Identity helper that gives config files type checking and editor completion. */
export function defineConfig(config: StackConfigInput): StackConfigInput {
  return config;
}
