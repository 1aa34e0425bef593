/**
 * Recognising values of the committed demo output. `dist/` is encrypted to the demo recipient,
 * whose identity is committed (`examples/demo.agekey`): every value it ever held — generated API
 * keys and passwords, and the operator placeholders — is public, in the working tree and in Git
 * history. Such a value must never survive into an output that no longer encrypts to the demo
 * key, even after the file was re-encrypted away from it (`keys remove`, `sops updatekeys`), when
 * the file's recipients no longer tell.
 *
 * The synth cannot read the demo output at run time (the operator's output may be elsewhere, and
 * `keys remove` re-encrypts `dist/` itself), so the values are known by fingerprint:
 * `DEMO_VALUE_FINGERPRINTS` (demo-fingerprints.ts, generated from `dist/` by
 * `node --import tsx scripts/demo-fingerprints.ts`, append-only: a value once committed stays
 * public). A test fails when `dist/` holds a value that is not listed.
 */
import { createHash } from 'node:crypto';
import { DEMO_VALUE_FINGERPRINTS } from './demo-fingerprints.js';

/** The fingerprint of one value: SHA-256 over a fixed prefix and the value, hex. */
export function demoValueFingerprint(value: string): string {
  return createHash('sha256').update('media-stack demo value\0').update(value, 'utf8').digest('hex');
}

const known = new Set(DEMO_VALUE_FINGERPRINTS);

/** True when `value` was held by the committed demo output (see the module comment). */
export function isDemoValue(value: string): boolean {
  return value !== '' && known.has(demoValueFingerprint(value));
}
