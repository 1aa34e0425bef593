import type { KubeObject } from '../output/model.js';
import type { AppFacts } from './behaviour-facts.js';

export type GateName = 'schema' | 'references' | 'security' | 'behaviour';

/** One problem a gate found in the synthesized objects. */
export interface GateFinding {
  readonly gate: GateName;
  readonly severity: 'error' | 'warning';
  /** `kind/namespace/name` (`kind/name` for cluster-scoped objects). */
  readonly object: string;
  /** JSON path of the field, e.g. `spec.template.spec.containers[0].image`. */
  readonly path?: string;
  readonly message: string;
  /** The rule that fired, e.g. `image-pinned` (the `[rule]` the message starts with). @default - none: a finding about the gate's input */
  readonly rule?: string;
  /** What the finding is about, typed, for reports that fold findings. @default - none */
  readonly data?: FindingData;
}

/**
 * The facts of a finding that reports fold on: an image pinned by tag only (one line for all of
 * them), and a container writing an NFS export as a user (one line per export and user).
 */
export type FindingData =
  { readonly kind: 'tag-only-image'; readonly image: string } | { readonly kind: 'export-writer'; readonly export: string; readonly container: string; readonly user: string };

/** Something that exists in the cluster but not in the output (e.g. the sops-age Secret). */
export interface ExternalObject {
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
}

/** A reasoned exception to one or more security rules. */
export interface SecurityException {
  readonly kind: string;
  readonly name: string;
  /** The container it is limited to. @default every container of the object */
  readonly container?: string;
  readonly rules: readonly string[];
  /** Why the workload cannot follow the rules; an exception without a reason is ignored. */
  readonly reason: string;
}

/** What the behaviour gate needs to know from outside the objects. */
export interface BehaviourOptions {
  /** StorageClass name → CSI provisioner, for classes that exist outside the output. @default {} */
  readonly storageProvisioners?: Readonly<Record<string, string>>;
  /**
   * `objectRef` → name of the Flux Kustomization that applies the object; maps `wait: true`
   * Kustomizations to their workloads. @default - only health checks are mapped
   */
  readonly fluxScope?: ReadonlyMap<string, string>;
  /**
   * The facts the apps publish (their modules' `facts`, aggregated by the pipeline's gate stage);
   * they win over the entries still in the tables of behaviour-facts.ts. @default - the tables only
   */
  readonly facts?: AppFacts;
}

export interface GateOptions {
  /** Secrets/ConfigMaps/PVCs/Services/Namespaces etc. that exist outside the output. */
  readonly external?: readonly ExternalObject[];
  /** Reasoned exceptions to security rules: which object/container may break which rule and why. */
  readonly securityExceptions?: readonly SecurityException[];
  /** What the behaviour gate needs from outside the objects. @default {} */
  readonly behaviour?: BehaviourOptions;
  /** The oldest Kubernetes release the cluster runs: the schema gate validates against it and 1.34. @default '1.28' */
  readonly kubernetesVersion?: '1.28' | '1.34';
}

/** `kind/namespace/name`, or `kind/name` without a namespace. */
export function objectRef(o: Pick<KubeObject, 'kind' | 'metadata'>): string {
  const ns = o.metadata.namespace;
  return ns ? `${o.kind}/${ns}/${o.metadata.name}` : `${o.kind}/${o.metadata.name}`;
}

/** Path segments → `a.b[0]["app.kubernetes.io/name"]`. */
export function jsonPath(segments: readonly (string | number)[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(s)) out += out ? `.${s}` : s;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

/** Errors first, then by object and path; one line per finding plus a count. */
export function formatFindings(findings: readonly GateFinding[]): string {
  if (findings.length === 0) return 'quality gates: no findings';
  const sorted = [...findings].sort((a, b) => rank(a) - rank(b) || a.gate.localeCompare(b.gate) || a.object.localeCompare(b.object) || (a.path ?? '').localeCompare(b.path ?? ''));
  const lines = sorted.map((f) => `${f.severity.padEnd(7)} [${f.gate}] ${f.object}${f.path ? ` ${f.path}` : ''}: ${f.message}`);
  const errors = findings.filter((f) => f.severity === 'error').length;
  const warnings = findings.length - errors;
  lines.push(`quality gates: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`);
  return lines.join('\n');
}

function rank(f: GateFinding): number {
  return f.severity === 'error' ? 0 : 1;
}
