import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { SECRET_STORE_DIR } from '../apps/stack.js';
import { APP_FOLDER } from '../lib/component.js';
import type { StackConfig } from '../config/types.js';
import { externalSecretObjects } from '../secrets/external-secrets.js';
import type { SecretRequest } from '../secrets/model.js';
import { resolveSecrets, type ResolvedSecrets } from '../secrets/resolve.js';
import { demoFingerprintsOf, formatPublicValues, parsePublicValues, PUBLIC_VALUES_FILE } from '../secrets/demo-values.js';
import { loadOperatorValues } from '../secrets/sources.js';
import { DEMO_IDENTITY_FILE, DEMO_RECIPIENT, findCreationRule, isDemoReadable, loadAgeIdentities, parseSopsConfig, withoutDemoNote } from '../sops/index.js';
import type { KubeObject, PlacedObject } from './model.js';
import { filesBelow } from './tree.js';

export interface SecretsOutcome {
  /** Encrypted file texts by output path (SOPS backend). */
  readonly texts: Map<string, string>;
  /** The Secret (as written, encrypted) or ExternalSecret/SecretStore objects with their files. */
  readonly placed: PlacedObject[];
  readonly report: ResolvedSecrets['report'];
  readonly warnings: string[];
}

export interface RenderSecretsOptions {
  readonly projectDir: string;
  readonly previousDir?: string;
  readonly env: NodeJS.ProcessEnv;
  readonly clusterRoot: string;
  /** Generate every generated value anew (see `ResolveSecretsOptions.regenerate`). @default false */
  readonly regenerate?: boolean;
}

/** Turns the declared Secrets into SOPS files or External Secrets objects, per the config's backend. */
export async function renderSecrets(cfg: StackConfig, requests: readonly SecretRequest[], o: RenderSecretsOptions): Promise<SecretsOutcome> {
  if (cfg.secrets.backend === 'external-secrets') {
    const i = cfg.secrets.infisical;
    const objects = externalSecretObjects(requests, {
      hostAPI: i.hostAPI,
      projectSlug: i.projectSlug,
      environmentSlug: i.environmentSlug,
      secretsPath: i.secretsPath,
      bootstrapSecretName: i.bootstrapSecretName,
    });
    const placed: PlacedObject[] = objects.map((obj) => {
      if (obj.kind === 'SecretStore') return { object: obj, path: `${o.clusterRoot}/apps/${obj.metadata.namespace}/${SECRET_STORE_DIR}/${APP_FOLDER}/secretstore.yaml` };
      const req = requests.find((r) => r.name === obj.metadata.name && r.namespace === obj.metadata.namespace);
      if (!req) throw new Error(`no Secret request for ExternalSecret ${obj.metadata.name}`);
      return { object: obj, path: req.path.replace(/(secret[^/]*)\.sops\.yaml$/, 'external$1.yaml') };
    });
    return { texts: new Map(), placed, report: [], warnings: [] };
  }

  const sopsPath = join(o.projectDir, '.sops.yaml');
  if (!existsSync(sopsPath)) {
    throw new Error(`${sopsPath} is missing: run \`npm run keys -- init\` to create an age identity and the SOPS creation rule`);
  }
  const sopsText = readFileSync(sopsPath, 'utf8');
  const sopsConfig = parseSopsConfig(sopsText);
  const { identities } = await loadAgeIdentities(o.env);
  const operatorValues = await loadOperatorValues({ projectDir: o.projectDir, env: o.env, identities, requests });
  const previousDir = o.previousDir;
  const publicValuesPath = `${o.clusterRoot}/${PUBLIC_VALUES_FILE}`;
  const previousPublic =
    previousDir && existsSync(join(previousDir, publicValuesPath)) ? parsePublicValues(readFileSync(join(previousDir, publicValuesPath), 'utf8')) : new Set<string>();
  const resolved = await resolveSecrets({
    publicValues: previousPublic,
    requests,
    sopsConfig,
    identities,
    operatorValues: operatorValues.values,
    regenerate: o.regenerate ?? false,
    readPrevious: previousDir ? previousSecretReader(previousDir, o.clusterRoot, requests) : () => undefined,
  });
  const texts = new Map(resolved.files.map((f) => [f.path, f.text] as const));
  const placed = resolved.files.map((f) => ({ object: (f.document ?? parseYaml(f.text)) as KubeObject, path: f.path }));
  // Every value now encrypted to the demo recipient is public: remember it for after `keys remove`.
  const publicValues = new Set(previousPublic);
  for (const f of resolved.files) {
    if (!isDemoReadable(findCreationRule(sopsConfig, f.path)?.age ?? [])) continue;
    for (const fp of f.fingerprints ?? (await demoFingerprintsOf(f.text))) publicValues.add(fp);
  }
  if (publicValues.size > 0) texts.set(publicValuesPath, formatPublicValues(publicValues));
  const warnings = [...operatorValues.warnings, ...resolved.warnings];
  const demo = new Set(requests.flatMap((r) => findCreationRule(sopsConfig, r.path)?.age ?? []).filter((r) => r === DEMO_RECIPIENT));
  if (demo.size > 0) {
    warnings.push(
      `.sops.yaml still encrypts to the DEMO recipient (its private key is committed in ${DEMO_IDENTITY_FILE}): anyone can read these Secrets. ` +
        `Before committing real values run \`npm run keys -- init\` and \`npm run keys -- remove ${DEMO_RECIPIENT}\`; the next synth then replaces every demo value.`,
    );
  } else if (withoutDemoNote(sopsText) !== sopsText) {
    // Edited by hand: the header still calls the recipient the demo key, and it is copied into the output.
    warnings.push(
      `.sops.yaml no longer names the demo recipient, but its header comment still says it does; replace that comment (\`npm run keys -- add <your age1… recipient>\` rewrites it).`,
    );
  }
  return { texts, placed, report: resolved.report, warnings };
}

/**
 * The previous text of a Secret's file: at its path, else wherever the previous output kept the
 * same Secret (namespace and name in its clear metadata), so a layout change that moves the files
 * keeps every value instead of generating it anew.
 */
function previousSecretReader(previousDir: string, clusterRoot: string, requests: readonly SecretRequest[]): (path: string) => string | undefined {
  let moved: Map<string, string> | undefined;
  const movedFiles = () => {
    if (moved) return moved;
    moved = new Map();
    for (const rel of filesBelow(join(previousDir, clusterRoot))) {
      if (!rel.endsWith('.sops.yaml')) continue;
      let doc: unknown;
      try {
        doc = parseYaml(readFileSync(join(previousDir, clusterRoot, rel), 'utf8'));
      } catch {
        continue; // not ours to judge: the request then finds no previous file
      }
      const { kind, metadata: m } = (doc ?? {}) as { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } };
      if (kind === 'Secret' && typeof m?.name === 'string' && typeof m.namespace === 'string') moved.set(`${m.namespace}/${m.name}`, `${clusterRoot}/${rel}`);
    }
    return moved;
  };
  return (path: string) => {
    const at = join(previousDir, path);
    if (existsSync(at)) return readFileSync(at, 'utf8');
    const req = requests.find((r) => r.path === path);
    const from = req && movedFiles().get(`${req.namespace}/${req.name}`);
    return from ? readFileSync(join(previousDir, from), 'utf8') : undefined;
  };
}
