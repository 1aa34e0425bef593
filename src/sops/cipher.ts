/**
 * One value ↔ `ENC[AES256_GCM,data:…,iv:…,tag:…,type:…]` (sops `aes/cipher.go`): AES-256-GCM with
 * a 32-byte random IV, the key path as AAD, standard padded base64. Errors name the key path only.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { SopsError } from './errors.js';
import { yamlTimestamp } from './gotime.js';
import { INT64_MAX, INT64_MIN, scalarBytes, type Scalar } from './tree.js';

const IV_BYTES = 32;
const TAG_BYTES = 16;
const ENC_RE = /^ENC\[AES256_GCM,data:(.+),iv:(.+),tag:(.+),type:(.+)\]/;

/** The sops type word for a scalar (`str`, `int`, `float`, `bool`, `bytes`, `time`). */
function typeOf(s: Scalar): string {
  if (s.kind === 'null') throw new SopsError('null values are never encrypted');
  return s.kind;
}

/** True for strings that look like an sops-encrypted value. */
export function isEncString(v: string): boolean {
  return ENC_RE.test(v);
}

/**
 * Encrypt a scalar. An empty string stays empty (sops writes `""`, not ENC). `aad` is the key
 * path joined with ':' plus a trailing ':' (or the `lastmodified` text for the MAC).
 */
export function encryptScalar(s: Scalar, key: Uint8Array, aad: string, iv: Uint8Array = randomBytes(IV_BYTES)): string {
  if (s.kind === 'str' && s.value === '') return '';
  const type = typeOf(s);
  const c = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  c.setAAD(Buffer.from(aad, 'utf8'));
  const data = Buffer.concat([c.update(scalarBytes(s)), c.final()]);
  const tag = c.getAuthTag();
  return `ENC[AES256_GCM,data:${data.toString('base64')},iv:${Buffer.from(iv).toString('base64')},tag:${tag.toString('base64')},type:${type}]`;
}

const B64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Decrypt an ENC string to the typed scalar sops would produce. `where` names the value in errors
 * (a key path, "the MAC"); the value itself is never part of a message.
 */
export function decryptScalar(enc: string, key: Uint8Array, aad: string, where: string): Scalar {
  if (enc === '') return { kind: 'str', value: '' };
  const m = ENC_RE.exec(enc);
  if (!m) throw new SopsError(`${where}: value is not in sops' ENC[AES256_GCM,…] format (a plaintext value in an encrypted path?)`);
  const [, dataB64, ivB64, tagB64, type] = m as unknown as [string, string, string, string, string];
  if (!B64.test(dataB64) || !B64.test(ivB64) || !B64.test(tagB64)) throw new SopsError(`${where}: malformed base64 in the ENC value`);
  const data = Buffer.from(dataB64, 'base64');
  const iv = Buffer.from(ivB64, 'base64');
  const tag = Buffer.from(tagB64, 'base64');
  if (iv.length === 0 || tag.length !== TAG_BYTES) throw new SopsError(`${where}: malformed IV or tag in the ENC value`);
  let plain: Buffer;
  try {
    const d = createDecipheriv(`aes-${key.length * 8}-gcm` as 'aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    d.setAAD(Buffer.from(aad, 'utf8'));
    d.setAuthTag(tag);
    plain = Buffer.concat([d.update(data), d.final()]);
  } catch {
    throw new SopsError(`${where}: could not decrypt with AES_GCM (wrong data key, or the value was altered or moved to another key: its key path is authenticated)`);
  }
  return decode(plain, type, where);
}

function decode(b: Buffer, type: string, where: string): Scalar {
  const text = b.toString('utf8');
  switch (type) {
    case 'str':
      return { kind: 'str', value: text };
    case 'bytes':
      return { kind: 'bytes', value: new Uint8Array(b) };
    case 'int': {
      // strconv.Atoi: optional sign, decimal digits, int64 range.
      if (!/^[+-]?[0-9]+$/.test(text)) throw new SopsError(`${where}: type:int value is not a decimal integer`);
      const v = BigInt(text);
      if (v < INT64_MIN || v > INT64_MAX) throw new SopsError(`${where}: type:int value out of int64 range`);
      return { kind: 'int', value: v };
    }
    case 'float': {
      const v = parseGoFloat(text);
      if (v === undefined) throw new SopsError(`${where}: type:float value is not a number`);
      return { kind: 'float', value: v };
    }
    case 'bool': {
      if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return { kind: 'bool', value: true };
      if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return { kind: 'bool', value: false };
      throw new SopsError(`${where}: type:bool value is not a boolean`);
    }
    case 'time': {
      // sops 3.10+: time.Time.UnmarshalText (RFC 3339).
      const t = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(text) ? yamlTimestamp(text) : undefined;
      if (t === undefined) throw new SopsError(`${where}: type:time value is not an RFC 3339 time`);
      return { kind: 'time', text: t, src: t };
    }
    default:
      throw new SopsError(`${where}: unknown datatype ${JSON.stringify(type.slice(0, 20))} (supported: str, int, float, bool, bytes)`);
  }
}

/** The forms of `strconv.ParseFloat(s, 64)` that matter here (decimal, exponent, Inf, NaN). */
function parseGoFloat(s: string): number | undefined {
  if (/^[+-]?(inf|infinity)$/i.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  if (/^nan$/i.test(s)) return NaN;
  const plain = s.replaceAll('_', '');
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(plain)) return Number(plain);
  return undefined;
}
