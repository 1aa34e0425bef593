import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/stack-config.js';
import { DEMO_KEY, fakeOperatorValue, operatorEnv, readTree, synthCli } from './support.js';

describe('npm run synth (the CLI)', () => {
  it('writes a fresh config into --out, prints a summary with Secret names only, and never a value', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-'));
    const cfgFile = join(dir, 'lab.json');
    writeFileSync(cfgFile, JSON.stringify({ cluster: 'lab' }));
    // An operator who supplies values by env also has the age identity (here: the demo key).
    const env = { ...operatorEnv(resolveConfig({ cluster: 'lab' })), SOPS_AGE_KEY_FILE: DEMO_KEY };
    const out = join(dir, 'out');
    const r = await synthCli(['--config', cfgFile, '--out', out], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/media-stack: \d+ components → .*out\//);
    expect(r.stdout).toMatch(/secrets: 0 kept, 0 re-encrypted, \d+ created/);
    expect(r.stdout).toContain('sonarr-secrets (api-key, ui-password)');
    expect(r.stdout).toMatch(/warning: .*DEMO recipient/);
    const tree = readTree(out);
    expect(tree.has('clusters/lab/apps/media/sonarr/app/secret.sops.yaml')).toBe(true);
    const leaked = Object.entries(env)
      .filter(([k]) => k.startsWith('MEDIA_STACK_SECRET__'))
      .map(([, v]) => v);
    expect(leaked.length).toBeGreaterThan(3);
    expect(leaked).toContain(fakeOperatorValue('decypharr-secrets', 'realdebrid-api-key'));
    for (const v of leaked) {
      expect(r.stdout.includes(v)).toBe(false);
      for (const [path, text] of tree) expect(text.includes(v), path).toBe(false);
    }
    // unchanged input: second run keeps every file
    const again = await synthCli(['--config', cfgFile, '--out', out], env);
    expect(again.stdout).toMatch(/files: 0 written, \d+ unchanged, 0 removed/);
    expect(readTree(out)).toEqual(tree);
  });

  it('exits non-zero with the field, the value and the fix on stderr, and leaves --out untouched', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-'));
    const cfgFile = join(dir, 'bad.json');
    writeFileSync(cfgFile, JSON.stringify({ apps: { radarr: { configSize: 'ten gigs' } } }));
    const out = join(dir, 'out');
    writeFileSync(join(dir, 'marker'), 'x');
    const r = await synthCli(['--config', cfgFile, '--out', out], { PATH: process.env.PATH, HOME: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain("apps.radarr.configSize: 'ten gigs' is not valid");
    expect(r.stderr).toContain('nothing was written');
    expect(readTree(out).size).toBe(0);
  });

  it('lists every missing operator value at once with the variable that supplies it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-'));
    const cfgFile = join(dir, 'lab.json');
    writeFileSync(cfgFile, JSON.stringify({ cluster: 'lab2' }));
    const r = await synthCli(['--config', cfgFile, '--out', join(dir, 'out')], { PATH: process.env.PATH, HOME: dir });
    expect(r.code).toBe(1);
    for (const v of ['MEDIA_STACK_SECRET__DECYPHARR_SECRETS__REALDEBRID_API_KEY', 'MEDIA_STACK_SECRET__DECYPHARR_SECRETS__USENET_PASS']) {
      expect(r.stderr).toContain(v);
    }
    expect(r.stderr).toContain('secrets.local.yaml');
    expect(readTree(join(dir, 'out')).size).toBe(0);
  });
});
