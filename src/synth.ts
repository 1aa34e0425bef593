import type { StackConfig } from './config/types.js';
import { generateDocs } from './docs/index.js';
import type { GateFinding } from './gates/index.js';
import type { SecurityException } from './lib/component.js';
import type { OutputFile } from './output/layout.js';
import type { PlacedObject } from './output/model.js';
import { renderSecrets, type SecretsOutcome } from './output/secrets.js';
import type { DroppedState } from './output/state.js';
import { clusterRoot, constructStack, docsRoot, type ConstructedStack } from './pipeline/construct.js';
import { checkDataLoss } from './pipeline/data-loss.js';
import { runbookSections } from './pipeline/docs.js';
import { fluxStage } from './pipeline/flux.js';
import { gateStage } from './pipeline/gates.js';
import { layout, sopsConfigFiles } from './pipeline/layout.js';
import { restartOnChange } from './pipeline/restart-on-change.js';
import type { SecretRequest } from './secrets/model.js';

export interface SynthOptions {
  readonly config: StackConfig;
  /** Project folder: holds `.sops.yaml` and the operator's secret value files. */
  readonly projectDir: string;
  /** Where the previous output is read from (encrypted Secrets are kept from it). */
  readonly previousDir?: string;
  /** Environment (operator values, SOPS_AGE_KEY_FILE…). @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * The output folder this result replaces (what Flux reconciles today): stateful objects of this
   * cluster that it holds and the new output drops make the synth throw a DataLossError.
   * @default - previousDir
   */
  readonly outputDir?: string;
  /** The operator confirmed dropping stateful objects (`--allow-data-loss`). @default false */
  readonly allowDataLoss?: boolean;
  /** Generate every generated Secret value anew instead of keeping it (after a leak). @default false */
  readonly regenerateSecrets?: boolean;
}

export interface SynthResult {
  /** The config and every output folder (component) in phase order, the NetworkPolicies folder last. */
  readonly stack: ConstructedStack['stack'];
  /** Every file of the output tree, sorted by path. */
  readonly files: OutputFile[];
  /** Every object with its file (Secrets as written: encrypted). */
  readonly objects: PlacedObject[];
  readonly secretRequests: SecretRequest[];
  readonly secrets: SecretsOutcome;
  readonly securityExceptions: SecurityException[];
  /** What the quality gates found (no errors: a synth with gate errors throws). */
  readonly findings: GateFinding[];
  /** Stateful objects the previous output had and this one drops (only non-empty when confirmed or notes only). */
  readonly droppedState: DroppedState[];
  readonly warnings: string[];
}

/**
 * config → files, without touching the output folder (the CLI writes them atomically). The
 * stages, each a function of what the ones before produced:
 * construct → place → network policies (constructStack) → secrets (resolved and encrypted) →
 * restart on change (annotations from what each pod consumes) → Flux Kustomizations → quality gates → data loss → docs → layout (kustomization.yaml files).
 */
export async function synthesize(opts: SynthOptions): Promise<SynthResult> {
  const cfg = opts.config;
  const root = clusterRoot(cfg);
  const { stack, placement } = constructStack(cfg);
  const secrets = await renderSecrets(cfg, placement.secretRequests, {
    projectDir: opts.projectDir,
    previousDir: opts.previousDir,
    env: opts.env ?? process.env,
    clusterRoot: root,
    regenerate: opts.regenerateSecrets ?? false,
  });
  const sopsSecretFiles = secrets.placed.filter((p) => p.object.kind === 'Secret').map((p) => p.path);
  const flux = fluxStage(cfg, stack.components, root, { objects: placement.objects, sopsSecretFiles });
  const objects = [...restartOnChange(cfg, [...flux.objects, ...secrets.placed]), ...flux.kustomizations];
  const gates = gateStage(cfg, { objects: objects.map((p) => p.object), securityExceptions: placement.securityExceptions, fluxScope: placement.fluxScope });
  const dropped = checkDataLoss(
    opts.outputDir ?? opts.previousDir,
    root,
    objects.map((p) => p.object),
    opts.allowDataLoss ?? false,
  );
  const secretRequests = [...placement.secretRequests];
  const docs = generateDocs({ stack, objects, secretRequests, runbookSections: runbookSections() }, docsRoot(cfg));
  return {
    stack,
    files: layout(cfg, root, { objects, texts: secrets.texts, extra: [...docs, ...sopsConfigFiles(cfg, opts.projectDir)] }),
    objects,
    secretRequests,
    secrets,
    securityExceptions: gates.securityExceptions,
    findings: gates.findings,
    droppedState: dropped,
    warnings: [...stack.warnings, ...secrets.warnings, ...gates.warnings],
  };
}
