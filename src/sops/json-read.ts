/**
 * An order-preserving JSON reader for the sops JSON store. `JSON.parse` would reorder
 * integer-like keys (changing the MAC order), so this walks the text itself. Numbers become
 * float64 as in Go's `json.Decoder.Token()` (a JSON `7` is sops `type:float`).
 */
import { SopsError } from './errors.js';
import type { Node } from './tree.js';

const NUMBER = /-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
// JSON strings exclude the control characters U+0000–U+001F (RFC 8259 §7): the class names them on purpose.
// eslint-disable-next-line no-control-regex
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;

export function readJson(text: string): Node {
  let i = 0;
  const fail = (what: string): never => {
    const before = text.slice(0, i);
    const line = before.split('\n').length;
    throw new SopsError(`JSON syntax error at line ${line}: ${what}`);
  };
  const ws = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const value = (depth: number): Node => {
    if (depth > 1000) fail('nesting too deep');
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const entries: [string, Node][] = [];
      const seen = new Set<string>();
      ws();
      if (text[i] === '}') {
        i++;
        return { kind: 'map', entries };
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected a string key');
        const k = string();
        if (seen.has(k)) fail('duplicate key');
        seen.add(k);
        ws();
        if (text[i] !== ':') fail("expected ':'");
        i++;
        entries.push([k, value(depth + 1)]);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return { kind: 'map', entries };
        }
        fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      i++;
      const items: Node[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return { kind: 'seq', items };
      }
      for (;;) {
        items.push(value(depth + 1));
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return { kind: 'seq', items };
        }
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') return { kind: 'str', value: string() };
    for (const [word, node] of [
      ['true', { kind: 'bool', value: true }],
      ['false', { kind: 'bool', value: false }],
      ['null', { kind: 'null' }],
    ] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return node;
      }
    }
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (!m || m[0] === '') return fail('unexpected character');
    i += m[0].length;
    return { kind: 'float', value: Number(m[0]) };
  };
  const string = (): string => {
    STRING.lastIndex = i;
    const m = STRING.exec(text);
    if (!m) return fail('invalid string');
    i += m[0].length;
    return JSON.parse(m[0]) as string;
  };
  const root = value(0);
  ws();
  if (i !== text.length) fail('trailing characters after the document');
  return root;
}
