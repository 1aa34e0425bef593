import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { CONFIG_SCHEMA, DEFAULT_CONFIG } from '../../src/stack-config.js';
import type { Schema } from '../../src/config/schema.js';
import { configReferenceMarkdown, defaultLiteral, readConfigReference, readConfigSources, undocumentedFields } from '../../src/docs/config-reference.js';
import { configModuleFolders } from '../../src/pipeline/docs.js';

const ROOT = process.cwd();
const TYPES = readConfigSources(ROOT, configModuleFolders());
const ref = readConfigReference(TYPES);

/** Every field path of the runtime schema (maps are leaves: their keys are free). */
function schemaPaths(s: Schema, prefix = ''): string[] {
  if (s.kind !== 'node') return [];
  return Object.entries(s.fields).flatMap(([k, child]) => {
    const path = prefix ? `${prefix}.${k}` : k;
    return [path, ...schemaPaths(child, path)];
  });
}

function valueAt(obj: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), obj);
}

describe('the configuration reference (docs/configuration.md)', () => {
  it('is the committed file, regenerated from src/config/types.ts (npx tsx scripts/config-reference.ts)', () => {
    const committed = readFileSync(join(ROOT, 'docs/configuration.md'), 'utf8');
    expect(committed).toBe(configReferenceMarkdown(TYPES));
  });

  it('lists every field reachable from StackConfig with its type', () => {
    const paths = ref.fields.map((f) => f.path);
    for (const p of ['cluster', 'storage.media.mountOptions', 'apps.decypharr.nfsClusterIP', 'apps.sonarr.resources.memoryLimit', 'nodes.gpu.taint.effect'])
      expect(paths).toContain(p);
    const f = ref.fields.find((x) => x.path === 'storage.mode')!;
    expect(f).toMatchObject({ type: "'longhorn' | 'hostPath'", default: "'longhorn'", declaredIn: 'StorageConfig.mode', optional: false });
    expect(ref.fields.find((x) => x.path === 'apps.sonarr.enabled')?.declaredIn).toBe('AppConfig.enabled'); // inherited fields too
  });

  it('every field of types.ts has a doc comment with an @default (optional fields without one: `@default -` and what happens)', () => {
    const missing = undocumentedFields(ref).map((u) => `${u.declaredIn}: ${u.problem}`);
    expect(missing, `fields to document in src/config/types.ts:\n${missing.join('\n')}`).toEqual([]);
  });

  it('every field of CONFIG_SCHEMA is documented in types.ts, and every documented field is validated', () => {
    const schema = new Set(schemaPaths(CONFIG_SCHEMA));
    const documented = new Map(ref.fields.map((f) => [f.path, f]));
    const notInTypes = [...schema].filter((p) => !documented.has(p));
    const noDefault = [...schema].filter((p) => documented.has(p) && documented.get(p)!.default === undefined);
    const notValidated = [...documented.keys()].filter((p) => !schema.has(p));
    expect({ notInTypes, noDefault, notValidated }).toEqual({ notInTypes: [], noDefault: [], notValidated: [] });
  });

  it('every literal @default agrees with the embedded DEFAULT_CONFIG', () => {
    const wrong: string[] = [];
    for (const f of ref.fields) {
      const lit = defaultLiteral(f.default);
      if (!lit) continue;
      const documented = runInNewContext(`(${lit})`) as unknown;
      const actual = valueAt(DEFAULT_CONFIG, f.path);
      if (JSON.stringify(documented) !== JSON.stringify(actual)) wrong.push(`${f.path}: @default ${lit}, DEFAULT_CONFIG ${JSON.stringify(actual)}`);
    }
    expect(wrong).toEqual([]);
  });
});
