import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig } from '../stack-config.js';
import { parseCommandLine } from './command-line.js';
import { Kubectl, KubectlSetupError } from '../verify/kubectl.js';
import { planChecks } from '../verify/plan.js';
import { formatReport, runChecks } from '../verify/run.js';
import { synthesizeForVerify } from '../verify/stack.js';

const USAGE = `usage: npm run verify -- [--context NAME] [--config FILE]

Runs the verification checklist of the runbooks against the live cluster through kubectl and
prints each phase of the design's success criteria as PASS or FAIL, with the failing object and
the runbook section to read. Exit code 0 when every phase passes, 1 when one fails, 2 when it
cannot run (kubectl missing, unknown context, bad config).

  --context NAME   kube context to check (kubectl --context); default: kubectl's current context
  --config FILE    stack config (.ts, .js, .json, .yaml) the cluster runs; default: the embedded default config
  KUBECTL          env var: the kubectl binary to run (default: kubectl on PATH)
`;

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const parsed = parseCommandLine(argv, { context: { type: 'string' }, config: { type: 'string' } }, USAGE);
  if (typeof parsed === 'number') return parsed;
  const args = parsed.values;
  try {
    // kubectl and the context first: the one-line answer comes before the synthesis.
    const kubectl = new Kubectl({ context: args.context, env });
    const context = await kubectl.preflight();
    const config = await loadConfig(args.config);
    const checks = planChecks(synthesizeForVerify(config));
    const phases = await runChecks(checks, kubectl);
    process.stdout.write(formatReport(phases, `Verifying cluster '${config.cluster}' (namespace ${config.namespace}) in kube context '${context}': ${checks.length} checks`));
    return phases.every((p) => p.passed) ? 0 : 1;
  } catch (err) {
    process.stderr.write(`error: ${err instanceof KubectlSetupError ? err.message : (err as Error).message}\n`);
    return 2;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = await main(process.argv.slice(2));
}
