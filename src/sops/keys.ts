/**
 * The identity lifecycle behind `npm run keys` (src/cli/keys.ts is only argument parsing):
 * create an identity outside the repository, keep `.sops.yaml` recipients in step, and re-wrap
 * every encrypted file like `sops updatekeys` — all files or none.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { commitFileSet, recoverInterrupted } from '../output/file-set.js';
import { WriterError } from '../output/transaction.js';
import { resolveOutputPath } from '../output/write.js';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { isAgeRecipient, newIdentity, parseIdentities, recipientOf } from './age.js';
import { defaultSopsConfigText, editRuleRecipients, findCreationRule, OPERATOR_SECRETS_FILE, parseSopsConfig, withOperatorSecretsRule, withoutDemoNote } from './config.js';
import { DEMO_IDENTITY_FILE, DEMO_RECIPIENT, demoIdentity, isDemoReadable } from './demo.js';
import { SopsError } from './errors.js';
import { clearTextValuePaths, describeClearText, inspectSopsYaml, reencryptYaml, rewrapYaml } from './file.js';
import { defaultAgeKeyFile, loadAgeIdentities } from './identities.js';

export interface KeysOptions {
  /** The repository root: where `.sops.yaml` lives. */
  readonly projectDir: string;
  /** The synthesized output directory (relative to projectDir unless absolute). @default 'dist' */
  readonly outDir?: string;
  /** Environment for identity lookup (SOPS_AGE_KEY, SOPS_AGE_KEY_FILE, HOME, XDG_CONFIG_HOME). */
  readonly env: NodeJS.ProcessEnv;
}

export const bootstrapCommand = (keyFile: string) => `kubectl create secret generic sops-age --namespace=flux-system --from-file=age.agekey=${keyFile}`;

const sopsConfigPath = (o: KeysOptions) => join(o.projectDir, '.sops.yaml');
/** The operator's own encrypted values in the project folder (src/secrets/sources.ts reads them). */
/** The output folder (a symlink followed); what can never be one is refused before anything changes. */
const outputFolderOf = (o: KeysOptions) => resolveOutputPath(resolve(o.projectDir, o.outDir ?? 'dist'));

/** Closest existing ancestor's real path + the rest (so symlinked temp dirs compare correctly). */
function realish(p: string): string {
  let cur = resolve(p);
  const rest: string[] = [];
  while (!existsSync(cur)) {
    rest.unshift(cur.slice(dirname(cur).length + 1));
    const up = dirname(cur);
    if (up === cur) break;
    cur = up;
  }
  return join(realpathSync(cur), ...rest);
}

function isInside(child: string, parent: string): boolean {
  const rel = relative(realish(parent), realish(child));
  return rel === '' || (!rel.startsWith('..' + sep) && rel !== '..' && !isAbsolute(rel));
}

function resolveKeyFile(o: KeysOptions, keyFile: string | undefined): string {
  const path = keyFile ?? defaultAgeKeyFile(o.env);
  if (!path) throw new SopsError('cannot determine the sops key location (no HOME / XDG_CONFIG_HOME): pass --key-file PATH');
  const abs = resolve(o.projectDir, path);
  if (isInside(abs, o.projectDir)) {
    throw new SopsError(`refusing to write a private key inside the repository (${abs}): keep it outside, e.g. in ~/.config/sops/age/keys.txt`);
  }
  if (existsSync(abs)) throw new SopsError(`${abs} already exists: refusing to overwrite an identity. Pass --key-file with a new path.`);
  return abs;
}

/**
 * Removes an identity this command just created when its transaction failed: the transaction is
 * undone (now or by the next run), so nothing is encrypted to it, and a retry may create it again.
 */
function discardUnusedIdentity(keyFile: string): void {
  rmSync(keyFile, { force: true });
}

function writeIdentityFile(path: string, identity: string, recipient: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const text = `# created: ${new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')}\n# public key: ${recipient}\n${identity}\n`;
  writeFileSync(path, text, { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
}

/** Replaces a set of files all at once, crash-safe (journal and lock in the output folder, else beside the first file). */
function replaceFiles(out: string, files: readonly { path: string; text: string; expected?: string | null }[]): Promise<void> {
  return commitFileSet(
    existsSync(out) ? out : dirname(files[0]!.path),
    files.map((f) => ({ path: f.path, content: f.text, expected: f.expected })),
  );
}

/** Every `*.sops.yaml` / `*.sops.yml` file under dir (the `.sops.yaml` config copy excluded). */
export function findEncryptedFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && /\.sops\.ya?ml$/.test(e.name) && e.name !== '.sops.yaml' && e.name !== '.sops.yml') out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

const backupAdvice = (keyFile: string) => [
  `Back up ${keyFile} now (password manager or offline storage): without it the encrypted Secrets cannot be decrypted or re-generated.`,
  'Never commit it. sops and `npm run synth` find it there (or via SOPS_AGE_KEY_FILE).',
];

export interface InitResult {
  keyFile: string;
  recipient: string;
  sopsConfig: string;
  createdConfig: boolean;
  messages: string[];
}

/** `keys init`: a new identity outside the repo (chmod 600), its recipient in `.sops.yaml`. */
export async function initIdentity(o: KeysOptions & { keyFile?: string }): Promise<InitResult> {
  const { out } = outputFolderOf(o);
  const keyFile = resolveKeyFile(o, o.keyFile);
  const cfgPath = sopsConfigPath(o);
  const { identity, recipient } = await newIdentity();
  const existing = existsSync(cfgPath) ? readFileSync(cfgPath, 'utf8') : undefined;
  const nextConfig =
    existing === undefined
      ? defaultSopsConfigText([recipient])
      : withOperatorSecretsRule(editRuleRecipients(existing, (cur) => [...cur.filter((r) => r !== recipient), recipient]));
  writeIdentityFile(keyFile, identity, recipient);
  try {
    await replaceFiles(out, [{ path: cfgPath, text: nextConfig, expected: existing ?? null }]);
  } catch (err) {
    discardUnusedIdentity(keyFile);
    throw err;
  }
  const messages = [
    `Created age identity ${keyFile} (mode 600).`,
    `Recipient: ${recipient}`,
    `${existing === undefined ? 'Created' : 'Updated'} ${cfgPath}: new Secrets are encrypted to this recipient.`,
    ...backupAdvice(keyFile),
    'Give Flux the key (once per cluster):',
    `  ${bootstrapCommand(keyFile)}`,
  ];
  const pending = findEncryptedFiles(out).filter((f) => !safeRecipients(f).includes(recipient));
  if (pending.length > 0 && pending.every((f) => isDemoReadable(safeRecipients(f)))) {
    messages.push(
      `The ${pending.length} encrypted file(s) under ${out} are the demo's: remove the demo recipient next (\`npm run keys -- remove ${DEMO_RECIPIENT}\`; the demo identity is found in ${DEMO_IDENTITY_FILE}). ` +
        'Their values are public: the next synth replaces every generated value and asks for your own values.',
    );
  } else if (pending.length > 0) {
    messages.push(
      `${pending.length} existing encrypted file(s) under ${out} are not readable with the new key yet: run \`npm run keys -- add ${recipient}\` with an identity that opens them.`,
    );
  }
  return { keyFile, recipient, sopsConfig: cfgPath, createdConfig: existing === undefined, messages };
}

function safeRecipients(file: string): string[] {
  try {
    return inspectSopsYaml(readFileSync(file, 'utf8')).recipients;
  } catch {
    return [];
  }
}

export interface UpdateResult {
  /** Recipients of the (first) creation rule after the change. */
  recipients: string[];
  rewrapped: string[];
  unchanged: string[];
  written: string[];
  messages: string[];
}

/**
 * Change the recipients of every creation rule with `edit`, then re-encrypt every encrypted file
 * under the output dir (and the operator's `secrets.sops.yaml`) to the recipients its rule now
 * names. Needs identities (from `env`) that open every file that changes; otherwise nothing is
 * written and the error lists the files. Files readable with the committed demo identity are
 * opened with it: nobody has to supply it.
 */
async function updateRecipients(
  o: KeysOptions & {
    edit: (current: readonly string[]) => string[];
    identities?: readonly string[];
    before?: () => void;
    /**
     * Encrypt every changed file with a new data key (remove, rotate): a removed identity keeps
     * the old data key of every older copy in Git, which must not open the new files.
     * @default false - re-wrap the data key only, like `sops updatekeys` (add)
     */
    freshDataKey?: boolean;
  },
): Promise<UpdateResult> {
  const cfgPath = sopsConfigPath(o);
  const { out, exists: outExists } = outputFolderOf(o);
  const recovered = await recoverInterrupted([out, o.projectDir]);
  if (!existsSync(cfgPath)) throw new SopsError(`${cfgPath} is missing: run \`npm run keys -- init\` first`);
  const oldText = readFileSync(cfgPath, 'utf8');
  const newText = withoutDemoNote(withOperatorSecretsRule(editRuleRecipients(oldText, (cur) => o.edit(cur))));
  const cfg = parseSopsConfig(newText);
  // A mistyped --out would otherwise re-encrypt nothing and still change .sops.yaml.
  if (!outExists) throw new WriterError(`--out ${out} does not exist: pass --out the folder \`npm run synth\` wrote (default: dist)`);
  const operatorFile = join(o.projectDir, OPERATOR_SECRETS_FILE);
  // [absolute path, path the creation rules are matched against]
  const targets: [string, string][] = [
    ...findEncryptedFiles(out).map((f) => [f, relative(out, f).split(sep).join('/')] as [string, string]),
    ...(existsSync(operatorFile) ? [[operatorFile, OPERATOR_SECRETS_FILE] as [string, string]] : []),
  ];
  const files = targets.map(([f]) => f);
  const identities = [...(o.identities ?? (await loadAgeIdentities(o.env)).identities)];
  if (targets.some(([f]) => isDemoReadable(safeRecipients(f)))) identities.push(await demoIdentity());
  let leftDemo = 0;

  const planned: { file: string; text: string; before: string }[] = [];
  const unchanged: string[] = [];
  const failures: string[] = [];
  for (const [file, rel] of targets) {
    const rule = findCreationRule(cfg, rel);
    if (!rule) {
      failures.push(`${rel}: no creation rule in .sops.yaml matches it`);
      continue;
    }
    const text = readFileSync(file, 'utf8');
    let current: string[];
    try {
      current = inspectSopsYaml(text).recipients;
    } catch (e) {
      failures.push(`${rel}: ${(e as Error).message}`);
      continue;
    }
    if (current.length === rule.age.length && current.every((r, i) => r === rule.age[i])) {
      unchanged.push(file);
      continue;
    }
    if (rel === OPERATOR_SECRETS_FILE) {
      const clear = clearTextValuePaths(text);
      if (clear.length > 0) {
        failures.push(`${rel}: ${describeClearText(clear)}; encrypt the file again with sops (\`sops decrypt -i ${rel} && sops encrypt -i ${rel}\`) once .sops.yaml has its rule`);
        continue;
      }
    }
    try {
      planned.push({ file, text: o.freshDataKey ? await reencryptYaml(text, identities, rule.age) : await rewrapYaml(text, identities, rule.age), before: text });
      if (isDemoReadable(current) && !isDemoReadable(rule.age)) leftDemo++;
    } catch (e) {
      failures.push(`${rel}: ${(e as Error).message}`);
    }
  }
  if (failures.length > 0) {
    const { sources } = await loadAgeIdentities(o.env).catch(() => ({ sources: [] as string[] }));
    throw new SopsError(
      [
        `nothing was changed: ${failures.length} of ${files.length} encrypted file(s) could not be re-encrypted:`,
        ...failures.map((f) => `  ${f}`),
        `identities tried: ${identities.length} (from ${sources.length ? sources.join(', ') : 'no source: set SOPS_AGE_KEY_FILE or SOPS_AGE_KEY'})`,
      ].join('\n'),
    );
  }
  o.before?.();
  const changes = planned.map((p) => ({ path: p.file, text: p.text, expected: p.before }));
  if (newText !== oldText) changes.push({ path: cfgPath, text: newText, expected: oldText });
  const outCopy = join(out, '.sops.yaml');
  const outCopyText = existsSync(outCopy) ? readFileSync(outCopy, 'utf8') : undefined;
  if (outCopyText !== undefined && outCopyText !== newText) changes.push({ path: outCopy, text: newText, expected: outCopyText });
  if (changes.length > 0) await replaceFiles(out, changes);
  const written = changes.map((c) => c.path);
  return {
    recipients: cfg.creationRules[0]?.age ?? [],
    rewrapped: planned.map((p) => p.file),
    unchanged,
    written,
    messages: [
      ...recovered.map((r) => `recovered: ${r}`),
      `.sops.yaml recipients: ${(cfg.creationRules[0]?.age ?? []).join(', ')}`,
      o.freshDataKey
        ? `Re-encrypted ${planned.length} file(s) with new data keys (values unchanged), ${unchanged.length} already up to date.`
        : `Re-encrypted ${planned.length} file(s) (data keys and values unchanged), ${unchanged.length} already up to date.`,
      ...(leftDemo > 0
        ? [
            `${leftDemo} of them were readable with the public demo key (${DEMO_IDENTITY_FILE}): their values are known to anyone. ` +
              'The next `npm run synth` generates every generated value anew and asks for each value you supply (the demo placeholders are not kept).',
          ]
        : []),
      ...(planned.length > 0 ? ['Commit the changed *.sops.yaml files and .sops.yaml.'] : []),
    ],
  };
}

function checkRecipientArg(r: string): string {
  if (!isAgeRecipient(r)) throw new SopsError(`${JSON.stringify(r)} is not an X25519 age recipient (age1…; print yours with \`npm run keys -- recipient\`)`);
  return r;
}

/** `keys add <age1…>`. */
export async function addRecipient(o: KeysOptions & { recipient: string; identities?: readonly string[] }): Promise<UpdateResult> {
  const r = checkRecipientArg(o.recipient);
  return updateRecipients({ ...o, edit: (cur) => (cur.includes(r) ? [...cur] : [...cur, r]) });
}

/** `keys remove <age1…>`. */
export async function removeRecipient(o: KeysOptions & { recipient: string; identities?: readonly string[] }): Promise<UpdateResult> {
  const r = checkRecipientArg(o.recipient);
  return updateRecipients({
    ...o,
    edit: (cur) => {
      if (!cur.includes(r)) throw new SopsError(`${r} is not a recipient in .sops.yaml`);
      if (cur.length === 1) throw new SopsError(`${r} is the only recipient in .sops.yaml: add yours first (\`npm run keys -- init\` creates one), then remove it`);
      return cur.filter((x) => x !== r);
    },
    freshDataKey: true,
  });
}

export interface RotateResult extends UpdateResult {
  keyFile: string;
  recipient: string;
  removed: string[];
}

/**
 * `keys rotate`: a new identity (like init) replaces every recipient except `keep`; all files are
 * re-encrypted with new data keys (opened with the current identities). The key file is written only once everything else is
 * computed, so a refusal leaves no half-rotated state.
 */
export async function rotateIdentity(
  o: KeysOptions & {
    keyFile?: string;
    keep?: readonly string[];
    identities?: readonly string[];
    /** The caller generates every value anew after the rotation (`--regenerate`). @default false */
    regenerating?: boolean;
  },
): Promise<RotateResult> {
  const keyFile = resolveKeyFile(o, o.keyFile);
  const keep = (o.keep ?? []).map(checkRecipientArg);
  const { identity, recipient } = await newIdentity();
  let removed: string[] = [];
  let wroteKey = false;
  const res = await updateRecipients({
    ...o,
    edit: (cur) => {
      removed = cur.filter((r) => !keep.includes(r));
      return [recipient, ...keep.filter((r) => r !== recipient)];
    },
    before: () => {
      writeIdentityFile(keyFile, identity, recipient);
      wroteKey = true;
    },
    freshDataKey: true,
  }).catch((err: unknown) => {
    if (wroteKey) discardUnusedIdentity(keyFile);
    throw err;
  });
  return {
    ...res,
    keyFile,
    recipient,
    removed,
    messages: [
      `Created age identity ${keyFile} (mode 600); recipient ${recipient}.`,
      ...(removed.length ? [`Removed recipient(s): ${removed.join(', ')}`] : []),
      ...res.messages,
      ...backupAdvice(keyFile),
      // The same steps as the secrets runbook ("Rotating the key"): the cluster needs both
      // identities while Git holds files of either.
      'Update the cluster so it decrypts the files before and after your push:',
      `  1. give it both identities: cat <old key file> ${keyFile} > /tmp/both.agekey, then`,
      `     ${bootstrapCommand('/tmp/both.agekey')} --dry-run=client -o yaml | kubectl apply -f -`,
      '  2. commit and push the re-encrypted files; wait until `flux get kustomizations` is Ready everywhere',
      `  3. replace the Secret again with ${keyFile} alone and delete /tmp/both.agekey (docs/<cluster>/secrets.md of the output, "Rotating the key", names each reconcile)`,
      `Point sops and synth at the new key (SOPS_AGE_KEY_FILE=${keyFile}, or add it to your keys.txt); delete the old identity only after Flux has reconciled.`,
      ...(o.regenerating
        ? []
        : [
            'The values are unchanged. If they may be known to someone else (a leak), generate them anew too: `npm run keys -- rotate --regenerate` next time, or now `npm run synth -- --regenerate-secrets` (same --out and --config).',
          ]),
    ],
  };
}

/** `keys recipient`: the recipient(s) of an identity file (default: where sops looks). */
export async function recipientsOfFile(o: { keyFile?: string; env: NodeJS.ProcessEnv }): Promise<{ keyFile: string; recipients: string[] }> {
  const keyFile = o.keyFile ?? o.env.SOPS_AGE_KEY_FILE ?? defaultAgeKeyFile(o.env);
  if (!keyFile) throw new SopsError('no key file: pass --key-file PATH');
  let text: string;
  try {
    text = readFileSync(keyFile, 'utf8');
  } catch (e) {
    throw new SopsError(`cannot read ${keyFile}: ${(e as NodeJS.ErrnoException).code ?? 'unreadable'} (create one with \`npm run keys -- init\`)`);
  }
  const ids = parseIdentities(text, keyFile);
  if (ids.length === 0) throw new SopsError(`${keyFile} holds no AGE-SECRET-KEY-1… identity`);
  return { keyFile, recipients: await Promise.all(ids.map(recipientOf)) };
}
