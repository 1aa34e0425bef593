import type { AppModule } from '../apps/module.js';
import { APP_MODULES } from '../apps/registry.js';
import { middlewareInNamespace } from '../config/cross-field.js';
import type { StackConfig } from '../config/types.js';
import { SOPS_AGE_SECRET } from '../flux/kustomizations.js';
import type { AppFacts } from '../gates/behaviour-facts.js';
import { formatFindings, hasErrors, runGates, type ExternalObject, type GateFinding } from '../gates/index.js';
import type { SecurityException } from '../lib/component.js';
import { SHARED_FACTS } from '../lib/shared-facts.js';
import type { KubeObject } from '../output/model.js';

/** Thrown when the synthesized objects fail a quality gate; nothing is written. */
class GateError extends Error {
  constructor(readonly findings: readonly GateFinding[]) {
    super(`the synthesized objects fail the quality gates:\n${formatFindings(findings.filter((f) => f.severity === 'error'))}`);
    this.name = 'GateError';
  }
}

/** Objects the output refers to but does not create: they exist in every Flux cluster, or the operator creates them. */
function externalObjects(cfg: StackConfig): ExternalObject[] {
  return [
    { kind: 'Namespace', name: 'kube-system' },
    { kind: 'Namespace', name: cfg.flux.namespace },
    { kind: 'Namespace', name: cfg.ingress.controllerNamespace },
    { kind: 'GitRepository', namespace: cfg.flux.namespace, name: cfg.flux.sourceName },
    { kind: 'Secret', namespace: cfg.flux.namespace, name: SOPS_AGE_SECRET },
    { kind: 'Secret', namespace: cfg.namespace, name: cfg.secrets.infisical.bootstrapSecretName },
    { kind: 'StorageClass', name: cfg.storage.configStorageClass },
    { kind: 'PriorityClass', name: 'system-node-critical' },
    ...ingressExternals(cfg),
    // kube-controller-manager's root-ca-cert-publisher puts the cluster CA in every namespace.
    { kind: 'ConfigMap', namespace: cfg.namespace, name: 'kube-root-ca.crt' },
    // Longhorn's own namespace (the config backups' RecurringJobs live there).
    ...(cfg.storage.mode === 'longhorn' && cfg.apps.backups.enabled ? [{ kind: 'Namespace', name: cfg.apps.backups.longhornNamespace }] : []),
  ];
}

/** The operator's side of `ingress`: the parent Gateway, the cert-manager issuer, the forward-auth Middleware. */
function ingressExternals(cfg: StackConfig): ExternalObject[] {
  const ing = cfg.ingress;
  if (!ing.enabled) return [];
  const out: ExternalObject[] = [];
  const gateway = ing.mode === 'gateway' ? ing.gateway : undefined;
  if (gateway) {
    out.push({ kind: 'Namespace', name: gateway.namespace }, { kind: 'Gateway', namespace: gateway.namespace, name: gateway.name });
    if (gateway.podNamespace) out.push({ kind: 'Namespace', name: gateway.podNamespace });
    const middleware = ing.auth.mode === 'forward-auth' && ing.auth.middleware ? middlewareInNamespace(ing.auth.middleware, cfg.namespace) : undefined;
    if (middleware) out.push({ kind: 'Middleware', namespace: cfg.namespace, name: middleware });
  }
  // A ClusterIssuer is cluster-scoped; an Issuer is in the namespace of the Certificates it signs.
  if (ing.tls) out.push({ kind: ing.tls.issuerKind, namespace: gateway ? gateway.namespace : cfg.namespace, name: ing.tls.issuerName });
  return out;
}

/**
 * StorageClasses the output uses but does not create: in the Longhorn layout the per-app config
 * class is Longhorn's (the behaviour gate needs the provisioner to know who owns a new volume).
 */
function storageProvisioners(cfg: StackConfig): Record<string, string> {
  return cfg.storage.mode === 'longhorn' ? { [cfg.storage.configStorageClass]: 'driver.longhorn.io' } : {};
}

/**
 * The facts the behaviour gate checks against: the shared ones and every module's, enabled or
 * not (facts do not depend on the config). Each key has one publisher.
 */
export function publishedFacts(modules: readonly Pick<AppModule, 'folder' | 'facts'>[] = APP_MODULES): AppFacts {
  const sources = [{ from: 'src/lib/shared-facts.ts', facts: SHARED_FACTS }, ...modules.map((m) => ({ from: `src/apps/${m.folder}`, facts: m.facts ?? {} }))];
  return {
    images: mergeFacts(
      'image',
      sources.map((s) => ({ from: s.from, entries: s.facts.images })),
    ),
    containers: mergeFacts(
      'container',
      sources.map((s) => ({ from: s.from, entries: s.facts.containers })),
    ),
  };
}

function mergeFacts<T>(what: string, sources: readonly { readonly from: string; readonly entries?: Readonly<Record<string, T>> | undefined }[]): Record<string, T> {
  const out: Record<string, T> = {};
  const publisher = new Map<string, string>();
  for (const { from, entries } of sources) {
    for (const [key, value] of Object.entries(entries ?? {})) {
      const earlier = publisher.get(key);
      if (earlier) throw new Error(`behaviour facts: ${what} "${key}" is published by both ${earlier} and ${from}; keep it in one of them`);
      publisher.set(key, from);
      out[key] = value;
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
    ...[...exports].map(
      ([exp, writers]) =>
        `NFS export ${exp} by ${[...writers].sort().join(', ')}: fsGroup does not apply to NFS, so the export must let that user write (owned by it, or all_squash with anonuid/anongid)`,
    ),
    ...(tagOnly.size
      ? [
          `${tagOnly.size} images are pinned by tag without a digest (no digest was verified offline; add @sha256:… where the image is pinned: src/apps/<app>/facts.ts of its app, or src/lib/images.ts for the shared helper images): ${[...tagOnly].sort().join(', ')}`,
        ]
      : []),
  ];
}

export interface GateInput {
  /** Every object of the output (Flux Kustomizations and Secrets as written included). */
  readonly objects: readonly KubeObject[];
  /** The exceptions the components declared. */
  readonly securityExceptions: readonly SecurityException[];
  /** `objectRef` → Flux Kustomization that applies it (from the place stage). */
  readonly fluxScope: ReadonlyMap<string, string>;
  /** The facts the behaviour gate checks against. @default - `publishedFacts()` of the registry */
  readonly facts?: AppFacts;
}

export interface GateOutcome {
  /** What the gates found (never an error: those throw). */
  readonly findings: GateFinding[];
  /** The exceptions the components declared, as the security gate applied them. */
  readonly securityExceptions: SecurityException[];
  /** The warnings for the summary, folded. */
  readonly warnings: string[];
}

/** Stage "gates": schema, references, security and behaviour over the whole output; throws a GateError on an error. */
export function gateStage(cfg: StackConfig, input: GateInput): GateOutcome {
  const securityExceptions = [...input.securityExceptions];
  const findings = runGates(input.objects, {
    external: externalObjects(cfg),
    securityExceptions,
    kubernetesVersion: cfg.kubernetesVersion,
    behaviour: { storageProvisioners: storageProvisioners(cfg), fluxScope: input.fluxScope, facts: input.facts ?? publishedFacts() },
  });
  if (hasErrors(findings)) throw new GateError(findings);
  return { findings, securityExceptions, warnings: gateWarnings(findings) };
}
