import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { WriterError } from '../output/transaction.js';
import { addRecipient, initIdentity, recipientsOfFile, removeRecipient, rotateIdentity } from '../sops/keys.js';
import { parseCommandLine } from './command-line.js';

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
    synopsis: 'rotate [--key-file PATH] [--keep age1…]… [--out DIR] [--regenerate [--config FILE]]',
    text: `new identity replacing the current recipients (except --keep), re-encrypt everything with
new data keys, print what to update in the cluster; --regenerate (after a leak) then synthesizes
FILE (default: the embedded default config) into DIR with every generated value (API keys,
passwords) generated anew`,
  },
  recipient: {
    synopsis: 'recipient [--key-file PATH]',
    text: 'print the recipient (public key) of an identity file',
  },
};
const FOOTER = `  --out DIR   synthesized output folder; default: dist
Re-encrypting needs an identity that opens the files: SOPS_AGE_KEY_FILE, SOPS_AGE_KEY or the sops key file.
`;
const indent = (text: string, by: string) =>
  text
    .split('\n')
    .map((l) => by + l)
    .join('\n');
const USAGE =
  'usage: npm run keys -- <command> [options]\n\n' +
  Object.values(COMMANDS)
    .map((c) => `  ${c.synopsis}\n${indent(c.text, '      ')}`)
    .join('\n') +
  `\n\n${FOOTER}Run \`npm run keys -- <command> --help\` for one command.\n`;
const usageOf = (cmd: string) => `usage: npm run keys -- ${COMMANDS[cmd]!.synopsis}\n\n${indent(COMMANDS[cmd]!.text, '  ')}\n${COMMANDS[cmd]!.reencrypts ? `\n${FOOTER}` : ''}`;

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env, projectDir = process.cwd()): Promise<number> {
  const parsed = parseCommandLine(
    argv,
    {
      'key-file': { type: 'string' },
      out: { type: 'string', default: 'dist' },
      keep: { type: 'string', multiple: true },
      regenerate: { type: 'boolean', default: false },
      config: { type: 'string' },
    },
    // `keys <command> --help` shows that command's usage.
    ([cmd]) => (cmd !== undefined && Object.hasOwn(COMMANDS, cmd) ? usageOf(cmd) : USAGE),
    true,
  );
  if (typeof parsed === 'number') return parsed;
  const { values: v, positionals } = parsed;
  const [cmd, arg, ...extra] = positionals;
  if (!cmd) {
    process.stderr.write(USAGE);
    return 2;
  }
  const needsArg = cmd === 'add' || cmd === 'remove';
  if ((v.regenerate || v.config !== undefined) && cmd !== 'rotate') {
    process.stderr.write(`error: --regenerate and --config belong to rotate\n\n${USAGE}`);
    return 2;
  }
  if ((needsArg && !arg) || (!needsArg && arg !== undefined) || extra.length > 0) {
    process.stderr.write(`error: wrong arguments for ${cmd}\n\n${Object.hasOwn(COMMANDS, cmd) ? usageOf(cmd) : USAGE}`);
    return 2;
  }
  const keyFile = v['key-file'] ? resolve(v['key-file']) : undefined;
  const base = { projectDir, outDir: v.out, env };
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
      case 'rotate': {
        const rotated = await rotateIdentity({ ...base, keyFile, keep: v.keep ?? [], regenerating: v.regenerate });
        lines = rotated.messages;
        if (v.regenerate) {
          process.stdout.write(lines.join('\n') + '\n');
          const regenerated = await regenerateAfterRotation({ projectDir, out: v.out, config: v.config, env, keyFile: rotated.keyFile });
          (regenerated.ok ? process.stdout : process.stderr).write(regenerated.lines.join('\n') + '\n');
          return regenerated.ok ? 0 : 1;
        }
        break;
      }
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
    // Like the synth's "…is unchanged": the writer's failures are undone before they reach here.
    const unchanged = err instanceof WriterError && err.unchanged ? '; nothing was changed' : '';
    process.stderr.write(`error: ${(err as Error).message}${unchanged}\n`);
    return 1;
  }
}

/**
 * `rotate --regenerate`: the synth with every generated value generated anew, into the folder just
 * rotated and with the new identity (the only one that opens it now). The rotation stands when
 * this fails: the message says how to finish it.
 */
async function regenerateAfterRotation(o: {
  projectDir: string;
  out: string;
  config?: string;
  env: NodeJS.ProcessEnv;
  keyFile: string;
}): Promise<{ ok: boolean; lines: string[] }> {
  const [{ loadConfig }, { synthesize }, { openOutputFolder }] = await Promise.all([import('../stack-config.js'), import('../synth.js'), import('../output/write.js')]);
  const out = resolve(o.projectDir, o.out);
  const again = `npm run synth -- ${o.config ? `--config ${o.config} ` : ''}--out ${o.out} --regenerate-secrets`;
  try {
    const config = await loadConfig(o.config);
    const env = { ...o.env, SOPS_AGE_KEY_FILE: o.keyFile };
    // Same order as `npm run synth`: lock and recover the folder before reading the previous
    // Secrets from it; the cluster owns what it writes, and dropped state is refused.
    const folder = await openOutputFolder(out, { command: 'npm run keys -- rotate --regenerate' });
    let result;
    try {
      result = await synthesize({ config, projectDir: o.projectDir, previousDir: folder.dir, outputDir: folder.dir, env, regenerateSecrets: true });
      folder.write(result.files, { owner: config.cluster });
    } finally {
      folder.release();
    }
    const generated = result.secrets.report.filter((r) => r.generatedKeys.length > 0).map((r) => `${r.name} (${r.generatedKeys.join(', ')})`);
    return {
      ok: true,
      lines: [
        `Generated anew in ${o.out}: ${generated.length ? generated.join('; ') : 'nothing (no generated values)'}.`,
        'Values you supply were kept: change them at their source (Real-Debrid, Usenet provider, Plex…) if they may have leaked, and supply the new ones.',
        'After Flux applied the new files, restart the consumers so they read the new values (see docs/<cluster>/secrets.md of the output, "Rotating the key").',
      ],
    };
  } catch (err) {
    return {
      ok: false,
      lines: [
        `error: the rotation is complete, but regenerating the generated values failed: ${(err as Error).message}`,
        `Fix that and finish with: SOPS_AGE_KEY_FILE=${o.keyFile} ${again}`,
      ],
    };
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = await main(process.argv.slice(2));
}
