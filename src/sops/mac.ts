/**
 * The sops MAC (SPEC §4): SHA-512 over the typed bytes of the leaf values in document order
 * (no keys, no separators; nulls skipped; with `mac_only_encrypted` only encrypted leaves, after
 * SHA-256("sops")), as upper-case hex, stored encrypted with `lastmodified` as AAD.
 */
import { createHash, type Hash } from 'node:crypto';
import { decryptScalar, encryptScalar } from './cipher.js';
import { SopsError } from './errors.js';
import { rfc3339Aad } from './gotime.js';
import { scalarBytes, type Scalar } from './tree.js';

/** sha256("sops"), hashed first when `mac_only_encrypted` is set (sops.go:93). */
const MAC_ONLY_ENCRYPTED_INIT = createHash('sha256').update('sops').digest();

export class MacHasher {
  private readonly h: Hash = createHash('sha512');
  constructor(private readonly macOnlyEncrypted: boolean) {
    if (macOnlyEncrypted) this.h.update(MAC_ONLY_ENCRYPTED_INIT);
  }
  /** Feed one non-null leaf value (plaintext, typed). */
  add(value: Scalar, encrypted: boolean): void {
    if (value.kind === 'null') return;
    if (this.macOnlyEncrypted && !encrypted) return;
    this.h.update(scalarBytes(value));
  }
  hex(): string {
    return this.h.digest('hex').toUpperCase();
  }
}

/** The AAD for the MAC: `lastmodified` parsed as RFC 3339 and formatted back (Go semantics). */
function macAad(lastModified: string): string {
  const aad = rfc3339Aad(lastModified);
  if (aad === undefined) throw new SopsError(`sops.lastmodified ${JSON.stringify(lastModified)} is not an RFC 3339 time`);
  return aad;
}

export function encryptMac(hex: string, dataKey: Uint8Array, lastModified: string): string {
  return encryptScalar({ kind: 'str', value: hex }, dataKey, macAad(lastModified));
}

/** Throws a SopsError unless the stored MAC decrypts and equals the recomputed one. Digests are never printed. */
export function verifyMac(storedEnc: string, computedHex: string, dataKey: Uint8Array, lastModified: string): void {
  if (storedEnc === '') throw new SopsError('MAC mismatch: the file has no MAC (sops.mac is empty)');
  let stored: Scalar;
  try {
    stored = decryptScalar(storedEnc, dataKey, macAad(lastModified), 'sops.mac');
  } catch (e) {
    if (e instanceof SopsError && e.message.startsWith('sops.lastmodified')) throw e;
    throw new SopsError('Cannot decrypt MAC: sops.mac or sops.lastmodified was altered (the MAC is authenticated with lastmodified as AAD)');
  }
  if (stored.kind !== 'str' || stored.value !== computedHex) {
    throw new SopsError('MAC mismatch: the values (or their order) differ from what was encrypted — a value was edited, added, removed or re-ordered after encryption');
  }
}
