/**
 * Bazarr's Sonarr/Radarr connection is env that its config library, Dynaconf, reads after its
 * config.yaml. This runs the real library (Debian's python3-dynaconf) over the env of the
 * synthesized Bazarr container, expanded the way the kubelet does it, and reads the settings the
 * way Bazarr does (docs/app-facts-verified.md §14 names the arguments and the keys).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/output/model.js';
import { containerOf } from '../helpers.js';
import { secretValue } from './runners.js';
import { scratch, synthExample } from './support.js';

/** Debian's interpreter: python3-dynaconf installs into its dist-packages (not a pyenv python's). */
const PYTHON = '/usr/bin/python3';

function requireDynaconf(): void {
  try {
    if (!existsSync(PYTHON)) throw new Error(`no ${PYTHON}`);
    execFileSync(PYTHON, ['-c', 'import dynaconf'], { stdio: 'ignore' });
  } catch {
    throw new Error(`${PYTHON} cannot import dynaconf (Debian package python3-dynaconf): run \`bash scripts/test-setup.sh\``);
  }
}

/**
 * A container's env as the kubelet builds it: in order, Secret references resolved, and `$(VAR)`
 * in a value replaced by a variable defined earlier in the list (`$$` is a literal `$`; an
 * undefined reference stays as written).
 */
interface EnvVar {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: { readonly secretKeyRef?: { readonly name: string; readonly key: string } };
}

function kubeletEnv(container: { readonly env?: readonly EnvVar[] }, secret: (name: string, key: string) => string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of container.env ?? []) {
    if (e.valueFrom?.secretKeyRef) env[e.name] = secret(e.valueFrom.secretKeyRef.name, e.valueFrom.secretKeyRef.key);
    else if (e.value !== undefined) env[e.name] = e.value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, v?: string) => (v === undefined ? '$' : (env[v] ?? m)));
  }
  return env;
}

/** Bazarr's own defaults for the keys it connects with (bazarr/app/config.py validators). */
const BAZARR_DEFAULTS = `general:
  use_sonarr: false
  use_radarr: false
  port: 6767
sonarr:
  ip: 127.0.0.1
  port: 8989
  base_url: /
  ssl: false
  apikey: ''
  http_timeout: 60
radarr:
  ip: 127.0.0.1
  port: 7878
  base_url: /
  ssl: false
  apikey: ''
  http_timeout: 60
`;

/**
 * Settings built with Bazarr's arguments (settings_file, core_loaders=['YAML'],
 * apply_default_on_none=True); prints each value with its Python type, and the sections as
 * Bazarr's write_config() would write them back (top-level keys lower-cased, the rest as is).
 */
const PROBE = `
import json, sys
from dynaconf import Dynaconf
s = Dynaconf(settings_file=sys.argv[1], core_loaders=["YAML"], apply_default_on_none=True)
typed = lambda v: {"value": v, "type": type(v).__name__}
read = {arr: {k: typed(s[arr][k]) for k in ("ip", "port", "base_url", "ssl", "apikey")} for arr in ("sonarr", "radarr")}
read["general"] = {k: typed(s.general[k]) for k in ("use_sonarr", "use_radarr")}
written = {k.lower(): v for k, v in s.as_dict().items() if k.lower() in ("general", "sonarr", "radarr")}
print(json.dumps({"read": read, "written": written}))
`;

interface Probe {
  read: Record<string, Record<string, { value: unknown; type: string }>>;
  written: Record<string, Record<string, unknown>>;
}

function runDynaconf(env: Record<string, string>, configYaml: string): Probe {
  const dir = scratch('bazarr-dynaconf');
  const file = join(dir, 'config.yaml');
  writeFileSync(file, configYaml);
  writeFileSync(join(dir, 'probe.py'), PROBE);
  // only the pod's env (and PATH): nothing of the test runner's environment reaches Dynaconf
  const out = execFileSync(PYTHON, [join(dir, 'probe.py'), file], { env: { PATH: '/usr/bin:/bin', ...env }, cwd: dir, encoding: 'utf8' });
  return JSON.parse(out) as Probe;
}

// All digits on purpose: TOML would read it as a number unless `@str` keeps it a string.
const KEYS = { sonarr: '12345678901234567890123456789012', radarr: '0e123456789abcdef0123456789abcde' };
const secret = (name: string, key: string) => (name === 'sonarr-secrets' ? KEYS.sonarr : name === 'radarr-secrets' ? KEYS.radarr : secretValue(name, key));

describe('Bazarr reads its Sonarr/Radarr connection from the env (real Dynaconf)', () => {
  let env: Record<string, string>;
  beforeAll(async () => {
    requireDynaconf();
    const synth = await synthExample('examples/single-node.ts');
    const sts = synth.objects.find((o: KubeObject) => o.kind === 'StatefulSet' && o.metadata.name === 'bazarr');
    expect(sts, 'the single-node example runs Bazarr').toBeDefined();
    env = kubeletEnv(containerOf(sts, 'bazarr') as { env?: EnvVar[] }, secret);
  }, 60_000);

  const expected = (arr: 'sonarr' | 'radarr', port: number) => ({
    ip: { value: `${arr}.media.svc.cluster.local`, type: 'str' },
    port: { value: port, type: 'int' },
    base_url: { value: '/', type: 'str' },
    ssl: { value: false, type: 'bool' },
    apikey: { value: KEYS[arr], type: 'str' },
  });

  for (const [when, yaml] of [
    ['over a config.yaml with Bazarr\u2019s defaults', BAZARR_DEFAULTS],
    ['on the first start (Bazarr creates config.yaml empty)', ''],
  ] as const) {
    it(`${when}: the env wins, typed as Bazarr validates it, and is written back under Bazarr\u2019s own keys`, () => {
      const { read, written } = runDynaconf(env, yaml);
      expect(read.sonarr).toEqual(expected('sonarr', 8989));
      expect(read.radarr).toEqual(expected('radarr', 7878));
      expect(read.general).toEqual({ use_sonarr: { value: true, type: 'bool' }, use_radarr: { value: true, type: 'bool' } });
      // write_config() persists as_dict(): the env's keys must be Bazarr's lower-case ones, or
      // config.yaml gets a second `APIKEY` beside `apikey` and Bazarr's UI shows neither
      for (const section of ['general', 'sonarr', 'radarr']) {
        const keys = Object.keys(written[section] ?? {});
        expect(
          keys.filter((k) => k !== k.toLowerCase()),
          `${section} keys ${keys.join(', ')}`,
        ).toEqual([]);
      }
      expect(written.sonarr).toMatchObject({ apikey: KEYS.sonarr, port: 8989 });
      if (yaml) expect(written.sonarr).toMatchObject({ http_timeout: 60 }); // the file's other keys stay
    });
  }

  it('without @str the all-digit key would come out a number (the token is needed)', () => {
    const raw = { ...env, DYNACONF_SONARR__apikey: KEYS.sonarr };
    expect(runDynaconf(raw, BAZARR_DEFAULTS).read.sonarr?.apikey?.type).toBe('int');
  });
});
