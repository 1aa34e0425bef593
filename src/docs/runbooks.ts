import type { OutputFile } from '../output/layout.js';
import { Facts } from './facts.js';
import type { StackView } from './model.js';
import type { RunbookPage, RunbookSection } from './page.js';
import { bootstrapPage } from './pages/bootstrap.js';
import { decypharrDfsPage } from './pages/decypharr-dfs.js';
import { downloadsPage } from './pages/downloads-and-database.js';
import { failoverPage } from './pages/failover.js';
import { gpuTranscodingPage } from './pages/gpu-transcoding.js';
import { INDEX_PAGE, indexPage } from './pages/index.js';
import { postDeployPage } from './pages/post-deploy.js';
import { secretsPage } from './pages/secrets.js';
import { statePage } from './pages/state.js';
import { streamingToPermanentPage } from './pages/streaming-to-permanent.js';
import { verificationPage } from './pages/verification.js';

/**
 * Runbooks under `docs/` of the output: one module per page over one facts model, built once.
 * Sections of disabled apps are left out, and pages with nothing to say with them.
 */

/** Written by diagram.ts; listed here so the index links it first. */
const architecturePage: RunbookPage = { path: 'docs/architecture.md', title: () => 'Architecture diagrams', render: () => '' };

/** The pages in the order of the index. */
const PAGES: readonly RunbookPage[] = [
  architecturePage,
  bootstrapPage,
  postDeployPage,
  verificationPage,
  downloadsPage,
  secretsPage,
  statePage,
  streamingToPermanentPage,
  failoverPage,
  decypharrDfsPage,
  gpuTranscodingPage,
];

export function runbookFiles(v: StackView, sections: readonly RunbookSection[]): OutputFile[] {
  const f = new Facts(v);
  const pages = PAGES.map((p) => ({
    path: p.path,
    title: p.title(f),
    content: p.render(
      f,
      sections.filter((s) => s.page === p.path),
    ),
  }));
  const present = pages.filter((p) => p.content !== undefined);
  const files: OutputFile[] = present.filter((p) => p.content).map((p) => ({ path: p.path, content: p.content! }));
  files.push({ path: INDEX_PAGE, content: indexPage(v, present) });
  return files;
}
