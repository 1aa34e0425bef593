import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDocs } from '../../src/docs/index.js';
import { loadConfig, type StackConfigInput } from '../../src/stack-config.js';
import { docsInputOf } from './input.js';
import { GITHUB_WIDTH, MermaidRenderer, mermaidBlocks, overlappingLabels } from './mermaid-render.js';

/**
 * Every Mermaid diagram of the generated docs of every example (each `examples/*.ts`), rendered
 * by the real mermaid library in headless Chromium at GitHub's content width: it must render, its
 * smallest label must stay readable once the SVG is scaled down to fit, and no two labels may be
 * drawn over each other.
 */
const EXAMPLES: Record<string, StackConfigInput> = Object.fromEntries(
  await Promise.all(
    readdirSync('examples')
      .filter((f) => f.endsWith('.ts'))
      .sort()
      .map(async (f) => [`examples/${f}`, await loadConfig(`examples/${f}`)] as const),
  ),
);
/** Smallest font size (CSS px) a label may shrink to: GitHub's own small text is 12 px. */
const MIN_FONT_PX = 11;

const diagrams = Object.entries(EXAMPLES).flatMap(([example, cfg]) =>
  generateDocs(docsInputOf(cfg)).flatMap((f) => mermaidBlocks(f.content).map((source, i) => ({ name: `${example}: ${f.path} #${i + 1}`, source }))),
);

let renderer: MermaidRenderer | undefined;
beforeAll(async () => {
  renderer = await MermaidRenderer.start();
}, 60_000);
afterAll(async () => {
  await renderer?.close();
});

describe(`every Mermaid diagram renders readably at ${GITHUB_WIDTH} px`, () => {
  it('the docs of every example have diagrams', () => {
    expect(Object.keys(EXAMPLES)).toContain('examples/homelab.ts');
    expect(diagrams.length).toBeGreaterThanOrEqual(6);
  });

  diagrams.forEach(({ name, source }, n) => {
    it(name, async () => {
      const r = await renderer!.render(source, `d${n}`);
      const shots = process.env.DIAGRAM_SCREENSHOTS;
      if (shots && !r.error) await renderer!.screenshot(join(shots, `${name.replace(/[^A-Za-z0-9.-]+/g, '_')}.png`));
      if (shots)
        console.log(
          `${name}: natural ${Math.round(r.naturalWidth)} px, scale ${r.scale.toFixed(2)}, min font ${r.minFontPx.toFixed(1)} px, ${r.labels.length} labels, ${overlappingLabels(r.labels).length} overlaps`,
        );
      expect(r.error, `mermaid error:\n${source}`).toBeUndefined();
      expect(r.labels.length).toBeGreaterThan(0);
      expect(r.minFontPx, `natural width ${Math.round(r.naturalWidth)} px, scaled by ${r.scale.toFixed(2)}`).toBeGreaterThanOrEqual(MIN_FONT_PX);
      const overlaps = overlappingLabels(r.labels).map(([a, b]) => `"${a.text}" × "${b.text}"`);
      expect(overlaps, 'labels drawn over each other').toEqual([]);
    });
  });
});
