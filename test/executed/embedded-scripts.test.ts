/**
 * Every shell script the synthesized manifests of both examples embed is linted with shellcheck
 * for its image's shell and executed by the runner that claims it (test/executed/runners.ts)
 * against stubs in a scratch root, a real PostgreSQL server, Samba's testparm or fake Arrs.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedScript } from './extract.js';
import { startPostgres, type PgServer } from './postgres-server.js';
import { RUNNERS, type RunContext } from './runners.js';
import { EXAMPLES, requireTool, synthExample, type Synthesized } from './support.js';

let server: Promise<PgServer> | undefined;
let serverLogin = '';
afterAll(async () => (await server)?.stop());

function context(synth: Synthesized): RunContext {
  return {
    synth,
    // One server per file: the first caller picks the superuser; later callers must agree.
    postgres: (superuser, password) => {
      if (!server) {
        server = startPostgres(superuser, password);
        serverLogin = `${superuser}/${password}`;
      }
      expect(`${superuser}/${password}`, 'every PostgreSQL script logs in as the same superuser').toBe(serverLogin);
      return server;
    },
  };
}

/**
 * shellcheck findings accepted for a kind of script, each with its reason (like the security
 * gate's exceptions): everything else, style notes included, fails.
 */
const ACCEPTED: readonly { code: string; applies: (s: EmbeddedScript) => boolean; reason: string }[] = [
  {
    code: 'SC2012',
    applies: (s) => /\bpg_dumpall\b/.test(s.text ?? ''),
    reason: 'the backup job lists only its own pg_dumpall-<UTC timestamp>.sql.gz files (no odd characters), newest first by mtime, which find cannot sort',
  },
];

function shellcheck(s: EmbeddedScript): string {
  const bin = requireTool('shellcheck', 'shellcheck');
  const exclude = ACCEPTED.filter((a) => a.applies(s)).map((a) => a.code);
  try {
    execFileSync(bin, ['-s', s.shell!.lint, '-f', 'gcc', ...(exclude.length ? ['-e', exclude.join(',')] : []), '-'], {
      input: s.text!,
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    return '';
  } catch (e: any) {
    return `${e.stdout}${e.stderr}`;
  }
}

describe.each(EXAMPLES)('embedded scripts of %s', (example) => {
  let synth: Synthesized;
  beforeAll(async () => {
    synth = await synthExample(example);
  });

  it('are found: shell commands, exec probes and hooks, ConfigMap script files', () => {
    expect(synth.scripts.length).toBeGreaterThan(3);
    expect(synth.scripts.some((s) => s.file)).toBe(true);
    expect(synth.scripts.every((s) => s.where !== 'command' || s.text)).toBe(true);
  });

  it('each has a known shell and exactly one runner (a new script fails here until a runner executes it)', () => {
    const problems = synth.scripts.flatMap((s) => {
      const runners = RUNNERS.filter((r) => r.claims(s)).map((r) => r.name);
      if (s.problem) return [`${s.id}: ${s.problem}`];
      if (runners.length !== 1)
        return [
          `${s.id}: ${runners.length === 0 ? 'no runner executes it: add one to test/executed/runners.ts' : `claimed by ${runners.join(' and ')}`}\n${s.text ?? s.argv.join(' ')}`,
        ];
      return [];
    });
    expect(problems).toEqual([]);
  });

  it('pass shellcheck for the shell of their image', () => {
    const findings = synth.scripts
      .filter((s) => s.text && s.shell)
      .map((s) => [s.id, shellcheck(s)] as const)
      .filter(([, out]) => out !== '');
    expect(Object.fromEntries(findings)).toEqual({});
  });

  it('run and do what they are for', async () => {
    // Sequential: the runners share the file's PostgreSQL server; each failure names its script.
    for (const s of synth.scripts) {
      const runner = RUNNERS.find((r) => r.claims(s));
      if (!runner) continue;
      try {
        const t0 = Date.now();
        await runner.run(s, context(synth));
        if (process.env.TIMING) console.log(`${Date.now() - t0} ms ${s.id}`);
      } catch (e) {
        (e as Error).message = `${s.id} (${runner.name}): ${(e as Error).message}`;
        throw e;
      }
    }
  }, 120_000);
});
