/**
 * The decision of the secrets lifecycle as a pure function: what to do with each Secret file and
 * each of its keys, from plain facts (the requests, the creation rules, what the previous files
 * show and whether they could be opened, which operator values exist). No I/O, no crypto, and no
 * value: the facts say "an operator value is present" or "the previous value is public", never
 * the value itself, so a plan can be logged, snapshotted or compared in a table test.
 * `resolve.ts` gathers the facts and executes the plan.
 *
 * | previous file | opened | outcome                                                              |
 * |---------------|--------|----------------------------------------------------------------------|
 * | none          | –      | `create`: generated values are new, operator values are required     |
 * | yes           | yes    | desired document (operator values override, the rest is carried      |
 * |               |        | over) compared with the decrypted one: `keep` if equal and the       |
 * |               |        | creation rule is unchanged, else `re-encrypt`                        |
 * | yes           | no     | `keep` if nothing visible changed (same keys, recipients, rule       |
 * |               |        | settings, clear-text metadata, no operator value supplied); else     |
 * |               |        | `re-encrypt` (with a warning) when no value has to be carried over   |
 * |               |        | from the previous file; else `needs-identity`                        |
 *
 * Leaving the demo: once the creation rule no longer encrypts to the demo recipient, a previous
 * value is never carried over when it is public (the previous file is demo-readable, or its value
 * is a known demo value). A generated one is generated anew; an operator one counts as missing
 * (optional ones are left out with a warning).
 */
import type { CreationRule } from '../sops/config.js';
import { isDemoReadable } from '../sops/demo.js';
import { secretEnvVarName, type SecretRequest } from './model.js';

/** The sops settings a previous file was encrypted with (from its clear-text `sops` block). */
export interface PreviousRuleSettings {
  readonly encryptedRegex?: string;
  readonly unencryptedRegex?: unknown;
  readonly encryptedSuffix?: unknown;
  readonly unencryptedSuffix?: unknown;
  readonly macOnlyEncrypted: boolean;
}

/** Whether the previous file could be decrypted, and what the decrypted document shows (no values). */
export type PreviousOpening =
  | {
      readonly kind: 'opened';
      /**
       * The decrypted document with every `stringData` value blanked (`''` for a string, `null`
       * otherwise) and every unexpected top-level field masked: its shape, key order and metadata.
       */
      readonly outline: Record<string, unknown>;
      /** Keys whose previous value is a known public (demo) value. */
      readonly publicValueKeys: readonly string[];
      /** Keys whose supplied operator value equals the previous value. */
      readonly unchangedSuppliedKeys: readonly string[];
    }
  /** No identity was available to try. */
  | { readonly kind: 'no-identity' }
  /** None of `identities` identities is a recipient of the file. */
  | { readonly kind: 'not-a-recipient'; readonly identities: number }
  /** An identity of one of its recipients is available, yet decrypting failed (corrupted file). */
  | { readonly kind: 'undecryptable'; readonly matchingRecipients: readonly string[]; readonly error: string }
  /** The file is demo-readable and must be opened with the committed demo identity, which failed to load. */
  | { readonly kind: 'demo-identity-unavailable'; readonly error: string };

/** What the previous output holds at a request's path. */
export type PreviousFileFacts =
  | { readonly kind: 'none' }
  /** Not a SOPS file this engine reads; `error` is the parser's message (no value). */
  | { readonly kind: 'unreadable'; readonly error: string }
  | {
      readonly kind: 'sops';
      readonly recipients: readonly string[];
      /** Keys of `stringData`, in order (visible without decrypting). */
      readonly keys: readonly string[];
      /** The document without `sops` and `stringData`; encrypted leaves are `ENC[…]` strings. */
      readonly clearDocument: Record<string, unknown>;
      readonly settings: PreviousRuleSettings;
      readonly opening: PreviousOpening;
    };

/** The facts about one request. */
export interface SecretPlanInput {
  readonly request: SecretRequest;
  /** The `.sops.yaml` rule matching `request.path`. @default - no rule matches */
  readonly rule?: CreationRule;
  /** @default { kind: 'none' } */
  readonly previous?: PreviousFileFacts;
  /** Keys for which an operator source holds a value (the value stays with the executor). @default [] */
  readonly suppliedKeys?: readonly string[];
}

export interface SecretPlanOptions {
  /** Generate every generated value anew (`--regenerate-secrets`, `keys rotate --regenerate`). @default false */
  readonly regenerate?: boolean;
}

/** How one key's value is obtained. */
export type KeyAction =
  /** The operator's value is written. */
  | { readonly key: string; readonly action: 'supply' }
  /** The previous value is carried over. */
  | { readonly key: string; readonly action: 'carry' }
  | { readonly key: string; readonly action: 'generate'; readonly reason: 'new-file' | 'new-key' | 'demo-value' | 'regenerate' }
  /** An optional operator value is left out. */
  | { readonly key: string; readonly action: 'omit'; readonly reason: 'not-supplied' | 'demo-placeholder' }
  /** A required operator value is missing. */
  | { readonly key: string; readonly action: 'missing'; readonly reason: 'not-supplied' | 'demo-placeholder' };

/** What happens to one Secret file. */
export type FileAction =
  /** The previous ciphertext is written again, byte for byte. */
  | { readonly kind: 'keep'; readonly opened: boolean }
  | { readonly kind: 'create' }
  /** Encrypted anew; `opened: false` when every value is known without the previous file. */
  | { readonly kind: 're-encrypt'; readonly opened: boolean; readonly changes: readonly string[] }
  /** Required operator values are missing (listed in the plan's `missing`); nothing is written. */
  | { readonly kind: 'await-values' }
  /** Must be rewritten, but values exist only in the previous file, which cannot be opened. */
  | { readonly kind: 'needs-identity'; readonly problem: string }
  /** Cannot be resolved at all (no rule, no recipients, an unreadable or corrupted previous file). */
  | { readonly kind: 'refuse'; readonly problem: string };

export interface SecretFilePlan {
  readonly request: SecretRequest;
  /** `path (Secret namespace/name)`, how every message names the file. */
  readonly where: string;
  /** Present unless the action is `refuse` for want of a usable rule. */
  readonly rule?: CreationRule;
  /** One per requested key, in request order (empty when refused before planning keys). */
  readonly keys: readonly KeyAction[];
  /** Keys whose previous value was public through the demo key and is not carried over. */
  readonly demoKeys: readonly string[];
  readonly action: FileAction;
  /** Warnings of this file, in order (valid only when the whole plan succeeds). */
  readonly warnings: readonly string[];
}

/** A required operator value that no source supplied. */
export interface MissingSecretValue {
  readonly secret: string;
  readonly namespace: string;
  readonly key: string;
  readonly description: string;
  /** The environment variable that supplies it. */
  readonly envVar: string;
  /** The encrypted file that needs it. */
  readonly path: string;
  /** The previous file held the demo's (public) value, which is not carried over. @default false */
  readonly replacesDemo?: boolean;
}

export interface SecretPlan {
  /** One per request, in request order. */
  readonly files: readonly SecretFilePlan[];
  /** Every required operator value that is missing, in request order. */
  readonly missing: readonly MissingSecretValue[];
}

const list = (xs: readonly string[]) => xs.join(', ');

/** `path (Secret namespace/name)`. */
function describeFile(req: SecretRequest): string {
  return `${req.path} (Secret ${req.namespace}/${req.name})`;
}

/** Whether the previous file must also be opened with the committed demo identity (leaving the demo). */
export function opensWithDemoIdentity(ruleRecipients: readonly string[], previousRecipients: readonly string[]): boolean {
  return !isDemoReadable(ruleRecipients) && isDemoReadable(previousRecipients);
}

/** Decides every file and key. Pure: same facts, same plan. */
export function planSecrets(inputs: readonly SecretPlanInput[], opts: SecretPlanOptions = {}): SecretPlan {
  const files: SecretFilePlan[] = [];
  const missing: MissingSecretValue[] = [];
  for (const input of inputs) {
    const file = planFile(input, opts.regenerate === true);
    files.push(file);
    for (const k of file.keys) {
      const spec = input.request.keys.find((s) => s.key === k.key);
      if (k.action !== 'missing' || spec?.source.kind !== 'operator') continue;
      const req = input.request;
      missing.push({
        secret: req.name,
        namespace: req.namespace,
        key: k.key,
        description: spec.source.description,
        envVar: secretEnvVarName(req.name, k.key),
        path: req.path,
        ...(k.reason === 'demo-placeholder' ? { replacesDemo: true } : {}),
      });
    }
  }
  return { files, missing };
}

function planFile(input: SecretPlanInput, regenerateAll: boolean): SecretFilePlan {
  const req = input.request;
  const where = describeFile(req);
  const refuse = (problem: string, rule?: CreationRule): SecretFilePlan => ({
    request: req,
    where,
    ...(rule ? { rule } : {}),
    keys: [],
    demoKeys: [],
    action: { kind: 'refuse', problem },
    warnings: [],
  });
  const rule = input.rule;
  if (!rule) {
    return refuse(
      `${where}: no creation rule in .sops.yaml matches this path. Add a creation_rules entry whose path_regex matches it ` +
        `(for example \`path_regex: \\.sops\\.yaml$\` with \`encrypted_regex: ^(data|stringData)$\` and your age recipients), or run \`npm run keys -- init\`.`,
    );
  }
  if (rule.age.length === 0) return refuse(`${where}: the matching creation rule in .sops.yaml has no age recipients. Add one with \`npm run keys -- add <age1…>\`.`, rule);

  const prev = input.previous ?? { kind: 'none' };
  if (prev.kind === 'unreadable') {
    return refuse(
      `${where}: the previous file is not a readable SOPS file (${prev.error}). Restore it from Git; ` +
        `deleting it creates a new file, but generated values (API keys) are then generated anew.`,
      rule,
    );
  }
  const previous = prev.kind === 'sops' ? prev : undefined;
  const opening = previous?.opening;
  if (opening?.kind === 'demo-identity-unavailable') return refuse(`${where}: the previous file is encrypted to the demo recipient, but ${opening.error}`, rule);
  if (opening?.kind === 'undecryptable') {
    return refuse(
      `${where}: cannot be decrypted although an identity for its recipient ${list(opening.matchingRecipients)} is available: ` +
        `${opening.error}. The file may be corrupted or edited without sops; restore it from Git.`,
      rule,
    );
  }
  const opened = opening?.kind === 'opened' ? opening : undefined;

  // Keys whose previous value is public through the demo key: never carried out of the demo.
  const leavingDemo = !isDemoReadable(rule.age);
  const demoPrevious = previous !== undefined && isDemoReadable(previous.recipients);
  const publicKeys = new Set<string>();
  if (previous && leavingDemo) for (const key of previous.keys) if (demoPrevious || opened?.publicValueKeys.includes(key)) publicKeys.add(key);

  const supplied = new Set(input.suppliedKeys ?? []);
  const previousKeys = new Set(previous?.keys ?? []);
  const keys: KeyAction[] = [];
  const demoKeys: string[] = [];
  for (const spec of req.keys) {
    const key = spec.key;
    const isPublic = publicKeys.has(key);
    if (isPublic) demoKeys.push(key);
    const regenerate = regenerateAll && spec.source.kind === 'generated';
    if (supplied.has(key)) keys.push({ key, action: 'supply' });
    else if (previousKeys.has(key) && !isPublic && !regenerate) keys.push({ key, action: 'carry' });
    else if (spec.source.kind === 'generated')
      keys.push({ key, action: 'generate', reason: !previous ? 'new-file' : !previousKeys.has(key) ? 'new-key' : isPublic ? 'demo-value' : 'regenerate' });
    else keys.push({ key, action: spec.source.optional ? 'omit' : 'missing', reason: isPublic ? 'demo-placeholder' : 'not-supplied' });
  }
  const keysWith = (a: KeyAction['action']) => keys.filter((k) => k.action === a).map((k) => k.key);
  const hasMissing = keysWith('missing').length > 0;
  const warnings: string[] = [];
  const droppedDemo = keys.filter((k) => k.action === 'omit' && k.reason === 'demo-placeholder').map((k) => k.key);
  if (droppedDemo.length > 0 && !hasMissing) {
    warnings.push(
      `${where}: the optional value(s) ${list(droppedDemo)} held the demo's public placeholder and are left out now that the demo recipient is gone; ` +
        `supply your own if you use them (${droppedDemo.map((k) => secretEnvVarName(req.name, k)).join(', ')}).`,
    );
  }
  const plan = (action: FileAction, extraWarning?: string): SecretFilePlan => ({
    request: req,
    where,
    rule,
    keys,
    demoKeys,
    action,
    warnings: extraWarning ? [...warnings, extraWarning] : warnings,
  });

  if (!previous) return plan(hasMissing ? { kind: 'await-values' } : { kind: 'create' });

  const ruleChanges = compareRule(rule, previous.recipients, previous.settings);

  if (opened) {
    if (hasMissing) return plan({ kind: 'await-values' });
    const changes = ruleChanges.map((c) => c.text);
    const written = keys.filter((k) => k.action !== 'omit').map((k) => k.key);
    if (!sameOrdered(outlineOf(req, written), opened.outline)) changes.push('the document changed');
    const generated = keysWith('generate');
    if (generated.length > 0) changes.push(`generated value(s) ${list(generated)}`);
    const changedSupplied = keysWith('supply').filter((k) => !opened.unchangedSuppliedKeys.includes(k));
    if (changedSupplied.length > 0) changes.push(`operator value(s) ${list(changedSupplied)} changed`);
    return plan(changes.length === 0 ? { kind: 'keep', opened: true } : { kind: 're-encrypt', opened: true, changes });
  }

  // The previous file exists but cannot be opened: judge by what is visible without decrypting.
  const notOpenedReason =
    opening?.kind === 'not-a-recipient' ? `none of the ${opening.identities} available age identities is one of its recipients` : 'no age identity is available';
  const changes: string[] = [];
  const suppliedKeys = keysWith('supply');
  if (suppliedKeys.length > 0) changes.push(`operator values are supplied for ${list(suppliedKeys)} and cannot be compared with the encrypted ones`);
  const newGenerated = keysWith('generate');
  if (newGenerated.length > 0) changes.push(`new generated key(s) ${list(newGenerated)}`);
  const requested = new Set(req.keys.map((k) => k.key));
  const removed = previous.keys.filter((k) => !requested.has(k));
  if (removed.length > 0) changes.push(`key(s) ${list(removed)} are no longer requested`);
  changes.push(...ruleChanges.map((c) => c.text));
  const { stringData: _values, ...desiredSkeleton } = secretManifest(req, {});
  changes.push(...compareVisible(desiredSkeleton, previous.clearDocument, ''));

  const carry = keysWith('carry');
  const recipientsChanged = ruleChanges.some((c) => c.recipients);
  if (hasMissing) {
    // Listed with all other missing values. Adding them rewrites the file, which needs the
    // identity when other values must be carried over: say so now, not one run later.
    if (carry.length === 0) return plan({ kind: 'await-values' });
    return plan({
      kind: 'needs-identity',
      problem: needsIdentity(where, previous.recipients, [`missing key(s) ${list(keysWith('missing'))} must be added`, ...changes], carry, notOpenedReason, recipientsChanged),
    });
  }
  if (changes.length === 0) return plan({ kind: 'keep', opened: false });
  if (carry.length === 0) {
    return plan(
      { kind: 're-encrypt', opened: false, changes },
      `${where}: re-encrypted without opening the previous file (${notOpenedReason}), because ${changes.join('; ')}. ` +
        `Every value is known without it, but it could not be compared, so the file is rewritten on every run like this; ` +
        `set SOPS_AGE_KEY_FILE to an identity that is one of its recipients to keep it stable.`,
    );
  }
  return plan({ kind: 'needs-identity', problem: needsIdentity(where, previous.recipients, changes, carry, notOpenedReason, recipientsChanged) });
}

/** The Secret as written (before encryption): `apiVersion, kind, metadata, type, stringData` in that order. */
export function secretManifest(req: SecretRequest, stringData: Readonly<Record<string, string>>): Record<string, unknown> {
  const metadata: Record<string, unknown> = { name: req.name, namespace: req.namespace };
  if (req.labels && Object.keys(req.labels).length > 0) metadata.labels = { ...req.labels };
  return { apiVersion: 'v1', kind: 'Secret', metadata, type: 'Opaque', stringData: { ...stringData } };
}

/** The fields of a Secret whose values are not secret; an outline keeps them and blanks the rest. */
const CLEAR_FIELDS = new Set(['apiVersion', 'kind', 'metadata', 'type']);

/**
 * A Secret document without its values: `stringData` values blanked (`''` for a string, `null`
 * for anything else, which a written string never equals), other unexpected fields masked.
 * Two documents with equal outlines and equal values are byte-identical when written.
 */
export function outlineOfDocument(doc: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(doc)) {
    if (CLEAR_FIELDS.has(field)) out[field] = value;
    else if (field === 'stringData' && isRecord(value)) out[field] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, typeof v === 'string' ? '' : null]));
    else out[field] = '<masked>';
  }
  return out;
}

function outlineOf(req: SecretRequest, keys: readonly string[]): Record<string, unknown> {
  return outlineOfDocument(secretManifest(req, Object.fromEntries(keys.map((k) => [k, '']))));
}

function needsIdentity(where: string, recipients: readonly string[], changes: string[], carry: string[], reason: string, recipientsChanged: boolean): string {
  const fixes = [`set SOPS_AGE_KEY_FILE (or SOPS_AGE_KEY) to an age identity that is one of the file's recipients (${list([...recipients].sort())}) and run the synth again`];
  if (recipientsChanged) {
    fixes.push('for a change of recipients use `npm run keys -- add <age1…>` / `npm run keys -- remove <age1…>`, which re-encrypts the files with your identity');
  }
  return (
    `${where} must be rewritten but cannot be opened (${reason}): ${changes.join('; ')}. ` +
    `The value(s) of ${list(carry)} exist only in the previous encrypted file and must be carried over. Fix: ${fixes.join('; or ')}.`
  );
}

interface RuleChange {
  readonly text: string;
  readonly recipients: boolean;
}

/** How the creation rule differs from the settings the previous file was encrypted with. */
function compareRule(rule: CreationRule, recipients: readonly string[], prev: PreviousRuleSettings): RuleChange[] {
  const out: RuleChange[] = [];
  const want = [...new Set(rule.age)].sort();
  const have = [...new Set(recipients)].sort();
  const added = want.filter((r) => !have.includes(r));
  const dropped = have.filter((r) => !want.includes(r));
  if (added.length > 0 || dropped.length > 0) {
    const what = [added.length ? `added ${list(added)}` : '', dropped.length ? `removed ${list(dropped)}` : ''].filter(Boolean).join(', ');
    out.push({ text: `the age recipients in .sops.yaml changed (${what})`, recipients: true });
  }
  const setting = (label: string, wanted: unknown, had: unknown) => {
    if ((wanted ?? undefined) !== (had ?? undefined))
      out.push({ text: `${label} changed (${JSON.stringify(had ?? null)} → ${JSON.stringify(wanted ?? null)})`, recipients: false });
  };
  setting('encrypted_regex', rule.encryptedRegex, prev.encryptedRegex);
  setting('unencrypted_regex', rule.unencryptedRegex, prev.unencryptedRegex);
  setting('encrypted_suffix', rule.encryptedSuffix, prev.encryptedSuffix);
  setting('unencrypted_suffix', rule.unencryptedSuffix, prev.unencryptedSuffix);
  setting('mac_only_encrypted', rule.macOnlyEncrypted ?? false, prev.macOnlyEncrypted);
  return out;
}

/**
 * Differences between the desired document and the previous one that are visible without
 * decrypting: structure (keys and their order) and clear-text leaves. Encrypted leaves (`ENC[…]`)
 * cannot be compared and count as equal.
 */
function compareVisible(want: unknown, have: unknown, at: string): string[] {
  const here = at || 'the document';
  if (typeof have === 'string' && have.startsWith('ENC[')) return [];
  if (isRecord(want) && isRecord(have)) {
    const wk = Object.keys(want);
    const hk = Object.keys(have);
    if (wk.join('\0') !== hk.join('\0')) return [`the fields of ${here} changed (${hk.join(', ') || 'none'} → ${wk.join(', ') || 'none'})`];
    return wk.flatMap((k) => compareVisible(want[k], have[k], at ? `${at}.${k}` : k));
  }
  if (isRecord(want) || isRecord(have) || Array.isArray(want) || Array.isArray(have)) {
    return JSON.stringify(want) === JSON.stringify(have) ? [] : [`${here} changed`];
  }
  return want === have ? [] : [`${here} changed`];
}

/** Deep equality that also requires the same key order (the order decides the bytes written). */
function sameOrdered(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
