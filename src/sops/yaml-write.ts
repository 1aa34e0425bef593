/**
 * Writes a tree the way sops 3.9/3.10 does: gopkg.in/yaml.v3 v3.0.1 with `SetIndent(n)` (4 unless
 * `.sops.yaml` says `stores.yaml.indent`), block style, sequences indented, no line wrapping.
 * Scalar styles follow yaml.v3's encoder: a string is written plain only when yaml.v3 would read
 * the plain text back as the same string (so `"2024-01-01"`, `"yes"`, `"0777"`, `"true"`, `""` are
 * double-quoted), libyaml's scalar analysis then demotes plain to single- or double-quoted, and
 * strings with line breaks use a literal block. `readYamlDocuments(emitYaml(t))` gives back `t`.
 */
import { SopsError } from './errors.js';
import { plainIsString } from './yaml-read.js';
import { formatFloatYaml, type MapNode, type Node, type Scalar } from './tree.js';

const BASE60_FLOAT = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/;
const OLD_BOOL = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'on', 'On', 'ON', 'n', 'N', 'no', 'No', 'NO', 'off', 'Off', 'OFF']);

type Style = 'plain' | 'single' | 'double' | 'literal';

const isPrintable = (cp: number) => cp === 0x0a || (cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd && cp !== 0xfeff);
const isBreak = (cp: number | undefined) => cp === 0x0d || cp === 0x0a || cp === 0x85 || cp === 0x2028 || cp === 0x2029;
const isBlank = (cp: number | undefined) => cp === 0x20 || cp === 0x09;

const FIRST_INDICATORS = new Set(Array.from('#,[]{}&*!|>\'"%@`', (c) => c.charCodeAt(0)));
/** Strings of these characters need no analysis: plain is allowed unless they end with ':'. */
const SIMPLE = /^[A-Za-z0-9_][A-Za-z0-9_./+=,:[\]()^$|@%-]*$/;

interface Analysis {
  multiline: boolean;
  blockPlain: boolean;
  single: boolean;
  block: boolean;
}

/** libyaml `yaml_emitter_analyze_scalar` (block context only). */
function analyze(cps: number[]): Analysis {
  if (cps.length === 0) return { multiline: false, blockPlain: true, single: true, block: false };
  let blockInd = false;
  let lineBreaks = false;
  let special = false;
  let tabs = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  let precededByWs = true;
  let prevSpace = false;
  let prevBreak = false;
  if (cps.length >= 3 && ((cps[0] === 0x2d && cps[1] === 0x2d && cps[2] === 0x2d) || (cps[0] === 0x2e && cps[1] === 0x2e && cps[2] === 0x2e))) {
    blockInd = true;
  }
  for (let i = 0; i < cps.length; i++) {
    const c = cps[i]!;
    const last = i === cps.length - 1;
    const followedByWs = last || isBlank(cps[i + 1]);
    if (i === 0) {
      if (FIRST_INDICATORS.has(c)) blockInd = true;
      else if ((c === 0x3f || c === 0x3a || c === 0x2d) && followedByWs) blockInd = true; // ? : -
    } else if (c === 0x3a && followedByWs) blockInd = true;
    else if (c === 0x23 && precededByWs) blockInd = true; // #
    if (c === 0x09) tabs = true;
    else if (!isPrintable(c)) special = true;
    if (c === 0x20) {
      if (i === 0) leadingSpace = true;
      if (last) trailingSpace = true;
      if (prevBreak) breakSpace = true;
      prevSpace = true;
      prevBreak = false;
    } else if (isBreak(c)) {
      lineBreaks = true;
      if (i === 0) leadingBreak = true;
      if (last) trailingBreak = true;
      if (prevSpace) spaceBreak = true;
      prevSpace = false;
      prevBreak = true;
    } else {
      prevSpace = false;
      prevBreak = false;
    }
    precededByWs = isBlank(c) || isBreak(c) || c === 0;
  }
  const a: Analysis = { multiline: lineBreaks, blockPlain: true, single: true, block: true };
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) a.blockPlain = false;
  if (trailingSpace) a.block = false;
  if (breakSpace) a.blockPlain = a.single = false;
  if (spaceBreak || tabs || special) a.blockPlain = a.single = false;
  if (spaceBreak || special) a.block = false;
  if (lineBreaks) a.blockPlain = false;
  if (blockInd) a.blockPlain = false;
  return a;
}

/** yaml.v3 `stringv` + libyaml `select_scalar_style`. */
function stringStyle(s: string, cps: number[], simpleKey: boolean): Style {
  const canUsePlain = plainIsString(s) && !BASE60_FLOAT.test(s) && !OLD_BOOL.has(s);
  let style: Style = s.includes('\n') ? 'literal' : canUsePlain ? 'plain' : 'double';
  const a = SIMPLE.test(s) && !s.endsWith(':') ? { multiline: false, blockPlain: true, single: true, block: true } : analyze(cps);
  if (simpleKey && a.multiline) style = 'double';
  if (style === 'plain') {
    if (!a.blockPlain) style = 'single';
    if (cps.length === 0 && simpleKey) style = 'single';
  }
  if (style === 'single' && !a.single) style = 'double';
  if (style === 'literal' && (!a.block || simpleKey)) style = 'double';
  // \r, NEL, LS and PS are line breaks to yaml.v3 (YAML 1.1) but content to YAML 1.2 readers, and
  // libyaml writes them raw in plain, single-quoted and literal scalars: only the escaped
  // double-quoted form reads back the same everywhere. (yaml.v3 differs here; such strings are rare.)
  if (style !== 'double' && /[\r\u0085\u2028\u2029]/.test(s)) style = 'double';
  return style;
}

const ESC: Record<number, string> = {
  0x00: '0',
  0x07: 'a',
  0x08: 'b',
  0x09: 't',
  0x0a: 'n',
  0x0b: 'v',
  0x0c: 'f',
  0x0d: 'r',
  0x1b: 'e',
  0x22: '"',
  0x5c: '\\',
  0x85: 'N',
  0xa0: '_',
  0x2028: 'L',
  0x2029: 'P',
};

function doubleQuoted(cps: number[]): string {
  const bom = cps[0] === 0xfeff; // libyaml's is_bom() looks at the start of the value for every character
  let out = '"';
  for (const c of cps) {
    if (!isPrintable(c) || bom || isBreak(c) || c === 0x22 || c === 0x5c) {
      const e = ESC[c];
      if (e !== undefined) out += '\\' + e;
      else if (c <= 0xff) out += '\\x' + c.toString(16).toUpperCase().padStart(2, '0');
      else if (c <= 0xffff) out += '\\u' + c.toString(16).toUpperCase().padStart(4, '0');
      else out += '\\U' + c.toString(16).toUpperCase().padStart(8, '0');
    } else out += String.fromCodePoint(c);
  }
  return out + '"';
}

function codePoints(v: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < v.length) {
      out.push(v.codePointAt(i)!);
      i++;
    } else out.push(c);
  }
  return out;
}

export interface EmitOptions {
  /** yaml.v3 indent (sops `stores.yaml.indent`); sops' default is 4. */
  readonly indent?: number;
}

/** Emit one document (a mapping) as sops would, ending with a newline. */
export function emitYaml(doc: MapNode, opts: EmitOptions = {}): string {
  const best = opts.indent ?? 4;
  if (!Number.isInteger(best) || best < 2 || best > 9) throw new SopsError(`YAML indent must be an integer from 2 to 9, got ${best}`);
  const lines: string[] = [];
  const next = (indent: number) => best * Math.floor((indent + best) / best);

  /** Returns the text after `prefix` for a scalar; literal blocks push their body lines. */
  const scalarText = (s: Scalar, contentIndent: number, simpleKey: boolean): { head: string; body?: string[] } => {
    switch (s.kind) {
      case 'null':
        return { head: 'null' };
      case 'bool':
        return { head: s.value ? 'true' : 'false' };
      case 'int':
        return { head: s.value.toString() };
      case 'float':
        // yaml.v3 writes -0.0 as `-0`, which reads back as the int 0 and changes the MAC bytes
        // ("-0" → "0"); `-0.0` stays a float.
        return { head: Object.is(s.value, -0) ? '-0.0' : formatFloatYaml(s.value) };
      case 'time':
        return { head: s.text };
      case 'bytes':
        throw new SopsError('raw bytes can only be stored encrypted (type:bytes), not as a clear YAML value');
      case 'str':
        break;
    }
    const v = s.value;
    const cps = codePoints(v);
    let style = stringStyle(v, cps, simpleKey);
    // A literal block starting with a space or line break needs an indentation indicator, which
    // yaml.v3 gets wrong (it drops a leading line break; its hint is not relative to the parent):
    // such strings are double-quoted instead, which every reader takes back unchanged.
    if (style === 'literal' && (cps[0] === 0x20 || isBreak(cps[0]))) style = 'double';
    switch (style) {
      case 'plain':
        return { head: v };
      case 'single':
        return { head: `'${v.replaceAll("'", "''")}'` };
      case 'double':
        return { head: doubleQuoted(cps) };
      case 'literal': {
        let chomp = '';
        const lastBreak = isBreak(cps[cps.length - 1]);
        if (!lastBreak) chomp = '-';
        else if (cps.length === 1 || isBreak(cps[cps.length - 2])) chomp = '+';
        const body: string[] = [];
        // Split on line breaks exactly as write_literal_scalar does (each break ends a line).
        let cur = '';
        let pendingLine = false;
        for (const c of cps) {
          if (isBreak(c)) {
            body.push(cur === '' && !pendingLine ? '' : ' '.repeat(contentIndent) + cur);
            cur = '';
            pendingLine = false;
          } else {
            cur += String.fromCodePoint(c);
            pendingLine = true;
          }
        }
        if (pendingLine) body.push(' '.repeat(contentIndent) + cur);
        return { head: `|${chomp}`, body };
      }
    }
  };

  const keyText = (k: string): string => {
    if (Buffer.byteLength(k, 'utf8') > 128 || /[\r\n\u0085\u2028\u2029]/.test(k)) {
      throw new SopsError(`mapping key of ${k.length} characters is too long or multi-line for sops-compatible YAML output`);
    }
    return scalarText({ kind: 'str', value: k }, 0, true).head;
  };

  /** Writes `prefix` + value, where prefix is e.g. "  key:" or "- " context. */
  const emitMapEntries = (m: MapNode, indent: number, firstPrefix: string | undefined) => {
    m.entries.forEach(([k, v], idx) => {
      const lead = idx === 0 && firstPrefix !== undefined ? firstPrefix : ' '.repeat(indent);
      emitValue(`${lead}${keyText(k)}:`, v, indent, false);
    });
  };

  const emitSeqItems = (s: { items: Node[] }, indent: number, firstPrefix: string | undefined) => {
    s.items.forEach((item, idx) => {
      const lead = (idx === 0 && firstPrefix !== undefined ? firstPrefix : ' '.repeat(indent)) + '-';
      emitValue(lead, item, indent, true);
    });
  };

  /** `head` ends with ':' (mapping value, owner indent = key indent) or '-' (sequence item). */
  const emitValue = (head: string, v: Node, ownerIndent: number, inSeq: boolean) => {
    const childIndent = inSeq ? ownerIndent + 2 : next(ownerIndent);
    if (v.kind === 'map') {
      if (v.entries.length === 0) lines.push(`${head} {}`);
      else if (inSeq) emitMapEntries(v, childIndent, `${head} `.padEnd(childIndent, ' '));
      else {
        lines.push(head);
        emitMapEntries(v, childIndent, undefined);
      }
      return;
    }
    if (v.kind === 'seq') {
      if (v.items.length === 0) lines.push(`${head} []`);
      else if (inSeq) emitSeqItems(v, childIndent, `${head} `.padEnd(childIndent, ' '));
      else {
        lines.push(head);
        emitSeqItems(v, childIndent, undefined);
      }
      return;
    }
    const t = scalarText(v, childIndent, false);
    lines.push(`${head} ${t.head}`);
    if (t.body) lines.push(...t.body);
  };

  emitMapEntries(doc, 0, undefined);
  return lines.length ? lines.join('\n') + '\n' : '{}\n';
}
