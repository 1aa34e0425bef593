import { createHash } from 'node:crypto';
import type { StackConfig } from '../config/types.js';
import { asJsonObject, at, containersOf, isJsonObject, jsonObjects, podTemplates, type JsonObject, type Path } from '../gates/pod-specs.js';
import type { KubeObject, PlacedObject } from '../output/model.js';

/** Pod-template annotation: digest of exactly the Secret and ConfigMap content the pods consume. */
export const CONFIG_CHECKSUM_ANNOTATION = 'checksum/config';
/** Reloader's named-resource annotations on a workload (stakater/Reloader README, "Named Resource Reload"). */
export const RELOADER_SECRETS_ANNOTATION = 'secret.reloader.stakater.com/reload';
export const RELOADER_CONFIGMAPS_ANNOTATION = 'configmap.reloader.stakater.com/reload';

/**
 * Workloads that roll their pods when the template changes. A Job's template is immutable (Flux
 * would fail to apply a changed one) and a bare Pod does not restart on an annotation: neither
 * gets one.
 */
const ROLLING_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'CronJob']);

/** What a pod template reads from one Secret or ConfigMap: some keys, or all of it. */
interface Consumed {
  readonly kind: 'Secret' | 'ConfigMap';
  readonly name: string;
  /** The keys read; `undefined`: the whole object (envFrom, a volume without items). */
  keys: Set<string> | undefined;
}

/**
 * Stage "restart on change", after the secrets stage (it reads the Secrets as written: encrypted)
 * and before the gates: every pod template of a Deployment, StatefulSet, DaemonSet or CronJob that
 * consumes a Secret or ConfigMap (env `secretKeyRef`/`configMapKeyRef`, `envFrom`, `secret`,
 * `configMap` and `projected` volumes) gets what `rollout.restartOnChange` says — a checksum
 * annotation on the pod template (a changed value changes the template, Flux applies it and the
 * workload rolls), or Reloader's annotations on the workload. Pure: the same objects give the same
 * annotations, so an unchanged input changes no byte. Objects without a consumer are returned as
 * they are (the same references), every object keeps its file.
 */
export function restartOnChange(cfg: StackConfig, placed: readonly PlacedObject[]): PlacedObject[] {
  const objects = placed.map((p) => p.object);
  const sources = new Map<string, KubeObject>();
  for (const o of objects) {
    const key = sourceKey(o);
    if (key) sources.set(key, o);
  }
  const byObject = new Map<KubeObject, { path: Path; consumed: Consumed[] }>();
  for (const t of podTemplates(objects)) {
    if (!ROLLING_KINDS.has(t.object.kind)) continue;
    const consumed = consumedBy(
      t.spec as unknown as JsonObject,
      containersOf(t).map((c) => c.container as unknown as JsonObject),
    );
    if (consumed.length > 0) byObject.set(t.object, { path: t.path.slice(0, -1), consumed });
  }
  return placed.map((p) => {
    const found = byObject.get(p.object);
    return found ? { object: annotated(cfg, p.object, found, sources), path: p.path } : p;
  });
}

/** `o` with the annotations `rollout.restartOnChange` asks for, from what its pod template consumes. */
function annotated(cfg: StackConfig, o: KubeObject, found: { path: Path; consumed: Consumed[] }, sources: ReadonlyMap<string, KubeObject>): KubeObject {
  const ns = o.metadata.namespace ?? '';
  if (cfg.rollout.restartOnChange === 'reloader') {
    const names = (kind: Consumed['kind']) => [...new Set(found.consumed.filter((c) => c.kind === kind).map((c) => c.name))].sort().join(',');
    const annotations: Record<string, string> = {};
    if (names('Secret')) annotations[RELOADER_SECRETS_ANNOTATION] = names('Secret');
    if (names('ConfigMap')) annotations[RELOADER_CONFIGMAPS_ANNOTATION] = names('ConfigMap');
    return withAnnotations(o, ['metadata'], annotations);
  }
  const parts = found.consumed
    .map((c) => `${c.kind}/${c.name}${c.keys ? `[${[...c.keys].sort().join(',')}]` : ''}=${contentDigest(c, sources.get(`${c.kind}/${ns}/${c.name}`))}`)
    .sort();
  return withAnnotations(o, [...found.path, 'metadata'], { [CONFIG_CHECKSUM_ANNOTATION]: sha256(parts.join('\n')) });
}

/**
 * The key a consumer finds an object's content under: Secrets and ConfigMaps by themselves, an
 * ExternalSecret by the Secret it creates (`spec.target.name`, default its own name).
 */
function sourceKey(o: KubeObject): string | undefined {
  const ns = o.metadata.namespace ?? '';
  if ((o.kind === 'Secret' || o.kind === 'ConfigMap') && o.apiVersion === 'v1') return `${o.kind}/${ns}/${o.metadata.name}`;
  if (o.kind === 'ExternalSecret' && o.apiVersion.startsWith('external-secrets.io/')) {
    const target = asJsonObject(asJsonObject(o.spec)?.target)?.name;
    return `Secret/${ns}/${typeof target === 'string' ? target : o.metadata.name}`;
  }
  return undefined;
}

/**
 * What a consumer's checksum covers of one source, as a digest.
 *
 * Why the written form: a SOPS Secret's values are written as ciphertexts (`ENC[AES256_GCM,…]`).
 * The secrets stage keeps an unchanged file byte for byte and encrypts a changed one afresh (new
 * IVs, so every ciphertext changes): the ciphertexts are deterministic exactly when the values are
 * unchanged, and are public already (they are in Git). A digest of the plaintext would not be: a
 * short or guessable value (a PIN, a username) could be found by hashing candidates. The checksum
 * is therefore over the ciphertexts of the consumed keys — it needs no identity (CI has none and
 * keeps the files it cannot open), and it changes whenever the file is re-encrypted, so a
 * re-encryption (new value, new recipient) rolls every consumer of that Secret once.
 *
 * A ConfigMap is plain configuration: its values themselves. An ExternalSecret's values live in the
 * external store, outside the tree: its spec (what it fetches and how) is all the tree knows; a
 * value changed in the store rolls nothing here (Reloader mode watches the created Secret). A
 * source outside the tree (the operator creates it) counts by name only.
 */
function contentDigest(c: Consumed, source: KubeObject | undefined): string {
  if (!source) return 'external';
  if (source.kind === 'ExternalSecret') return sha256(canonicalJson(source.spec));
  const content: Record<string, unknown> = {};
  for (const field of ['data', 'stringData', 'binaryData'] as const) {
    const values = asJsonObject(source[field]);
    if (!values) continue;
    for (const [key, value] of Object.entries(values)) if (!c.keys || c.keys.has(key)) content[`${field}.${key}`] = value;
  }
  return sha256(canonicalJson(content));
}

/** The Secrets and ConfigMaps a pod template reads, merged per object (all of it wins over some keys). */
function consumedBy(spec: JsonObject, containers: readonly JsonObject[]): Consumed[] {
  const out = new Map<string, Consumed>();
  const add = (kind: Consumed['kind'], name: unknown, keys: readonly unknown[] | undefined) => {
    if (typeof name !== 'string' || name === '') return;
    const id = `${kind}/${name}`;
    const wanted = keys ? new Set(keys.filter((k): k is string => typeof k === 'string')) : undefined;
    const known = out.get(id);
    if (!known) out.set(id, { kind, name, keys: wanted });
    else if (!known.keys || !wanted) known.keys = undefined;
    else for (const k of wanted) known.keys.add(k);
  };
  const itemKeys = (ref: JsonObject) => (Array.isArray(ref.items) ? jsonObjects(ref.items).map((i) => i.key) : undefined);
  for (const c of containers) {
    for (const e of jsonObjects(c.env)) {
      const from = asJsonObject(e.valueFrom);
      const secret = asJsonObject(from?.secretKeyRef);
      const configMap = asJsonObject(from?.configMapKeyRef);
      if (secret) add('Secret', secret.name, [secret.key]);
      if (configMap) add('ConfigMap', configMap.name, [configMap.key]);
    }
    for (const e of jsonObjects(c.envFrom)) {
      add('Secret', asJsonObject(e.secretRef)?.name, undefined);
      add('ConfigMap', asJsonObject(e.configMapRef)?.name, undefined);
    }
  }
  for (const v of jsonObjects(spec.volumes)) {
    const secret = asJsonObject(v.secret);
    const configMap = asJsonObject(v.configMap);
    if (secret) add('Secret', secret.secretName, itemKeys(secret));
    if (configMap) add('ConfigMap', configMap.name, itemKeys(configMap));
    for (const s of jsonObjects(asJsonObject(v.projected)?.sources)) {
      const ps = asJsonObject(s.secret);
      const pc = asJsonObject(s.configMap);
      if (ps) add('Secret', ps.name, itemKeys(ps));
      if (pc) add('ConfigMap', pc.name, itemKeys(pc));
    }
  }
  return [...out.values()];
}

/** A copy of `o` with `annotations` merged into the metadata at `metadataPath` (copied along the path only). */
function withAnnotations(o: KubeObject, metadataPath: Path, annotations: Readonly<Record<string, string>>): KubeObject {
  if (Object.keys(annotations).length === 0) return o;
  const set = (node: unknown, rest: Path): unknown => {
    const obj = isJsonObject(node) ? node : {};
    if (rest.length === 0) return { ...obj, annotations: { ...(asJsonObject(obj.annotations) ?? {}), ...annotations } };
    const [head, ...tail] = rest as [string, ...Path];
    return { ...obj, [head]: set(at(obj, [head]), tail) };
  };
  return set(o, metadataPath) as KubeObject;
}

/** JSON with object keys sorted at every level: the same content, the same text. */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (isJsonObject(v))
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`)
      .join(',')}}`;
  return v === undefined ? 'null' : JSON.stringify(v);
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
