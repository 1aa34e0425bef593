import { posix } from 'node:path';
import { staticServiceBand } from '../config/cross-field.js';
import { SERVICELB_TOLERATIONS_ANNOTATION } from '../lib/placement.js';
import type { OutputFile } from '../output/layout.js';
import { externalSecretKeysToCreate, infisicalKeyName } from '../secrets/external-secrets.js';
import { secretEnvVarName } from '../secrets/model.js';
import { nfsExporter } from './diagram.js';
import { DOWNLOADS_PAGE, DOWNLOADS_TITLE, downloadsAndDatabase } from './downloads.js';
import { c, Md } from './md.js';
import type { KubeObject } from '../output/model.js';
import { holdsState, isPruneProtected, PRUNE_ANNOTATION } from '../output/state.js';
import { TRAEFIK_MIDDLEWARES } from '../lib/workload.js';
import { envValue, fuseMountPaths, INSTANCE_LABEL as INSTANCE, mountCovers, sh, type ContainerJson, type PodSpecJson, type StackView, type Workload } from './model.js';
import { docWarnings } from './warnings.js';

/**
 * Runbooks under `docs/` of the output. Every name, namespace, path, container and label in a
 * command is read from the synthesized objects, so the commands work against exactly what this
 * config deploys; sections of disabled apps are left out.
 */

const AGE_KEY_FILE = '$HOME/.config/sops/age/keys.txt';
const NEW_KEY_FILE = '$HOME/.config/sops/age/new-keys.txt';
const HOSTNAME_LABEL = 'kubernetes.io/hostname';

/** App-level facts the runbooks share, read from the objects. */
export class Facts {
  readonly ns: string;
  constructor(readonly v: StackView) {
    this.ns = v.namespace;
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
    return dfs.readiness ? `${this.exec(dfs.w, dfs.container, dfs.readiness)} && echo "DFS mounted"` : this.exec(dfs.w, dfs.container, `grep -F ${sh(` ${dfs.path} fuse`)} /proc/mounts`);
  }

  /**
   * `kubectl exec` of `cmd` as the user the app's process runs as. kubectl exec runs as the
   * container's user: where that is root and the image's entrypoint drops privileges itself, a
   * check such as `test -w` must drop the same way, or it always succeeds.
   */
  execAsApp(w: Workload, container: string, cmd: string): string {
    const ctr = [...(w.pod.initContainers ?? []), ...w.pod.containers].find((x) => x.name === container);
    const drop = ctr ? privilegeDrop(ctr) : undefined;
    return this.exec(w, container, drop ? `${drop} ${cmd}` : cmd);
  }

  logs(w: Workload, container: string, extra = ''): string {
    return `kubectl logs ${this.pod(w)} ${this.n(w)} -c ${container}${extra ? ` ${extra}` : ''}`;
  }

  getPodWide(w: Workload): string {
    return w.kind === 'StatefulSet'
      ? `kubectl get pod ${this.pod(w)} ${this.n(w)} -o wide`
      : `kubectl get pods ${this.n(w)} -l ${w.selector} -o wide`;
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

  /** Commands that fetch a workload's health endpoint from a workstation (Ingress, else port-forward). */
  healthCurl(w: Workload): string[] {
    const h = this.health(w);
    const svc = this.svc(w);
    if (!h || !svc) return [];
    const host = this.v.ingressHost(svc.name);
    if (host) return [`curl -fsS ${this.scheme(svc.name)}://${host}${h.path}`];
    return [`kubectl port-forward ${this.n(w)} svc/${svc.name} ${svc.port}:${svc.port} &`, `curl -fsS http://localhost:${svc.port}${h.path}`];
  }

  scheme(service: string): string {
    return this.v.ingressOf(service)?.spec.tls?.length ? 'https' : 'http';
  }

  /**
   * The step after the first login of an app whose Ingress waits for `apps.<app>.ingress`
   * (FirstLoginAppConfig): opt in and synth again. Empty when the ingress is off altogether.
   */
  ingressOptIn(app: 'profilarr' | 'pulsarr' | 'qbittorrent'): string {
    const ing = this.v.cfg.ingress;
    if (!ing.enabled) return '';
    const host = `${ing.tlsSecretName ? 'https' : 'http'}://${app}.${ing.domain}`;
    return `Once the login exists, set ${c(`apps.${app}.ingress: true`)} in your config, synth and commit: Flux adds its Ingress ${c(host)} (and lets the ingress controller through its NetworkPolicy).`;
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

  /** The Secret and key an env var of the main container reads. */
  secretRef(w: Workload, suffix: string): { secret: string; key: string; env: string } | undefined {
    for (const ctr of w.pod.containers) {
      const e = ctr.env?.find((x) => x.name.endsWith(suffix) && x.valueFrom?.secretKeyRef);
      if (e) return { secret: e.valueFrom!.secretKeyRef!.name, key: e.valueFrom!.secretKeyRef!.key, env: e.name };
    }
    return undefined;
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
    const init = (w.pod.initContainers ?? []).find((i) => path && i.volumeMounts?.some((m) => mountCovers(m.mountPath, path)) && (i.command ?? []).join(' ').includes('until'));
    if (!init) return undefined;
    const script = (init.command ?? []).join('\n');
    const echoes = [...script.matchAll(/echo "([^"$]*)"( >&2)?/g)];
    const out = echoes.filter((m) => !m[2]).map((m) => m[1]!);
    return {
      name: init.name,
      condition: /until (.*?); do/.exec(script)?.[1],
      waiting: out.length > 1 ? out[0] : undefined,
      ready: out[out.length - 1],
      timeout: echoes.find((m) => m[2])?.[1],
    };
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
      const ex = pv.spec.nfs ? nfsExporter(this.v, pv.spec.nfs.server) : undefined;
      if (ex?.workload !== d) continue;
      const claim = pv.spec.claimRef?.name as string;
      exp = { pv: pv.metadata.name, claim, ip: pv.spec.nfs.server, path: pv.spec.nfs.path, service: ex.service, port: ex.port!, mountOptions: pv.spec.mountOptions ?? [] };
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

/**
 * Images whose entrypoint starts as root and drops to `PUID:PGID` itself, with the command that
 * drops the same way. Decypharr: `exec su-exec "$PUID:$PGID" "$@"` (sirrobot01/decypharr
 * `scripts/entrypoint.sh` @ v2.4; the image installs `su-exec`).
 */
const ENTRYPOINT_PRIVILEGE_DROP: readonly { image: RegExp; command: (uid: string, gid: string) => string }[] = [
  { image: /^ghcr\.io\/sirrobot01\/decypharr:/, command: (uid, gid) => `su-exec ${uid}:${gid}` },
];

/** The command prefix that runs as the app's user in a container that runs as root, if one is needed. */
function privilegeDrop(ctr: ContainerJson): string | undefined {
  if (ctr.securityContext?.runAsUser !== 0) return undefined;
  const drop = ENTRYPOINT_PRIVILEGE_DROP.find((d) => d.image.test(ctr.image));
  const uid = envValue(ctr, 'PUID');
  const gid = envValue(ctr, 'PGID');
  return drop && uid && gid ? drop.command(uid, gid) : undefined;
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

export const GPU_RESOURCE_PREFIX = 'gpu.intel.com/';

function gpuResource(v: StackView): string | undefined {
  for (const w of v.workloads) {
    for (const ctr of w.pod.containers) {
      const r = Object.keys(ctr.resources?.limits ?? {}).find((k) => k.startsWith(GPU_RESOURCE_PREFIX));
      if (r) return r;
    }
  }
  return undefined;
}

/** The Flux-relative path of the cluster folder (`./clusters/<cluster>` or below `repoPath`). */
function clusterFluxPath(v: StackView): string {
  for (const k of v.fluxKustomizations) {
    const comp = v.components.find((x) => x.fluxName === k.metadata.name);
    if (comp && typeof k.spec.path === 'string' && k.spec.path.endsWith(`/${comp.dir}`)) return k.spec.path.slice(0, -comp.dir.length - 1);
  }
  return `./${v.clusterRoot}`;
}

/** Every pod spec of the objects (workloads, CronJobs and Jobs), with its object. */
export function podSpecs(v: StackView): { object: KubeObject; pod: PodSpecJson }[] {
  const out: { object: KubeObject; pod: PodSpecJson }[] = [];
  for (const o of v.objects as (KubeObject & { spec?: any })[]) {
    const pod = o.spec?.template?.spec ?? o.spec?.jobTemplate?.spec?.template?.spec;
    if (pod?.containers) out.push({ object: o, pod });
  }
  return out;
}

/**
 * Longhorn's own pods (instance manager, CSI plugin, share manager…) tolerate only the taints in
 * its `taint-toleration` setting: without them, volumes cannot attach on the tainted nodes.
 */
function longhornTolerations(f: Facts, md: Md, taints: ReadonlyMap<string, readonly Workload[]>): void {
  const v = f.v;
  const value = [...taints.keys()].sort().join(';');
  const claims = (w: Workload) =>
    w.volumeClaimTemplates.length > 0 ||
    (w.pod.volumes ?? []).some((vol) => {
      const pvc = vol.persistentVolumeClaim ? v.find('PersistentVolumeClaim', vol.persistentVolumeClaim.claimName, w.namespace) : undefined;
      return Boolean(pvc?.spec.storageClassName);
    });
  const users = [...new Set([...taints.values()].flat())].filter(claims);
  const where = [...new Set(users.map((w) => w.placement.title.toLowerCase().replace(/\bgpu\b/, 'GPU')))];
  md.p(
    `**Before tainting: Longhorn.** Longhorn attaches a volume through its own pods on the node of the pod that mounts it — the instance manager and the CSI plugin, and for ${c(v.all('StorageClass').map((s) => s.metadata.name)[0] ?? 'RWX')} volumes the share manager — and the pods Longhorn creates tolerate only the taints in its ${c('taint-toleration')} setting.${users.length ? ` Here ${users.map((w) => c(w.name)).join(', ')} mount Longhorn volumes on the ${where.join(' and the ')}, so Longhorn must be able to run its components there${where.some((x) => x.includes('GPU')) ? ', the GPU node included' : ''}.` : ''} Set the setting to exactly the taints below, before they are applied and while no Longhorn volume is attached (Longhorn restarts its components to apply it, and waits for attached volumes to detach): in the Longhorn UI (Setting › General › Kubernetes Taint Toleration), with the Helm value ${c('defaultSettings.taintToleration')} at install, or:`,
  );
  md.sh([
    `kubectl -n longhorn-system patch settings.longhorn.io taint-toleration --type=merge -p ${sh(JSON.stringify({ value }))}`,
    `kubectl -n longhorn-system get settings.longhorn.io taint-toleration -o jsonpath='{.value}{"\\n"}'   # ${value}`,
  ]);
  md.p(
    `The setting covers the components Longhorn creates itself (instance manager, engine image, CSI plugin, share manager). ${c('longhorn-manager')} and the CSI driver deployer come from your installation: give them the same tolerations (Helm values ${c('longhornManager.tolerations')} and ${c('longhornDriver.tolerations')}). After tainting, each of these nodes runs a ${c('longhorn-manager')}, a ${c('longhorn-csi-plugin')} and an ${c('instance-manager')} pod:`,
  );
  md.sh([`kubectl get pods -n longhorn-system -o wide | grep -E 'longhorn-manager|longhorn-csi-plugin|instance-manager'`]);
}

/**
 * The nodes that keep no taint (`nodes.system.hostnames`, validated to exist while a taint is
 * set): the cluster's own pods tolerate none of the stack's taints and must run there.
 */
function untaintedNodes(f: Facts, md: Md): void {
  const hosts = f.v.cfg.nodes.system.hostnames;
  md.p(
    `**Nodes that stay untainted: ${hosts.map(c).join(', ')}** (config ${c('nodes.system.hostnames')}). The taints below keep every pod that does not tolerate them off the storage and GPU nodes — the cluster's own pods too: CoreDNS, Traefik and metrics-server (k3s), the Flux controllers and the Longhorn Deployments without these tolerations (e.g. ${c('longhorn-ui')}) run on ${hosts.length === 1 ? 'this node' : 'these nodes'}. Never taint ${hosts.length === 1 ? 'it' : 'them'}; check that ${hosts.length === 1 ? 'it exists and carries' : 'they exist and carry'} no taint (a k3s server started with ${c('--node-taint')} has one):`,
  );
  md.sh([`kubectl get nodes ${hosts.join(' ')} -o custom-columns='NODE:.metadata.name,TAINTS:.spec.taints'   # TAINTS <none>`]);
}

/** NoSchedule does not evict: pods already on a tainted node move at their next restart. */
function systemPodsAfterTainting(f: Facts, md: Md): void {
  const hosts = f.v.cfg.nodes.system.hostnames;
  md.p(
    `A ${c('NoSchedule')} taint evicts nothing that already runs on the node: a system pod still on a tainted node goes to ${hosts.map(c).join(', ')} when it is next re-created. Check that the cluster's own pods are Running, and where:`,
  );
  md.sh([
    // Deployments there tolerate none of the stack's taints (DaemonSet pods run where they tolerate).
    ...['kube-system', f.v.fluxNamespace].map((ns) => `kubectl get pods -n ${ns} -o wide   # Running; Deployment pods on ${hosts.join(' or ')}${ns === f.v.fluxNamespace ? ' (once Flux is installed, step 3)' : ''}`),
    ...(f.v.cfg.storage.mode === 'longhorn' ? ['kubectl get pods -n longhorn-system -o wide   # Running; nothing Pending'] : []),
  ]);
}

/** hostPath layout: the host directories the pods mount, created owned by the stack's user. */
function hostDirectories(f: Facts, md: Md): void {
  const v = f.v;
  if (v.cfg.storage.mode !== 'hostPath') return;
  const root = v.cfg.storage.hostPathRoot.replace(/\/+$/, '');
  const specs = podSpecs(v);
  const paths = new Set<string>();
  const under = (p: string) => p === root || p.startsWith(`${root}/`);
  for (const { pod } of specs) for (const vol of pod.volumes ?? []) if (vol.hostPath && under(vol.hostPath.path)) paths.add(vol.hostPath.path);
  for (const pv of v.all('PersistentVolume')) {
    const p = pv.spec.hostPath?.path ?? pv.spec.local?.path;
    if (typeof p === 'string' && under(p)) paths.add(p);
  }
  if (paths.size === 0) return;
  const { uid, gid } = v.cfg;
  const hosts = [...new Set(v.workloads.filter((w) => (w.pod.volumes ?? []).some((x) => x.hostPath && paths.has(x.hostPath.path))).flatMap((w) => w.placement.hostnames))];
  const chowners = [...new Set(specs.flatMap(({ pod }) => (pod.initContainers ?? []).filter((i) => (i.command ?? []).join(' ').includes('chown')).map((i) => i.name)))];
  md.p(
    `**Host directories.** The stack keeps its data in host directories under ${c(root)}${hosts.length ? ` on ${hosts.map(c).join(', ')}` : ''}. Create them owned by the stack's user (${c(`uid ${uid}`)}, ${c(`gid ${gid}`)}) before the first sync — kubelet would create missing ones owned by root, and ${c('fsGroup')} does not apply to host paths:`,
  );
  md.sh([`sudo install -d -o ${uid} -g ${gid} ${[...paths].sort().join(' ')}`]);
  md.p(
    `${chowners.length ? `The ${chowners.map(c).join(', ')} init container${chowners.length > 1 ? 's' : ''} also hand${chowners.length > 1 ? '' : 's'} each mounted directory to ${c(`${uid}:${gid}`)} at pod start, but not what is inside: ` : ''}data copied in from elsewhere must belong to the user too (${c(`sudo chown -R ${uid}:${gid} <directory>`)}).`,
  );
}

/**
 * The oldest Flux that accepts the Kustomizations: `spec.deletionPolicy` came with
 * kustomize-controller v1.5.0 (Flux v2.5.0), its value `WaitForTermination` with v1.6.0 (Flux v2.6.0).
 */
function fluxVersionNote(v: StackView): string {
  const policies = new Set(v.fluxKustomizations.map((k) => k.spec.deletionPolicy as string | undefined).filter(Boolean));
  const api = [...new Set(v.fluxKustomizations.map((k) => k.apiVersion))].map(c).join(', ');
  if (policies.has('WaitForTermination')) {
    return `Needs Flux v2.6 or later (kustomize-controller v1.6+, check with ${c('flux version')}): the Kustomizations (${api}) set ${c('spec.deletionPolicy: WaitForTermination')}, so a removed app's pods are gone before its volumes; Flux v2.5 rejects that value and older releases drop the field without a word.`;
  }
  if (policies.size) return `Needs Flux v2.5 or later (kustomize-controller v1.5+, check with ${c('flux version')}): the Kustomizations (${api}) set ${c('spec.deletionPolicy')}.`;
  return `Needs Flux v2.0 or later (the Kustomizations are ${api}; check with ${c('flux version')}).`;
}

/** What the `sops` CLI must be to open the committed files, and why Flux is not affected. */
function sopsVersionNote(v: StackView): string {
  const macOnly = v.placed.some((p) => (p.object as { sops?: { mac_only_encrypted?: boolean } }).sops?.mac_only_encrypted === true);
  const flux = 'Flux is not affected either way: kustomize-controller decrypts the values without verifying the MAC.';
  return macOnly
    ? `The Secret files are written with ${c('mac_only_encrypted: true')}: open them with ${c('sops')} 3.9 or later (3.8 ignores the flag and fails with a MAC mismatch). ${flux}`
    : `Use ${c('sops')} 3.9 or later: files written with ${c('mac_only_encrypted')} (a creation rule in ${c('.sops.yaml')}) fail with a MAC mismatch in 3.8. ${flux}`;
}

/** Where the output goes: the folder `flux.repoPath` names inside the GitOps repository. */
function outputFolder(v: StackView): string {
  const folder = posix.normalize(v.cfg.flux.repoPath);
  return folder === '.' ? '<GitOps repository>' : `<GitOps repository>/${folder}`;
}

/** Where the synth writes and why that is the folder the Flux paths expect. */
function repoPathText(v: StackView): string {
  const repoPath = v.cfg.flux.repoPath;
  const never = `never into the repository root, which holds ${c('.git')} and Flux's own files`;
  if (posix.normalize(repoPath) === '.') {
    return `This config sets ${c("flux.repoPath: '.'")}: every ${c('spec.path')} expects the output to be the repository root — which the synth cannot write, because it replaces its output folder as a whole (${never}). Set ${c('flux.repoPath')} to a folder of its own, e.g. ${c("'./media-stack'")}, synthesize into it and commit.`;
  }
  return `Every ${c('spec.path')} starts with ${c(`flux.repoPath`)} (${c(repoPath)}): synthesize into ${c(outputFolder(v))} and commit that folder — the synth replaces its output folder as a whole, so it is a folder of its own (${never}). Another folder: set ${c('flux.repoPath')} to it and synthesize again.`;
}

// ─── bootstrap ──────────────────────────────────────────────────────────────────────────────

function bootstrap(f: Facts): string {
  const v = f.v;
  const md = new Md();
  const fluxNs = v.fluxNamespace;
  const sopsSecret = v.sopsSecretName;
  const ks = v.fluxKustomizations;
  const clusterPath = clusterFluxPath(v);
  md.h(1, 'Bootstrap');
  md.p(`From an empty k3s cluster to a running stack: node preparation, the age key for SOPS, Flux, and the order in which Flux applies the ${ks.length} Kustomizations of ${c(`${v.clusterRoot}/media-stack.yaml`)}.`);

  md.h(2, '1. Nodes');
  const labelCmds: string[] = [];
  const taintCmds: string[] = [];
  /** Taints in `kubectl taint` form (`key=value:Effect`), with the workloads that tolerate them. */
  const taints = new Map<string, Workload[]>();
  const pins: { host: string; members: Workload[] }[] = [];
  for (const g of v.placementGroups) {
    if (!g.nodeSelector) continue;
    const members = v.workloads.filter((w) => w.placement.id === g.id);
    const hosts = g.hostnames.length ? g.hostnames : ['<node>'];
    // kubelet owns kubernetes.io/hostname (it is the node name): check it, never relabel it.
    const labels = g.nodeSelector.split(',').filter((l) => !l.startsWith(`${HOSTNAME_LABEL}=`));
    for (const l of g.nodeSelector.split(',')) if (l.startsWith(`${HOSTNAME_LABEL}=`)) pins.push({ host: l.slice(HOSTNAME_LABEL.length + 1), members });
    const primary = members.map((w) => v.preferredNodeLabel(w.pod)).find((x) => x);
    const groupTaints = new Set<string>();
    for (const w of members) {
      for (const t of w.pod.tolerations ?? []) {
        if (!t.key || !t.effect) continue;
        const text = `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`;
        groupTaints.add(text);
        taints.set(text, [...(taints.get(text) ?? []), w]);
      }
    }
    if (labels.length || primary) {
      labelCmds.push(`# ${g.title}: ${members.map((w) => w.name).join(', ')}`);
      if (labels.length) for (const h of hosts) labelCmds.push(`kubectl label node ${h} ${labels.join(' ')} --overwrite`);
      if (primary && hosts[0]) labelCmds.push(`kubectl label node ${hosts[0]} ${primary.split(',')[0]} --overwrite   # the preferred (primary) node`);
    }
    if (groupTaints.size) {
      taintCmds.push(`# ${g.title}: ${members.map((w) => w.name).join(', ')}`);
      for (const t of [...groupTaints].sort()) for (const h of hosts) taintCmds.push(`kubectl taint node ${h} ${t} --overwrite`);
    }
  }
  for (const pin of pins) {
    md.p(
      `${pin.members.map((w) => c(w.name)).join(', ')} ${pin.members.length === 1 ? 'is' : 'are'} pinned to ${c(`${HOSTNAME_LABEL}=${pin.host}`)}, a label kubelet sets to the node's name itself (never relabel it): the node must be named ${c(pin.host)}. Check with ${c(`kubectl get nodes -L ${HOSTNAME_LABEL}`)}; under another name${v.cfg.storage.singleNodeHostname === pin.host ? `, set ${c('storage.singleNodeHostname')} to it and synthesize again` : ', change the config to it'} (k3s names a node after the host name unless started with ${c('--node-name')}).`,
    );
  }
  if (labelCmds.length) {
    md.p('Label the nodes the way the pods select them (read from the synthesized pod specs):');
    md.sh(labelCmds);
  }
  if (taintCmds.length) untaintedNodes(f, md);
  if (taintCmds.length && v.cfg.storage.mode === 'longhorn') longhornTolerations(f, md, taints);
  if (taintCmds.length) {
    md.p('Taint the nodes the way the pods tolerate them, so nothing else lands there:');
    md.sh(taintCmds);
    systemPodsAfterTainting(f, md);
  }
  if (!labelCmds.length && !taintCmds.length && !pins.length) md.p('The pods select no node labels: nothing to label or taint.');
  hostDirectories(f, md);
  const nfsUsers = v.workloads.filter((w) => (w.pod.volumes ?? []).some((vol) => {
    const pvc = vol.persistentVolumeClaim ? v.find('PersistentVolumeClaim', vol.persistentVolumeClaim.claimName, w.namespace) : undefined;
    const pv = pvc?.spec.volumeName ? v.find('PersistentVolume', pvc.spec.volumeName) : undefined;
    return Boolean(pv?.spec.nfs || vol.nfs);
  }));
  const prereqs: string[] = [];
  if (nfsUsers.length) {
    const groups = [...new Set(nfsUsers.map((w) => w.placement.title))];
    prereqs.push(`The NFS client (${c('nfs-common')} / ${c('nfs-utils')}) on every node of: ${groups.join(', ')} — kubelet mounts the NFS volumes of ${nfsUsers.map((w) => c(w.name)).join(', ')} on the node.`);
  }
  const ownClasses = new Set(v.all('StorageClass').map((s) => s.metadata.name));
  const classes = [...new Set(v.all('PersistentVolumeClaim').map((p) => p.spec.storageClassName).filter((s: string | undefined): s is string => Boolean(s) && !ownClasses.has(s!)))];
  for (const w of v.workloads) for (const t of (w.object as any).spec.volumeClaimTemplates ?? []) if (t.spec.storageClassName && !ownClasses.has(t.spec.storageClassName)) classes.push(t.spec.storageClassName);
  const needClasses = [...new Set(classes)].sort();
  if (needClasses.length) prereqs.push(`StorageClass${needClasses.length > 1 ? 'es' : ''} ${needClasses.map(c).join(', ')} (Longhorn), which the stack uses but does not create: ${c(`kubectl get storageclass ${needClasses.join(' ')}`)}.`);
  const dfs = f.dfs;
  if (dfs?.hostPath) prereqs.push(`Decypharr's FUSE mount propagates through ${c(dfs.volumeHostPath ?? dfs.hostPath)} on its node: the host's root must be a shared mount (${c('findmnt -o TARGET,PROPAGATION /')} shows ${c('shared')}; the systemd default).`);
  const plex = f.one('plex');
  if (plex?.pod.securityContext?.supplementalGroups?.length) {
    prereqs.push(`Plex joins group ${plex.pod.securityContext.supplementalGroups.map(String).join(', ')} for ${c('/dev/dri')}: compare with ${c('getent group render')} on the GPU node (config ${c('apps.plex.renderGroupId')}).`);
  }
  const lb = plexLoadBalancer(f);
  if (lb) {
    const page = gpuResource(v) || f.has('clusterplex-orchestrator');
    prereqs.push(
      page
        ? `Plex's LoadBalancer answers only on the tainted node that runs Plex: k3s ServiceLB's svclb pods or MetalLB's speaker must tolerate the taint there — see [${gpuPageTitle(f)}](gpu-transcoding.md).`
        : lb.text,
    );
  }
  md.p('Prerequisites the stack cannot install:');
  md.ul(prereqs);

  if (v.cfg.secrets.backend === 'sops' && sopsSecret) {
    md.h(2, '2. The age key (SOPS)');
    md.p(`Flux decrypts the ${c('*.sops.yaml')} Secrets with the age identity in the Secret ${c(sopsSecret)} of namespace ${c(fluxNs)}. Create the identity once, outside the repository, and back it up (a password manager and an offline copy): without it the Secrets cannot be decrypted, see [secrets.md](secrets.md).`);
    md.sh([
      `npm run keys -- init          # creates ${AGE_KEY_FILE} and puts its recipient into .sops.yaml`,
      `kubectl create namespace ${fluxNs} --dry-run=client -o yaml | kubectl apply -f -`,
      `kubectl create secret generic ${sopsSecret} --namespace=${fluxNs} --from-file=age.agekey=${AGE_KEY_FILE}`,
    ]);
    md.p(`Synthesize again after ${c('init')} so every Secret is encrypted to your recipient, and check that you can read one back (paths in these runbooks are relative to the output folder):`);
    const first = v.secretRequests[0];
    md.sh([
      `npm run synth -- --config <your-config.ts> --out ${outputFolder(v)}`,
      ...(first ? [`cd ${outputFolder(v)}`, 'sops --version   # 3.9 or later', `sops -d ${first.path} >/dev/null && echo decrypts`] : []),
    ]);
    md.p(sopsVersionNote(v));
  } else if (v.cfg.secrets.backend === 'external-secrets') {
    const i = v.cfg.secrets.infisical;
    const namespaces = [...new Set(v.secretRequests.map((r) => r.namespace))].sort();
    md.h(2, '2. Secrets from Infisical (External Secrets)');
    const stores = v.placed.filter((p) => p.object.kind === 'SecretStore');
    const apiVersions = [...new Set(v.placed.filter((p) => /^(Cluster)?(SecretStore|ExternalSecret)$/.test(p.object.kind)).map((p) => p.object.apiVersion))].sort();
    md.p(
      `Install the External Secrets Operator with its CRDs before the stack${apiVersions.length ? ` (a release that serves ${apiVersions.map(c).join(', ')})` : ''}: Flux cannot apply a SecretStore or an ExternalSecret without them.`,
    );
    md.sh([`kubectl get crd secretstores.external-secrets.io externalsecrets.external-secrets.io -o custom-columns='CRD:.metadata.name,VERSIONS:.spec.versions[*].name'`]);
    md.p(`Create every value below in Infisical (project ${c(i.projectSlug)}, environment ${c(i.environmentSlug)}, folder ${c(i.secretsPath)}):`);
    md.table(['Infisical key', 'Secret', 'What'], externalSecretKeysToCreate(v.secretRequests).map((k) => [c(k.remoteKey), `${k.namespaces.join(', ')}/${k.secret}`, k.description]));
    md.p(`Then the Universal Auth credentials in each namespace (never in Git). Flux has not created the namespace yet: create it first (Flux takes it over on its first sync):`);
    md.sh(
      namespaces.flatMap((ns) => [
        `kubectl create namespace ${ns} --dry-run=client -o yaml | kubectl apply -f -`,
        `kubectl create secret generic ${i.bootstrapSecretName} -n ${ns} --from-literal=clientId=<client id> --from-literal=clientSecret=<client secret>`,
      ]),
    );
    const storeKs = [...new Set(stores.map((p) => v.components.find((x) => `${v.clusterRoot}/${x.dir}` === posix.dirname(p.path))?.fluxName).filter((x): x is string => Boolean(x)))];
    if (storeKs.length) {
      const dependants = ks.filter((k) => (k.spec.dependsOn ?? []).some((d: { name: string }) => storeKs.includes(d.name))).map((k) => k.metadata.name as string);
      // Only a Kustomization that checks the store's health holds its dependants back.
      const waits = ks.filter((k) => storeKs.includes(k.metadata.name)).every((k) => k.spec.wait && (k.spec.healthCheckExprs ?? []).some((e: { kind?: string }) => e.kind === 'SecretStore'));
      const storeText = `The SecretStore${stores.length > 1 ? 's' : ''} (${stores.map((p) => c(`${p.object.metadata.namespace}/${p.object.metadata.name}`)).join(', ')}) ${stores.length > 1 ? 'come' : 'comes'} with the Kustomization ${storeKs.map(c).join(', ')}`;
      md.p(
        waits
          ? `${storeText}, which is ready only once ${stores.length > 1 ? 'each store reports' : 'the store reports'} ${c('Ready=True')} (${c('healthCheckExprs')}), so it stays not ready while the CRDs or ${c(i.bootstrapSecretName)} are missing; ${dependants.length ? `${dependants.map(c).join(', ')} wait${dependants.length === 1 ? 's' : ''} for it, ` : ''}the namespace and the apps without Secrets are not held up. Check:`
          : `${storeText}, which Flux reports ready as soon as it is applied: ${dependants.length ? `${dependants.map(c).join(', ')} start${dependants.length === 1 ? 's' : ''} even while the store cannot authenticate, and their Secrets stay missing until it can. ` : ''}Check:`,
      );
      md.sh([
        ...storeKs.map((k) => `flux get kustomizations ${k} -n ${fluxNs}`),
        ...namespaces.map((ns) => `kubectl get secretstores.external-secrets.io -n ${ns}   # STATUS Valid, READY True`),
      ]);
    }
  }

  md.h(2, '3. Flux');
  md.p(
    `Flux applies ${c(clusterPath)}: its ${c('kustomization.yaml')} lists ${c('media-stack.yaml')}, the ${ks.length} Flux Kustomizations (namespace ${c(fluxNs)}, source ${c(`GitRepository/${v.cfg.flux.sourceName}`)}).`,
    repoPathText(v),
  );
  if (v.cfg.flux.repoPath !== '.') {
    md.p('From the root of the GitOps repository, the folder Flux applies must exist there:');
    md.sh([`test -f ${clusterPath}/kustomization.yaml && echo "in place"`]);
  }
  md.p(fluxVersionNote(v));
  md.p(`New cluster: bootstrap Flux into its own folder of the repository, then add one Kustomization there that applies ${c(clusterPath)}:`);
  md.sh([`flux bootstrap git --url=ssh://git@<git host>/<owner>/<repository>.git --branch=main --path=./clusters/${v.cfg.cluster}-flux`]);
  md.code(
    'yaml',
    [
      `# clusters/${v.cfg.cluster}-flux/media-stack.yaml`,
      'apiVersion: kustomize.toolkit.fluxcd.io/v1',
      'kind: Kustomization',
      'metadata:',
      '  name: media-stack',
      `  namespace: ${fluxNs}`,
      'spec:',
      `  interval: ${v.cfg.flux.interval}`,
      `  path: ${clusterPath}`,
      '  prune: true',
      '  sourceRef:',
      '    kind: GitRepository',
      `    name: ${v.cfg.flux.sourceName}`,
    ].join('\n'),
  );
  md.p(
    `Existing Flux: commit the same file next to your other Flux Kustomizations. Bootstrapping with ${c(`--path=${clusterPath}`)} instead puts Flux's own files into the synthesized folder: they must then be listed with ${c("flux.extraRootResources: ['flux-system']")} (${v.cfg.flux.extraRootResources.includes('flux-system') ? 'this config does' : 'this config does not'}) and restored after every synth, which replaces the folder.`,
  );

  md.h(2, '4. Watch the Kustomizations come up');
  md.p('Flux applies them in this order (each waits for its `dependsOn` to be ready; "waits" = Flux checks the health of every object before dependants start):');
  md.table(
    ['#', 'Kustomization', 'Depends on', 'Waits', 'Applies'],
    ks.map((k, i) => {
      const comp = v.components.find((x) => x.fluxName === k.metadata.name);
      return [
        String(i + 1),
        c(k.metadata.name),
        (k.spec.dependsOn ?? []).map((d: { name: string }) => c(d.name)).join(', ') || '—',
        k.spec.wait ? 'yes' : k.spec.healthChecks?.length ? 'health checks' : 'no',
        `${c(k.spec.path)}${comp ? `: ${comp.description}` : ''}`,
      ];
    }),
  );
  md.sh([
    `flux reconcile source git ${v.cfg.flux.sourceName} -n ${fluxNs}`,
    `flux get kustomizations -n ${fluxNs} --watch`,
    ...(ks[0] ? [`flux reconcile kustomization ${ks[0].metadata.name} -n ${fluxNs} --with-source   # nudges the first one; the rest follow`] : []),
  ]);
  md.p('A Kustomization that stays `False`:');
  md.sh([`flux logs --kind=Kustomization --name=<name> -n ${fluxNs}`, `kubectl describe kustomizations.kustomize.toolkit.fluxcd.io <name> -n ${fluxNs}`, `kubectl get events -n ${f.ns} --sort-by=.lastTimestamp | tail -30`]);
  if (sopsSecret) md.p(`${c('decryption failed')} / ${c('no identity matched')} means ${c(`${fluxNs}/${sopsSecret}`)} does not hold the identity of a recipient in ${c('.sops.yaml')}: see [secrets.md](secrets.md).`);
  md.p('Then: [post-deploy.md](post-deploy.md) for the settings only the apps\' UIs take, and [verification.md](verification.md).');
  return md.toString();
}

// ─── secrets ────────────────────────────────────────────────────────────────────────────────

function secrets(f: Facts): string {
  const v = f.v;
  const md = new Md();
  const fluxNs = v.fluxNamespace;
  const sopsSecret = v.sopsSecretName;
  md.h(1, 'Secrets: recovery and key rotation');
  if (v.cfg.secrets.backend === 'sops') md.p(`Paths are relative to the output folder (the root of this tree). ${c('sops')} finds your identity through ${c('SOPS_AGE_KEY_FILE')} (default ${c(AGE_KEY_FILE)}).`);
  const rows = v.secretRequests.map((r) => [
    c(`${r.namespace}/${r.name}`),
    r.keys.map((k) => c(k.key)).join(', '),
    r.keys.map((k) => (k.source.kind === 'generated' ? `${k.key}: generated once, kept` : `${k.key}: you supply it${k.source.optional ? ' (optional)' : ''} — ${k.source.description}`)).join('; '),
    v.cfg.secrets.backend === 'sops' ? c(r.path) : r.keys.map((k) => c(infisicalKeyName(r.name, k.key))).join(', '),
  ]);
  md.table(['Secret', 'Keys', 'Values', v.cfg.secrets.backend === 'sops' ? 'File' : 'Infisical keys'], rows);

  if (v.cfg.secrets.backend === 'external-secrets') {
    const i = v.cfg.secrets.infisical;
    md.p(`Values live in Infisical (${i.hostAPI}, project ${c(i.projectSlug)}, environment ${c(i.environmentSlug)}, folder ${c(i.secretsPath)}); nothing secret is in Git. To change a value, change it in Infisical; the operator syncs it within the refresh interval. Pods read Secrets at start, so restart the consumer:`);
    md.sh(f.arrs.slice(0, 1).map((w) => `kubectl rollout restart ${w.ref} ${f.n(w)}`));
    return md.toString();
  }

  md.h(2, 'Reading a value');
  md.p("Decrypt the committed file; nothing needs cluster access:");
  const first = v.secretRequests[0];
  if (first) md.sh([`sops -d ${first.path}`, `sops -d --extract '["stringData"]["${first.keys[0]!.key}"]' ${first.path}`]);

  md.h(2, 'Changing a value you supply');
  const op = v.secretRequests.flatMap((r) => r.keys.filter((k) => k.source.kind === 'operator').map((k) => ({ r, k })))[0];
  md.p(
    'Supply the new value through one of the sources (environment variable, the gitignored `secrets.local.yaml`, or `secrets.sops.yaml` edited with `sops`), synthesize, commit and push. Pods read Secrets at start: restart the consumer once Flux applied the change.',
  );
  if (op) {
    const consumer = v.workloads.find((w) => w.pod.containers.some((x) => x.env?.some((e) => e.valueFrom?.secretKeyRef?.name === op.r.name)));
    md.sh([
      `export ${secretEnvVarName(op.r.name, op.k.key)}=<new value>`,
      'npm run synth -- --config <your-config.ts> --out <output folder>',
      ...(consumer ? [`kubectl rollout restart ${consumer.ref} ${f.n(consumer)}`] : []),
    ]);
  }

  md.h(2, 'Adding or removing a recipient');
  md.p('A second admin, or a backup key kept offline: add its recipient; every Secret file is re-encrypted with your identity. Nothing changes in the cluster.');
  md.sh(['npm run keys -- add age1… --out <output folder>', 'npm run keys -- remove age1… --out <output folder>']);

  md.h(2, 'Rotating the key');
  md.p(
    `When an identity may have leaked (a lost laptop, a departed admin), or to retire an old one. Keep the cluster able to decrypt both the old and the new files until Flux has applied the new ones. ` +
      `Add ${c('--regenerate')} when the values themselves may be known to someone else (see "After a leak" below).`,
  );
  md.ol([
    `${c(`npm run keys -- rotate --key-file ${NEW_KEY_FILE} --out <output folder>`)} — writes a new identity to that file (an existing identity file is never overwritten), makes it the recipient in ${c('.sops.yaml')} instead of the current ones (${c('--keep age1…')} keeps one) and re-encrypts every Secret file (and ${c('secrets.sops.yaml')}) with a new data key, so the old identity and an old copy from Git history no longer open them.`,
    `Give the cluster both identities, so it decrypts the files in Git before and after your push: ${c(`cat ${AGE_KEY_FILE} ${NEW_KEY_FILE} > /tmp/both.agekey`)}, then replace the Secret with it (below).`,
    'Commit and push the re-encrypted files; wait until `flux get kustomizations` is Ready everywhere.',
    `Replace the Secret again with ${c(NEW_KEY_FILE)} alone, delete ${c('/tmp/both.agekey')}, use the new file from now on (${c(`SOPS_AGE_KEY_FILE=${NEW_KEY_FILE}`)}, or move it to ${c(AGE_KEY_FILE)}), back it up, and destroy the old key (also in its backups).`,
  ]);
  if (sopsSecret) {
    const decrypting = v.fluxKustomizations.filter((k) => k.spec.decryption?.secretRef?.name === sopsSecret);
    const retry = [...new Set(decrypting.map((k) => k.spec.retryInterval as string | undefined).filter((x): x is string => Boolean(x)))];
    md.p(
      `Replacing the Secret does not trigger anything by itself: a Kustomization that failed to decrypt retries on its own after its ${c('retryInterval')}${retry.length ? ` (${retry.map(c).join(', ')})` : ''}, and reconciling one Kustomization does not re-run the others. To retry at once, fetch the source and reconcile each one that decrypts:`,
    );
    md.sh([
      `kubectl create secret generic ${sopsSecret} --namespace=${fluxNs} --from-file=age.agekey=/tmp/both.agekey --dry-run=client -o yaml | kubectl apply -f -`,
      `flux reconcile source git ${v.cfg.flux.sourceName} -n ${fluxNs}`,
      ...decrypting.map((k) => `flux reconcile kustomization ${k.metadata.name} -n ${fluxNs}`),
      `flux get kustomizations -n ${fluxNs}   # Ready everywhere`,
    ]);
  }

  afterALeak(f, md);

  const uiKeys = f.uiStoredKeys;
  md.h(2, 'The key is lost');
  md.p('In this order:');
  md.ol([
    `Restore it from the backup into ${c(AGE_KEY_FILE)} and check: ${c(`sops -d ${first?.path ?? '<file>'} >/dev/null && echo ok`)}.`,
    ...(sopsSecret
      ? [
          `No backup, but the cluster still runs: the identity is in the cluster. Copy it out, store it (and a backup), then rotate (above) if the workstation that lost it may have leaked it: ${c(`kubectl get secret ${sopsSecret} -n ${fluxNs} -o jsonpath='{.data.age\\.agekey}' | base64 -d > ${AGE_KEY_FILE}`)}.`,
        ]
      : []),
    `Both gone: the files cannot be decrypted by anyone. Create a new identity (${c('npm run keys -- init')}), delete the old ${c('*.sops.yaml')} Secret files from the output folder, supply every operator value again and synthesize: new files are created, with new generated values. The *arr apps read their API key from the Secret (${c('*__AUTH__APIKEY')}) and so do their clients that are configured by the environment, so they follow after a restart${uiKeys.length ? `; re-enter the new keys where a UI stored the old one (${uiKeys.join(', ')} — see [post-deploy.md](post-deploy.md))` : ''}. Then replace ${c(`${fluxNs}/${sopsSecret ?? 'sops-age'}`)} with the new identity.`,
  ]);
  md.p('Test the backup once a quarter: decrypt one file with the backup copy alone, e.g.', c(`SOPS_AGE_KEY_FILE=<backup copy> sops -d ${first?.path ?? '<file>'} >/dev/null && echo ok`) + '.');
  return md.toString();
}

/**
 * What `keys rotate --regenerate` means for the running apps: which values are new, what reads
 * them again (pods read Secrets at start; PostgreSQL's superuser password only at initdb) and
 * what the operator must change at the source.
 */
function afterALeak(f: Facts, md: Md): void {
  const v = f.v;
  const generated = v.secretRequests.filter((r) => r.keys.some((k) => k.source.kind === 'generated'));
  const operator = v.secretRequests.flatMap((r) => r.keys.filter((k) => k.source.kind === 'operator').map((k) => c(`${r.name}/${k.key}`)));
  const readsSecret = (w: Workload, name: string) => [...(w.pod.initContainers ?? []), ...w.pod.containers].some((x) => x.env?.some((e) => e.valueFrom?.secretKeyRef?.name === name));
  const restartable = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);
  const readers = v.workloads.filter((w) => generated.some((r) => readsSecret(w, r.name)));
  const consumers = readers.filter((w) => restartable.has(w.kind));
  const jobs = readers.filter((w) => !restartable.has(w.kind));
  md.h(2, 'After a leak: new values');
  md.p(
    `When the Secret files or their plaintext may be known to someone else (a leaked identity together with the Git history, a copied output, the public demo key), a new identity is not enough: the values must change too. ` +
      `${c(`npm run keys -- rotate --key-file ${NEW_KEY_FILE} --out <output folder> --regenerate --config <your config>`)} rotates as above and then synthesizes with every generated value generated anew` +
      (generated.length ? `: ${generated.map((r) => `${c(r.name)} (${r.keys.filter((k) => k.source.kind === 'generated').map((k) => c(k.key)).join(', ')})`).join(', ')}` : '') +
      `. (${c('npm run synth -- --regenerate-secrets')} does the same without a rotation.) Then, after Flux applied the new files:`,
  );
  const steps: string[] = [];
  const pg = v.workloads.find((w) => w.kind === 'StatefulSet' && w.pod.containers.some((x) => x.env?.some((e) => e.name === 'POSTGRES_PASSWORD' && e.valueFrom?.secretKeyRef)));
  if (pg) {
    const ctr = pg.pod.containers.find((x) => x.env?.some((e) => e.name === 'POSTGRES_PASSWORD'))!;
    const ref = ctr.env!.find((e) => e.name === 'POSTGRES_PASSWORD')!.valueFrom!.secretKeyRef!;
    const user = ctr.env!.find((e) => e.name === 'POSTGRES_USER')?.value ?? 'postgres';
    const read = f.readSecret(ref.name, ref.key)[0];
    if (read) {
      steps.push(
        `PostgreSQL takes ${c('POSTGRES_PASSWORD')} only when it initializes an empty data directory, so set the new superuser password in the running server first (the image trusts local connections inside the container): ` +
          `${c(`printf "ALTER ROLE ${user} PASSWORD '%s';\\n" "$(${read})" | kubectl exec -i ${f.pod(pg)} ${f.n(pg)} -c ${ctr.name} -- psql -U ${user}`)}. The apps' own database passwords are set again by their ${c('postgres-init')} container on every start.`,
      );
    }
  }
  if (consumers.length) {
    steps.push(
      `Pods read Secrets when they start; nothing restarts by itself. Restart every workload that reads a regenerated value — each new value reaches all its consumers through the same Secret (the *arr apps read their API key from ${c('*__AUTH__APIKEY')} at start, and so do the clients configured by the environment):`,
    );
  }
  md.ol(steps.length ? steps : ['Restart the consumers of the changed Secrets.']);
  if (consumers.length) md.sh(consumers.map((w) => `kubectl rollout restart ${w.ref} ${f.n(w)}`));
  if (jobs.length) md.p(`${jobs.map((w) => c(w.ref)).join(', ')} read${jobs.length === 1 ? 's' : ''} the new values on ${jobs.length === 1 ? 'its' : 'their'} next run.`);
  const ui = f.uiStoredKeys;
  if (ui.length) md.p(`Where a UI stored an old key, enter the new one (${ui.join(', ')} — see [post-deploy.md](post-deploy.md)).`);
  if (operator.length) {
    md.p(
      `Values you supply are not generated and stay as they are: after a leak, change each credential among them (${operator.join(', ')}) at its source — a new token or password from the provider — and supply the new ones (see "Changing a value you supply"); a new encryption does not make a leaked token secret again.`,
    );
  }
}

// ─── post-deploy ────────────────────────────────────────────────────────────────────────────

function postDeploy(f: Facts): string {
  const v = f.v;
  const md = new Md();
  md.h(1, 'After the first deployment: what only the UIs take');
  md.p('The stack wires everything it can through environment variables and Secrets. These settings live in the apps\' own databases and must be entered once by hand.');

  const arrs = f.arrs;
  const keyRows: string[] = [];
  for (const w of [...arrs, ...f.v.workloadsOfApp('prowlarr')]) {
    const ref = f.secretRef(w, '__AUTH__APIKEY');
    if (ref) keyRows.push(`# ${w.name} (env ${ref.env} from Secret ${ref.secret})`, ...f.readSecret(ref.secret, ref.key));
  }
  if (keyRows.length) {
    md.h(2, 'API keys');
    md.p(
      v.cfg.secrets.backend === 'sops'
        ? 'The *arr API keys are generated by the synth and set through the environment; read them from the committed Secret files, in the output folder (no cluster access needed):'
        : 'The *arr API keys are values you created in Infisical:',
    );
    md.sh(keyRows);
  }

  logins(f, md);

  const plex = f.one('plex');
  if (plex) {
    const ctr = f.main(plex);
    const transcode = f.claimPath(plex, 'transcode-cache') ?? ctr.volumeMounts?.find((m) => m.mountPath.includes('transcode'))?.mountPath;
    const media = f.claimPath(plex, 'media-library');
    const links = f.claimPath(plex, 'symlink-library');
    const svc = f.svc(plex);
    const claim = f.secretRef(plex, 'PLEX_CLAIM');
    md.h(2, 'Plex');
    md.ol([
      svc
        ? `Claim the server as a local client: run ${c(`kubectl port-forward -n ${plex.namespace} svc/${svc.name} ${svc.port}:${svc.port}`)} on your workstation, open ${c(`http://localhost:${svc.port}/web`)} and sign in — through the port-forward Plex sees a connection from localhost, which may claim an unclaimed server.${claim ? ` A claim token as ${c(`${claim.secret}/${claim.key}`)} is optional: a token (https://www.plex.tv/claim) lives 4 minutes and is only read when an unclaimed server starts, so it must still be fresh when the pod (re)starts — less time than synth, commit and a Flux reconcile usually take; the port-forward has no such deadline.` : ''}`
        : 'Claim the server in the Plex web app.',
      ...(transcode ? [`Settings › Transcoder › Transcoder temporary directory: ${c(transcode)} (the linuxserver image has no default; ${f.has('clusterplex-orchestrator') ? 'ClusterPlex needs the same path in Plex and every worker' : 'a path on the shared transcode volume'}).`] : []),
      ...(f.gpuConsumers(gpuResource(v) ?? '').some((x) => x.w === plex)
        ? ['Settings › Transcoder › "Use hardware acceleration when available" (needs Plex Pass), see [gpu-transcoding.md](gpu-transcoding.md).']
        : []),
      `Libraries: one library per type with ${[links, media].filter(Boolean).map((p) => c(`${p}/<folder>`)).join(' and ')} as folders${links ? ` (the ${c(links)} entries are symlinks into ${c(f.dfs?.path ?? 'the DFS')})` : ''}.`,
      ...(f.one('pulsarr') && f.secretRef(f.one('pulsarr')!, 'PLEX_TOKEN')
        ? [`Pulsarr needs a Plex token (${c('X-Plex-Token')}): supply it as ${c(`${f.secretRef(f.one('pulsarr')!, 'PLEX_TOKEN')!.secret}/${f.secretRef(f.one('pulsarr')!, 'PLEX_TOKEN')!.key}`)} (see [secrets.md](secrets.md)) and restart Pulsarr.`]
        : []),
    ]);
  }

  const prowlarr = f.one('prowlarr');
  if (prowlarr && arrs.length) {
    const pUrl = f.url(prowlarr);
    md.h(2, 'Prowlarr: app sync');
    md.p(`${f.uiUrl(prowlarr) ? `In ${f.uiUrl(prowlarr)}, ` : 'In Prowlarr, '}Settings › Apps › + for each instance, with the API key from above, then add indexers. The first sync can take 10–15 minutes; "Test" and "Save" on an app forces one.`);
    md.table(
      ['Application', 'Prowlarr Server', 'Server', 'API Key'],
      arrs.map((w) => [w.app === 'sonarr' ? 'Sonarr' : 'Radarr', c(pUrl ?? ''), c(f.url(w) ?? ''), `${w.name}'s key`]),
    );
  }

  const decypharr = f.one('decypharr');
  if (decypharr && arrs.length) {
    const dSvc = f.svc(decypharr);
    const usenet = envValue(f.main(decypharr), 'DECYPHARR_USENET__PROVIDERS__0__PORT') !== undefined || f.main(decypharr).env?.some((e) => e.name.startsWith('DECYPHARR_USENET__'));
    const categories = (() => {
      const cm = v.all('ConfigMap').find((x) => x.metadata.namespace === decypharr.namespace && typeof (x as any).data?.['config.json'] === 'string');
      try {
        return JSON.parse((cm as any)?.data['config.json']).categories as string[] | undefined;
      } catch {
        return undefined;
      }
    })();
    md.h(2, `${f.arrKinds}: Decypharr as the download client`);
    md.p(
      `Settings › Download Clients › + › qBittorrent. Decypharr authenticates the Arr by its URL and API key (the Arr gives them as user name and password, and Decypharr calls back into that Arr to import).${usenet ? ` For usenet add a SABnzbd client the same way, with URL Base ${c('/sabnzbd')}.` : ''} Leave "Use SSL" off.`,
    );
    md.table(
      ['Instance', 'Host', 'Port', 'Username', 'Password', 'Category'],
      arrs.map((w) => [c(w.name), c(`${dSvc?.name}.${decypharr.namespace}.svc.cluster.local`), c(dSvc?.port ?? ''), c(f.url(w) ?? ''), `${w.name}'s API key`, c(categories?.includes(w.name) ? w.name : w.name)]),
    );
    const links = f.claimPath(arrs[0]!, 'symlink-library');
    const media = f.claimPath(arrs[0]!, 'media-library');
    if (links || media) {
      md.p(
        `Root folders (Settings › Media Management): the streaming library ${links ? c(`${links}/${arrs[0]!.name}`) : ''}${media ? ` and, for what you keep, the permanent library ${c(`${media}/<folder>`)}` : ''} — the same paths Plex sees. See [streaming-to-permanent.md](streaming-to-permanent.md).`,
      );
    }
  }

  const profilarr = f.one('profilarr');
  if (profilarr && arrs.length) {
    md.h(2, 'Profilarr');
    const origin = envValue(f.main(profilarr), 'ORIGIN') ?? '?';
    const rest = `add ${arrs.map((w) => `${c(w.name)} (${c(f.url(w) ?? '')})`).join(', ')} with their API keys, pick profiles from the database and sync. Repeat the sync when the database updates.`;
    const url = f.uiUrl(profilarr);
    const svc = f.svc(profilarr);
    if (url || !svc) {
      md.p(`Open ${url ?? 'Profilarr'} (its ${c('ORIGIN')} is ${c(origin)}: open it at exactly that URL, or logins fail the CSRF check). Set the admin password, ${rest}`);
    } else {
      md.p(
        `Its first visit creates the admin account (${c('/auth/setup')}), so it has no Ingress yet. Create the account through a port-forward — with ${c('curl')}, because the form only accepts requests from its ${c('ORIGIN')} ${c(origin)} (CSRF check); pick the user name and password:`,
      );
      md.sh([
        `kubectl -n ${profilarr.namespace} port-forward svc/${svc.name} ${svc.port}:${svc.port} &`,
        `curl -fsS -o /dev/null -w '%{http_code}\\n' -H 'Origin: ${origin}' --data-urlencode username=admin --data-urlencode 'password=<password>' --data-urlencode 'confirmPassword=<password>' http://localhost:${svc.port}/auth/setup   # 303: created`,
        'kill %1',
      ]);
      md.p(`${f.ingressOptIn('profilarr')} Sign in at ${c(origin)} and ${rest}`);
    }
  }

  const pulsarr = f.one('pulsarr');
  if (pulsarr) {
    const seeded = ['sonarrBaseUrl', 'radarrBaseUrl'].map((k) => envValue(f.main(pulsarr), k)).filter(Boolean);
    const others = arrs.filter((w) => !seeded.includes(f.url(w)));
    md.h(2, 'Pulsarr');
    const url = f.uiUrl(pulsarr);
    const svc = f.svc(pulsarr);
    const open =
      url || !svc
        ? `Open ${url ?? 'Pulsarr'} and create the admin user.`
        : `Its first visit creates the admin user (${c('POST /v1/users/create-admin')} is open until one exists), so it has no Ingress yet: run ${c(`kubectl -n ${pulsarr.namespace} port-forward svc/${svc.name} ${svc.port}:${svc.port}`)}, open ${c(`http://localhost:${svc.port}`)} and create the admin user. ${f.ingressOptIn('pulsarr')}`;
    md.p(
      `${open} ${seeded.length ? `It starts with ${seeded.map((s) => c(s!)).join(' and ')} (seeded from the environment); check the root folder and quality profile of each.` : ''}${others.length ? ` Add ${others.map((w) => c(w.name)).join(', ')} in its UI (${others.map((w) => c(f.url(w) ?? '')).join(', ')}).` : ''} Watchlisted items reach ${f.arrKinds} at the next sync.`,
    );
  }
  return md.toString();
}

/** The first login of every UI: which login guards it, and how the first user is created. */
function logins(f: Facts, md: Md): void {
  const v = f.v;
  const auth = v.cfg.ingress.auth;
  const servarr = [...f.arrs, ...v.workloadsOfApp('prowlarr')];
  const decypharr = f.one('decypharr');
  if (servarr.length === 0 && !decypharr) return;
  md.h(2, 'Logins');
  if (auth.mode === 'forward-auth') {
    const guarded = v.all('Ingress').filter((i) => i.metadata.annotations?.[TRAEFIK_MIDDLEWARES] === auth.middleware);
    md.p(
      `Every UI Ingress${guarded.length ? ` (${guarded.map((i) => c(i.metadata.name)).join(', ')})` : ''} is behind your forward-auth Middleware ${c(auth.middleware ?? '')}: the login is yours (Authelia, Authentik…). ${servarr.length ? `${servarr.map((w) => w.name).join(', ')} run with authentication method External (no login of their own; their API still needs the key), so anyone who reaches their Service directly gets in — the NetworkPolicies only let the ingress controller and the listed callers reach them.` : ''}${v.all('Ingress').some((i) => i.metadata.name === 'plex') ? ' Plex is not behind the Middleware: its clients sign in with plex.tv.' : ''}`,
    );
  } else if (servarr.length) {
    md.p(
      `${servarr.map((w) => w.name).join(', ')} ask for their Forms login from every address (${c('*__AUTH__REQUIRED=Enabled')}: through the ingress every client has a private address, which "disabled for local addresses" would let in). Nobody can sign in before a user exists, and the UI cannot create one while the login is required: create it once per instance through the API, with the instance's API key (pick the user name and password; ${c('jq')} and ${c('curl')} on your workstation):`,
    );
    const rows: string[] = [];
    for (const w of servarr) {
      const svc = f.svc(w);
      const ref = f.secretRef(w, '__AUTH__APIKEY');
      if (!svc || !ref) continue;
      const api = w.app === 'prowlarr' ? 'v1' : 'v3';
      const read = f.readSecret(ref.secret, ref.key);
      if (read.length === 0) continue;
      const base = `http://localhost:${svc.port}/api/${api}/config/host`;
      rows.push(
        `# ${w.name}`,
        `kubectl -n ${w.namespace} port-forward svc/${svc.name} ${svc.port}:${svc.port} &`,
        read[0]?.startsWith('#') ? `KEY='<${w.name}'s API key>'  ${read[0]}` : `KEY=$(${read[0]})`,
        `curl -fsS -H "X-Api-Key: $KEY" ${base} | jq --arg u admin --arg p '<password>' '.username=$u | .password=$p | .passwordConfirmation=$p' | curl -fsS -X PUT -H "X-Api-Key: $KEY" -H 'Content-Type: application/json' --data-binary @- ${base}/1`,
        'kill %1',
      );
    }
    md.sh(rows);
    md.p(`Then sign in at ${servarr.map((w) => f.uiUrl(w) ?? w.name).join(', ')}. Change a password later under Settings › General › Security.`);
  }
  if (decypharr) {
    const svc = f.svc(decypharr);
    const url = f.uiUrl(decypharr);
    md.p(
      `Decypharr: its login is on (${c('DECYPHARR_USE_AUTH=true')}, session cookies signed with the generated ${c('decypharr-secrets/session-secret')}); the first visit asks you to register the user. Its sign-up page (${c('POST /register')}) keeps accepting new credentials from anyone who reaches it, so ${url ? `its Ingress (${url}) exists only behind the forward-auth Middleware` : `it has no Ingress: open it with ${c(`kubectl -n ${decypharr.namespace} port-forward svc/${svc?.name ?? 'decypharr'} ${svc?.port ?? 8282}:${svc?.port ?? 8282}`)} and ${c(`http://localhost:${svc?.port ?? 8282}`)}`}. The Arrs keep signing in to its download-client API with their URL and API key.`,
    );
  }
}

// ─── streaming → permanent ──────────────────────────────────────────────────────────────────

function upgrade(f: Facts): string | undefined {
  const arrs = f.arrs.filter((w) => f.claimPath(w, 'symlink-library') && f.claimPath(w, 'media-library'));
  if (arrs.length === 0 || !f.has('decypharr')) return undefined;
  const md = new Md();
  const dfs = f.dfs;
  const plex = f.one('plex');
  md.h(1, 'Streaming → permanent');
  md.p(
    `A streamed title is a folder of symlinks in the streaming library that point into the debrid DFS${dfs ? ` (${c(dfs.path)})` : ''}. Keeping it means copying the real files into the permanent library on the NAS and removing the symlinks, so ${plex ? 'Plex' : 'the players'} see${plex ? 's' : ''} one copy.`,
  );
  for (const w of arrs) {
    const links = f.claimPath(w, 'symlink-library')!;
    const media = f.claimPath(w, 'media-library')!;
    const ctr = f.containerMounting(w, media)?.name ?? f.main(w).name;
    const what = w.app === 'sonarr' ? 'series' : 'movie';
    const Title = w.app === 'sonarr' ? '<Series (Year)>' : '<Movie (Year)>';
    md.h(2, `${w.name}`);
    md.p(`Root folders (Settings › Media Management): streaming ${c(`${links}/${w.name}`)}, permanent ${c(`${media}/<folder>`)} (a folder of the NAS export). Both are mounted read-write in ${c(w.name)}, at the same paths as in Plex.`);
    md.ol([
      `Edit the ${what}, change its root folder to the permanent one and let ${w.app === 'sonarr' ? 'Sonarr' : 'Radarr'} move the files.`,
      'Check that real files arrived (a moved symlink still points into the DFS and breaks when the debrid cache drops the file). The first command must print nothing:',
    ]);
    md.sh([
      f.exec(w, ctr, `find "${media}/<folder>/${Title}" -type l`),
      `# symlinks left: copy their targets instead, then rescan the ${what}`,
      f.exec(w, ctr, `cp -rL "${links}/${w.name}/${Title}" "${media}/<folder>/"`),
    ]);
    md.ol([`Remove what is left of the streaming folder, or ${plex ? 'Plex' : 'the players'} show${plex ? 's' : ''} the title twice:`], 3);
    md.sh([f.exec(w, ctr, `rm -rf "${links}/${w.name}/${Title}"`)]);
  }
  if (plex) md.p('Finally scan the Plex library (or wait for the periodic scan); the DFS copy expires from the debrid cache by itself.');
  return md.toString();
}

// ─── failover ───────────────────────────────────────────────────────────────────────────────

function failover(f: Facts): string | undefined {
  const v = f.v;
  const group = f.v.workloads.filter((w) => w.placement.id === 'storage_nodes' && v.coLocationLabel(w.pod));
  if (group.length === 0) return undefined;
  const label = v.coLocationLabel(group[0]!.pod)!;
  const storage = group[0]!.placement;
  const primaryLabel = v.preferredNodeLabel(group[0]!.pod);
  const hosts = storage.hostnames;
  const primary = hosts[0] ?? '<primary node>';
  const secondary = hosts[1] ?? '<secondary node>';
  const ns = group[0]!.namespace;
  const md = new Md();
  md.h(1, 'Failover and failback of the storage nodes');
  md.p(
    `The streaming stack (${group.map((w) => c(w.name)).join(', ')}) requires a storage node (${c(storage.constraint)}), prefers the primary (${c(primaryLabel ?? '?')}) and prefers to run together (pod label ${c(label)}), so a failover moves it as a group. Preferences are not guarantees: the checks below are the test. There is no descheduler in this stack: failback is a step of its own.`,
  );
  const list = `kubectl get pods -n ${ns} -l ${label} -o wide`;
  md.h(2, '1. Before');
  md.sh([`kubectl get nodes -l ${storage.nodeSelector} -L ${primaryLabel?.split('=')[0] ?? storage.nodeSelector.split('=')[0]}`, `${list}   # all on ${primary}`]);
  md.h(2, `2. Fail over: drain ${primary}`);
  md.sh([`kubectl drain ${primary} --ignore-daemonsets --delete-emptydir-data`, `${list} -w   # all move to ${secondary}; Longhorn volumes re-attach (a few minutes)`]);
  md.p('Expected:');
  const checks: string[] = [];
  const dfs = f.dfs;
  const readers = f.dfsReaders().filter((w) => group.includes(w));
  if (dfs) {
    checks.push(`# Decypharr's FUSE mount is back on ${secondary}`);
    checks.push(f.dfsServedCheck(dfs));
    if (dfs.export) checks.push(`kubectl get endpoints ${dfs.export.service} -n ${dfs.w.namespace}   # the export follows the pod; readers mount ${dfs.export.ip}, not a name`);
    for (const w of readers) checks.push(f.exec(w, f.containerMounting(w, dfs.path)!.name, `ls ${dfs.path}`));
  }
  for (const w of group.filter((x) => f.claimPath(x, 'symlink-library'))) {
    const p = f.claimPath(w, 'symlink-library')!;
    checks.push(f.exec(w, f.containerMounting(w, p)!.name, `ls ${p}`));
  }
  md.sh(checks);
  if (dfs) md.p(`Pods that stay ${c('Init')} wait for the DFS (see [decypharr-dfs.md](decypharr-dfs.md)); pods on different nodes still work (every reader mounts the DFS over NFS), but re-run the drain test after fixing why they split.`);
  // Readers that did not move keep the NFS mount they had: the DFS behind it was mounted anew.
  const stayed = dfs?.export ? f.dfsReaders().filter((w) => !group.includes(w)) : [];
  if (dfs && stayed.length) {
    md.p(
      `${stayed.map((w) => c(w.name)).join(', ')} did not move and keep the NFS mount of ${c(`${dfs.export!.ip}:${dfs.export!.path}`)} they had; the DFS behind it is a new FUSE mount on ${secondary}, and open files and cached handles from before point at the old one (${c('Stale file handle')}, or streams that stop). Restart them once the export serves again:`,
    );
    md.sh([...stayed.map((w) => `kubectl rollout restart ${w.ref} ${f.n(w)}`), ...stayed.map((w) => `${f.exec(w, f.containerMounting(w, dfs.path)!.name, `ls ${dfs.path}`)}   # lists the DFS, no "Stale file handle"`)]);
  }
  md.h(2, `3. Fail back to ${primary}`);
  md.p(`Uncordoning alone moves nothing back. Move the group in one go, with ${secondary} cordoned so nothing lands there:`);
  md.sh([
    `kubectl uncordon ${primary}`,
    `kubectl cordon ${secondary}`,
    `kubectl delete pod -n ${ns} -l ${label}`,
    `${list} -w   # all on ${primary}`,
    `kubectl uncordon ${secondary}`,
  ]);
  if (dfs && stayed.length) md.p(`Then restart ${stayed.map((w) => c(w.name)).join(', ')} again, as after the failover.`);
  const workers = v.workloads.filter((w) => w.placement.id === 'gpu_nodes' && w.kind === 'StatefulSet');
  if (workers.length) {
    md.h(2, 'GPU node down');
    md.p(`${workers.map((w) => c(w.name)).join(', ')} ${workers.length > 1 ? 'go' : 'goes'} Pending (${c(workers[0]!.placement.constraint)}); ${f.has('plex') ? 'Plex transcodes locally in the meantime. ' : ''}Nothing to do but bring the node back.`);
  }
  return md.toString();
}

// ─── Decypharr DFS ──────────────────────────────────────────────────────────────────────────

/** The script of an `sh -c <script>` command, or the command as one line. */
function shellOf(cmd: readonly string[] | undefined): string | undefined {
  if (!cmd) return undefined;
  return cmd[0] === 'sh' && cmd[1] === '-c' && cmd[2] !== undefined ? cmd[2] : cmd.join(' ');
}

/** The claim that holds the NFS sidecar's `--nfs-cache-dir`, if it is a claim. */
function handlesClaim(d: Workload): string | undefined {
  for (const ctr of d.pod.containers) {
    const args = ctr.args ?? [];
    const dir = args[args.indexOf('--nfs-cache-dir') + 1];
    if (!args.includes('--nfs-cache-dir') || !dir) continue;
    const mount = ctr.volumeMounts?.find((m) => dir === m.mountPath || dir.startsWith(`${m.mountPath}/`));
    return d.pod.volumes?.find((v) => v.name === mount?.name)?.persistentVolumeClaim?.claimName;
  }
  return undefined;
}

function decypharrDfs(f: Facts): string | undefined {
  const dfs = f.dfs;
  if (!dfs) return undefined;
  const d = dfs.w;
  const md = new Md();
  const readers = f.dfsReaders();
  md.h(1, 'Decypharr DFS troubleshooting');
  // The mount sits below the volume root (a subdirectory of the host path).
  const shared = dfs.hostPath !== undefined && dfs.hostPath !== dfs.volumeHostPath;
  const bound = dfs.sharedPath !== dfs.path;
  const readerMount = readers.length ? f.containerMounting(readers[0]!, dfs.path)?.volumeMounts?.find((m) => mountCovers(m.mountPath, dfs.path))?.mountPath : undefined;
  md.p(
    `${c(f.pod(d))} mounts the debrid library with FUSE at ${c(dfs.path)} (container ${c(dfs.container)}, privileged, ${c('mountPropagation: Bidirectional')}${dfs.volumeHostPath ? ` on the host path ${c(dfs.volumeHostPath)}` : ''}).` +
      (shared && dfs.hostPath
        ? ` The mount sits in the subdirectory ${c(dfs.hostPath!)} on the node (${c(dfs.sharedPath)} in the pod${bound ? `, bound at ${c(dfs.path)} by the container's start script` : ''}), never on the volume root: a crash leaves a dead mount behind, and a dead volume root would keep the next pod from starting.`
        : '') +
      (dfs.export && dfs.sidecar
        ? ` The ${c(dfs.sidecar)} sidecar re-exports it over NFSv3 on port ${dfs.export.port}; ${readers.map((w) => c(w.name)).join(', ')} mount that export through ${c(`pvc/${dfs.export.claim}`)} → ${c(`pv/${dfs.export.pv}`)} → ${c(`${dfs.export.ip}:${dfs.export.path}`)}, the pinned ClusterIP of ${c(`svc/${dfs.export.service}`)} (kubelet mounts on the node, where Service names do not resolve).`
        : readerMount && readerMount !== dfs.path && dfs.volumeHostPath
          ? ` Readers mount the host path ${c(dfs.volumeHostPath)}, the parent of the mount, at ${c(readerMount)} with ${c('HostToContainer')} and see the DFS at ${c(dfs.path)}: a bind of the mount point itself would keep the dead mount after Decypharr mounts anew, a bind of its parent follows both the unmount and the new mount.`
          : ` Readers mount ${dfs.hostPath ? c(dfs.hostPath) : 'the same host path'} with ${c('HostToContainer')}.`),
  );
  md.p('Typical symptoms: readers stuck in `Init` (waiting for the DFS), `ContainerCreating` with mount errors, or empty/stale `' + dfs.path + '` in a reader. Work from the source outwards:');

  md.h(2, '1. Decypharr itself');
  md.sh([f.getPodWide(d), f.logs(d, dfs.container, '--tail=100'), f.exec(d, dfs.container, `grep -F ${sh(` ${dfs.path} fuse`)} /proc/mounts`)]);
  md.p(`The last command must print a ${c('fuse')} line. None: the debrid account is not configured (Decypharr stays in setup until a debrid provider validates — check the API key in [secrets.md](secrets.md)) or the mount failed (see the log).`);
  if (dfs.readiness) md.p(`The ${c(dfs.container)} container is Ready only while ${c(dfs.readiness)} succeeds (its startup probe runs the same check, so a mount that never comes up restarts the container after the startup budget); Flux waits for that, so a Kustomization stuck on ${c(f.pod(d))} means the same as a missing ${c('fuse')} line. Until then its Service has no endpoint; reach the UI through the pod: ${c(`kubectl port-forward pod/${f.pod(d)} -n ${d.namespace} ${f.svc(d)?.port ?? '<port>'}`)}.`);
  if (shared && dfs.hostPath) {
    md.p(
      `${c('fusermount3: user has no write access to mountpoint')} in the log: the start script did not hand ${c(dfs.hostPath)} to the stack user (the entrypoint drops to ${c('PUID:PGID')} before mounting). ${c('Transport endpoint is not connected')}: a dead mount from a crashed container. The start script detaches it (${c('umount -l')}) on every container start${dfs.preStop ? ' and the preStop hook on every stop' : ''}; should one survive (e.g. the node rebooted into a half-mounted state), detach it on the node and delete the pod:`,
    );
    md.sh([
      `kubectl debug node/<node> -it --image=busybox -- chroot /host sh -c 'grep ${dfs.volumeHostPath ?? dfs.hostPath} /proc/mounts; umount -l ${dfs.hostPath}'`,
      `kubectl delete pod ${f.pod(d)} -n ${d.namespace}`,
    ]);
    if (dfs.volumeHostPath) md.p(`A ${c('fuse')} line for ${c(dfs.volumeHostPath)} itself is left over from the layout before this one (FUSE on the volume root), and kubelet cannot set up the volume while it is dead: ${c(`umount -l ${dfs.volumeHostPath}`)} on the node as well.`);
  }

  if (dfs.hostPath) {
    md.h(2, '2. Mount propagation on the node');
    md.p(`The FUSE mount reaches the host (and the sidecar) only if ${c(dfs.volumeHostPath ?? dfs.hostPath)} is on a shared mount. On the node where ${c(f.pod(d))} runs:`);
    md.sh([
      `kubectl debug node/<node> -it --image=busybox -- chroot /host findmnt -o TARGET,PROPAGATION --target ${dfs.volumeHostPath ?? dfs.hostPath}`,
      '# PROPAGATION must be "shared"; if not: mount --make-rshared / on the node, then',
      `kubectl delete pod ${f.pod(d)} -n ${d.namespace}`,
    ]);
    if (dfs.sidecar) {
      md.p(`The sidecar sees the mount through ${c('HostToContainer')}; it must list the same entries as the ${c(dfs.container)} container:`);
      md.sh([f.exec(d, dfs.sidecar, `ls ${dfs.sidecarPath ?? dfs.path}`), f.logs(d, dfs.sidecar, '--tail=30')]);
    }
  }

  const exp = dfs.export;
  if (exp) {
    const band = staticServiceBand(f.v.cfg.network.serviceCidr);
    md.h(2, '3. The NFS export');
    md.sh([
      `kubectl get svc ${exp.service} -n ${d.namespace} -o jsonpath='{.spec.clusterIP}{"\\n"}'   # ${exp.ip}`,
      `kubectl get endpoints ${exp.service} -n ${d.namespace}   # the pod IP of ${f.pod(d)}:${exp.port}`,
      `kubectl get pv ${exp.pv} -o jsonpath='{.spec.mountOptions}{"\\n"}'`,
      `kubectl get pvc ${exp.claim} -n ${d.namespace}   # Bound`,
    ]);
    md.p(
      `A ClusterIP other than ${c(exp.ip)}, or a Service that failed to create, means the address was taken or is outside the cluster's service CIDR: ${c(`kubectl get events -n ${d.namespace} --field-selector involvedObject.name=${exp.service}`)}; pick a free one (${c('apps.decypharr.nfsClusterIP')}) in the static band ${c(`${band.first}–${band.last}`)} of ${c(f.v.cfg.network.serviceCidr)}, which dynamic allocation takes last (KEP-3070; the synth refuses an address outside it). ${c(`kubectl get svc -A | grep -w <ip>`)} shows whether an address is in use.`,
    );
    md.p(
      `The server is rclone's user-space NFSv3 (go-nfs): no portmapper, no lock manager, so ${c(`showmount -e ${exp.ip}`)} and a plain ${c('mount')} fail — by design. Clients must pass the options of the PV: ${c(exp.mountOptions.join(','))}. To test from a node by hand:`,
    );
    md.sh([`mkdir -p /tmp/dfs-test && mount -t nfs -o ${exp.mountOptions.join(',')} ${exp.ip}:${exp.path} /tmp/dfs-test && ls /tmp/dfs-test; umount /tmp/dfs-test`]);
    md.p(`${c('mount.nfs: … wrong fs type')} / ${c('bad option')}: the node lacks the NFS client (${c('nfs-common')}). ${c('Connection refused')} or a timeout: the sidecar is not serving, or kube-proxy on that node does not route the ClusterIP.`);
  }

  if (readers.length) {
    md.h(2, `${exp ? 4 : 3}. The readers`);
    const cmds: string[] = [];
    for (const w of readers) {
      const ctr = f.containerMounting(w, dfs.path)!;
      const wait = f.dfsWait(w);
      cmds.push(`# ${w.name}`);
      if (wait) cmds.push(f.logs(w, wait.name));
      cmds.push(f.exec(w, ctr.name, `ls ${dfs.path}`));
    }
    cmds.push(`kubectl describe pod ${readers.filter((w) => w.kind === 'StatefulSet').map((w) => f.pod(w))[0] ?? '<pod>'} -n ${readers[0]!.namespace} | tail -20   # mount errors appear as events`);
    md.sh(cmds);
    const wait = readers.map((w) => f.dfsWait(w)).find(Boolean);
    if (wait) {
      md.p(
        `The ${c(wait.name)} init container polls ${wait.condition ? c(wait.condition) : `until ${c(dfs.path)} is served`} and logs ${wait.waiting ? `${c(wait.waiting)} first, ` : ''}${wait.ready ? `${c(wait.ready)} when the DFS is served` : ''}${wait.timeout ? `; after its time limit it fails with ${c(wait.timeout)} and kubelet starts it again` : ''}. Still waiting: the reader sees the directory underneath, not the DFS — work through the steps above.`,
      );
    }
    const restart = c(`kubectl delete pod ${f.pod(readers[0]!)} -n ${readers[0]!.namespace}`);
    md.p(
      (!exp && readerMount && readerMount !== dfs.path
        ? `After Decypharr restarts, the readers see the new mount through ${c(readerMount)} without a restart; files they held open from before fail (${c('Transport endpoint is not connected')}) until the app opens them again. Should ${c(`ls ${dfs.path}`)} in a reader keep failing while it works in ${c(f.pod(d))}, restart the reader, e.g. ${restart}.`
        : `After Decypharr restarts, a reader can keep a stale mount (${c('Stale file handle')}, ${c('Transport endpoint is not connected')} or an empty ${c(dfs.path)}): its mount still points at the FUSE mount of the old container. Restart the reader, e.g. ${restart}.`) +
        (exp ? ` rclone keeps its NFS file handles on ${c(`pvc/${handlesClaim(d) ?? '?'}`)}, so a handle survives a restarted or re-created ${c(f.pod(d))}; a reader still holding one from before a failover needs the restart above (see [failover.md](failover.md)).` : ''),
    );
  }
  return md.toString();
}

/**
 * Plex behind a LoadBalancer Service with `externalTrafficPolicy: Local` on a tainted node: only a
 * node that runs Plex answers, so the load balancer's node agent (k3s ServiceLB's svclb pods,
 * MetalLB's speaker) must run there and tolerate the taint.
 */
function plexLoadBalancer(f: Facts): { text: string; commands: string[] } | undefined {
  const plex = f.one('plex');
  if (!plex) return undefined;
  const svc = f.v.all('Service').find((x) => x.metadata.namespace === plex.namespace && x.spec.type === 'LoadBalancer' && x.spec.selector?.[INSTANCE] === plex.instance);
  const taints = (plex.pod.tolerations ?? []).filter((t) => t.key && t.effect).map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`);
  if (!svc || svc.spec.externalTrafficPolicy !== 'Local' || taints.length === 0) return undefined;
  const annotation = SERVICELB_TOLERATIONS_ANNOTATION;
  const has = svc.metadata.annotations?.[annotation];
  const node = plex.placement.hostnames[0] ?? 'the GPU node';
  const toleration = JSON.stringify((plex.pod.tolerations ?? []).filter((t) => t.key && t.effect).map((t) => ({ key: t.key, operator: t.operator ?? 'Equal', ...(t.value ? { value: t.value } : {}), effect: t.effect })));
  return {
    text:
      `${c(`svc/${svc.metadata.name}`)} is a LoadBalancer with ${c('externalTrafficPolicy: Local')}, so only a node that runs the Plex pod (${plex.placement.title}, ${c(plex.placement.constraint)}) answers on its EXTERNAL-IP, and the load balancer's agent must run on that node: k3s ServiceLB's ${c(`svclb-${svc.metadata.name}-…`)} pods, or MetalLB's speaker. The node is tainted ${taints.map(c).join(', ')}, which these agents do not tolerate by default: ServiceLB then publishes no address (EXTERNAL-IP stays ${c('<pending>')}), MetalLB assigns one that no node announces. ` +
      (has
        ? `The Service carries ServiceLB's ${c(annotation)} annotation (${c(has)}), so its svclb pods tolerate it.`
        : `ServiceLB takes extra tolerations from the Service annotation ${c(annotation)} (here ${c(toleration)}), which ${c(`svc/${svc.metadata.name}`)} does not carry yet; with MetalLB give the speaker the toleration (Helm value ${c('speaker.tolerations')}).`),
    commands: [
      `kubectl get svc ${svc.metadata.name} -n ${svc.metadata.namespace}   # EXTERNAL-IP: an address, not <pending>`,
      `curl -fsS http://<EXTERNAL-IP>:${svc.spec.ports[0].port}/identity   # from the LAN: answers`,
      `kubectl get pods -A -o wide | grep svclb   # ServiceLB: a svclb-${svc.metadata.name}-… pod Running on ${node}`,
      `kubectl get pods -A -o wide | grep speaker   # MetalLB: a speaker Running on ${node}`,
    ],
  };
}

function gpuPageTitle(f: Facts): string {
  return f.has('clusterplex-orchestrator') ? 'ClusterPlex and GPU checks' : 'GPU checks';
}

// ─── ClusterPlex / GPU ──────────────────────────────────────────────────────────────────────

function clusterplexGpu(f: Facts): string | undefined {
  const v = f.v;
  const resource = gpuResource(v);
  const plugin = v.workloads.find((w) => w.kind === 'DaemonSet' && w.app.includes('gpu'));
  const consumers = resource ? f.gpuConsumers(resource) : [];
  const orchestrator = f.one('clusterplex-orchestrator');
  if (!resource && !orchestrator) return undefined;
  const md = new Md();
  md.h(1, gpuPageTitle(f));
  if (resource) {
    md.p(`Pods get the GPU as the extended resource ${c(resource)}${plugin ? `, advertised by ${c(plugin.ref)} (${c(plugin.namespace)}) on ${c(plugin.placement.constraint)} nodes` : ''}. Requested by: ${consumers.map((x) => `${c(x.w.name)} (${c(x.container)}, ${x.w.placement.title.toLowerCase()})`).join(', ')}.`);
    const args = plugin?.pod.containers[0]?.args?.find((a) => a.startsWith('-shared-dev-num='));
    md.h(2, '1. The node advertises the GPU');
    md.sh([
      `kubectl get nodes${plugin?.placement.nodeSelector ? ` -l ${plugin.placement.nodeSelector}` : ''} -o custom-columns='NODE:.metadata.name,GPU:.status.allocatable.${resource.replace(/\./g, '\\.')}'`,
      ...(plugin ? [`kubectl get pods -n ${plugin.namespace} -l ${plugin.selector} -o wide`, `kubectl logs -n ${plugin.namespace} ${plugin.ref} --tail=30`] : []),
      ...(plugin?.placement.hostnames[0] ? [`kubectl describe node ${plugin.placement.hostnames[0]} | grep -A8 'Allocated resources'`] : []),
    ]);
    md.p(
      `Expect ${args ? c(args.split('=')[1]!) : 'a number'} per GPU${args ? ` (${c(args)}: that many containers can share one GPU)` : ''}. ${c('<none>')}: the plugin is not running there, or the node has no ${c('/dev/dri')} (for a Proxmox LXC, pass ${c('/dev/dri')} through: ${c('lxc.cgroup2.devices.allow: c 226:* rwm')} and ${c('lxc.mount.entry: /dev/dri dev/dri none bind,optional,create=dir')}).`,
    );
    const offPlugin = plugin ? consumers.filter((x) => x.w.placement.id !== plugin.placement.id) : [];
    if (offPlugin.length) {
      md.p(
        `**Note:** ${offPlugin.map((x) => c(x.w.name)).join(', ')} request${offPlugin.length === 1 ? 's' : ''} ${c(resource)} but run${offPlugin.length === 1 ? 's' : ''} on ${offPlugin[0]!.w.placement.title.toLowerCase()} (${c(offPlugin[0]!.w.placement.constraint)}), while the plugin only runs on ${c(plugin!.placement.constraint)}: such a pod stays Pending with ${c(`Insufficient ${resource}`)} unless its node has a GPU and matches the plugin's node selector too.`,
      );
    }
    md.h(2, '2. The pods got it');
    const cmds: string[] = [];
    for (const x of consumers) {
      cmds.push(`# ${x.w.name}`);
      cmds.push(f.getPodWide(x.w));
      cmds.push(f.exec(x.w, x.container, 'ls -l /dev/dri'));
    }
    if (consumers[0]) cmds.push(`kubectl describe pod ${f.v.podRef(consumers[0].w).replace(/^.*\//, '')} -n ${consumers[0].w.namespace} | grep -A3 -i 'insufficient\\|events'   # if Pending`);
    md.sh(cmds.filter((x) => !x.includes('describe pod statefulset/') && !x.includes('describe pod deployment/')));
    const plex = f.one('plex');
    const groups = plex?.pod.securityContext?.supplementalGroups;
    if (plex && groups?.length) {
      md.p(`${c('/dev/dri/renderD*')} must be readable by Plex's group ${groups.map(String).join(', ')}; on the GPU node: ${c('getent group render')} and ${c('ls -ln /dev/dri')}. A different GID: set ${c('apps.plex.renderGroupId')}.`);
    }
  }
  const workers = v.workloadsOfApp('clusterplex-worker');
  if (orchestrator) {
    md.h(2, `${resource ? 3 : 1}. Orchestrator and workers`);
    const oc = f.main(orchestrator).name;
    const cmds = [
      `kubectl get svc ${f.svc(orchestrator)?.name ?? orchestrator.name} -n ${orchestrator.namespace}   # ClusterIP: workers and Plex reach it by name`,
      `kubectl logs ${orchestrator.ref} -n ${orchestrator.namespace} -c ${oc} --tail=50   # registered workers, dispatched jobs`,
    ];
    for (const w of workers) {
      const wc = f.main(w);
      cmds.push(f.logs(w, wc.name, '--tail=50'));
      cmds.push(f.exec(w, wc.name, 'printenv FFMPEG_HWACCEL ORCHESTRATOR_URL'));
    }
    md.sh(cmds);
    for (const w of workers) {
      const wc = f.main(w);
      const hw = envValue(wc, 'FFMPEG_HWACCEL');
      md.p(`${c(w.name)} runs ${w.replicas} worker${w.replicas === 1 ? '' : 's'} with ${c(`FFMPEG_HWACCEL=${hw ?? '(unset)'}`)} (VA-API on Intel; ${c('qsv')} is rejected) and ${c(`ORCHESTRATOR_URL=${envValue(wc, 'ORCHESTRATOR_URL') ?? '?'}`)}. The worker mod installs packages and downloads codecs at its first start (up to 10 minutes, internet egress needed).`);
      const shared = wc.volumeMounts?.filter((m) => m.subPath) ?? [];
      if (shared.length) {
        md.p('Hardware transcodes on a worker need the drivers Plex downloaded: the worker shares Plex\'s directories:');
        md.sh(shared.map((m) => f.exec(w, wc.name, `ls "${m.mountPath}"`)));
      }
    }
  }
  if (f.has('plex') && resource) {
    md.p(
      `Then play something that must transcode (lower the quality in the player) and look at Plex › Settings › Dashboard: a transcode with "(hw)" ran on a GPU. No "(hw)": Plex Pass is missing or "Use hardware acceleration when available" is off${orchestrator ? ' — Plex only hands hardware transcodes to workers when it decided on hardware itself' : ''}.`,
    );
  }
  const lb = plexLoadBalancer(f);
  if (lb) {
    md.h(2, `Prerequisite: Plex's LoadBalancer on the tainted ${f.one('plex')!.placement.title}`);
    md.p(lb.text);
    md.sh(lb.commands);
  }
  return md.toString();
}

// ─── verification ───────────────────────────────────────────────────────────────────────────

function verification(f: Facts): string {
  const v = f.v;
  const md = new Md();
  const fluxNs = v.fluxNamespace;
  md.h(1, 'Verification checklist');
  md.p('The design document\'s checklist, as commands against what this config deploys. Each block should print what its comment says.');

  md.h(2, 'Foundation');
  const sharedClaims = v.all('PersistentVolumeClaim').filter((p) => !/^config-/.test(p.metadata.name)).map((p) => p.metadata.name);
  const configClaims = v.all('PersistentVolumeClaim').filter((p) => /^config-/.test(p.metadata.name)).map((p) => p.metadata.name);
  md.sh([
    `flux get kustomizations -n ${fluxNs}   # every one Ready=True`,
    ...(v.sopsSecretName ? [`kubectl get secret ${v.sopsSecretName} -n ${fluxNs}`] : []),
    ...(sharedClaims.length ? [`kubectl get pvc ${sharedClaims.join(' ')} -n ${f.ns}   # Bound`] : []),
    ...(configClaims.length ? [`kubectl get pvc ${configClaims.join(' ')} -n ${f.ns}   # Bound`] : []),
  ]);

  const arrs = [...f.arrs, ...v.workloadsOfApp('prowlarr')];
  if (arrs.length) {
    md.h(2, '*arr apps');
    const cmds: string[] = [];
    for (const w of arrs) {
      cmds.push(`# ${w.name}: Running on ${w.placement.title.toLowerCase()}; /ping answers {"status":"OK"} without a login (there is no /health)`);
      cmds.push(f.getPodWide(w));
      cmds.push(...f.healthCurl(w));
    }
    const prowlarr = v.workloadsOfApp('prowlarr')[0];
    if (prowlarr) cmds.push(`${f.logs(prowlarr, f.main(prowlarr).name)} | grep -i sync   # app sync to ${f.arrs.map((w) => w.name).join(', ')}`);
    md.sh(cmds);
    const ui = [...(prowlarr && f.arrs.length ? ['Settings › Indexers lists the Prowlarr-synced indexers'] : []), ...(f.has('decypharr') ? ['Settings › Download Clients shows Decypharr green on "Test"'] : [])];
    if (ui.length && f.arrs.length) md.p(`In each ${f.arrKinds} instance: ${ui.join('; ')}.`);
  }
  const profilarr = f.one('profilarr');
  if (profilarr) md.sh([f.getPodWide(profilarr), ...f.healthCurl(profilarr)]);

  const dfs = f.dfs;
  if (dfs) {
    const d = dfs.w;
    const label = v.coLocationLabel(d.pod);
    md.h(2, 'Decypharr and the symlink library');
    const links = f.claimPath(d, 'symlink-library');
    const cmds = [
      `kubectl get pod ${f.pod(d)} -n ${d.namespace} -o jsonpath='{.spec.containers[*].name}{"\\n"}'   # ${d.pod.containers.map((x) => x.name).join(' ')}`,
      `kubectl get pod ${f.pod(d)} -n ${d.namespace}   # READY ${d.pod.containers.length}/${d.pod.containers.length}`,
      ...(label ? [`kubectl get pods -n ${d.namespace} -l ${label} -o wide   # the streaming stack, on one node`] : []),
      `${f.dfsServedCheck(dfs)}   # the DFS is served`,
      ...(links ? [`${f.execAsApp(d, dfs.container, `test -w ${links}`)} && echo writable   # as the user Decypharr runs as`] : []),
      ...(dfs.sidecar ? [`${f.logs(d, dfs.sidecar, '--tail=10')}   # no errors`] : []),
      ...(dfs.export ? [`kubectl get svc ${dfs.export.service} -n ${d.namespace}   # CLUSTER-IP ${dfs.export.ip}`] : []),
    ];
    for (const w of f.dfsReaders()) {
      const wait = f.dfsWait(w);
      if (wait) cmds.push(`${f.logs(w, wait.name)} | tail -1   # ${wait.ready ?? 'ready'}`);
      cmds.push(f.exec(w, f.containerMounting(w, dfs.path)!.name, `ls ${dfs.path}`));
    }
    md.sh(cmds);
  }

  const plex = f.one('plex');
  if (plex) {
    md.h(2, f.has('clusterplex-orchestrator') ? 'Plex and ClusterPlex' : 'Plex');
    const ctr = f.main(plex).name;
    const cmds = [f.getPodWide(plex), ...f.healthCurl(plex).map((x) => (x.startsWith('curl') ? `${x}   # 200 with the server identity` : x))];
    for (const claim of ['media-library', 'symlink-library']) {
      const p = f.claimPath(plex, claim);
      if (p) cmds.push(f.exec(plex, ctr, `ls ${p}`));
    }
    // Decypharr's own readiness check: the directory alone is there without the mount too.
    if (dfs) cmds.push(f.exec(plex, ctr, dfs.readiness ?? `test -d ${dfs.path}`) + ' && echo "DFS accessible"');
    const plugin = v.workloads.find((w) => w.kind === 'DaemonSet' && w.app.includes('gpu'));
    const resource = gpuResource(v);
    if (plugin) cmds.push(`kubectl get daemonset ${plugin.name} -n ${plugin.namespace}`);
    if (resource && plugin) cmds.push(`kubectl get nodes -l ${plugin.placement.nodeSelector} -o custom-columns='NODE:.metadata.name,GPU:.status.allocatable.${resource.replace(/\./g, '\\.')}'`);
    const orch = f.one('clusterplex-orchestrator');
    if (orch) cmds.push(`kubectl get svc ${f.svc(orch)?.name ?? orch.name} -n ${orch.namespace}   # TYPE ClusterIP (no LoadBalancer needed)`);
    for (const w of v.workloadsOfApp('clusterplex-worker')) {
      cmds.push(`${f.getPodWide(w)}   # on ${w.placement.title.toLowerCase()}`);
      cmds.push(`${f.logs(w, f.main(w).name)} | grep -i orchestrator`);
    }
    md.sh(cmds);
    if (gpuResource(v) || f.has('clusterplex-orchestrator')) md.p(`See [gpu-transcoding.md](gpu-transcoding.md) for the transcode test.`);
  }

  md.h(2, 'End to end');
  const items: string[] = [];
  const sonarr = f.arrs[0];
  if (sonarr) items.push(`Search a title in ${c(sonarr.name)}${f.has('prowlarr') ? ': results come through Prowlarr' : ''}; grab one: it ${f.has('decypharr') ? 'appears in Decypharr and ' : ''}is imported.`);
  if (sonarr && f.claimPath(sonarr, 'symlink-library')) {
    const p = f.claimPath(sonarr, 'symlink-library')!;
    items.push(`Symlinks were created: ${c(`${f.exec(sonarr, f.containerMounting(sonarr, p)!.name, `find ${p} -type l`)} | head -3`)}.`);
  }
  if (plex) items.push('Play the title in Plex from the streaming folder, and a title from the permanent library.');
  if (f.one('pulsarr')) items.push(`Watchlist a title in Plex: it appears in ${f.arrs.map((w) => c(w.name)).join(' or ')} at Pulsarr's next sync (${c(`${f.logs(f.one('pulsarr')!, f.main(f.one('pulsarr')!).name, '--tail=50')}`)}).`);
  if (f.one('clusterplex-orchestrator') && v.workloadsOfApp('clusterplex-worker').length) items.push('Play with a lower quality to force a transcode: the worker log shows the job and the Plex dashboard shows "(hw)".');
  md.ol(items);
  if (v.workloads.some((w) => w.placement.id === 'storage_nodes' && v.coLocationLabel(w.pod))) md.p('Failover: [failover.md](failover.md).');
  return md.toString();
}

// ─── state ──────────────────────────────────────────────────────────────────────────────────

export const STATE_PAGE = 'docs/state.md';
export const STATE_TITLE = 'Deleting state on purpose';

/** The objects that hold state, what Flux does with them, and how to delete one deliberately. */
function state(f: Facts): string {
  const v = f.v;
  const md = new Md();
  const ns = v.namespace;
  const stateful = v.placed.filter((p) => holdsState(p.object)).sort((a, b) => a.path.localeCompare(b.path));
  md.h(1, STATE_TITLE);
  md.p(
    `Every object below holds state the stack cannot recreate and carries ${c(`${PRUNE_ANNOTATION}: disabled`)}: kustomize-controller skips it when it garbage-collects (an object that left the output, or a Flux Kustomization that was deleted), so disabling an app, renaming an instance or changing the storage mode leaves it in the cluster, orphaned, with its data. The synth refuses such an output until you confirm it with ${c('--allow-data-loss')}, and names each object.`,
  );
  md.table(
    ['Kind', 'Name', 'File', 'Prune'],
    stateful.map((p) => [p.object.kind, c(`${p.object.metadata.namespace ? `${p.object.metadata.namespace}/` : ''}${p.object.metadata.name}`), c(p.path), isPruneProtected(p.object) ? 'disabled' : '**enabled**']),
  );
  const templated = v.workloads.filter((w) => w.volumeClaimTemplates.length > 0);
  if (templated.length) {
    md.p(
      `Claims from volumeClaimTemplates (${templated.map((w) => w.volumeClaimTemplates.map((t) => c(`${t}-${w.name}-<ordinal>`)).join(', ')).join(', ')}) are created by the StatefulSet controller, not applied by Flux, so Flux never prunes them; deleting the StatefulSet leaves them too (${c('persistentVolumeClaimRetentionPolicy')} defaults to Retain).`,
    );
  }
  md.h(2, 'To delete one on purpose');
  const claim = stateful.find((p) => p.object.kind === 'PersistentVolumeClaim')?.object.metadata.name ?? '<claim>';
  md.ol([
    `Change the config, synthesize with ${c('--allow-data-loss')}, commit and let Flux reconcile: the app's workload goes, the listed objects stay (orphaned).`,
    `Make sure nothing uses the claim any more ("Used By" must be empty) and back up what you want to keep: ${c(`kubectl -n ${ns} describe pvc ${claim}`)}.`,
    `Delete the claim: ${c(`kubectl -n ${ns} delete pvc ${claim}`)}. What happens to the volume is the StorageClass's reclaim policy (${c('kubectl get pv')}): ${c('Delete')} removes it (a Longhorn volume with its replicas), ${c('Retain')} leaves the PersistentVolume ${c('Released')} — delete it with ${c('kubectl delete pv <name>')} and the volume in the storage system (Longhorn UI › Volume).`,
    `A PersistentVolume of a NAS export (${c('nfs')} in its spec) is only the binding: ${c('kubectl delete pv <name>')} never touches the files on the NAS (reclaim policy Retain).`,
    `The namespace ${c(ns)}: ${c(`kubectl delete namespace ${ns}`)} deletes every object and claim in it — only when the whole stack goes.`,
    `Host directories (single-node mode, ${c(`${v.cfg.storage.hostPathRoot}/config/<app>`)} and the libraries) are never deleted by Kubernetes: remove them on the node.`,
  ]);
  md.p(
    `To reset an app that is still enabled (start it empty), scale its workload to 0, delete its claim and let Flux reconcile: Flux creates the claim again, empty (${c(`flux reconcile kustomization <name> -n ${v.fluxNamespace}`)}).`,
  );
  return md.toString();
}

// ─── index ──────────────────────────────────────────────────────────────────────────────────

function index(v: StackView, pages: { path: string; title: string }[]): string {
  const md = new Md();
  md.h(1, `Runbooks for ${c(v.clusterRoot)}`);
  md.p(`Generated from this config's synthesized objects (namespace ${c(v.namespace)}, Flux namespace ${c(v.fluxNamespace)}); regenerate with the synth after every config change.`);
  md.ul(pages.map((p) => `[${p.title}](${posix.basename(p.path)})`));
  const warnings = docWarnings(v);
  if (warnings.length) {
    md.h(2, 'Needs attention');
    md.ul(warnings);
  }
  md.h(2, 'Components');
  md.table(
    ['Flux Kustomization', 'Folder', 'What'],
    v.components.map((x) => [c(x.fluxName), c(`${v.clusterRoot}/${x.dir}`), x.description]),
  );
  return md.toString();
}

export function runbookFiles(v: StackView): OutputFile[] {
  const f = new Facts(v);
  const pages: { path: string; title: string; content: string | undefined }[] = [
    { path: 'docs/architecture.md', title: 'Architecture diagrams', content: '' },
    { path: 'docs/bootstrap.md', title: 'Bootstrap: nodes, age key, Flux', content: bootstrap(f) },
    { path: 'docs/post-deploy.md', title: 'After the first deployment: settings only the UIs take', content: postDeploy(f) },
    { path: 'docs/verification.md', title: 'Verification checklist', content: verification(f) },
    { path: DOWNLOADS_PAGE, title: DOWNLOADS_TITLE, content: downloadsAndDatabase(f) },
    { path: 'docs/secrets.md', title: 'Secrets: recovery and key rotation', content: secrets(f) },
    { path: STATE_PAGE, title: STATE_TITLE, content: state(f) },
    { path: 'docs/streaming-to-permanent.md', title: 'Streaming → permanent', content: upgrade(f) },
    { path: 'docs/failover.md', title: 'Failover and failback of the storage nodes', content: failover(f) },
    { path: 'docs/decypharr-dfs.md', title: 'Decypharr DFS troubleshooting', content: decypharrDfs(f) },
    { path: 'docs/gpu-transcoding.md', title: gpuPageTitle(f), content: clusterplexGpu(f) },
  ];
  const present = pages.filter((p) => p.content !== undefined);
  const files: OutputFile[] = present.filter((p) => p.content).map((p) => ({ path: p.path, content: p.content! }));
  files.push({ path: 'docs/README.md', content: index(v, present) });
  return files;
}

export { sh };
