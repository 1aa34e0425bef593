import type { StackConfig } from '../config/types.js';
import { generateDocs } from '../docs/index.js';
import { Facts } from '../docs/facts.js';
import { StackView, type SynthesizedStack } from '../docs/model.js';
import { clusterRoot, constructStack, docsRoot } from '../pipeline/construct.js';
import { runbookSections } from '../pipeline/docs.js';
import { fluxStage } from '../pipeline/flux.js';
import { RunbookIndex } from './runbooks.js';

/** What the checks read: the synthesized objects (as the runbooks see them) and the runbooks themselves. */
export interface VerifiedStack {
  readonly facts: Facts;
  readonly runbooks: RunbookIndex;
}

/**
 * The synth's pure stages, in memory: construct → place → network policies → Flux Kustomizations,
 * and the docs over them. No Secret is resolved or encrypted (the checks never look at values, and
 * an operator running a health check need not hold them), nothing is written.
 */
export function synthesizeForVerify(cfg: StackConfig): VerifiedStack {
  const root = clusterRoot(cfg);
  const { stack, placement } = constructStack(cfg);
  // The SOPS files only decide which Kustomizations decrypt; their paths are known before any value is.
  const sopsFiles = cfg.secrets.backend === 'sops' ? placement.secretRequests.map((r) => r.path) : [];
  const flux = fluxStage(cfg, stack.components, root, { objects: placement.objects, sopsSecretFiles: sopsFiles });
  const objects = [...flux.objects, ...flux.kustomizations];
  const input: SynthesizedStack = { stack, objects, secretRequests: placement.secretRequests };
  const docs = generateDocs({ ...input, runbookSections: runbookSections() }, docsRoot(cfg));
  return { facts: new Facts(new StackView(input)), runbooks: new RunbookIndex(docs, docsRoot(cfg)) };
}
