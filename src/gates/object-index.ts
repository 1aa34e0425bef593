/** Lookup of the synthesized objects (plus declared external ones) by kind, namespace and name. */
import type { KubeObject } from '../output/model.js';
import type { ExternalObject } from './findings.js';

/** Built-in and custom kinds that are cluster-scoped (everything else is namespaced). */
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'Node',
  'PersistentVolume',
  'StorageClass',
  'PriorityClass',
  'RuntimeClass',
  'IngressClass',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'APIService',
  'CSIDriver',
  'CSINode',
  'VolumeAttachment',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'DeviceClass',
  'ResourceSlice',
  'FlowSchema',
  'PriorityLevelConfiguration',
  'CertificateSigningRequest',
  'ClusterSecretStore',
  'ClusterExternalSecret',
  'ClusterIssuer',
  'GatewayClass',
]);

export function isNamespaced(kind: string): boolean {
  return !CLUSTER_SCOPED.has(kind);
}

/** Keys a Secret will have, or undefined when they cannot be known offline. */
export type KeySet = ReadonlySet<string> | undefined;

/** Cluster-scoped objects are keyed without a namespace (one set on them is ignored). */
const key = (kind: string, namespace: string | undefined, name: string | undefined) => `${kind}\0${isNamespaced(kind) ? (namespace ?? '') : ''}\0${String(name)}`;

export class ObjectIndex {
  private readonly objects = new Map<string, KubeObject[]>();
  private readonly external = new Set<string>();
  /** Secrets that will exist (Secret objects, ExternalSecret and SealedSecret targets) → keys. */
  private readonly secrets = new Map<string, KeySet>();
  /** Namespaces that exist: Namespace objects, declared external ones, and those of external objects. */
  readonly namespaces = new Set<string>();

  constructor(objects: readonly KubeObject[], external: readonly ExternalObject[] = []) {
    for (const o of objects) {
      const meta = metadataOf(o);
      const k = key(o.kind, meta?.namespace, meta?.name);
      const group = this.objects.get(k);
      if (group) group.push(o);
      else this.objects.set(k, [o]);
      if (o.kind === 'Namespace') this.namespaces.add(o.metadata.name);
      const secret = secretProvided(o);
      if (secret) this.secrets.set(key('Secret', o.metadata.namespace, secret.name), secret.keys);
    }
    for (const e of external) {
      this.external.add(key(e.kind, e.namespace, e.name));
      if (e.kind === 'Namespace') this.namespaces.add(e.name);
      if (e.namespace) this.namespaces.add(e.namespace);
    }
  }

  /** Objects of a kind with that namespace and name (more than one is a duplicate). */
  get(kind: string, namespace: string | undefined, name: string): KubeObject[] {
    return this.objects.get(key(kind, namespace, name)) ?? [];
  }

  /** Every group of objects that share kind, namespace and name. */
  groups(): KubeObject[][] {
    return [...this.objects.values()];
  }

  /** Whether a static PersistentVolume (the first of its name) has that StorageClass. */
  hasStaticVolumeOfClass(storageClass: string): boolean {
    // Built on first use: one pass instead of one per claim.
    this.staticVolumeClasses ??= new Set([...this.objects.values()].flatMap(([o]) => (o?.kind === 'PersistentVolume' ? [(o as PersistentVolumeJson).spec?.storageClassName] : [])));
    return this.staticVolumeClasses.has(storageClass);
  }
  private staticVolumeClasses: Set<unknown> | undefined;

  isExternal(kind: string, namespace: string | undefined, name: string): boolean {
    return this.external.has(key(kind, namespace, name));
  }

  /** In the output or declared external. */
  exists(kind: string, namespace: string | undefined, name: string): boolean {
    return this.get(kind, namespace, name).length > 0 || this.isExternal(kind, namespace, name);
  }

  /**
   * Whether a Secret exists, and its keys when visible. `external` Secrets exist with unknown
   * keys; `missing` ones do not exist.
   */
  secret(namespace: string | undefined, name: string): { found: false } | { found: true; keys: KeySet } {
    const k = key('Secret', namespace, name);
    if (this.secrets.has(k)) return { found: true, keys: this.secrets.get(k) };
    if (this.external.has(k)) return { found: true, keys: undefined };
    return { found: false };
  }

  /** Whether a ConfigMap exists, and its keys (undefined when external). */
  configMap(namespace: string | undefined, name: string): { found: false } | { found: true; keys: KeySet } {
    const [cm] = this.get('ConfigMap', namespace, name);
    if (cm) return { found: true, keys: new Set([...Object.keys(mapOf(cm.data)), ...Object.keys(mapOf(cm.binaryData))]) };
    if (this.isExternal('ConfigMap', namespace, name)) return { found: true, keys: undefined };
    return { found: false };
  }
}

/** The Secret an object creates (itself, or the target of an ExternalSecret/SealedSecret) and its keys. */
function secretProvided(o: KubeObject): { name: string; keys: KeySet } | undefined {
  // Not trusted to be a string: the schema gate reports a malformed apiVersion, this one must not throw.
  const apiVersion: unknown = o.apiVersion;
  const group = String(apiVersion).split('/')[0];
  if (o.kind === 'Secret' && o.apiVersion === 'v1') {
    // Filled in by the token controller.
    if (o.type === 'kubernetes.io/service-account-token') return { name: o.metadata.name, keys: undefined };
    // SOPS encrypts values only: the keys of data/stringData stay readable.
    return { name: o.metadata.name, keys: new Set([...Object.keys(mapOf(o.data)), ...Object.keys(mapOf(o.stringData))]) };
  }
  if (o.kind === 'ExternalSecret' && group === 'external-secrets.io') {
    const spec = (o as ExternalSecretJson).spec ?? {};
    const name = spec.target?.name ?? o.metadata.name;
    const template = spec.target?.template;
    const templated = template?.data;
    if (templated && typeof templated === 'object') {
      const merge = template.mergePolicy === 'Merge';
      if (!merge) return { name, keys: new Set(Object.keys(templated)) };
    }
    if (spec.dataFrom?.length || spec.target?.template) return { name, keys: undefined };
    return { name, keys: new Set((spec.data ?? []).map((d) => String(d?.secretKey))) };
  }
  if (o.kind === 'SealedSecret' && group === 'bitnami.com') {
    const spec = (o as SealedSecretJson).spec ?? {};
    const name = spec.template?.metadata?.name ?? o.metadata.name;
    return { name, keys: new Set([...Object.keys(mapOf(spec.encryptedData)), ...Object.keys(mapOf(spec.template?.data))]) };
  }
  return undefined;
}

/** The fields the index reads, as written (malformed input reads as absent where it can). */
interface PersistentVolumeJson extends KubeObject {
  readonly spec?: { readonly storageClassName?: unknown };
}

interface ExternalSecretJson extends KubeObject {
  readonly spec?: {
    readonly target?: { readonly name?: string; readonly template?: { readonly data?: unknown; readonly mergePolicy?: string } };
    readonly dataFrom?: readonly unknown[];
    readonly data?: readonly ({ readonly secretKey?: unknown } | undefined)[];
  };
}

interface SealedSecretJson extends KubeObject {
  readonly spec?: { readonly encryptedData?: unknown; readonly template?: { readonly metadata?: { readonly name?: string }; readonly data?: unknown } };
}

/** An object's metadata, not trusted to be there: the schema gate reports it missing, the index must not throw. */
export function metadataOf(o: KubeObject): Partial<KubeObject['metadata']> | undefined {
  return o.metadata;
}

function mapOf(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

const firstByName = new WeakMap<readonly KubeObject[], Map<string, KubeObject>>();

/**
 * The first object of a kind with that name — and that namespace, when one is given — as
 * `objects.find` returns it, from a lookup built once per object list: the gates ask once per pod
 * or claim, and a scan each time made them quadratic in the number of objects.
 */
export function findNamed(objects: readonly KubeObject[], kind: string, name: unknown, namespace?: string): KubeObject | undefined {
  let lookup = firstByName.get(objects);
  if (!lookup) {
    lookup = new Map();
    for (const o of objects) {
      const meta = metadataOf(o);
      for (const k of [namedKey(o.kind, meta?.name), namedKey(o.kind, meta?.name, meta?.namespace ?? '')]) if (!lookup.has(k)) lookup.set(k, o);
    }
    firstByName.set(objects, lookup);
  }
  return lookup.get(namedKey(kind, name, namespace));
}

const namedKey = (kind: string, name: unknown, namespace?: string) => `${kind}\0${String(name)}${namespace === undefined ? '' : `\0${namespace}`}`;
