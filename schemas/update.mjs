#!/usr/bin/env node
// Refreshes the schemas the quality gates validate against (src/gates/schema.ts), from a
// k8s-schemas folder laid out like /work/shared/k8s-schemas (see README.md here):
//   node schemas/update.mjs /work/shared/k8s-schemas
// - kubernetes/k8s-1.28-swagger.json.gz is copied byte-for-byte;
// - crds/<group>/<kind>_<version>.json are copied with their `description` keywords removed
//   (3.8 MB → 0.7 MB; descriptions do not take part in validation) and minified.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const from = process.argv[2];
if (!from) {
  console.error('usage: node schemas/update.mjs <k8s-schemas folder>');
  process.exit(2);
}
const here = dirname(fileURLToPath(import.meta.url));

mkdirSync(join(here, 'kubernetes'), { recursive: true });
copyFileSync(join(from, 'openapi/k8s-1.28-swagger.json.gz'), join(here, 'kubernetes/k8s-1.28-swagger.json.gz'));

/** Keywords whose value is data, not a schema (never strip inside them). */
const DATA = new Set(['enum', 'const', 'default', 'example', 'examples', 'required']);
/** Keywords whose value maps names to schemas. */
const MAPS = new Set(['properties', 'patternProperties', 'definitions', '$defs']);

function strip(schema) {
  if (Array.isArray(schema)) return schema.map(strip);
  if (!schema || typeof schema !== 'object') return schema;
  const out = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'description' && typeof v === 'string') continue;
    if (DATA.has(k)) out[k] = v;
    else if (MAPS.has(k)) out[k] = Object.fromEntries(Object.entries(v).map(([name, s]) => [name, strip(s)]));
    else out[k] = strip(v);
  }
  return out;
}

rmSync(join(here, 'crds'), { recursive: true, force: true });
for (const group of readdirSync(join(from, 'crds')).sort()) {
  mkdirSync(join(here, 'crds', group), { recursive: true });
  for (const file of readdirSync(join(from, 'crds', group)).sort()) {
    if (!file.endsWith('.json')) continue;
    const schema = JSON.parse(readFileSync(join(from, 'crds', group, file), 'utf8'));
    writeFileSync(join(here, 'crds', group, file), JSON.stringify(strip(schema)) + '\n');
  }
}
console.log('updated', here);
