/**
 * Whole-file operations: encrypt a plain document to the text sops 3.10 writes, decrypt and verify
 * YAML/JSON files, inspect without keys, and re-wrap the data key (`sops updatekeys`).
 */
import { randomBytes } from 'node:crypto';
import { isAgeRecipient, unwrapDataKey, wrapDataKey, type AgeEntry } from './age.js';
import type { CreationRule } from './config.js';
import { isEncString } from './cipher.js';
import { SopsError } from './errors.js';
import { formatLastModified } from './gotime.js';
import { readJson } from './json-read.js';
import { encryptMac, verifyMac } from './mac.js';
import { buildMetadata, SOPS_VERSION, takeMetadata, type Metadata } from './metadata.js';
import { compileSelector, effectiveRule } from './selection.js';
import { fromPlain, scalarBytes, toPlain, type MapNode, type Node } from './tree.js';
import { decryptDocuments, encryptDocuments } from './walk.js';
import { readYamlDocuments } from './yaml-read.js';
import { emitYaml } from './yaml-write.js';

export interface EncryptOptions {
  /** The encryption time written as `lastmodified` (second precision). Default: now. */
  now?: Date;
  /** YAML indent, as `.sops.yaml` `stores.yaml.indent` (SopsConfig.yamlIndent). Default 4, like sops. */
  indent?: number;
}

function checkRecipients(recipients: readonly string[], what: string): string[] {
  const list = [...new Set(recipients)];
  if (list.length === 0) throw new SopsError(`${what}: no age recipients (add an age: entry to the .sops.yaml creation rule)`);
  for (const r of list) if (!isAgeRecipient(r)) throw new SopsError(`${what}: ${JSON.stringify(r)} is not an X25519 age recipient (age1…)`);
  return list;
}

function wrapAll(dataKey: Uint8Array, recipients: readonly string[]): AgeEntry[] {
  return recipients.map((recipient) => ({ recipient, enc: wrapDataKey(dataKey, recipient) }));
}

/**
 * Equality of two trees as sops sees them (structure, keys, and each leaf's MAC bytes): the guard
 * that an emitted file reads back unchanged. Numbers compare by their Go encoding because yaml.v3
 * writes a float64 1.0 as `1`, which reads back as an int with the same MAC bytes.
 */
function sameTree(a: Node, b: Node): boolean {
  if (a.kind === 'map' || b.kind === 'map') {
    if (a.kind !== 'map' || b.kind !== 'map') return false;
    return a.entries.length === b.entries.length && a.entries.every(([k, v], i) => k === b.entries[i]![0] && sameTree(v, b.entries[i]![1]));
  }
  if (a.kind === 'seq' || b.kind === 'seq') {
    if (a.kind !== 'seq' || b.kind !== 'seq') return false;
    return a.items.length === b.items.length && a.items.every((v, i) => sameTree(v, b.items[i]!));
  }
  const numeric = (k: string) => k === 'int' || k === 'float';
  if (a.kind !== b.kind && !(numeric(a.kind) && numeric(b.kind))) return false;
  return Buffer.from(scalarBytes(a)).equals(Buffer.from(scalarBytes(b)));
}

/**
 * Emit the document (body + `sops` block) and check that the body reads back unchanged with
 * yaml.v3 typing: a wrong quoting decision would silently change a value or break the MAC. The
 * `sops` block (validated recipients, armor, RFC 3339 time, ENC strings) is not re-read.
 */
function emitChecked(body: MapNode, sops: MapNode, indent: number | undefined): string {
  const text = emitYaml({ kind: 'map', entries: [...body.entries, ['sops', sops]] }, { indent });
  const cut = text.startsWith('sops:\n') ? 0 : text.lastIndexOf('\nsops:\n') + 1;
  const back = readYamlDocuments(text.slice(0, cut));
  const backBody: MapNode = back[0] ?? { kind: 'map', entries: [] };
  if ((cut === 0 && body.entries.length > 0) || back.length > 1 || !sameTree(body, backBody)) {
    throw new SopsError('internal error: the emitted YAML does not read back unchanged (please report with the key names involved)');
  }
  return text;
}

/** Encrypt a plain document (key order preserved) to the YAML text sops 3.9/3.10 would write. */
// Async like the other sops operations (decrypt, rewrap), so a refusal is a rejection for every caller.
// eslint-disable-next-line @typescript-eslint/require-await
export async function encryptYaml(plain: Record<string, unknown>, rule: CreationRule, opts: EncryptOptions = {}): Promise<string> {
  // null passes here and is refused below, as a tree that is not a map.
  if (typeof plain !== 'object' || Array.isArray(plain)) throw new SopsError('encryptYaml: the document must be a mapping');
  const tree = fromPlain(plain);
  if (tree.kind !== 'map') throw new SopsError('encryptYaml: the document must be a mapping');
  if (tree.entries.some(([k]) => k === 'sops')) throw new SopsError('the document already has a top-level `sops` key (already encrypted?)');
  const recipients = checkRecipients(rule.age, 'encryptYaml');
  const selection = effectiveRule(rule);
  const selector = compileSelector(selection);
  const macOnlyEncrypted = rule.macOnlyEncrypted === true;
  const dataKey = randomBytes(32);
  try {
    const { docs, mac } = encryptDocuments([tree], dataKey, selector, macOnlyEncrypted);
    const lastModified = formatLastModified(opts.now ?? new Date());
    const meta: Metadata = {
      age: wrapAll(dataKey, recipients),
      lastModified,
      mac: encryptMac(mac, dataKey, lastModified),
      rule: selection,
      macOnlyEncrypted,
      version: SOPS_VERSION,
      otherKeys: new Map(),
      emptyLists: false,
      keyGroups: false,
    };
    return emitChecked(docs[0]!, buildMetadata(meta), opts.indent);
  } finally {
    dataKey.fill(0);
  }
}

interface Opened {
  doc: MapNode;
  meta: Metadata;
  plain: MapNode;
  dataKey: Uint8Array;
}

async function open(doc: MapNode, identities: readonly string[]): Promise<Opened> {
  const { doc: body, meta } = takeMetadata(doc);
  if (meta.lastModified === '') throw new SopsError('sops.lastmodified is missing');
  if (meta.age.length === 0) throw new SopsError('the file has no age recipients (only other key types, which this engine cannot use)');
  const dataKey = await unwrapDataKey(meta.age, identities);
  const selector = compileSelector(meta.rule);
  const { docs, mac } = decryptDocuments([body], dataKey, selector, meta.macOnlyEncrypted);
  verifyMac(meta.mac, mac, dataKey, meta.lastModified);
  return { doc: body, meta, plain: docs[0]!, dataKey };
}

function singleYamlDocument(text: string): MapNode {
  const docs = readYamlDocuments(text);
  if (docs.length === 0) throw new SopsError('sops metadata not found: the file is empty');
  if (docs.length > 1) throw new SopsError(`the file has ${docs.length} YAML documents; multi-document sops files are not supported`);
  return docs[0]!;
}

/** Decrypt + verify MAC. Throws SopsError with a clear message on any tampering / no matching identity. */
export async function decryptYaml(text: string, identities: readonly string[]): Promise<{ plain: Record<string, unknown>; dataKey: Uint8Array }> {
  const o = await open(singleYamlDocument(text), identities);
  return { plain: toPlain(o.plain) as Record<string, unknown>, dataKey: o.dataKey };
}

/** The JSON store (a JSON number is a float64 for sops). */
export async function decryptJson(text: string, identities: readonly string[]): Promise<{ plain: unknown; dataKey: Uint8Array }> {
  const root = readJson(text);
  if (root.kind !== 'map') throw new SopsError('the JSON document is not an object');
  const o = await open(root, identities);
  return { plain: toPlain(o.plain), dataKey: o.dataKey };
}

export interface SopsInspection {
  recipients: string[];
  lastModified: string;
  version: string;
  encryptedRegex?: string;
  macOnlyEncrypted: boolean;
  document: Record<string, unknown>;
}

/** Read without decrypting: metadata, and the document with ENC values left as strings. */
export function inspectSopsYaml(text: string): SopsInspection {
  const { doc, meta } = takeMetadata(singleYamlDocument(text));
  const out: SopsInspection = {
    recipients: meta.age.map((a) => a.recipient),
    lastModified: meta.lastModified,
    version: meta.version,
    macOnlyEncrypted: meta.macOnlyEncrypted,
    document: toPlain(doc) as Record<string, unknown>,
  };
  if (meta.rule.encryptedRegex !== undefined) out.encryptedRegex = meta.rule.encryptedRegex;
  return out;
}

/** The indent of the `sops:` block's first key (how the file was written), if recognisable. */
function detectIndent(text: string): number | undefined {
  const m = /^sops:[ \t]*\r?\n( +)\S/m.exec(text);
  const n = m?.[1]?.length;
  return n !== undefined && n >= 2 && n <= 9 ? n : undefined;
}

/**
 * The comment lines a file starts with (the output's `# yaml-language-server:` schema line). sops
 * keeps them in clear: a top-level comment has no key for `encrypted_regex` to match and never
 * enters the MAC (getsops/sops sops.go `shouldBeEncrypted`, `Encrypt`), so carrying them over
 * changes neither the values nor the MAC. The engine does not model the other comments.
 */
function leadingComments(text: string): string {
  return /^(?:#[^\n]*\n)*/.exec(text)![0];
}

/**
 * Like `sops updatekeys`: re-wrap the same data key to exactly `recipients` (needs an identity that
 * opens the file; the file must decrypt and its MAC verify). Values, MAC, lastmodified, the rule and
 * version are kept; of the comments only the file's leading ones (see `leadingComments`).
 */
export async function rewrapYaml(text: string, identities: readonly string[], recipients: readonly string[], opts: { indent?: number } = {}): Promise<string> {
  const list = checkRecipients(recipients, 'rewrapYaml');
  const parsed = singleYamlDocument(text);
  const o = await open(parsed, identities);
  try {
    if (o.meta.keyGroups) throw new SopsError('the file uses key_groups; re-wrap it with `sops updatekeys`');
    const meta: Metadata = { ...o.meta, age: wrapAll(o.dataKey, list) };
    return leadingComments(text) + emitChecked(o.doc, buildMetadata(meta), opts.indent ?? detectIndent(text));
  } finally {
    o.dataKey.fill(0);
  }
}

/**
 * Like `rewrapYaml`, but with a fresh data key: every value is encrypted anew and the MAC and
 * `lastmodified` are renewed. After removing an identity (a leak, the demo key) the file must not
 * open with the old data key, which that identity can still unwrap from any older copy in Git.
 * Values, their types, the rule and the document structure are kept; of the comments only the
 * file's leading ones.
 */
export async function reencryptYaml(text: string, identities: readonly string[], recipients: readonly string[], opts: EncryptOptions = {}): Promise<string> {
  const list = checkRecipients(recipients, 'reencryptYaml');
  const o = await open(singleYamlDocument(text), identities);
  const dataKey = randomBytes(32);
  try {
    if (o.meta.keyGroups) throw new SopsError('the file uses key_groups; re-encrypt it with `sops rotate`');
    const { docs, mac } = encryptDocuments([o.plain], dataKey, compileSelector(o.meta.rule), o.meta.macOnlyEncrypted);
    const lastModified = formatLastModified(opts.now ?? new Date());
    const meta: Metadata = { ...o.meta, age: wrapAll(dataKey, list), lastModified, mac: encryptMac(mac, dataKey, lastModified) };
    return leadingComments(text) + emitChecked(docs[0]!, buildMetadata(meta), opts.indent ?? detectIndent(text));
  } finally {
    o.dataKey.fill(0);
    dataKey.fill(0);
  }
}

/**
 * Dotted paths of the values a SOPS file holds in clear text (anything but `ENC[…]`, an empty
 * string or null): a file encrypted with a rule whose `encrypted_regex` does not match its keys
 * looks encrypted (valid `sops:` block) but is not. Reads no values into the result.
 */
/** `N value(s) are not encrypted (a, b, …)`: the key paths of `clearTextValuePaths`, never values. */
export function describeClearText(paths: readonly string[]): string {
  return `${paths.length} value(s) are not encrypted (${paths.slice(0, 5).join(', ')}${paths.length > 5 ? ', …' : ''})`;
}

export function clearTextValuePaths(text: string): string[] {
  const out: string[] = [];
  const walk = (v: unknown, at: string) => {
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${at}[${i}]`));
    else if (v !== null && typeof v === 'object' && !(v instanceof Date)) for (const [k, x] of Object.entries(v)) walk(x, at ? `${at}.${k}` : k);
    else if (!(v === null || v === undefined || v === '' || (typeof v === 'string' && isEncString(v)))) out.push(at);
  };
  walk(inspectSopsYaml(text).document, '');
  return out;
}
