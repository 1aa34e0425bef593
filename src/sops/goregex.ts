/**
 * Go RE2 patterns (`.sops.yaml` path_regex, encrypted_regex, …) as JavaScript RegExps. The common
 * syntax is shared; the few Go-only spellings that appear in practice are translated, anything
 * JavaScript cannot compile is a SopsError naming the field.
 */
import { SopsError } from './errors.js';

export function goRegExp(pattern: string, field: string): RegExp {
  let src = pattern;
  let flags = '';
  const lead = /^\(\?([imsU]+)\)/.exec(src);
  if (lead) {
    if (lead[1]!.includes('U')) throw new SopsError(`${field}: the (?U) flag is not supported`);
    flags = [...new Set(lead[1])].join('');
    src = src.slice(lead[0].length);
  }
  src = src.replaceAll('(?P<', '(?<').replaceAll('\\z', '$(?![\\s\\S])');
  try {
    return new RegExp(src, flags);
  } catch (e) {
    throw new SopsError(`${field}: invalid regular expression ${JSON.stringify(pattern)}: ${(e as Error).message}`);
  }
}
