import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultAgeKeyFile, loadAgeIdentities, newIdentity, parseIdentities, SopsError } from '../../src/sops/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'sops-ids-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('loading age identities like sops', () => {
  it('combines SOPS_AGE_KEY, SOPS_AGE_KEY_FILE and the default keys.txt, in that order', async () => {
    const [a, b, c] = await Promise.all([newIdentity(), newIdentity(), newIdentity()]);
    const home = join(tmp, 'home1');
    mkdirSync(join(home, '.config', 'sops', 'age'), { recursive: true });
    writeFileSync(join(home, '.config', 'sops', 'age', 'keys.txt'), `# created: x\n# public key: ${c.recipient}\n${c.identity}\n`);
    const file = join(tmp, 'b.txt');
    writeFileSync(file, `\n${b.identity}\r\n`);
    const out = await loadAgeIdentities({ HOME: home, SOPS_AGE_KEY: `# comment\n${a.identity}`, SOPS_AGE_KEY_FILE: file });
    expect(out.identities).toEqual([a.identity, b.identity, c.identity]);
    expect(out.sources).toEqual(['SOPS_AGE_KEY', file, join(home, '.config', 'sops', 'age', 'keys.txt')]);
  });

  it('prefers $XDG_CONFIG_HOME for the default file', async () => {
    const a = await newIdentity();
    const xdg = join(tmp, 'xdg');
    mkdirSync(join(xdg, 'sops', 'age'), { recursive: true });
    writeFileSync(join(xdg, 'sops', 'age', 'keys.txt'), a.identity);
    expect(defaultAgeKeyFile({ XDG_CONFIG_HOME: xdg, HOME: '/nowhere' }, 'linux')).toBe(join(xdg, 'sops', 'age', 'keys.txt'));
    expect(defaultAgeKeyFile({ HOME: '/h' }, 'darwin')).toBe(join('/h', 'Library', 'Application Support', 'sops', 'age', 'keys.txt'));
    expect((await loadAgeIdentities({ XDG_CONFIG_HOME: xdg, HOME: '/nowhere' })).identities).toEqual([a.identity]);
  });

  it('returns an empty list, not an error, when nothing is configured', async () => {
    expect(await loadAgeIdentities({ HOME: join(tmp, 'empty-home') })).toEqual({ identities: [], sources: [] });
  });

  it('fails clearly for an unreadable SOPS_AGE_KEY_FILE and for malformed lines, without echoing key material', async () => {
    await expect(loadAgeIdentities({ HOME: tmp, SOPS_AGE_KEY_FILE: join(tmp, 'missing.txt') })).rejects.toThrow(/failed to open SOPS_AGE_KEY_FILE .*ENOENT/);
    const err = await loadAgeIdentities({ HOME: tmp, SOPS_AGE_KEY: 'AGE-SECRET-KEY-1NOTVALIDXYZ' }).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(SopsError);
    expect((err as Error).message).toMatch(/SOPS_AGE_KEY line 1/);
    expect((err as Error).message).not.toContain('NOTVALID');
    expect(() => parseIdentities('AGE-PLUGIN-YUBIKEY-1XYZ', 'f')).toThrow(/plugin/);
  });
});
