import { describe, expect, it } from 'vitest';
import type { KubeObject, PlacedObject } from '../../src/output/model.js';
import { PRUNE_ANNOTATION } from '../../src/output/state.js';
import { planChanges, type PlannedChange } from '../../src/plan/plan.js';
import { docsInputOf } from '../docs/input.js';

/**
 * planChanges() on the objects of a synthesized config, placed as the synth places them, against
 * a previous output in which Sonarr's claim sat in Radarr's folder (as an older layout might
 * have had it), with the Kustomizations' settings varied: which of them may delete it decides
 * whether the move is destructive.
 */
const synthesized = docsInputOf({ cluster: 'lab' }).objects;
const CLAIM = 'config-sonarr';
const IN_RADARR = 'clusters/lab/apps/media/radarr/app/pvc-config-sonarr.yaml';

type Edit = (o: KubeObject, path: string) => PlacedObject;
const edited = (objects: readonly PlacedObject[], edit: Edit): PlacedObject[] => objects.map((p) => edit(structuredClone<KubeObject>(p.object), p.path));
const isClaim = (o: KubeObject) => o.kind === 'PersistentVolumeClaim' && o.metadata.name === CLAIM;
const isKustomization = (o: KubeObject, name: string) => o.kind === 'Kustomization' && o.apiVersion.startsWith('kustomize.toolkit.fluxcd.io/') && o.metadata.name === name;
const withoutProtection = (o: KubeObject): KubeObject => {
  const { [PRUNE_ANNOTATION]: _protection, ...annotations } = o.metadata.annotations ?? {};
  return { ...o, metadata: { ...o.metadata, annotations } };
};
const radarrSpec = (o: KubeObject, spec: Record<string, unknown>): KubeObject => ({ ...o, spec: { ...(o.spec as object), ...spec } });

/** The previous output: the claim in Radarr's folder, unprotected unless `keepProtection`; `radarr` Kustomization's spec patched. */
function previousWith(radarr: Record<string, unknown> = {}, keepProtection = false): PlacedObject[] {
  return edited(synthesized, (o, path) => {
    if (isClaim(o)) return { object: keepProtection ? o : withoutProtection(o), path: IN_RADARR };
    if (isKustomization(o, 'radarr')) return { object: radarrSpec(o, radarr), path };
    return { object: o, path };
  });
}

const claimIn = (changes: readonly PlannedChange[]) => changes.find((c) => isClaim(c.object));

describe('the plan of an object moving between Flux Kustomizations', () => {
  it('the same output twice: nothing moved', () => {
    const plan = planChanges(synthesized, synthesized);
    expect(plan.changes).toEqual([]);
  });

  it('the old Kustomization stays with prune: true: destructive, with the mitigation', () => {
    const c = claimIn(planChanges(previousWith(), synthesized).changes)!;
    expect(c.status).toBe('moved');
    expect(c.destructive).toBe('PersistentVolumeClaim media/config-sonarr may be DELETED with its data (and created anew, empty): it moves to another Kustomization');
    expect(c.actions[1]).toBe(
      '`flux-system/radarr` deletes it if it reconciles this revision before `flux-system/sonarr` applied it (both do, in no fixed order); `flux-system/sonarr` then creates it anew',
    );
    expect(c.actions[2]).toMatch(
      /^to keep it: before Flux reconciles this commit, `kubectl annotate .* persistentvolumeclaim\/config-sonarr kustomize\.toolkit\.fluxcd\.io\/prune=disabled`/,
    );
  });

  it('protection counts as the cluster has it: the previous version, not the new one', () => {
    expect(claimIn(planChanges(previousWith({}, true), synthesized).changes)).toMatchObject({
      status: 'moved',
      actions: [expect.any(String), "prune: disabled on it: `flux-system/radarr`'s garbage collection skips it"],
    });
    expect(claimIn(planChanges(previousWith({}, true), synthesized).changes)?.destructive).toBeUndefined();
    // Protected only from now on: the old Kustomization may still delete it before the new one applies the annotation.
    expect(claimIn(planChanges(previousWith(), synthesized).changes)?.destructive).toBeDefined();
  });

  it('the old Kustomization with prune: false before and after leaves it alone; turned on in the same commit, it may not', () => {
    const pruneOff = (objects: readonly PlacedObject[]) => edited(objects, (o, path) => ({ object: isKustomization(o, 'radarr') ? radarrSpec(o, { prune: false }) : o, path }));
    const c = claimIn(planChanges(previousWith({ prune: false }), pruneOff(synthesized)).changes)!;
    expect(c.actions[1]).toBe('`flux-system/radarr` has prune: false: it leaves it alone');
    expect(c.destructive).toBeUndefined();
    // The new output turns radarr's pruning on: Flux may apply that spec before radarr reconciles the move.
    const turnedOn = claimIn(planChanges(previousWith({ prune: false }), synthesized).changes)!;
    expect(turnedOn.destructive).toMatch(/may be DELETED with its data/);
  });

  it('the old Kustomization leaves the output: its deletion policy decides', () => {
    // The claim's old Kustomization `tv` is not in the new output; Radarr's folder keeps its own.
    const renamed = (spec: Record<string, unknown>) =>
      previousWith().map((p) => {
        if (!isKustomization(p.object, 'radarr')) return p;
        const tv = radarrSpec({ ...p.object, metadata: { ...p.object.metadata, name: 'tv' } }, spec);
        return { object: tv, path: p.path };
      });
    const orphan = claimIn(planChanges(renamed({ deletionPolicy: 'Orphan' }), synthesized).changes)!;
    expect(orphan.actions[1]).toBe('deleting `flux-system/tv` leaves its objects (deletionPolicy Orphan)');
    expect(orphan.destructive).toBeUndefined();
    const mirror = claimIn(planChanges(renamed({ deletionPolicy: 'MirrorPrune', prune: false }), synthesized).changes)!;
    expect(mirror.actions[1]).toBe('deleting `flux-system/tv` leaves its objects (deletionPolicy MirrorPrune, prune: false)');
    const del = claimIn(planChanges(renamed({ deletionPolicy: 'Delete', prune: false }), synthesized).changes)!;
    expect(del.actions[1]).toBe(
      'deleting `flux-system/tv` (it leaves the output; deletionPolicy Delete) deletes it with the rest of what it applied unless `flux-system/sonarr` applied it first; `flux-system/sonarr` then creates it anew',
    );
    expect(del.destructive).toBeDefined();
    // Suspended, a deleted Kustomization deletes nothing, and there is nothing to resume.
    expect(del.actions[2]).toContain('or `flux suspend kustomization tv -n flux-system` before (a suspended Kustomization');
    expect(del.actions[2]).not.toContain('flux resume');
  });

  it('from a file outside every Kustomization: the one applying the cluster root prunes it', () => {
    const previous = edited(synthesized, (o, path) =>
      isClaim(o) ? { object: withoutProtection(o), path: 'clusters/lab/apps/media/pvc-config-sonarr.yaml' } : { object: o, path },
    );
    const c = claimIn(planChanges(previous, synthesized).changes)!;
    expect(c.actions[0]).toBe(
      'moves from the Kustomization that applies the cluster root (yours, not in this output) to Kustomization `flux-system/sonarr`, which takes it over when it applies it',
    );
    expect(c.destructive).toBeDefined();
    // The root cannot be suspended: it creates the new Kustomizations.
    expect(c.actions[2]).not.toContain('flux suspend');
  });

  it('an object without state that may be deleted is not destructive, but says how to keep it', () => {
    const previous = edited(synthesized, (o, path) =>
      o.kind === 'StatefulSet' && o.metadata.name === 'sonarr' ? { object: o, path: 'clusters/lab/apps/media/radarr/app/statefulset-sonarr.yaml' } : { object: o, path },
    );
    const sts = planChanges(previous, synthesized).changes.find((c) => c.object.kind === 'StatefulSet')!;
    expect(sts.status).toBe('moved');
    expect(sts.destructive).toBeUndefined();
    expect(sts.actions[2]).toContain('`kubectl annotate --field-manager=flux-client-side-apply -n media statefulset.apps/sonarr kustomize.toolkit.fluxcd.io/prune=disabled`');
    // Not protected by the new output either: the annotation set by hand goes again once the new Kustomization has it.
    expect(sts.actions[2]).toContain(
      'and once `flux tree kustomization sonarr -n flux-system` lists it, `kubectl annotate --field-manager=flux-client-side-apply -n media statefulset.apps/sonarr kustomize.toolkit.fluxcd.io/prune-`',
    );
  });
});
