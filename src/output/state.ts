import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { KubeObject, PlacedObject } from './model.js';
import { filesBelow } from './tree.js';

/**
 * Flux's prune protection (kustomize-controller `kustomize.toolkit.fluxcd.io/prune: disabled`):
 * the controller skips such an object both when it garbage-collects objects that left the source
 * and when their Kustomization is deleted, so the object is left in the cluster, unmanaged.
 */
export const PRUNE_ANNOTATION = 'kustomize.toolkit.fluxcd.io/prune';
export const PRUNE_DISABLED = { [PRUNE_ANNOTATION]: 'disabled' } as const;

/**
 * Kinds whose objects hold state the stack cannot recreate: a claim is the app's data (config
 * databases, the symlink library, downloads, backups), a PersistentVolume binds a NAS export, and
 * deleting the namespace deletes every claim in it.
 */
const STATEFUL_KINDS: readonly string[] = ['Namespace', 'PersistentVolumeClaim', 'PersistentVolume'];

export function holdsState(o: KubeObject): boolean {
  return STATEFUL_KINDS.includes(o.kind);
}

export function isPruneProtected(o: KubeObject): boolean {
  return (o.metadata.annotations?.[PRUNE_ANNOTATION] ?? o.metadata.labels?.[PRUNE_ANNOTATION])?.toLowerCase() === 'disabled';
}

/** A stateful object the previous output had and the new one drops. */
export interface DroppedState {
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  /** The file of the previous output that held it. */
  readonly path: string;
  /** Needs the operator's confirmation (`--allow-data-loss`); false for notes only. */
  readonly confirm: boolean;
  /** What Flux does with it once the new output is reconciled. */
  readonly consequence: string;
}

const idOf = (o: KubeObject) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/** `Kind namespace/name`, as the refusal and the summary name an object. */
export function describeDropped(d: DroppedState): string {
  return `${d.kind} ${d.namespace ? `${d.namespace}/` : ''}${d.name} (${d.path}): ${d.consequence}`;
}

/**
 * Stateful objects of `previous` that `next` no longer has (same kind, namespace and name), and
 * StatefulSets with volumeClaimTemplates that disappear (a note: their claims are not Flux's).
 */
export function droppedState(previous: readonly PlacedObject[], next: readonly KubeObject[]): DroppedState[] {
  const kept = new Set(next.map(idOf));
  const out: DroppedState[] = [];
  for (const { object: o, path } of previous) {
    if (kept.has(idOf(o))) continue;
    const base = { kind: o.kind, name: o.metadata.name, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}), path };
    if (holdsState(o)) {
      out.push({
        ...base,
        confirm: true,
        consequence: isPruneProtected(o)
          ? 'prune is disabled on it, so Flux leaves it in the cluster, orphaned (no longer applied or deleted by Flux); its data stays until you delete it (docs/<cluster>/state.md in the output)'
          : `it does not carry ${PRUNE_ANNOTATION}: disabled in the previous output, so Flux (prune: true) DELETES it${o.kind === 'Namespace' ? ' and every claim in it' : ''} on the next reconcile`,
      });
      continue;
    }
    const templates =
      o.kind === 'StatefulSet'
        ? (((o as { spec?: { volumeClaimTemplates?: { metadata?: { name?: string } }[] } }).spec?.volumeClaimTemplates ?? [])
            .map((t) => t.metadata?.name)
            .filter(Boolean) as string[])
        : [];
    if (templates.length > 0) {
      out.push({
        ...base,
        confirm: false,
        consequence: `Flux deletes the StatefulSet; the claims its volumeClaimTemplates created (${templates.map((t) => `${t}-${o.metadata.name}-<ordinal>`).join(', ')}) are not Flux's objects and stay (persistentVolumeClaimRetentionPolicy defaults to Retain): delete them by hand if unwanted`,
      });
    }
  }
  return out.sort((a, b) => a.path.localeCompare(b.path) || a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
}

/** A parsed document that names its kind and its object (comments-only or foreign documents do not). */
function isKubeObject(o: unknown): o is KubeObject {
  if (typeof o !== 'object' || o === null) return false;
  const { kind, metadata } = o as { kind?: unknown; metadata?: { name?: unknown } | null };
  return typeof kind === 'string' && typeof metadata?.name === 'string';
}

/**
 * The Kubernetes objects of a previous output below `root` (e.g. `clusters/homelab`), with their
 * files. Missing folder → none. Generated `kustomization.yaml` files are not objects of the cluster.
 */
export function readOutputObjects(dir: string, root: string): PlacedObject[] {
  const base = join(dir, root);
  const out: PlacedObject[] = [];
  for (const rel of filesBelow(base)) {
    if (!rel.endsWith('.yaml') || posix.basename(rel) === 'kustomization.yaml') continue;
    for (const doc of parseAllDocuments(readFileSync(join(base, rel), 'utf8'))) {
      const o: unknown = doc.toJS();
      if (isKubeObject(o)) out.push({ object: o, path: posix.join(root, rel) });
    }
  }
  return out;
}

/** Thrown when a synth would drop stateful objects and the operator did not confirm it; nothing is written. */
export class DataLossError extends Error {
  constructor(readonly dropped: readonly DroppedState[]) {
    const blocking = dropped.filter((d) => d.confirm);
    super(
      [
        `this output drops ${blocking.length} object(s) that hold state (the previous output has them, the new one does not):`,
        ...dropped.map((d) => `  - ${describeDropped(d)}`),
        'if that is what you want (app disabled, instance renamed, storage mode changed), run the synth again with --allow-data-loss;',
        'otherwise restore the setting that removed them.',
      ].join('\n'),
    );
    this.name = 'DataLossError';
  }
}
