import { posix } from 'node:path';
import { publishedFacts } from '../lib/published-facts.js';
import type { OutputFile } from '../output/layout.js';
import { COMPOSE_SPEC_SCHEMA, withSchemaHeader } from '../output/schema-header.js';
import { toYaml } from '../output/yaml.js';
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
  const files = [...diagramFiles(v), ...runbookFiles(v, input.runbookSections), ...composeFiles(v)].sort((a, b) => a.path.localeCompare(b.path));
  // The pages name each other by their path under docs/; only the files move below the root.
  return root === 'docs' ? files : files.map((f) => ({ ...f, path: posix.join(root, posix.relative('docs', f.path)) }));
}

/** The Compose files the components publish for machines outside the cluster, next to the runbooks that start them. */
function composeFiles(v: StackView): OutputFile[] {
  return v.components
    .flatMap((x) => publishedFacts(x))
    .flatMap((f) => (f.kind === 'compose-file' ? [{ path: posix.join('docs', f.file), content: withSchemaHeader(toYaml(f.project), COMPOSE_SPEC_SCHEMA) }] : []));
}
