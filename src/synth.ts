import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { ApiObject } from 'cdk8s';
import type { StackConfig } from './config/types.js';
import { buildStack, type MediaStack } from './apps/stack.js';
import { generateDocs } from './docs/index.js';
import { fluxKustomizations, SOPS_AGE_SECRET } from './flux/kustomizations.js';
import { formatFindings, hasErrors, runGates, type ExternalObject, type GateFinding } from './gates/index.js';
import { objectRef } from './gates/findings.js';
import { podTemplates } from './gates/pod-specs.js';
import { Component, fileNameOf, type SecurityException } from './lib/component.js';
import { PREPARE_HOST_DIRS } from './lib/pod.js';
import { uniqueFileName, withKustomizations, type OutputFile } from './output/layout.js';
import type { KubeObject, PlacedObject } from './output/model.js';
import { toYaml, toYamlDocuments } from './output/yaml.js';
import type { SecretRequest } from './secrets/model.js';
import { renderSecrets, type SecretsOutcome } from './output/secrets.js';
import { DataLossError, droppedState, readOutputObjects, type DroppedState } from './output/state.js';

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
  readonly stack: MediaStack;
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

/** Thrown when the synthesized objects fail a quality gate; nothing is written. */
export class GateError extends Error {
  constructor(readonly findings: readonly GateFinding[]) {
    super(`the synthesized objects fail the quality gates:\n${formatFindings(findings.filter((f) => f.severity === 'error'))}`);
    this.name = 'GateError';
  }
}

/** Objects the output refers to but does not create: they exist in every Flux cluster, or the operator creates them. */
export function externalObjects(cfg: StackConfig): ExternalObject[] {
  return [
    { kind: 'Namespace', name: 'kube-system' },
    { kind: 'Namespace', name: cfg.flux.namespace },
    { kind: 'Namespace', name: cfg.ingress.controllerNamespace },
    { kind: 'GitRepository', namespace: cfg.flux.namespace, name: cfg.flux.sourceName },
    { kind: 'Secret', namespace: cfg.flux.namespace, name: SOPS_AGE_SECRET },
    { kind: 'Secret', namespace: cfg.namespace, name: cfg.secrets.infisical.bootstrapSecretName },
    { kind: 'StorageClass', name: cfg.storage.configStorageClass },
    { kind: 'PriorityClass', name: 'system-node-critical' },
  ];
}

/**
 * StorageClasses the output uses but does not create: in the Longhorn layout the per-app config
 * class is Longhorn's (the behaviour gate needs the provisioner to know who owns a new volume).
 */
function storageProvisioners(cfg: StackConfig): Record<string, string> {
  return cfg.storage.mode === 'longhorn' ? { [cfg.storage.configStorageClass]: 'driver.longhorn.io' } : {};
}

/**
 * In the single-node layout every volume is a host directory under `storage.hostPathRoot` by
 * design (seed 004), so `no-host-path` is excepted for every workload that mounts one.
 */
function hostPathLayoutExceptions(cfg: StackConfig, objects: readonly KubeObject[]): SecurityException[] {
  if (cfg.storage.mode !== 'hostPath') return [];
  const out: SecurityException[] = [];
  for (const { object: o, spec: pod } of podTemplates(objects)) {
    const paths = ((pod.volumes ?? []) as PodJson['volumes'] & {}).flatMap((v) => (v.hostPath ? [v.hostPath.path] : []));
    if (paths.length > 0 && paths.every((p) => p.startsWith(`${cfg.storage.hostPathRoot}/`) || p === cfg.apps.decypharr.dfsHostPath || p.startsWith(`${cfg.apps.decypharr.dfsHostPath}/`))) {
      out.push({ kind: o.kind, name: o.metadata.name, rules: ['no-host-path'], reason: `single-node layout: volumes are host directories under ${cfg.storage.hostPathRoot}` });
    }
    if (((pod.initContainers ?? []) as { name: string }[]).some((c) => c.name === PREPARE_HOST_DIRS)) {
      out.push({
        kind: o.kind,
        name: o.metadata.name,
        container: PREPARE_HOST_DIRS,
        rules: ['run-as-non-root', 'drop-all-capabilities'],
        reason: `kubelet creates missing host directories as root and never applies fsGroup to them; this init container (CAP_CHOWN only) hands them to ${cfg.uid}:${cfg.gid}`,
      });
    }
  }
  return out;
}

/**
 * Gate warnings for the summary; tag-only image pins are folded into one line, and writers of an
 * NFS export into one line per export.
 */
function gateWarnings(findings: readonly GateFinding[]): string[] {
  const warnings = findings.filter((f) => f.severity === 'warning');
  const folded = (f: GateFinding) => f.message.startsWith('[image-pinned]') || f.message.startsWith('[export-defined]');
  const tagOnly = new Set(warnings.filter((f) => f.message.startsWith('[image-pinned]')).map((f) => /image "([^"]+)"/.exec(f.message)?.[1] ?? f.message));
  const exports = new Map<string, Set<string>>();
  for (const f of warnings.filter((w) => w.message.startsWith('[export-defined]'))) {
    const m = /\] container "([^"]+)": \S.* as (\d+:\d+) .*the NFS export (\S+)/.exec(f.message);
    const key = m ? `${m[3]} is written as ${m[2]}` : f.message;
    exports.set(key, (exports.get(key) ?? new Set()).add(m ? `${f.object.split('/').pop()}/${m[1]}` : f.object));
  }
  return [
    ...warnings.filter((f) => !folded(f)).map((f) => `${f.object}: ${f.message}`),
    ...[...exports].map(([exp, writers]) => `NFS export ${exp} by ${[...writers].sort().join(', ')}: fsGroup does not apply to NFS, so the export must let that user write (owned by it, or all_squash with anonuid/anongid)`),
    ...(tagOnly.size ? [`${tagOnly.size} images are pinned by tag without a digest (no digest was verified offline; add @sha256:… in src/lib/images.ts): ${[...tagOnly].sort().join(', ')}`] : []),
  ];
}

interface PodJson {
  readonly volumes?: readonly { readonly hostPath?: { readonly path: string } }[];
}

/** `clusters/<cluster>` — the root of the manifests in the output. */
export function clusterRoot(cfg: StackConfig): string {
  return `clusters/${cfg.cluster}`;
}

/** `docs/<cluster>` — where the generated runbooks of a cluster go in the output. */
export function docsRoot(cfg: StackConfig): string {
  return `docs/${cfg.cluster}`;
}

/**
 * config → constructs → plain objects → files, without touching the output folder. Secrets are
 * resolved and encrypted here; the caller writes the files atomically.
 */
export async function synthesize(opts: SynthOptions): Promise<SynthResult> {
  const cfg = opts.config;
  const stack = buildStack(cfg);
  const root = clusterRoot(cfg);
  const placed: PlacedObject[] = [];
  const taken = new Map<string, Set<string>>();
  const secretRequests: SecretRequest[] = [];
  const securityExceptions: SecurityException[] = [];

  /** Which Flux Kustomization applies each object (the behaviour gate maps `wait` to workloads). */
  const fluxScope = new Map<string, string>();
  for (const component of stack.components) {
    const dir = `${root}/${component.dir}`;
    const names = taken.get(dir) ?? new Set<string>();
    taken.set(dir, names);
    for (const obj of component.node.findAll()) {
      if (!(obj instanceof ApiObject) || Component.of(obj) !== component) continue;
      const json = obj.toJson() as KubeObject;
      const file = uniqueFileName(names, fileNameOf(obj) ?? `${json.kind.toLowerCase()}.yaml`, json.kind, json.metadata.name);
      placed.push({ object: json, path: `${dir}/${file}` });
      fluxScope.set(objectRef(json), component.fluxName);
    }
    for (const s of component.secrets) {
      const file = uniqueFileName(names, s.fileName, 'Secret', s.name);
      secretRequests.push({ name: s.name, namespace: component.namespace, keys: s.keys, path: `${dir}/${file}`, labels: { 'app.kubernetes.io/part-of': 'media-stack' } });
    }
    securityExceptions.push(...component.securityExceptions);
  }

  const secrets = await renderSecrets(cfg, secretRequests, {
    projectDir: opts.projectDir,
    previousDir: opts.previousDir,
    env: opts.env ?? process.env,
    clusterRoot: root,
    regenerate: opts.regenerateSecrets ?? false,
  });
  placed.push(...secrets.placed);

  const withSecrets = new Set(secrets.placed.filter((p) => p.object.kind === 'Secret').map((p) => posix.dirname(p.path)));
  const flux = fluxKustomizations(
    cfg,
    stack.components.map((component) => ({
      component,
      path: `./${posix.normalize(posix.join(cfg.flux.repoPath, root, component.dir))}`,
      hasSopsSecrets: withSecrets.has(`${root}/${component.dir}`),
    })),
  );
  const fluxFile = `${root}/media-stack.yaml`;
  for (const ks of flux) placed.push({ object: ks, path: fluxFile });

  const allExceptions = [...securityExceptions, ...hostPathLayoutExceptions(cfg, placed.map((p) => p.object))];
  const findings = runGates(
    placed.map((p) => p.object),
    { external: externalObjects(cfg), securityExceptions: allExceptions, behaviour: { storageProvisioners: storageProvisioners(cfg), fluxScope } },
  );
  if (hasErrors(findings)) throw new GateError(findings);

  const replaced = opts.outputDir ?? opts.previousDir;
  const dropped = replaced ? droppedState(readOutputObjects(replaced, root), placed.map((p) => p.object)) : [];
  if (!opts.allowDataLoss && dropped.some((d) => d.confirm)) throw new DataLossError(dropped);

  const files: OutputFile[] = [];
  const byPath = new Map<string, KubeObject[]>();
  for (const p of placed) {
    if (secrets.texts.has(p.path)) continue;
    byPath.set(p.path, [...(byPath.get(p.path) ?? []), p.object]);
  }
  for (const [path, objs] of byPath) {
    files.push({ path, content: objs.length === 1 ? toYaml(objs[0]) : toYamlDocuments(objs) });
  }
  for (const [path, text] of secrets.texts) files.push({ path, content: text });
  // Docs per cluster (docs/<cluster>/), so clusters can share one output folder.
  files.push(...generateDocs({ stack, objects: placed, secretRequests }).map((f) => ({ ...f, path: f.path.replace(/^docs\//, `${docsRoot(cfg)}/`) })));
  const sopsConfig = join(opts.projectDir, '.sops.yaml');
  if (cfg.secrets.backend === 'sops' && existsSync(sopsConfig)) files.push({ path: '.sops.yaml', content: readFileSync(sopsConfig, 'utf8') });

  return {
    stack,
    files: withKustomizations(files, root, { [root]: cfg.flux.extraRootResources }),
    objects: placed,
    secretRequests,
    secrets,
    securityExceptions: allExceptions,
    findings,
    droppedState: dropped,
    warnings: [...stack.warnings, ...secrets.warnings, ...gateWarnings(findings)],
  };
}
