/**
 * The `sops:` block (SPEC §5): reading it from a parsed YAML/JSON tree and building it in the
 * field order sops writes (`stores.Metadata`, emitted in struct order by yaml.v3).
 */
import type { AgeEntry } from './age.js';
import { SopsError } from './errors.js';
import { effectiveRule, type SelectionRule } from './selection.js';
import type { MapNode, Node, Scalar } from './tree.js';

/** The sops version this engine writes (3.10 layout: empty key lists omitted). */
export const SOPS_VERSION = '3.10.2';

export interface Metadata {
  readonly age: AgeEntry[];
  readonly lastModified: string;
  readonly mac: string;
  /** The single key rule as written (undefined: none written, sops applies `_unencrypted`). */
  readonly rule: SelectionRule;
  readonly macOnlyEncrypted: boolean;
  /** '' when absent (the sops CLI would refuse such a file; Flux accepts it). */
  readonly version: string;
  /** Non-age master keys (kms, pgp, …) kept verbatim so a rewrap does not drop them. */
  readonly otherKeys: ReadonlyMap<string, Node>;
  /** The file lists empty key types (`kms: []`, sops 3.8/3.9 style). */
  readonly emptyLists: boolean;
  readonly keyGroups: boolean;
}

const KEY_TYPES_BEFORE_AGE = ['kms', 'gcp_kms', 'azure_kv', 'hc_vault'] as const;
const RULE_KEYS = {
  unencrypted_suffix: 'unencryptedSuffix',
  encrypted_suffix: 'encryptedSuffix',
  unencrypted_regex: 'unencryptedRegex',
  encrypted_regex: 'encryptedRegex',
} as const;

/** A scalar's text as Go decodes it into a string field (the source text for non-strings). */
function text(n: Node | undefined, field: string): string {
  if (n === undefined || n.kind === 'null') return '';
  switch (n.kind) {
    case 'str':
      return n.value;
    case 'int':
    case 'float':
    case 'bool':
      return n.src ?? (n.kind === 'int' ? n.value.toString() : String(n.value));
    case 'time':
      return n.src;
    default:
      throw new SopsError(`sops.${field} must be a string`);
  }
}

function isEmptyList(n: Node | undefined): boolean {
  return n === undefined || n.kind === 'null' || (n.kind === 'seq' && n.items.length === 0);
}

function readAge(n: Node | undefined, where: string): AgeEntry[] {
  if (isEmptyList(n)) return [];
  if (n!.kind !== 'seq') throw new SopsError(`${where} must be a list of {recipient, enc}`);
  return n!.items.map((it, i) => {
    if (it.kind !== 'map') throw new SopsError(`${where}[${i}] must be a mapping with recipient and enc`);
    const get = (k: string) => it.entries.find(([key]) => key === k)?.[1];
    const enc = text(get('enc'), 'age.enc');
    if (!enc) throw new SopsError(`${where}[${i}] has no enc`);
    return { recipient: text(get('recipient'), 'age.recipient'), enc };
  });
}

/** Split the `sops` entry off a top-level mapping. */
export function takeMetadata(doc: MapNode): { doc: MapNode; meta: Metadata } {
  const idx = doc.entries.findIndex(([k]) => k === 'sops');
  if (idx < 0) throw new SopsError('sops metadata not found: the file has no top-level `sops` key (is it encrypted?)');
  const node = doc.entries[idx]![1];
  if (node.kind !== 'map') throw new SopsError('sops metadata is not a mapping');
  return { doc: { kind: 'map', entries: doc.entries.filter((_, i) => i !== idx) }, meta: readMetadata(node) };
}

function readMetadata(m: MapNode): Metadata {
  const get = (k: string) => m.entries.find(([key]) => key === k)?.[1];
  for (const k of ['encrypted_comment_regex', 'unencrypted_comment_regex']) {
    if (text(get(k), k) !== '') throw new SopsError(`sops.${k} is not supported (comment rules do not work for Flux-decrypted resources)`);
  }
  let age = readAge(get('age'), 'sops.age');
  let keyGroups = false;
  const groups = get('key_groups');
  if (groups && !isEmptyList(groups)) {
    if (groups.kind !== 'seq') throw new SopsError('sops.key_groups must be a list');
    if (groups.items.length > 1) throw new SopsError('sops.key_groups: Shamir secret sharing (more than one key group) is not supported');
    const g = groups.items[0]!;
    if (g.kind !== 'map') throw new SopsError('sops.key_groups[0] must be a mapping');
    age = readAge(g.entries.find(([k]) => k === 'age')?.[1], 'sops.key_groups[0].age');
    keyGroups = true;
  }
  const rule: Record<string, string> = {};
  for (const [k, f] of Object.entries(RULE_KEYS)) {
    const v = text(get(k), k);
    if (v !== '') rule[f] = v;
  }
  effectiveRule(rule); // more than one → error, like sops' metadata load
  const mo = get('mac_only_encrypted');
  let macOnlyEncrypted = false;
  if (mo && mo.kind !== 'null') {
    if (mo.kind !== 'bool') throw new SopsError('sops.mac_only_encrypted must be a boolean');
    macOnlyEncrypted = mo.value;
  }
  const otherKeys = new Map<string, Node>();
  let emptyLists = false;
  for (const k of [...KEY_TYPES_BEFORE_AGE, 'pgp']) {
    const v = get(k);
    if (v?.kind === 'seq' && v.items.length === 0) emptyLists = true;
    if (!isEmptyList(v)) otherKeys.set(k, v!);
  }
  if (age.length === 0 && otherKeys.size === 0) throw new SopsError('No keys found in file: the sops block lists no age recipient');
  return {
    age,
    lastModified: text(get('lastmodified'), 'lastmodified'),
    mac: text(get('mac'), 'mac'),
    rule,
    macOnlyEncrypted,
    version: text(get('version'), 'version'),
    otherKeys,
    emptyLists,
    keyGroups,
  };
}

const s = (value: string): Scalar => ({ kind: 'str', value });

/** The `sops:` mapping in sops' field order. `rule` is written as is (callers pass the effective rule). */
export function buildMetadata(meta: Metadata): MapNode {
  const e: [string, Node][] = [];
  const emptyList: Node = { kind: 'seq', items: [] };
  for (const k of KEY_TYPES_BEFORE_AGE) {
    const v = meta.otherKeys.get(k);
    if (v) e.push([k, v]);
    else if (meta.emptyLists) e.push([k, emptyList]);
  }
  if (meta.age.length > 0 || meta.emptyLists) {
    e.push([
      'age',
      {
        kind: 'seq',
        items: meta.age.map((a) => ({
          kind: 'map',
          entries: [
            ['recipient', s(a.recipient)],
            ['enc', s(a.enc)],
          ],
        })),
      },
    ]);
  }
  e.push(['lastmodified', s(meta.lastModified)]);
  e.push(['mac', s(meta.mac)]);
  const pgp = meta.otherKeys.get('pgp');
  if (pgp) e.push(['pgp', pgp]);
  else if (meta.emptyLists) e.push(['pgp', emptyList]);
  for (const [k, f] of Object.entries(RULE_KEYS)) {
    const v = meta.rule[f];
    if (v !== undefined && v !== '') e.push([k, s(v)]);
  }
  if (meta.macOnlyEncrypted) e.push(['mac_only_encrypted', { kind: 'bool', value: true }]);
  if (meta.version !== '') e.push(['version', s(meta.version)]);
  return { kind: 'map', entries: e };
}
