/**
 * The secrets lifecycle for the SOPS backend: turns the stack's `SecretRequest`s into
 * SOPS-encrypted `stringData` Secrets, reusing the previous encrypted file byte-for-byte whenever
 * nothing changed.
 *
 * Why sticky: SOPS output is randomized (fresh data key and IVs on every encryption), so
 * re-encrypting identical values would rewrite every file on every synth. And generated values
 * (the *arr API keys) must be created exactly once: the previous encrypted file is their only store.
 *
 * The decision per Secret, where "opened" means one of the age identities decrypts the previous
 * file:
 *
 * | previous file | opened | outcome                                                              |
 * |---------------|--------|----------------------------------------------------------------------|
 * | none          | –      | `created`: generated values are new, operator values are required    |
 * | yes           | yes    | desired plaintext (operator values override, the rest is carried     |
 * |               |        | over) compared with the decrypted one: `kept` if equal and the       |
 * |               |        | creation rule is unchanged, else `re-encrypted`                      |
 * | yes           | no     | `kept` if nothing visible changed (same keys, recipients, rule       |
 * |               |        | settings, clear-text metadata, no operator value supplied); else     |
 * |               |        | `re-encrypted` (with a warning) when no value has to be carried over |
 * |               |        | from the previous file; else an error telling how to fix it          |
 *
 * Leaving the demo: while the creation rule encrypts to the demo recipient, everything works as
 * above. Once it no longer does, a previous value is never carried over when it is public — the
 * previous file is readable with the committed demo identity (opened with it), or the value is one
 * the committed demo output held (`isDemoValue`, which also catches files re-encrypted away from
 * the demo key). Such a generated value is generated anew; such an operator value counts as
 * missing (optional ones are left out). The report names those keys (`demoKeys`).
 *
 * `regenerate` generates every generated value anew (after a leak, `keys rotate --regenerate`).
 *
 * Values never leave this module except inside the encrypted texts: errors, warnings and the report
 * carry Secret names, keys, paths and recipients only.
 */
import { randomBytes } from 'node:crypto';
import { identityToRecipient } from 'age-encryption';
import { parse as parseYaml } from 'yaml';
import { decryptYaml, demoIdentity, DEMO_IDENTITY_FILE, encryptYaml, findCreationRule, inspectSopsYaml, isDemoReadable, type CreationRule, type SopsConfig } from '../sops/index.js';
import { isDemoValue } from './demo-values.js';
import {
  DEFAULT_LOCAL_SECRETS_FILE,
  DEFAULT_SOPS_SECRETS_FILE,
  secretEnvVarName,
  type OperatorValues,
  type SecretKeySpec,
  type SecretRequest,
} from './model.js';

/** Source of randomness: `size` uniformly random bytes. Injectable for tests. */
export type RandomBytes = (size: number) => Uint8Array;

export interface ResolveSecretsOptions {
  readonly requests: readonly SecretRequest[];
  /** The project's `.sops.yaml`; each file's rule is `findCreationRule(sopsConfig, request.path)`. */
  readonly sopsConfig: SopsConfig;
  /** Text of the previous encrypted file at `path` (from the previous output), if there is one. @default - none */
  readonly readPrevious?: (path: string) => string | undefined;
  /** age identities (`AGE-SECRET-KEY-1…`). Empty in CI, where no private key exists. @default [] */
  readonly identities?: readonly string[];
  /** Operator-supplied values (see `loadOperatorValues`). @default {} */
  readonly operatorValues?: OperatorValues;
  /** @default crypto.randomBytes */
  readonly random?: RandomBytes;
  /** Timestamp for `sops.lastmodified` of files that are (re-)encrypted. @default - now */
  readonly now?: Date;
  /**
   * Generate every generated value anew instead of carrying it over (after a leak). Needs no
   * identity for files whose values are all generated or supplied.
   * @default false
   */
  readonly regenerate?: boolean;
  /**
   * Fingerprints (`demoValueFingerprint`) of values the previous output once encrypted to the demo
   * recipient, beyond those of the committed demo output (see PUBLIC_VALUES_FILE).
   * @default - none
   */
  readonly publicValues?: ReadonlySet<string>;
}

export type SecretFileStatus = 'kept' | 're-encrypted' | 'created';

export interface SecretReportEntry {
  readonly name: string;
  readonly namespace: string;
  readonly path: string;
  readonly status: SecretFileStatus;
  /** Keys whose values were generated in this run (empty when kept). */
  readonly generatedKeys: string[];
  /**
   * Keys whose previous value was public through the demo key and was therefore not carried over
   * (generated anew, supplied, or — optional operator values — left out).
   */
  readonly demoKeys: string[];
}

export interface ResolvedSecrets {
  /** One encrypted file per request, in request order. */
  readonly files: { path: string; text: string }[];
  readonly report: SecretReportEntry[];
  readonly warnings: string[];
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

/** Any problem resolving the Secrets. `problems` lists each one; the message lists them all. */
export class SecretsError extends Error {
  constructor(
    message: string,
    readonly problems: readonly string[] = [message],
    readonly missing: readonly MissingSecretValue[] = [],
  ) {
    super(message);
    this.name = 'SecretsError';
  }
}

/** Thrown when required operator values are missing (and nothing else is wrong); lists every one. */
export class MissingSecretValuesError extends SecretsError {
  constructor(missing: readonly MissingSecretValue[]) {
    super(describeMissing(missing), [], missing);
    this.name = 'MissingSecretValuesError';
  }
}

/** The Secret as written (before encryption): `apiVersion, kind, metadata, type, stringData` in that order. */
export function secretManifest(req: SecretRequest, stringData: Readonly<Record<string, string>>): Record<string, unknown> {
  const metadata: Record<string, unknown> = { name: req.name, namespace: req.namespace };
  if (req.labels && Object.keys(req.labels).length > 0) metadata['labels'] = { ...req.labels };
  return { apiVersion: 'v1', kind: 'Secret', metadata, type: 'Opaque', stringData: { ...stringData } };
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * A new random value for a `generated` key: lower-case hex (default, the Sonarr/Radarr/Prowlarr
 * API key format) or alphanumeric via rejection sampling (no modulo bias).
 */
export function generateSecretValue(spec: { length?: number; alphabet?: 'hex' | 'alphanumeric' }, random: RandomBytes = randomBytes): string {
  const length = spec.length ?? 32;
  if (!Number.isInteger(length) || length < 1 || length > 4096) throw new SecretsError(`generated value length must be an integer from 1 to 4096, got ${length}`);
  if ((spec.alphabet ?? 'hex') === 'hex') {
    return Buffer.from(random(Math.ceil(length / 2))).toString('hex').slice(0, length);
  }
  const limit = 256 - (256 % ALPHANUMERIC.length); // 248: the largest multiple of 62 ≤ 256
  let out = '';
  while (out.length < length) {
    for (const b of random(length - out.length + 8)) {
      if (b < limit && out.length < length) out += ALPHANUMERIC[b % ALPHANUMERIC.length];
    }
  }
  return out;
}

/** How the desired value of one key is obtained. */
type KeyPlan = 'supplied' | 'carry' | 'generate' | 'omit' | 'missing';

interface PreviousFile {
  readonly text: string;
  readonly recipients: string[];
  /** The document without the `sops` block; encrypted leaves are `ENC[…]` strings. */
  readonly document: Record<string, unknown>;
  /** Keys of `stringData` (visible without decrypting). */
  readonly keys: string[];
  /** The raw `sops` block (for rule settings that inspectSopsYaml does not return). */
  readonly sops: Record<string, unknown>;
  readonly encryptedRegex?: string;
  readonly macOnlyEncrypted: boolean;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (xs: readonly string[]) => xs.join(', ');

/** Resolves every request; throws one error listing all problems (or all missing values). */
export async function resolveSecrets(opts: ResolveSecretsOptions): Promise<ResolvedSecrets> {
  const identities = opts.identities ?? [];
  const operatorValues = opts.operatorValues ?? {};
  const random = opts.random ?? randomBytes;
  const readPrevious = opts.readPrevious ?? (() => undefined);
  validateRequests(opts.requests);

  // Every plaintext this run touches, so that no message can ever carry one (defence in depth:
  // messages are built from names only, but engine errors are passed through).
  const secretsSeen = new Set<string>();
  for (const byKey of Object.values(operatorValues)) for (const v of Object.values(byKey)) secretsSeen.add(v);

  const identityRecipients = await recipientsOf(identities);
  const files: { path: string; text: string }[] = [];
  const report: SecretReportEntry[] = [];
  const warnings: string[] = [];
  const problems: string[] = [];
  const missing: MissingSecretValue[] = [];

  for (const req of opts.requests) {
    const where = `${req.path} (Secret ${req.namespace}/${req.name})`;
    const rule = findCreationRule(opts.sopsConfig, req.path);
    if (!rule) {
      problems.push(
        `${where}: no creation rule in .sops.yaml matches this path. Add a creation_rules entry whose path_regex matches it ` +
          `(for example \`path_regex: \\.sops\\.yaml$\` with \`encrypted_regex: ^(data|stringData)$\` and your age recipients), or run \`npm run keys -- init\`.`,
      );
      continue;
    }
    if (rule.age.length === 0) {
      problems.push(`${where}: the matching creation rule in .sops.yaml has no age recipients. Add one with \`npm run keys -- add <age1…>\`.`);
      continue;
    }
    const supplied = operatorValues[req.name] ?? {};

    const previousText = readPrevious(req.path);
    let previous: PreviousFile | undefined;
    if (previousText !== undefined) {
      try {
        previous = readPreviousFile(previousText);
      } catch (err) {
        problems.push(
          `${where}: the previous file is not a readable SOPS file (${redact(messageOf(err), secretsSeen)}). Restore it from Git; ` +
            `deleting it creates a new file, but generated values (API keys) are then generated anew.`,
        );
        continue;
      }
    }

    // Leaving the demo: a previous file readable with the demo identity is opened with it (the
    // identity is committed), so that none of its public values is carried over unnoticed.
    const leavingDemo = !isDemoReadable(rule.age);
    const demoPrevious = previous !== undefined && isDemoReadable(previous.recipients);
    let openWith = identities;
    if (demoPrevious && leavingDemo) {
      try {
        openWith = [...identities, await demoIdentity()];
      } catch (err) {
        problems.push(`${where}: the previous file is encrypted to the demo recipient, but ${messageOf(err)}`);
        continue;
      }
    }

    // Open the previous file if one of the identities can.
    let previousPlain: Record<string, unknown> | undefined;
    let notOpenedReason = openWith.length === 0 ? 'no age identity is available' : '';
    if (previous && openWith.length > 0) {
      try {
        const { plain } = await decryptYaml(previous.text, openWith);
        previousPlain = stripSops(plain);
        const sd = previousPlain['stringData'];
        if (isRecord(sd)) for (const v of Object.values(sd)) if (typeof v === 'string') secretsSeen.add(v);
      } catch (err) {
        const matching = previous.recipients.filter((r) => identityRecipients.has(r));
        if (matching.length > 0) {
          problems.push(
            `${where}: cannot be decrypted although an identity for its recipient ${list(matching)} is available: ` +
              `${redact(messageOf(err), secretsSeen)}. The file may be corrupted or edited without sops; restore it from Git.`,
          );
          continue;
        }
        notOpenedReason = `none of the ${identities.length} available age identities is one of its recipients`;
      }
    }

    // Keys whose previous value is public through the demo key: never carried out of the demo.
    const publicKeys = new Set<string>();
    if (previous && leavingDemo) {
      const prevData = previousPlain && isRecord(previousPlain['stringData']) ? previousPlain['stringData'] : {};
      for (const key of previous.keys) if (demoPrevious || isDemoValue(stringOf(prevData[key]), opts.publicValues)) publicKeys.add(key);
    }

    // Plan every key.
    const plans = new Map<string, KeyPlan>();
    const previousKeys = new Set(previous?.keys ?? []);
    const demoKeys: string[] = [];
    for (const spec of req.keys) {
      const value = supplied[spec.key];
      const regenerate = opts.regenerate === true && spec.source.kind === 'generated';
      let plan: KeyPlan;
      if (publicKeys.has(spec.key)) demoKeys.push(spec.key);
      if (value !== undefined) plan = 'supplied';
      else if (previousKeys.has(spec.key) && !publicKeys.has(spec.key) && !regenerate) plan = 'carry';
      else if (spec.source.kind === 'generated') plan = 'generate';
      else if (spec.source.optional) plan = 'omit';
      else plan = 'missing';
      plans.set(spec.key, plan);
      if (plan === 'missing' && spec.source.kind === 'operator') {
        missing.push({
          secret: req.name,
          namespace: req.namespace,
          key: spec.key,
          description: spec.source.description,
          envVar: secretEnvVarName(req.name, spec.key),
          path: req.path,
          ...(publicKeys.has(spec.key) ? { replacesDemo: true } : {}),
        });
      }
    }
    const keysWith = (p: KeyPlan) => req.keys.filter((k) => plans.get(k.key) === p).map((k) => k.key);
    const hasMissing = keysWith('missing').length > 0;
    const droppedDemo = keysWith('omit').filter((k) => publicKeys.has(k));
    if (droppedDemo.length > 0 && !hasMissing) {
      warnings.push(
        `${where}: the optional value(s) ${list(droppedDemo)} held the demo's public placeholder and are left out now that the demo recipient is gone; ` +
          `supply your own if you use them (${droppedDemo.map((k) => secretEnvVarName(req.name, k)).join(', ')}).`,
      );
    }

    const build = (carried: (key: string) => string): { doc: Record<string, unknown>; generated: string[] } => {
      const stringData: Record<string, string> = {};
      const generated: string[] = [];
      for (const spec of req.keys) {
        const plan = plans.get(spec.key)!;
        if (plan === 'supplied') stringData[spec.key] = supplied[spec.key]!;
        else if (plan === 'carry') stringData[spec.key] = carried(spec.key);
        else if (plan === 'generate') {
          const v = generateSecretValue(spec.source as Extract<SecretKeySpec['source'], { kind: 'generated' }>, random);
          secretsSeen.add(v);
          stringData[spec.key] = v;
          generated.push(spec.key);
        }
      }
      return { doc: secretManifest(req, stringData), generated };
    };

    /** Values that break their key's rule, by key name only (the value never reaches a message). */
    const breaksRules = (doc: Record<string, unknown>): boolean => {
      const data = isRecord(doc['stringData']) ? doc['stringData'] : {};
      const bad = req.keys.filter((k) => k.valueRule && typeof data[k.key] === 'string' && !k.valueRule.pattern.test(data[k.key] as string));
      for (const k of bad) {
        problems.push(`${where}: the value of ${k.key} is not usable: it must be ${k.valueRule!.description}. Supply another one (${secretEnvVarName(req.name, k.key)}, secrets.local.yaml or secrets.sops.yaml).`);
      }
      return bad.length > 0;
    };
    const emit = async (doc: Record<string, unknown>, status: SecretFileStatus, generated: string[]) => {
      if (breaksRules(doc)) return;
      try {
        const indent = opts.sopsConfig.yamlIndent;
        const text = await encryptYaml(doc, rule, { ...(opts.now ? { now: opts.now } : {}), ...(indent !== undefined ? { indent } : {}) });
        assertValuesEncrypted(text, req);
        files.push({ path: req.path, text });
        report.push({ name: req.name, namespace: req.namespace, path: req.path, status, generatedKeys: generated, demoKeys });
      } catch (err) {
        problems.push(`${where}: encryption failed: ${redact(messageOf(err), secretsSeen)}`);
      }
    };
    const keep = () => {
      files.push({ path: req.path, text: previous!.text });
      report.push({ name: req.name, namespace: req.namespace, path: req.path, status: 'kept', generatedKeys: [], demoKeys: [] });
    };

    if (!previous) {
      if (hasMissing) continue;
      const { doc, generated } = build(() => {
        throw new Error('unreachable: nothing to carry without a previous file');
      });
      await emit(doc, 'created', generated);
      continue;
    }

    const ruleChanges = compareRule(rule, previous);

    if (previousPlain) {
      if (hasMissing) continue;
      const prevData = isRecord(previousPlain['stringData']) ? previousPlain['stringData'] : {};
      const { doc, generated } = build((key) => stringOf(prevData[key]));
      if (ruleChanges.length === 0 && sameOrdered(doc, previousPlain)) {
        if (!breaksRules(doc)) keep();
      } else await emit(doc, 're-encrypted', generated);
      continue;
    }

    // The previous file exists but cannot be opened: judge by what is visible without decrypting.
    const desiredSkeleton = secretManifest(req, {});
    const changes: string[] = [];
    const suppliedKeys = keysWith('supplied');
    if (suppliedKeys.length > 0) changes.push(`operator values are supplied for ${list(suppliedKeys)} and cannot be compared with the encrypted ones`);
    const newGenerated = keysWith('generate');
    if (newGenerated.length > 0) changes.push(`new generated key(s) ${list(newGenerated)}`);
    const requested = new Set(req.keys.map((k) => k.key));
    const removed = previous.keys.filter((k) => !requested.has(k));
    if (removed.length > 0) changes.push(`key(s) ${list(removed)} are no longer requested`);
    changes.push(...ruleChanges.map((c) => c.text));
    changes.push(...compareVisible(stripKey(desiredSkeleton, 'stringData'), stripKey(previous.document, 'stringData'), ''));

    const carry = keysWith('carry');
    if (hasMissing) {
      // Listed with all other missing values. Adding them rewrites the file, which needs the
      // identity when other values must be carried over: say so now, not one run later.
      if (carry.length > 0) {
        problems.push(needsIdentity(where, previous, [`missing key(s) ${list(keysWith('missing'))} must be added`, ...changes], carry, notOpenedReason, ruleChanges.some((c) => c.recipients)));
      }
      continue;
    }
    if (changes.length === 0) {
      keep();
      continue;
    }
    if (carry.length === 0) {
      const { doc, generated } = build(() => {
        throw new Error('unreachable: nothing to carry');
      });
      warnings.push(
        `${where}: re-encrypted without opening the previous file (${notOpenedReason}), because ${changes.join('; ')}. ` +
          `Every value is known without it, but it could not be compared, so the file is rewritten on every run like this; ` +
          `set SOPS_AGE_KEY_FILE to an identity that is one of its recipients to keep it stable.`,
      );
      await emit(doc, 're-encrypted', generated);
      continue;
    }
    problems.push(needsIdentity(where, previous, changes, carry, notOpenedReason, ruleChanges.some((c) => c.recipients)));
  }

  if (problems.length > 0) {
    const parts = [`${problems.length} Secret file(s) cannot be resolved:`, ...problems.map((p) => `  - ${p}`)];
    if (missing.length > 0) parts.push('', describeMissing(missing));
    const msg = redact(parts.join('\n'), secretsSeen);
    throw new SecretsError(msg, problems.map((p) => redact(p, secretsSeen)), missing);
  }
  if (missing.length > 0) throw new MissingSecretValuesError(missing);
  return { files, report, warnings: warnings.map((w) => redact(w, secretsSeen)) };
}

function needsIdentity(where: string, previous: PreviousFile, changes: string[], carry: string[], reason: string, recipientsChanged: boolean): string {
  const fixes = [
    `set SOPS_AGE_KEY_FILE (or SOPS_AGE_KEY) to an age identity that is one of the file's recipients (${list([...previous.recipients].sort())}) and run the synth again`,
  ];
  if (recipientsChanged) {
    fixes.push('for a change of recipients use `npm run keys -- add <age1…>` / `npm run keys -- remove <age1…>`, which re-encrypts the files with your identity');
  }
  return (
    `${where} must be rewritten but cannot be opened (${reason}): ${changes.join('; ')}. ` +
    `The value(s) of ${list(carry)} exist only in the previous encrypted file and must be carried over. Fix: ${fixes.join('; or ')}.`
  );
}

/** The message of MissingSecretValuesError: every missing value and the three ways to supply it. */
export function describeMissing(missing: readonly MissingSecretValue[]): string {
  const lines = [`${missing.length} required Secret value(s) are missing:`];
  for (const m of missing) {
    lines.push(`  - ${m.secret}/${m.key} (namespace ${m.namespace}, ${m.path}): ${m.description}`);
    if (m.replacesDemo) lines.push(`      the previous value is the demo's placeholder (public through ${DEMO_IDENTITY_FILE}); it is not carried over now that the demo recipient is gone`);
    lines.push(`      env: ${m.envVar}`);
  }
  const bySecret = new Map<string, string[]>();
  for (const m of missing) bySecret.set(m.secret, [...(bySecret.get(m.secret) ?? []), m.key]);
  const snippet = [...bySecret].flatMap(([s, keys]) => [`       ${s}:`, ...keys.map((k) => `         ${k}: <value>`)]);
  lines.push(
    'Supply each value in one of three ways (the first one found wins):',
    `  1. an environment variable named as above, e.g. ${missing[0] ? `${missing[0].envVar}=<value>` : 'MEDIA_STACK_SECRET__<SECRET>__<KEY>=<value>'}`,
    `  2. the gitignored ${DEFAULT_LOCAL_SECRETS_FILE} in the project folder (plaintext, never commit it):`,
    ...snippet,
    `  3. the SOPS-encrypted ${DEFAULT_SOPS_SECRETS_FILE} in the project folder (same layout), edited with the real sops CLI: \`sops ${DEFAULT_SOPS_SECRETS_FILE}\``,
    'A value is needed once: later runs take it from the previous encrypted file.',
  );
  return lines.join('\n');
}

function readPreviousFile(text: string): PreviousFile {
  const info = inspectSopsYaml(text);
  const raw: unknown = parseYaml(text);
  const sops = isRecord(raw) && isRecord(raw['sops']) ? raw['sops'] : {};
  const document = stripSops(info.document);
  const sd = document['stringData'];
  const keys = isRecord(sd) ? Object.keys(sd) : [];
  return {
    text,
    recipients: info.recipients,
    document,
    keys,
    sops,
    ...(info.encryptedRegex !== undefined ? { encryptedRegex: info.encryptedRegex } : {}),
    macOnlyEncrypted: info.macOnlyEncrypted,
  };
}

interface RuleChange {
  readonly text: string;
  readonly recipients: boolean;
}

/** How the creation rule differs from the settings the previous file was encrypted with. */
function compareRule(rule: CreationRule, prev: PreviousFile): RuleChange[] {
  const out: RuleChange[] = [];
  const want = [...new Set(rule.age)].sort();
  const have = [...new Set(prev.recipients)].sort();
  const added = want.filter((r) => !have.includes(r));
  const dropped = have.filter((r) => !want.includes(r));
  if (added.length > 0 || dropped.length > 0) {
    const what = [added.length ? `added ${list(added)}` : '', dropped.length ? `removed ${list(dropped)}` : ''].filter(Boolean).join(', ');
    out.push({ text: `the age recipients in .sops.yaml changed (${what})`, recipients: true });
  }
  const setting = (label: string, wanted: unknown, had: unknown) => {
    if ((wanted ?? undefined) !== (had ?? undefined)) out.push({ text: `${label} changed (${JSON.stringify(had ?? null)} → ${JSON.stringify(wanted ?? null)})`, recipients: false });
  };
  setting('encrypted_regex', rule.encryptedRegex, prev.encryptedRegex);
  setting('unencrypted_regex', rule.unencryptedRegex, prev.sops['unencrypted_regex']);
  setting('encrypted_suffix', rule.encryptedSuffix, prev.sops['encrypted_suffix']);
  setting('unencrypted_suffix', rule.unencryptedSuffix, prev.sops['unencrypted_suffix']);
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

function stripSops(doc: Record<string, unknown>): Record<string, unknown> {
  return stripKey(doc, 'sops');
}

function stripKey(doc: Record<string, unknown>, key: string): Record<string, unknown> {
  const { [key]: _drop, ...rest } = doc;
  return rest;
}

function stringOf(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return '';
}

/** Refuses output whose stringData values are not encrypted (a creation rule that misses them). */
function assertValuesEncrypted(text: string, req: SecretRequest): void {
  const doc: unknown = parseYaml(text);
  const sd = isRecord(doc) ? doc['stringData'] : undefined;
  if (!isRecord(sd)) throw new SecretsError('the encrypted file has no stringData mapping');
  const clear = Object.entries(sd)
    .filter(([, v]) => !(typeof v === 'string' && v.startsWith('ENC[')))
    .map(([k]) => k);
  if (clear.length > 0) {
    throw new SecretsError(
      `the creation rule for ${req.path} leaves stringData.${clear.join(', stringData.')} unencrypted. ` +
        'Fix encrypted_regex/unencrypted_regex in .sops.yaml (for example `encrypted_regex: ^(data|stringData)$`); nothing was written.',
    );
  }
}

/** The recipients of the identities we have (identities of other kinds are skipped). */
async function recipientsOf(identities: readonly string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (const id of identities) {
    try {
      out.add(await identityToRecipient(id));
    } catch {
      // Not a native age identity (e.g. a plugin identity): decrypting decides.
    }
  }
  return out;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Replaces every known plaintext value (4+ characters) in a message. */
function redact(text: string, secrets: ReadonlySet<string>): string {
  let out = text;
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) {
    if (s.length >= 4 && out.includes(s)) out = out.split(s).join('<redacted>');
  }
  return out;
}

/** Up-front checks of the requests themselves (programming errors in constructs or the writer). */
function validateRequests(requests: readonly SecretRequest[]): void {
  const problems: string[] = [];
  const paths = new Set<string>();
  const names = new Set<string>();
  for (const r of requests) {
    const id = `Secret ${r.namespace}/${r.name}`;
    if (!r.path.endsWith('.sops.yaml')) problems.push(`${id}: path ${r.path} must end in .sops.yaml`);
    if (r.path.startsWith('/') || r.path.split('/').includes('..')) problems.push(`${id}: path ${r.path} must be relative to the output root`);
    if (paths.has(r.path)) problems.push(`${id}: path ${r.path} is used by two Secrets`);
    paths.add(r.path);
    if (names.has(`${r.namespace}/${r.name}`)) problems.push(`${id} is requested twice`);
    names.add(`${r.namespace}/${r.name}`);
    if (r.keys.length === 0) problems.push(`${id} has no keys`);
    const keys = new Set<string>();
    for (const k of r.keys) {
      if (!/^[-._a-zA-Z0-9]+$/.test(k.key)) problems.push(`${id}: key '${k.key}' is not a valid Secret key (letters, digits, '-', '_', '.')`);
      if (keys.has(k.key)) problems.push(`${id}: key ${k.key} is declared twice`);
      keys.add(k.key);
      if (k.source.kind === 'generated') {
        const n = k.source.length ?? 32;
        if (!Number.isInteger(n) || n < 1 || n > 4096) problems.push(`${id}: key ${k.key}: generated length must be an integer from 1 to 4096`);
      } else if (!k.source.description.trim()) {
        problems.push(`${id}: key ${k.key}: an operator value needs a description telling where to get it`);
      }
    }
  }
  if (problems.length > 0) throw new SecretsError(`invalid Secret requests:\n${problems.map((p) => `  - ${p}`).join('\n')}`, problems);
}
