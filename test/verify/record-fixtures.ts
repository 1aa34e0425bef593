/**
 * Writes the recorded clusters to test/fixtures/verify/<scenario>/ (see its README):
 *   node --import tsx test/verify/record-fixtures.ts
 * Run it after a change to what the default config synthesizes or to what the checks ask; the
 * verify test fails until the files match.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderScenario } from './scenarios.js';

const root = join(process.cwd(), 'test/fixtures/verify');
for (const scenario of ['healthy', 'broken'] as const) {
  const dir = join(root, scenario);
  mkdirSync(dir, { recursive: true });
  const files = renderScenario(scenario);
  // Only this script writes these folders: a recording no call names any more goes.
  for (const old of readdirSync(dir)) if (!files.has(old)) rmSync(join(dir, old));
  for (const [name, content] of files) writeFileSync(join(dir, name), content);
  process.stdout.write(`${dir}: ${files.size} files\n`);
}
