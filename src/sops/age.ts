/**
 * The data key ↔ `sops.age[].enc` (SPEC §6): an ASCII-armored age v1 file holding the 32 raw key
 * bytes, one per X25519 recipient. Wrapping is written on node:crypto (see wrapDataKey);
 * unwrapping, identity→recipient and key generation are age-encryption's.
 */
import { createCipheriv, createHmac, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';
import { armor, Decrypter, generateX25519Identity, identityToRecipient } from 'age-encryption';
import { SopsError } from './errors.js';

// ---------------------------------------------------------------------------------------------
// bech32 (BIP 173, no length limit, as age uses it)

const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const GEN = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];

function polymod(values: number[]): number {
  let chk = 1;
  for (const v of values) {
    const top = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk ^= GEN[i]!;
  }
  return chk >>> 0;
}

/** Decode a bech32 string; undefined if malformed or the checksum fails. */
function bech32Decode(s: string): { hrp: string; bytes: Uint8Array } | undefined {
  if (s !== s.toLowerCase() && s !== s.toUpperCase()) return undefined;
  const lower = s.toLowerCase();
  const pos = lower.lastIndexOf('1');
  if (pos < 1 || pos + 7 > lower.length) return undefined;
  const hrp = lower.slice(0, pos);
  const data: number[] = [];
  for (const c of lower.slice(pos + 1)) {
    const v = CHARSET.indexOf(c);
    if (v < 0) return undefined;
    data.push(v);
  }
  // bech32 (BIP 173) expands the human-readable part's character codes; charCodeAt is per UTF-16 unit.
  const codes = Array.from({ length: hrp.length }, (_, i) => hrp.charCodeAt(i));
  const expanded = [...codes.map((c) => c >> 5), 0, ...codes.map((c) => c & 31)];
  if (polymod([...expanded, ...data]) !== 1) return undefined;
  const words = data.slice(0, -6);
  let acc = 0;
  let bits = 0;
  const out: number[] = [];
  for (const w of words) {
    acc = (acc << 5) | w;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((acc >> bits) & 0xff);
    }
  }
  if (bits >= 5 || (acc & ((1 << bits) - 1)) !== 0) return undefined;
  return { hrp, bytes: Uint8Array.from(out) };
}

/** True for an X25519 age recipient (`age1…`, 32-byte key, valid checksum): what sops 3.8–3.10 accept. */
export function isAgeRecipient(s: string): boolean {
  const d = bech32Decode(s);
  return !!d && s.startsWith('age1') && d.hrp === 'age' && d.bytes.length === 32;
}

/** True for an X25519 age identity (`AGE-SECRET-KEY-1…`). */
export function isAgeIdentity(s: string): boolean {
  const d = bech32Decode(s);
  return !!d && s.startsWith('AGE-SECRET-KEY-1') && d.hrp === 'age-secret-key-' && d.bytes.length === 32;
}

// ---------------------------------------------------------------------------------------------
// wrapping

const SPKI_X25519 = Buffer.from('302a300506032b656e032100', 'hex');
const b64nopad = (b: Uint8Array) => Buffer.from(b).toString('base64').replace(/=+$/, '');
const hkdf = (ikm: Uint8Array, salt: Uint8Array, info: string) => Buffer.from(hkdfSync('sha256', ikm, salt, info, 32));

function chacha(key: Uint8Array, nonce: Uint8Array, plain: Uint8Array): Buffer {
  const c = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
  return Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]);
}

const publicKeys = new Map<string, { raw: Buffer; key: KeyObject }>();
function publicKeyOf(recipient: string): { raw: Buffer; key: KeyObject } {
  let pk = publicKeys.get(recipient);
  if (!pk) {
    const d = bech32Decode(recipient);
    if (!d || !isAgeRecipient(recipient)) throw new SopsError(`invalid age recipient ${JSON.stringify(recipient)} (expected age1… X25519)`);
    const raw = Buffer.from(d.bytes);
    pk = { raw, key: createPublicKey({ key: Buffer.concat([SPKI_X25519, raw]), format: 'der', type: 'spki' }) };
    if (publicKeys.size > 256) publicKeys.clear();
    publicKeys.set(recipient, pk);
  }
  return pk;
}

/**
 * `age -r <recipient> -a` of the 32-byte data key, as sops writes it into `enc`: an age v1 file
 * (age-encryption.org/v1 spec) with one X25519 stanza and one STREAM chunk, ASCII-armored.
 * Written with node:crypto (X25519, HKDF-SHA-256, HMAC-SHA-256, ChaCha20-Poly1305) because
 * age-encryption's pure-JS primitives cost ~1 ms per recipient; tests check every output with
 * the age CLI and with age-encryption's Decrypter.
 */
export function wrapDataKey(dataKey: Uint8Array, recipient: string): string {
  const pub = publicKeyOf(recipient);
  const fileKey = randomBytes(16);
  // X25519 recipient stanza
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  const share = publicKey.export({ format: 'der', type: 'spki' }).subarray(SPKI_X25519.length);
  const secret = diffieHellman({ privateKey, publicKey: pub.key });
  if (secret.every((b) => b === 0)) throw new SopsError('age: X25519 produced an all-zero shared secret (invalid recipient key)');
  const wrapKey = hkdf(secret, Buffer.concat([share, pub.raw]), 'age-encryption.org/v1/X25519');
  const body = chacha(wrapKey, Buffer.alloc(12), fileKey);
  // header + MAC
  const header = `age-encryption.org/v1\n-> X25519 ${b64nopad(share)}\n${b64nopad(body)}\n---`;
  const mac = createHmac('sha256', hkdf(fileKey, new Uint8Array(0), 'header'))
    .update(header)
    .digest();
  // payload: 16-byte nonce, one final STREAM chunk (counter 0, last-chunk flag 1)
  const nonce = randomBytes(16);
  const chunkNonce = Buffer.alloc(12);
  chunkNonce[11] = 1;
  const payload = chacha(hkdf(fileKey, nonce, 'payload'), chunkNonce, dataKey);
  const file = Buffer.concat([Buffer.from(`${header} ${b64nopad(mac)}\n`, 'latin1'), nonce, payload]);
  const b64 = file.toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  return `-----BEGIN AGE ENCRYPTED FILE-----\n${lines.join('\n')}\n-----END AGE ENCRYPTED FILE-----\n`;
}

export interface AgeEntry {
  readonly recipient: string;
  readonly enc: string;
}

/**
 * Unwrap the data key with any of the identities (like sops: every entry is tried with all
 * identities). The error names the file's recipients and those of the identities tried.
 */
export async function unwrapDataKey(entries: readonly AgeEntry[], identities: readonly string[]): Promise<Uint8Array> {
  if (entries.length === 0) throw new SopsError('No keys found in file: the sops block has no age recipients');
  const usable = identities.filter(isAgeIdentity);
  if (usable.length === 0) {
    throw new SopsError(
      `no age identity available to decrypt the data key (file recipients: ${entries.map((e) => e.recipient).join(', ')}). ` +
        'Set SOPS_AGE_KEY_FILE or SOPS_AGE_KEY, or put the key in ~/.config/sops/age/keys.txt.',
    );
  }
  const d = new Decrypter();
  for (const id of usable) d.addIdentity(id);
  for (const entry of entries) {
    let file: Uint8Array;
    try {
      file = armor.decode(entry.enc);
    } catch {
      continue;
    }
    try {
      const key = await d.decrypt(file);
      if (key.length !== 32 && key.length !== 16 && key.length !== 24) throw new SopsError(`the age payload for ${entry.recipient} is not an AES key`);
      return key;
    } catch (e) {
      if (e instanceof SopsError) throw e;
    }
  }
  const mine = await Promise.all(usable.map((id) => identityToRecipient(id)));
  throw new SopsError(
    `none of the ${usable.length} age identit${usable.length === 1 ? 'y' : 'ies'} (recipient${usable.length === 1 ? '' : 's'} ${mine.join(', ')}) ` +
      `can decrypt the data key; the file is encrypted to: ${entries.map((e) => e.recipient).join(', ')}`,
  );
}

// ---------------------------------------------------------------------------------------------
// identities

/**
 * Parse an age identity file (or the SOPS_AGE_KEY value): one AGE-SECRET-KEY-1… per line, empty
 * lines and `#` comments ignored. `source` names the origin in errors; lines are never echoed.
 */
export function parseIdentities(text: string, source: string): string[] {
  const out: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    if (line.startsWith('AGE-PLUGIN-')) throw new SopsError(`${source} line ${i + 1}: age plugin identities are not supported`);
    if (!isAgeIdentity(line)) throw new SopsError(`${source} line ${i + 1}: not a valid AGE-SECRET-KEY-1… identity`);
    out.push(line);
  });
  return out;
}

/** The `age1…` recipient of an identity (`age-keygen -y`). */
export async function recipientOf(identity: string): Promise<string> {
  if (!isAgeIdentity(identity)) throw new SopsError('not a valid AGE-SECRET-KEY-1… identity');
  return identityToRecipient(identity);
}

/** A new X25519 identity and its recipient. */
export async function newIdentity(): Promise<{ identity: string; recipient: string }> {
  const identity = await generateX25519Identity();
  return { identity, recipient: await identityToRecipient(identity) };
}
