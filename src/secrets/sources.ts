/**
 * Where operator-supplied Secret values come from, in order of precedence:
 *
 * 1. environment variables `MEDIA_STACK_SECRET__<SECRET>__<KEY>` (see `secretEnvVarName`) of the
 *    Secrets and keys the stack requests (a non-empty one of any other name is refused like an
 *    unrequested file entry);
 * 2. the gitignored plaintext `secrets.local.yaml` in the project folder;
 * 3. the SOPS-encrypted `secrets.sops.yaml` in the project folder (edit it with the real `sops` CLI).
 *
 * Both files have the same layout, a mapping of Secret names to mappings of keys to strings:
 *
 * ```yaml
 * decypharr-secrets:
 *   realdebrid-api-key: "…"
 * ```
 *
 * An empty value (empty env var or `""`) counts as not supplied; a value of only whitespace is an
 * error (a paste gone wrong), and so is an entry for a Secret or key the config does not request
 * (a typo must not be ignored; the error suggests the closest requested name). Values are needed
 * once: later synths carry them over from the previous encrypted output (`resolve.ts`).
 *
 * `secrets.sops.yaml` whose values are not all encrypted (a valid `sops:` block over clear text,
 * what the output's `data|stringData` rule makes of it) is refused, with or without identities.
 *
 * Without any age identity (CI) `secrets.sops.yaml` cannot be read; it is then skipped with a
 * warning and the synth relies on the previous encrypted files. When identities exist but none
 * opens it, that is an error.
 *
 * Errors and warnings name files, Secret names and keys, never values.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { closest } from '../config/schema.js';
import { clearTextValuePaths, decryptYaml, describeClearText, OPERATOR_SECRETS_PATH_REGEX } from '../sops/index.js';
import { DEFAULT_LOCAL_SECRETS_FILE, DEFAULT_SOPS_SECRETS_FILE, SECRET_ENV_PREFIX, secretEnvVarName, type OperatorValues, type SecretRequest } from './model.js';

export interface LoadOperatorValuesOptions {
  /** Folder the two files are relative to. */
  readonly projectDir: string;
  readonly env: NodeJS.ProcessEnv;
  /** age identities for `secrets.sops.yaml` (may be empty). */
  readonly identities: readonly string[];
  /** The Secrets the stack needs: decides which env vars are read. */
  readonly requests: readonly SecretRequest[];
  /** @default 'secrets.local.yaml' */
  readonly localFile?: string;
  /** @default 'secrets.sops.yaml' */
  readonly sopsFile?: string;
}

/** Where one value came from: `env MEDIA_STACK_SECRET__…`, `secrets.local.yaml` or `secrets.sops.yaml`. */
export type OperatorValueOrigin = string;

export interface LoadedOperatorValues {
  /** Secret name → key → value (plaintext: never log). */
  readonly values: OperatorValues;
  /** Secret name → key → where the value came from (names only, safe to print). */
  readonly origins: Readonly<Record<string, Readonly<Record<string, OperatorValueOrigin>>>>;
  /** The source files that exist and were read. */
  readonly filesRead: string[];
  /** E.g. a skipped sops file. */
  readonly warnings: string[];
}

/** Thrown for unreadable or malformed sources; names the file and the offending path, never a value. */
export class OperatorValuesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OperatorValuesError';
  }
}

/** Reads and merges the operator values (env > local file > sops file). */
export async function loadOperatorValues(opts: LoadOperatorValuesOptions): Promise<LoadedOperatorValues> {
  const localName = opts.localFile ?? DEFAULT_LOCAL_SECRETS_FILE;
  const sopsName = opts.sopsFile ?? DEFAULT_SOPS_SECRETS_FILE;
  const at = (f: string) => (isAbsolute(f) ? f : join(opts.projectDir, f));
  const values: Record<string, Record<string, string>> = {};
  const origins: Record<string, Record<string, string>> = {};
  const filesRead: string[] = [];
  const warnings: string[] = [];

  const problems: string[] = [];
  const put = (secret: string, key: string, value: string, origin: string) => {
    if (value === '') return;
    if (value.trim() === '') {
      problems.push(`${origin}: ${secret}/${key} is only whitespace; put the real value there, or leave it empty to supply it elsewhere.`);
      return;
    }
    (values[secret] ??= {})[key] = value;
    (origins[secret] ??= {})[key] = origin;
  };

  // Lowest precedence first; later sources overwrite.
  const sopsPath = at(sopsName);
  if (existsSync(sopsPath)) {
    const text = await readFile(sopsPath, 'utf8');
    // Malformed YAML (an alias bomb…) is the file's fault, not a key's: say so before anything else.
    parseYamlSafely(text, sopsName);
    assertAllEncrypted(text, sopsName);
    if (opts.identities.length === 0) {
      warnings.push(
        `${sopsName} exists but no age identity is available, so it was not read; values the previous encrypted output does not already hold will be reported missing. Set SOPS_AGE_KEY_FILE to read it.`,
      );
    } else {
      let plain: Record<string, unknown>;
      try {
        ({ plain } = await decryptYaml(text, opts.identities));
      } catch (err) {
        throw new OperatorValuesError(
          `${sopsName} cannot be decrypted with the ${opts.identities.length} available age identit${opts.identities.length === 1 ? 'y' : 'ies'} ` +
            `(${safeMessage(err)}). Set SOPS_AGE_KEY_FILE to an identity that is one of its recipients, or move the file away.`,
        );
      }
      const { sops: _meta, ...doc } = plain;
      for (const [s, k, v] of entriesOf(doc, sopsName)) put(s, k, v, sopsName);
      filesRead.push(sopsName);
    }
  }

  const localPath = at(localName);
  if (existsSync(localPath)) {
    const text = await readFile(localPath, 'utf8');
    const doc = parseYamlSafely(text, localName);
    if (doc !== null && doc !== undefined) {
      if (isRecord(doc) && isRecord(doc.sops)) {
        throw new OperatorValuesError(`${localName} is SOPS-encrypted; it must be plaintext (it is gitignored). Put encrypted values in ${sopsName} instead.`);
      }
      for (const [s, k, v] of entriesOf(doc, localName)) put(s, k, v, localName);
    }
    filesRead.push(localName);
  }

  const requestedEnv = new Set<string>();
  for (const req of opts.requests) {
    for (const spec of req.keys) {
      const name = secretEnvVarName(req.name, spec.key);
      requestedEnv.add(name);
      const v = opts.env[name];
      if (v !== undefined) put(req.name, spec.key, v, `env ${name}`);
    }
  }
  // The names cannot be mapped back to a Secret and key (the normalization loses '-' and case): compare whole names.
  for (const [name, v] of Object.entries(opts.env)) {
    if (!name.startsWith(SECRET_ENV_PREFIX) || requestedEnv.has(name) || !v) continue;
    const near = closest(name, [...requestedEnv]);
    problems.push(`env ${name} is not a value this config requests${near ? `; did you mean ${near}?` : ''} Fix the name, or unset it if it belongs to an app that is not enabled.`);
  }

  // Entries nobody asked for are typos, or values of an app this config does not enable (names only).
  const requested = new Map<string, Set<string>>();
  for (const r of opts.requests) for (const k of r.keys) (requested.get(r.name) ?? requested.set(r.name, new Set()).get(r.name)!).add(k.key);
  for (const [secret, byKey] of Object.entries(origins)) {
    for (const [key, origin] of Object.entries(byKey)) {
      if (requested.get(secret)?.has(key)) continue;
      const keys = requested.get(secret);
      const near = keys ? closest(key, [...keys]) : closest(secret, [...requested.keys()]);
      const hint = !near ? [] : keys ? [`${secret}/${near}`] : [`${near}/${requested.get(near)!.has(key) ? key : [...requested.get(near)!].join('|')}`];
      problems.push(
        `${origin}: ${secret}/${key} is not ${keys ? `a key of the Secret ${secret}` : 'a Secret'} this config requests` +
          `${hint.length ? `; did you mean ${hint.join(' or ')}?` : ''} Fix the name, or remove the entry if it belongs to an app that is not enabled.`,
      );
    }
  }
  if (problems.length > 0) {
    throw new OperatorValuesError(
      `operator secret values are not usable (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }

  return { values, origins, filesRead, warnings };
}

/**
 * Refuses a `secrets.sops.yaml` that holds values in clear text under a valid `sops:` block: what
 * sops writes when the output's rule (`encrypted_regex: ^(data|stringData)$`) matches it, because
 * none of its keys is data/stringData. Checked without keys, so CI refuses it too.
 */
function assertAllEncrypted(text: string, file: string): void {
  let clear: string[];
  try {
    clear = clearTextValuePaths(text);
  } catch (err) {
    throw new OperatorValuesError(
      `${file} is not a SOPS file (${safeMessage(err)}): encrypt it with \`sops encrypt -i ${file}\`, or put plaintext values into the gitignored ${DEFAULT_LOCAL_SECRETS_FILE}.`,
    );
  }
  if (clear.length === 0) return;
  throw new OperatorValuesError(
    [
      `${file} has a sops block, but ${describeClearText(clear)}: ` +
        'the creation rule it was encrypted with selects no key of it (like the output rule, encrypted_regex ^(data|stringData)$). Nothing was read.',
      `Fix: put this rule first under creation_rules in .sops.yaml (\`npm run keys -- add <your age1… recipient>\` adds it):`,
      `  - path_regex: ${OPERATOR_SECRETS_PATH_REGEX}`,
      '    age: <your age1… recipient(s)>',
      `then encrypt the file again: \`sops decrypt -i ${file} && sops encrypt -i ${file}\`. If it was committed like this, its values are in Git history in clear text: change them at their source.`,
    ].join('\n'),
  );
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `[secret, key, value]` of a validated `mapping of mappings of strings`. */
function entriesOf(doc: unknown, file: string): [string, string, string][] {
  if (!isRecord(doc)) throw new OperatorValuesError(`${file}: the top level must be a mapping of Secret names to mappings of keys to values, got ${kindOf(doc)}.`);
  const out: [string, string, string][] = [];
  for (const [secret, byKey] of Object.entries(doc)) {
    if (byKey === null || byKey === undefined) continue;
    if (!isRecord(byKey)) throw new OperatorValuesError(`${file}: '${secret}' must be a mapping of keys to values, got ${kindOf(byKey)}.`);
    for (const [key, value] of Object.entries(byKey)) {
      if (value === null || value === undefined) continue;
      if (typeof value !== 'string') {
        throw new OperatorValuesError(
          `${file}: '${secret}.${key}' must be a string, got ${kindOf(value)}` +
            (typeof value === 'number' || typeof value === 'boolean' ? ' (put the value in quotes)' : '') +
            '.',
        );
      }
      out.push([secret, key, value]);
    }
  }
  return out;
}

function kindOf(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (isRecord(v)) return 'a mapping';
  if (v instanceof Date) return 'a date';
  return `a ${typeof v}`;
}

/** Parses YAML without echoing source text (parser messages quote the offending line). */
function parseYamlSafely(text: string, file: string): unknown {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter });
  const err = doc.errors[0];
  if (err) {
    const pos = lineCounter.linePos(err.pos[0]);
    throw new OperatorValuesError(`${file}: invalid YAML at line ${pos.line}, column ${pos.col} (${err.code}).`);
  }
  try {
    return doc.toJS();
  } catch (e) {
    // toJS refuses alias chains that expand beyond maxAliasCount ("billion laughs"); its message quotes nothing of the file.
    throw new OperatorValuesError(`${file}: refused: ${safeMessage(e).replace(/\.?$/, '.')} Write each value out instead of using YAML aliases (*name).`);
  }
}

/** An engine error's message without anything that looks like file content. */
function safeMessage(err: unknown): string {
  const m = err instanceof Error ? err.message : String(err);
  return m.split('\n')[0]!.slice(0, 200);
}
