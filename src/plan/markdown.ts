import { describeObject, type FieldChange } from './diff.js';
import type { Plan, PlannedChange } from './plan.js';

export interface PlanHeading {
  /** The output folder compared against, as the operator named it. */
  readonly out: string;
  /** The cluster's root below it (`clusters/<name>`). */
  readonly clusterRoot: string;
  /** The previous output had no objects of this cluster (a first synth into the folder). */
  readonly firstSynth: boolean;
}

/** Longest value shown inline; longer ones (scripts, configs) are named by path only. */
const MAX_INLINE = 80;
/**
 * Values never shown: everything of a Secret (ciphertext, MAC, recipients' keys) and anything that
 * is or may be derived from a secret (checksum annotations, hashes, digests of Secret data).
 */
const SECRET_KINDS = ['Secret'];
const DERIVED_FROM_SECRETS = /checksum|hash|sha256|digest|password|token|mac\b/i;

const code = (s: string) => `\`${s.replace(/`/g, "'")}\``;

function inline(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  const text = typeof v === 'string' ? v : JSON.stringify(v);
  return text.length <= MAX_INLINE && !text.includes('\n') ? code(text) : undefined;
}

function fieldLine(c: FieldChange, kind: string): string {
  const hidden = SECRET_KINDS.includes(kind) || DERIVED_FROM_SECRETS.test(c.path);
  const [before, after] = hidden ? [undefined, undefined] : [inline(c.before), inline(c.after)];
  switch (c.change) {
    case 'added':
      return `${code(c.path)} added${after ? `: ${after}` : ''}`;
    case 'removed':
      return `${code(c.path)} removed${before ? ` (was ${before})` : ''}`;
    default:
      return `${code(c.path)} changed${before && after ? `: ${before} → ${after}` : ''}`;
  }
}

function objectLine(c: PlannedChange): string {
  // A destructive change's consequences are spelt out once, at the top.
  return `**${describeObject(c.object)}** (${code(c.path)}): ${c.destructive ? '⚠️ destructive, see above' : c.actions.join('; ')}`;
}

/**
 * The plan as Markdown, fit to be the text of a pull request: destructive changes first, then
 * added, changed, moved and removed objects. Secrets are named with their keys, never with a value.
 */
export function formatPlan(plan: Plan, h: PlanHeading): string {
  const by = (s: PlannedChange['status']) => plan.changes.filter((c) => c.status === s);
  const destructive = plan.changes.filter((c) => c.destructive);
  const lines: string[] = [`# Plan for \`${h.clusterRoot}\``, ''];
  lines.push(
    `Compared a fresh synth with the objects in \`${h.out}\`, object by object (API group, kind, namespace, name; a file that only moved within its Flux Kustomization's folder is no change, one that moved to another Kustomization's is listed as moved). Nothing was written.`,
    '',
  );
  if (h.firstSynth) lines.push(`\`${h.out}\` holds no objects of this cluster yet: every object is added.`, '');
  lines.push(
    `**${destructive.length} destructive** · ${by('added').length} added · ${by('changed').length} changed · ${by('moved').length} moved · ${by('removed').length} removed · ${plan.unchanged} unchanged`,
    '',
  );
  if (plan.changes.length === 0) {
    lines.push('No object changes: Flux has nothing to do.', '');
    return lines.join('\n');
  }
  if (destructive.length) {
    lines.push('## ⚠️ Destructive changes', '');
    for (const c of destructive) lines.push(`- **${c.destructive}** — ${c.actions.join('; ')}`);
    lines.push('');
  }
  const section = (title: string, items: PlannedChange[], withFields: boolean) => {
    if (items.length === 0) return;
    lines.push(`## ${title}`, '');
    for (const c of items) {
      lines.push(`- ${objectLine(c)}`);
      if (withFields) for (const f of c.fields) lines.push(`  - ${fieldLine(f, c.object.kind)}`);
    }
    lines.push('');
  };
  section('Added', by('added'), false);
  section('Changed', by('changed'), true);
  section('Moved to another Flux Kustomization', by('moved'), true);
  section('Removed', by('removed'), false);
  return lines.join('\n');
}
