/**
 * Regenerates docs/configuration.md from the doc comments of src/config/types.ts and src/apps/<app>/config.ts.
 *
 *   npx tsx scripts/config-reference.ts           # writes docs/configuration.md
 *   npx tsx scripts/config-reference.ts --check   # exits 1 if the committed file is stale
 *
 * It also lists every config field that lacks a doc comment or an `@default`.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readConfigReference, readConfigSources, renderConfigReference, undocumentedFields } from '../src/docs/config-reference.js';
import { configModuleFolders } from '../src/pipeline/docs.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(root, 'docs/configuration.md');
const ref = readConfigReference(readConfigSources(root, configModuleFolders()));
const text = renderConfigReference(ref);

for (const u of undocumentedFields(ref)) process.stderr.write(`warning: ${u.declaredIn}: ${u.problem} (${u.paths.join(', ')})\n`);

if (process.argv.includes('--check')) {
  const current = existsSync(target) ? readFileSync(target, 'utf8') : '';
  if (current !== text) {
    process.stderr.write('docs/configuration.md is stale: run `npx tsx scripts/config-reference.ts`\n');
    process.exit(1);
  }
  process.stdout.write('docs/configuration.md is up to date\n');
} else {
  writeFileSync(target, text);
  process.stdout.write(`wrote docs/configuration.md (${ref.fields.length} fields)\n`);
}
