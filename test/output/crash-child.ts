/**
 * Runs one writer operation and SIGKILLs itself after its N-th durable step (argv[2]; -1: never),
 * so the crash tests can stop the writer at every instant deterministically. Prints the number
 * and names of the steps it saw when it is not killed.
 *   crash-child.ts <N> write <out> <files.json> [owner]
 *   crash-child.ts <N> keys <projectDir> <keys args…>
 *   crash-child.ts <N> synth <synth args…>
 */
import { readFileSync } from 'node:fs';
import { faultInjection } from '../../src/output/transaction.js';

const [killAt, scenario, ...rest] = process.argv.slice(2);
// Run from a bundle (test/child-bundle.ts), the CLI modules' "am I the main module?" check would
// match this file and run them a second time with these arguments.
process.argv.splice(1, 1, 'crash-child');
let steps = 0;
const names: string[] = [];
faultInjection.onStep = (name) => {
  names.push(name);
  if (steps++ === Number(killAt)) process.kill(process.pid, 'SIGKILL');
};
if (scenario === 'write') {
  const { writeTree } = await import('../../src/output/write.js');
  await writeTree(rest[0]!, JSON.parse(readFileSync(rest[1]!, 'utf8')), { owner: rest[2] });
} else if (scenario === 'keys') {
  const { main } = await import('../../src/cli/keys.js');
  const code = await main(rest.slice(1), process.env, rest[0]);
  if (code !== 0) process.exit(code);
} else if (scenario === 'synth') {
  const { main } = await import('../../src/cli/synth.js');
  const code = await main(rest);
  if (code !== 0) process.exit(code);
} else throw new Error(`unknown scenario ${scenario}`);
process.stderr.write(`steps: ${steps}\nnames: ${JSON.stringify(names)}\n`);
