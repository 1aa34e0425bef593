import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { ApiObject } from 'cdk8s';
import type { StackConfig } from './config/types.js';
import { buildStack, type MediaStack } from './apps/stack.js';
import { fluxKustomizations } from './flux/kustomizations.js';
import { Component, fileNameOf, type SecurityException } from './lib/component.js';
import { uniqueFileName, withKustomizations, type OutputFile } from './output/layout.js';
import type { KubeObject, PlacedObject } from './output/model.js';
import { toYaml, toYamlDocuments } from './output/yaml.js';
import type { SecretRequest } from './secrets/model.js';
import { renderSecrets, type SecretsOutcome } from './output/secrets.js';

export interface SynthOptions {
  readonly config: StackConfig;
  /** Project folder: holds `.sops.yaml` and the operator's secret value files. */
  readonly projectDir: string;
  /** Where the previous output is read from (encrypted Secrets are kept from it). */
  readonly previousDir?: string;
  /** Environment (operator values, SOPS_AGE_KEY_FILE…). @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

export interface SynthResult {
  readonly stack: MediaStack;
  /** Every file of the output tree, sorted by path. */
  readonly files: OutputFile[];
  /** Every object with its file (Secrets as written: encrypted). */
  readonly objects: PlacedObject[];
  readonly secretRequests: SecretRequest[];
  readonly secrets: SecretsOutcome;
  readonly securityExceptions: SecurityException[];
  readonly warnings: string[];
}

/** `clusters/<cluster>` — the root of the manifests in the output. */
export function clusterRoot(cfg: StackConfig): string {
  return `clusters/${cfg.cluster}`;
}

/**
 * config → constructs → plain objects → files, without touching the output folder. Secrets are
 * resolved and encrypted here; the caller writes the files atomically.
 */
export async function synthesize(opts: SynthOptions): Promise<SynthResult> {
  const cfg = opts.config;
  const stack = buildStack(cfg);
  const root = clusterRoot(cfg);
  const placed: PlacedObject[] = [];
  const taken = new Map<string, Set<string>>();
  const secretRequests: SecretRequest[] = [];
  const securityExceptions: SecurityException[] = [];

  for (const component of stack.components) {
    const dir = `${root}/${component.dir}`;
    const names = taken.get(dir) ?? new Set<string>();
    taken.set(dir, names);
    for (const obj of component.node.findAll()) {
      if (!(obj instanceof ApiObject) || Component.of(obj) !== component) continue;
      const json = obj.toJson() as KubeObject;
      const file = uniqueFileName(names, fileNameOf(obj) ?? `${json.kind.toLowerCase()}.yaml`, json.kind, json.metadata.name);
      placed.push({ object: json, path: `${dir}/${file}` });
    }
    for (const s of component.secrets) {
      const file = uniqueFileName(names, s.fileName, 'Secret', s.name);
      secretRequests.push({ name: s.name, namespace: component.namespace, keys: s.keys, path: `${dir}/${file}`, labels: { 'app.kubernetes.io/part-of': 'media-stack' } });
    }
    securityExceptions.push(...component.securityExceptions);
  }

  const secrets = await renderSecrets(cfg, secretRequests, {
    projectDir: opts.projectDir,
    previousDir: opts.previousDir,
    env: opts.env ?? process.env,
    clusterRoot: root,
  });
  placed.push(...secrets.placed);

  const withSecrets = new Set(secrets.placed.filter((p) => p.object.kind === 'Secret').map((p) => posix.dirname(p.path)));
  const flux = fluxKustomizations(
    cfg,
    stack.components.map((component) => ({
      component,
      path: `./${posix.normalize(posix.join(cfg.flux.repoPath, root, component.dir))}`,
      hasSopsSecrets: withSecrets.has(`${root}/${component.dir}`),
    })),
  );
  const fluxFile = `${root}/media-stack.yaml`;
  for (const ks of flux) placed.push({ object: ks, path: fluxFile });

  const files: OutputFile[] = [];
  const byPath = new Map<string, KubeObject[]>();
  for (const p of placed) {
    if (secrets.texts.has(p.path)) continue;
    byPath.set(p.path, [...(byPath.get(p.path) ?? []), p.object]);
  }
  for (const [path, objs] of byPath) {
    files.push({ path, content: objs.length === 1 ? toYaml(objs[0]) : toYamlDocuments(objs) });
  }
  for (const [path, text] of secrets.texts) files.push({ path, content: text });
  const sopsConfig = join(opts.projectDir, '.sops.yaml');
  if (cfg.secrets.backend === 'sops' && existsSync(sopsConfig)) files.push({ path: '.sops.yaml', content: readFileSync(sopsConfig, 'utf8') });

  return {
    stack,
    files: withKustomizations(files, root, { [root]: cfg.flux.extraRootResources }),
    objects: placed,
    secretRequests,
    secrets,
    securityExceptions,
    warnings: [...secrets.warnings],
  };
}
