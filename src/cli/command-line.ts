import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;
const HELP = { help: { type: 'boolean', short: 'h' } } as const;
type ParsedCommandLine<O extends Options, P extends boolean> = ReturnType<typeof parseArgs<{ args: string[]; options: O & typeof HELP; allowPositionals: P }>>;

/**
 * Every command's start: parse its arguments (with `--help`/`-h` added), and answer a bad
 * argument (`error: …` and the usage on stderr, exit 2) or `--help` (the usage on stdout, exit 0)
 * the same way everywhere. `usage` may depend on the positionals (`keys <command> --help`); a
 * parse error, with no positionals to go by, shows `usage([])`.
 * @returns the parsed arguments, or the exit code when the command is done already
 */
export function parseCommandLine<O extends Options, P extends boolean = false>(
  argv: string[],
  options: O,
  usage: string | ((positionals: string[]) => string),
  allowPositionals: P = false as P,
): ParsedCommandLine<O, P> | number {
  const usageFor = typeof usage === 'string' ? () => usage : usage;
  let parsed: ParsedCommandLine<O, P>;
  try {
    parsed = parseArgs({ args: argv, options: { ...options, ...HELP }, allowPositionals });
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message}\n\n${usageFor([])}`);
    return 2;
  }
  if ((parsed.values as { help?: boolean }).help) {
    process.stdout.write(usageFor(parsed.positionals));
    return 0;
  }
  return parsed;
}
