import type { KubeObject, PlacedObject } from '../output/model.js';
import type { FieldChange } from './diff.js';

/** The Flux Kustomization that applies a file, with the settings that decide what it does. */
export interface OwningKustomization {
  readonly name: string;
  readonly namespace: string;
  readonly prune: boolean;
  /** Recreate objects whose patch fails on an immutable field. */
  readonly force: boolean;
  /** What deleting the Kustomization does to its objects (`Orphan` keeps them). */
  readonly deletionPolicy: string;
}

interface KustomizationPath extends OwningKustomization {
  /** `spec.path` as `/`-separated segments, without `./`. */
  readonly segments: readonly string[];
}

/** A Flux Kustomization (kustomize.toolkit.fluxcd.io), not a kustomize `kustomization.yaml`. */
export const isFluxKustomization = (o: KubeObject): boolean => o.kind === 'Kustomization' && o.apiVersion.startsWith('kustomize.toolkit.fluxcd.io/');

function kustomizationsOf(objects: readonly PlacedObject[]): KustomizationPath[] {
  return objects
    .map((p) => p.object)
    .filter(isFluxKustomization)
    .map((o) => {
      const spec = (o as { spec?: { path?: string; prune?: boolean; force?: boolean; deletionPolicy?: string } }).spec ?? {};
      return {
        name: o.metadata.name,
        namespace: o.metadata.namespace ?? '',
        prune: spec.prune === true,
        force: spec.force === true,
        deletionPolicy: spec.deletionPolicy ?? 'MirrorPrune',
        segments: (spec.path ?? '').split('/').filter((s) => s && s !== '.'),
      };
    });
}

/**
 * Which Kustomization applies the file `path` (relative to the output folder). A Kustomization's
 * `spec.path` is relative to the root of the Git repository the output is committed to, which may
 * put the output below a folder of its own (`./media-stack/clusters/…`): the owner is the
 * Kustomization with the longest tail of its path that the file lies below. Only the paths the
 * Kustomizations themselves name are used, so any layout of the output works.
 */
export function kustomizationIndex(objects: readonly PlacedObject[]): (path: string) => OwningKustomization | undefined {
  const all = kustomizationsOf(objects);
  return (path) => {
    const file = path.split('/');
    let best: { k: KustomizationPath; depth: number } | undefined;
    for (const k of all) {
      for (let start = 0; start < k.segments.length; start++) {
        const tail = k.segments.slice(start);
        if (tail.length < file.length && tail.every((s, i) => file[i] === s)) {
          if (!best || tail.length > best.depth) best = { k, depth: tail.length };
          break;
        }
      }
    }
    return best?.k;
  };
}

/**
 * Fields the API server refuses to change on an existing object ("field is immutable"), per kind.
 * From the Kubernetes API validation: a StatefulSet's spec may change only in the fields its
 * "updates to statefulset spec for fields other than …" error lists; a claim's spec only in its
 * storage request (upwards) and volumeAttributesClassName; a PersistentVolume's volume source and
 * mode are fixed; selectors of Deployments, DaemonSets, ReplicaSets and Jobs, a Job's pod template
 * and completion mode, a Service's clusterIP(s), a StorageClass's provisioner and parameters, a
 * Secret's type, and the data of a Secret/ConfigMap marked `immutable: true`.
 */
const STATEFULSET_MUTABLE = ['replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'];
const PV_MUTABLE = ['capacity', 'claimRef', 'storageClassName', 'mountOptions', 'persistentVolumeReclaimPolicy', 'accessModes', 'volumeAttributesClassName'];
const PVC_MUTABLE = ['resources.requests.storage', 'volumeAttributesClassName'];

export const isAtOrBelow = (path: string, prefix: string): boolean => path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`);
const specFieldIn = (path: string, fields: readonly string[]) => fields.some((f) => isAtOrBelow(path, `spec.${f}`));

const BINARY = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50 } as const;
const DECIMAL = { k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15 } as const;
/** A Kubernetes quantity (`10Gi`, `500M`, `1e3`) in bytes; undefined when it is not one. */
function bytes(q: unknown): number | undefined {
  const m = /^([0-9.]+(?:e[0-9]+)?)([KMGTP]i|[kMGTP])?$/.exec(String(q));
  if (!m) return undefined;
  const unit = m[2] as keyof typeof BINARY | keyof typeof DECIMAL | undefined;
  return Number(m[1]) * (unit ? ((BINARY as Record<string, number>)[unit] ?? (DECIMAL as Record<string, number>)[unit]!) : 1);
}

/** Whether changing `c` on `before` is refused by the API server. */
export function isImmutableChange(before: KubeObject, c: FieldChange): boolean {
  const p = c.path;
  switch (before.kind) {
    case 'StatefulSet':
      return p.startsWith('spec.') && !specFieldIn(p, STATEFULSET_MUTABLE);
    case 'Deployment':
    case 'DaemonSet':
    case 'ReplicaSet':
      return isAtOrBelow(p, 'spec.selector');
    case 'Job':
      return specFieldIn(p, ['selector', 'template', 'completionMode']);
    case 'PersistentVolumeClaim': {
      if (!p.startsWith('spec.')) return false;
      if (p === 'spec.resources.requests.storage' && c.change === 'changed') {
        const [from, to] = [bytes(c.before), bytes(c.after)];
        // A claim can grow (when its class allows expansion), never shrink.
        return from !== undefined && to !== undefined && to < from;
      }
      return !specFieldIn(p, PVC_MUTABLE);
    }
    case 'PersistentVolume':
      return p.startsWith('spec.') && !specFieldIn(p, PV_MUTABLE);
    case 'Service':
      return specFieldIn(p, ['clusterIP', 'clusterIPs']);
    case 'StorageClass':
      return ['provisioner', 'parameters', 'reclaimPolicy', 'volumeBindingMode'].some((f) => isAtOrBelow(p, f));
    case 'Secret':
      return isAtOrBelow(p, 'type') || ((before as { immutable?: boolean }).immutable === true && ['data', 'stringData'].some((f) => isAtOrBelow(p, f)));
    case 'ConfigMap':
      return (before as { immutable?: boolean }).immutable === true && ['data', 'binaryData'].some((f) => isAtOrBelow(p, f));
    default:
      return false;
  }
}

/** Kinds whose `spec.template` is a pod template their controller rolls out when it changes. */
const POD_CONTROLLERS = ['Deployment', 'StatefulSet', 'DaemonSet'];

export function changesPodTemplate(o: KubeObject, changes: readonly FieldChange[]): boolean {
  return POD_CONTROLLERS.includes(o.kind) && changes.some((c) => isAtOrBelow(c.path, 'spec.template'));
}

export function changesJobTemplate(o: KubeObject, changes: readonly FieldChange[]): boolean {
  return o.kind === 'CronJob' && changes.some((c) => isAtOrBelow(c.path, 'spec.jobTemplate'));
}

/** The keys of `data`/`stringData` (of a Secret or ConfigMap) that a change adds, removes or changes. */
export function keysChangedBelow(changes: readonly FieldChange[], fields: readonly string[]): { added: string[]; removed: string[]; changed: string[] } {
  const out = { added: [] as string[], removed: [] as string[], changed: [] as string[] };
  const add = (list: string[], key: string) => list.includes(key) || list.push(key);
  for (const c of changes) {
    const f = fields.find((x) => isAtOrBelow(c.path, x));
    if (!f) continue;
    if (c.path === f) {
      // The whole map appeared or went away: each of its keys did.
      for (const k of Object.keys(c.before ?? {})) add(c.change === 'changed' ? out.changed : out.removed, k);
      for (const k of Object.keys(c.after ?? {})) if (c.change !== 'changed') add(out.added, k);
      continue;
    }
    const m = /^(?:\.([A-Za-z_$][\w$]*)|\[("(?:[^"\\]|\\.)*")\])/.exec(c.path.slice(f.length));
    if (m) add(out[c.change], m[1] ?? (JSON.parse(m[2]!) as string));
  }
  return out;
}
