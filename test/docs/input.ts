import { posix } from 'node:path';
import { ApiObject } from 'cdk8s';
import { buildStack, SECRET_STORE_DIR } from '../../src/apps/stack.js';
import { resolveConfig, type StackConfigInput } from '../../src/config/index.js';
import type { DocsInput } from '../../src/docs/model.js';
import { fluxKustomizations } from '../../src/flux/kustomizations.js';
import { Component, fileNameOf } from '../../src/lib/component.js';
import { uniqueFileName } from '../../src/output/layout.js';
import type { KubeObject, PlacedObject } from '../../src/output/model.js';
import { externalSecretObjects } from '../../src/secrets/external-secrets.js';
import type { SecretRequest } from '../../src/secrets/model.js';

/**
 * The docs input for a config without resolving secrets: objects placed in their component
 * folders as `synthesize()` does, the Flux Kustomizations, and the Secret requests (no values,
 * no encryption, so no age identity or operator values are needed). With the External Secrets
 * backend, the SecretStores and ExternalSecrets are placed as the synth places them.
 */
export function docsInputOf(input: StackConfigInput = {}): DocsInput {
  const cfg = resolveConfig(input);
  const stack = buildStack(cfg);
  const root = `clusters/${cfg.cluster}`;
  const objects: PlacedObject[] = [];
  const secretRequests: SecretRequest[] = [];
  for (const component of stack.components) {
    const dir = `${root}/${component.dir}`;
    const names = new Set<string>();
    for (const obj of component.node.findAll()) {
      if (!(obj instanceof ApiObject) || Component.of(obj) !== component) continue;
      const json = obj.toJson() as KubeObject;
      objects.push({ object: json, path: `${dir}/${uniqueFileName(names, fileNameOf(obj) ?? `${json.kind.toLowerCase()}.yaml`, json.kind, json.metadata.name)}` });
    }
    for (const s of component.secrets) {
      const file = uniqueFileName(names, s.fileName, 'Secret', s.name);
      secretRequests.push({ name: s.name, namespace: component.namespace, keys: s.keys, path: `${dir}/${file}` });
    }
  }
  if (cfg.secrets.backend === 'external-secrets') {
    const i = cfg.secrets.infisical;
    for (const obj of externalSecretObjects(secretRequests, { ...i })) {
      const req = secretRequests.find((r) => r.name === obj.metadata.name && r.namespace === obj.metadata.namespace);
      const path = obj.kind === 'SecretStore' ? `${root}/apps/${obj.metadata.namespace}/${SECRET_STORE_DIR}/secretstore.yaml` : req!.path.replace(/(secret[^/]*)\.sops\.yaml$/, 'external$1.yaml');
      objects.push({ object: obj, path });
    }
  }
  const withSecrets = new Set(secretRequests.map((r) => posix.dirname(r.path)));
  const flux = fluxKustomizations(
    cfg,
    stack.components.map((component) => ({
      component,
      path: `./${posix.normalize(posix.join(cfg.flux.repoPath, root, component.dir))}`,
      hasSopsSecrets: cfg.secrets.backend === 'sops' && withSecrets.has(`${root}/${component.dir}`),
    })),
  );
  for (const ks of flux) objects.push({ object: ks, path: `${root}/media-stack.yaml` });
  return { stack, objects, secretRequests };
}
