import { posix } from 'node:path';
import { c, Md } from '../md.js';
import type { StackView } from '../model.js';
import { docWarnings } from '../warnings.js';

/** `docs/README.md`: the pages, what needs attention, and the components. */

export const INDEX_PAGE = 'docs/README.md';

// ─── index ──────────────────────────────────────────────────────────────────────────────────

export function indexPage(v: StackView, pages: { path: string; title: string }[]): string {
  const md = new Md();
  md.h(1, `Runbooks for ${c(v.clusterRoot)}`);
  md.p(
    `Generated from this config's synthesized objects (namespace ${c(v.namespace)}, Flux namespace ${c(v.fluxNamespace)}); regenerate with the synth after every config change.`,
  );
  md.ul(pages.map((p) => `[${p.title}](${posix.basename(p.path)})`));
  const warnings = docWarnings(v);
  if (warnings.length) {
    md.h(2, 'Needs attention');
    md.ul(warnings);
  }
  md.h(2, 'Components');
  md.table(
    ['Flux Kustomization', 'Folder', 'What'],
    v.components.map((x) => [
      x.ownKustomization ? c(x.fluxName) : `— (applied by ${c(`${v.clusterRoot}/${x.dir}/kustomization.yaml`)})`,
      c(`${v.clusterRoot}/${x.dir}`),
      x.description,
    ]),
  );
  return md.toString();
}
