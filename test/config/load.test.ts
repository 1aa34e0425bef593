import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_CONFIG, loadConfig } from '../../src/stack-config.js';

describe('loading config files', () => {
  it('uses the embedded default without a file', async () => {
    expect(await loadConfig()).toEqual(DEFAULT_CONFIG);
  });

  it('loads the spelled-out homelab example to exactly the embedded default', async () => {
    expect(await loadConfig('examples/homelab.ts')).toEqual(DEFAULT_CONFIG);
  });

  it('loads YAML and JSON configs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    writeFileSync(join(dir, 'c.yaml'), 'namespace: media2\napps:\n  pulsarr:\n    enabled: false\n');
    writeFileSync(join(dir, 'c.json'), JSON.stringify({ cluster: 'lab' }));
    const y = await loadConfig(join(dir, 'c.yaml'));
    expect(y.namespace).toBe('media2');
    expect(y.apps.pulsarr.enabled).toBe(false);
    expect((await loadConfig(join(dir, 'c.json'))).cluster).toBe('lab');
  });

  it('names the file in errors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const f = join(dir, 'bad.yaml');
    writeFileSync(f, 'uid: -1\n');
    await expect(loadConfig(f)).rejects.toThrow(new RegExp(`invalid ${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*\\n  - uid: must be an integer`));
    await expect(loadConfig(join(dir, 'missing.ts'))).rejects.toThrow(/file not found/);
    await expect(loadConfig(join(dir, 'x.toml'))).rejects.toBeInstanceOf(ConfigError);
  });
});
