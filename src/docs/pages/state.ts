import { holdsState, isPruneProtected, PRUNE_ANNOTATION } from '../../output/state.js';
import type { Facts } from '../facts.js';
import { c, Md } from '../md.js';
import type { RunbookPage } from '../page.js';

// ─── state ──────────────────────────────────────────────────────────────────────────────────

const STATE_PAGE = 'docs/state.md';
const STATE_TITLE = 'Deleting state on purpose';

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
    stateful.map((p) => [
      p.object.kind,
      c(`${p.object.metadata.namespace ? `${p.object.metadata.namespace}/` : ''}${p.object.metadata.name}`),
      c(p.path),
      isPruneProtected(p.object) ? 'disabled' : '**enabled**',
    ]),
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

export const statePage: RunbookPage = { path: STATE_PAGE, title: () => STATE_TITLE, render: state };
