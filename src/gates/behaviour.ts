/**
 * Behaviour gate: what the containers will find when they start, not only the shape of the
 * objects. For every container of every pod template it works out the user the process runs as
 * after the image's entrypoint (the apps' facts, behaviour-facts.ts), the owner and mode every volume has when the
 * process sees it (kubelet's rules, plus init containers that chown), and checks that
 *  - each path the app writes or mounts FUSE on is writable by that user       [writable]
 *  - each FUSE / Bidirectional mount is unmounted on preStop and not on a volume root
 *                                                                     [fuse-cleanup] [fuse-mount-point]
 *  - a component others wait on (init containers, Flux dependsOn) is Ready only when the thing
 *    they wait for is there                                                      [readiness]
 *  - every container and image has facts to check against                         [facts]
 * NFS volumes are owned as the export squashes: writers get a warning [export-defined].
 */
import type * as k8s from '../../imports/k8s.js';
import type { KubeObject } from '../output/model.js';
import { PROVISIONER_FACTS, containerFactsFor, imageFactsFor, imageRepository, type ContainerFacts, type FuseMount, type ImageFacts } from './behaviour-facts.js';
import { jsonPath, objectRef, type BehaviourOptions, type FindingData, type GateFinding, type GateOptions } from './findings.js';
import { findNamed } from './object-index.js';
import {
  at as valueAt,
  containersOf,
  isJsonObject,
  jsonObjects,
  jsonStrings,
  listOf,
  podTemplates,
  type ContainerOf,
  type JsonObject,
  type Path,
  type PodTemplate,
} from './pod-specs.js';

export const BEHAVIOUR_RULES = ['writable', 'fuse-cleanup', 'fuse-mount-point', 'readiness', 'facts', 'export-defined'] as const;
export type BehaviourRule = (typeof BEHAVIOUR_RULES)[number];

/** The user a process runs as and what it may override. */
export interface ProcessUser {
  readonly uid: number;
  readonly gid: number;
  readonly groups: readonly number[];
  /** Root with CAP_DAC_OVERRIDE writes anywhere that is not read-only. */
  readonly dacOverride: boolean;
  /** Whether the entrypoint started as root and switched user (so preparesAsRoot applied). */
  readonly dropped: boolean;
  readonly how: string;
}

/** Owner and mode of a directory as the process sees it. */
export interface DirState {
  readonly uid: number;
  readonly gid: number;
  readonly mode: number;
  readonly why: string;
}

export type VolumeView =
  | { readonly kind: 'dir'; readonly state: DirState }
  | { readonly kind: 'read-only'; readonly why: string }
  /** `export` is `server:/path`. */
  | { readonly kind: 'export'; readonly why: string; readonly export: string }
  | { readonly kind: 'unknown'; readonly why: string }
  /** Handed to the user only under a runtime condition the gate cannot see. */
  | { readonly kind: 'conditional'; readonly why: string };

interface Finding {
  readonly rule: BehaviourRule;
  readonly pod: PodTemplate;
  readonly path: Path;
  readonly message: string;
  readonly severity?: GateFinding['severity'];
  readonly data?: FindingData;
}

const SETGID = 0o2000;
const UNMOUNT = /\b(?:fusermount3?\s+-u\w*|umount)\b/;

export function checkBehaviour(objects: readonly KubeObject[], opts: GateOptions = {}): GateFinding[] {
  const found: Finding[] = [];
  const pods = podTemplates(objects);
  const behaviour = opts.behaviour ?? {};
  const waits = waitersOf(pods, objects, behaviour);
  for (const pod of pods) found.push(...podFindings(pod, objects, behaviour, waits));
  found.push(...waiterFindings(pods, behaviour));
  return found.map((f) => ({
    gate: 'behaviour',
    severity: f.severity ?? 'error',
    object: objectRef(f.pod.object),
    path: jsonPath(f.path),
    message: `[${f.rule}] ${f.message}`,
    rule: f.rule,
    ...(f.data ? { data: f.data } : {}),
  }));
}

/** The app a pod belongs to: the key of its container facts. */
function appOf(pod: PodTemplate): string {
  return pod.labels['app.kubernetes.io/name'] ?? pod.object.metadata.name;
}

function podFindings(pod: PodTemplate, objects: readonly KubeObject[], opts: BehaviourOptions, waits: Waits): Finding[] {
  const out: Finding[] = [];
  const app = appOf(pod);
  /** Ownership handed out by init containers that already ran: `volume\0subPath` → state. */
  const chowned = new Map<string, DirState>();
  for (const c of containersOf(pod)) {
    if (c.kind === 'ephemeral') continue;
    const at = (field: Path, rule: BehaviourRule, message: string, severity?: GateFinding['severity'], data?: FindingData) =>
      out.push({ rule, pod, path: [...c.path, ...field], message: `container "${c.name}": ${message}`, ...(severity ? { severity } : {}), ...(data ? { data } : {}) });
    const facts = containerFactsFor(app, c.name, opts.facts?.containers);
    if (!facts) {
      at([], 'facts', `no behaviour facts for ${app}/${c.name}: declare what it writes in the facts of its module (src/apps/<app>/facts.ts, AppModule.facts)`);
      continue;
    }
    const image = imageFactsOf(c, opts);
    if (!image) {
      at(
        ['image'],
        'facts',
        `no facts for image ${JSON.stringify(imageRepository(String(c.container.image)))}: declare who its entrypoint runs as in the facts of the module that uses it (src/apps/<app>/facts.ts, AppModule.facts)`,
      );
      continue;
    }
    const user = processUser(c, image);
    if (!user) {
      at(['securityContext', 'runAsUser'], 'facts', `the image's USER is not verified and no runAsUser is set: cannot tell who the process runs as`);
      continue;
    }
    // A root start runs its own command's chowns before the app (a start script that then execs the entrypoint).
    const ownChowns = chownsOf(c);
    const handedOver = new Map([...chowned, ...ownChowns]);
    const prepared = user.dropped ? [...(image.preparesAsRoot ?? []), ...(facts.preparesAsRoot ?? [])] : [];
    const trees = user.dropped ? (image.chownsTreeWhileForeign ?? []) : [];
    // Read-only volumes and NFS exports stay what they are, whoever tries to chown them.
    const view = (m: k8s.VolumeMount, p: string): VolumeView => {
      const base = volumeView(pod, objects, opts, m.name);
      if (base.kind === 'read-only' || base.kind === 'export') return base;
      return treeView(c, trees, m, user) ?? mountView(pod, objects, opts, handedOver, m, p, prepared, user);
    };

    const fuse = (facts.fuseMounts ?? []).map((f) => fusePoint(c, f));
    writeFindings(c, facts, fuse, user, view, at);
    fuseFindings(c, fuse, at);
    const provides = facts.provides ?? [];
    const waiters = provides.length ? waits.of(pod, app, c.name) : [];
    if (waiters.length) readinessFindings(c, provides, waiters, fuse, at);
    if (c.kind === 'init') for (const [key, state] of ownChowns) chowned.set(key, state);
  }
  return out;
}

type At = (field: Path, rule: BehaviourRule, message: string, severity?: GateFinding['severity'], data?: FindingData) => void;

/** The directory a FUSE mount really sits on: the path when it is on a volume, else its `via` when that is. */
function fusePoint(c: ContainerOf, f: FuseMount): FusePoint {
  const fromEnv = f.pathEnv ? envOf(c.container)[f.pathEnv] : undefined;
  const path = fromEnv === undefined || fromEnv === '' ? f.path : fromEnv;
  return f.via && path !== f.via && !mountFor(c, path) && mountFor(c, f.via) ? { point: f.via, path, label: `${path} (a bind of ${f.via})` } : { point: path, path, label: path };
}

interface FusePoint {
  /** The directory the checks apply to. */
  readonly point: string;
  /** Where the process mounts it (unmounting either counts). */
  readonly path: string;
  /** How findings name it. */
  readonly label: string;
}

/** Each declared write path and FUSE mount point must be writable by the process user. */
function writeFindings(
  c: ContainerOf,
  facts: ContainerFacts,
  fuse: readonly FusePoint[],
  user: ProcessUser,
  view: (mount: k8s.VolumeMount, path: string) => VolumeView,
  at: At,
): void {
  const mounted = (facts.writesIfMounted ?? []).filter((p) => mountFor(c, p));
  const targets = [...[...facts.writes, ...mounted].map((p) => ({ p, label: p, fuse: false })), ...fuse.map((f) => ({ p: f.point, label: f.label, fuse: true }))];
  for (const { p, label, fuse: isFuse } of targets) {
    const hit = mountFor(c, p);
    const what = isFuse ? 'mounts FUSE on' : 'writes';
    if (!hit) {
      if (c.container.securityContext?.readOnlyRootFilesystem === true)
        at(['securityContext', 'readOnlyRootFilesystem'], 'writable', `${what} ${label}, which is on the read-only root filesystem (no volume is mounted there)`);
      continue;
    }
    const { mount, index } = hit;
    const field = ['volumeMounts', index];
    if (mount.readOnly) {
      at(field, 'writable', `${what} ${label}, but volume "${mount.name}" is mounted readOnly there`);
      continue;
    }
    const v = view(mount, p);
    if (v.kind === 'read-only') at(field, 'writable', `${what} ${label}, but volume "${mount.name}" is read-only (${v.why})`);
    else if (v.kind === 'export')
      at(
        field,
        'export-defined',
        `${what} ${label} as ${describeUser(user)}: volume "${mount.name}" is ${v.why}; the export must let ${user.uid}:${user.gid} write (owner, or all_squash to it)`,
        'warning',
        { kind: 'export-writer', export: v.export, container: c.name, user: `${user.uid}:${user.gid}` },
      );
    else if (v.kind === 'conditional') at(field, 'writable', `${what} ${label} as ${describeUser(user)}: ${v.why}`, 'warning');
    else if (v.kind === 'unknown') {
      if (user.uid !== 0) at(field, 'writable', `${what} ${label} as ${describeUser(user)}, but the owner of volume "${mount.name}" is not known (${v.why})`, 'warning');
    } else if (!writable(user, v.state)) {
      const why = isFuse && user.uid !== 0 ? ': fusermount3 refuses a mount point the user cannot write, so the FUSE mount never appears' : '';
      at(field, 'writable', `runs as ${describeUser(user)} but ${what} ${label}, which is ${describeMode(v.state)} (${v.state.why})${why}`);
    }
  }
}

function imageFactsOf(c: ContainerOf, opts: BehaviourOptions): ImageFacts | undefined {
  if (typeof c.container.image !== 'string') return undefined;
  const repository = imageRepository(c.container.image);
  return imageFactsFor(repository, opts.facts?.images);
}

/**
 * Kubernetes' runAsUser wins over the image's USER; a root start runs the image's entrypoint
 * (unless `command` replaces it), which may switch user. fsGroup and supplementalGroups are
 * groups of the first process only: a switch to another user leaves its own group.
 */
function processUser(c: ContainerOf, image: ImageFacts): ProcessUser | undefined {
  const sc: k8s.SecurityContext = c.container.securityContext ?? {};
  const podSc: k8s.PodSecurityContext = c.pod.spec.securityContext ?? {};
  const imageUser = image.imageUser === 'unverified' ? undefined : image.imageUser;
  const uid: number | undefined = sc.runAsUser ?? podSc.runAsUser ?? imageUser?.uid;
  if (uid === undefined) return undefined;
  const gid: number = sc.runAsGroup ?? podSc.runAsGroup ?? imageUser?.gid ?? 0;
  const groups = [
    gid,
    ...(typeof podSc.fsGroup === 'number' ? [podSc.fsGroup] : []),
    ...(Array.isArray(podSc.supplementalGroups) ? podSc.supplementalGroups.filter((g: unknown) => typeof g === 'number') : []),
  ];
  const started = sc.runAsUser !== undefined || podSc.runAsUser !== undefined ? `runAsUser ${uid}` : `the image's USER ${uid}`;
  const entrypoint = image.entrypoint;
  const entrypointRuns = !Array.isArray(c.container.command) || (entrypoint !== undefined && jsonStrings(c.container.command).some((x) => x.includes(entrypoint)));
  if (uid === 0 && entrypointRuns && image.asRoot.kind !== 'stays-root') {
    const b = image.asRoot;
    const env = envOf(c.container);
    const to =
      b.kind === 'drops-to-env'
        ? { uid: intOr(env[b.uidEnv], b.defaultUid), gid: intOr(env[b.gidEnv], b.defaultGid), how: `starts as root, the entrypoint drops to ${b.uidEnv}:${b.gidEnv} via ${b.via}` }
        : { uid: b.uid, gid: b.gid, how: `starts as root, the entrypoint drops to ${b.uid}:${b.gid} via ${b.via}` };
    return { uid: to.uid, gid: to.gid, groups: [to.gid], dacOverride: to.uid === 0 && hasDacOverride(sc), dropped: true, how: to.how };
  }
  return { uid, gid, groups, dacOverride: uid === 0 && hasDacOverride(sc), dropped: false, how: uid === 0 ? `${started}, stays root` : started };
}

function hasDacOverride(sc: k8s.SecurityContext): boolean {
  if (sc.privileged === true) return true;
  const drop = jsonStrings(sc.capabilities?.drop);
  const add = jsonStrings(sc.capabilities?.add);
  return add.includes('DAC_OVERRIDE') || !(drop.includes('ALL') || drop.includes('DAC_OVERRIDE'));
}

function envOf(container: k8s.Container): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of jsonObjects(container.env)) if (typeof e.value === 'string') out[String(e.name)] = e.value;
  return out;
}

/** Literal env values of the container stand in for `$NAME` / `${NAME}` in its scripts. */
function expandEnv(container: k8s.Container, text: string): string {
  const env = envOf(container);
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (m: string, a: string | undefined, b: string | undefined) => env[a ?? b ?? ''] ?? m);
}

function intOr(v: string | undefined, fallback: number): number {
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : fallback;
}

/** The mount a path lies on: the longest mountPath that is the path or a parent of it. */
function mountFor(c: ContainerOf, p: string): { mount: k8s.VolumeMount; index: number } | undefined {
  let best: { mount: k8s.VolumeMount; index: number } | undefined;
  (Array.isArray(c.container.volumeMounts) ? c.container.volumeMounts : []).forEach((mount: k8s.VolumeMount | null, index: number) => {
    if (typeof mount?.mountPath !== 'string' || !isUnder(p, mount.mountPath)) return;
    if (!best || mount.mountPath.length > best.mount.mountPath.length) best = { mount, index };
  });
  return best;
}

function isUnder(p: string, dir: string): boolean {
  const d = dir.replace(/\/+$/, '');
  return p === d || p.startsWith(`${d}/`);
}

/**
 * A mount inside a tree the entrypoint chowns while it is foreign: on the container's own
 * filesystem the tree is new (root-owned) on every start, so it is always handed over; on a
 * volume only on the start that first finds it foreign, so a directory added later is not.
 */
function treeView(c: ContainerOf, trees: readonly string[], mount: k8s.VolumeMount, user: ProcessUser): VolumeView | undefined {
  const tree = trees.find((t) => isUnder(mount.mountPath, t) && mount.mountPath !== t);
  if (!tree) return undefined;
  const holder = mountFor(c, tree);
  if (!holder)
    return {
      kind: 'dir',
      state: { uid: user.uid, gid: user.gid, mode: 0o755, why: `the entrypoint chowns ${tree} recursively on every start (it is on the container's own filesystem)` },
    };
  return {
    kind: 'conditional',
    why: `the entrypoint chowns ${tree} recursively only while ${tree} (on volume "${holder.mount.name}") is not owned by ${user.uid}; a directory that appears after that first start (a new subPath, a mount added later) stays as kubelet made it`,
  };
}

/**
 * The directory at `path` (on `mount`) as the process sees it, after kubelet, earlier init
 * containers and the entrypoint. A path below the mount root that no init container prepared
 * counts as the mount root: the process has to create it there.
 */
function mountView(
  pod: PodTemplate,
  objects: readonly KubeObject[],
  opts: BehaviourOptions,
  chowned: ReadonlyMap<string, DirState>,
  mount: k8s.VolumeMount,
  path: string,
  prepared: readonly string[],
  user: ProcessUser,
): VolumeView {
  const sub = normalizeSub(mount.subPath);
  if (prepared.includes(mount.mountPath)) {
    return { kind: 'dir', state: { uid: user.uid, gid: user.gid, mode: 0o755, why: `the image's entrypoint hands ${mount.mountPath} to the user it drops to` } };
  }
  const base = volumeView(pod, objects, opts, mount.name);
  if (base.kind !== 'dir') return base;
  const rel = normalizeSub(path.slice(mount.mountPath.replace(/\/+$/, '').length));
  for (const key of rel ? [joinSub(sub, rel), sub] : [sub]) {
    const own = chowned.get(`${mount.name}\0${key}`);
    if (own) return { kind: 'dir', state: { ...base.state, uid: own.uid, gid: own.gid, why: own.why } };
  }
  if (!sub) return base;
  const parent = base.state;
  return {
    kind: 'dir',
    state: {
      uid: 0,
      gid: parent.mode & SETGID ? parent.gid : 0,
      mode: parent.mode,
      why: `subPath "${sub}": kubelet creates a missing subPath directory as root with the mode of the volume root (${parent.why})`,
    },
  };
}

function joinSub(a: string, b: string): string {
  return normalizeSub([a, b].filter(Boolean).join('/'));
}

function normalizeSub(s: unknown): string {
  return typeof s === 'string'
    ? s
        .split('/')
        .filter((x) => x && x !== '.')
        .join('/')
    : '';
}

/** A volume's root as kubelet sets it up for this pod. */
function volumeView(pod: PodTemplate, objects: readonly KubeObject[], opts: BehaviourOptions, name: string): VolumeView {
  const fsGroup: number | undefined = typeof pod.spec.securityContext?.fsGroup === 'number' ? pod.spec.securityContext.fsGroup : undefined;
  const withFsGroup = (s: DirState): DirState =>
    fsGroup === undefined ? s : { uid: s.uid, gid: fsGroup, mode: s.mode | 0o070 | SETGID, why: `${s.why}; kubelet applies fsGroup ${fsGroup}` };
  const vol = listOf(pod.spec.volumes).find((v) => v.name === name);
  if (!vol) {
    const template = jsonObjects(valueAt(pod.object, ['spec', 'volumeClaimTemplates'])).find((t) => isJsonObject(t.metadata) && t.metadata.name === name);
    if (template) return claimView(template, objects, opts, false, withFsGroup);
    return { kind: 'unknown', why: `no volume or claim template named "${name}"` };
  }
  if (vol.emptyDir) return { kind: 'dir', state: withFsGroup({ uid: 0, gid: 0, mode: 0o777, why: 'emptyDir: created 0777' }) };
  // The JSON field is downwardAPI (the imported type spells it downwardApi).
  if (vol.configMap || vol.secret || vol.projected || isJsonObject((vol as unknown as JsonObject).downwardAPI))
    return { kind: 'read-only', why: 'kubelet mounts configMap, secret, projected and downwardAPI volumes read-only' };
  if (vol.hostPath) {
    if (vol.hostPath.type === 'DirectoryOrCreate') {
      return {
        kind: 'dir',
        state: {
          uid: 0,
          gid: 0,
          mode: 0o755,
          why: `hostPath ${vol.hostPath.path} (DirectoryOrCreate): kubelet creates a missing directory root:root 0755 and never applies fsGroup to host paths`,
        },
      };
    }
    return { kind: 'unknown', why: `hostPath ${vol.hostPath.path}: owned as the host made it` };
  }
  if (vol.nfs)
    return vol.nfs.readOnly
      ? { kind: 'read-only', why: 'read-only NFS volume' }
      : {
          kind: 'export',
          export: `${vol.nfs.server}:${vol.nfs.path}`,
          why: `the NFS export ${vol.nfs.server}:${vol.nfs.path} (fsGroup does not apply; owned as the export squashes)`,
        };
  if (vol.persistentVolumeClaim) {
    const claim = findNamed(objects, 'PersistentVolumeClaim', vol.persistentVolumeClaim.claimName, pod.object.metadata.namespace ?? '');
    if (!claim) return { kind: 'unknown', why: `claim ${vol.persistentVolumeClaim.claimName} is not in the output` };
    return claimView(claim, objects, opts, vol.persistentVolumeClaim.readOnly === true, withFsGroup);
  }
  return { kind: 'unknown', why: `volume "${name}" has a type the gate does not model` };
}

/** A PersistentVolumeClaim or a StatefulSet's claim template as plain JSON. */
interface ClaimJson {
  readonly metadata?: { readonly name?: string };
  readonly spec?: k8s.PersistentVolumeClaimSpec;
}

function claimView(claim: ClaimJson, objects: readonly KubeObject[], opts: BehaviourOptions, readOnly: boolean, withFsGroup: (s: DirState) => DirState): VolumeView {
  const name = String(claim.metadata?.name);
  if (readOnly) return { kind: 'read-only', why: `claim ${name} is mounted readOnly` };
  const spec: k8s.PersistentVolumeClaimSpec = claim.spec ?? {};
  if (spec.volumeName) {
    const pv = findNamed(objects, 'PersistentVolume', spec.volumeName);
    if (!pv) return { kind: 'unknown', why: `PersistentVolume ${spec.volumeName} is not in the output` };
    const pvSpec = pv.spec as k8s.PersistentVolumeSpec | undefined;
    if (pvSpec?.nfs) {
      const nfs = pvSpec.nfs;
      const ro = nfs.readOnly === true || jsonStrings(pvSpec.mountOptions).includes('ro');
      return ro
        ? { kind: 'read-only', why: `PV ${pv.metadata.name} is a read-only NFS mount` }
        : {
            kind: 'export',
            export: `${nfs.server}:${nfs.path}`,
            why: `the NFS export ${nfs.server}:${nfs.path} of PV ${pv.metadata.name} (fsGroup does not apply; owned as the export squashes)`,
          };
    }
    return { kind: 'unknown', why: `PV ${pv.metadata.name} has a type the gate does not model` };
  }
  const className = spec.storageClassName;
  const sc = className ? findNamed(objects, 'StorageClass', className) : undefined;
  const provisioner = (typeof sc?.provisioner === 'string' ? sc.provisioner : undefined) ?? (className ? opts.storageProvisioners?.[className] : undefined);
  const facts = provisioner ? PROVISIONER_FACTS[provisioner] : undefined;
  if (!facts) return { kind: 'unknown', why: `claim ${name}: no facts for StorageClass ${className ?? '(default)'}${provisioner ? ` (provisioner ${provisioner})` : ''}` };
  const modes = jsonStrings(spec.accessModes);
  const rwx = modes.includes('ReadWriteMany');
  const root = rwx ? facts.rwxRoot : facts.rwoRoot;
  const state: DirState = { ...root, why: `${rwx ? 'ReadWriteMany' : 'ReadWriteOnce'} claim ${name} of ${provisioner}: a new volume's root is ${describeMode(root)}` };
  const fsGroupApplies = facts.fsGroup === 'always' || (facts.fsGroup === 'rwo-with-fstype' && modes.includes('ReadWriteOnce'));
  return { kind: 'dir', state: fsGroupApplies ? withFsGroup(state) : state };
}

function writable(user: ProcessUser, s: DirState): boolean {
  if (user.dacOverride) return true;
  if (user.uid === s.uid) return (s.mode & 0o300) === 0o300;
  if (user.groups.includes(s.gid)) return (s.mode & 0o030) === 0o030;
  return (s.mode & 0o003) === 0o003;
}

function describeUser(u: ProcessUser): string {
  const extra = u.groups.filter((g) => g !== u.gid);
  return `${u.uid}:${u.gid}${extra.length ? ` (groups ${extra.join(',')})` : ''} (${u.how})`;
}

function describeMode(s: { uid: number; gid: number; mode: number }): string {
  return `${s.uid === 0 ? 'root' : s.uid}:${s.gid === 0 ? 'root' : s.gid} ${(s.mode & 0o7777).toString(8).padStart(4, '0')}`;
}

/** `chown [-R] U:G path…` run by a root container that may chown: new owners for itself and, for init containers, later ones. */
function chownsOf(c: ContainerOf): [string, DirState][] {
  const sc: k8s.SecurityContext = c.container.securityContext ?? {};
  const podSc: k8s.PodSecurityContext = c.pod.spec.securityContext ?? {};
  if ((sc.runAsUser ?? podSc.runAsUser) !== 0) return [];
  const drop = jsonStrings(sc.capabilities?.drop);
  const add = jsonStrings(sc.capabilities?.add);
  if (sc.privileged !== true && (drop.includes('ALL') || drop.includes('CHOWN')) && !add.includes('CHOWN')) return [];
  const script = expandEnv(c.container, [...(c.container.command ?? []), ...(c.container.args ?? [])].join('\n')).replace(/"(\d+:\d+)"/g, '$1');
  const out: [string, DirState][] = [];
  for (const m of script.matchAll(/\bchown\s+(?:-R\s+)?(\d+):(\d+)\s+([^\s;&|]+(?:[ \t]+[^\s;&|-][^\s;&|]*)*)/g)) {
    for (const target of m[3]!.split(/[ \t]+/)) {
      const path = target.replace(/^["']|["']$/g, '');
      const hit = mountFor(c, path);
      if (!hit) continue;
      const sub = joinSub(normalizeSub(hit.mount.subPath), normalizeSub(path.slice(hit.mount.mountPath.replace(/\/+$/, '').length)));
      out.push([
        `${hit.mount.name}\0${sub}`,
        {
          uid: Number(m[1]),
          gid: Number(m[2]),
          mode: 0,
          why: `${c.kind === 'init' ? 'init container' : 'the start script of container'} "${c.name}" chowns it to ${m[1]}:${m[2]}`,
        },
      ]);
    }
  }
  return out;
}

function fuseFindings(c: ContainerOf, fuse: readonly FusePoint[], at: At): void {
  const mounts = listOf(c.container.volumeMounts);
  const preStop = expandEnv(c.container, (c.container.lifecycle?.preStop?.exec?.command ?? []).join(' '));
  const unmounts = (p: string) => UNMOUNT.test(preStop) && preStop.includes(p);
  for (const { point: p, path, label } of fuse) {
    const hit = mountFor(c, p);
    if (hit?.mount.mountPropagation === 'Bidirectional' && hit.mount.mountPath.replace(/\/+$/, '') === p) {
      const sub = normalizeSub(hit.mount.subPath);
      at(
        ['volumeMounts', hit.index],
        'fuse-mount-point',
        `mounts FUSE on ${label}, the root of the Bidirectional mount of volume "${hit.mount.name}"${sub ? ` (subPath ${sub})` : ''}: after a crash the dead mount (ENOTCONN) sits on what kubelet mounts itself, and it cannot set that up for the replacement pod; mount a subdirectory of it`,
      );
    }
    if (!unmounts(p) && !unmounts(path))
      at(
        ['lifecycle', 'preStop'],
        'fuse-cleanup',
        `mounts FUSE on ${label} but has no preStop that unmounts it (fusermount3 -u / umount ${p}): the node keeps the mount after the pod stops`,
      );
  }
  mounts.forEach((m, i) => {
    if (m.mountPropagation !== 'Bidirectional' || fuse.some((f) => isUnder(f.point, m.mountPath))) return;
    if (!unmounts(m.mountPath)) {
      at(
        ['volumeMounts', i],
        'fuse-cleanup',
        `mounts "${m.name}" at ${m.mountPath} with Bidirectional propagation but has no preStop that unmounts what it mounts there: mounts it makes outlive the pod on the host`,
      );
    }
  });
}

interface Waiter {
  readonly by: string;
  /** The signal waited for; undefined: Flux waits for readiness, so every provided signal counts. */
  readonly signal?: string;
}

interface Waits {
  of(pod: PodTemplate, app: string, container: string): Waiter[];
}

/** Who waits on whom: init containers that declare `waitsFor`, and Flux Kustomizations others depend on. */
function waitersOf(pods: readonly PodTemplate[], objects: readonly KubeObject[], opts: BehaviourOptions): Waits {
  const fluxScope = opts.fluxScope;
  const byContainer = new Map<string, Waiter[]>();
  for (const pod of pods) {
    for (const c of containersOf(pod)) {
      for (const w of containerFactsFor(appOf(pod), c.name, opts.facts?.containers)?.waitsFor ?? []) {
        const key = `${w.app}/${w.container}`;
        const waiter = { by: `init container "${c.name}" of ${objectRef(pod.object)}`, signal: w.signal };
        const list = byContainer.get(key);
        if (list) list.push(waiter);
        else byContainer.set(key, [waiter]);
      }
    }
  }
  const kustomizations = objects.filter((o) => o.kind === 'Kustomization' && o.apiVersion.startsWith('kustomize.toolkit.fluxcd.io/')) as unknown as FluxKustomizationJson[];
  // Dependants by the namespace/name they depend on, in the order of the list (one pass, not one per Kustomization).
  const dependantsOf = new Map<string, FluxKustomizationJson[]>();
  for (const d of kustomizations) {
    for (const target of new Set<string>(listOf(d.spec?.dependsOn).map((x) => `${x.namespace ?? d.metadata.namespace}\0${x.name}`))) {
      const list = dependantsOf.get(target);
      if (list) list.push(d);
      else dependantsOf.set(target, [d]);
    }
  }
  const byObject = new Map<string, Waiter[]>();
  for (const k of kustomizations) {
    const dependants = dependantsOf.get(`${k.metadata.namespace}\0${k.metadata.name}`) ?? [];
    if (!dependants.length) continue;
    const by = `Flux Kustomization${dependants.length > 1 ? 's' : ''} ${dependants.map((d) => d.metadata.name).join(', ')} (dependsOn ${k.metadata.name})`;
    const targets = new Set<string>();
    for (const h of listOf(k.spec?.healthChecks)) targets.add(`${h.kind}/${h.namespace ? `${h.namespace}/` : ''}${h.name}`);
    if (k.spec?.wait === true && fluxScope) for (const [ref, ks] of fluxScope) if (ks === k.metadata.name) targets.add(ref);
    for (const t of targets) byObject.set(t, [...(byObject.get(t) ?? []), { by }]);
  }
  return {
    of: (pod, app, container) => [...(byContainer.get(`${app}/${container}`) ?? []), ...(byObject.get(objectRef(pod.object)) ?? [])],
  };
}

function readinessFindings(c: ContainerOf, provides: NonNullable<ContainerFacts['provides']>, waiters: readonly Waiter[], fuse: readonly FusePoint[], at: At): void {
  const probe = c.container.readinessProbe;
  const command = jsonStrings(probe?.exec?.command);
  for (const s of provides) {
    const by = waiters.filter((w) => w.signal === undefined || w.signal === s.name);
    const file = s.inFuseMount ? `${fuse[0]?.path ?? ''}/${s.file}` : s.file;
    if (!by.length || command.some((x) => x.includes(file))) continue;
    at(
      ['readinessProbe'],
      'readiness',
      `${by.map((w) => w.by).join('; ')} wait for "${s.name}" (${file}: ${s.why}), but the readiness probe (${describeProbe(probe)}) does not check it: the pod is Ready without it and everything waiting goes on`,
    );
  }
}

function describeProbe(p: k8s.Probe | undefined): string {
  if (!p) return 'none';
  if (p.httpGet) return `httpGet ${p.httpGet.path ?? '/'} on ${portText(p.httpGet.port)}`;
  if (p.tcpSocket) return `tcpSocket ${portText(p.tcpSocket.port)}`;
  if (p.exec) return `exec ${JSON.stringify(p.exec.command)}`;
  return 'unknown handler';
}

/** A probe's port as the JSON has it: a number or a port name. */
function portText(port: unknown): string {
  return typeof port === 'number' || typeof port === 'string' ? String(port) : JSON.stringify(port);
}

/** A Flux Kustomization as plain JSON (the fields the readiness check reads). */
interface FluxKustomizationJson {
  readonly metadata: { readonly name: string; readonly namespace?: string };
  readonly spec?: {
    readonly dependsOn?: readonly { readonly name: string; readonly namespace?: string }[];
    readonly healthChecks?: readonly { readonly kind: string; readonly name: string; readonly namespace?: string }[];
    readonly wait?: boolean;
  };
}

/** Waiters that wait for a signal no container declares. */
function waiterFindings(pods: readonly PodTemplate[], opts: BehaviourOptions): Finding[] {
  const out: Finding[] = [];
  for (const pod of pods) {
    for (const c of containersOf(pod)) {
      for (const w of containerFactsFor(appOf(pod), c.name, opts.facts?.containers)?.waitsFor ?? []) {
        const provider = containerFactsFor(w.app, w.container, opts.facts?.containers);
        if (!provider?.provides?.some((s) => s.name === w.signal)) {
          out.push({
            rule: 'readiness',
            pod,
            path: c.path,
            message: `container "${c.name}": waits for "${w.signal}" of ${w.app}/${w.container}, which declares no such signal in its facts`,
          });
        }
      }
    }
  }
  return out;
}
