import { describe, expect, it } from 'vitest';
import { checkReferences, type GateFinding, type GateOptions } from '../../src/gates/index.js';
import { asObjects, cleanApp, EXTERNAL, find, fluxKustomization, NS, OPTS, type Obj } from './fixtures.js';

const check = (objects: Obj[], opts: GateOptions = OPTS) => checkReferences(asObjects(objects), opts);
const lines = (findings: GateFinding[]) => findings.map((f) => `${f.severity} ${f.object} ${f.path ?? '-'}: ${f.message}`);
const pod = (app: Obj[]) => find(app, 'StatefulSet').spec.template.spec;
const main = (app: Obj[]) => pod(app).containers[0];

describe('reference gate', () => {
  it('passes the clean app when the cluster objects it relies on are declared external', () => {
    expect(check(cleanApp())).toEqual([]);
  });

  it('reports exactly the undeclared cluster objects when nothing is declared external', () => {
    expect(lines(check(cleanApp(), {}))).toEqual([
      'error Kustomization/flux-system/media-namespace metadata.namespace: namespace "flux-system" is neither a Namespace in the output nor declared external',
      'error Kustomization/flux-system/media-apps metadata.namespace: namespace "flux-system" is neither a Namespace in the output nor declared external',
      'error StatefulSet/media/sonarr spec.volumeClaimTemplates[0].spec.storageClassName: StorageClass "longhorn" is neither in the output nor declared external',
      'error Kustomization/flux-system/media-namespace spec.sourceRef: source GitRepository "flux-system/flux-system" is neither in the output nor declared external',
      'error Kustomization/flux-system/media-namespace spec.decryption.secretRef.name: decryption Secret "flux-system/sops-age" is neither in the output nor declared external',
      'error Kustomization/flux-system/media-apps spec.sourceRef: source GitRepository "flux-system/flux-system" is neither in the output nor declared external',
      'error Kustomization/flux-system/media-apps spec.decryption.secretRef.name: decryption Secret "flux-system/sops-age" is neither in the output nor declared external',
    ]);
  });

  it('reports a secretKeyRef to a Secret that does not exist, at the env entry', () => {
    const app = cleanApp();
    main(app).env[1].valueFrom.secretKeyRef.name = 'sonar-secrets';
    expect(check(app)).toEqual([
      {
        gate: 'references',
        severity: 'error',
        object: `StatefulSet/${NS}/sonarr`,
        path: 'spec.template.spec.containers[0].env[1].valueFrom.secretKeyRef',
        message: `Secret "sonar-secrets" does not exist in namespace "${NS}" and is not declared external`,
      },
    ]);
  });

  it('reports a key the SOPS Secret does not have (its stringData keys are readable)', () => {
    const app = cleanApp();
    main(app).env[1].valueFrom.secretKeyRef.key = 'apikey';
    expect(lines(check(app))).toEqual([
      `error StatefulSet/${NS}/sonarr spec.template.spec.containers[0].env[1].valueFrom.secretKeyRef: Secret "sonarr-secrets" has no key "apikey" (keys: api-key)`,
    ]);
  });

  it('accepts a Secret declared external without knowing its keys, and skips optional references', () => {
    const app = cleanApp().filter((o) => o.kind !== 'Secret');
    expect(check(app, { external: [...EXTERNAL, { kind: 'Secret', namespace: NS, name: 'sonarr-secrets' }] })).toEqual([]);
    main(app).env[1].valueFrom.secretKeyRef.optional = true;
    expect(check(app)).toEqual([]);
  });

  it('knows the Secret an ExternalSecret creates, its keys, and checks its store', () => {
    const app = cleanApp().filter((o) => o.kind !== 'Secret');
    app.push({
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: { name: 'sonarr', namespace: NS },
      spec: {
        secretStoreRef: { kind: 'SecretStore', name: 'infisical' },
        target: { name: 'sonarr-secrets' },
        data: [{ secretKey: 'api-key', remoteRef: { key: 'SONARR_API_KEY' } }],
      },
    });
    expect(lines(check(app))).toEqual([`error ExternalSecret/${NS}/sonarr spec.secretStoreRef: SecretStore "infisical" is neither in the output nor declared external`]);
    app.push({ apiVersion: 'external-secrets.io/v1', kind: 'SecretStore', metadata: { name: 'infisical', namespace: NS }, spec: { provider: {} } });
    expect(check(app)).toEqual([]);
    main(app).env[1].valueFrom.secretKeyRef.key = 'password';
    expect(lines(check(app))[0]).toContain('Secret "sonarr-secrets" has no key "password" (keys: api-key)');
  });

  it('reports missing ConfigMaps and keys in envFrom and volume items', () => {
    const app = cleanApp();
    main(app).envFrom[0].configMapRef.name = 'radarr-config';
    pod(app).volumes[2].configMap.items[0].key = 'settings.xml';
    expect(lines(check(app))).toEqual([
      `error StatefulSet/${NS}/sonarr spec.template.spec.volumes[2].configMap: ConfigMap "sonarr-config" has no key "settings.xml" (keys: config.xml)`,
      `error StatefulSet/${NS}/sonarr spec.template.spec.containers[0].envFrom[0].configMapRef: ConfigMap "radarr-config" does not exist in namespace "${NS}" and is not declared external`,
    ]);
  });

  it('reports a volumeMount without a pod volume, and counts volumeClaimTemplates as volumes', () => {
    const app = cleanApp();
    main(app).volumeMounts.push({ name: 'downloads', mountPath: '/downloads' });
    expect(lines(check(app))).toEqual([
      `error StatefulSet/${NS}/sonarr spec.template.spec.containers[0].volumeMounts[4].name: container "sonarr" mounts volume "downloads", which the pod does not define (volumes: config, media, settings, tmp)`,
    ]);
  });

  it('reports a PVC claimName, a PVC volumeName and a PV claimRef that resolve to nothing', () => {
    const app = cleanApp();
    pod(app).volumes[1].persistentVolumeClaim.claimName = 'media';
    find(app, 'PersistentVolumeClaim').spec.volumeName = 'media-library-pv';
    find(app, 'PersistentVolume').spec.claimRef.name = 'library';
    expect(lines(check(app))).toEqual([
      'error PersistentVolume/media-library spec.claimRef: claimRef names PersistentVolumeClaim "media/library", which does not exist',
      `error PersistentVolumeClaim/${NS}/media-library spec.volumeName: PersistentVolume "media-library-pv" does not exist`,
      `error StatefulSet/${NS}/sonarr spec.template.spec.volumes[1].persistentVolumeClaim.claimName: PersistentVolumeClaim "media" does not exist in namespace "${NS}"`,
    ]);
  });

  it('reports a missing ServiceAccount and a missing governing Service of a StatefulSet', () => {
    const app = cleanApp().filter((o) => o.kind !== 'ServiceAccount' && o.metadata.name !== 'sonarr-headless');
    expect(lines(check(app))).toEqual([
      `error StatefulSet/${NS}/sonarr spec.serviceName: governing Service "sonarr-headless" does not exist in namespace "${NS}"`,
      `error StatefulSet/${NS}/sonarr spec.template.spec.serviceAccountName: ServiceAccount "sonarr" does not exist in namespace "${NS}"`,
    ]);
  });

  it('reports a Service that selects no pods, also when the pods are in another namespace', () => {
    const app = cleanApp();
    find(app, 'Service', 'sonarr').spec.selector['app.kubernetes.io/instance'] = 'sonarr-4k';
    expect(lines(check(app))).toEqual([
      `error Service/${NS}/sonarr spec.selector: selects no pods: no workload in namespace "${NS}" has a pod template labelled app.kubernetes.io/name=sonarr,app.kubernetes.io/instance=sonarr-4k`,
    ]);
    const moved = cleanApp();
    const svc = find(moved, 'Service', 'sonarr');
    svc.metadata.namespace = 'flux-system';
    expect(lines(check(moved)).filter((l) => l.includes('selects no pods'))).toHaveLength(1);
  });

  it('reports a named targetPort that no selected container port has', () => {
    const app = cleanApp();
    find(app, 'Service', 'sonarr').spec.ports[0].targetPort = 'web';
    expect(lines(check(app))).toEqual([
      `error Service/${NS}/sonarr spec.ports[0].targetPort: targetPort "web" is not the name of a container port of the selected pods (StatefulSet/${NS}/sonarr)`,
    ]);
  });

  it('reports an Ingress backend to a missing Service, a missing port number and a missing port name', () => {
    const app = cleanApp();
    const ing = find(app, 'Ingress');
    const path = ing.spec.rules[0].http.paths[0];
    ing.spec.rules[0].http.paths.push(
      { path: '/api', pathType: 'Prefix', backend: { service: { name: 'sonarr', port: { number: 80 } } } },
      { path: '/feed', pathType: 'Prefix', backend: { service: { name: 'sonarr-feed', port: { number: 8989 } } } },
    );
    path.backend.service.port = { name: 'web' };
    expect(lines(check(app))).toEqual([
      `error Ingress/${NS}/sonarr spec.rules[0].http.paths[0].backend.service.port.name: Service "sonarr" has no port named "web" (ports: http=8989)`,
      `error Ingress/${NS}/sonarr spec.rules[0].http.paths[1].backend.service.port.number: Service "sonarr" exposes no port 80 (ports: http=8989)`,
      `error Ingress/${NS}/sonarr spec.rules[0].http.paths[2].backend.service.name: Service "sonarr-feed" does not exist in namespace "${NS}"`,
    ]);
    path.backend.service.port = { number: 8989 };
    ing.spec.rules[0].http.paths.splice(1);
    expect(check(app)).toEqual([]);
  });

  it('reports a Flux dependsOn to a missing Kustomization (namespace defaults to its own) and a health check target that is not in the output', () => {
    const app = cleanApp();
    const ks = find(app, 'Kustomization', 'media-apps');
    ks.spec.dependsOn.push({ name: 'media-storage' }, { name: 'media-namespace', namespace: 'default' });
    ks.spec.healthChecks[0].name = 'radarr';
    expect(lines(check(app))).toEqual([
      'error Kustomization/flux-system/media-apps spec.dependsOn[1].name: dependsOn names Kustomization "flux-system/media-storage", which does not exist',
      'error Kustomization/flux-system/media-apps spec.dependsOn[2].name: dependsOn names Kustomization "default/media-namespace", which does not exist',
      `error Kustomization/flux-system/media-apps spec.healthChecks[0]: health check target StatefulSet "${NS}/radarr" is not in the output`,
    ]);
  });

  it('reports a dependsOn cycle once', () => {
    const app = cleanApp();
    find(app, 'Kustomization', 'media-namespace').spec.dependsOn = [{ name: 'media-apps' }];
    expect(lines(check(app))).toEqual([
      'error Kustomization/flux-system/media-namespace spec.dependsOn: dependsOn cycle: flux-system/media-namespace → flux-system/media-apps → flux-system/media-namespace',
    ]);
  });

  it('reports duplicate kind/namespace/name, but not the same name in another kind or namespace', () => {
    const app = cleanApp();
    app.push(fluxKustomization('media-apps', './clusters/home/apps/other'));
    app.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'sonarr', namespace: NS }, data: {} });
    app.push(
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'downloads' } },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'sonarr', namespace: 'downloads' }, spec: { ports: [{ port: 1 }] } },
    );
    expect(lines(check(app))).toEqual([
      'error Kustomization/flux-system/media-apps metadata.name: duplicate Kustomization/flux-system/media-apps: 2 objects share kind, namespace and name',
    ]);
  });

  it('reports a namespace that is neither in the output nor external, and a namespaced object without one', () => {
    const app = cleanApp();
    find(app, 'ConfigMap').metadata.namespace = 'downloads';
    delete find(app, 'Secret').metadata.namespace;
    const found = lines(check(app));
    expect(found).toContain('error ConfigMap/downloads/sonarr-config metadata.namespace: namespace "downloads" is neither a Namespace in the output nor declared external');
    expect(found).toContain('error Secret/sonarr-secrets metadata.namespace: namespaced Secret has no namespace (it would land in whatever namespace applies it)');
    expect(check(cleanApp(), { external: [...EXTERNAL.filter((e) => e.kind !== 'Namespace'), { kind: 'Namespace', name: 'flux-system' }] })).toEqual([]);
  });

  it('counts the namespace of an external object as existing, and warns about a namespace on a cluster-scoped object', () => {
    const app = cleanApp();
    find(app, 'PersistentVolume').metadata.namespace = NS;
    expect(check(app, { external: EXTERNAL.filter((e) => e.kind !== 'Namespace') })).toEqual([
      {
        gate: 'references',
        severity: 'warning',
        object: `PersistentVolume/${NS}/media-library`,
        path: 'metadata.namespace',
        message: `PersistentVolume is cluster-scoped; the namespace "${NS}" is ignored`,
      },
    ]);
  });

  it('lets a claim bind statically to a PV of its class without a StorageClass object', () => {
    const app = cleanApp();
    find(app, 'PersistentVolume').spec.storageClassName = 'nfs-static';
    find(app, 'PersistentVolumeClaim').spec.storageClassName = 'nfs-static';
    delete find(app, 'PersistentVolumeClaim').spec.volumeName;
    expect(check(app)).toEqual([]);
    find(app, 'PersistentVolumeClaim').spec.storageClassName = 'nfs-dynamic';
    expect(lines(check(app))).toEqual([
      `error PersistentVolumeClaim/${NS}/media-library spec.storageClassName: StorageClass "nfs-dynamic" is neither in the output nor declared external`,
    ]);
  });
});
