import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { StackConfig } from '../config/types.js';
import { readOutputObjects } from '../output/state.js';
import { OUTPUT_MARKER } from '../output/write.js';
import { clusterRoot } from '../pipeline/construct.js';
import { synthesize } from '../synth.js';
import { formatPlan } from './markdown.js';
import { planChanges } from './plan.js';

export interface PlanOptions {
  readonly config: StackConfig;
  readonly projectDir: string;
  /** The output folder the plan compares with (as the operator named it: it appears in the text). */
  readonly out: string;
  /** Where existing encrypted Secrets are kept from. @default out */
  readonly previousDir?: string;
  /** As `synth --regenerate-secrets`: the plan shows the rotation. @default false */
  readonly regenerateSecrets?: boolean;
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

/** Thrown when there is no output folder to compare with; names the folder and the fix. */
class PlanFolderError extends Error {
  override name = 'PlanFolderError';
}

function checkOutputFolder(out: string, dir: string): void {
  const fix = `run \`npm run synth -- --out ${out}\` once to create it, or point --out at the folder Flux reconciles`;
  if (!existsSync(dir)) throw new PlanFolderError(`--plan: the output folder ${out} does not exist, so there is nothing to compare with; ${fix}`);
  if (!statSync(dir).isDirectory()) throw new PlanFolderError(`--plan: ${out} is not a folder; --out must name the output folder (${fix})`);
  if (!existsSync(resolve(dir, OUTPUT_MARKER))) throw new PlanFolderError(`--plan: ${out} holds no media-stack output (no ${OUTPUT_MARKER} file in it); ${fix}`);
}

/**
 * `synth --plan`: synthesizes the config exactly as a synth would, without writing anything, and
 * returns what replacing the objects in `out` by the new ones does, as Markdown. Needs no SOPS
 * key: encrypted values are kept from the folder and compared as ciphertext.
 */
export async function planSynth(o: PlanOptions): Promise<string> {
  const dir = resolve(o.out);
  checkOutputFolder(o.out, dir);
  const root = clusterRoot(o.config);
  const previous = readOutputObjects(dir, root);
  const result = await synthesize({
    config: o.config,
    projectDir: o.projectDir,
    previousDir: o.previousDir ?? dir,
    outputDir: dir,
    // The plan shows dropped state (first, as destructive) instead of refusing.
    allowDataLoss: true,
    regenerateSecrets: o.regenerateSecrets ?? false,
    ...(o.env ? { env: o.env } : {}),
  });
  return formatPlan(planChanges(previous, result.objects), { out: o.out, clusterRoot: root, firstSynth: previous.length === 0 });
}
