import { refText, type Check, type Failure, type Phase } from './check.js';
import type { Kubectl } from './kubectl.js';
import { PHASE_ORDER } from './phases.js';

export interface CheckOutcome {
  readonly check: Check;
  readonly failures: readonly Failure[];
}

export interface PhaseOutcome {
  readonly phase: Phase;
  readonly outcomes: readonly CheckOutcome[];
  readonly passed: boolean;
}

/** Runs every check's argv (each distinct argv once, a few at a time) and judges the answers. */
export async function runChecks(checks: readonly Check[], kubectl: Kubectl, parallel = 4): Promise<PhaseOutcome[]> {
  const outcomes: CheckOutcome[] = [];
  let next = 0;
  const worker = async () => {
    while (next < checks.length) {
      const i = next++;
      const check = checks[i]!;
      outcomes[i] = { check, failures: check.judge(await kubectl.run(check.argv)) };
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, checks.length) }, worker));
  return PHASE_ORDER.flatMap((phase) => {
    const of = outcomes.filter((o) => o.check.phase.id === phase.id);
    return of.length ? [{ phase, outcomes: of, passed: of.every((o) => o.failures.length === 0) }] : [];
  });
}

/** PASS/FAIL per phase; under a failed phase each failing object, why, and the runbook section to read. */
export function formatReport(phases: readonly PhaseOutcome[], header: string): string {
  const lines = [header, ''];
  for (const p of phases) {
    const failed = p.outcomes.filter((o) => o.failures.length);
    lines.push(`${p.passed ? 'PASS' : 'FAIL'}  ${p.phase.title} (${p.outcomes.length - failed.length}/${p.outcomes.length} checks)`);
    for (const o of failed) {
      lines.push(`      ✗ ${o.check.title}`);
      for (const f of o.failures) lines.push(`          ${refText(f.object)}: ${f.reason}`);
      lines.push(`          read: ${o.check.runbook}`);
    }
  }
  const bad = phases.filter((p) => !p.passed).length;
  lines.push('', bad ? `${bad} of ${phases.length} phases FAIL` : `all ${phases.length} phases PASS`);
  return `${lines.join('\n')}\n`;
}
