import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig } from '../stack-config.js';
import { formatSummary } from '../docs/summary.js';
import { WriterError } from '../output/transaction.js';
import { OUTPUT_MARKER, openOutputFolder, type OutputFolder } from '../output/write.js';
import { planSynth } from '../plan/index.js';
import { synthesize } from '../synth.js';
import { parseCommandLine } from './command-line.js';

const USAGE = `usage: npm run synth -- [--config FILE] [--out DIR] [--previous DIR] [--allow-data-loss] [--regenerate-secrets] [--plan]

  --config FILE    stack config (.ts, .js, .json, .yaml); default: the embedded default config
  --out DIR        output folder (a symlink is followed); this cluster's files in it are replaced
                   all at once, other files are kept; default: dist
  --previous DIR   where existing encrypted Secrets are kept from; default: --out if it holds output, else dist
  --allow-data-loss  confirm an output that drops objects holding state (PVCs, PVs, the namespace)
                   that the current --out has; without it such a synth refuses and names them
  --regenerate-secrets
                   generate every generated Secret value (API keys, passwords) anew, e.g. after a leak
                   (\`npm run keys -- rotate --regenerate\` does this for you)
  --plan           write nothing: print (Markdown, e.g. for a pull request) what replacing the
                   objects in --out would add, change and remove, and what Flux does about each
`;

export async function main(argv: string[]): Promise<number> {
  const parsed = parseCommandLine(
    argv,
    {
      config: { type: 'string' },
      out: { type: 'string', default: 'dist' },
      previous: { type: 'string' },
      'allow-data-loss': { type: 'boolean', default: false },
      'regenerate-secrets': { type: 'boolean', default: false },
      plan: { type: 'boolean', default: false },
    },
    USAGE,
  );
  if (typeof parsed === 'number') return parsed;
  const args = parsed.values;
  const projectDir = process.cwd();
  if (args.plan) return plan(args, projectDir);
  let folder: OutputFolder | undefined;
  let writing = false;
  try {
    const config = await loadConfig(args.config);
    // Lock and recover the output folder before reading the previous Secrets from it.
    folder = await openOutputFolder(args.out, { command: 'npm run synth', onWait: (m) => process.stderr.write(`${m}\n`) });
    const out = folder.dir;
    const previousDir = args.previous ? resolve(args.previous) : existsSync(join(out, OUTPUT_MARKER)) ? out : existsSync(resolve('dist')) ? resolve('dist') : undefined;
    // Data loss is judged against the folder being replaced (what Flux reconciles), never the demo dist.
    const result = await synthesize({
      config,
      projectDir,
      previousDir,
      outputDir: out,
      allowDataLoss: args['allow-data-loss'],
      regenerateSecrets: args['regenerate-secrets'],
    });
    writing = true;
    const report = folder.write(result.files, { owner: config.cluster });
    process.stdout.write(formatSummary(result, report, { out: args.out }));
    return 0;
  } catch (err) {
    // An interrupted earlier run may have been finished or undone on the way in: say so, and never
    // call a folder "unchanged" that the recovery changed.
    const recovered = folder?.recovered ?? [];
    const state = recovered.length > 0 ? `${args.out} holds what the recovery above left (nothing of this synth was written)` : `${args.out} is unchanged`;
    for (const r of recovered) process.stderr.write(`recovered: ${r}\n`);
    if (err instanceof WriterError) process.stderr.write(`error: ${err.message}${err.unchanged ? `; ${state}` : ''}\n`);
    else process.stderr.write(`error: ${(err as Error).message}\n${writing ? '' : `nothing was written; ${state}.\n`}`);
    return 1;
  } finally {
    folder?.release();
  }
}

/** `--plan`: never opens the folder for writing (no lock, no recovery), so it stays byte for byte as it was. */
async function plan(args: { config?: string; out: string; previous?: string; 'regenerate-secrets': boolean }, projectDir: string): Promise<number> {
  try {
    const config = await loadConfig(args.config);
    const text = await planSynth({
      config,
      projectDir,
      out: args.out,
      ...(args.previous ? { previousDir: resolve(args.previous) } : {}),
      regenerateSecrets: args['regenerate-secrets'],
    });
    process.stdout.write(text);
    return 0;
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message}\nnothing was written.\n`);
    return 1;
  }
}

// `npm run synth` (scripts/synth.mjs) calls main() of the bundle; run directly, this file runs itself; imported (tests), it only exports main().
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = await main(process.argv.slice(2));
}
