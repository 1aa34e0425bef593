import { stringify } from 'yaml';

/**
 * Deterministic YAML for manifests: block style, no line folding (long strings stay on one line
 * so diffs stay readable), keys in the order the object has them. Written with the YAML 1.1
 * schema so strings such as `off`, `yes` or `2026-01-01` are quoted: Kubernetes and Flux parse
 * with YAML 1.1 rules, where those would become booleans or timestamps.
 */
export function toYaml(obj: unknown): string {
  return stringify(obj, { version: '1.1', lineWidth: 0, minContentWidth: 0, indent: 2, aliasDuplicateObjects: false });
}

/** Several documents in one file, each starting with `---`. */
export function toYamlDocuments(objs: readonly unknown[]): string {
  return objs.map((o) => `---\n${toYaml(o)}`).join('');
}
