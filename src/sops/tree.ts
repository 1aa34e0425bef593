/**
 * The document model shared by the YAML/JSON readers, the emitter, the cipher walk and the MAC:
 * an ordered tree whose scalars carry the Go type sops would see (`sops.TreeBranch` values).
 */
import { SopsError } from './errors.js';

export type Scalar =
  | { readonly kind: 'str'; readonly value: string }
  /** int64; `src` keeps the original text when read from a file. */
  | { readonly kind: 'int'; readonly value: bigint; readonly src?: string }
  | { readonly kind: 'float'; readonly value: number; readonly src?: string }
  | { readonly kind: 'bool'; readonly value: boolean; readonly src?: string }
  | { readonly kind: 'null'; readonly src?: string }
  /** Legacy `type:bytes` values (never produced from YAML by Go sops). */
  | { readonly kind: 'bytes'; readonly value: Uint8Array }
  /** A YAML timestamp (sops 3.10+): `text` is Go's `Time.MarshalText()`, `src` the original. */
  | { readonly kind: 'time'; readonly text: string; readonly src: string };

export interface MapNode {
  readonly kind: 'map';
  readonly entries: [string, Node][];
}
export interface SeqNode {
  readonly kind: 'seq';
  readonly items: Node[];
}
export type Node = Scalar | MapNode | SeqNode;

export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;

/** `strconv.FormatFloat(v, 'f', -1, 64)`: shortest round-trip digits, never an exponent. */
export function formatFloatF(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const { neg, digits, dp } = shortestDigits(v);
  let out: string;
  if (dp <= 0) out = '0.' + '0'.repeat(-dp) + digits;
  else if (dp >= digits.length) out = digits + '0'.repeat(dp - digits.length);
  else out = digits.slice(0, dp) + '.' + digits.slice(dp);
  return (neg ? '-' : '') + out;
}

/** `strconv.FormatFloat(v, 'g', -1, 64)` plus yaml.v3's `.inf`/`-.inf`/`.nan` (how yaml.v3 writes a float64). */
export function formatFloatYaml(v: number): string {
  if (Number.isNaN(v)) return '.nan';
  if (v === Infinity) return '.inf';
  if (v === -Infinity) return '-.inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const { neg, digits, dp } = shortestDigits(v);
  const exp = dp - 1;
  let out: string;
  if (exp < -4 || exp >= 6) {
    const mant = digits.length > 1 ? `${digits.slice(0, 1)}.${digits.slice(1)}` : digits;
    const e = Math.abs(exp);
    out = `${mant}e${exp < 0 ? '-' : '+'}${e < 10 ? '0' : ''}${e}`;
  } else if (dp <= 0) out = '0.' + '0'.repeat(-dp) + digits;
  else if (dp >= digits.length) out = digits + '0'.repeat(dp - digits.length);
  else out = digits.slice(0, dp) + '.' + digits.slice(dp);
  return (neg ? '-' : '') + out;
}

/** Shortest round-trip decimal digits of a finite non-zero number: value = 0.<digits> × 10^dp. */
function shortestDigits(v: number): { neg: boolean; digits: string; dp: number } {
  const neg = v < 0;
  // toExponential() without argument gives as many digits as necessary to be unique (shortest).
  const m = /^(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(Math.abs(v).toExponential());
  if (!m) throw new SopsError(`cannot format float ${String(v)}`);
  const digits = (m[1]! + (m[2] ?? '')).replace(/0+$/, '') || '0';
  return { neg, digits, dp: Number(m[3]) + 1 };
}

/** The bytes sops hashes (and encrypts) for a scalar: `sops.go ToBytes` / `aes/cipher.go Encrypt`. */
export function scalarBytes(s: Scalar): Uint8Array {
  switch (s.kind) {
    case 'str':
      return utf8(s.value);
    case 'int':
      return utf8(s.value.toString());
    case 'float':
      return utf8(formatFloatF(s.value));
    case 'bool':
      return utf8(s.value ? 'True' : 'False');
    case 'bytes':
      return s.value;
    case 'time':
      return utf8(s.text);
    case 'null':
      return new Uint8Array(0);
  }
}

const encoder = new TextEncoder();
const utf8 = (s: string): Uint8Array => encoder.encode(s);

/** A JS value from a caller → tree. `undefined` entries are dropped (as JSON.stringify does). */
export function fromPlain(value: unknown, where: string[] = []): Node {
  const at = () => (where.length ? where.join('.') : '(document)');
  if (value === null) return { kind: 'null' };
  switch (typeof value) {
    case 'string':
      return { kind: 'str', value };
    case 'boolean':
      return { kind: 'bool', value };
    case 'bigint':
      if (value < INT64_MIN || value > INT64_MAX) throw new SopsError(`integer at ${at()} does not fit in int64`);
      return { kind: 'int', value };
    case 'number':
      if (Number.isSafeInteger(value)) return { kind: 'int', value: BigInt(value) };
      return { kind: 'float', value };
    case 'object':
      break;
    default:
      throw new SopsError(`unsupported value of type ${typeof value} at ${at()}`);
  }
  if (value instanceof Uint8Array) return { kind: 'bytes', value };
  if (value instanceof Date) {
    throw new SopsError(`Date at ${at()}: sops 3.8/3.9 cannot read YAML timestamps; pass an ISO string instead`);
  }
  if (Array.isArray(value)) {
    return { kind: 'seq', items: value.map((v, i) => fromPlain(v === undefined ? null : v, [...where, String(i)])) };
  }
  const entries: [string, Node][] = [];
  const source: Iterable<[unknown, unknown]> = value instanceof Map ? value.entries() : Object.entries(value);
  for (const [k, v] of source) {
    if (typeof k !== 'string') throw new SopsError(`non-string key at ${at()} (sops requires string keys)`);
    if (v === undefined) continue;
    entries.push([k, fromPlain(v, [...where, k])]);
  }
  return { kind: 'map', entries };
}

/** Tree → JS values. int → number (bigint beyond 2^53), time → Date, bytes → Uint8Array. */
export function toPlain(n: Node): unknown {
  switch (n.kind) {
    case 'map': {
      const out: Record<string, unknown> = {};
      for (const [k, v] of n.entries) {
        Object.defineProperty(out, k, { value: toPlain(v), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    case 'seq':
      return n.items.map(toPlain);
    case 'str':
      return n.value;
    case 'int':
      return n.value >= BigInt(Number.MIN_SAFE_INTEGER) && n.value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n.value) : n.value;
    case 'float':
      return n.value;
    case 'bool':
      return n.value;
    case 'null':
      return null;
    case 'bytes':
      return n.value;
    case 'time':
      return new Date(n.text);
  }
}
