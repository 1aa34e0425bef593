import { SECRET_STORE_DIR } from '../../src/apps/stack.js';
import { APP_FOLDER } from '../../src/lib/component.js';
import { resolveConfig, type StackConfigInput } from '../../src/stack-config.js';
import type { DocsInput } from '../../src/docs/index.js';
import type { PlacedObject } from '../../src/output/model.js';
import { clusterRoot, constructStack } from '../../src/pipeline/construct.js';
import { runbookSections } from '../../src/pipeline/docs.js';
import { fluxStage } from '../../src/pipeline/flux.js';
import { externalSecretObjects } from '../../src/secrets/external-secrets.js';

/**
 * The docs input for a config without resolving secrets: objects placed in their component
 * folders as `synthesize()` does, the Flux Kustomizations, and the Secret requests (no values,
 * no encryption, so no age identity or operator values are needed). With the External Secrets
 * backend, the SecretStores and ExternalSecrets are placed as the synth places them.
 */
export function docsInputOf(input: StackConfigInput = {}): DocsInput {
  const cfg = resolveConfig(input);
  const { stack, placement } = constructStack(cfg);
  const root = clusterRoot(cfg);
  const objects: PlacedObject[] = [...placement.objects];
  const secretRequests = [...placement.secretRequests];
  if (cfg.secrets.backend === 'external-secrets') {
    const i = cfg.secrets.infisical;
    for (const obj of externalSecretObjects(secretRequests, { ...i })) {
      const req = secretRequests.find((r) => r.name === obj.metadata.name && r.namespace === obj.metadata.namespace);
      const path =
        obj.kind === 'SecretStore'
          ? `${root}/apps/${obj.metadata.namespace}/${SECRET_STORE_DIR}/${APP_FOLDER}/secretstore.yaml`
          : req!.path.replace(/(secret[^/]*)\.sops\.yaml$/, 'external$1.yaml');
      objects.push({ object: obj, path });
    }
  }
  objects.push(...fluxStage(cfg, stack.components, root, { objects: [], sopsSecretFiles: cfg.secrets.backend === 'sops' ? secretRequests.map((r) => r.path) : [] }).kustomizations);
  return { stack, objects, secretRequests, runbookSections: runbookSections() };
}
