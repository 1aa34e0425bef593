import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { loadConfig } from '../../src/stack-config.js';
import { toYaml, toYamlDocuments } from '../../src/output/yaml.js';
import { objectsOf } from '../helpers.js';

/** Reads YAML the way Kubernetes/Flux (YAML 1.1 rules) and a YAML 1.2 reader do. */
const readBack = (text: string): unknown[] => [parse(text, { version: '1.1' }), parse(text, { version: '1.2' })];

const TRICKY = [
  '',
  ' ',
  'off',
  'On',
  'yes',
  'Y',
  'n',
  'NO',
  'true',
  'False',
  'null',
  'Null',
  '~',
  '=',
  '<<',
  '-',
  '- a',
  '? x',
  ': x',
  'a: b',
  'a:',
  'a #b',
  '#c',
  '1',
  '-1',
  '+1',
  '128Mi',
  '1.5Gi',
  '1e',
  '1e3',
  '1E+3',
  '5m',
  '-c',
  '--addr',
  '-.5',
  '--',
  '-1x',
  '0x1F',
  '0o17',
  '017',
  '1e3',
  '1_000',
  '1:20',
  '.5',
  '.inf',
  '-.INF',
  '.NaN',
  '2026-01-01',
  '2026-01-01T00:00:00Z',
  '12:30',
  '@x',
  '`x',
  '*x',
  '&x',
  '!x',
  '|x',
  '>x',
  "'x'",
  '"x"',
  '%x',
  '[a]',
  '{a: b}',
  'a,b',
  'x y',
  ' lead',
  'trail ',
  'tab\there',
  'line1\nline2',
  'line1\nline2\n',
  'line1\nline2\n\n',
  '\nlead',
  '  indented\nx',
  'a\n  b\n',
  'with \\ backslash',
  'unicode é ✓',
  'cr\r\nlf',
  'a\n \nb',
  'a\n\nb',
  '$(PLEX_TOKEN)',
  '["$(PLEX_TOKEN)"]',
  'http://sonarr.media.svc.cluster.local:8989',
  './clusters/homelab',
  'ghcr.io/x/y:1.2.3@sha256:ab',
];

describe('the manifest YAML writer', () => {
  it('reads back every tricky string unchanged as value, key, list item and block text, under YAML 1.1 and 1.2', () => {
    for (const s of TRICKY) {
      const doc = { v: s, [s || 'empty']: 1, list: [s, { k: s }], nested: { deeper: [[s]] } };
      for (const back of readBack(toYaml(doc))) expect(back, JSON.stringify(s)).toEqual(doc);
    }
  });

  it('writes numbers, booleans, null and empty collections as themselves', () => {
    const doc = { a: 1, b: -2.5, c: 0, d: true, e: false, f: null, g: [], h: {}, i: [[], {}], j: 65535 };
    for (const back of readBack(toYaml(doc))) expect(back).toEqual(doc);
    expect(toYaml(doc)).toBe('a: 1\nb: -2.5\nc: 0\nd: true\ne: false\nf: null\ng: []\nh: {}\ni:\n  - []\n  - {}\nj: 65535\n');
  });

  it('uses the kubectl block style: lists under their key, list items as mappings, literal blocks for scripts', () => {
    expect(toYaml({ spec: { containers: [{ name: 'a', command: ['sh', '-c', 'echo 1\necho 2'] }] } })).toBe(
      'spec:\n  containers:\n    - name: a\n      command:\n        - sh\n        - -c\n        - |-\n          echo 1\n          echo 2\n',
    );
  });

  it('round-trips every object of both example stacks, also as one multi-document file', async () => {
    for (const file of ['examples/homelab.ts', 'examples/single-node.ts']) {
      const { objects } = objectsOf(await loadConfig(file));
      expect(objects.length).toBeGreaterThan(40);
      for (const o of objects) for (const back of readBack(toYaml(o))) expect(back, `${o.kind}/${o.metadata.name}`).toEqual(JSON.parse(JSON.stringify(o)));
      const docs = parseAllDocuments(toYamlDocuments(objects), { version: '1.1' }).map((d) => d.toJS() as unknown);
      expect(docs).toEqual(JSON.parse(JSON.stringify(objects)));
    }
  });
});
