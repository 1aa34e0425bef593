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
import { decryptYaml, demoIdentity } from '../sops/index.js';
import { DEMO_VALUE_FINGERPRINTS } from './demo-fingerprints.js';

/** The fingerprint of one value: SHA-256 over a fixed prefix and the value, hex. */
export function demoValueFingerprint(value: string): string {
  return createHash('sha256').update('media-stack demo value\0').update(value, 'utf8').digest('hex');
}

const known = new Set(DEMO_VALUE_FINGERPRINTS);

/**
 * True when `value` was held by the committed demo output (see the module comment), or by any
 * output of this cluster that was encrypted to the demo recipient (`alsoPublic`: the
 * fingerprints of PUBLIC_VALUES_FILE, kept in the output for the time after `keys remove`).
 */
export function isDemoValue(value: string, alsoPublic: ReadonlySet<string> = new Set()): boolean {
  if (value === '') return false;
  const fp = demoValueFingerprint(value);
  return known.has(fp) || alsoPublic.has(fp);
}

/**
 * A file in `clusters/<cluster>/` listing the fingerprints of every value this cluster's output
 * ever encrypted to the demo recipient. Values of an operator's own config (extra instances,
 * Postgres or Samba passwords, another cluster name) are not in DEMO_VALUE_FINGERPRINTS; once
 * `keys remove` re-encrypted their files away from the demo key, only this list still tells the
 * next synth that they are public. Append-only; not a manifest (no kustomization lists it).
 */
export const PUBLIC_VALUES_FILE = 'public-values.txt';

const PUBLIC_VALUES_HEADER = [
  '# media-stack: fingerprints (SHA-256) of values this output once encrypted to the public demo key.',
  '# The synth never carries such a value into an output without the demo key: it generates it anew',
  '# or asks for it. Append-only; keep this file with the output.',
];

export function parsePublicValues(text: string): Set<string> {
  return new Set(
    text
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => /^[0-9a-f]{64}$/.test(l)),
  );
}

export function formatPublicValues(fingerprints: ReadonlySet<string>): string {
  return [...PUBLIC_VALUES_HEADER, ...[...fingerprints].sort()].join('\n') + '\n';
}

/** Fingerprints of every non-empty string leaf of a (decrypted) `stringData` value. */
export function fingerprintsOfStringData(stringData: unknown): Set<string> {
  const out = new Set<string>();
  const walk = (v: unknown) => {
    if (typeof v === 'string') {
      if (v !== '') out.add(demoValueFingerprint(v));
    } else if (v !== null && typeof v === 'object') for (const x of Object.values(v)) walk(x);
  };
  walk(stringData ?? {});
  return out;
}

/** Fingerprints of every value (string leaf of stringData) of a SOPS Secret file the demo key opens. */
export async function demoFingerprintsOf(text: string): Promise<Set<string>> {
  const { plain } = await decryptYaml(text, [await demoIdentity()]);
  return fingerprintsOfStringData(plain.stringData);
}
