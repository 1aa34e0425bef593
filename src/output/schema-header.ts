/**
 * The `# yaml-language-server: $schema=<url>` line every YAML file of the output starts with, so an
 * editor validates a hand-made overlay. URLs as onedr0p/home-ops (d9078e4) writes them: Kustomize's
 * `kustomization.yaml` → json.schemastore.org, Flux and other custom resources →
 * k8s-schemas.home-operations.com (`<group>/<kind>_<version>.json`), built-in kinds →
 * yannh/kubernetes-json-schema (`<kind>-<group>-<version>.json`), at the Kubernetes release and
 * strictness the schema gate validates against.
 */
import { KUBERNETES_VERSIONS } from '../gates/schema.js';

const MODELINE = '# yaml-language-server: $schema=';

export const KUSTOMIZE_SCHEMA = 'https://json.schemastore.org/kustomization';

/** The Compose Specification's own schema (compose-spec/compose-spec `schema/compose-spec.json`), for the Compose files Flux does not apply. */
export const COMPOSE_SPEC_SCHEMA = 'https://raw.githubusercontent.com/compose-spec/compose-spec/master/schema/compose-spec.json';

/** Groups of built-in kinds (every other group with a dot is a custom resource). */
const BUILT_IN_GROUPS = new Set([
  'admissionregistration.k8s.io',
  'apiextensions.k8s.io',
  'certificates.k8s.io',
  'coordination.k8s.io',
  'discovery.k8s.io',
  'flowcontrol.apiserver.k8s.io',
  'networking.k8s.io',
  'node.k8s.io',
  'rbac.authorization.k8s.io',
  'resource.k8s.io',
  'scheduling.k8s.io',
  'storage.k8s.io',
]);

/**
 * Groups k8s-schemas.home-operations.com serves (home-ops' own headers name them); the schemas of
 * other custom resources come from datreeio/CRDs-catalog, in the same layout.
 */
const HOME_OPERATIONS_GROUPS = new Set([
  'cert-manager.io',
  'external-secrets.io',
  'gateway.networking.k8s.io',
  'helm.toolkit.fluxcd.io',
  'kustomize.toolkit.fluxcd.io',
  'monitoring.coreos.com',
  'notification.toolkit.fluxcd.io',
  'source.toolkit.fluxcd.io',
]);

/** The schema URL of an object's apiVersion and kind. */
export function schemaUrlOf(obj: { readonly apiVersion: string; readonly kind: string }): string {
  const slash = obj.apiVersion.lastIndexOf('/');
  const group = slash < 0 ? '' : obj.apiVersion.slice(0, slash);
  const version = obj.apiVersion.slice(slash + 1);
  const kind = obj.kind.toLowerCase();
  if (group === 'kustomize.config.k8s.io') return KUSTOMIZE_SCHEMA;
  if (!group.includes('.') || BUILT_IN_GROUPS.has(group)) {
    const file = group ? `${kind}-${group.split('.')[0]}-${version}` : `${kind}-${version}`;
    return `https://raw.githubusercontent.com/yannh/kubernetes-json-schema/refs/heads/master/v${KUBERNETES_VERSIONS.current}.0-standalone-strict/${file}.json`;
  }
  const host = HOME_OPERATIONS_GROUPS.has(group) ? 'https://k8s-schemas.home-operations.com' : 'https://raw.githubusercontent.com/datreeio/CRDs-catalog/main';
  return `${host}/${group}/${kind}_${version}.json`;
}

/**
 * `text` (one YAML document) with the schema line first: added, or replacing the one it has, so
 * a file kept from a previous output (an encrypted Secret) keeps exactly one, up to date.
 */
export function withSchemaHeader(text: string, url: string): string {
  const body = text.startsWith(MODELINE) ? text.slice(text.indexOf('\n') + 1) : text;
  return `${MODELINE}${url}\n${body}`;
}

/** The schema URL a file's first line names, if it has one. */
export function schemaHeaderOf(text: string): string | undefined {
  return text.startsWith(MODELINE) ? text.slice(MODELINE.length, text.indexOf('\n')) : undefined;
}
