/**
 * The typed description of a media stack. Every field is optional in `StackConfigInput` (what an
 * operator writes) and filled from the documented default to give a `StackConfig` (what the
 * constructs read). Defaults reproduce the seed homelab: k3s with Flux, storage nodes w1/w2 with
 * Longhorn, GPU node w3, Unraid NFS for media and transcode, Traefik ingress at `<app>.homelab`.
 */

/** Pod placement on the storage nodes (Longhorn, active-passive w1 → w2). */
export interface StorageNodesConfig {
  /**
   * Node label (key) that marks a Longhorn storage node; pods require it.
   * @default 'node.longhorn.io/storage'
   */
  readonly label: string;
  /** @default 'enabled' */
  readonly labelValue: string;
  /**
   * Node label that marks the preferred (primary) storage node; pods prefer it.
   * @default 'node.longhorn.io/primary'
   */
  readonly primaryLabel: string;
  /** @default 'true' */
  readonly primaryLabelValue: string;
  /**
   * Taint on the storage nodes that stack pods tolerate (`key=value:NoSchedule`).
   * @default - `node.longhorn.io/storage=enabled:NoSchedule`
   */
  readonly taint?: TaintConfig;
  /** Host names, used in runbooks only. @default ['k3s-w1', 'k3s-w2'] */
  readonly hostnames: readonly string[];
}

export interface TaintConfig {
  /** Taint key, e.g. `gpu`. @default - required when a taint is given */
  readonly key: string;
  /**
   * Taint value, e.g. `true`; `''` for a taint without a value (`kubectl taint nodes n gpu:NoSchedule`).
   * A taint given in the config replaces the default taint whole, so the value is never taken from it.
   * @default - required when a taint is given
   */
  readonly value: string;
  /** @default 'NoSchedule' */
  readonly effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

/** The GPU (transcode) node. */
export interface GpuNodeConfig {
  /**
   * Node labels that select the GPU node(s). With Node Feature Discovery use
   * `{ 'intel.feature.node.kubernetes.io/gpu': 'true' }`.
   * @default { gpu: 'true' }
   */
  readonly nodeSelector: Readonly<Record<string, string>>;
  /** Taint on the GPU node that GPU pods tolerate. @default - `gpu=true:NoSchedule` */
  readonly taint?: TaintConfig;
  /** Host name, used in runbooks only. @default 'k3s-w3' */
  readonly hostname: string;
}

/**
 * Nodes that stay untainted. The storage and GPU taints keep everything that does not tolerate
 * them off those nodes — also the cluster's own pods (CoreDNS, Traefik, metrics-server, the Flux
 * controllers, Longhorn's Deployments), which tolerate none of them. They need at least one node
 * without a taint.
 */
export interface SystemNodesConfig {
  /**
   * Host names of the nodes that get no taint (typically the k3s server). Required while a
   * storage or GPU taint is set; may not repeat a tainted storage or GPU node.
   * @default ['k3s-server'] (the seed names no server node: check `kubectl get nodes`)
   */
  readonly hostnames: readonly string[];
}

export interface NodesConfig {
  /** @default - see SystemNodesConfig */
  readonly system: SystemNodesConfig;
  /** @default - see StorageNodesConfig */
  readonly storage: StorageNodesConfig;
  /** @default - see GpuNodeConfig */
  readonly gpu: GpuNodeConfig;
}

/** An NFS export. */
export interface NfsExport {
  /**
   * Server address. kubelet mounts NFS on the node with the node's resolver, so use an IP or a
   * name the nodes resolve (never a `*.svc.cluster.local` name).
   * @default - media and transcode: 'unraid.homelab'
   */
  readonly server: string;
  /** Exported path. @default - media: '/mnt/user/media', transcode: '/mnt/user/transcode' */
  readonly path: string;
  /**
   * Mount options. Both NAS exports are written (imports, transcodes), so `soft`/`softerr` are
   * refused: a soft timeout can corrupt data silently (nfs(5)).
   * @default ['nfsvers=4.1', 'hard', 'timeo=100', 'retrans=3']
   */
  readonly mountOptions: readonly string[];
  /** Capacity written on the PV/PVC (informational for NFS). @default - media: '100Gi', transcode: '500Gi' */
  readonly size: string;
}

export interface StorageConfig {
  /**
   * `longhorn`: config volumes on Longhorn, media and transcode on NFS, HA placement (seed 000).
   * `hostPath`: everything under `hostPathRoot` on a single node (seed 004).
   * @default 'longhorn'
   */
  readonly mode: 'longhorn' | 'hostPath';
  /** StorageClass for per-app config volumes (RWO). @default 'longhorn-simple' */
  readonly configStorageClass: string;
  /** StorageClass (created by the stack) for the RWX symlink library. @default 'longhorn-rwx' */
  readonly rwxStorageClass: string;
  /** Longhorn replica count of the RWX class. @default 2 */
  readonly rwxReplicas: number;
  /** Size of the symlink library volume. @default '100Mi' */
  readonly symlinkLibrarySize: string;
  /** Permanent media library (mounted read-only by players, read-write by the *arr apps). @default - Unraid `unraid.homelab:/mnt/user/media` */
  readonly media: NfsExport;
  /** Shared transcode scratch space (RWX; Plex and every ClusterPlex worker at the same path). @default - Unraid `unraid.homelab:/mnt/user/transcode` */
  readonly transcode: NfsExport;
  /** Root of all host paths in `hostPath` mode (a dedicated directory: never `/` or a system directory). @default '/data' */
  readonly hostPathRoot: string;
  /** The hostname of the single node in `hostPath` mode (pods are pinned to it). @default - not pinned */
  readonly singleNodeHostname?: string;
}

/**
 * Who asks for a login before a web UI behind an Ingress answers. Requests through the ingress
 * controller arrive from private addresses, so "no login for local addresses" would mean no login
 * for anyone who reaches the ingress.
 */
export interface IngressAuthConfig {
  /**
   * - `'apps'`: each app's own login, required for every address (Sonarr/Radarr/Prowlarr Forms
   *   login; create the user once, see docs/<cluster>/post-deploy.md of the output). Decypharr gets its login
   *   switched on but no Ingress (its sign-up page stays open to anyone who reaches it): open it
   *   through `kubectl port-forward`.
   * - `'forward-auth'`: a Traefik forwardAuth Middleware you run (Authelia, Authentik…) guards every
   *   UI Ingress except Plex's (Plex clients sign in with plex.tv); Sonarr/Radarr/Prowlarr use
   *   authentication method External (no login of their own, the API still needs its key).
   * @default 'apps'
   */
  readonly mode: 'apps' | 'forward-auth';
  /**
   * The Middleware as Traefik's `router.middlewares` annotation names it,
   * `<namespace>-<name>@kubernetescrd` (e.g. `auth-authelia@kubernetescrd`). Required with
   * mode `'forward-auth'`.
   * @default - none
   */
  readonly middleware?: string;
}

/**
 * The Gateway (Gateway API) the web UIs' HTTPRoutes attach to. The Gateway, its listeners and its
 * controller are the operator's, as in onedr0p/home-ops (`envoy-internal` in `network`, shared by
 * every app of the cluster); the stack only attaches routes to it.
 */
export interface GatewayParentConfig {
  /** The Gateway's name, e.g. `'envoy-internal'`. @default - none (required with `gateway`) */
  readonly name: string;
  /** The Gateway's namespace, e.g. `'network'`. @default - none (required with `gateway`) */
  readonly namespace: string;
  /**
   * The listener the routes attach to (`parentRefs[].sectionName`), e.g. `'https'`.
   * @default - every listener of the Gateway that admits routes from the stack's namespace
   */
  readonly sectionName?: string;
  /**
   * Namespace of the gateway's proxy pods, the pods that call the apps (for NetworkPolicies).
   * @default - the Gateway's `namespace` (Envoy Gateway and Traefik run their proxies there)
   */
  readonly podNamespace?: string;
  /**
   * Labels that select the proxy pods within `podNamespace` (for NetworkPolicies), e.g.
   * `{ 'gateway.envoyproxy.io/owning-gateway-name': 'envoy-internal' }`.
   * @default - none: every pod of `podNamespace` (`{}`)
   */
  readonly podLabels: Readonly<Record<string, string>>;
}

/**
 * Certificates from cert-manager. In mode `'ingress'` each Ingress gets a Certificate for its
 * host (`<app>-tls`) and a `tls:` block naming its Secret; in mode `'gateway'` TLS ends at the
 * Gateway, so the stack writes one Certificate for `*.<domain>` into the Gateway's namespace
 * (Secret `<namespace>-wildcard-tls`) for the Gateway's HTTPS listener to name in
 * `tls.certificateRefs` (the way onedr0p/home-ops keeps its wildcard certificate next to its Gateways).
 */
export interface CertManagerTlsConfig {
  /** The issuer's kind. An `Issuer` must be in the Certificate's namespace. @default - `'ClusterIssuer'` when `tls` is given */
  readonly issuerKind: 'ClusterIssuer' | 'Issuer';
  /** The issuer's name, e.g. `'letsencrypt-production'`. @default - none (required with `tls`) */
  readonly issuerName: string;
}

export interface IngressConfig {
  /** Create Ingresses (or HTTPRoutes) for the web UIs. @default true */
  readonly enabled: boolean;
  /**
   * How the web UIs are published:
   * - `'ingress'`: an Ingress per UI for `className` (Traefik, the k3s default);
   * - `'gateway'`: an HTTPRoute (`gateway.networking.k8s.io/v1`) per UI attached to `gateway`.
   * @default 'ingress'
   */
  readonly mode: 'ingress' | 'gateway';
  /** The parent Gateway of the HTTPRoutes. Required with mode `'gateway'`. @default - none */
  readonly gateway?: GatewayParentConfig;
  /** TLS certificates from cert-manager (either mode). @default - none (see `tlsSecretName`) */
  readonly tls?: CertManagerTlsConfig;
  /** `ingressClassName`. @default 'traefik' */
  readonly className: string;
  /** Hosts are `<app>.<domain>`. @default 'homelab' */
  readonly domain: string;
  /** Name of a TLS Secret (e.g. a cert-manager wildcard) in the namespace, for mode `'ingress'`. @default - plain HTTP */
  readonly tlsSecretName?: string;
  /** Namespace of the ingress controller pods (for NetworkPolicies). @default 'kube-system' (k3s Traefik) */
  readonly controllerNamespace: string;
  /** Logins in front of the web UIs. @default - { mode: 'apps' } */
  readonly auth: IngressAuthConfig;
}

export interface FluxConfig {
  /** `spec.interval` of every Flux Kustomization (a Go duration, at least `1m`). @default '1h' */
  readonly interval: string;
  /** Namespace of the Flux Kustomizations and of the `sops-age` Secret. @default 'flux-system' */
  readonly namespace: string;
  /** GitRepository the Kustomizations read. @default 'flux-system' */
  readonly sourceName: string;
  /**
   * Folder of the output tree inside the GitOps repository (prefix of every `spec.path`). The
   * synth replaces its output folder as a whole, so it is a folder of its own: synthesize into
   * `<GitOps repository>/<repoPath>`. `'.'` only fits an output that is the repository root.
   * @default './media-stack' (the committed dist/ is `<GitOps repository>/media-stack`)
   */
  readonly repoPath: string;
  /**
   * Extra entries for the cluster root kustomization.yaml, e.g. `['flux-system']` when
   * `flux bootstrap` wrote its files into the same cluster folder.
   * @default []
   */
  readonly extraRootResources: readonly string[];
  /**
   * Set `spec.targetNamespace` of each app's Flux Kustomization to its namespace, as home-ops and
   * cluster-template do: Flux then puts the folder's namespaced objects there even in a tree whose
   * overlays set another one. Only on a folder whose namespaced objects all are in that namespace.
   * @default false
   */
  readonly targetNamespace: boolean;
  /**
   * Variables Flux substitutes for `${NAME}` in every app folder (`spec.postBuild.substitute`, as
   * home-ops' `APP`), e.g. for the components of hand-made overlays. An object of the stack that
   * contains `${` itself (a script) is marked `kustomize.toolkit.fluxcd.io/substitute: disabled`.
   * Names: letters, digits and `_`, not starting with a digit.
   * @default {}
   */
  readonly substitute: Readonly<Record<string, string>>;
  /**
   * ConfigMaps and Secrets in `flux.namespace` whose keys Flux substitutes the same way
   * (`spec.postBuild.substituteFrom`, as cluster-template's `Secret/cluster-secrets`), written
   * `'<ConfigMap|Secret>/<name>'`.
   * @default []
   */
  readonly substituteFrom: readonly string[];
}

export interface NetworkPoliciesConfig {
  /**
   * Default-deny the namespace and allow exactly the calls the apps make (generated from the
   * stack's call graph). Needs a CNI that enforces NetworkPolicy (k3s's embedded kube-router does).
   * @default true
   */
  readonly enabled: boolean;
  /**
   * Where internet egress may not go: private ranges stay closed to apps that only need the
   * internet. @default ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']
   */
  readonly privateCidrs: readonly string[];
}

export interface SecretsConfig {
  /**
   * `sops`: Secrets are SOPS-encrypted files in the tree (Flux decrypts them).
   * `external-secrets`: an Infisical SecretStore and one ExternalSecret per Secret.
   * @default 'sops'
   */
  readonly backend: 'sops' | 'external-secrets';
  /** Infisical settings for the external-secrets backend. @default - see InfisicalConfig */
  readonly infisical: InfisicalConfig;
}

export interface InfisicalConfig {
  /** Infisical API URL; https only (the client secret is sent to it). @default 'https://app.infisical.com' */
  readonly hostAPI: string;
  /** @default 'homelab' */
  readonly projectSlug: string;
  /** @default 'prod' */
  readonly environmentSlug: string;
  /** @default '/media-stack' */
  readonly secretsPath: string;
  /** Bootstrap Secret (never in Git) with `clientId`/`clientSecret`. @default 'infisical-universal-auth' */
  readonly bootstrapSecretName: string;
}

/** Resource requests and memory limit of one container. CPU limits are not set on purpose. */
export interface ResourcesConfig {
  /** CPU request, e.g. '100m'. @default - per app (seed values) */
  readonly cpuRequest: string;
  /** Memory request, e.g. '512Mi'. @default - per app (seed values) */
  readonly memoryRequest: string;
  /** Memory limit (the container is OOM-killed above it), e.g. '2Gi'. @default - per app */
  readonly memoryLimit: string;
}

/** Settings every app shares. */
export interface AppConfig {
  /** Deploy this app. @default - true for the seed-000 apps, false for the seed-004 additions */
  readonly enabled: boolean;
  /** Override the container resources. @default - per-app values from the seed */
  readonly resources?: Partial<ResourcesConfig>;
  /** Size of the config volume. @default - per app */
  readonly configSize?: string;
}

/**
 * An app whose web UI has no login until its first admin account is created — and whoever opens
 * it first creates that account (Profilarr or Pulsarr without their setup jobs), or that lets every private address in
 * without one (qBittorrent with the image's defaults).
 */
export interface FirstLoginAppConfig extends AppConfig {
  /**
   * Give the web UI its Ingress in `ingress.auth.mode: 'apps'`. Off, because anyone on the LAN who
   * reaches the Ingress before you would claim the admin account: create the login through a
   * `kubectl port-forward` (docs/post-deploy.md; qBittorrent: docs/downloads-and-database.md),
   * then set this to true and synth again. In 'forward-auth' mode the Ingress always exists (the
   * Middleware guards it).
   * @default false
   */
  readonly ingress: boolean;
}

/** How pods pick up a changed Secret or ConfigMap (Kubernetes itself restarts none). */
export interface RolloutConfig {
  /**
   * `checksum`: every pod template that consumes a Secret or ConfigMap carries the annotation
   * `checksum/config`, a digest of exactly what it consumes (of a SOPS Secret: its ciphertexts, never
   * a value), so a changed value changes the template and Flux rolls the pods; no controller needed.
   * A value changed in an External Secrets store (outside the tree) rolls nothing in this mode.
   * `reloader`: for clusters that run stakater Reloader: each workload names the Secrets and
   * ConfigMaps it consumes in `secret.reloader.stakater.com/reload` and
   * `configmap.reloader.stakater.com/reload`, and Reloader rolls it when one changes in the cluster
   * (also the Secrets an ExternalSecret creates).
   * @default 'checksum'
   */
  readonly restartOnChange: 'checksum' | 'reloader';
}

/** Cluster network ranges (k3s defaults). */
export interface NetworkConfig {
  /**
   * Pod CIDR of the cluster (k3s `--cluster-cidr`). The VPN sidecar lets traffic to it bypass
   * the tunnel so Sonarr/Radarr, the ingress controller and kubelet probes get their replies.
   * @default '10.42.0.0/16'
   */
  readonly podCidr: string;
  /** Service CIDR of the cluster (k3s `--service-cidr`). @default '10.43.0.0/16' */
  readonly serviceCidr: string;
}

// One field per app module: each module's src/apps/<app>/config.ts adds its field here
// (`declare module`), and src/apps/registry.ts checks that the fields and the registry agree.
/** The apps, in the order the stack creates them. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface AppsConfig {}

/**
 * How pods get the Intel GPU (Plex and the ClusterPlex workers). DRA needs Kubernetes/k3s 1.34 or
 * newer: `resource.k8s.io/v1` went GA and is enabled by default in 1.34 (older releases serve only
 * beta versions behind a feature gate, 1.28 only the withdrawn alpha), and Intel's resource driver
 * v0.11 supports 1.34+ only. Its container runtime must support CDI (containerd 1.7 with CDI on,
 * or 2.x).
 */
export interface GpuConfig {
  /**
   * - `'device-plugin'`: Intel's GPU device plugin advertises the extended resource
   *   `gpu.intel.com/i915` that the pods request (any k3s the output supports);
   * - `'dra'`: Dynamic Resource Allocation: Intel's GPU resource driver publishes the GPU as a
   *   ResourceSlice of DeviceClass `gpu.intel.com`; the GPU users share one ResourceClaim. Needs
   *   `kubernetesVersion: '1.34'`.
   * @default 'device-plugin'
   */
  readonly mode: 'device-plugin' | 'dra';
}

export interface StackConfig {
  /** Cluster folder name in the output (`clusters/<cluster>`). @default 'homelab' */
  readonly cluster: string;
  /** Namespace of the media apps: one of their own (never `kube-system`, `default` or another system namespace). @default 'media' */
  readonly namespace: string;
  /** `TZ` of every app: an IANA time zone name such as `Europe/Berlin`. @default 'UTC' */
  readonly timezone: string;
  /** UID the apps run as (and own their files as). @default 1000 */
  readonly uid: number;
  /** GID the apps run as; also `fsGroup`. @default 1000 */
  readonly gid: number;
  /** @default - see NodesConfig */
  readonly nodes: NodesConfig;
  /** @default - see StorageConfig */
  readonly storage: StorageConfig;
  /** @default - see IngressConfig */
  readonly ingress: IngressConfig;
  /** @default - see FluxConfig */
  readonly flux: FluxConfig;
  /** @default - see SecretsConfig */
  readonly secrets: SecretsConfig;
  /** @default - see NetworkPoliciesConfig */
  readonly networkPolicies: NetworkPoliciesConfig;
  /** @default - see NetworkConfig (k3s defaults) */
  readonly network: NetworkConfig;
  /** @default - see RolloutConfig */
  readonly rollout: RolloutConfig;
  /**
   * The oldest Kubernetes/k3s release the cluster runs. The schema gate validates every object
   * against 1.34 and against this release; `gpu.mode: 'dra'` needs '1.34'.
   * @default '1.28'
   */
  readonly kubernetesVersion: '1.28' | '1.34';
  /** @default - see GpuConfig (the device plugin) */
  readonly gpu: GpuConfig;
  /** @default - every seed-000 app enabled */
  readonly apps: AppsConfig;
}

/** The settings of the whole site (cluster, namespace, nodes, storage, ingress…): the config without `apps`. */
export type SiteConfig = Omit<StackConfig, 'apps'>;

/** Deep-partial form an operator writes; omitted fields take their defaults. */
export type DeepPartial<T> = T extends readonly (infer U)[] ? readonly U[] : T extends object ? { readonly [K in keyof T]?: DeepPartial<T[K]> } : T;

export type StackConfigInput = DeepPartial<StackConfig>;
