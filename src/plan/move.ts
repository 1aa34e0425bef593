import type { KubeObject } from '../output/model.js';
import { holdsState, isPruneProtected, PRUNE_ANNOTATION } from '../output/state.js';
import { describeObject } from './diff.js';
import type { OwningKustomization } from './flux.js';

/**
 * An object whose file moved from the folder of one Flux Kustomization to another's (same
 * identity). Both then act on it: the new one applies it, and the old one, whose inventory no longer
 * lists it, deletes it — kustomize-controller (internal/controller/kustomization_controller.go
 * `prune`/`finalize` → `deleteObjects`) deletes a stale object only while its live
 * `kustomize.toolkit.fluxcd.io/name` label still names the old Kustomization, and skips one marked
 * `kustomize.toolkit.fluxcd.io/prune: disabled` or whose Kustomization is suspended. Both
 * Kustomizations reconcile a new revision in no fixed order, so the delete can win.
 * See docs/app-facts-verified.md, "Flux and objects that move between Kustomizations".
 */
export interface Move {
  /** The Kustomization that applied its file in the previous output; undefined: the one applying the cluster root. */
  readonly from?: OwningKustomization;
  /** The Kustomization that applies it now; undefined: the one applying the cluster root. */
  readonly to?: OwningKustomization;
  /** `from` is still in the new output (else Flux deletes it, and its finalizer acts). */
  readonly fromStays: boolean;
  /**
   * `from` has `prune: true` in the new output: the commit may turn pruning on, and Flux may apply
   * the new spec before `from` reconciles. @default false
   */
  readonly fromPrunesAfter?: boolean;
  /** `to` is not in the previous output: Flux has to create it before it can apply anything. */
  readonly toIsNew: boolean;
}

/** Files outside every Kustomization's path: applied by the operator's Kustomization of the cluster root (prune: true in docs/bootstrap.md). */
const ROOT = 'the Kustomization that applies the cluster root (yours, not in this output)';

// With its namespace: a move may keep the name (flux.namespace changed).
const named = (k: OwningKustomization | undefined) => (k ? `\`${k.namespace}/${k.name}\`` : ROOT);

export const sameKustomization = (a: OwningKustomization | undefined, b: OwningKustomization | undefined): boolean => a?.name === b?.name && a?.namespace === b?.namespace;

/** Whether deleting the Kustomization deletes what it applied (kustomize-controller `finalizerShouldDeleteResources`). */
function deletesOnRemoval(k: OwningKustomization): boolean {
  if (k.deletionPolicy === 'Delete' || k.deletionPolicy === 'WaitForTermination') return true;
  return k.deletionPolicy === 'MirrorPrune' && k.prune;
}

/** `kubectl annotate` of the object's prune protection: `=disabled` sets it, `-` removes it. */
function annotateCommand(o: KubeObject, value: '=disabled' | '-'): string {
  const group = o.apiVersion.includes('/') ? `.${o.apiVersion.slice(0, o.apiVersion.lastIndexOf('/'))}` : '';
  const ns = o.metadata.namespace ? ` -n ${o.metadata.namespace}` : '';
  // flux-client-side-apply: the field manager whose fields kustomize-controller's apply keeps (Flux FAQ).
  return `kubectl annotate --field-manager=flux-client-side-apply${ns} ${o.kind.toLowerCase()}${group}/${o.metadata.name} ${PRUNE_ANNOTATION}${value}`;
}

/**
 * What Flux does about a moved object, judged on `before` (the version the cluster has: only its
 * live prune protection counts), and why it is destructive when the old Kustomization may delete
 * an object that holds state.
 */
export function moveActions(before: KubeObject, after: KubeObject, m: Move): { actions: string[]; destructive?: string } {
  const [from, to] = [named(m.from), named(m.to)];
  const kustomization = (k: OwningKustomization | undefined, name: string) => (k ? `Kustomization ${name}` : name);
  const actions = [`moves from ${kustomization(m.from, from)} to ${kustomization(m.to, to)}, which takes it over when it applies it`];
  const deletes = !m.from || (m.fromStays ? m.from.prune || m.fromPrunesAfter === true : deletesOnRemoval(m.from));
  if (!deletes) {
    actions.push(
      m.fromStays
        ? `${from} has prune: false: it leaves it alone`
        : `deleting ${from} leaves its objects (deletionPolicy ${m.from.deletionPolicy}${m.from.deletionPolicy === 'MirrorPrune' ? ', prune: false' : ''})`,
    );
    return { actions };
  }
  if (isPruneProtected(before)) {
    actions.push(`prune: disabled on it: ${m.fromStays ? `${from}'s garbage collection` : `deleting ${from}`} skips it`);
    return { actions };
  }
  const likely = m.toIsNew ? `, likely here: ${to} is new and Flux creates it first` : '';
  actions.push(
    m.fromStays
      ? `${from} deletes it if it reconciles this revision before ${to} applied it (both do, in no fixed order${likely}); ${to} then creates it anew`
      : `deleting ${from} (it leaves the output; deletionPolicy ${m.from!.deletionPolicy}) deletes it with the rest of what it applied unless ${to} applied it first${likely}; ${to} then creates it anew`,
  );
  const applied = m.to ? `\`flux tree kustomization ${m.to.name} -n ${m.to.namespace}\` lists it` : `${to} applied it`;
  // The annotation set by hand goes again, unless the new output protects the object itself.
  const cleanUp = isPruneProtected(after) ? '' : `, and once ${applied}, \`${annotateCommand(before, '-')}\``;
  const suspend = m.from
    ? ` — or \`flux suspend kustomization ${m.from.name} -n ${m.from.namespace}\` before${m.fromStays ? ` and \`flux resume kustomization ${m.from.name} -n ${m.from.namespace}\` once ${applied}` : ''} (a suspended Kustomization neither prunes nor, when deleted, deletes what it applied)`
    : '';
  actions.push(`to keep it: before Flux reconciles this commit, \`${annotateCommand(before, '=disabled')}\` (garbage collection skips it)${cleanUp}${suspend}`);
  if (!holdsState(before)) return { actions };
  return { actions, destructive: `${describeObject(before)} may be DELETED with its data (and created anew, empty): it moves to another Kustomization` };
}
