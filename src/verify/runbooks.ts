import type { OutputFile } from '../output/layout.js';

/**
 * The sections of the generated runbooks (this config's docs, rendered in memory), so a check can
 * point at the exact heading to read: `docs/<cluster>/<page>.md#<anchor>`, with the anchor the
 * way GitHub renders it. A reference that names no existing section falls back to its page.
 */
interface Section {
  readonly file: string;
  readonly page: string;
  readonly heading: string;
  readonly anchor: string;
  readonly body: string;
}

/** GitHub's heading anchor: lower case, punctuation dropped, spaces as `-`, repeats numbered. */
function headingAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

export class RunbookIndex {
  private readonly sections: Section[] = [];
  private readonly pages = new Map<string, string>();

  /** `docsRoot` is where the synth writes the docs (`docs/<cluster>`). */
  constructor(files: readonly OutputFile[], docsRoot: string) {
    for (const f of files) {
      if (!f.path.startsWith(`${docsRoot}/`) || !f.path.endsWith('.md')) continue;
      const page = f.path.slice(docsRoot.length + 1);
      this.pages.set(page, f.path);
      const seen = new Map<string, number>();
      let inCode = false;
      let current: { heading: string; anchor: string; lines: string[] } | undefined;
      const flush = () => current && this.sections.push({ file: f.path, page, heading: current.heading, anchor: current.anchor, body: current.lines.join('\n') });
      for (const line of f.content.split('\n')) {
        if (line.startsWith('```')) inCode = !inCode;
        const h = !inCode && /^#{1,6} (.+)$/.exec(line);
        if (h) {
          flush();
          const base = headingAnchor(h[1]!);
          const n = seen.get(base) ?? 0;
          seen.set(base, n + 1);
          current = { heading: h[1]!, anchor: n ? `${base}-${n}` : base, lines: [] };
        } else current?.lines.push(line);
      }
      flush();
    }
  }

  /** The first section of `page` whose heading matches, else `fallback` (default: the page itself). */
  heading(page: string, match: RegExp, fallback?: string): string {
    const s = this.sections.find((x) => x.page === page && match.test(x.heading));
    return s ? `${s.file}#${s.anchor}` : (fallback ?? this.page(page));
  }

  /** The first section (of `page`, else of any page in page order) whose text contains `text`, else `fallback`. */
  mentioning(text: string, fallback: string, page?: string): string {
    const s = this.sections.find((x) => (page === undefined || x.page === page) && x.body.includes(text));
    return s ? `${s.file}#${s.anchor}` : fallback;
  }

  page(page: string): string {
    return this.pages.get(page) ?? page;
  }

  /** Whether a reference names an existing page and, with an anchor, one of its sections. */
  resolves(ref: string): boolean {
    const [file, anchor] = ref.split('#');
    if (![...this.pages.values()].includes(file!)) return false;
    return anchor === undefined || this.sections.some((s) => s.file === file && s.anchor === anchor);
  }
}
