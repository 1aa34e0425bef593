import type { StackConfig } from '../config/types.js';
import { SOPS_AGE_SECRET } from '../flux/kustomizations.js';
import { formatFindings, hasErrors, runGates, type ExternalObject, type GateFinding } from '../gates/index.js';
import { podTemplates } from '../gates/pod-specs.js';
import type { SecurityException } from '../lib/component.js';
import { PREPARE_HOST_DIRS } from '../lib/pod.js';
import type { KubeObject } from '../output/model.js';

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

interface PodJson {
  readonly volumes?: readonly { readonly hostPath?: { readonly path: string } }[];
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
 * NFS export into one line per export (folded on the findings' rule and data, not their text).
 */
export function gateWarnings(findings: readonly GateFinding[]): string[] {
  const tagOnly = new Set<string>();
  const exports = new Map<string, Set<string>>();
  const rest: string[] = [];
  for (const f of findings) {
    if (f.severity !== 'warning') continue;
    const d = f.data;
    if (d?.kind === 'tag-only-image') tagOnly.add(d.image);
    else if (d?.kind === 'export-writer') {
      const key = `${d.export} is written as ${d.user}`;
      exports.set(key, (exports.get(key) ?? new Set()).add(`${f.object.split('/').pop()}/${d.container}`));
    } else rest.push(`${f.object}: ${f.message}`);
  }
  return [
    ...rest,
    ...[...exports].map(([exp, writers]) => `NFS export ${exp} by ${[...writers].sort().join(', ')}: fsGroup does not apply to NFS, so the export must let that user write (owned by it, or all_squash with anonuid/anongid)`),
    ...(tagOnly.size ? [`${tagOnly.size} images are pinned by tag without a digest (no digest was verified offline; add @sha256:… where the image is pinned: src/apps/<app>/facts.ts of its app, or src/lib/images.ts for the shared helper images): ${[...tagOnly].sort().join(', ')}`] : []),
  ];
}

export interface GateInput {
  /** Every object of the output (Flux Kustomizations and Secrets as written included). */
  readonly objects: readonly KubeObject[];
  /** The exceptions the components declared. */
  readonly securityExceptions: readonly SecurityException[];
  /** `objectRef` → Flux Kustomization that applies it (from the place stage). */
  readonly fluxScope: ReadonlyMap<string, string>;
}

export interface GateOutcome {
  /** What the gates found (never an error: those throw). */
  readonly findings: GateFinding[];
  /** The declared exceptions and the layout's own, as the security gate applied them. */
  readonly securityExceptions: SecurityException[];
  /** The warnings for the summary, folded. */
  readonly warnings: string[];
}

/** Stage "gates": schema, references, security and behaviour over the whole output; throws a GateError on an error. */
export function gateStage(cfg: StackConfig, input: GateInput): GateOutcome {
  const securityExceptions = [...input.securityExceptions, ...hostPathLayoutExceptions(cfg, input.objects)];
  const findings = runGates(input.objects, {
    external: externalObjects(cfg),
    securityExceptions,
    behaviour: { storageProvisioners: storageProvisioners(cfg), fluxScope: input.fluxScope },
  });
  if (hasErrors(findings)) throw new GateError(findings);
  return { findings, securityExceptions, warnings: gateWarnings(findings) };
}
