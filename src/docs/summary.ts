import { describeDropped } from '../output/state.js';
import type { WriteReport } from '../output/write.js';
import { DEMO_IDENTITY_FILE } from '../sops/index.js';
import type { SynthResult } from '../synth.js';
import { StackView } from './model.js';
import { configWarnings, objectWarnings } from './warnings.js';

/**
 * The short report `npm run synth` prints: components, files, Secrets (names only — never
 * values), and warnings about things that need attention before committing.
 */
export function formatSummary(
  result: Pick<SynthResult, 'stack' | 'secrets' | 'warnings'> & Partial<Pick<SynthResult, 'objects' | 'secretRequests' | 'droppedState'>>,
  report: WriteReport,
  o: { out: string },
): string {
  const lines: string[] = [];
  const comps = result.stack.components;
  lines.push(`media-stack: ${comps.length} components → ${o.out}/`);
  for (const c of comps) lines.push(`  ${c.fluxName.padEnd(24)} ${c.description}`);
  lines.push(`files: ${report.written.length} written, ${report.unchanged.length} unchanged, ${report.removed.length} removed`);
  for (const f of report.written.slice(0, 20)) lines.push(`  + ${f}`);
  if (report.written.length > 20) lines.push(`  … and ${report.written.length - 20} more`);
  for (const f of report.removed) lines.push(`  - ${f}`);
  if (report.kept?.length) lines.push(`kept (not written by media-stack): ${report.kept.join(', ')}`);
  for (const r of report.recovered ?? []) lines.push(`recovered: ${r}`);
  const dropped = result.droppedState ?? [];
  if (dropped.length > 0) {
    const confirmed = dropped.filter((d) => d.confirm).length;
    lines.push(`state dropped from the output: ${confirmed} object(s)${confirmed ? ' (confirmed with --allow-data-loss)' : ''}`);
    for (const d of dropped) lines.push(`  ! ${describeDropped(d)}`);
  }
  const by = (s: string) => result.secrets.report.filter((r) => r.status === s).map((r) => r.name);
  const kept = by('kept');
  const re = by('re-encrypted');
  const created = by('created');
  if (result.secrets.report.length > 0) {
    lines.push(`secrets: ${kept.length} kept, ${re.length} re-encrypted, ${created.length} created`);
    if (re.length) lines.push(`  re-encrypted: ${re.join(', ')}`);
    if (created.length) lines.push(`  created: ${created.join(', ')}`);
    const generated = result.secrets.report.filter((r) => r.generatedKeys.length > 0).map((r) => `${r.name} (${r.generatedKeys.join(', ')})`);
    if (generated.length) lines.push(`  generated values: ${generated.join('; ')}`);
    const demo = result.secrets.report.filter((r) => r.demoKeys.length > 0).map((r) => `${r.name} (${r.demoKeys.join(', ')})`);
    if (demo.length) lines.push(`  demo values replaced (public through ${DEMO_IDENTITY_FILE}, never carried over): ${demo.join('; ')}`);
  }
  for (const w of [...result.warnings, ...nodeRequirements(result)]) lines.push(`warning: ${w}`);
  return `${lines.join('\n')}\n`;
}

/**
 * Features that only work with a node-level setting the stack cannot make itself (render group,
 * NFS client, unsafe sysctls) and placement conflicts, from the config and, when given, the
 * synthesized objects. The generated docs list the same (docs/README.md).
 */
function nodeRequirements(result: Pick<SynthResult, 'stack'> & Partial<Pick<SynthResult, 'objects' | 'secretRequests'>>): string[] {
  if (!result.objects) return configWarnings(result.stack.config);
  const view = new StackView({ stack: result.stack, objects: result.objects, secretRequests: result.secretRequests ?? [] });
  return [...configWarnings(result.stack.config), ...objectWarnings(view)];
}
