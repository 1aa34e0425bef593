import { posix } from 'node:path';
import { APP_FOLDER, FLUX_KUSTOMIZATION_FILE } from '../lib/component.js';
import { KUSTOMIZE_SCHEMA, withSchemaHeader } from './schema-header.js';
import { toYaml } from './yaml.js';

/** A file of the output tree: path relative to the output root, and its exact bytes. */
export interface OutputFile {
  readonly path: string;
  readonly content: string;
}

/**
 * Adds the `kustomization.yaml` files of the anchors' layout (onedr0p/home-ops) below `root`:
 * - a folder holding `ks.yaml` (an app: its Flux Kustomization next to `app/`) gets none; the
 *   folder above lists `./<app>/ks.yaml`, and each folder inside it (`app/`, what the Flux
 *   Kustomization's `path` names) lists its own manifests;
 * - every other folder (the root, `apps/`, `apps/<namespace>/`, `infrastructure/`) lists its own
 *   manifests (`./namespace.yaml`), then `./<app>/ks.yaml` of each app and `./<folder>` of each
 *   other folder in it, so the root builds everything: one entry point.
 * Entries are sorted within each group; `extra` appends entries for one folder (e.g. the cluster
 * root's bootstrap folder). Every file starts with its schema line.
 */
export function withKustomizations(files: readonly OutputFile[], root: string, extra: Readonly<Record<string, readonly string[]>> = {}): OutputFile[] {
  const own = new Map<string, string[]>();
  const children = new Map<string, Set<string>>();
  const ensure = (dir: string) => {
    if (!own.has(dir)) own.set(dir, []);
    return own.get(dir)!;
  };
  ensure(root);
  for (const f of files) {
    if (!f.path.startsWith(`${root}/`)) continue;
    if (posix.basename(f.path) === 'kustomization.yaml') throw new Error(`${f.path} is generated; no object may use that name`);
    const dir = posix.dirname(f.path);
    if (f.path.endsWith('.yaml')) ensure(dir).push(posix.basename(f.path));
    for (let d = dir; d !== root; d = posix.dirname(d)) {
      const parent = posix.dirname(d);
      ensure(parent);
      if (!children.has(parent)) children.set(parent, new Set());
      children.get(parent)!.add(posix.basename(d));
    }
  }
  const isApp = (dir: string) => (own.get(dir) ?? []).includes(FLUX_KUSTOMIZATION_FILE);
  const out = [...files];
  for (const [dir, names] of own) {
    if (isApp(dir)) {
      if (names.length > 1)
        throw new Error(
          `${dir} holds ${FLUX_KUSTOMIZATION_FILE} and other manifests (${names.filter((n) => n !== FLUX_KUSTOMIZATION_FILE).join(', ')}): they belong in its ${APP_FOLDER}/ folder`,
        );
      continue;
    }
    const inApp = dir !== root && isApp(posix.dirname(dir));
    const sub = [...(children.get(dir) ?? [])].sort();
    const resources = [
      ...[...names].sort().map((n) => `./${n}`),
      ...(inApp ? [] : sub.filter((c) => isApp(`${dir}/${c}`)).map((c) => `./${c}/${FLUX_KUSTOMIZATION_FILE}`)),
      ...(inApp ? [] : sub.filter((c) => !isApp(`${dir}/${c}`)).map((c) => `./${c}`)),
      ...(extra[dir] ?? []),
    ];
    out.push({
      path: `${dir}/kustomization.yaml`,
      content: withSchemaHeader(toYaml({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources }), KUSTOMIZE_SCHEMA),
    });
  }
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

/** Picks unique file names within each folder: the preferred name, else `<kind>-<name>.yaml`. */
export function uniqueFileName(taken: Set<string>, preferred: string, kind: string, name: string): string {
  if (!taken.has(preferred)) {
    taken.add(preferred);
    return preferred;
  }
  const base = preferred.replace(/\.ya?ml$/, '');
  for (let i = 0; ; i++) {
    const candidate = i === 0 ? `${kind.toLowerCase()}-${name}.yaml` : `${base}-${i}.yaml`;
    if (!taken.has(candidate)) {
      taken.add(candidate);
      return candidate;
    }
  }
}
