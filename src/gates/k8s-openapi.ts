/**
 * Kubernetes OpenAPI v2 (swagger.json) → strict JSON schemas with shared `$ref` definitions.
 *
 * Same rules as yannh/openapi2jsonschema `--kubernetes --strict` (kubeconform's
 * `vX.Y.Z-standalone-strict` set), but the `$ref`s stay references so ajv compiles every
 * definition once instead of once per kind (the inlined Deployment schema alone is 600 KB):
 *
 * - every schema with `properties` gets `additionalProperties: false` (unknown fields are errors);
 * - optional fields accept `null` (a property not listed in `required`, array items, map values;
 *   for a `$ref` as `if: {type: null}, else: {$ref}` so errors come from the referenced schema);
 * - IntOrString → string|integer and Quantity → string|number, never `null` (the inlined set's
 *   `oneOf` of two nullable types rejects `null` too, because `null` matches both branches);
 * - the root of a kind: `apiVersion`/`kind` fixed by `enum`.
 * Descriptions, formats and `x-kubernetes-*` annotations are dropped (not needed to validate).
 * `test/gates/openapi-crosscheck.test.ts` proves the result equals the standalone-strict files.
 */

export type JsonSchema = Record<string, unknown>;

interface SwaggerSchema {
  type?: string;
  properties?: Record<string, SwaggerSchema>;
  required?: string[];
  items?: SwaggerSchema;
  additionalProperties?: SwaggerSchema | boolean;
  $ref?: string;
  format?: string;
  enum?: unknown[];
  'x-kubernetes-group-version-kind'?: { group: string; version: string; kind: string }[];
}

export interface Swagger {
  definitions: Record<string, SwaggerSchema>;
}

export interface K8sSchemas {
  /** `$id` of the document holding every definition. */
  readonly id: string;
  /** `{ $id, definitions }`, to add to ajv once. */
  readonly document: JsonSchema;
  /** `apiVersion/kind` (e.g. `apps/v1/Deployment`, `v1/Service`) → definition name. */
  readonly kinds: ReadonlyMap<string, string>;
}

const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';

export function gvkKey(apiVersion: string, kind: string): string {
  return `${apiVersion}/${kind}`;
}

function apiVersionOf(gvk: { group: string; version: string }): string {
  return gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
}

/**
 * Converts the swagger definitions. `id` becomes the `$id` that `$ref`s point to. `enums` adds
 * allowed values to string fields (see k8s-enums.ts); without it the result matches kubeconform's
 * standalone-strict schemas.
 */
export function convertSwagger(swagger: Swagger, id: string, enums: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>> = {}): K8sSchemas {
  const definitions: Record<string, JsonSchema> = {};
  const kinds = new Map<string, string>();
  for (const [name, def] of Object.entries(swagger.definitions)) {
    definitions[name] = convertDefinition(name, def, id);
    for (const gvk of def['x-kubernetes-group-version-kind'] ?? []) {
      // Only kinds whose own definition carries apiVersion/kind are objects you can apply
      // (DeleteOptions and WatchEvent list every group version, but are not resources).
      if (!def.properties?.apiVersion || !def.properties.kind || !def.properties.metadata) continue;
      kinds.set(gvkKey(apiVersionOf(gvk), gvk.kind), name);
    }
  }
  for (const [name, fields] of Object.entries(enums)) {
    const props = definitions[name]?.properties as Record<string, JsonSchema> | undefined;
    if (!props) throw new Error(`k8s enum table names an unknown definition ${name}`);
    for (const [field, values] of Object.entries(fields)) {
      const isItems = field.endsWith('[]');
      const key = isItems ? field.slice(0, -2) : field;
      const target = isItems ? (props[key]?.items as JsonSchema | undefined) : props[key];
      if (!target) throw new Error(`k8s enum table names an unknown field ${name}.${field}`);
      const nullable = Array.isArray(target.type) && target.type.includes('null');
      target.enum = nullable ? [...values, null] : [...values];
    }
  }
  return { id, document: { $id: id, definitions }, kinds };
}

/**
 * The schema of one kind: the definition's properties (with `apiVersion` and `kind` pinned) as a
 * non-null object. `apiVersion`, `kind` and `metadata` are required (kubectl refuses objects
 * without them; the inlined set leaves them optional).
 */
export function kindSchema(k8s: K8sSchemas, apiVersion: string, kind: string): JsonSchema | undefined {
  const name = k8s.kinds.get(gvkKey(apiVersion, kind));
  if (!name) return undefined;
  const def = (k8s.document.definitions as Record<string, JsonSchema>)[name]!;
  const properties = { ...(def.properties as Record<string, JsonSchema>) };
  properties.apiVersion = { type: ['string', 'null'], enum: [apiVersion] };
  properties.kind = { type: ['string', 'null'], enum: [kind] };
  const required = [...new Set([...((def.required as string[] | undefined) ?? []), 'apiVersion', 'kind', 'metadata'])];
  return { ...def, type: 'object', properties, required };
}

function convertDefinition(name: string, def: SwaggerSchema, id: string): JsonSchema {
  if (name === INT_OR_STRING) return { type: ['string', 'integer'] };
  if (name === QUANTITY) return { type: ['string', 'number'] };
  const out = convert(def, id, false);
  // A kind's own definition pins apiVersion/kind, also where it is embedded (a StatefulSet's
  // volumeClaimTemplates are PersistentVolumeClaims).
  const gvks = def['x-kubernetes-group-version-kind'] ?? [];
  if (gvks.length === 1 && def.properties?.apiVersion && def.properties.kind) {
    const props = out.properties as Record<string, JsonSchema>;
    props.apiVersion = { type: ['string', 'null'], enum: [apiVersionOf(gvks[0]!)] };
    props.kind = { type: ['string', 'null'], enum: [gvks[0]!.kind] };
  }
  return out;
}

const NEVER_NULL = new Set([`#/definitions/${INT_OR_STRING}`, `#/definitions/${QUANTITY}`]);

/** `nullable`: whether this schema's own `type` accepts null. */
function convert(s: SwaggerSchema, id: string, nullable: boolean): JsonSchema {
  if (s.$ref) {
    const ref = { $ref: `${id}${s.$ref}` };
    return nullable && !NEVER_NULL.has(s.$ref) ? { if: { type: 'null' }, else: ref } : ref;
  }
  const out: JsonSchema = {};
  if (s.type) out.type = nullable ? [s.type, 'null'] : s.type;
  if (s.enum) out.enum = nullable && !s.enum.includes(null) ? [...s.enum, null] : s.enum;
  if (s.properties) {
    const required = new Set(s.required ?? []);
    const props: Record<string, JsonSchema> = {};
    for (const [key, prop] of Object.entries(s.properties)) props[key] = convert(prop, id, !required.has(key));
    out.properties = props;
  }
  if (s.required) out.required = [...s.required];
  if (s.items) out.items = convert(s.items, id, true);
  if (typeof s.additionalProperties === 'object') out.additionalProperties = convert(s.additionalProperties, id, true);
  else if (s.additionalProperties !== undefined) out.additionalProperties = s.additionalProperties;
  else if (s.properties) out.additionalProperties = false;
  return out;
}
