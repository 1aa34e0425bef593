import { describe, expect, it } from 'vitest';
import { SchemaValidator, validateSchemas, type GateFinding } from '../../src/gates/index.js';
import { asObjects, cleanApp, find, NS, secret, statefulSet, type Obj } from './fixtures.js';

const errors = (findings: GateFinding[]) => findings.filter((f) => f.severity === 'error');
const validate = (...objects: Obj[]) => validateSchemas(asObjects(objects));
const container = (sts: Obj) => sts.spec.template.spec.containers[0];

describe('schema gate', () => {
  it('passes every object of a clean, hardened app (StatefulSet, Services, Ingress, SOPS Secret, PV/PVC, Flux Kustomizations)', () => {
    expect(validateSchemas(asObjects(cleanApp()))).toEqual([]);
  });

  it('reports an unknown field with its JSON path and the object it is in', () => {
    const sts = statefulSet();
    container(sts).securityContext.readOnlyRootFs = true;
    expect(validate(sts)).toEqual([
      {
        gate: 'schema',
        severity: 'error',
        object: `StatefulSet/${NS}/sonarr`,
        path: 'spec.template.spec.containers[0].securityContext.readOnlyRootFs',
        message: 'unknown field "readOnlyRootFs"',
      },
    ]);
  });

  it('reports a field misspelled in camel case, as the typed L1 Service silently dropped clusterIp', () => {
    const svc = find(cleanApp(), 'Service', 'sonarr-headless');
    svc.spec.clusterIp = svc.spec.clusterIP;
    delete svc.spec.clusterIP;
    expect(errors(validate(svc)).map((f) => [f.path, f.message])).toEqual([['spec.clusterIp', 'unknown field "clusterIp"']]);
  });

  it('reports a Quantity that a patch turned into null', () => {
    const sts = statefulSet();
    container(sts).resources.limits.memory = null;
    sts.spec.template.spec.volumes[0].emptyDir.sizeLimit = null;
    const found = errors(validate(sts));
    expect(found.map((f) => f.path).sort()).toEqual(['spec.template.spec.containers[0].resources.limits.memory', 'spec.template.spec.volumes[0].emptyDir.sizeLimit']);
    expect(found[0]!.message).toBe('must be string or number, not null');
  });

  it('reports null in a required field (containerPort, a StatefulSet template)', () => {
    const sts = statefulSet();
    container(sts).ports[0].containerPort = null;
    expect(errors(validate(sts)).map((f) => [f.path, f.message])).toEqual([['spec.template.spec.containers[0].ports[0].containerPort', 'must be integer, not null']]);
    const other = statefulSet();
    other.spec.template = null;
    expect(errors(validate(other)).map((f) => f.path)).toEqual(['spec.template']);
  });

  it('only warns about null in an optional field: the API server treats it as unset', () => {
    const svc = find(cleanApp(), 'Service', 'sonarr');
    svc.spec.sessionAffinity = null;
    expect(validate(svc)).toEqual([
      { gate: 'schema', severity: 'warning', object: `Service/${NS}/sonarr`, path: 'spec.sessionAffinity', message: expect.stringContaining('null value') },
    ]);
  });

  it('reports wrong types, naming the expected type and the value found', () => {
    const sts = statefulSet();
    sts.spec.replicas = '1';
    container(sts).env[0].value = 42;
    container(sts).livenessProbe.tcpSocket.port = 80.5;
    expect(errors(validate(sts)).map((f) => [f.path, f.message])).toEqual([
      ['spec.replicas', 'must be integer, not string ("1")'],
      ['spec.template.spec.containers[0].env[0].value', 'must be string, not integer (42)'],
      ['spec.template.spec.containers[0].livenessProbe.tcpSocket.port', 'must be string or integer, not number (80.5)'],
    ]);
  });

  it('reports missing required fields, including metadata.name', () => {
    const sts = statefulSet();
    delete sts.spec.selector;
    delete container(sts).name;
    delete sts.metadata.name;
    expect(
      errors(validate(sts))
        .map((f) => [f.path, f.message])
        .sort(),
    ).toEqual([
      ['metadata.name', 'missing required field "name"'],
      ['spec.selector', 'missing required field "selector"'],
      ['spec.template.spec.containers[0].name', 'missing required field "name"'],
    ]);
  });

  it('reports a value outside an enum of a custom resource (Flux decryption provider, sourceRef kind)', () => {
    const ks = find(cleanApp(), 'Kustomization', 'media-apps');
    ks.spec.decryption.provider = 'age';
    ks.spec.sourceRef.kind = 'GitRepo';
    expect(
      errors(validate(ks))
        .map((f) => [f.path, f.message])
        .sort(),
    ).toEqual([
      ['spec.decryption.provider', '"age" is not one of "sops"'],
      ['spec.sourceRef.kind', '"GitRepo" is not one of "OCIRepository", "GitRepository", "Bucket", "ExternalArtifact"'],
    ]);
  });

  it('reports a value outside the allowed values of a built-in field (from the OpenAPI field descriptions)', () => {
    const sts = statefulSet();
    container(sts).imagePullPolicy = 'Allways';
    sts.spec.podManagementPolicy = 'Serial';
    sts.spec.volumeClaimTemplates[0].spec.accessModes = ['ReadWriteOnce', 'ReadWriteAll'];
    expect(
      errors(validate(sts))
        .map((f) => [f.path, f.message])
        .sort(),
    ).toEqual([
      ['spec.podManagementPolicy', '"Serial" is not one of "OrderedReady", "Parallel"'],
      ['spec.template.spec.containers[0].imagePullPolicy', '"Allways" is not one of "Always", "Never", "IfNotPresent"'],
      ['spec.volumeClaimTemplates[0].spec.accessModes[1]', '"ReadWriteAll" is not one of "ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"'],
    ]);
  });

  it('pins apiVersion and kind, also of an embedded PersistentVolumeClaim template', () => {
    const sts = statefulSet();
    sts.spec.volumeClaimTemplates[0].apiVersion = 'v2';
    expect(errors(validate(sts)).map((f) => [f.path, f.message])).toEqual([['spec.volumeClaimTemplates[0].apiVersion', '"v2" is not one of "v1"']]);
  });

  it('validates against 1.34 and again against 1.28, the oldest supported k3s: a field 1.28 does not know fails there, once', () => {
    const sts = statefulSet();
    sts.spec.template.spec.hostnameOverride = 'media'; // PodSpec field new since 1.28
    expect(errors(validate(sts)).map((f) => [f.path, f.message])).toEqual([
      ['spec.template.spec.hostnameOverride', 'Kubernetes 1.28 (the oldest supported k3s): unknown field "hostnameOverride"'],
    ]);
    const typo = statefulSet();
    typo.spec.template.spec.hostnameOverrid = 'media'; // unknown in both: reported once, without the release
    expect(errors(validate(typo)).map((f) => [f.path, f.message])).toEqual([['spec.template.spec.hostnameOverrid', 'unknown field "hostnameOverrid"']]);
  });

  it('reports a kind 1.34 serves and 1.28 does not (resource.k8s.io/v1, GA in 1.34) as a 1.28 error', () => {
    const found = errors(validate({ apiVersion: 'resource.k8s.io/v1', kind: 'DeviceClass', metadata: { name: 'gpu' }, spec: {} }));
    expect(found.map((f) => f.message)).toEqual([
      'Kubernetes 1.28 (the oldest supported k3s): no schema for apiVersion "resource.k8s.io/v1" kind "DeviceClass" (Kubernetes 1.28 or schemas/crds)',
    ]);
  });

  it('reports an apiVersion/kind without a schema, and says where the kind lives', () => {
    const ing = find(cleanApp(), 'Ingress');
    expect(validate({ ...ing, apiVersion: 'extensions/v1beta1' })).toEqual([
      {
        gate: 'schema',
        severity: 'error',
        object: `Ingress/${NS}/sonarr`,
        path: 'apiVersion',
        message: 'no schema for apiVersion "extensions/v1beta1" kind "Ingress" (Kubernetes 1.34 or schemas/crds); Ingress is known as networking.k8s.io/v1',
      },
    ]);
    const [unknown] = validate({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: NS } });
    expect(unknown!.message).toBe('no schema for apiVersion "example.com/v1" kind "Widget" (Kubernetes 1.34 or schemas/crds)');
  });

  it('validates a SOPS-encrypted Secret without its sops key, but still catches unknown fields beside it', () => {
    expect(validate(secret())).toEqual([]);
    const bad = secret();
    bad.stringdata = bad.stringData;
    expect(errors(validate(bad)).map((f) => f.message)).toEqual(['unknown field "stringdata"']);
    // Only Secrets carry a sops key.
    const cm = { ...find(cleanApp(), 'ConfigMap'), sops: secret().sops };
    expect(errors(validate(cm)).map((f) => f.message)).toEqual(['unknown field "sops"']);
  });

  it('validates External Secrets v1 and Flux GitRepository objects against their CRD schemas', () => {
    const store = {
      apiVersion: 'external-secrets.io/v1',
      kind: 'SecretStore',
      metadata: { name: 'infisical', namespace: NS },
      spec: {
        provider: {
          infisical: {
            auth: { universalAuthCredentials: { clientId: { name: 'infisical-auth', key: 'client-id' }, clientSecret: { name: 'infisical-auth', key: 'client-secret' } } },
            secretsScope: { projectSlug: 'homelab', environmentSlug: 'prod' },
          },
        },
      },
    };
    const external = {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: { name: 'sonarr-secrets', namespace: NS },
      spec: {
        refreshInterval: '1h',
        secretStoreRef: { kind: 'SecretStore', name: 'infisical' },
        target: { name: 'sonarr-secrets' },
        data: [{ secretKey: 'api-key', remoteRef: { key: 'SONARR_API_KEY' } }],
      },
    };
    const repo = {
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'GitRepository',
      metadata: { name: 'flux-system', namespace: 'flux-system' },
      spec: { interval: '1m', url: 'ssh://git@github.com/me/homelab', ref: { branch: 'main' }, secretRef: { name: 'flux-system' } },
    };
    expect(validate(store, external, repo)).toEqual([]);
    external.spec.data[0]!.remoteRef = { kee: 'x' } as never;
    expect(
      errors(validate(external))
        .map((f) => [f.path, f.message])
        .sort(),
    ).toEqual([
      ['spec.data[0].remoteRef.kee', 'unknown field "kee"'],
      ['spec.data[0].remoteRef.key', 'missing required field "key"'],
    ]);
  });

  it('compiles each apiVersion/kind once and reuses it', () => {
    const v = new SchemaValidator();
    const objects = asObjects(cleanApp());
    const first = performance.now();
    v.validate(objects);
    const firstMs = performance.now() - first;
    const again = performance.now();
    for (let i = 0; i < 5; i++) v.validate(objects);
    const againMs = (performance.now() - again) / 5;
    expect(againMs).toBeLessThan(firstMs / 5);
  });
});
