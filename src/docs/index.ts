import type { OutputFile } from '../output/layout.js';
import { diagramFiles } from './diagram.js';
import { StackView, type DocsInput } from './model.js';
import { runbookFiles } from './runbooks.js';

export type { DocsInput } from './model.js';
export { docWarnings } from './warnings.js';

/**
 * The generated docs of a synth, as files relative to the output root (`docs/…`): the
 * architecture diagrams and the runbooks, with this config's names. Deterministic: the same
 * input gives the same bytes. `SynthResult` satisfies `DocsInput`.
 */
export function generateDocs(input: DocsInput): OutputFile[] {
  const v = new StackView(input);
  return [...diagramFiles(v), ...runbookFiles(v)].sort((a, b) => a.path.localeCompare(b.path));
}
