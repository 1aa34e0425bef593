import { publishedFacts, type PublishedFact, type SecretInputFact } from '../lib/published-facts.js';
import { infisicalKeyName } from '../secrets/external-secrets.js';
import { nfsExporter } from './diagram.js';
import { c } from './md.js';
import { fuseMountPaths, mountCovers, sh, type ContainerJson, type StackView, type Workload } from './model.js';

/**
 * The facts model of the runbooks: built once per synth over the StackView and read by every page
 * and section. Every name, namespace, path, container and label in a command is read from the
 * synthesized objects, so the commands work against exactly what this config deploys.
 */

/** The age identity file of the workstation, and the one a rotation writes. */
export const AGE_KEY_FILE = '$HOME/.config/sops/age/keys.txt';
export const NEW_KEY_FILE = '$HOME/.config/sops/age/new-keys.txt';

/** App-level facts the runbooks share, read from the objects. */
export class Facts {
  readonly ns: string;
  private readonly published: readonly PublishedFact[];
  constructor(readonly v: StackView) {
    this.ns = v.namespace;
    this.published = v.components.flatMap((x) => publishedFacts(x));
  }

  /** The facts of one kind that the components published about a workload's instance. */
  publishedOf<K extends PublishedFact['kind']>(kind: K, w: Pick<Workload, 'instance'>): Extract<PublishedFact, { kind: K }>[] {
    return this.publishedAll(kind).filter((x) => x.instance === w.instance);
  }

  /** The facts of one kind that the components published, about any instance. */
  publishedAll<K extends PublishedFact['kind']>(kind: K): Extract<PublishedFact, { kind: K }>[] {
    return this.published.filter((x): x is Extract<PublishedFact, { kind: K }> => x.kind === kind);
  }

  main(w: Workload): ContainerJson {
    return w.pod.containers[0]!;
  }

  /** `kubectl … -n <ns>` for a workload's namespace. */
  n(w: Workload): string {
    return `-n ${w.namespace}`;
  }

  pod(w: Workload): string {
    return this.v.podRef(w);
  }

  /** `kubectl exec <pod> -n <ns> -c <container> -- <cmd>`. */
  exec(w: Workload, container: string, cmd: string): string {
    return `kubectl exec ${this.pod(w)} ${this.n(w)} -c ${container} -- ${cmd}`;
  }

  /**
   * A check that fails unless Decypharr's DFS is really served: its own readiness check (a file
   * only the mounted DFS has), else a FUSE line at exactly the mount point. A plain grep for the
   * path also matches the host directory and the bind underneath, and passes without the mount.
   */
  dfsServedCheck(dfs: DfsFacts): string {
    return dfs.readiness
      ? `${this.exec(dfs.w, dfs.container, dfs.readiness)} && echo "DFS mounted"`
      : this.exec(dfs.w, dfs.container, `grep -F ${sh(` ${dfs.path} fuse`)} /proc/mounts`);
  }

  /**
   * `kubectl exec` of `cmd` as the user the app's process runs as. kubectl exec runs as the
   * container's user: where that is root and the image's entrypoint drops privileges itself, a
   * check such as `test -w` must drop the same way, or it always succeeds.
   */
  execAsApp(w: Workload, container: string, cmd: string): string {
    const ctr = [...(w.pod.initContainers ?? []), ...w.pod.containers].find((x) => x.name === container);
    const drop = ctr?.securityContext?.runAsUser === 0 ? this.publishedOf('privilege-drop', w).find((x) => x.container === container) : undefined;
    return this.exec(w, container, drop ? `${drop.command} ${cmd}` : cmd);
  }

  logs(w: Workload, container: string, extra = ''): string {
    return `kubectl logs ${this.pod(w)} ${this.n(w)} -c ${container}${extra ? ` ${extra}` : ''}`;
  }

  getPodWide(w: Workload): string {
    return w.kind === 'StatefulSet' ? `kubectl get pod ${this.pod(w)} ${this.n(w)} -o wide` : `kubectl get pods ${this.n(w)} -l ${w.selector} -o wide`;
  }

  /** `http://<svc>.<ns>.svc.cluster.local:<port>` of a workload's Service. */
  url(w: Workload): string | undefined {
    const svc = this.v.serviceOf(w);
    if (!svc) return undefined;
    return `http://${svc.metadata.name}.${svc.metadata.namespace}.svc.cluster.local:${svc.spec.ports[0].port}`;
  }

  svc(w: Workload): { name: string; port: number } | undefined {
    const s = this.v.serviceOf(w);
    return s ? { name: s.metadata.name, port: s.spec.ports[0].port } : undefined;
  }

  /** Readiness HTTP path and its numeric port of the main container. */
  health(w: Workload): { path: string; port: number } | undefined {
    const ctr = this.main(w);
    const get = ctr.readinessProbe?.httpGet;
    if (!get) return undefined;
    const port = typeof get.port === 'number' ? get.port : ctr.ports?.find((p) => p.name === get.port)?.containerPort;
    return port === undefined ? undefined : { path: get.path, port };
  }

  /** Commands that fetch a workload's health endpoint from a workstation (its route, else port-forward). */
  healthCurl(w: Workload): string[] {
    const h = this.health(w);
    const svc = this.svc(w);
    if (!h || !svc) return [];
    const host = this.v.ingressHost(svc.name);
    if (host) return [`curl -fsS ${this.scheme(svc.name)}://${host}${h.path}`];
    return [`kubectl port-forward ${this.n(w)} svc/${svc.name} ${svc.port}:${svc.port} &`, `curl -fsS http://localhost:${svc.port}${h.path}`];
  }

  scheme(service: string): string {
    return this.v.ingressOf(service)?.scheme ?? 'http';
  }

  /**
   * The step after the first login of an app whose route waits for `apps.<app>.ingress`
   * (FirstLoginAppConfig): opt in and synth again. Empty when the ingress is off altogether.
   */
  ingressOptIn(app: 'profilarr' | 'pulsarr' | 'qbittorrent' | 'bazarr'): string {
    const ing = this.v.cfg.ingress;
    if (!ing.enabled) return '';
    const host = `${ing.tlsSecretName || ing.tls ? 'https' : 'http'}://${app}.${ing.domain}`;
    return `Once the login exists, set ${c(`apps.${app}.ingress: true`)} in your config, synth and commit: Flux adds its ${this.routeKind} ${c(host)} (and lets ${this.routeProxy} through its NetworkPolicy).`;
  }

  /** What publishes a web UI in this config: `Ingress`, or `HTTPRoute` in mode 'gateway'. */
  get routeKind(): 'Ingress' | 'HTTPRoute' {
    return this.v.cfg.ingress.mode === 'gateway' ? 'HTTPRoute' : 'Ingress';
  }

  /** Who forwards users' requests to a web UI (and is let through its NetworkPolicy), with its article. */
  get routeProxy(): 'the ingress controller' | "the Gateway's proxy" {
    return this.routeKind === 'HTTPRoute' ? "the Gateway's proxy" : 'the ingress controller';
  }

  /** Where users open the UI of a workload. */
  uiUrl(w: Workload): string | undefined {
    const svc = this.svc(w);
    if (!svc) return undefined;
    const host = this.v.ingressHost(svc.name);
    return host ? `${this.scheme(svc.name)}://${host}` : undefined;
  }

  containerMounting(w: Workload, path: string): ContainerJson | undefined {
    return this.v.containerMounting(w, path);
  }

  /** Mount path of a claim in a workload's main containers. */
  claimPath(w: Workload, claim: string): string | undefined {
    const vol = w.pod.volumes?.find((x) => x.persistentVolumeClaim?.claimName === claim || (x.name === claim && x.hostPath));
    if (!vol) return undefined;
    for (const ctr of w.pod.containers) {
      const m = ctr.volumeMounts?.find((x) => x.name === vol.name && !x.subPath);
      if (m) return m.mountPath;
    }
    return undefined;
  }

  /** The Secret, key and env var of a value the workload's process reads, as its component published it. */
  secretRef(w: Workload, purpose: SecretInputFact['purpose']): SecretInputFact | undefined {
    return this.publishedOf('secret-input', w).find((x) => x.purpose === purpose);
  }

  /** The command that prints one Secret value on the workstation (SOPS: decrypt the committed file). */
  readSecret(secret: string, key: string): string[] {
    const req = this.v.secret(secret);
    if (this.v.cfg.secrets.backend === 'external-secrets') return [`# Infisical: ${this.v.cfg.secrets.infisical.secretsPath}/${infisicalKeyName(secret, key)}`];
    if (!req) return [];
    return [`sops -d --extract '["stringData"]["${key}"]' ${req.path}`];
  }

  /** "Sonarr", "Radarr" or "Sonarr/Radarr", after what is deployed. */
  get arrKinds(): string {
    return [...new Set(this.arrs.map((w) => (w.app === 'sonarr' ? 'Sonarr' : 'Radarr')))].join('/');
  }
  has(app: string): boolean {
    return this.v.workloadsOfApp(app).length > 0;
  }

  /** Where a UI stores a copy of an *arr API key (entered by hand, see post-deploy.md). */
  get uiStoredKeys(): string[] {
    return [
      ...(this.has('prowlarr') && this.arrs.length ? ['the apps in Prowlarr'] : []),
      ...(this.has('decypharr') && this.arrs.length ? [`the download clients in ${this.arrKinds}`] : []),
      ...(this.has('profilarr') && this.arrs.length ? ['Profilarr'] : []),
    ];
  }

  get arrs(): Workload[] {
    return [...this.v.workloadsOfApp('sonarr'), ...this.v.workloadsOfApp('radarr')];
  }
  one(app: string): Workload | undefined {
    return this.v.workloadsOfApp(app)[0];
  }

  /** The init container that waits for the DFS, with the condition it polls and the messages it prints. */
  dfsWait(w: Workload): { name: string; condition?: string; ready?: string; waiting?: string; timeout?: string } | undefined {
    const path = this.dfs?.path;
    for (const wait of this.publishedOf('dfs-wait', w)) {
      const init = (w.pod.initContainers ?? []).find((i) => i.name === wait.container);
      if (!path || !init?.volumeMounts?.some((m) => mountCovers(m.mountPath, path))) continue;
      return { name: init.name, condition: wait.condition, waiting: wait.waiting, ready: wait.ready, timeout: wait.timeout };
    }
    return undefined;
  }

  /** The DFS as Decypharr and its readers see it. */
  get dfs(): DfsFacts | undefined {
    // Asked once per reader workload: computed once.
    this.dfsFacts ??= { value: this.findDfs() };
    return this.dfsFacts.value;
  }
  private dfsFacts: { value: DfsFacts | undefined } | undefined;

  private findDfs(): DfsFacts | undefined {
    const d = this.one('decypharr');
    if (!d) return undefined;
    const fuseCtr = d.pod.containers.find((x) => x.volumeMounts?.some((m) => m.mountPropagation === 'Bidirectional'));
    const fuseMount = fuseCtr?.volumeMounts?.find((m) => m.mountPropagation === 'Bidirectional');
    if (!fuseCtr || !fuseMount) return undefined;
    const { path, sharedPath } = fuseMountPaths(fuseCtr, fuseMount.mountPath);
    const below = sharedPath.slice(fuseMount.mountPath.length);
    const volumeHostPath = d.pod.volumes?.find((x) => x.name === fuseMount.name)?.hostPath?.path;
    const sidecar = d.pod.containers.find((x) => x !== fuseCtr && x.volumeMounts?.some((m) => m.name === fuseMount.name));
    const sidecarMount = sidecar?.volumeMounts?.find((m) => m.name === fuseMount.name);
    // The export: a PV whose NFS server is the pinned ClusterIP of a Service selecting Decypharr.
    let exp: DfsFacts['export'];
    for (const pv of this.v.all('PersistentVolume')) {
      const nfs = pv.spec.nfs;
      const ex = nfs ? nfsExporter(this.v, nfs.server) : undefined;
      if (!nfs || ex?.workload !== d) continue;
      const claim = pv.spec.claimRef!.name!;
      exp = { pv: pv.metadata.name, claim, ip: nfs.server, path: nfs.path, service: ex.service, port: ex.port!, mountOptions: [...(pv.spec.mountOptions ?? [])] };
    }
    return {
      w: d,
      container: fuseCtr.name,
      path,
      sharedPath,
      hostPath: volumeHostPath && `${volumeHostPath}${below}`,
      volumeHostPath,
      sidecar: sidecar?.name,
      sidecarPath: sidecarMount && `${sidecarMount.mountPath}${below}`,
      readiness: shellOf(fuseCtr.readinessProbe?.exec?.command),
      preStop: shellOf(fuseCtr.lifecycle?.preStop?.exec?.command),
      export: exp,
    };
  }

  /** Workloads (other than Decypharr) that mount the DFS path. */
  dfsReaders(): Workload[] {
    const dfs = this.dfs;
    if (!dfs) return [];
    return this.v.workloads.filter((w) => w !== dfs.w && w.pod.containers.some((x) => x.volumeMounts?.some((m) => mountCovers(m.mountPath, dfs.path))));
  }

  /** GPU consumers: containers requesting the GPU extended resource. */
  gpuConsumers(resource: string): { w: Workload; container: string }[] {
    const out: { w: Workload; container: string }[] = [];
    for (const w of this.v.workloads) {
      for (const ctr of w.pod.containers) if (ctr.resources?.limits?.[resource] !== undefined) out.push({ w, container: ctr.name });
    }
    return out;
  }
}

interface DfsFacts {
  readonly w: Workload;
  readonly container: string;
  /** The FUSE mount point in the container (the path the symlinks and readers use). */
  readonly path: string;
  /** The same mount as the container's Bidirectional volume shows it. */
  readonly sharedPath: string;
  /** The FUSE mount on the node. */
  readonly hostPath?: string;
  /** The host directory of the Bidirectional volume (the mount's parent when they differ). */
  readonly volumeHostPath?: string;
  readonly sidecar?: string;
  /** The DFS as the sidecar sees it. */
  readonly sidecarPath?: string;
  readonly readiness?: string;
  readonly preStop?: string;
  readonly export?: { pv: string; claim: string; ip: string; path: string; service: string; port: number; mountOptions: string[] };
}

const GPU_RESOURCE_PREFIX = 'gpu.intel.com/';

export function gpuResource(v: StackView): string | undefined {
  for (const w of v.workloads) {
    for (const ctr of w.pod.containers) {
      const r = Object.keys(ctr.resources?.limits ?? {}).find((k) => k.startsWith(GPU_RESOURCE_PREFIX));
      if (r) return r;
    }
  }
  return undefined;
}

/** The script of an `sh -c <script>` command, or the command as one line. */
function shellOf(cmd: readonly string[] | undefined): string | undefined {
  if (!cmd) return undefined;
  return cmd[0] === 'sh' && cmd[1] === '-c' && cmd[2] !== undefined ? cmd[2] : cmd.join(' ');
}
