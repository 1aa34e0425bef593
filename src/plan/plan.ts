import type { KubeObject, PlacedObject } from '../output/model.js';
import { holdsState, isPruneProtected } from '../output/state.js';
import { describeObject, diffObjects, objectKey, type FieldChange } from './diff.js';
import {
  changesJobTemplate,
  changesPodTemplate,
  isAtOrBelow,
  isFluxKustomization,
  isImmutableChange,
  keysChangedBelow,
  kustomizationIndex,
  type OwningKustomization,
} from './flux.js';
import { moveActions, sameKustomization, type Move } from './move.js';

/** One object the new output adds, changes or removes, with what Flux will do about it. */
export interface PlannedChange {
  /** `moved`: its file went from one Flux Kustomization's folder to another's (it may have changed too). */
  readonly status: 'added' | 'changed' | 'moved' | 'removed';
  readonly object: KubeObject;
  /** The file that holds it (the new output's; the previous output's for a removed object). */
  readonly path: string;
  /** The fields that differ (changed and moved objects). */
  readonly fields: readonly FieldChange[];
  /** What Flux does about it, one sentence each. */
  readonly actions: readonly string[];
  /** Why the change loses state or stops workloads; undefined when it does not. */
  readonly destructive?: string;
}

export interface Plan {
  /** Destructive changes first, then added, changed, moved and removed objects, each sorted by kind and name. */
  readonly changes: readonly PlannedChange[];
  readonly unchanged: number;
}

const SECRET_DATA = ['data', 'stringData'];

function removalActions(o: KubeObject, owner: OwningKustomization | undefined): { actions: string[]; destructive?: string } {
  const what = describeObject(o);
  const actions: string[] = [];
  const isKustomization = isFluxKustomization(o);
  // The Kustomizations of the root file are applied by the one that applies the cluster root (not in the output).
  const pruned = owner ? owner.prune : isKustomization;
  if (isPruneProtected(o)) actions.push('prune: disabled on it: Flux leaves it in the cluster, orphaned (no longer applied); its data stays until you delete it');
  else if (!owner && !isKustomization) actions.push('no Kustomization of the previous output applies its file: Flux does nothing; delete it by hand if it was applied');
  else if (pruned)
    actions.push(
      owner
        ? `prune: Flux deletes it (Kustomization \`${owner.name}\` has prune: true)`
        : 'prune: Flux deletes it (the Kustomization that applies the cluster root, flux-system from `flux bootstrap`, prunes by default)',
    );
  else actions.push(`Kustomization \`${owner!.name}\` has prune: false: Flux leaves it in the cluster; delete it by hand`);
  if (isKustomization) {
    const spec = (o as { spec?: { prune?: boolean; deletionPolicy?: string } }).spec ?? {};
    actions.push(
      spec.prune !== true || spec.deletionPolicy === 'Orphan'
        ? 'its objects stay in the cluster (prune off or deletionPolicy: Orphan)'
        : 'deleting it deletes every object it applied (prune: true), except those with prune: disabled',
    );
  }
  if (o.kind === 'StatefulSet') {
    const templates = ((o as { spec?: { volumeClaimTemplates?: { metadata?: { name?: string } }[] } }).spec?.volumeClaimTemplates ?? []).map((t) => t.metadata?.name);
    if (templates.length) actions.push(`the claims of its volumeClaimTemplates (${templates.join(', ')}) are not Flux's objects and stay`);
  }
  let destructive: string | undefined;
  if (holdsState(o)) {
    if (isPruneProtected(o)) destructive = `${what} leaves the output (kept in the cluster, orphaned)`;
    else if (pruned) destructive = `${what} is DELETED${o.kind === 'Namespace' ? ' with every claim in it' : ' with its data'}`;
  }
  return { actions, ...(destructive ? { destructive } : {}) };
}

function changeActions(before: KubeObject, after: KubeObject, fields: readonly FieldChange[], owner: OwningKustomization | undefined): { actions: string[]; destructive?: string } {
  const actions: string[] = [];
  let destructive: string | undefined;
  const what = describeObject(after);
  const immutable = fields.filter((f) => isImmutableChange(before, f));
  if (immutable.length) {
    const paths = [...new Set(immutable.map((f) => `\`${f.path}\``))].join(', ');
    const how = owner?.force
      ? `Flux (Kustomization \`${owner.name}\` has force: true) deletes and recreates it`
      : `Flux's apply fails (field is immutable) and its Kustomization stays not Ready until you delete the ${before.kind} so Flux creates it anew (no force: true in this output)`;
    actions.push(`recreate: ${paths} cannot change on an existing ${before.kind}; ${how}`);
    if (before.kind === 'StatefulSet') destructive = `${what} is recreated: its pods stop and start again (claims of volumeClaimTemplates stay)`;
    if (before.kind === 'PersistentVolumeClaim' || before.kind === 'PersistentVolume')
      destructive = `${what} is recreated: a new claim binds a new, empty volume unless it names the old one`;
  }
  if (changesPodTemplate(after, fields)) {
    const onDelete = (after as { spec?: { updateStrategy?: { type?: string } } }).spec?.updateStrategy?.type === 'OnDelete';
    actions.push(onDelete ? 'pod template changed: pods take it when they are deleted (updateStrategy OnDelete)' : 'roll pods: the pod template changed');
  }
  if (changesJobTemplate(after, fields)) actions.push('the next scheduled run uses the new job template (a running Job is not changed)');
  const replicas = fields.find((f) => f.path === 'spec.replicas');
  if (replicas && typeof replicas.after === 'number') actions.push(`scale to ${replicas.after} replica(s)`);
  if (after.kind === 'Secret') actions.push(...secretActions(before, fields));
  if (actions.length === 0) actions.push('Flux patches it in place');
  return { actions, ...(destructive ? { destructive } : {}) };
}

const keyList = (keys: readonly string[]) => keys.map((k) => `\`${k}\``).join(', ');

/**
 * A Secret by its key names only: the plan reads no plaintext (it runs without a key), so a value
 * counts as changed when its ciphertext did. SOPS keeps an unchanged file's ciphertext, so that is
 * exact unless the whole file got a new data key (then every value has a new ciphertext).
 */
function secretActions(before: KubeObject, fields: readonly FieldChange[]): string[] {
  const keys = keysChangedBelow(fields, SECRET_DATA);
  const parts = [
    ...(keys.changed.length ? [`new ciphertext of ${keyList(keys.changed)}`] : []),
    ...(keys.added.length ? [`adds ${keyList(keys.added)}`] : []),
    ...(keys.removed.length ? [`removes ${keyList(keys.removed)}`] : []),
  ];
  const out: string[] = [];
  if (parts.length) out.push(`rotate the Secret: ${parts.join('; ')} (pods read it when they start)`);
  const recipients = fields.some((f) => isAtOrBelow(f.path, 'sops.age') && (f.path.endsWith('.recipient') || /^sops\.age(\[\d+\])?$/.test(f.path)));
  if (recipients) out.push('encrypted for a different set of age recipients');
  const previousKeys = SECRET_DATA.flatMap((f) => Object.keys((before as Record<string, unknown>)[f] ?? {}));
  const newDataKey = fields.some((f) => /^sops\.age\[\d+\]\.enc$/.test(f.path)) && previousKeys.length > 0 && previousKeys.every((k) => keys.changed.includes(k));
  if (newDataKey) out.push('the file has a new data key, so every value has a new ciphertext whether or not it changed');
  return out;
}

/** An output's version of the Flux Kustomization, if it has one. */
const kustomizationIn = (objects: readonly PlacedObject[], k: OwningKustomization): (KubeObject & { spec?: { prune?: boolean } }) | undefined =>
  objects.find((p) => isFluxKustomization(p.object) && p.object.metadata.name === k.name && (p.object.metadata.namespace ?? '') === k.namespace)?.object;
const hasKustomization = (objects: readonly PlacedObject[], k: OwningKustomization) => kustomizationIn(objects, k) !== undefined;

const order = (a: PlannedChange, b: PlannedChange) => a.object.kind.localeCompare(b.object.kind) || describeObject(a.object).localeCompare(describeObject(b.object));

/** Both parts of an object's plan: a move's and a change's actions, and what is destructive about either. */
function joined(...parts: { actions: string[]; destructive?: string }[]): { actions: string[]; destructive?: string } {
  const destructive = parts.flatMap((p) => (p.destructive ? [p.destructive] : [])).join('; ');
  return { actions: parts.flatMap((p) => p.actions), ...(destructive ? { destructive } : {}) };
}

/**
 * What replacing the `previous` output by `next` does, object by object (matched by API group,
 * kind, namespace and name: a file may move within its Flux Kustomization's folder without
 * anything changing; one that moves to another Kustomization's is a move, which Flux handles with
 * both of them).
 */
export function planChanges(previous: readonly PlacedObject[], next: readonly PlacedObject[]): Plan {
  const before = new Map(previous.map((p) => [objectKey(p.object), p]));
  const after = new Map(next.map((p) => [objectKey(p.object), p]));
  const ownerBefore = kustomizationIndex(previous);
  const ownerAfter = kustomizationIndex(next);
  const changes: PlannedChange[] = [];
  let unchanged = 0;
  for (const [key, n] of after) {
    const p = before.get(key);
    if (!p) {
      changes.push({ status: 'added', object: n.object, path: n.path, fields: [], actions: ['Flux creates it'] });
      continue;
    }
    const fields = diffObjects(p.object, n.object);
    const [from, to] = [ownerBefore(p.path), ownerAfter(n.path)];
    if (!sameKustomization(from, to)) {
      const move: Move = {
        ...(from ? { from } : {}),
        ...(to ? { to } : {}),
        fromStays: !from || hasKustomization(next, from),
        fromPrunesAfter: !!from && kustomizationIn(next, from)?.spec?.prune === true,
        toIsNew: !!to && !hasKustomization(previous, to),
      };
      const changed = fields.length ? [changeActions(p.object, n.object, fields, to)] : [];
      changes.push({ status: 'moved', object: n.object, path: n.path, fields, ...joined(moveActions(p.object, n.object, move), ...changed) });
      continue;
    }
    if (fields.length === 0) {
      unchanged++;
      continue;
    }
    changes.push({ status: 'changed', object: n.object, path: n.path, fields, ...changeActions(p.object, n.object, fields, to) });
  }
  for (const [key, p] of before) {
    if (!after.has(key)) changes.push({ status: 'removed', object: p.object, path: p.path, fields: [], ...removalActions(p.object, ownerBefore(p.path)) });
  }
  const rank = { added: 0, changed: 1, moved: 2, removed: 3 } as const;
  changes.sort((a, b) => Number(!a.destructive) - Number(!b.destructive) || rank[a.status] - rank[b.status] || order(a, b));
  return { changes, unchanged };
}
