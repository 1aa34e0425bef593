/**
 * Schema gate: strict validation of every object against Kubernetes 1.34 and against the oldest
 * release the cluster runs (config `kubernetesVersion`: 1.28, the oldest k3s the output supports,
 * unless the tree needs 1.34 as DRA does; both built from the official OpenAPI documents in
 * `schemas/kubernetes/`), and the custom resource schemas in `schemas/crds/`. A built-in object
 * must be valid in both: a field or kind 1.28 does not know fails there, one 1.34 dropped fails
 * here.
 * Unknown fields, wrong types (including `null` where a value is required, e.g. a Quantity),
 * missing required fields and values outside an enum are errors, and so is an object whose
 * apiVersion/kind has no schema. Validators are compiled once per apiVersion/kind.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import standaloneCodeModule from 'ajv/dist/standalone/index.js';
import type { KubeObject } from '../output/model.js';
import { jsonPath, objectRef, type GateFinding } from './findings.js';
import { K8S_ENUMS } from './k8s-enums.js';
import { convertSwagger, gvkKey, kindSchema, type JsonSchema, type K8sSchemas, type Swagger } from './k8s-openapi.js';
import { asJsonObject } from './pod-specs.js';

/**
 * The project root: the nearest folder above this module that holds `schemas/kubernetes` (this
 * module runs from src/gates, or from the bundle `npm run synth` caches in node_modules/.cache).
 */
function projectRoot(): URL {
  for (let dir = new URL('./', import.meta.url); ; dir = new URL('../', dir)) {
    if (existsSync(new URL('schemas/kubernetes/', dir))) return dir;
    if (dir.pathname === '/') return new URL('../../', import.meta.url);
  }
}
const ROOT = projectRoot();
/** Where the schemas live: `schemas/` at the project root. */
const SCHEMAS_DIR = new URL('schemas/', ROOT);
/** The Kubernetes release the gate validates against first, and the oldest one the output supports. */
export const KUBERNETES_VERSIONS = { current: '1.34', oldest: '1.28' } as const;
export type KubernetesVersion = (typeof KUBERNETES_VERSIONS)[keyof typeof KUBERNETES_VERSIONS];
const k8sId = (version: KubernetesVersion) => `https://media-stack.local/schemas/k8s-${version}.json`;
/**
 * Compiled validators are cached as ajv standalone modules: compiling the pod template costs a
 * few hundred milliseconds on every synth otherwise. The file name is a hash of the exact schema
 * (and of the Kubernetes document it refers to), so a changed schema never hits a stale entry.
 */
const CACHE_DIR = new URL('node_modules/.cache/media-stack-schemas/', ROOT);
const standaloneCode = ((standaloneCodeModule as unknown as { default?: unknown }).default ?? standaloneCodeModule) as (ajv: Ajv, v: ValidateFunction) => string;
const requireCached = createRequire(import.meta.url);

export interface SchemaSource {
  /** The Kubernetes OpenAPI v2 document (swagger.json). */
  readonly swagger: () => Swagger;
  /** A custom resource schema (standalone, kubeconform layout), or undefined if there is none. */
  readonly crd: (group: string, kind: string, version: string) => JsonSchema | undefined;
  /** `apiVersion/kind` of every custom resource schema (for hints). */
  readonly crdKinds: () => string[];
}

/** Reads `schemas/kubernetes/k8s-<version>-swagger.json.gz` and `schemas/crds/<group>/<kind>_<version>.json`. */
export function fileSchemaSource(dir: URL = SCHEMAS_DIR, kubernetesVersion: KubernetesVersion = KUBERNETES_VERSIONS.current): SchemaSource {
  const crdFile = (group: string, kind: string, version: string) => new URL(`crds/${group}/${kind.toLowerCase()}_${version}.json`, dir);
  return {
    swagger: () => JSON.parse(gunzipSync(readFileSync(new URL(`kubernetes/k8s-${kubernetesVersion}-swagger.json.gz`, dir))).toString('utf8')) as Swagger,
    crd: (group, kind, version) => {
      if (!/^[a-z0-9.-]+$/.test(group) || !/^[A-Za-z0-9]+$/.test(kind) || !/^[a-z0-9]+$/.test(version)) return undefined;
      const file = crdFile(group, kind, version);
      return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as JsonSchema) : undefined;
    },
    crdKinds: () => {
      const root = new URL('crds/', dir);
      if (!existsSync(root)) return [];
      return readdirSync(root).flatMap((group) =>
        readdirSync(new URL(`${group}/`, root))
          .filter((f) => f.endsWith('.json'))
          .map((f) => {
            const schema = JSON.parse(readFileSync(new URL(`${group}/${f}`, root), 'utf8')) as { 'x-kval-source-gvk'?: { kind: string } };
            const [kind, version] = f.replace(/\.json$/, '').split('_') as [string, string];
            return gvkKey(`${group}/${version}`, schema['x-kval-source-gvk']?.kind ?? kind);
          }),
      );
    },
  };
}

/** Validates objects; compiled validators are kept per apiVersion/kind. */
export class SchemaValidator {
  // optimize: false skips ajv's passes over the generated code: compiling the pod template and
  // SecretStore takes about half the CPU, validating 80 objects stays at a few milliseconds.
  private readonly ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, logger: false, inlineRefs: false, code: { optimize: false, source: true } });
  private k8s?: K8sSchemas;
  private k8sHash = '';
  private readonly validators = new Map<string, ValidateFunction | null>();

  constructor(
    private readonly source: SchemaSource = fileSchemaSource(),
    /** The release of `source`'s OpenAPI document (named in messages). */
    readonly kubernetesVersion: KubernetesVersion = KUBERNETES_VERSIONS.current,
  ) {}

  validate(objects: readonly KubeObject[]): GateFinding[] {
    return objects.flatMap((o) => this.validateOne(o));
  }

  /** Whether a schema exists for the apiVersion/kind. */
  has(apiVersion: string, kind: string): boolean {
    return this.validator(apiVersion, kind) !== null;
  }

  /** Whether the apiVersion/kind is a built-in kind of this Kubernetes release. */
  isBuiltIn(apiVersion: string, kind: string): boolean {
    return kindSchema(this.kubernetes(), apiVersion, kind) !== undefined;
  }

  private validateOne(object: KubeObject): GateFinding[] {
    // Checked before any field is trusted: the type says what a valid object has, not what this one has.
    const raw = asJsonObject(object);
    const ref = typeof raw?.kind === 'string' && raw.metadata ? objectRef(object) : `${String(raw?.kind)}/${String(asJsonObject(raw?.metadata)?.name)}`;
    const finding = (message: string, path?: string, severity: GateFinding['severity'] = 'error'): GateFinding => ({
      gate: 'schema',
      severity,
      object: ref,
      ...(path ? { path } : {}),
      message,
    });
    if (typeof raw?.apiVersion !== 'string' || typeof raw.kind !== 'string') return [finding('apiVersion and kind must be strings')];
    const validate = this.validator(raw.apiVersion, raw.kind);
    if (!validate) return [finding(this.noSchemaMessage(raw.apiVersion, raw.kind), 'apiVersion')];
    const obj = withoutSops(object);
    const metadata = asJsonObject(obj.metadata);
    const findings: GateFinding[] = [];
    if (typeof metadata?.name !== 'string' || metadata.name === '') findings.push(finding('missing required field "name"', 'metadata.name'));
    if (!validate(obj)) findings.push(...describeErrors(validate.errors ?? [], obj).map((e) => finding(e.message, e.path)));
    for (const path of nullPaths(obj)) {
      if (!findings.some((f) => f.path === path)) findings.push(finding('null value (the API server treats it as unset; a dropped value?)', path, 'warning'));
    }
    return findings;
  }

  private validator(apiVersion: string, kind: string): ValidateFunction | null {
    const key = gvkKey(apiVersion, kind);
    let v = this.validators.get(key);
    if (v === undefined) {
      const schema = this.schemaOf(apiVersion, kind);
      v = schema ? this.compileCached(schema) : null;
      this.validators.set(key, v);
    }
    return v;
  }

  /** ajv.compile through the on-disk cache; any cache problem falls back to compiling. */
  private compileCached(schema: JsonSchema): ValidateFunction {
    const hash = createHash('sha256').update(this.k8sHash).update(JSON.stringify(schema)).digest('hex').slice(0, 32);
    const file = fileURLToPath(new URL(`${hash}.cjs`, CACHE_DIR));
    if (process.env.MEDIA_STACK_SCHEMA_CACHE !== 'off' && existsSync(file)) {
      try {
        return requireCached(file) as ValidateFunction;
      } catch {
        // unreadable entry: compile below and overwrite it
      }
    }
    // The Kubernetes document is only needed to compile (cached modules carry their refs).
    if (this.k8s && !this.ajv.getSchema(k8sId(this.kubernetesVersion))) this.ajv.addSchema(this.k8s.document);
    const validate = this.ajv.compile(schema);
    if (process.env.MEDIA_STACK_SCHEMA_CACHE !== 'off') {
      try {
        mkdirSync(CACHE_DIR, { recursive: true });
        const tmp = `${file}.${process.pid}.tmp`;
        writeFileSync(tmp, standaloneCode(this.ajv, validate));
        renameSync(tmp, file);
      } catch {
        // read-only install: validate without caching
      }
    }
    return validate;
  }

  private schemaOf(apiVersion: string, kind: string): JsonSchema | undefined {
    const builtIn = kindSchema(this.kubernetes(), apiVersion, kind);
    if (builtIn) return builtIn;
    const slash = apiVersion.indexOf('/');
    if (slash < 0) return undefined;
    const crd = this.source.crd(apiVersion.slice(0, slash), kind, apiVersion.slice(slash + 1));
    if (!crd) return undefined;
    const schema = { ...crd };
    delete schema.$schema;
    return schema;
  }

  private kubernetes(): K8sSchemas {
    if (!this.k8s) {
      this.k8s = convertSwagger(this.source.swagger(), k8sId(this.kubernetesVersion), K8S_ENUMS);
      this.k8sHash = createHash('sha256').update(JSON.stringify(this.k8s.document)).digest('hex');
    }
    return this.k8s;
  }

  private noSchemaMessage(apiVersion: string, kind: string): string {
    const known = [...this.kubernetes().kinds.keys(), ...this.source.crdKinds()];
    const same = known.filter((k) => k.slice(k.lastIndexOf('/') + 1) === kind).map((k) => k.slice(0, k.lastIndexOf('/')));
    const hint = same.length ? `; ${kind} is known as ${same.join(', ')}` : '';
    return `no schema for apiVersion "${apiVersion}" kind "${kind}" (Kubernetes ${this.kubernetesVersion} or schemas/crds)${hint}`;
  }
}

const shared: Partial<Record<KubernetesVersion, SchemaValidator>> = {};
const validatorFor = (version: KubernetesVersion) => (shared[version] ??= new SchemaValidator(fileSchemaSource(SCHEMAS_DIR, version), version));

/**
 * Validates every object against its schema in Kubernetes 1.34, and every built-in object again
 * in `oldest`, the oldest release the cluster runs (custom resources do not depend on the
 * release). A finding of the older release that 1.34 also reports is reported once; the others
 * name the release. With `oldest` 1.34 (a tree that needs 1.34, e.g. DRA) there is no second
 * pass. One shared, lazily compiled validator set per release.
 */
export function validateSchemas(objects: readonly KubeObject[], oldest: KubernetesVersion = KUBERNETES_VERSIONS.oldest): GateFinding[] {
  const current = validatorFor(KUBERNETES_VERSIONS.current);
  const findings = current.validate(objects);
  if (oldest === KUBERNETES_VERSIONS.current) return findings;
  const older = validatorFor(oldest);
  const seen = new Set(findings.map((f) => `${f.object}\0${f.path ?? ''}\0${f.message}`));
  const builtIn = objects.filter((o) => {
    const raw = asJsonObject(o);
    return typeof raw?.apiVersion === 'string' && typeof raw.kind === 'string' && current.isBuiltIn(raw.apiVersion, raw.kind);
  });
  for (const f of older.validate(builtIn)) {
    if (seen.has(`${f.object}\0${f.path ?? ''}\0${f.message}`)) continue;
    findings.push({ ...f, message: `Kubernetes ${older.kubernetesVersion} (the oldest supported k3s): ${f.message}` });
  }
  return findings;
}

/** A SOPS-encrypted Secret carries a top-level `sops` key that is not part of the Secret. */
function withoutSops(o: KubeObject): KubeObject {
  if (o.kind !== 'Secret' || !('sops' in o)) return o;
  const rest: Record<string, unknown> = { ...o };
  delete rest.sops;
  return rest as KubeObject;
}

/** Paths of every `null` value. */
function nullPaths(value: unknown, path: (string | number)[] = [], out: string[] = []): string[] {
  if (value === null) out.push(jsonPath(path));
  else if (Array.isArray(value)) value.forEach((v, i) => nullPaths(v, [...path, i], out));
  else if (typeof value === 'object') for (const [k, v] of Object.entries(value)) nullPaths(v, [...path, k], out);
  return out;
}

interface Described {
  readonly path: string;
  readonly message: string;
}

/** ajv errors → one message per problem, with the JSON path of the field. */
function describeErrors(errors: readonly ErrorObject[], data: unknown): Described[] {
  const out = new Map<string, Described>();
  const typeErrors = new Map<string, string[]>();
  // Combinator errors (anyOf/oneOf/if) only summarise the errors of their branches.
  const combinator = (e: ErrorObject) => ['anyOf', 'oneOf', 'if'].includes(e.keyword);
  const within = (inner: string, outer: string) => inner === outer || inner.startsWith(`${outer}/`);
  const relevant = errors.filter((e) => !combinator(e) || !errors.some((o) => !combinator(o) && within(o.instancePath, e.instancePath)));
  for (const e of relevant) {
    const segments = pointerSegments(e.instancePath, data);
    if (e.keyword === 'type') {
      const types = typeErrors.get(e.instancePath) ?? [];
      types.push(...[e.params.type as string | string[]].flat());
      typeErrors.set(e.instancePath, types);
      continue;
    }
    let path = jsonPath(segments);
    let message: string;
    switch (e.keyword) {
      case 'additionalProperties':
        path = jsonPath([...segments, e.params.additionalProperty as string]);
        message = `unknown field "${e.params.additionalProperty as string}"`;
        break;
      case 'required':
        path = jsonPath([...segments, e.params.missingProperty as string]);
        message = `missing required field "${e.params.missingProperty as string}"`;
        break;
      case 'enum':
        message = `${JSON.stringify(valueAt(data, segments))} is not one of ${(e.params.allowedValues as unknown[])
          .filter((v) => v !== null)
          .map((v) => JSON.stringify(v))
          .join(', ')}`;
        break;
      default:
        message = `${e.message ?? e.keyword} (${preview(valueAt(data, segments), 80)})`;
    }
    out.set(`${path}\0${message}`, { path, message });
  }
  for (const [pointer, types] of typeErrors) {
    const segments = pointerSegments(pointer, data);
    const value = valueAt(data, segments);
    const wanted = [...new Set(types)].filter((t) => t !== 'null');
    const message = `must be ${wanted.join(' or ')}, not ${kindOf(value)}${value === null ? '' : ` (${preview(value, 60)})`}`;
    out.set(`${pointer}\0type`, { path: jsonPath(segments), message });
  }
  return [...out.values()];
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

/** JSON pointer → segments, array indexes as numbers. */
function pointerSegments(pointer: string, data: unknown): (string | number)[] {
  if (!pointer) return [];
  const out: (string | number)[] = [];
  let cur: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const seg = Array.isArray(cur) && /^\d+$/.test(key) ? Number(key) : key;
    out.push(seg);
    cur = cur && typeof cur === 'object' ? (cur as Record<string | number, unknown>)[seg] : undefined;
  }
  return out;
}

/** The start of a value's JSON (`undefined` for what JSON cannot write, as a template would print it). */
function preview(value: unknown, max: number): string {
  // JSON.stringify's declared type omits the undefined it returns for undefined and functions.
  const text = JSON.stringify(value) as string | undefined;
  return String(text?.slice(0, max));
}

function valueAt(data: unknown, segments: readonly (string | number)[]): unknown {
  let cur = data;
  for (const s of segments) cur = cur && typeof cur === 'object' ? (cur as Record<string | number, unknown>)[s] : undefined;
  return cur;
}
