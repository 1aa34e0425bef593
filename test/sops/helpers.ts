import { execFileSync, spawnSync } from 'node:child_process';
import { createDecipheriv } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseIdentities } from '../../src/sops/index.js';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const FIXTURES = join(REPO, 'test', 'fixtures', 'sops');

export interface Fixture {
  name: string;
  dir: string;
  /** The encrypted file's name and text. */
  file: string;
  text: string;
  format: 'yaml' | 'json';
  identities: string[];
  expected: unknown;
}

export function loadFixtures(): Fixture[] {
  return readdirSync(FIXTURES, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => {
      const dir = join(FIXTURES, d.name);
      const files = readdirSync(dir);
      const file = files.find((f) => f.includes('.enc.'));
      const idFile = files.find((f) => f.endsWith('.agekey') || f === 'identity.txt' || f === 'key.txt' || f === 'keys.txt');
      if (!file || !idFile) throw new Error(`fixture ${d.name} lacks an encrypted file or identity`);
      return {
        name: d.name,
        dir,
        file,
        text: readFileSync(join(dir, file), 'utf8'),
        format: file.endsWith('.json') ? ('json' as const) : ('yaml' as const),
        identities: parseIdentities(readFileSync(join(dir, idFile), 'utf8'), idFile),
        expected: JSON.parse(readFileSync(join(dir, 'decrypted.json'), 'utf8')) as unknown,
      };
    });
}

export function fixture(name: string): Fixture {
  const f = loadFixtures().find((x) => x.name === name);
  if (!f) throw new Error(`no fixture ${name}`);
  return f;
}

export const DEMO_KEY_FILE = join(REPO, 'examples', 'demo.agekey');
export const demoIdentities = () => parseIdentities(readFileSync(DEMO_KEY_FILE, 'utf8'), 'demo.agekey');

/**
 * Independent AES-256-GCM decryption of one ENC[…] value with node:crypto (does not use the
 * engine's cipher module): returns the plaintext bytes, the IV and the type word.
 */
export function rawDecrypt(enc: string, key: Uint8Array, aad: string): { plain: Buffer; iv: Buffer; type: string } {
  const m = /^ENC\[AES256_GCM,data:([^,]*),iv:([^,]+),tag:([^,]+),type:([a-z]+)\]$/.exec(enc);
  if (!m) throw new Error('not an ENC value');
  const iv = Buffer.from(m[2]!, 'base64');
  const d = createDecipheriv('aes-256-gcm', key, iv);
  d.setAAD(Buffer.from(aad, 'utf8'));
  d.setAuthTag(Buffer.from(m[3]!, 'base64'));
  return { plain: Buffer.concat([d.update(Buffer.from(m[1]!, 'base64')), d.final()]), iv, type: m[4]! };
}

/** Mask the random parts of a sops file (ciphertexts, IVs, tags, armored age files) for layout comparisons. */
export function maskRandom(text: string): string {
  return text
    .replace(/ENC\[AES256_GCM,data:[^,]*,iv:[^,]+,tag:[^,]+,type:([a-z]+)\]/g, 'ENC[…,type:$1]')
    .replace(/(-----BEGIN AGE ENCRYPTED FILE-----\n)(?:[ ]*[A-Za-z0-9+/=]+\n)+/g, '$1<armor>\n');
}

export const SECRET_RULE = {
  encryptedRegex: '^(data|stringData)$',
  macOnlyEncrypted: true,
} as const;

/**
 * `age -d -i keyFile` of an armored age file, with the real Go age CLI. CI installs it (apt-get
 * install age); a missing binary fails the test instead of skipping it.
 */
export function ageCliDecrypt(armored: string, keyFile: string): Buffer {
  const probe = spawnSync('age', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error('the `age` CLI is not installed: install it (apt-get install age / brew install age) — these interoperability checks must not be skipped');
  }
  return execFileSync('age', ['-d', '-i', keyFile], { input: armored, stdio: ['pipe', 'pipe', 'pipe'] });
}
