import { posix } from 'node:path';
import type { OutputFile } from '../output/layout.js';
import { diagramFiles } from './diagram.js';
import { StackView, type SynthesizedStack } from './model.js';
import type { RunbookSection } from './page.js';
import { runbookFiles } from './runbooks.js';

export type { RunbookSection } from './page.js';

/** What the docs stage reads: the synthesized stack and the runbook sections its apps contribute. */
export interface DocsInput extends SynthesizedStack {
  /** The apps' sections of the pages (the pipeline collects them from the app registry). */
  readonly runbookSections: readonly RunbookSection[];
}

/**
 * The generated docs of a synth, as files relative to the output root, below `root` (the synth
 * passes `docs/<cluster>`, so clusters can share one output folder): the architecture diagrams and
 * the runbooks, with this config's names. Deterministic: the same input gives the same bytes.
 * The pipeline's docs stage (src/pipeline/docs.ts) passes the apps' runbook sections.
 */
export function generateDocs(input: DocsInput, root = 'docs'): OutputFile[] {
  const v = new StackView(input);
  const files = [...diagramFiles(v), ...runbookFiles(v, input.runbookSections)].sort((a, b) => a.path.localeCompare(b.path));
  // The pages name each other by their path under docs/; only the files move below the root.
  return root === 'docs' ? files : files.map((f) => ({ ...f, path: posix.join(root, posix.relative('docs', f.path)) }));
}
