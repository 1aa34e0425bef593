import type { KubeObject } from '../output/model.js';

/** One leaf (or whole subtree) that differs between two versions of an object. */
export interface FieldChange {
  /** JSON path, e.g. `spec.template.spec.containers[name=sonarr].image`. */
  readonly path: string;
  readonly change: 'added' | 'removed' | 'changed';
  readonly before?: unknown;
  readonly after?: unknown;
}

/**
 * An object's identity as the API server sees it: API group (not version: `v1beta1` → `v1` is the
 * same object), kind, namespace and name. Independent of the file the object is written to.
 */
export function objectKey(o: KubeObject): string {
  const group = o.apiVersion.includes('/') ? o.apiVersion.slice(0, o.apiVersion.lastIndexOf('/')) : '';
  return `${group}|${o.kind}|${o.metadata.namespace ?? ''}|${o.metadata.name}`;
}

/** Kind and namespace/name, as the plan names an object. */
export function describeObject(o: KubeObject): string {
  return `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const SIMPLE_KEY = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const member = (path: string, key: string) => (SIMPLE_KEY.test(key) ? (path ? `${path}.${key}` : key) : `${path}[${JSON.stringify(key)}]`);

/** An element's name: `name` (containers, env, volumes, ports…) or `metadata.name` (volumeClaimTemplates). */
function nameOf(e: unknown): string | undefined {
  if (!isPlainObject(e)) return undefined;
  if (typeof e.name === 'string') return e.name;
  const meta = e.metadata;
  return isPlainObject(meta) && typeof meta.name === 'string' ? meta.name : undefined;
}

/** The name of every element when all have distinct names. */
function namesOf(list: readonly unknown[]): string[] | undefined {
  const names = list.map(nameOf);
  if (names.some((n) => n === undefined)) return undefined;
  return new Set(names).size === names.length ? (names as string[]) : undefined;
}

function diffArrays(a: readonly unknown[], b: readonly unknown[], path: string, out: FieldChange[]): void {
  const an = namesOf(a);
  const bn = namesOf(b);
  if (an && bn) {
    // Match named elements by name, so inserting a container or an env var reports just that one.
    for (const [i, n] of an.entries()) {
      const j = bn.indexOf(n);
      const p = `${path}[name=${n}]`;
      if (j < 0) out.push({ path: p, change: 'removed', before: a[i] });
      else diffValues(a[i], b[j], p, out);
    }
    for (const [j, n] of bn.entries()) if (!an.includes(n)) out.push({ path: `${path}[name=${n}]`, change: 'added', after: b[j] });
    return;
  }
  if (a.length === b.length) {
    for (const [i, x] of a.entries()) diffValues(x, b[i], `${path}[${i}]`, out);
    return;
  }
  // Unnamed elements inserted or dropped (a NetworkPolicy's rules, args): which ones, not every shifted index.
  const same = (x: unknown, y: unknown) => JSON.stringify(x) === JSON.stringify(y);
  const unmatched = [...b.keys()];
  for (const [i, x] of a.entries()) {
    const j = unmatched.findIndex((k) => same(x, b[k]));
    if (j >= 0) unmatched.splice(j, 1);
    else out.push({ path: `${path}[${i}]`, change: 'removed', before: x });
  }
  for (const j of unmatched) out.push({ path: `${path}[${j}]`, change: 'added', after: b[j] });
}

function diffValues(a: unknown, b: unknown, path: string, out: FieldChange[]): void {
  if (isPlainObject(a) && isPlainObject(b)) {
    for (const k of Object.keys(a)) {
      if (!(k in b)) out.push({ path: member(path, k), change: 'removed', before: a[k] });
      else diffValues(a[k], b[k], member(path, k), out);
    }
    for (const k of Object.keys(b)) if (!(k in a)) out.push({ path: member(path, k), change: 'added', after: b[k] });
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) return diffArrays(a, b, path, out);
  if (a !== b) out.push({ path, change: 'changed', before: a, after: b });
}

/** Every field that differs between two versions of an object, in document order. */
export function diffObjects(before: KubeObject, after: KubeObject): FieldChange[] {
  const out: FieldChange[] = [];
  diffValues(before, after, '', out);
  return out;
}
