import { posix } from 'node:path';
import type { StackConfig } from '../config/types.js';
import { fluxKustomizations } from '../flux/kustomizations.js';
import { FLUX_KUSTOMIZATION_FILE, type Component } from '../lib/component.js';
import type { KubeObject, PlacedObject } from '../output/model.js';

/** kustomize-controller skips `postBuild` substitution on an object with this annotation. */
const SUBSTITUTE_DISABLED = { 'kustomize.toolkit.fluxcd.io/substitute': 'disabled' } as const;

export interface FluxStageInput {
  /** The components' objects with their files (not the encrypted Secrets: their text is fixed). */
  readonly objects: readonly PlacedObject[];
  /** The files of the SOPS-encrypted Secrets: a folder with one gets decryption. */
  readonly sopsSecretFiles: readonly string[];
}

export interface FluxStageOutput {
  /** One Flux Kustomization per component with one of its own, each in `<root>/<dir>/ks.yaml`. */
  readonly kustomizations: PlacedObject[];
  /** The input objects; with `postBuild` variables, those holding `${` are exempt from substitution. */
  readonly objects: PlacedObject[];
}

/**
 * Stage "flux": the Flux Kustomization of each component folder that has one, written next to its
 * `app/` folder (the one its `path` names), as in the anchors' `<app>/ks.yaml`.
 */
export function fluxStage(cfg: StackConfig, components: readonly Component[], root: string, input: FluxStageInput): FluxStageOutput {
  const withSecrets = new Set(input.sopsSecretFiles.map((p) => posix.dirname(p)));
  const byFolder = new Map<string, KubeObject[]>();
  for (const p of input.objects) byFolder.set(posix.dirname(p.path), [...(byFolder.get(posix.dirname(p.path)) ?? []), p.object]);
  const own = components.filter((c) => c.ownKustomization);
  const flux = fluxKustomizations(
    cfg,
    own.map((component) => {
      const folder = `${root}/${component.manifestDir}`;
      const namespaced = (byFolder.get(folder) ?? []).filter((o) => o.metadata.namespace !== undefined);
      const oneNamespace = namespaced.length > 0 && namespaced.every((o) => o.metadata.namespace === component.namespace);
      return {
        component,
        path: `./${posix.normalize(posix.join(cfg.flux.repoPath, folder))}`,
        hasSopsSecrets: withSecrets.has(folder),
        ...(cfg.flux.targetNamespace && oneNamespace ? { targetNamespace: component.namespace } : {}),
      };
    }),
  );
  const substitutes = Object.keys(cfg.flux.substitute).length > 0 || cfg.flux.substituteFrom.length > 0;
  return {
    kustomizations: flux.map((object, i) => ({ object, path: `${root}/${own[i]!.dir}/${FLUX_KUSTOMIZATION_FILE}` })),
    objects: substitutes ? input.objects.map((p) => (JSON.stringify(p.object).includes('${') ? { ...p, object: exemptFromSubstitution(p.object) } : p)) : [...input.objects],
  };
}

function exemptFromSubstitution(o: KubeObject): KubeObject {
  return { ...o, metadata: { ...o.metadata, annotations: { ...o.metadata.annotations, ...SUBSTITUTE_DISABLED } } };
}
