/**
 * Offline quality gates over the synthesized plain objects: schemas (Kubernetes 1.34 and the oldest release the cluster runs, 1.28 by default, + CRDs),
 * reference integrity, security posture and behaviour (who runs as whom on which mount).
 * Pure functions: objects in, findings out.
 */
import type { KubeObject } from '../output/model.js';
import type { GateFinding, GateOptions } from './findings.js';
import { checkBehaviour } from './behaviour.js';
import { checkReferences } from './references.js';
import { validateSchemas } from './schema.js';
import { checkSecurity } from './security.js';

export { BEHAVIOUR_RULES, checkBehaviour, type BehaviourRule } from './behaviour.js';
export { formatFindings, type BehaviourOptions, type ExternalObject, type GateFinding, type GateName, type GateOptions, type SecurityException } from './findings.js';
export { checkReferences } from './references.js';
export { SchemaValidator, validateSchemas } from './schema.js';
export { checkSecurity, SECURITY_RULES, type SecurityRule } from './security.js';

/** Every gate, schema first. Fail the build on any finding with severity `error`. */
export function runGates(objects: readonly KubeObject[], opts: GateOptions = {}): GateFinding[] {
  return [...validateSchemas(objects, opts.kubernetesVersion), ...checkReferences(objects, opts), ...checkSecurity(objects, opts), ...checkBehaviour(objects, opts)];
}

/** Whether any finding is an error. */
export function hasErrors(findings: readonly GateFinding[]): boolean {
  return findings.some((f) => f.severity === 'error');
}
