/**
 * `.sops.yaml` creation rules (sops `config/config.go`, SPEC §7), restricted to what this engine
 * can honour: age recipients and one of the four key-selection rules. Where sops silently ignores
 * a typo (`path_regexp:` makes a rule match every file) or accepts something it cannot use, this
 * parser fails with the rule index, the key and a fix.
 */
import { isMap, isScalar, isSeq, parseDocument, type Document } from 'yaml';
import { isAgeRecipient } from './age.js';
import { DEMO_RECIPIENT } from './demo.js';
import { SopsError } from './errors.js';
import { goRegExp } from './goregex.js';
import { effectiveRule } from './selection.js';

export interface CreationRule {
  pathRegex?: string;
  encryptedRegex?: string;
  unencryptedRegex?: string;
  encryptedSuffix?: string;
  unencryptedSuffix?: string;
  macOnlyEncrypted?: boolean;
  age: string[];
}

export interface SopsConfig {
  creationRules: CreationRule[];
  /** `stores.yaml.indent` (sops 3.9+); sops writes YAML with indent 4 when absent. */
  yamlIndent?: number;
}

const STRING_FIELDS = {
  path_regex: 'pathRegex',
  encrypted_regex: 'encryptedRegex',
  unencrypted_regex: 'unencryptedRegex',
  encrypted_suffix: 'encryptedSuffix',
  unencrypted_suffix: 'unencryptedSuffix',
} as const;

const UNSUPPORTED = new Set([
  'kms',
  'aws_profile',
  'pgp',
  'gcp_kms',
  'azure_keyvault',
  'hc_vault_transit_uri',
  'hckms',
  'shamir_threshold',
  'encrypted_comment_regex',
  'unencrypted_comment_regex',
]);

const KNOWN = ['path_regex', 'age', 'key_groups', 'mac_only_encrypted', ...Object.keys(STRING_FIELDS)];

function closest(key: string): string | undefined {
  const dist = (a: string, b: string) => {
    const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) d[0]![j] = j;
    for (let i = 1; i <= a.length; i++)
      for (let j = 1; j <= b.length; j++) d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    return d[a.length]![b.length]!;
  };
  const best = KNOWN.map((k) => [k, dist(key, k)] as const).sort((x, y) => x[1] - y[1])[0];
  return best && best[1] <= 3 ? best[0] : undefined;
}

/** Split sops' comma-separated recipient string. */
function splitRecipients(s: string): string[] {
  return s
    .split(',')
    .map((r) => r.trim())
    .filter((r) => r !== '');
}

function parseAge(value: unknown, where: string): string[] {
  if (Array.isArray(value)) {
    throw new SopsError(`${where}.age is a YAML list; sops 3.8–3.10 need ONE comma-separated string: age: ${value.join(',')}`);
  }
  if (typeof value !== 'string') throw new SopsError(`${where}.age must be a comma-separated string of age1… recipients`);
  const list = splitRecipients(value);
  for (const r of list) {
    if (!isAgeRecipient(r)) throw new SopsError(`${where}.age: ${JSON.stringify(r)} is not an X25519 age recipient (age1… with a valid checksum)`);
  }
  return list;
}

function parseRule(raw: unknown, i: number): CreationRule {
  const where = `.sops.yaml creation_rules[${i}]`;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new SopsError(`${where} must be a mapping`);
  const rule: CreationRule = { age: [] };
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    if (key in STRING_FIELDS) {
      if (typeof value !== 'string') throw new SopsError(`${where}.${key} must be a string`);
      rule[STRING_FIELDS[key as keyof typeof STRING_FIELDS]] = value;
    } else if (key === 'mac_only_encrypted') {
      if (typeof value !== 'boolean') throw new SopsError(`${where}.mac_only_encrypted must be true or false`);
      rule.macOnlyEncrypted = value;
    } else if (key === 'age') {
      rule.age.push(...parseAge(value, where));
    } else if (key === 'key_groups') {
      if (!Array.isArray(value)) throw new SopsError(`${where}.key_groups must be a list`);
      if (value.length > 1) throw new SopsError(`${where}.key_groups: more than one key group (Shamir secret sharing) is not supported; use one rule-level age: string`);
      for (const group of value as unknown[]) {
        if (group === null || typeof group !== 'object') throw new SopsError(`${where}.key_groups[0] must be a mapping`);
        for (const [gk, gv] of Object.entries(group as Record<string, unknown>)) {
          if (gk !== 'age') throw new SopsError(`${where}.key_groups[0].${gk}: only age keys are supported`);
          const list = Array.isArray(gv) ? gv : [gv];
          for (const r of list) {
            if (typeof r !== 'string' || !isAgeRecipient(r.trim())) throw new SopsError(`${where}.key_groups[0].age: ${JSON.stringify(r)} is not an X25519 age recipient`);
            rule.age.push(r.trim());
          }
        }
      }
    } else if (UNSUPPORTED.has(key)) {
      throw new SopsError(`${where}.${key} is not supported: this project's SOPS engine handles age recipients and the four key rules only`);
    } else {
      const hint = closest(key);
      throw new SopsError(`${where}: unknown key ${JSON.stringify(key)}${hint ? ` (did you mean ${hint}?)` : ''}; sops would silently ignore it`);
    }
  }
  try {
    effectiveRule(rule);
  } catch (e) {
    throw new SopsError(`${where}: ${(e as Error).message}`);
  }
  for (const [k, f] of [
    ['path_regex', rule.pathRegex],
    ['encrypted_regex', rule.encryptedRegex],
    ['unencrypted_regex', rule.unencryptedRegex],
  ] as const) {
    if (f !== undefined) goRegExp(f, `${where}.${k}`);
  }
  rule.age = [...new Set(rule.age)];
  return rule;
}

export function parseSopsConfig(text: string): SopsConfig {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const pos = e.linePos?.[0];
    throw new SopsError(`.sops.yaml is not valid YAML${pos ? ` (line ${pos.line}, column ${pos.col})` : ''}: ${e.message.split('\n')[0]}`);
  }
  const root: unknown = doc.toJS();
  if (root === null || typeof root !== 'object' || Array.isArray(root)) throw new SopsError('.sops.yaml must be a mapping with a creation_rules list');
  const r = root as Record<string, unknown>;
  if (!('creation_rules' in r)) throw new SopsError('.sops.yaml has no creation_rules');
  if (!Array.isArray(r.creation_rules)) throw new SopsError('.sops.yaml creation_rules must be a list of rules');
  const cfg: SopsConfig = { creationRules: r.creation_rules.map(parseRule) };
  const indent = (r.stores as { yaml?: { indent?: unknown } } | undefined)?.yaml?.indent;
  if (indent !== undefined) {
    if (typeof indent !== 'number' || !Number.isInteger(indent) || indent < 2 || indent > 9) throw new SopsError('.sops.yaml stores.yaml.indent must be an integer from 2 to 9');
    cfg.yamlIndent = indent;
  }
  return cfg;
}

const pathRegexCache = new Map<string, RegExp>();

/** First rule whose path_regex matches `relPath` (unanchored search; no/empty path_regex matches every file). */
export function findCreationRule(cfg: SopsConfig, relPath: string): CreationRule | undefined {
  const path = relPath.replaceAll('\\', '/').replace(/^\.\//, '');
  return cfg.creationRules.find((rule) => {
    if (rule.pathRegex === undefined || rule.pathRegex === '') return true;
    let re = pathRegexCache.get(rule.pathRegex);
    if (!re) {
      re = goRegExp(rule.pathRegex, 'path_regex');
      pathRegexCache.set(rule.pathRegex, re);
    }
    return re.test(path);
  });
}

/**
 * `path_regex` of the rule for the operator's own values (`secrets.sops.yaml` in the project
 * folder): no key selection, so sops encrypts every value. It must come before the output's rule
 * (`\.sops\.ya?ml$` with `encrypted_regex: ^(data|stringData)$`), which matches the file too and
 * would leave all of its values in clear text, because none of its keys is `data`/`stringData`.
 */
/** The operator's SOPS-encrypted values file, relative to the project folder (matched by OPERATOR_SECRETS_PATH_REGEX). */
export const OPERATOR_SECRETS_FILE = 'secrets.sops.yaml';
export const OPERATOR_SECRETS_PATH_REGEX = '(^|/)secrets\\.sops\\.ya?ml$';

/** The header comment of a `.sops.yaml` the keys commands write (without `#`). */
const HEADER = [
  'SOPS creation rules (sops 3.9+; written by `npm run keys -- init`, edited by `keys add/remove/rotate`).',
  'The first rule that matches a file decides: secrets.sops.yaml (your own values) has every value',
  'encrypted; the Secrets in the output only data/stringData, so that Flux and kustomize can read',
  'apiVersion, kind and metadata.',
];
const OPERATOR_RULE_COMMENT = ' Your values (secrets.sops.yaml, edited with `sops`): every value encrypted.';

/** The `.sops.yaml` that `keys init` writes for a new project. */
export function defaultSopsConfigText(recipients: readonly string[]): string {
  return [
    ...HEADER.map((l) => `# ${l}`),
    'creation_rules:',
    `  #${OPERATOR_RULE_COMMENT}`,
    `  - path_regex: ${OPERATOR_SECRETS_PATH_REGEX}`,
    `    age: ${recipients.join(',')}`,
    '  - path_regex: \\.sops\\.ya?ml$',
    '    encrypted_regex: ^(data|stringData)$',
    '    mac_only_encrypted: true',
    `    age: ${recipients.join(',')}`,
    '',
  ].join('\n');
}

/** True when `rule` encrypts every value of a file (no key selection narrows it). */
function encryptsEveryValue(rule: CreationRule): boolean {
  return rule.encryptedRegex === undefined && rule.unencryptedRegex === undefined && rule.encryptedSuffix === undefined;
}

/**
 * Makes sure `secrets.sops.yaml` is matched by a rule that encrypts every value: when the first
 * matching rule is the output's (values of data/stringData only) or none matches, a rule for it
 * with the recipients of the first rule is inserted at the top. Other text is kept.
 */
export function withOperatorSecretsRule(text: string): string {
  const cfg = parseSopsConfig(text);
  const current = findCreationRule(cfg, 'secrets.sops.yaml');
  if (current && encryptsEveryValue(current)) return text;
  const recipients = current?.age.length ? current.age : (cfg.creationRules[0]?.age ?? []);
  if (recipients.length === 0) return text;
  const doc: Document.Parsed = parseDocument(text, { uniqueKeys: true });
  const rules = doc.get('creation_rules');
  if (!isSeq(rules)) throw new SopsError('.sops.yaml creation_rules must be a list of rules');
  const rule = doc.createNode({ path_regex: OPERATOR_SECRETS_PATH_REGEX, age: recipients.join(',') });
  rule.commentBefore = OPERATOR_RULE_COMMENT;
  rules.items.unshift(rule);
  return doc.toString({ lineWidth: 0 });
}

/**
 * Once no rule names the demo recipient, a header comment that still calls the recipient "the
 * DEMO key" (the committed .sops.yaml) would mislabel the operator's own key: it is replaced by
 * the standard header. Anything else is kept.
 */
export function withoutDemoNote(text: string): string {
  if (parseSopsConfig(text).creationRules.some((r) => r.age.includes(DEMO_RECIPIENT))) return text;
  const doc: Document.Parsed = parseDocument(text, { uniqueKeys: true });
  // The header is the document's comment, or (without a blank line after it) the first key's.
  const firstKey = isMap(doc.contents) ? doc.contents.items[0]?.key : undefined;
  const holder = doc.commentBefore ? doc : isScalar(firstKey) && firstKey.commentBefore ? firstKey : undefined;
  if (!holder || !/demo/i.test(holder.commentBefore ?? '')) return text;
  holder.commentBefore = HEADER.map((l) => ` ${l}`).join('\n');
  return doc.toString({ lineWidth: 0 });
}

/**
 * Rewrite the recipients of every creation rule of a `.sops.yaml` text with `edit` (comments and
 * the other keys are kept). Rules written with key_groups are refused: edit those by hand.
 */
export function editRuleRecipients(text: string, edit: (current: readonly string[], index: number) => string[]): string {
  parseSopsConfig(text); // validate first: never rewrite a file we do not understand
  const doc: Document.Parsed = parseDocument(text, { uniqueKeys: true });
  const rules = doc.get('creation_rules');
  if (!isSeq(rules)) throw new SopsError('.sops.yaml creation_rules must be a list of rules');
  rules.items.forEach((item, i) => {
    if (!isMap(item)) throw new SopsError(`.sops.yaml creation_rules[${i}] must be a mapping`);
    if (item.has('key_groups')) throw new SopsError(`.sops.yaml creation_rules[${i}] uses key_groups: edit its recipients by hand`);
    const node = item.get('age', true);
    const current = isScalar(node) && typeof node.value === 'string' ? splitRecipients(node.value) : [];
    const next = edit(current, i);
    if (next.length === 0) throw new SopsError(`.sops.yaml creation_rules[${i}] would be left without any age recipient`);
    for (const r of next) if (!isAgeRecipient(r)) throw new SopsError(`${JSON.stringify(r)} is not an X25519 age recipient (age1…)`);
    item.set('age', next.join(','));
  });
  return doc.toString({ lineWidth: 0 });
}
