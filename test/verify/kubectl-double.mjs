#!/usr/bin/env node
/**
 * A recorded kubectl: answers each argv from the recordings in $KUBECTL_RECORDINGS (calls.json and
 * the JSON files it names, see test/fixtures/verify/README.md) and fails on any argv it has no
 * recording for, so a check that asks something new fails loudly instead of passing on a guess.
 * `--context <name>` is taken off first and must name a context of the recording (as kubectl
 * itself refuses an unknown one). Every call is appended to $KUBECTL_DOUBLE_LOG when set.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.KUBECTL_RECORDINGS;
if (!dir) {
  process.stderr.write('kubectl double: KUBECTL_RECORDINGS is not set\n');
  process.exit(98);
}
const recording = JSON.parse(readFileSync(join(dir, 'calls.json'), 'utf8'));
let argv = process.argv.slice(2);
if (process.env.KUBECTL_DOUBLE_LOG) appendFileSync(process.env.KUBECTL_DOUBLE_LOG, `${JSON.stringify(argv)}\n`);

if (argv[0] === '--context') {
  const context = argv[1];
  if (!recording.contexts.includes(context)) {
    // kubectl 1.32's own words for it.
    process.stderr.write(`Error in configuration: context was not found for specified context: ${context}\n`);
    process.exit(1);
  }
  argv = argv.slice(2);
}
const call = recording.calls.find((c) => c.argv.length === argv.length && c.argv.every((a, i) => a === argv[i]));
if (!call) {
  process.stderr.write(`kubectl double: no recording for argv ${JSON.stringify(argv)} in ${dir}\n`);
  process.exit(99);
}
process.stdout.write(call.stdoutFile ? readFileSync(join(dir, call.stdoutFile), 'utf8') : (call.stdout ?? ''));
process.stderr.write(call.stderr ?? '');
process.exit(call.exit);
