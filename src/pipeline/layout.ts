import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StackConfig } from '../config/types.js';
import { withKustomizations, type OutputFile } from '../output/layout.js';
import type { KubeObject, PlacedObject } from '../output/model.js';
import { schemaUrlOf, withSchemaHeader } from '../output/schema-header.js';
import { toYaml } from '../output/yaml.js';

export interface LayoutInput {
  /** Every object with its file; objects sharing a file become one multi-document file. */
  readonly objects: readonly PlacedObject[];
  /** Files whose exact text is given (the encrypted Secrets): written as they are, in place of their objects. */
  readonly texts: ReadonlyMap<string, string>;
  /** Other files of the output (docs, the project's .sops.yaml). */
  readonly extra: readonly OutputFile[];
}

/**
 * Stage "layout": the output tree as files, sorted by path, every YAML file starting with its
 * `# yaml-language-server: $schema=` line, and the `kustomization.yaml` files of the per-app
 * layout (see `withKustomizations`; the cluster root lists `flux.extraRootResources` as well).
 */
export function layout(cfg: StackConfig, root: string, input: LayoutInput): OutputFile[] {
  const byPath = new Map<string, KubeObject[]>();
  for (const p of input.objects) {
    if (input.texts.has(p.path)) continue;
    const list = byPath.get(p.path);
    if (list) list.push(p.object);
    else byPath.set(p.path, [p.object]);
  }
  const files: OutputFile[] = [];
  // Each document starts with its schema line (the anchors' multi-document ks.yaml does the same).
  for (const [path, objs] of byPath) files.push({ path, content: objs.map((o, i) => `${i ? '---\n' : ''}${withSchemaHeader(toYaml(o), schemaUrlOf(o))}`).join('') });
  const kindOf = new Map(input.objects.map((p) => [p.path, p.object] as const));
  for (const [path, text] of input.texts) {
    const object = kindOf.get(path);
    // The encrypted Secrets: sops leaves a top-level comment in clear and out of the MAC, so the line is safe to add.
    files.push({ path, content: object && path.endsWith('.yaml') ? withSchemaHeader(text, schemaUrlOf(object)) : text });
  }
  files.push(...input.extra);
  return withKustomizations(files, root, { [root]: cfg.flux.extraRootResources });
}

/** The project's `.sops.yaml`, copied to the output root with the SOPS backend (Flux and sops read it there). */
export function sopsConfigFiles(cfg: StackConfig, projectDir: string): OutputFile[] {
  const sopsConfig = join(projectDir, '.sops.yaml');
  return cfg.secrets.backend === 'sops' && existsSync(sopsConfig) ? [{ path: '.sops.yaml', content: readFileSync(sopsConfig, 'utf8') }] : [];
}
