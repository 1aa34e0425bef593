import { posix } from 'node:path';
import { toYaml } from './yaml.js';

/** A file of the output tree: path relative to the output root, and its exact bytes. */
export interface OutputFile {
  readonly path: string;
  readonly content: string;
}

/**
 * Adds a `kustomization.yaml` to every folder below `root` that holds manifests or folders,
 * listing exactly the manifest files (`*.yaml`) of that folder, sorted. `extra` adds entries
 * for one folder (e.g. the cluster root's bootstrap folder).
 */
export function withKustomizations(files: readonly OutputFile[], root: string, extra: Readonly<Record<string, readonly string[]>> = {}): OutputFile[] {
  const byDir = new Map<string, string[]>();
  const ensure = (dir: string) => {
    if (!byDir.has(dir)) byDir.set(dir, []);
    return byDir.get(dir)!;
  };
  for (const f of files) {
    if (!f.path.startsWith(`${root}/`)) continue;
    const dir = posix.dirname(f.path);
    if (f.path.endsWith('.yaml') && posix.basename(f.path) !== 'kustomization.yaml') ensure(dir).push(posix.basename(f.path));
    // every ancestor folder up to the root gets a kustomization.yaml too
    for (let d = posix.dirname(dir); d.length >= root.length && d.startsWith(root); d = posix.dirname(d)) {
      ensure(d);
      if (d === root) break;
    }
  }
  ensure(root);
  const out = [...files];
  for (const [dir, names] of [...byDir.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    if (files.some((f) => f.path === `${dir}/kustomization.yaml`)) throw new Error(`${dir}/kustomization.yaml is generated; no object may use that name`);
    const resources = [...names.sort(), ...(extra[dir] ?? [])];
    out.push({
      path: `${dir}/kustomization.yaml`,
      content: toYaml({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources }),
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
