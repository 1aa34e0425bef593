/**
 * Reads YAML the way sops 3.8–3.10 does (gopkg.in/yaml.v3 v3.0.1, `node.Decode(&interface{})`):
 * the `yaml` package parses the syntax with the failsafe schema (every scalar a string, style and
 * tag kept) and the scalars are then typed with yaml.v3's resolution rules (SPEC §4.2), which are
 * neither YAML 1.1 nor strict 1.2: `yes` is a string, `0777` is 511, `2024-01-01` a timestamp.
 */
import { isAlias, isMap, isScalar as isYamlScalar, isSeq, parseAllDocuments, Scalar as YamlScalar, type Document } from 'yaml';
import { SopsError } from './errors.js';
import { yamlTimestamp } from './gotime.js';
import { INT64_MAX, INT64_MIN, type MapNode, type Node, type Scalar } from './tree.js';

const LONG = 'tag:yaml.org,2002:';
const shortTag = (tag: string) => (tag.startsWith(LONG) ? '!!' + tag.slice(LONG.length) : tag);

const BOOL_TRUE = new Set(['true', 'True', 'TRUE']);
const BOOL_FALSE = new Set(['false', 'False', 'FALSE']);
const NULLS = new Set(['', '~', 'null', 'Null', 'NULL']);
const NAN = new Set(['.nan', '.NaN', '.NAN']);
const INF = new Set(['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF']);
const NEG_INF = new Set(['-.inf', '-.Inf', '-.INF']);
const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;

/**
 * Result of yaml.v3 `resolve("", s)`; `uint64` is a sops error. (`<<` resolves as a plain string:
 * its first character has no resolver hint, and sops does not apply merge keys.)
 */
export type Resolved = Scalar | { kind: 'uint64'; src: string };

/** Go `strconv.ParseInt(s, 0, 64)` without underscores: sign, then 0x / 0o / 0b / 0 (octal) / decimal. */
function goParseInt(s: string): bigint | undefined {
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (!m) return undefined;
  const body = m[2]!;
  let v: bigint;
  if (/^0[oO]/.test(body)) v = BigInt('0o' + body.slice(2));
  else if (/^0[0-7]+$/.test(body)) v = BigInt('0o' + body.slice(1));
  else v = BigInt(body.replace(/^0X/, '0x').replace(/^0B/, '0b'));
  return m[1] === '-' ? -v : v;
}

function goParseUint(s: string): bigint | undefined {
  if (s.startsWith('-') || s.startsWith('+')) return undefined;
  const v = goParseInt(s);
  return v !== undefined && v >= 0n && v < 2n ** 64n ? v : undefined;
}

/** yaml.v3 `resolve("", s)` for an untagged plain scalar. */
export function resolvePlain(s: string): Resolved {
  const c = s.length ? s[0]! : '';
  const hint = s === '' ? 'N' : /[+-]/.test(c) ? 'S' : /[0-9]/.test(c) ? 'D' : /[yYnNtTfFoO~]/.test(c) ? 'M' : c === '.' ? '.' : '';
  if (!hint) return { kind: 'str', value: s };
  if (BOOL_TRUE.has(s)) return { kind: 'bool', value: true, src: s };
  if (BOOL_FALSE.has(s)) return { kind: 'bool', value: false, src: s };
  if (NULLS.has(s)) return { kind: 'null', src: s };
  if (NAN.has(s)) return { kind: 'float', value: NaN, src: s };
  if (INF.has(s)) return { kind: 'float', value: Infinity, src: s };
  if (NEG_INF.has(s)) return { kind: 'float', value: -Infinity, src: s };
  if (hint === '.') {
    // strconv.ParseFloat of a string starting with '.': only plain decimal forms succeed.
    if (/^\.[0-9]+([eE][-+]?[0-9]+)?$/.test(s)) return { kind: 'float', value: Number(s), src: s };
    return { kind: 'str', value: s };
  }
  if (hint === 'D' || hint === 'S') {
    const t = yamlTimestamp(s);
    if (t !== undefined) return { kind: 'time', text: t, src: s };
    const plain = s.replaceAll('_', '');
    const i = goParseInt(plain);
    if (i !== undefined && i >= INT64_MIN && i <= INT64_MAX) return { kind: 'int', value: i, src: s };
    if (goParseUint(plain) !== undefined) return { kind: 'uint64', src: s };
    if (YAML_STYLE_FLOAT.test(plain)) return { kind: 'float', value: Number(plain), src: s };
    // "-0b…" / "-0o…" are covered by goParseInt (sign + prefix).
  }
  return { kind: 'str', value: s };
}

/** True when yaml.v3 would read the plain scalar `s` back as exactly the string `s`. */
export function plainIsString(s: string): boolean {
  return resolvePlain(s).kind === 'str';
}

function resolveTagged(tag: string, s: string, where: string): Resolved {
  const t = shortTag(tag);
  switch (t) {
    case '!!str':
      return { kind: 'str', value: s };
    case '!!binary': {
      const bytes = Buffer.from(s.replace(/\s+/g, ''), 'base64');
      const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
      return Buffer.from(text, 'utf8').equals(bytes) ? { kind: 'str', value: text } : { kind: 'bytes', value: new Uint8Array(bytes) };
    }
    case '!!int':
    case '!!float':
    case '!!bool':
    case '!!null':
    case '!!timestamp': {
      let r = resolvePlain(s);
      if (t !== '!!timestamp' && r.kind === 'time') {
        // yaml.v3 only tries timestamps for untagged or !!timestamp scalars.
        const plainText = s.replaceAll('_', '');
        const i = goParseInt(plainText);
        r =
          i !== undefined ? { kind: 'int', value: i, src: s } : YAML_STYLE_FLOAT.test(plainText) ? { kind: 'float', value: Number(plainText), src: s } : { kind: 'str', value: s };
      }
      const want = t.slice(2);
      const got = r.kind === 'time' ? 'timestamp' : r.kind;
      if (got === want) return r;
      if (want === 'float' && r.kind === 'int') return { kind: 'float', value: Number(r.value), src: s };
      throw new SopsError(`YAML: cannot decode ${got === 'str' ? 'a string' : got} as ${t} at ${where}`);
    }
    default:
      // Non-specific `!` and application tags: yaml.v3 keeps the text as a string.
      return { kind: 'str', value: s };
  }
}

interface ReadCtx {
  doc: Document.Parsed;
  aliasBudget: number;
}

function scalarOf(node: YamlScalar, where: string): Resolved {
  const text = typeof node.value === 'string' ? node.value : String(node.value);
  const plain = node.type === 'PLAIN' || node.type === undefined;
  if (node.tag) return resolveTagged(node.tag, text, where);
  if (!plain) return { kind: 'str', value: text };
  return resolvePlain(text);
}

function convert(node: unknown, path: string[], ctx: ReadCtx): Node {
  const where = path.length ? path.join(':') : '(document root)';
  if (node === null || node === undefined) return { kind: 'null' };
  if (isAlias(node)) {
    if (--ctx.aliasBudget < 0) throw new SopsError('YAML: too many alias expansions');
    const target = node.resolve(ctx.doc);
    if (!target) throw new SopsError(`YAML: unknown alias at ${where}`);
    return convert(target, path, ctx);
  }
  if (isMap(node)) {
    const entries: [string, Node][] = [];
    for (const pair of node.items) {
      let keyNode: unknown = pair.key;
      if (isAlias(keyNode)) keyNode = keyNode.resolve(ctx.doc);
      if (!isYamlScalar(keyNode)) throw new SopsError(`Tree contains a non-string key at ${where} (quote the key)`);
      const r = scalarOf(keyNode, where);
      const key = r.kind === 'str' ? r.value : undefined;
      if (key === undefined) throw new SopsError(`Tree contains a non-string key at ${where}: a ${r.kind} key (quote it)`);
      entries.push([key, convert(pair.value, [...path, key], ctx)]);
    }
    return { kind: 'map', entries };
  }
  if (isSeq(node)) return { kind: 'seq', items: node.items.map((it) => convert(it, path, ctx)) };
  if (isYamlScalar(node)) {
    const r = scalarOf(node, where);
    if (r.kind === 'uint64') throw new SopsError(`Cannot walk value, unknown type: uint64 (integer out of int64 range at ${where})`);
    return r;
  }
  throw new SopsError(`YAML: unsupported node at ${where}`);
}

/**
 * Parses every document of a YAML stream into trees. Each non-empty document must be a mapping
 * (sops does not support top-level sequences or scalars). Syntax errors never quote the source.
 */
export function readYamlDocuments(text: string): MapNode[] {
  const docs = parseAllDocuments(text, { schema: 'failsafe', merge: false, uniqueKeys: true, strict: true, prettyErrors: false });
  const list = Array.isArray(docs) ? docs : [];
  const out: MapNode[] = [];
  for (const [i, doc] of list.entries()) {
    const err = doc.errors[0];
    if (err) {
      const pos = err.linePos?.[0];
      const first = err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
      throw new SopsError(`YAML syntax error${pos ? ` at line ${pos.line}, column ${pos.col}` : ''}: ${first}`);
    }
    if (doc.contents === null || (isYamlScalar(doc.contents) && doc.contents.value === '' && !doc.contents.tag)) {
      out.push({ kind: 'map', entries: [] });
      continue;
    }
    const node = convert(doc.contents, [], { doc, aliasBudget: 10_000 });
    if (node.kind !== 'map') throw new SopsError(`YAML document ${i + 1} is not a mapping (sops supports only mappings at the top level)`);
    out.push(node);
  }
  return out;
}
