import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { formatFloatF, formatFloatYaml, scalarBytes, type MapNode, type Node } from '../../src/sops/tree.js';
import { readYamlDocuments, resolvePlain } from '../../src/sops/yaml-read.js';
import { emitYaml } from '../../src/sops/yaml-write.js';
import { readJson } from '../../src/sops/json-read.js';

const macBytes = (text: string) => {
  const r = resolvePlain(text);
  if (r.kind === 'uint64') return 'uint64';
  return `${r.kind}:${Buffer.from(scalarBytes(r)).toString('utf8')}`;
};

describe('yaml.v3 scalar typing (SPEC §4.2), which decides the MAC bytes of clear values', () => {
  it.each([
    ['true', 'bool:True'],
    ['True', 'bool:True'],
    ['FALSE', 'bool:False'],
    ['yes', 'str:yes'],
    ['on', 'str:on'],
    ['n', 'str:n'],
    ['~', 'null:'],
    ['null', 'null:'],
    ['', 'null:'],
    ['123', 'int:123'],
    ['+5', 'int:5'],
    ['-0', 'int:0'],
    ['1_000', 'int:1000'],
    ['0x1F', 'int:31'],
    ['0o17', 'int:15'],
    ['0b101', 'int:5'],
    ['0777', 'int:511'],
    ['1.5', 'float:1.5'],
    ['1e3', 'float:1000'],
    ['.5', 'float:0.5'],
    ['1.', 'float:1'],
    ['08', 'float:8'],
    ['.inf', 'float:+Inf'],
    ['-.inf', 'float:-Inf'],
    ['.nan', 'float:NaN'],
    ['9223372036854775807', 'int:9223372036854775807'],
    ['9223372036854775808', 'uint64'],
    ['18446744073709551616', 'float:18446744073709552000'],
    ['2024-01-01', 'time:2024-01-01T00:00:00Z'],
    ['2024-1-2T3:04:05Z', 'time:2024-01-02T03:04:05Z'],
    ['2024-01-02 03:04:05.5', 'time:2024-01-02T03:04:05.5Z'],
    ['2024-01-02t03:04:05.120+05:30', 'time:2024-01-02T03:04:05.12+05:30'],
    ['2024-01-01T10:00:00', 'str:2024-01-01T10:00:00'],
    ['2024-02-30', 'str:2024-02-30'],
    ['1:30', 'str:1:30'],
    ['-', 'str:-'],
    ['<<', 'str:<<'],
    ['hello', 'str:hello'],
  ])('%j resolves as %s', (text, expected) => {
    expect(macBytes(text)).toBe(expected);
  });

  it('reads quoted, tagged and block scalars as yaml.v3 does', () => {
    const [doc] = readYamlDocuments('a: "123"\nb: !!str 5\nc: !!float 3\nd: |\n  x\ne: ! 12\nf: \'true\'\n');
    const kinds = doc!.entries.map(([k, v]) => `${k}=${v.kind}`);
    expect(kinds).toEqual(['a=str', 'b=str', 'c=float', 'd=str', 'e=str', 'f=str']);
  });

  it('expands aliases and keeps `<<` as an ordinary key', () => {
    const [doc] = readYamlDocuments('base: &b {x: 1}\nother:\n  <<: *b\n  y: 2\n');
    expect(doc!.entries.map(([k]) => k)).toEqual(['base', 'other']);
    const other = doc!.entries[1]![1] as MapNode;
    expect(other.entries.map(([k]) => k)).toEqual(['<<', 'y']);
  });

  it('rejects non-string keys, out-of-range integers and broken YAML without quoting the source', () => {
    expect(() => readYamlDocuments('80: http\n')).toThrow(/non-string key/);
    expect(() => readYamlDocuments('a: 9223372036854775808\n')).toThrow(/uint64/);
    expect(() => readYamlDocuments('a: [unclosed s3cret\n')).toThrow(/YAML syntax error/);
    try {
      readYamlDocuments('password: "unterminated s3cret\n');
    } catch (e) {
      expect((e as Error).message).not.toContain('s3cret');
    }
    expect(() => readYamlDocuments('- a\n- b\n')).toThrow(/not a mapping/);
  });
});

describe('number formatting like Go strconv', () => {
  it.each([
    [1, '1', '1'],
    [1.5, '1.5', '1.5'],
    [-0, '-0', '-0'],
    [1e21, '1000000000000000000000', '1e+21'],
    [1234567.5, '1234567.5', '1.2345675e+06'],
    [0.00001, '0.00001', '1e-05'],
    [0.0001, '0.0001', '0.0001'],
    [123456.5, '123456.5', '123456.5'],
    [3.14, '3.14', '3.14'],
    [Infinity, '+Inf', '.inf'],
    [NaN, 'NaN', '.nan'],
  ])('%d → %s (FormatFloat f) and %s (yaml.v3)', (v, f, g) => {
    expect(formatFloatF(v)).toBe(f);
    expect(formatFloatYaml(v)).toBe(g);
  });
});

describe('the emitter writes YAML that reads back unchanged', () => {
  const pool = [
    'a',
    'Z',
    '0',
    '9',
    ' ',
    ' ',
    ':',
    '#',
    '-',
    '?',
    "'",
    '"',
    '\\',
    '\t',
    '\n',
    '\r',
    '[',
    ']',
    '{',
    '}',
    ',',
    '&',
    '*',
    '!',
    '|',
    '>',
    '%',
    '@',
    '`',
    'ü',
    '😀',
    '\u00a0',
    '\u0085',
    '\u2028',
    '\ufeff',
    '.',
    '~',
    'e',
    'y',
    'n',
    't',
    'r',
    'u',
  ];
  let seed = 42;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const strings = Array.from({ length: 400 }, () => Array.from({ length: 1 + Math.floor(rand() * 8) }, () => pool[Math.floor(rand() * pool.length)]).join(''));

  it('for 400 random strings full of YAML indicators, with indent 2 and 4, per our yaml.v3 reader and the yaml package', () => {
    for (const indent of [2, 4]) {
      const doc: MapNode = {
        kind: 'map',
        entries: [
          ['values', { kind: 'map', entries: strings.map((s, i) => [`k${i}`, { kind: 'str', value: s }] as [string, Node]) }],
          ['list', { kind: 'seq', items: strings.slice(0, 50).map((s) => ({ kind: 'str', value: s })) }],
          [
            'keys',
            {
              kind: 'map',
              entries: [...new Set(strings.filter((s) => !/[\r\n\u0085\u2028\u2029]/.test(s)))].map((s) => [s, { kind: 'int', value: 1n, src: '1' }] as [string, Node]),
            },
          ],
        ],
      };
      const text = emitYaml(doc, { indent });
      expect(readYamlDocuments(text)).toEqual([doc]);
      const viaLib = parseYaml(text, { schema: 'core' }) as { values: Record<string, string>; list: string[] };
      strings.forEach((s, i) => expect(viaLib.values[`k${i}`]).toBe(s));
      expect(viaLib.list).toEqual(strings.slice(0, 50));
    }
  });

  it('lays out nested sequences and maps like yaml.v3 (sequences indented)', () => {
    const doc = readYamlDocuments('a:\n  - b: 1\n    c: [x, y]\n  - - z\n    - w\n  - []\n  - {}\nd: {}\n')[0]!;
    expect(emitYaml(doc, { indent: 2 })).toBe('a:\n  - b: 1\n    c:\n      - x\n      - "y"\n  - - z\n    - w\n  - []\n  - {}\nd: {}\n');
    expect(emitYaml(doc)).toBe('a:\n    - b: 1\n      c:\n        - x\n        - "y"\n    - - z\n      - w\n    - []\n    - {}\nd: {}\n');
  });
});

describe('the JSON reader', () => {
  it('keeps key order (including integer-like keys) and reads numbers as float64', () => {
    const n = readJson('{"b": 1, "10": 2, "a": [true, null, "x", 1.5e2]}');
    expect(n).toEqual({
      kind: 'map',
      entries: [
        ['b', { kind: 'float', value: 1 }],
        ['10', { kind: 'float', value: 2 }],
        ['a', { kind: 'seq', items: [{ kind: 'bool', value: true }, { kind: 'null' }, { kind: 'str', value: 'x' }, { kind: 'float', value: 150 }] }],
      ],
    });
  });

  it('rejects invalid JSON and duplicate keys', () => {
    expect(() => readJson('{"a": 1,}')).toThrow(/JSON syntax error/);
    expect(() => readJson('{"a": 1, "a": 2}')).toThrow(/duplicate key/);
    expect(() => readJson('{"a": 1} x')).toThrow(/trailing/);
  });
});
