import { posix } from 'node:path';
import type { StackConfig } from '../config/types.js';
import { fluxKustomizations } from '../flux/kustomizations.js';
import type { Component } from '../lib/component.js';
import type { PlacedObject } from '../output/model.js';

/**
 * Stage "flux": one Flux Kustomization per component folder, all in `<root>/media-stack.yaml`.
 * `sopsSecretFiles` are the files of the SOPS-encrypted Secrets: a folder with one gets decryption.
 */
export function fluxStage(cfg: StackConfig, components: readonly Component[], root: string, sopsSecretFiles: readonly string[]): PlacedObject[] {
  const withSecrets = new Set(sopsSecretFiles.map((p) => posix.dirname(p)));
  const flux = fluxKustomizations(
    cfg,
    components.map((component) => ({
      component,
      path: `./${posix.normalize(posix.join(cfg.flux.repoPath, root, component.dir))}`,
      hasSopsSecrets: withSecrets.has(`${root}/${component.dir}`),
    })),
  );
  return flux.map((object) => ({ object, path: `${root}/media-stack.yaml` }));
}
