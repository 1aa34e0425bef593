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
  /**
   * Given at all, the object replaces the default as a whole (over `ownDefaults`), and every
   * non-optional field without an own default is required: half of a taint must not be
   * completed from the default taint.
   */
  readonly whole?: { readonly ownDefaults: Readonly<Record<string, unknown>>; readonly requiredHints: Readonly<Record<string, string>> };
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
/** A node that, when given, replaces the default whole (see `Node.whole`). */
export const wholeNode = (fields: Record<string, Schema>, ownDefaults: Record<string, unknown> = {}, requiredHints: Record<string, string> = {}): Node => ({
  kind: 'node',
  fields,
  optional: false,
  whole: { ownDefaults, requiredHints },
});
export const mapOf = (value: Leaf): MapOf => ({ kind: 'map', value, optional: false });

export const bool = leaf((v) => (typeof v === 'boolean' ? undefined : `must be true or false, got ${show(v)}`));

export const int = (min: number, max: number) =>
  leaf((v) => (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max ? undefined : `must be an integer from ${min} to ${max}, got ${show(v)}`));

export const str = (pattern?: RegExp, hint?: string) =>
  leaf((v) => {
    if (typeof v !== 'string' || v.length === 0) return `must be a non-empty string, got ${show(v)}`;
    if (pattern && !pattern.test(v)) return `${show(v)} is not valid: ${hint ?? `must match ${pattern}`}`;
    return undefined;
  });

/** A UI login's user name that setup jobs create: 3–64 letters, digits, `.`, `_`, `-` (Profilarr wants at least 3). */
export const loginName = str(/^[A-Za-z0-9._-]{3,64}$/, 'use 3 to 64 letters, digits, ".", "_" or "-", e.g. "admin"');

export const oneOf = (values: readonly string[]) =>
  leaf((v) => (typeof v === 'string' && values.includes(v) ? undefined : `must be one of ${values.map(show).join(', ')}, got ${show(v)}`));

export const strList = (item: Leaf, opts: { readonly maxItems?: number; readonly why?: string } = {}) =>
  leaf((v, path) => {
    if (!Array.isArray(v)) return `must be a list, got ${show(v)}`;
    if (opts.maxItems !== undefined && v.length > opts.maxItems) return `has ${v.length} items, at most ${opts.maxItems} are allowed${opts.why ? ` (${opts.why})` : ''}`;
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
export const dnsName = str(/^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, 'use a lower-case DNS name such as "homelab" or "media.example.com"');
/** Kubernetes quantity: a number with a decimal (m, k, M, G…) or binary (Ki, Mi, Gi…) suffix. */
const QUANTITY = /^([0-9]+(\.[0-9]*)?|\.[0-9]+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;
const SUFFIX_FACTOR: Readonly<Record<string, number>> = {
  '': 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
/** The value of a Kubernetes quantity as a number (bytes, cores…), or undefined if it is none. */
export function quantityValue(q: string): number | undefined {
  const m = QUANTITY.exec(q);
  return m ? Number(m[1]) * SUFFIX_FACTOR[m[3] ?? '']! : undefined;
}
const positiveQuantity = (what: string, example: string, suffixes: RegExp, suffixHint: string) =>
  leaf((v) => {
    if (typeof v !== 'string' || quantityValue(v) === undefined) return `${show(v)} is not valid: use a Kubernetes quantity such as ${example}`;
    if (!suffixes.test(v)) return `${show(v)} is not valid: ${suffixHint}`;
    if (quantityValue(v)! <= 0) return `${show(v)} is not valid: ${what} must be more than 0, e.g. ${example}`;
    return undefined;
  });
/** CPU: cores or millicores ("100m", "0.5", "2"); a binary suffix is a typo. */
export const cpuQuantity = positiveQuantity('a CPU amount', '"100m" or "1"', /^[0-9.]+m?$/, 'CPU is cores ("1", "0.5") or millicores ("100m"), e.g. "250m"');
/** Memory: bytes with a suffix; "m" would be milli-bytes, a classic typo for "Mi". */
export const memoryQuantity = positiveQuantity(
  'a memory amount',
  '"512Mi" or "2Gi"',
  /^[0-9.]+(k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/,
  'memory uses Ki/Mi/Gi (or k/M/G); "m" would mean thousandths of a byte, e.g. "512Mi"',
);
/** A volume size: a positive binary size. */
export const storageSize = positiveQuantity('a volume size', '"100Mi" or "10Gi"', /^[0-9]+(Ki|Mi|Gi|Ti|Pi)$/, 'use a binary size such as "100Mi" or "10Gi"');

const GO_DURATION = /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/;
const DURATION_UNIT_S: Readonly<Record<string, number>> = { ns: 1e-9, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
/** Seconds of a Go duration ("1h30m"), or undefined if it is none. */
function durationSeconds(d: string): number | undefined {
  if (!GO_DURATION.test(d)) return undefined;
  let total = 0;
  for (const m of d.matchAll(/([0-9]+(?:\.[0-9]+)?)(ns|us|µs|ms|s|m|h)/g)) total += Number(m[1]) * DURATION_UNIT_S[m[2]!]!;
  return total;
}
/**
 * A Flux reconcile interval. Flux applies the whole tree every interval, so anything below a
 * minute only adds load on the API server (and 0 is rejected by nothing but means "constantly").
 */
/** `flux.substitute`: Flux's variable names (kustomize-controller: `^[_[:alpha:]][_[:alpha:][:digit:]]*$`) to strings. */
export const fluxSubstitute = leaf((v) => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return `must be a map of variable names to strings, got ${show(v)}`;
  for (const [k, value] of Object.entries(v)) {
    if (!/^[_a-zA-Z][_a-zA-Z0-9]*$/.test(k)) return `${show(k)} is not a valid variable name: use letters, digits and "_", not starting with a digit, e.g. "CLUSTER_DOMAIN"`;
    if (typeof value !== 'string') return `${k} must be a string, got ${show(value)} (quote numbers and booleans)`;
  }
  return undefined;
});

export const fluxInterval = leaf((v) => {
  const s = typeof v === 'string' ? durationSeconds(v) : undefined;
  if (s === undefined) return `${show(v)} is not valid: use a Go duration such as "10m" or "1h"`;
  if (s < 60) return `${show(v)} is too short: Flux re-applies every object each interval; use at least "1m", e.g. "10m" or "1h"`;
  return undefined;
});

/** An IPv4 address as a 32-bit number, or undefined. */
export function ipv4Value(ip: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p, i) => p > 255 || (m[i + 1]!.length > 1 && m[i + 1]!.startsWith('0')))) return undefined;
  return parts.reduce((acc, p) => acc * 256 + p, 0);
}
export const ipv4String = (n: number) => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
export interface Ipv4Cidr {
  readonly base: number;
  readonly prefix: number;
  readonly size: number;
}
/** An IPv4 CIDR, or undefined (also when host bits are set: "10.43.0.1/16" is a typo for 10.43.0.0/16). */
export function parseCidr(c: string): Ipv4Cidr | undefined {
  const m = /^([0-9.]+)\/(\d{1,2})$/.exec(c);
  const base = m ? ipv4Value(m[1]!) : undefined;
  const prefix = m ? Number(m[2]) : NaN;
  if (base === undefined || !(prefix >= 0 && prefix <= 32)) return undefined;
  const size = 2 ** (32 - prefix);
  return base % size === 0 ? { base, prefix, size } : undefined;
}
export const inCidr = (ip: number, c: Ipv4Cidr) => ip >= c.base && ip < c.base + c.size;
export const cidrsOverlap = (a: Ipv4Cidr, b: Ipv4Cidr) => a.base < b.base + b.size && b.base < a.base + a.size;

export const ipv4 = leaf((v) => (typeof v === 'string' && ipv4Value(v) !== undefined ? undefined : `${show(v)} is not valid: use a dotted IPv4 address such as "10.43.0.49"`));
/** Ranges no Service or client can use as a unicast address (RFC 6890). */
const NON_UNICAST: readonly [string, string][] = [
  ['0.0.0.0/8', '"this network" (0.0.0.0 means "any address")'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved (255.255.255.255 is broadcast)'],
];
/** A unicast IPv4 address a client on the LAN can reach. */
export const unicastIpv4 = leaf((v, path) => {
  const err = ipv4.check(v, path);
  if (err) return err;
  const n = ipv4Value(v as string)!;
  const hit = NON_UNICAST.find(([c]) => inCidr(n, parseCidr(c)!));
  return hit ? `${show(v)} is a ${hit[1]} address, not one a client can reach; use a free address of your LAN, e.g. "192.168.1.50"` : undefined;
});
export const cidr = leaf((v) =>
  typeof v === 'string' && parseCidr(v) !== undefined
    ? undefined
    : `${show(v)} is not valid: use an IPv4 CIDR with the host bits zero, such as "10.0.0.0/8" (a single address is "203.0.113.7/32")`,
);

/** An absolute, normalized path (no "..", ".", "//" or trailing "/"). */
export const absPath = leaf((v) => {
  if (typeof v !== 'string' || !v.startsWith('/')) return `${show(v)} is not valid: use an absolute path starting with "/"`;
  if (v.includes('\0')) return `${show(v)} is not valid: contains a NUL character`;
  if (
    v !== '/' &&
    v
      .split('/')
      .slice(1)
      .some((seg) => seg === '' || seg === '.' || seg === '..')
  ) {
    return `${show(v)} is not valid: write the path without "..", "." or repeated/trailing "/" (the path is used as written)`;
  }
  return undefined;
});
/**
 * Host directories a stack pod must never own: "/" itself, the OS, and kubelet's/the container
 * runtime's state. The directory itself and anything below it are refused.
 */
const SYSTEM_TREES = [
  '/bin',
  '/boot',
  '/dev',
  '/etc',
  '/lib',
  '/lib32',
  '/lib64',
  '/libx32',
  '/proc',
  '/root',
  '/run',
  '/sbin',
  '/sys',
  '/usr',
  '/tmp',
  '/var/lib/kubelet',
  '/var/lib/rancher',
  '/var/lib/containerd',
  '/var/lib/docker',
  '/var/lib/longhorn',
  '/var/log',
  '/var/run',
];
/** Directories that are fine as parents but not as the path itself (their other contents would be shadowed or exposed). */
const SYSTEM_PARENTS = ['/', '/home', '/mnt', '/media', '/opt', '/srv', '/var', '/var/lib'];
/** A host directory the stack may own (and, for the DFS mount, mount over). */
export const hostPath = leaf((v, path) => {
  const err = absPath.check(v, path);
  if (err) return err;
  const p = v as string;
  const tree = SYSTEM_TREES.find((t) => p === t || p.startsWith(`${t}/`));
  if (tree || SYSTEM_PARENTS.includes(p)) {
    return `${show(p)} is ${tree ? `inside the system directory ${tree}` : 'a system directory'}; a pod mounting it would expose or shadow the node's own files. Use a dedicated directory such as "/mnt/k8s/media-stack"`;
  }
  return undefined;
});
/** A relative path inside the repository (no "..", not absolute). */
export const repoRelativePath = (example: string) =>
  leaf((v) => {
    if (typeof v !== 'string' || !/^[A-Za-z0-9._/-]+$/.test(v)) return `${show(v)} is not valid: use a relative path such as ${example}`;
    if (v.startsWith('/')) return `${show(v)} is absolute; kustomize resolves entries relative to the cluster folder, use a relative path such as ${example}`;
    if (v.split('/').some((seg) => seg === '..')) {
      return `${show(v)} leaves the output tree through ".."; kustomize refuses files outside the kustomization root, so keep the entry inside it, e.g. ${example}`;
    }
    if (v.split('/').some((seg) => seg === '')) return `${show(v)} is not valid: no empty path segments ("//" or a trailing "/"); e.g. ${example}`;
    return undefined;
  });

export const labelKey = str(
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/,
  'use a Kubernetes label key such as "gpu" or "node.longhorn.io/storage"',
);
export const labelValue = leaf((v) =>
  typeof v === 'string' && /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/.test(v)
    ? undefined
    : `must be a Kubernetes label value (at most 63 of A-Z a-z 0-9 - _ .), got ${show(v)}`,
);

/** Every IANA zone name Node's ICU knows (canonical names; links such as "US/Eastern" are accepted too). */
const TIME_ZONES: readonly string[] = [...Intl.supportedValuesOf('timeZone'), 'UTC', 'Etc/UTC'];
/**
 * An IANA time zone as the apps' `TZ` (a file under /usr/share/zoneinfo, so the case matters):
 * a canonical name, or a link name ICU resolves ("US/Eastern", "Etc/GMT+1").
 */
export const timezone = leaf((v) => {
  if (typeof v !== 'string' || v.length === 0) return `must be a non-empty string, got ${show(v)}`;
  if (TIME_ZONES.includes(v)) return undefined;
  let known: boolean;
  try {
    new Intl.DateTimeFormat('en', { timeZone: v });
    // ICU matches case-insensitively, the zoneinfo files do not: every segment starts as IANA writes it.
    known = /^[A-Z][A-Za-z0-9_+-]*(\/[A-Z0-9][A-Za-z0-9_+-]*)*$/.test(v);
  } catch {
    known = false;
  }
  if (known) return undefined;
  const hint = closest(v, TIME_ZONES);
  return `${show(v)} is not an IANA time zone${hint ? `; did you mean '${hint}'?` : '.'} Use a name such as "UTC" or "Europe/Berlin" (see \`timedatectl list-timezones\`)`;
});
/** An https URL: the Infisical client credentials travel over it. */
export const httpsUrl = str(/^https:\/\/[^\s/]+(\/\S*)?$/, 'use an https URL such as "https://app.infisical.com" (the client secret is sent to it, never over plain http)');

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
  if (schema.kind === 'map') {
    const result: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(input)) {
      const keyErr = labelKey.check(k, `${path}.${k}`);
      if (keyErr) issues.push({ path: `${path}.${k}`, message: `key ${keyErr}` });
      else result[k] = mergeChecked(schema.value, v, undefined, `${path}.${k}`, issues);
    }
    return result;
  }
  const base = schema.whole ? schema.whole.ownDefaults : defaults;
  const out: Record<string, unknown> = { ...((base as Record<string, unknown> | undefined) ?? {}) };
  for (const [k, v] of Object.entries(input)) {
    // Own fields only: `constructor` or `__proto__` are unknown fields, not Object.prototype's.
    const child = Object.hasOwn(schema.fields, k) ? schema.fields[k] : undefined;
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
  if (schema.whole) {
    for (const [k, child] of Object.entries(schema.fields)) {
      if (!child.optional && out[k] === undefined) {
        issues.push({
          path: path ? `${path}.${k}` : k,
          message: `is required when ${at} is given (the default's ${k} is not filled in for you)${schema.whole.requiredHints[k] ? `; ${schema.whole.requiredHints[k]}` : ''}`,
        });
      }
    }
  }
  CONFIG_PATHS.set(out, at);
  return out;
}

const CONFIG_PATHS = new WeakMap<object, string>();
/** The dotted path a section of a merged config was read from (for errors found after validation). */
export function configPathOf(section: object | undefined): string | undefined {
  return section ? CONFIG_PATHS.get(section) : undefined;
}
