/// <reference lib="dom" />
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type Page } from 'playwright-core';

/**
 * Renders Mermaid diagrams with the real mermaid library (from node_modules) in Debian's headless
 * Chromium, laid out as GitHub shows them: the SVG scaled down to fit the content column. Never
 * downloads a browser: `scripts/test-setup.sh` installs the `chromium` package.
 */
const CHROMIUM = '/usr/bin/chromium';
/** GitHub's Markdown content column on a desktop browser, in CSS pixels. */
export const GITHUB_WIDTH = 880;

export interface LabelBox {
  readonly text: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface RenderedDiagram {
  /** Mermaid's error message when the diagram does not parse or render. */
  readonly error?: string;
  /** Natural width of the SVG (its viewBox) and the factor it is scaled by to fit the column. */
  readonly naturalWidth: number;
  readonly scale: number;
  /** The smallest font size of any label after scaling, in CSS pixels. */
  readonly minFontPx: number;
  /** Every node, edge and subgraph label as drawn (after scaling), in page pixels. */
  readonly labels: readonly LabelBox[];
}

export class MermaidRenderer {
  private constructor(
    private readonly browser: Browser,
    private readonly page: Page,
  ) {}

  static async start(): Promise<MermaidRenderer> {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (bash scripts/test-setup.sh does)`);
    // Root in a container has no user namespaces for Chromium's sandbox; the page only runs mermaid.
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    const page = await browser.newPage({ viewport: { width: GITHUB_WIDTH + 40, height: 800 } });
    await page.setContent(`<!doctype html><html><body style="margin:0"><div id="column" style="width:${GITHUB_WIDTH}px"></div></body></html>`);
    await page.addScriptTag({ path: createRequire(import.meta.url).resolve('mermaid/dist/mermaid.min.js') });
    await page.evaluate(() => {
      (window as unknown as { mermaid: { initialize(c: object): void } }).mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', theme: 'default' });
    });
    return new MermaidRenderer(browser, page);
  }

  async render(source: string, id: string): Promise<RenderedDiagram> {
    return this.page.evaluate(
      async ({ source, id }) => {
        const mermaid = (window as unknown as { mermaid: { render(id: string, text: string): Promise<{ svg: string }> } }).mermaid;
        const column = document.getElementById('column')!;
        column.innerHTML = '';
        let svgText: string;
        try {
          svgText = (await mermaid.render(id, source)).svg;
        } catch (e) {
          return { error: e instanceof Error ? e.message : String(e), naturalWidth: 0, scale: 0, minFontPx: 0, labels: [] };
        }
        column.innerHTML = svgText;
        const svg = column.querySelector('svg')!;
        const naturalWidth = svg.viewBox.baseVal.width;
        const scale = svg.getBoundingClientRect().width / naturalWidth;
        const labels: { text: string; x: number; y: number; width: number; height: number }[] = [];
        let minFontPx = Infinity;
        // Node, edge and subgraph titles; HTML labels (foreignObject) or SVG text.
        const selector = '.nodeLabel, .edgeLabel span.edgeLabel, .edgeLabel p, .cluster-label .nodeLabel, text';
        const seen = new Set<Element>();
        for (const el of Array.from(svg.querySelectorAll(selector))) {
          const text = el.textContent.trim();
          if (!text || seen.has(el)) continue;
          // The innermost element that holds the text decides its font size and box.
          if (Array.from(el.querySelectorAll(selector)).some((inner) => inner.textContent.trim() === text)) continue;
          seen.add(el);
          const r = el.getBoundingClientRect();
          if (r.width === 0 || r.height === 0) continue;
          minFontPx = Math.min(minFontPx, parseFloat(getComputedStyle(el).fontSize) * scale);
          labels.push({ text, x: r.x, y: r.y, width: r.width, height: r.height });
        }
        return { naturalWidth, scale, minFontPx: labels.length ? minFontPx : 0, labels };
      },
      { source, id },
    );
  }

  /** A PNG of the last rendered diagram (for looking at it: `DIAGRAM_SCREENSHOTS=<dir>`). */
  async screenshot(path: string): Promise<void> {
    await this.page.locator('#column svg').screenshot({ path });
  }

  async close(): Promise<void> {
    await this.browser.close();
  }
}

/** Pairs of labels whose boxes overlap by more than `tolerance` pixels in both directions. */
export function overlappingLabels(labels: readonly LabelBox[], tolerance = 1): [LabelBox, LabelBox][] {
  const out: [LabelBox, LabelBox][] = [];
  for (let i = 0; i < labels.length; i++) {
    for (let j = i + 1; j < labels.length; j++) {
      const a = labels[i]!;
      const b = labels[j]!;
      const dx = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
      const dy = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
      if (dx > tolerance && dy > tolerance) out.push([a, b]);
    }
  }
  return out;
}

/** The Mermaid blocks of a Markdown text. */
export function mermaidBlocks(md: string): string[] {
  return [...md.matchAll(/^```mermaid\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
}
