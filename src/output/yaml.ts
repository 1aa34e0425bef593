/**
 * Deterministic YAML for plain manifests (JSON data: maps, lists, strings, numbers, booleans,
 * null), in the block style kubectl and the `yaml` package write. It is our own small emitter
 * because the `yaml` package costs about 0.6 ms per object, which dominated large synths.
 *
 * Strings are written plain only when both YAML 1.1 (Kubernetes, Flux) and YAML 1.2 read them back
 * as the same string; otherwise double-quoted (JSON escapes are valid YAML), and multi-line text
 * as a literal block. Keys keep the object's order. test/output/yaml.test.ts round-trips every
 * object of the example stacks and a set of tricky strings through both YAML versions.
 */

/** Words YAML 1.1 or 1.2 read as booleans or null. */
const RESERVED = /^(?:y|yes|n|no|true|false|on|off|null|~|=|<<)$/i;
/** A plain scalar that is certainly a string: no indicator first, no ": " or " #", no number-like start. */
const PLAIN = /^[A-Za-z_/$(.][A-Za-z0-9 _./@$()+=~^,;:#<>-]*$/;

/** A command-line option such as `-c` or `--addr`: a dash that no space or digit follows. */
const OPTION = /^-+[A-Za-z_][A-Za-z0-9 _./@$()+=~^,;:#<>-]*$/;

/** A number with a unit (`128Mi`, `500m`, `10Gi`): letters only after the digits, never a number in YAML. */
const UNIT = /^[0-9]+(?:\.[0-9]+)?[A-Za-z]+$/;

function isPlainSafe(s: string): boolean {
  return (
    (PLAIN.test(s) || OPTION.test(s) || UNIT.test(s)) &&
    !RESERVED.test(s) &&
    !s.endsWith(' ') &&
    !s.endsWith(':') &&
    !s.includes(': ') &&
    !s.includes(' #') &&
    // flow indicators and quotes are harmless inside a block plain scalar, but keep them
    // quoted for readability and for readers that are stricter than the spec
    !/[[\]{}"'`|>*&!%?]/.test(s) &&
    !/^(?:\.inf|\.nan)$/i.test(s) &&
    !/^\.[0-9]/.test(s)
  );
}

/** Double-quoted scalar (JSON escapes are YAML escapes). */
const quoted = (s: string): string => JSON.stringify(s);

function key(k: string): string {
  return isPlainSafe(k) ? k : quoted(k);
}

/** A literal block for multi-line text, or undefined when the text cannot be one safely. */
function literalBlock(s: string, indent: number): string | undefined {
  if (!s.includes('\n') || /[\r\t\u0085\u2028\u2029]/.test(s) || s.startsWith(' ') || s.startsWith('\n')) return undefined;
  const body = s.replace(/\n+$/, '');
  const trailing = s.length - body.length;
  const lines = body.split('\n');
  // whitespace-only lines would change meaning under the block's indentation
  if (lines.some((l) => l.length > 0 && l.trim() === '')) return undefined;
  const chomp = trailing === 0 ? '-' : trailing === 1 ? '' : '+';
  const pad = ' '.repeat(indent);
  const extra = trailing > 1 ? '\n'.repeat(trailing - 1) : '';
  return `|${chomp}\n${lines.map((l) => (l.length ? pad + l : '')).join('\n')}\n${extra}`;
}

function scalar(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`cannot write ${v} to YAML`);
    return Object.is(v, -0) ? '-0.0' : String(v);
  }
  if (typeof v === 'string') return isPlainSafe(v) ? v : quoted(v);
  throw new Error(`cannot write a ${typeof v} to YAML`);
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The text after `key:` or `- `: inline scalar, block string, or a nested collection. */
function value(v: unknown, indent: number, out: string[], inSequence: boolean): void {
  if (Array.isArray(v)) {
    if (v.length === 0) return void out.push(' []\n');
    out.push('\n');
    return sequence(v, inSequence ? indent : indent + 2, out);
  }
  if (isMap(v)) {
    if (Object.keys(v).length === 0) return void out.push(' {}\n');
    out.push('\n');
    return mapping(v, indent + 2, out);
  }
  if (typeof v === 'string') {
    const block = literalBlock(v, indent + 2);
    if (block) return void out.push(` ${block}`);
  }
  out.push(` ${scalar(v)}\n`);
}

function mapping(m: Record<string, unknown>, indent: number, out: string[], firstInline = false): void {
  let first = true;
  for (const [k, v] of Object.entries(m)) {
    if (v === undefined) continue;
    out.push(first && firstInline ? `${key(k)}:` : `${' '.repeat(indent)}${key(k)}:`);
    value(v, indent, out, false);
    first = false;
  }
}

function sequence(items: readonly unknown[], indent: number, out: string[]): void {
  const pad = ' '.repeat(indent);
  for (const item of items) {
    if (isMap(item) && Object.keys(item).length > 0) {
      out.push(`${pad}- `);
      mapping(item, indent + 2, out, true);
    } else if (Array.isArray(item) && item.length > 0) {
      out.push(`${pad}-`);
      value(item, indent + 2, out, true);
    } else {
      out.push(`${pad}-`);
      value(item, indent, out, true);
    }
  }
}

export function toYaml(obj: unknown): string {
  const out: string[] = [];
  if (isMap(obj) && Object.keys(obj).length > 0) mapping(obj, 0, out);
  else if (Array.isArray(obj) && obj.length > 0) sequence(obj, 0, out);
  else out.push(`${isMap(obj) ? '{}' : Array.isArray(obj) ? '[]' : scalar(obj)}\n`);
  return out.join('');
}

/** Several documents in one file, each starting with `---`. */
export function toYamlDocuments(objs: readonly unknown[]): string {
  return objs.map((o) => `---\n${toYaml(o)}`).join('');
}
