/**
 * Which leaves are encrypted (sops `shouldBeEncrypted`, SPEC §3): exactly one of the four key rules;
 * without any, sops uses `unencrypted_suffix: _unencrypted`. A match on any key of the path
 * (ancestor or the leaf's own key) decides, so `^(data|stringData)$` covers everything below them.
 */
import { SopsError } from './errors.js';
import { goRegExp } from './goregex.js';

export interface SelectionRule {
  readonly encryptedRegex?: string;
  readonly unencryptedRegex?: string;
  readonly encryptedSuffix?: string;
  readonly unencryptedSuffix?: string;
}

const DEFAULT_UNENCRYPTED_SUFFIX = '_unencrypted';

export type Selector = (path: readonly string[]) => boolean;

/** The single rule that applies (the default when none is set); more than one is an error. */
export function effectiveRule(rule: SelectionRule): SelectionRule {
  const set = (['encryptedRegex', 'unencryptedRegex', 'encryptedSuffix', 'unencryptedSuffix'] as const).filter((k) => rule[k] !== undefined && rule[k] !== '');
  if (set.length > 1) {
    throw new SopsError(`Cannot use more than one of encrypted_regex, unencrypted_regex, encrypted_suffix, unencrypted_suffix (got ${set.map(snake).join(', ')})`);
  }
  if (set.length === 0) return { unencryptedSuffix: DEFAULT_UNENCRYPTED_SUFFIX };
  const k = set[0]!;
  return { [k]: rule[k] };
}

const snake = (k: string) => k.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());

export function compileSelector(rule: SelectionRule): Selector {
  const r = effectiveRule(rule);
  if (r.unencryptedSuffix !== undefined) {
    const s = r.unencryptedSuffix;
    return (path) => !path.some((p) => p.endsWith(s));
  }
  if (r.encryptedSuffix !== undefined) {
    const s = r.encryptedSuffix;
    return (path) => path.some((p) => p.endsWith(s));
  }
  if (r.unencryptedRegex !== undefined) {
    const re = goRegExp(r.unencryptedRegex, 'unencrypted_regex');
    return (path) => !path.some((p) => re.test(p));
  }
  const re = goRegExp(r.encryptedRegex!, 'encrypted_regex');
  return (path) => path.some((p) => re.test(p));
}
