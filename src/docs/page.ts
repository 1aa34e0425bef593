import type { Facts } from './facts.js';
import type { Md } from './md.js';

/**
 * One runbook page under `docs/` of the output. A page reads the shared facts model and nothing
 * else; what belongs to one app is a {@link RunbookSection} that the app contributes to it.
 */
export interface RunbookPage {
  /** Output path, e.g. `docs/bootstrap.md`. */
  readonly path: string;
  /** The title in the index (`docs/README.md`). */
  title(f: Facts): string;
  /**
   * The page's Markdown; `undefined` when this config has nothing for it (the page and its index
   * entry are left out), `''` for a page listed in the index that another generator writes.
   */
  render(f: Facts, sections: readonly RunbookSection[]): string | undefined;
}

/** A part of a page that one app owns: the page renders the sections given to it in `order`. */
export interface RunbookSection {
  /** Path of the page the section belongs to (see {@link RUNBOOK_PAGE_PATHS}). */
  readonly page: string;
  /** Position among the page's sections (of its part), ascending. */
  readonly order: number;
  /**
   * The place on the page, for a page with more than one (see {@link RUNBOOK_PAGE_PARTS}).
   * @default - the page's main place
   */
  readonly part?: string;
  /** Appends the section; writes nothing when its app is not deployed. */
  render(f: Facts, md: Md): void;
}

/** Paths of the pages that take app sections, so sections can name them without importing pages. */
export const RUNBOOK_PAGE_PATHS = {
  downloads: 'docs/downloads-and-database.md',
  postDeploy: 'docs/post-deploy.md',
} as const;

/** Places on a page other than its main one, where sections can go. */
export const RUNBOOK_PAGE_PARTS = {
  /** post-deploy.md: the first login of each UI, under one heading. */
  logins: 'logins',
} as const;

/** Renders the sections of a page, in order, into `md`. */
export function renderSections(f: Facts, md: Md, sections: readonly RunbookSection[]): void {
  for (const s of [...sections].sort((a, b) => a.order - b.order)) s.render(f, md);
}
