import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { convertSwagger, kindSchema, type JsonSchema, type Swagger } from '../../src/gates/k8s-openapi.js';
import { fileSchemaSource, SchemaValidator } from '../../src/gates/schema.js';
import type { KubeObject } from '../../src/output/model.js';
import { statefulSet } from './fixtures.js';

type Json = any;

/**
 * Both releases the gate validates against: the official document, its sha256, and the folder of
 * the standalone-strict copies generated from it (test/fixtures/schemas/SOURCE.md).
 */
const RELEASES = [
  { version: '1.34', sha256: 'b77274c11c427809c767c55c164d3945b7451ef606ff807fda7aa630a0ce0ea7', fixtures: '../fixtures/schemas/v1.34.0/' },
  { version: '1.28', sha256: '3c29944d7e6f3c77b177e8f1a34c4286703768268fc6f59eeda91c66b5f71220', fixtures: '../fixtures/schemas/' },
] as const;

function release(r: (typeof RELEASES)[number]) {
  const swaggerFile = readFileSync(new URL(`../../schemas/kubernetes/k8s-${r.version}-swagger.json.gz`, import.meta.url));
  const k8s = convertSwagger(JSON.parse(gunzipSync(swaggerFile).toString('utf8')) as Swagger, 'k8s');
  const definitions = k8s.document.definitions as Record<string, JsonSchema>;
  const standalone = (file: string): Json => JSON.parse(gunzipSync(readFileSync(new URL(`${file}.json.gz`, new URL(r.fixtures, import.meta.url)))).toString('utf8'));
  /** Our schema with every $ref inlined; the `if null else $ref` wrapper becomes a nullable type. */
  const inline = (s: Json, inProperties = false): Json => {
    if (Array.isArray(s)) return s.map((x) => inline(x));
    if (!s || typeof s !== 'object') return s;
    if (!inProperties && typeof s.$ref === 'string') return inline(definitions[s.$ref.replace('k8s#/definitions/', '')]);
    if (!inProperties && s.if && s.else) {
      const target = inline(s.else);
      return { ...target, type: [target.type, 'null'] };
    }
    const out: Json = {};
    for (const [k, v] of Object.entries(s)) out[k] = !inProperties && (k === 'enum' || k === 'required') ? v : inline(v, k === 'properties' && !inProperties);
    return out;
  };
  return { swaggerFile, k8s, standalone, inline };
}

/** The standalone file without what does not validate (descriptions, formats, x-kubernetes-*), IntOrString/Quantity as one type list. */
function normalize(s: Json, inProperties = false): Json {
  if (Array.isArray(s)) return s.map((x) => normalize(x));
  if (!s || typeof s !== 'object') return s;
  if (!inProperties && Array.isArray(s.oneOf) && s.oneOf.length === 2 && isDeepStrictEqual(s.oneOf[0].type, ['string', 'null'])) {
    return { type: ['string', s.oneOf[1].type[0]] };
  }
  const out: Json = {};
  for (const [k, v] of Object.entries(s)) {
    if (!inProperties && (k === 'description' || k === 'format' || k === '$schema' || k.startsWith('x-kubernetes'))) continue;
    out[k] = !inProperties && (k === 'enum' || k === 'required') ? v : normalize(v, k === 'properties' && !inProperties);
  }
  return out;
}

/** Paths where two schemas differ (first few). */
function differences(a: Json, b: Json, path = '', out: string[] = []): string[] {
  if (out.length > 10 || isDeepStrictEqual(a, b)) return out;
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) differences(a[k], b[k], `${path}.${k}`, out);
  } else {
    // JSON.stringify(undefined) is undefined, whatever its declared type says.
    const show = (v: Json) => (JSON.stringify(v) as string | undefined)?.slice(0, 80);
    out.push(`${path}: ${show(a)} vs ${show(b)}`);
  }
  return out;
}

const KINDS: [file: string, apiVersion: string, kind: string][] = [
  ['service-v1', 'v1', 'Service'],
  ['statefulset-apps-v1', 'apps/v1', 'StatefulSet'],
  ['cronjob-batch-v1', 'batch/v1', 'CronJob'],
  ['persistentvolume-v1', 'v1', 'PersistentVolume'],
  ['ingress-networking-v1', 'networking.k8s.io/v1', 'Ingress'],
  ['secret-v1', 'v1', 'Secret'],
];

describe.each(RELEASES)('schemas built from the Kubernetes $version OpenAPI document', (r) => {
  const { swaggerFile, k8s, standalone, inline } = release(r);

  it('ship the official document unchanged (same bytes as the shared copy the standalone set was generated from)', () => {
    expect(createHash('sha256').update(swaggerFile).digest('hex')).toBe(r.sha256);
  });

  it.each(KINDS)("equal kubeconform's standalone-strict %s once the $refs are inlined", (file, apiVersion, kind) => {
    const ours = inline(kindSchema(k8s, apiVersion, kind));
    // Our roots also require apiVersion, kind and metadata.
    expect(ours.required).toEqual(expect.arrayContaining(['apiVersion', 'kind', 'metadata']));
    ours.required = ours.required.filter((r: string) => !['apiVersion', 'kind', 'metadata'].includes(r));
    if (ours.required.length === 0) delete ours.required;
    expect(differences(ours, normalize(standalone(file)))).toEqual([]);
  });

  it('differ on purpose in one place: a required top-level field rejects null (the standalone set accepts it)', () => {
    const ours = inline(kindSchema(k8s, 'rbac.authorization.k8s.io/v1', 'RoleBinding'));
    const theirs = normalize(standalone('rolebinding-rbac-v1'));
    expect(ours.properties.roleRef.type).toBe('object');
    expect(theirs.properties.roleRef.type).toEqual(['object', 'null']);
    delete ours.properties.roleRef.type;
    delete theirs.properties.roleRef.type;
    delete ours.required;
    expect(differences(ours, { ...theirs, required: undefined })).toEqual([]);
  });

  it('accept and reject the same StatefulSets as the standalone-strict schema', () => {
    const { $schema: _unused, ...schema } = standalone('statefulset-apps-v1');
    const reference = new Ajv({ strict: false, validateFormats: false, logger: false }).compile(schema);
    const ours = new SchemaValidator(fileSchemaSource(undefined, r.version), r.version);
    const variants: [string, (s: Json) => void][] = [
      ['clean', () => undefined],
      ['unknown field', (s) => (s.spec.template.spec.containers[0].foo = 1)],
      ['null quantity', (s) => (s.spec.template.spec.containers[0].resources.requests.cpu = null)],
      ['null int-or-string', (s) => (s.spec.template.spec.containers[0].readinessProbe.httpGet.port = null)],
      ['null optional field', (s) => (s.spec.template.spec.containers[0].imagePullPolicy = null)],
      ['null optional object', (s) => (s.spec.template.spec.securityContext = null)],
      ['null required object', (s) => (s.spec.selector = null)],
      ['null array item', (s) => s.spec.template.spec.containers[0].env.push(null)],
      ['wrong type', (s) => (s.spec.replicas = 'one')],
      ['fractional int-or-string', (s) => (s.spec.template.spec.containers[0].livenessProbe.tcpSocket.port = 1.5)],
      ['missing required', (s) => delete s.spec.template.spec.containers[0].image],
      ['number quantity', (s) => (s.spec.template.spec.containers[0].resources.requests.cpu = 0.5)],
    ];
    for (const [name, plant] of variants) {
      const sts = statefulSet();
      plant(sts);
      const oursOk = ours.validate([sts as KubeObject]).every((f) => f.severity !== 'error');
      expect(oursOk, name).toBe(reference(sts));
    }
  });
});
