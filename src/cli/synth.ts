import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load.js';
import { formatSummary } from '../docs/summary.js';
import { WriterError } from '../output/transaction.js';
import { OUTPUT_MARKER, openOutputFolder, type OutputFolder } from '../output/write.js';
import { synthesize } from '../synth.js';

const USAGE = `usage: npm run synth -- [--config FILE] [--out DIR] [--previous DIR]

  --config FILE    stack config (.ts, .js, .json, .yaml); default: the embedded default config
  --out DIR        output folder (a symlink is followed); this cluster's files in it are replaced
                   all at once, other files are kept; default: dist
  --previous DIR   where existing encrypted Secrets are kept from; default: --out if it holds output, else dist
`;

export async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      options: {
        config: { type: 'string' },
        out: { type: 'string', default: 'dist' },
        previous: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: false,
    }).values;
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const projectDir = process.cwd();
  let folder: OutputFolder | undefined;
  let writing = false;
  try {
    const config = await loadConfig(args.config);
    // Lock and recover the output folder before reading the previous Secrets from it.
    folder = await openOutputFolder(args.out!, { command: 'npm run synth', onWait: (m) => process.stderr.write(`${m}\n`) });
    const out = folder.dir;
    const previousDir = args.previous ? resolve(args.previous) : existsSync(join(out, OUTPUT_MARKER)) ? out : existsSync(resolve('dist')) ? resolve('dist') : undefined;
    const result = await synthesize({ config, projectDir, previousDir });
    writing = true;
    const report = folder.write(result.files, { owner: config.cluster });
    process.stdout.write(formatSummary(result, report, { out: args.out! }));
    return 0;
  } catch (err) {
    if (err instanceof WriterError) process.stderr.write(`error: ${err.message}${err.unchanged ? `; ${args.out} is unchanged` : ''}\n`);
    else process.stderr.write(`error: ${(err as Error).message}\n${writing ? '' : `nothing was written; ${args.out} is unchanged.\n`}`);
    return 1;
  } finally {
    folder?.release();
  }
}

process.exitCode = await main(process.argv.slice(2));
