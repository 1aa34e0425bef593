/**
 * The secrets lifecycle for the SOPS backend: turns the stack's `SecretRequest`s into
 * SOPS-encrypted `stringData` Secrets, reusing the previous encrypted file byte-for-byte whenever
 * nothing changed.
 *
 * Why sticky: SOPS output is randomized (fresh data key and IVs on every encryption), so
 * re-encrypting identical values would rewrite every file on every synth. And generated values
 * (the *arr API keys) must be created exactly once: the previous encrypted file is their only store.
 *
 * Three steps: `observe` reads each previous file and, where an identity allows, opens it, and
 * turns what it found into plain facts; `planSecrets` (plan.ts, pure, no values) decides per
 * file and key what to do — the decision table is there; the execution below then generates,
 * checks values against their rules and encrypts as the plan says.
 *
 * Values never leave this module except inside the encrypted texts: errors, warnings and the report
 * carry Secret names, keys, paths and recipients only.
 */
import { randomBytes } from 'node:crypto';
import { identityToRecipient } from 'age-encryption';
import { parse as parseYaml } from 'yaml';
import { decryptYaml, demoIdentity, DEMO_IDENTITY_FILE, encryptYaml, findCreationRule, inspectSopsYaml, type CreationRule, type SopsConfig } from '../sops/index.js';
import { fingerprintsOfStringData, isDemoValue } from './demo-values.js';
import {
  isRecord,
  opensWithDemoIdentity,
  outlineOfDocument,
  planSecrets,
  secretManifest,
  type MissingSecretValue,
  type PreviousFileFacts,
  type PreviousOpening,
  type SecretPlan,
  type SecretPlanInput,
} from './plan.js';
import { DEFAULT_LOCAL_SECRETS_FILE, DEFAULT_SOPS_SECRETS_FILE, secretEnvVarName, type OperatorValues, type SecretKeySpec, type SecretRequest } from './model.js';

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
  /** Called with the plan and its facts before it is executed (tests, diagnostics); neither holds a value. @default - none */
  readonly onPlan?: (plan: SecretPlan, inputs: readonly SecretPlanInput[]) => void;
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

/** One encrypted file of the result. */
export interface ResolvedSecretFile {
  readonly path: string;
  readonly text: string;
  /**
   * `demoValueFingerprint` of every value the file holds, when this run knows them (it encrypted
   * them, or opened the previous file it keeps): spares the caller a decrypt to learn them.
   * @default - unknown (a kept file that could not be opened)
   */
  readonly fingerprints?: ReadonlySet<string>;
  /** The text parsed (`yaml`'s parse), when this run already parsed it. @default - not parsed */
  readonly document?: Record<string, unknown>;
}

export interface ResolvedSecrets {
  /** One encrypted file per request, in request order. */
  readonly files: ResolvedSecretFile[];
  readonly report: SecretReportEntry[];
  readonly warnings: string[];
}

export type { MissingSecretValue } from './plan.js';

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

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * A new random value for a `generated` key: lower-case hex (default, the Sonarr/Radarr/Prowlarr
 * API key format) or alphanumeric via rejection sampling (no modulo bias).
 */
export function generateSecretValue(spec: { length?: number; alphabet?: 'hex' | 'alphanumeric' }, random: RandomBytes = randomBytes): string {
  const length = spec.length ?? 32;
  if (!Number.isInteger(length) || length < 1 || length > 4096) throw new SecretsError(`generated value length must be an integer from 1 to 4096, got ${length}`);
  if ((spec.alphabet ?? 'hex') === 'hex') {
    return Buffer.from(random(Math.ceil(length / 2)))
      .toString('hex')
      .slice(0, length);
  }
  const limit = 256 - (256 % ALPHANUMERIC.length); // 248: the largest multiple of 62 ≤ 256
  let out = '';
  while (out.length < length) {
    for (const b of random(length - out.length + 8)) {
      if (b < limit && out.length < length) out += ALPHANUMERIC[b % ALPHANUMERIC.length]!;
    }
  }
  return out;
}

/** What the executor keeps of a previous file beside its plan facts: the text, and the values once opened. */
interface Observed {
  readonly input: SecretPlanInput;
  readonly previousText?: string;
  /** Decrypted `stringData` (never leaves this module). */
  readonly previousValues?: Record<string, unknown>;
}

interface ObserveContext {
  readonly identities: readonly string[];
  readonly identityRecipients: ReadonlySet<string>;
  readonly supplied: Readonly<Record<string, string>>;
  readonly readPrevious: (path: string) => string | undefined;
  readonly publicValues?: ReadonlySet<string>;
  /** Every plaintext seen, for redaction. */
  readonly secretsSeen: Set<string>;
}

/** Resolves every request; throws one error listing all problems (or all missing values). */
export async function resolveSecrets(opts: ResolveSecretsOptions): Promise<ResolvedSecrets> {
  const identities = opts.identities ?? [];
  const operatorValues = opts.operatorValues ?? {};
  const random = opts.random ?? randomBytes;
  validateRequests(opts.requests);

  // Every plaintext this run touches, so that no message can ever carry one (defence in depth:
  // messages are built from names only, but engine errors are passed through).
  const secretsSeen = new Set<string>();
  for (const byKey of Object.values(operatorValues)) for (const v of Object.values(byKey)) secretsSeen.add(v);

  const identityRecipients = await recipientsOf(identities);
  const observed: Observed[] = [];
  for (const req of opts.requests) {
    observed.push(
      await observe(req, findCreationRule(opts.sopsConfig, req.path), {
        identities,
        identityRecipients,
        supplied: operatorValues[req.name] ?? {},
        readPrevious: opts.readPrevious ?? (() => undefined),
        ...(opts.publicValues ? { publicValues: opts.publicValues } : {}),
        secretsSeen,
      }),
    );
  }
  const inputs = observed.map((o) => o.input);
  const plan = planSecrets(inputs, { regenerate: opts.regenerate === true });
  opts.onPlan?.(plan, inputs);

  const { files, report, warnings, problems } = await executePlan(plan, observed, { opts, operatorValues, random, secretsSeen });
  if (problems.length > 0) {
    const parts = [`${problems.length} Secret file(s) cannot be resolved:`, ...problems.map((p) => `  - ${p}`)];
    if (plan.missing.length > 0) parts.push('', describeMissing(plan.missing));
    const msg = redact(parts.join('\n'), secretsSeen);
    throw new SecretsError(
      msg,
      problems.map((p) => redact(p, secretsSeen)),
      plan.missing,
    );
  }
  if (plan.missing.length > 0) throw new MissingSecretValuesError(plan.missing);
  return { files, report, warnings: warnings.map((w) => redact(w, secretsSeen)) };
}

interface ExecuteContext {
  readonly opts: ResolveSecretsOptions;
  readonly operatorValues: OperatorValues;
  readonly random: RandomBytes;
  readonly secretsSeen: Set<string>;
}

/**
 * Does what the plan says, file by file: generates values, checks every known value against its
 * key's rule, encrypts, or writes the previous text again. Problems keep request order.
 */
async function executePlan(plan: SecretPlan, observed: readonly Observed[], { opts, operatorValues, random, secretsSeen }: ExecuteContext) {
  const files: ResolvedSecretFile[] = [];
  const report: SecretReportEntry[] = [];
  const warnings: string[] = [];
  const problems: string[] = [];
  for (const [i, file] of plan.files.entries()) {
    const { request: req, where, action } = file;
    const { previousText, previousValues = {} } = observed[i]!;
    warnings.push(...file.warnings);
    if (action.kind === 'refuse' || action.kind === 'needs-identity') {
      problems.push(action.problem);
      continue;
    }
    if (action.kind === 'await-values') continue;
    const supplied = operatorValues[req.name] ?? {};

    /** The document to write, with the values the plan says (generating new ones now). */
    const build = (): { doc: Record<string, unknown>; generated: string[] } => {
      const stringData: Record<string, string> = {};
      const generated: string[] = [];
      for (const k of file.keys) {
        if (k.action === 'supply') stringData[k.key] = supplied[k.key]!;
        else if (k.action === 'carry') stringData[k.key] = stringOf(previousValues[k.key]);
        else if (k.action === 'generate') {
          const spec = req.keys.find((s) => s.key === k.key)!.source as Extract<SecretKeySpec['source'], { kind: 'generated' }>;
          const v = generateSecretValue(spec, random);
          secretsSeen.add(v);
          stringData[k.key] = v;
          generated.push(k.key);
        }
      }
      return { doc: secretManifest(req, stringData), generated };
    };
    /** Values that break their key's rule, by key name only (the value never reaches a message). */
    const breaksRules = (doc: Record<string, unknown>): boolean => {
      const data = isRecord(doc.stringData) ? doc.stringData : {};
      const bad = req.keys.filter((k) => k.valueRule && typeof data[k.key] === 'string' && !k.valueRule.pattern.test(data[k.key] as string));
      for (const k of bad) {
        problems.push(
          `${where}: the value of ${k.key} is not usable: it must be ${k.valueRule!.description}. Supply another one (${secretEnvVarName(req.name, k.key)}, secrets.local.yaml or secrets.sops.yaml).`,
        );
      }
      return bad.length > 0;
    };

    if (action.kind === 'keep') {
      // A kept file is checked too when its values are known: a rule may have become stricter.
      if (action.opened && breaksRules(build().doc)) continue;
      const opened = observed[i]!.previousValues;
      files.push({ path: req.path, text: previousText!, ...(opened ? { fingerprints: fingerprintsOfStringData(opened) } : {}) });
      report.push({ name: req.name, namespace: req.namespace, path: req.path, status: 'kept', generatedKeys: [], demoKeys: [] });
      continue;
    }
    const { doc, generated } = build();
    if (breaksRules(doc)) continue;
    try {
      const indent = opts.sopsConfig.yamlIndent;
      const text = await encryptYaml(doc, file.rule!, { ...(opts.now ? { now: opts.now } : {}), ...(indent !== undefined ? { indent } : {}) });
      const document = assertValuesEncrypted(text, req);
      files.push({ path: req.path, text, fingerprints: fingerprintsOfStringData(doc.stringData), document });
      const status: SecretFileStatus = action.kind === 'create' ? 'created' : 're-encrypted';
      report.push({ name: req.name, namespace: req.namespace, path: req.path, status, generatedKeys: generated, demoKeys: [...file.demoKeys] });
    } catch (err) {
      problems.push(`${where}: encryption failed: ${messageOf(err)}`);
    }
  }

  return { files, report, warnings, problems };
}

/** Reads and, where an identity allows, opens the previous file: the plan's facts about one request. */
async function observe(req: SecretRequest, rule: CreationRule | undefined, ctx: ObserveContext): Promise<Observed> {
  const suppliedKeys = Object.keys(ctx.supplied).filter((k) => ctx.supplied[k] !== undefined);
  const base = { request: req, ...(rule ? { rule } : {}), suppliedKeys };
  if (!rule || rule.age.length === 0) return { input: base };
  const text = ctx.readPrevious(req.path);
  if (text === undefined) return { input: { ...base, previous: { kind: 'none' } } };
  let file: Omit<Extract<PreviousFileFacts, { kind: 'sops' }>, 'opening'>;
  try {
    file = readPreviousFile(text);
  } catch (err) {
    return { input: { ...base, previous: { kind: 'unreadable', error: messageOf(err) } } };
  }
  const withOpening = (opening: PreviousOpening, previousValues?: Record<string, unknown>): Observed => ({
    input: { ...base, previous: { ...file, opening } },
    previousText: text,
    ...(previousValues ? { previousValues } : {}),
  });

  // Leaving the demo: a previous file readable with the demo identity is opened with it (the
  // identity is committed), so that none of its public values is carried over unnoticed.
  let openWith = ctx.identities;
  if (opensWithDemoIdentity(rule.age, file.recipients)) {
    try {
      openWith = [...ctx.identities, await demoIdentity()];
    } catch (err) {
      return withOpening({ kind: 'demo-identity-unavailable', error: messageOf(err) });
    }
  }
  if (openWith.length === 0) return withOpening({ kind: 'no-identity' });
  let plain: Record<string, unknown>;
  try {
    plain = stripKey((await decryptYaml(text, openWith)).plain, 'sops');
  } catch (err) {
    const matching = file.recipients.filter((r) => ctx.identityRecipients.has(r));
    if (matching.length > 0) return withOpening({ kind: 'undecryptable', matchingRecipients: matching, error: messageOf(err) });
    return withOpening({ kind: 'not-a-recipient', identities: ctx.identities.length });
  }
  const values = isRecord(plain.stringData) ? plain.stringData : {};
  for (const v of Object.values(values)) if (typeof v === 'string') ctx.secretsSeen.add(v);
  return withOpening(
    {
      kind: 'opened',
      outline: outlineOfDocument(plain),
      publicValueKeys: file.keys.filter((k) => isDemoValue(stringOf(values[k]), ctx.publicValues)),
      unchangedSuppliedKeys: suppliedKeys.filter((k) => values[k] === ctx.supplied[k]),
    },
    values,
  );
}

/** The message of MissingSecretValuesError: every missing value and the three ways to supply it. */
function describeMissing(missing: readonly MissingSecretValue[]): string {
  const lines = [`${missing.length} required Secret value(s) are missing:`];
  for (const m of missing) {
    lines.push(`  - ${m.secret}/${m.key} (namespace ${m.namespace}, ${m.path}): ${m.description}`);
    if (m.replacesDemo)
      lines.push(`      the previous value is the demo's placeholder (public through ${DEMO_IDENTITY_FILE}); it is not carried over now that the demo recipient is gone`);
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

/** The facts of a previous file that need no identity. */
function readPreviousFile(text: string): Omit<Extract<PreviousFileFacts, { kind: 'sops' }>, 'opening'> {
  const info = inspectSopsYaml(text);
  const raw: unknown = parseYaml(text);
  const sops = isRecord(raw) && isRecord(raw.sops) ? raw.sops : {};
  const document = stripKey(info.document, 'sops');
  const sd = document.stringData;
  return {
    kind: 'sops',
    recipients: info.recipients,
    keys: isRecord(sd) ? Object.keys(sd) : [],
    clearDocument: stripKey(document, 'stringData'),
    settings: {
      ...(info.encryptedRegex !== undefined ? { encryptedRegex: info.encryptedRegex } : {}),
      unencryptedRegex: sops.unencrypted_regex,
      encryptedSuffix: sops.encrypted_suffix,
      unencryptedSuffix: sops.unencrypted_suffix,
      macOnlyEncrypted: info.macOnlyEncrypted,
    },
  };
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
function assertValuesEncrypted(text: string, req: SecretRequest): Record<string, unknown> {
  const doc: unknown = parseYaml(text);
  const sd = isRecord(doc) ? doc.stringData : undefined;
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
  return doc as Record<string, unknown>;
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
