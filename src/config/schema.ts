/**
 * A small runtime schema for the stack config: every leaf knows how to check a value and how to
 * say what a valid one looks like. Errors name the field path, the bad value and the fix.
 */

export interface ConfigIssue {
  /** Dotted path of the field, e.g. `apps.decypharr.nfsClusterIP`. */
  readonly path: string;
  readonly message: string;
}

export type Check = (value: unknown, path: string) => string | undefined;

export interface Leaf {
  readonly kind: 'leaf';
  readonly check: Check;
  readonly optional: boolean;
}
export interface Node {
  readonly kind: 'node';
  readonly fields: Readonly<Record<string, Schema>>;
  readonly optional: boolean;
}
/** A map with free keys (e.g. node selectors) whose values follow one schema. */
export interface MapOf {
  readonly kind: 'map';
  readonly value: Leaf;
  readonly optional: boolean;
}
export type Schema = Leaf | Node | MapOf;

const show = (v: unknown) => (typeof v === 'string' ? `'${v}'` : JSON.stringify(v));

export const leaf = (check: Check): Leaf => ({ kind: 'leaf', check, optional: false });
export const optional = <T extends Schema>(s: T): T => ({ ...s, optional: true });
export const node = (fields: Record<string, Schema>): Node => ({ kind: 'node', fields, optional: false });
export const mapOf = (value: Leaf): MapOf => ({ kind: 'map', value, optional: false });

export const bool = leaf((v) => (typeof v === 'boolean' ? undefined : `must be true or false, got ${show(v)}`));

export const int = (min: number, max: number) =>
  leaf((v) =>
    typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max
      ? undefined
      : `must be an integer from ${min} to ${max}, got ${show(v)}`,
  );

export const str = (pattern?: RegExp, hint?: string) =>
  leaf((v) => {
    if (typeof v !== 'string' || v.length === 0) return `must be a non-empty string, got ${show(v)}`;
    if (pattern && !pattern.test(v)) return `${show(v)} is not valid: ${hint ?? `must match ${pattern}`}`;
    return undefined;
  });

export const oneOf = (values: readonly string[]) =>
  leaf((v) =>
    typeof v === 'string' && values.includes(v) ? undefined : `must be one of ${values.map(show).join(', ')}, got ${show(v)}`,
  );

export const strList = (item: Leaf) =>
  leaf((v, path) => {
    if (!Array.isArray(v)) return `must be a list, got ${show(v)}`;
    for (let i = 0; i < v.length; i++) {
      const err = item.check(v[i], `${path}[${i}]`);
      if (err) return `item ${i}: ${err}`;
    }
    if (new Set(v).size !== v.length) return `must not repeat an item, got ${show(v)}`;
    return undefined;
  });

/** RFC 1123 label: what Kubernetes accepts in object names and namespaces. */
export const dnsLabel = str(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'use lower-case letters, digits and "-", at most 63 characters, starting and ending alphanumeric');
/** RFC 1123 subdomain. */
export const dnsName = str(
  /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
  'use a lower-case DNS name such as "homelab" or "media.example.com"',
);
export const quantity = str(/^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi|Ti|Pi|k|M|G|T)?$/, 'use a Kubernetes quantity such as "512Mi", "10Gi" or "100m"');
export const storageSize = str(/^[0-9]+(Ki|Mi|Gi|Ti|Pi)$/, 'use a binary size such as "100Mi" or "10Gi"');
export const duration = str(/^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/, 'use a Go duration such as "10m" or "1h"');
export const ipv4 = str(
  /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/,
  'use a dotted IPv4 address such as "10.43.200.49"',
);
export const absPath = str(/^\/[^\0]*$/, 'use an absolute path starting with "/"');
export const labelKey = str(
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/,
  'use a Kubernetes label key such as "gpu" or "node.longhorn.io/storage"',
);
export const labelValue = leaf((v) =>
  typeof v === 'string' && /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/.test(v)
    ? undefined
    : `must be a Kubernetes label value (at most 63 of A-Z a-z 0-9 - _ .), got ${show(v)}`,
);
export const timezone = str(/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$|^UTC$/, 'use an IANA time zone such as "UTC" or "Europe/Berlin"');
export const url = str(/^https?:\/\/[^\s/]+(\/\S*)?$/, 'use an http(s) URL such as "https://app.infisical.com"');

/** Closest known field name, for "did you mean" hints. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestScore) {
      bestScore = d;
      best = c;
    }
  }
  return bestScore <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

/**
 * Merges `input` over `defaults` following `schema`, collecting every issue instead of stopping
 * at the first. Unknown fields are errors (a typo must not silently fall back to a default).
 */
export function mergeChecked(schema: Schema, input: unknown, defaults: unknown, path: string, issues: ConfigIssue[]): unknown {
  if (input === undefined) return defaults;
  const at = path || '(root)';
  if (schema.kind === 'leaf') {
    const err = schema.check(input, at);
    if (err) issues.push({ path: at, message: err });
    return input;
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    issues.push({ path: at, message: `must be an object, got ${show(input)}` });
    return defaults;
  }
  const out: Record<string, unknown> = { ...((defaults as Record<string, unknown>) ?? {}) };
  if (schema.kind === 'map') {
    const result: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(input)) {
      const keyErr = labelKey.check(k, `${path}.${k}`);
      if (keyErr) issues.push({ path: `${path}.${k}`, message: `key ${keyErr}` });
      result[k] = mergeChecked(schema.value, v, undefined, `${path}.${k}`, issues);
    }
    return result;
  }
  for (const [k, v] of Object.entries(input)) {
    const child = schema.fields[k];
    const childPath = path ? `${path}.${k}` : k;
    if (!child) {
      const hint = closest(k, Object.keys(schema.fields));
      issues.push({
        path: childPath,
        message: `unknown field${hint ? `; did you mean '${path ? `${path}.` : ''}${hint}'?` : `; known fields here: ${Object.keys(schema.fields).join(', ')}`}`,
      });
      continue;
    }
    if (v === undefined) continue;
    out[k] = mergeChecked(child, v, out[k], childPath, issues);
  }
  return out;
}
