import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { addRecipient, initIdentity, recipientsOfFile, removeRecipient, rotateIdentity } from '../sops/keys.js';

/** Each command's own usage (`keys <command> --help`); the general usage lists them all. */
const COMMANDS: Readonly<Record<string, { readonly synopsis: string; readonly text: string; readonly reencrypts?: boolean }>> = {
  init: {
    synopsis: 'init [--key-file PATH]',
    text: `create an age identity outside the repo (default: the sops key file,
~/.config/sops/age/keys.txt) and add its recipient to .sops.yaml`,
  },
  add: {
    reencrypts: true,
    synopsis: 'add <age1…> [--out DIR]',
    text: 'add a recipient to .sops.yaml and re-encrypt every *.sops.yaml in DIR',
  },
  remove: {
    reencrypts: true,
    synopsis: 'remove <age1…> [--out DIR]',
    text: `remove a recipient from .sops.yaml and re-encrypt every *.sops.yaml in DIR
(the removed identity can still open older copies of the files, e.g. in Git history: rotate after a leak)`,
  },
  rotate: {
    reencrypts: true,
    synopsis: 'rotate [--key-file PATH] [--keep age1…]… [--out DIR]',
    text: `new identity replacing the current recipients (except --keep), re-encrypt everything,
print what to update in the cluster`,
  },
  recipient: {
    synopsis: 'recipient [--key-file PATH]',
    text: 'print the recipient (public key) of an identity file',
  },
};
const FOOTER = `  --out DIR   synthesized output folder; default: dist
Re-encrypting needs an identity that opens the files: SOPS_AGE_KEY_FILE, SOPS_AGE_KEY or the sops key file.
`;
const indent = (text: string, by: string) => text.split('\n').map((l) => by + l).join('\n');
const USAGE =
  'usage: npm run keys -- <command> [options]\n\n' +
  Object.values(COMMANDS).map((c) => `  ${c.synopsis}\n${indent(c.text, '      ')}`).join('\n') +
  `\n\n${FOOTER}Run \`npm run keys -- <command> --help\` for one command.\n`;
const usageOf = (cmd: string) =>
  `usage: npm run keys -- ${COMMANDS[cmd]!.synopsis}\n\n${indent(COMMANDS[cmd]!.text, '  ')}\n${COMMANDS[cmd]!.reencrypts ? `\n${FOOTER}` : ''}`;

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env, projectDir = process.cwd()): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        'key-file': { type: 'string' },
        out: { type: 'string', default: 'dist' },
        keep: { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
    });
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values: v, positionals } = parsed;
  const [cmd, arg, ...extra] = positionals;
  if (v.help && cmd !== undefined && Object.hasOwn(COMMANDS, cmd)) {
    process.stdout.write(usageOf(cmd));
    return 0;
  }
  if (v.help || !cmd) {
    (v.help ? process.stdout : process.stderr).write(USAGE);
    return v.help ? 0 : 2;
  }
  const needsArg = cmd === 'add' || cmd === 'remove';
  if ((needsArg && !arg) || (!needsArg && arg !== undefined) || extra.length > 0) {
    process.stderr.write(`error: wrong arguments for ${cmd}\n\n${Object.hasOwn(COMMANDS, cmd) ? usageOf(cmd) : USAGE}`);
    return 2;
  }
  const keyFile = v['key-file'] ? resolve(v['key-file']) : undefined;
  const base = { projectDir, outDir: v.out!, env };
  try {
    let lines: string[];
    switch (cmd) {
      case 'init':
        lines = (await initIdentity({ ...base, keyFile })).messages;
        break;
      case 'add':
        lines = (await addRecipient({ ...base, recipient: arg! })).messages;
        break;
      case 'remove':
        lines = (await removeRecipient({ ...base, recipient: arg! })).messages;
        break;
      case 'rotate':
        lines = (await rotateIdentity({ ...base, keyFile, keep: v.keep ?? [] })).messages;
        break;
      case 'recipient':
        lines = (await recipientsOfFile({ keyFile, env })).recipients;
        break;
      default:
        process.stderr.write(`error: unknown command ${JSON.stringify(cmd)}\n\n${USAGE}`);
        return 2;
    }
    process.stdout.write(lines.join('\n') + '\n');
    return 0;
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message}\n`);
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = await main(process.argv.slice(2));
}
