import { demoValueFingerprint, parsePublicValues, PUBLIC_VALUES_FILE } from '../../src/secrets/demo-values.js';
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decryptYaml } from '../../src/sops/index.js';
import { secretEnvVarName } from '../../src/secrets/model.js';
import { bareEnv, DEMO_KEY, PROJECT, readTree, synthInto } from './support.js';

const DIST = join(PROJECT, 'dist');
const demoIdentity = () =>
  readFileSync(DEMO_KEY, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('AGE-SECRET-KEY-'));

/** Decrypts every Secret of a tree: path → key → value. */
async function decryptAll(tree: Map<string, string>): Promise<Map<string, Record<string, string>>> {
  const out = new Map<string, Record<string, string>>();
  for (const [path, text] of tree) {
    if (!path.startsWith('clusters/') || !path.endsWith('.sops.yaml')) continue;
    const { plain } = await decryptYaml(text, demoIdentity());
    out.set(path, (plain as any).stringData as Record<string, string>);
  }
  return out;
}

describe('Secrets in the output', () => {
  let dist: Map<string, string>;
  let values: Map<string, Record<string, string>>;

  beforeAll(async () => {
    dist = readTree(DIST);
    values = await decryptAll(dist);
  });

  it('decrypt with the demo identity and pass the MAC check', () => {
    expect(values.size).toBeGreaterThanOrEqual(5);
    expect(values.get('clusters/homelab/apps/media/sonarr/app/secret.sops.yaml')?.['api-key']).toMatch(/^[0-9a-f]{32}$/);
  });

  it('never appear in plaintext anywhere else in the output', () => {
    const secrets = [...values.values()].flatMap((r) => Object.values(r)).filter((v) => v.length >= 8);
    for (const [path, text] of dist) {
      if (values.has(path)) continue;
      for (const s of secrets) expect(text.includes(s), `${path} contains a secret value`).toBe(false);
    }
  });

  it('stay byte-identical on re-synth with the private key present', async () => {
    const env = { ...bareEnv(), SOPS_AGE_KEY_FILE: DEMO_KEY };
    const { out } = await synthInto({ env, previousDir: DIST });
    const fresh = readTree(out);
    for (const [path, text] of dist) expect(fresh.get(path), path).toBe(text);
  });

  it('rewrite only the file that carries a changed value, and keep generated values', async () => {
    const prev = join(mkdtempSync(join(tmpdir(), 'prev-')), 'dist');
    cpSync(DIST, prev, { recursive: true });
    const env = { ...bareEnv(), SOPS_AGE_KEY_FILE: DEMO_KEY, [secretEnvVarName('decypharr-secrets', 'realdebrid-api-key')]: 'rotated-real-debrid-token-0042' };
    const { out, result } = await synthInto({ env, previousDir: prev });
    const fresh = readTree(out);
    const changed = [...dist.keys()].filter((p) => fresh.get(p) !== dist.get(p));
    // …the Secret's consumers (their pod templates' checksum/config follows the new ciphertext, so the pod rolls:
    // Decypharr, and decypharr-setup, which reads its generated login password from the same Secret),
    // and the record of values encrypted to the demo key, which gains exactly the new one.
    expect(changed).toEqual([
      'clusters/homelab/apps/media/decypharr/app/decypharr-setup-cronjob.yaml',
      'clusters/homelab/apps/media/decypharr/app/secret.sops.yaml',
      'clusters/homelab/apps/media/decypharr/app/statefulset.yaml',
      `clusters/homelab/${PUBLIC_VALUES_FILE}`,
    ]);
    const publicBefore = parsePublicValues(dist.get(`clusters/homelab/${PUBLIC_VALUES_FILE}`)!);
    const publicAfter = parsePublicValues(fresh.get(`clusters/homelab/${PUBLIC_VALUES_FILE}`)!);
    expect([...publicAfter].filter((f) => !publicBefore.has(f))).toEqual([demoValueFingerprint('rotated-real-debrid-token-0042')]);
    for (const f of publicBefore) expect(publicAfter.has(f)).toBe(true);
    const after = await decryptAll(fresh);
    expect(after.get('clusters/homelab/apps/media/decypharr/app/secret.sops.yaml')?.['realdebrid-api-key']).toBe('rotated-real-debrid-token-0042');
    expect(after.get('clusters/homelab/apps/media/sonarr/app/secret.sops.yaml')).toEqual(values.get('clusters/homelab/apps/media/sonarr/app/secret.sops.yaml'));
    expect(result.secrets.report.find((r) => r.name === 'decypharr-secrets')?.status).toBe('re-encrypted');
    expect(JSON.stringify(result.secrets.report) + result.warnings.join('\n')).not.toContain('rotated-real-debrid-token-0042');
  });
});
