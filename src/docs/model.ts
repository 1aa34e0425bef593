import { posix } from 'node:path';
import type { StackConfig } from '../config/types.js';
import { isAppPeer, type AppPeer, type CallEdge, type Component, type Peer } from '../lib/component.js';
import type { KubeObject, PlacedObject } from '../output/model.js';
import type { SecretRequest } from '../secrets/model.js';
import { DFS_ENV } from '../lib/storage.js';

/**
 * What the generated docs need from a synth (`SynthResult` satisfies it). Everything the docs say
 * about names, namespaces, paths and placement is read from `objects`; the config is used only
 * for what objects cannot tell (host names of nodes, the secrets backend).
 */
/** What the docs read of a synth: the stack, its placed objects and its Secret requests. */
export interface SynthesizedStack {
  readonly stack: { readonly config: StackConfig; readonly components: readonly Component[] };
  /** Every object with its output file (Flux Kustomizations and Secrets included). */
  readonly objects: readonly PlacedObject[];
  readonly secretRequests: readonly SecretRequest[];
}

// Minimal shapes of the Kubernetes JSON the docs read (plain objects, not cdk8s types).
export interface VolumeMountJson {
  readonly name: string;
  readonly mountPath: string;
  readonly readOnly?: boolean;
  readonly mountPropagation?: string;
  readonly subPath?: string;
}
export interface ProbeJson {
  readonly httpGet?: { readonly path: string; readonly port: number | string };
  readonly tcpSocket?: unknown;
  readonly exec?: { readonly command: readonly string[] };
  readonly periodSeconds?: number;
  readonly failureThreshold?: number;
}
export interface ContainerJson {
  readonly name: string;
  readonly image: string;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly ports?: readonly { readonly name?: string; readonly containerPort: number }[];
  readonly env?: readonly { readonly name: string; readonly value?: string; readonly valueFrom?: { readonly secretKeyRef?: { readonly name: string; readonly key: string } } }[];
  readonly volumeMounts?: readonly VolumeMountJson[];
  readonly readinessProbe?: ProbeJson;
  readonly livenessProbe?: ProbeJson;
  readonly lifecycle?: { readonly preStop?: { readonly exec?: { readonly command?: readonly string[] } } };
  /** `Always` on an init container: a native sidecar. */
  readonly restartPolicy?: string;
  readonly resources?: {
    readonly requests?: Readonly<Record<string, unknown>>;
    readonly limits?: Readonly<Record<string, unknown>>;
    /** DRA: names of the pod's `resourceClaims` the container uses. */
    readonly claims?: readonly { readonly name: string }[];
  };
  readonly securityContext?: { readonly privileged?: boolean; readonly runAsUser?: number };
}
export interface VolumeJson {
  readonly name: string;
  readonly persistentVolumeClaim?: { readonly claimName: string; readonly readOnly?: boolean };
  readonly hostPath?: { readonly path: string; readonly type?: string };
  readonly emptyDir?: unknown;
  readonly configMap?: { readonly name: string };
  readonly nfs?: { readonly server: string; readonly path: string };
}
interface NodeSelectorRequirement {
  readonly key: string;
  readonly operator: string;
  readonly values?: readonly string[];
}
export interface PodSpecJson {
  readonly containers: readonly ContainerJson[];
  /** DRA claims: a shared ResourceClaim by name, or a ResourceClaimTemplate per pod. */
  readonly resourceClaims?: readonly { readonly name: string; readonly resourceClaimName?: string; readonly resourceClaimTemplateName?: string }[];
  readonly initContainers?: readonly ContainerJson[];
  readonly volumes?: readonly VolumeJson[];
  readonly nodeSelector?: Readonly<Record<string, string>>;
  readonly affinity?: {
    readonly nodeAffinity?: {
      readonly requiredDuringSchedulingIgnoredDuringExecution?: { readonly nodeSelectorTerms: readonly { readonly matchExpressions?: readonly NodeSelectorRequirement[] }[] };
      readonly preferredDuringSchedulingIgnoredDuringExecution?: readonly {
        readonly weight: number;
        readonly preference: { readonly matchExpressions?: readonly NodeSelectorRequirement[] };
      }[];
    };
    readonly podAffinity?: {
      readonly preferredDuringSchedulingIgnoredDuringExecution?: readonly {
        readonly weight: number;
        readonly podAffinityTerm: { readonly labelSelector?: { readonly matchLabels?: Readonly<Record<string, string>> }; readonly topologyKey: string };
      }[];
    };
  };
  readonly tolerations?: readonly { readonly key?: string; readonly operator?: string; readonly value?: string; readonly effect?: string }[];
  readonly securityContext?: { readonly supplementalGroups?: readonly number[]; readonly sysctls?: readonly { readonly name: string; readonly value: string }[] };
}

/** A label selector as the objects write it. */
interface LabelSelectorJson {
  readonly matchLabels?: Readonly<Record<string, string>>;
}
interface PodTemplateJson {
  readonly metadata?: { readonly labels?: Readonly<Record<string, string>> };
  readonly spec: PodSpecJson;
}
export interface WorkloadSpecJson {
  readonly selector?: LabelSelectorJson;
  readonly replicas?: number;
  readonly template: PodTemplateJson;
  readonly volumeClaimTemplates?: readonly { readonly metadata: { readonly name: string }; readonly spec: PersistentVolumeClaimSpecJson }[];
}
export interface CronJobSpecJson {
  readonly schedule: string;
  readonly timeZone?: string;
  readonly jobTemplate: { readonly spec: { readonly activeDeadlineSeconds?: number; readonly template: PodTemplateJson } };
}
export interface ServicePortJson {
  readonly name?: string;
  readonly port: number;
  readonly targetPort?: number | string;
  readonly protocol?: string;
}
export interface ServiceSpecJson {
  readonly type?: string;
  readonly clusterIP?: string;
  readonly selector?: Readonly<Record<string, string>>;
  /** Every Service of the stack has at least one port. */
  readonly ports: readonly [ServicePortJson, ...ServicePortJson[]];
  readonly externalTrafficPolicy?: string;
}
export interface IngressSpecJson {
  readonly rules?: readonly {
    readonly host?: string;
    readonly http?: { readonly paths: readonly { readonly backend?: { readonly service?: { readonly name: string } } }[] };
  }[];
  readonly tls?: readonly unknown[];
}
export interface HttpRouteSpecJson {
  readonly hostnames?: readonly string[];
  readonly rules?: readonly {
    readonly backendRefs?: readonly { readonly name: string; readonly kind?: string }[];
    readonly filters?: readonly { readonly extensionRef?: { readonly kind?: string; readonly name?: string } }[];
  }[];
}
/** How a web UI is reached from outside: an Ingress or an HTTPRoute, its host and scheme. */
export interface WebRoute {
  readonly kind: 'Ingress' | 'HTTPRoute';
  readonly name: string;
  readonly host: string | undefined;
  readonly scheme: 'http' | 'https';
}
export interface PersistentVolumeClaimSpecJson {
  readonly volumeName?: string;
  readonly storageClassName?: string;
  readonly accessModes?: readonly string[];
  readonly resources?: { readonly requests?: Readonly<Record<string, string>> };
}
export interface PersistentVolumeSpecJson {
  readonly nfs?: { readonly server: string; readonly path: string };
  readonly hostPath?: { readonly path: string };
  readonly local?: { readonly path: string };
  readonly claimRef?: { readonly name?: string; readonly namespace?: string };
  readonly mountOptions?: readonly string[];
}
interface NetworkPolicyPortJson {
  readonly port: number | string;
  readonly protocol?: string;
}
interface NetworkPolicyPeerJson {
  readonly ipBlock?: { readonly cidr: string };
  readonly podSelector?: LabelSelectorJson;
}
export interface NetworkPolicySpecJson {
  readonly podSelector?: LabelSelectorJson;
  readonly egress?: readonly { readonly to?: readonly NetworkPolicyPeerJson[]; readonly ports?: readonly NetworkPolicyPortJson[] }[];
}
/** A Flux `Kustomization` (kustomize.toolkit.fluxcd.io). */
export interface FluxKustomizationSpecJson {
  readonly path: string;
  readonly dependsOn?: readonly { readonly name: string }[];
  readonly wait?: boolean;
  readonly healthChecks?: readonly unknown[];
  readonly healthCheckExprs?: readonly { readonly kind?: string }[];
  readonly decryption?: { readonly secretRef?: { readonly name?: string } };
  readonly retryInterval?: string;
  readonly deletionPolicy?: string;
}

/** The JSON shape of each kind the docs read beyond its metadata. */
interface KindShapes {
  readonly StatefulSet: { readonly spec: WorkloadSpecJson };
  readonly Deployment: { readonly spec: WorkloadSpecJson };
  readonly DaemonSet: { readonly spec: WorkloadSpecJson };
  readonly CronJob: { readonly spec: CronJobSpecJson };
  readonly Job: { readonly spec: { readonly template: PodTemplateJson } };
  readonly Service: { readonly spec: ServiceSpecJson };
  readonly Ingress: { readonly spec: IngressSpecJson };
  readonly HTTPRoute: { readonly spec: HttpRouteSpecJson };
  readonly PersistentVolumeClaim: { readonly spec: PersistentVolumeClaimSpecJson };
  readonly PersistentVolume: { readonly spec: PersistentVolumeSpecJson };
  readonly NetworkPolicy: { readonly spec: NetworkPolicySpecJson };
  readonly ConfigMap: { readonly data?: Readonly<Record<string, string>> };
  /** prometheus-operator's scrape target: the Services its selector matches, on the named ports. */
  readonly ServiceMonitor: {
    readonly spec: { readonly selector?: LabelSelectorJson; readonly endpoints?: readonly { readonly port?: string; readonly path?: string; readonly interval?: string }[] };
  };
  /** Longhorn's recurring snapshot or backup of the volumes in its groups. */
  readonly RecurringJob: { readonly spec: { readonly task: string; readonly cron: string; readonly retain: number; readonly groups?: readonly string[] } };
  readonly ResourceClaim: { readonly spec: { readonly devices?: { readonly requests?: readonly { readonly exactly?: { readonly deviceClassName?: string } }[] } } };
}
/** An object of `kind`, typed where the docs know its shape (other kinds: plain `KubeObject`). */
export type KindObject<K extends string> = KubeObject & (K extends keyof KindShapes ? KindShapes[K] : unknown);
export type FluxKustomizationJson = KubeObject & { readonly spec: FluxKustomizationSpecJson };

export type WorkloadKind = 'StatefulSet' | 'Deployment' | 'DaemonSet';

/** Where a workload's pods may run, as derived from its node constraints. */
export interface PlacementGroup {
  /** Stable id (Mermaid subgraph id). */
  readonly id: string;
  /** Human title, e.g. `Storage nodes`. */
  readonly title: string;
  /** The constraint, e.g. `node.longhorn.io/storage=enabled`. */
  readonly constraint: string;
  /** `kubectl get nodes -l …` selector that lists the candidate nodes (empty: every node). */
  readonly nodeSelector: string;
  /** Host names from the config, for readers only. */
  readonly hostnames: readonly string[];
}

export interface Workload {
  readonly kind: WorkloadKind;
  readonly name: string;
  readonly namespace: string;
  readonly object: KubeObject;
  /** Output file of the object. */
  readonly path: string;
  readonly component?: Component;
  readonly pod: PodSpecJson;
  /** `app.kubernetes.io/name` of the selector. */
  readonly app: string;
  /** `app.kubernetes.io/instance` of the selector. */
  readonly instance: string;
  /** `-l` selector for its pods, e.g. `app.kubernetes.io/instance=sonarr`. */
  readonly selector: string;
  readonly replicas: number;
  /** Pod labels of the template. */
  readonly podLabels: Readonly<Record<string, string>>;
  readonly volumeClaimTemplates: readonly string[];
  /** `statefulset/sonarr`. */
  readonly ref: string;
  readonly placement: PlacementGroup;
}

export type JobKind = 'CronJob' | 'Job';

/** A CronJob or a plain Job: pods that run to completion, on a schedule or once. */
export interface ScheduledJob extends Omit<Workload, 'kind'> {
  readonly kind: JobKind;
  /** The cron schedule (CronJobs only). */
  readonly schedule?: string;
  /** The schedule's IANA time zone, when the CronJob names one (else the controller's). */
  readonly timeZone?: string;
}

/** Whatever owns pods of the stack: a long-running workload or a job. */
export type PodOwner = Workload | ScheduledJob;

export const INSTANCE_LABEL = 'app.kubernetes.io/instance';
export const NAME_LABEL = 'app.kubernetes.io/name';
const FLUX_KS_API = 'kustomize.toolkit.fluxcd.io/';

const sortedEntries = (r: Readonly<Record<string, string>> | undefined) => Object.entries(r ?? {}).sort(([a], [b]) => a.localeCompare(b));

/** Read-only queries over the synthesized objects that every doc shares. */
export class StackView {
  readonly cfg: StackConfig;
  readonly objects: readonly KubeObject[];
  readonly placed: readonly PlacedObject[];
  readonly components: readonly Component[];
  readonly secretRequests: readonly SecretRequest[];
  readonly workloads: readonly Workload[];
  /** CronJobs and plain Jobs (not in `workloads`: nothing keeps their pods running). */
  readonly jobs: readonly ScheduledJob[];
  /** `clusters/<cluster>` as laid out in the output. */
  readonly clusterRoot: string;

  // Indexes: the docs look objects up thousands of times (hundreds of app instances must stay linear).
  private readonly byKind = new Map<string, KubeObject[]>();
  private readonly byKindName = new Map<string, KubeObject[]>();
  private readonly componentsByDir = new Map<string, Component>();
  private readonly memo = new Map<string, unknown>();
  private workloadIndex?: Map<string, Workload>;
  private servicesByInstance?: Map<string, KindObject<'Service'>[]>;

  private cached<T>(key: string, make: () => T): T {
    if (!this.memo.has(key)) this.memo.set(key, make());
    return this.memo.get(key) as T;
  }

  constructor(input: SynthesizedStack) {
    this.cfg = input.stack.config;
    this.components = input.stack.components;
    this.placed = input.objects;
    this.objects = input.objects.map((p) => p.object);
    this.secretRequests = input.secretRequests;
    this.clusterRoot = `clusters/${this.cfg.cluster}`;
    for (const o of this.objects) {
      const ofKind = this.byKind.get(o.kind);
      if (ofKind) ofKind.push(o);
      else this.byKind.set(o.kind, [o]);
      const k = `${o.kind}/${o.metadata.name}`;
      const list = this.byKindName.get(k);
      if (list) list.push(o);
      else this.byKindName.set(k, [o]);
    }
    for (const c of this.components) {
      const dir = `${this.clusterRoot}/${c.manifestDir}`;
      if (!this.componentsByDir.has(dir)) this.componentsByDir.set(dir, c);
    }
    this.workloads = this.collectWorkloads();
    this.jobs = this.collectJobs();
  }

  private componentOfPath(path: string): Component | undefined {
    return this.componentsByDir.get(posix.dirname(path));
  }

  private collectWorkloads(): Workload[] {
    const out: Workload[] = [];
    for (const p of this.placed) {
      if (!isWorkloadKind(p.object.kind)) continue;
      const o = p.object as KindObject<WorkloadKind>;
      const spec = o.spec;
      const kind = p.object.kind;
      out.push({
        ...this.ownerFields(p, spec.template, spec.selector?.matchLabels ?? {}),
        kind,
        replicas: kind === 'DaemonSet' ? 0 : (spec.replicas ?? 1),
        volumeClaimTemplates: (spec.volumeClaimTemplates ?? []).map((t) => t.metadata.name),
        ref: `${kind.toLowerCase()}/${o.metadata.name}`,
      });
    }
    return out;
  }

  private collectJobs(): ScheduledJob[] {
    const out: ScheduledJob[] = [];
    for (const p of this.placed) {
      const kind = p.object.kind;
      if (kind !== 'CronJob' && kind !== 'Job') continue;
      const cron = kind === 'CronJob' ? (p.object as KindObject<'CronJob'>).spec : undefined;
      const template = cron ? cron.jobTemplate.spec.template : (p.object as KindObject<'Job'>).spec.template;
      out.push({
        ...this.ownerFields(p, template, template.metadata?.labels ?? {}),
        kind,
        replicas: 1,
        volumeClaimTemplates: [],
        ref: `${kind.toLowerCase()}/${p.object.metadata.name}`,
        ...(cron ? { schedule: cron.schedule, ...(cron.timeZone ? { timeZone: cron.timeZone } : {}) } : {}),
      });
    }
    return out;
  }

  /** What every pod owner has: names, its component, its pod and where the pod may run. */
  private ownerFields(p: PlacedObject, template: PodTemplateJson, labels: Readonly<Record<string, string>>): Omit<Workload, 'kind' | 'replicas' | 'volumeClaimTemplates' | 'ref'> {
    const name = p.object.metadata.name;
    const pod = template.spec;
    return {
      name,
      namespace: p.object.metadata.namespace ?? this.namespace,
      object: p.object,
      path: p.path,
      component: this.componentOfPath(p.path),
      pod,
      app: labels[NAME_LABEL] ?? name,
      instance: labels[INSTANCE_LABEL] ?? name,
      selector: labels[INSTANCE_LABEL]
        ? `${INSTANCE_LABEL}=${labels[INSTANCE_LABEL]}`
        : sortedEntries(labels)
            .map(([k, v]) => `${k}=${v}`)
            .join(','),
      podLabels: template.metadata?.labels ?? {},
      placement: this.placementOf(pod),
    };
  }

  /** The namespace of the media apps (the Namespace object of the stack). */
  get namespace(): string {
    return this.cached('namespace', () => {
      const ns = this.all('Namespace').find((o) => o.metadata.labels?.['app.kubernetes.io/part-of'] === 'media-stack');
      return ns?.metadata.name ?? this.cfg.namespace;
    });
  }

  // The casts trust the kind: the objects are the stack's own, built from typed props.
  find<K extends string>(kind: K, name: string, namespace?: string): KindObject<K> | undefined {
    return (this.byKindName.get(`${kind}/${name}`) ?? []).find((o) => namespace === undefined || o.metadata.namespace === namespace) as KindObject<K> | undefined;
  }

  all<K extends string>(kind: K): KindObject<K>[] {
    return [...(this.byKind.get(kind) ?? [])] as KindObject<K>[];
  }

  /** The workload of an app instance (selector `app.kubernetes.io/instance`), if deployed. */
  workload(instance: string): Workload | undefined {
    this.workloadIndex ??= new Map([...this.workloads].reverse().map((w) => [w.instance, w]));
    return this.workloadIndex.get(instance);
  }

  /** Workloads of an app (`app.kubernetes.io/name`), e.g. every Sonarr instance. */
  workloadsOfApp(app: string): Workload[] {
    return [...this.cached(`app:${app}`, () => this.workloads.filter((w) => w.app === app))];
  }

  /** The first pod's name: `<sts>-0`, or the controller reference for Deployments/DaemonSets. */
  podRef(w: Workload): string {
    return w.kind === 'StatefulSet' ? `${w.name}-0` : w.ref;
  }

  /** Main containers (not init containers) by name. */
  container(w: Workload, name: string): ContainerJson | undefined {
    return w.pod.containers.find((c) => c.name === name);
  }

  /** The first container that mounts `path` (or a directory above it). */
  containerMounting(w: Workload, path: string): ContainerJson | undefined {
    return w.pod.containers.find((c) => c.volumeMounts?.some((m) => mountCovers(m.mountPath, path)));
  }

  /** Flux Kustomizations in dependency order (stable: creation order among equals). */
  get fluxKustomizations(): FluxKustomizationJson[] {
    return this.cached('flux', () => this.orderFluxKustomizations());
  }

  private orderFluxKustomizations(): FluxKustomizationJson[] {
    const ks = this.objects.filter(isFluxKustomization);
    const done = new Set<string>();
    const names = new Set(ks.map((k) => k.metadata.name));
    const out: FluxKustomizationJson[] = [];
    let progress = true;
    while (out.length < ks.length && progress) {
      progress = false;
      for (const k of ks) {
        if (done.has(k.metadata.name)) continue;
        const deps = (k.spec.dependsOn ?? []).map((d) => d.name);
        if (deps.every((d) => done.has(d) || !names.has(d))) {
          out.push(k);
          done.add(k.metadata.name);
          progress = true;
        }
      }
    }
    return [...out, ...ks.filter((k) => !done.has(k.metadata.name))];
  }

  get fluxNamespace(): string {
    return this.fluxKustomizations[0]?.metadata.namespace ?? this.cfg.flux.namespace;
  }

  /** Name of the Secret with the age identity that the Kustomizations decrypt with. */
  get sopsSecretName(): string | undefined {
    for (const k of this.fluxKustomizations) {
      const name = k.spec.decryption?.secretRef?.name;
      if (name) return name;
    }
    return undefined;
  }

  /** The Flux Kustomization applying a component. */
  fluxNameOf(w: Workload): string | undefined {
    return w.component?.fluxName;
  }

  /** Secret request by Secret name. */
  secret(name: string): SecretRequest | undefined {
    const byName = this.cached('secrets', () => {
      const m = new Map<string, SecretRequest>();
      for (const r of this.secretRequests) if (!m.has(r.name)) m.set(r.name, r);
      return m;
    });
    return byName.get(name);
  }

  /** Ingress (or HTTPRoute) host of a Service, if one routes to it. */
  ingressHost(service: string): string | undefined {
    return this.ingressRoutes.get(service)?.host;
  }

  /** The first Ingress or HTTPRoute that routes to a Service. */
  ingressOf(service: string): WebRoute | undefined {
    return this.ingressRoutes.get(service);
  }

  /**
   * Service name → the first Ingress or HTTPRoute (and its first host) routing to it, built once.
   * An HTTPRoute is https when the stack wrote the certificate of its Gateway's listener (`ingress.tls`).
   */
  private get ingressRoutes(): Map<string, WebRoute> {
    return this.cached('ingressRoutes', () => {
      const m = new Map<string, WebRoute>();
      for (const ing of this.all('Ingress')) {
        const scheme = ing.spec.tls?.length ? 'https' : 'http';
        for (const rule of ing.spec.rules ?? []) {
          for (const p of rule.http?.paths ?? []) {
            const name = p.backend?.service?.name;
            if (name !== undefined && !m.has(name)) m.set(name, { kind: 'Ingress', name: ing.metadata.name, host: rule.host, scheme });
          }
        }
      }
      const routeScheme = this.cfg.ingress.tls ? 'https' : 'http';
      for (const route of this.all('HTTPRoute')) {
        for (const rule of route.spec.rules ?? []) {
          for (const ref of rule.backendRefs ?? []) {
            if ((ref.kind ?? 'Service') === 'Service' && !m.has(ref.name))
              m.set(ref.name, { kind: 'HTTPRoute', name: route.metadata.name, host: route.spec.hostnames?.[0], scheme: routeScheme });
          }
        }
      }
      return m;
    });
  }

  /** The first Service with that ClusterIP. */
  serviceWithClusterIP(ip: string): KindObject<'Service'> | undefined {
    const byIp = this.cached('servicesByIp', () => {
      const m = new Map<string | undefined, KindObject<'Service'>>();
      for (const s of this.all('Service')) if (!m.has(s.spec.clusterIP)) m.set(s.spec.clusterIP, s);
      return m;
    });
    return byIp.get(ip);
  }

  /** The ClusterIP Service selecting a workload (not headless), preferring the one named like it. */
  serviceOf(w: Pick<Workload, 'instance' | 'namespace' | 'name'>): KindObject<'Service'> | undefined {
    if (!this.servicesByInstance) {
      this.servicesByInstance = new Map();
      for (const s of this.all('Service')) {
        const inst = s.spec.selector?.[INSTANCE_LABEL];
        if (inst === undefined || s.spec.clusterIP === 'None') continue;
        const list = this.servicesByInstance.get(inst);
        if (list) list.push(s);
        else this.servicesByInstance.set(inst, [s]);
      }
    }
    const candidates = (this.servicesByInstance.get(w.instance) ?? []).filter((s) => s.metadata.namespace === w.namespace);
    return candidates.find((s) => s.metadata.name === w.name) ?? candidates[0];
  }

  /** Every edge whose ends are both deployed (or outside peers), with the workloads it joins. */
  get edges(): ResolvedEdge[] {
    return this.cached('edges', () => this.resolveEdges());
  }

  private resolveEdges(): ResolvedEdge[] {
    const out: ResolvedEdge[] = [];
    const seen = new Set<string>();
    for (const c of this.components) {
      for (const e of c.callEdges) {
        const from = this.resolvePeer(e.from);
        const to = this.resolvePeer(e.to);
        if (!from || !to) continue;
        const key = `${peerKey(from)}>${peerKey(to)}>${e.why}>${JSON.stringify(e.ports)}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({ edge: e, from, to });
      }
    }
    return out;
  }

  private resolvePeer(p: Peer): PodOwner | OutsidePeer | undefined {
    if (!isAppPeer(p)) return p;
    const w = this.workload(p.instance ?? p.app);
    const instance = p.instance ?? p.app;
    if (w?.app === p.app) return w;
    return this.workloads.find((x) => x.app === p.app && x.instance === instance) ?? this.jobs.find((x) => x.app === p.app && x.instance === instance);
  }

  /** Derives where a pod may run from its node affinity, node selector and the config's node roles. */
  placementOf(pod: PodSpecJson): PlacementGroup {
    const required = (pod.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [])
      .flatMap((t) => t.matchExpressions ?? [])
      .filter((r) => r.operator === 'In')
      .map((r) => [r.key, (r.values ?? []).join('|')] as const);
    const selector = sortedEntries(pod.nodeSelector).filter(([k]) => k !== 'kubernetes.io/arch' && k !== 'kubernetes.io/os');
    const constraints = [...required, ...selector];
    const text = constraints.map(([k, v]) => `${k}=${v}`).join(', ');
    const has = (k: string, v: string) => constraints.some(([ck, cv]) => ck === k && cv === v);
    const s = this.cfg.nodes.storage;
    const g = this.cfg.nodes.gpu;
    if (constraints.length === 0) return { id: 'anywhere', title: 'Any node', constraint: 'no node constraint', nodeSelector: '', hostnames: [] };
    if (has(s.label, s.labelValue)) {
      return { id: 'storage_nodes', title: 'Storage nodes', constraint: text, nodeSelector: `${s.label}=${s.labelValue}`, hostnames: s.hostnames };
    }
    const gpuSel = sortedEntries(g.nodeSelector);
    if (gpuSel.length > 0 && gpuSel.every(([k, v]) => has(k, v))) {
      return { id: 'gpu_nodes', title: 'GPU node', constraint: text, nodeSelector: gpuSel.map(([k, v]) => `${k}=${v}`).join(','), hostnames: [g.hostname] };
    }
    const host = constraints.find(([k]) => k === 'kubernetes.io/hostname');
    if (host) return { id: `node_${mermaidId(host[1])}`, title: `Node ${host[1]}`, constraint: text, nodeSelector: `kubernetes.io/hostname=${host[1]}`, hostnames: [host[1]] };
    return { id: `nodes_${mermaidId(text)}`, title: 'Nodes', constraint: text, nodeSelector: constraints.map(([k, v]) => `${k}=${v}`).join(','), hostnames: [] };
  }

  /** Distinct placement groups in a stable order: storage, GPU, then the rest, any node last. */
  get placementGroups(): PlacementGroup[] {
    return this.cached('placement', () => this.groupPlacements());
  }

  private groupPlacements(): PlacementGroup[] {
    return placementGroupsOf(this.workloads);
  }

  /** The storage-node label keys of a pod's preferred node affinity (the primary node), if any. */
  preferredNodeLabel(pod: PodSpecJson): string | undefined {
    const pref = pod.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
    const r = pref.flatMap((p) => p.preference.matchExpressions ?? []).find((m) => m.operator === 'In');
    return r ? `${r.key}=${(r.values ?? []).join(',')}` : undefined;
  }

  /** The pod label that co-locates pods (preferred pod affinity on the host name), if any. */
  coLocationLabel(pod: PodSpecJson): string | undefined {
    const terms = pod.affinity?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
    const t = terms.find((x) => x.podAffinityTerm.topologyKey === 'kubernetes.io/hostname');
    const labels = sortedEntries(t?.podAffinityTerm.labelSelector?.matchLabels);
    return labels.length ? labels.map(([k, v]) => `${k}=${v}`).join(',') : undefined;
  }
}

/** The distinct places some pod owners may run, in a stable order: storage, GPU, then the rest, any node last. */
export function placementGroupsOf(owners: readonly PodOwner[]): PlacementGroup[] {
  const byId = new Map<string, PlacementGroup>();
  for (const w of owners) byId.set(w.placement.id, w.placement);
  const rank = (p: PlacementGroup) => (p.id === 'storage_nodes' ? 0 : p.id === 'gpu_nodes' ? 1 : p.id === 'anywhere' ? 3 : 2);
  return [...byId.values()].sort((a, b) => rank(a) - rank(b) || a.id.localeCompare(b.id));
}

export interface ResolvedEdge {
  readonly edge: CallEdge;
  readonly from: PodOwner | OutsidePeer;
  readonly to: PodOwner | OutsidePeer;
}

export function isPodOwner(x: unknown): x is PodOwner {
  return typeof x === 'object' && x !== null && 'instance' in x;
}

/** A long-running workload (not a job). */
export function isWorkload(x: unknown): x is Workload {
  return isPodOwner(x) && isWorkloadKind(x.kind);
}

/** A peer that is not pods of the stack: a named outside party or a host by its address. */
export type OutsidePeer = Exclude<Peer, AppPeer>;

function peerKey(p: PodOwner | OutsidePeer): string {
  if (typeof p === 'string') return p;
  return isPodOwner(p) ? `${p.kind}/${p.namespace}/${p.name}` : `host/${p.cidr}`;
}

function isWorkloadKind(kind: string): kind is WorkloadKind {
  return kind === 'StatefulSet' || kind === 'Deployment' || kind === 'DaemonSet';
}

function isFluxKustomization(o: KubeObject): o is FluxKustomizationJson {
  return o.kind === 'Kustomization' && o.apiVersion.startsWith(FLUX_KS_API);
}

/** A Mermaid-safe identifier. */
export function mermaidId(s: string): string {
  return s.replace(/[^A-Za-z0-9_]/g, '_');
}

/** Whether a volume mounted at `mountPath` shows `path` (the mount itself or below it). */
export function mountCovers(mountPath: string, path: string): boolean {
  return path === mountPath || path.startsWith(`${mountPath.replace(/\/$/, '')}/`);
}

/** Env value of a container (literal values only). */
export function envValue(c: ContainerJson | undefined, name: string): string | undefined {
  return c?.env?.find((e) => e.name === name)?.value;
}

/**
 * Where a FUSE container's mount is, given its Bidirectional volume mount: Decypharr mounts on a
 * bind of a subdirectory of that volume (its DFS_ENV variables), so the volume root stays a plain
 * directory; without them the mount is on the volume mount itself.
 */
export function fuseMountPaths(c: ContainerJson, bidirectionalPath: string): { path: string; sharedPath: string } {
  const path = envValue(c, DFS_ENV.mountPoint) ?? bidirectionalPath;
  const shared = envValue(c, DFS_ENV.sharedDir);
  return { path, sharedPath: shared?.startsWith(`${bidirectionalPath}/`) ? shared : bidirectionalPath };
}

/** Shell-quotes an argument when it needs it (single quotes). */
export function sh(arg: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** A DRA claim of the GPU users: the ResourceClaim, its DeviceClass and who uses it (container names). */
export interface GpuClaim {
  readonly name: string;
  readonly namespace: string;
  readonly deviceClass?: string;
  readonly users: readonly { readonly w: Workload; readonly container: string }[];
}

/** The shared ResourceClaims the stack's pods use (gpu.mode 'dra'). */
export function gpuClaims(v: StackView): GpuClaim[] {
  const out = new Map<string, { name: string; namespace: string; deviceClass?: string; users: { w: Workload; container: string }[] }>();
  for (const w of v.workloads) {
    for (const rc of w.pod.resourceClaims ?? []) {
      if (!rc.resourceClaimName) continue;
      const key = `${w.namespace}/${rc.resourceClaimName}`;
      let claim = out.get(key);
      if (!claim) {
        const obj = v.find('ResourceClaim', rc.resourceClaimName, w.namespace);
        claim = { name: rc.resourceClaimName, namespace: w.namespace, deviceClass: obj?.spec.devices?.requests?.[0]?.exactly?.deviceClassName, users: [] };
        out.set(key, claim);
      }
      for (const ctr of w.pod.containers) if (ctr.resources?.claims?.some((x) => x.name === rc.name)) claim.users.push({ w, container: ctr.name });
    }
  }
  return [...out.values()];
}
