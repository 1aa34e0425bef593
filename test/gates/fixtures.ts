/**
 * A small, realistic, hardened app as plain objects: Namespace, SOPS-encrypted Secret, ConfigMap,
 * PVC bound to an NFS PV, StatefulSet (with a native sidecar), Services, Ingress, ServiceAccount
 * and the Flux Kustomizations that apply it. Every call returns fresh objects to mutate.
 */
import type { KubeObject } from '../../src/output/model.js';
import type { ExternalObject, GateOptions } from '../../src/gates/index.js';
import { publishedFacts } from '../../src/pipeline/gates.js';

// Tests plant defects anywhere in the objects.
export type Obj = any;

export const NS = 'media';
const labels = { 'app.kubernetes.io/name': 'sonarr', 'app.kubernetes.io/instance': 'sonarr' };

const hardened = () => ({
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  readOnlyRootFilesystem: true,
});

export const EXTERNAL: ExternalObject[] = [
  { kind: 'Namespace', name: 'flux-system' },
  { kind: 'Secret', namespace: 'flux-system', name: 'sops-age' },
  { kind: 'GitRepository', namespace: 'flux-system', name: 'flux-system' },
  { kind: 'StorageClass', name: 'longhorn' },
];

/**
 * The behaviour gate needs the provisioner of the external class and facts for the fixture's own
 * containers (its Sonarr writes only its config; the log shipper is not a stack app) over the
 * facts the apps publish (the image facts of its Sonarr).
 */
const published = publishedFacts();
export const OPTS: GateOptions = {
  external: EXTERNAL,
  behaviour: {
    storageProvisioners: { longhorn: 'driver.longhorn.io' },
    facts: {
      images: { ...published.images, 'ghcr.io/example/log-shipper': { imageUser: { uid: 65534, gid: 65534 }, asRoot: { kind: 'stays-root' }, source: 'test fixture' } },
      containers: {
        'sonarr/sonarr': { writes: ['/config', '/tmp'], source: 'test fixture' },
        'sonarr/log-shipper': { writes: ['/tmp'], source: 'test fixture' },
      },
    },
  },
};

function namespace(): Obj {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } };
}

/** As the writer emits it: SOPS keeps keys readable and encrypts values. */
export function secret(): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'sonarr-secrets', namespace: NS },
    type: 'Opaque',
    stringData: { 'api-key': 'ENC[AES256_GCM,data:emiLAqK3,iv:RNu5Ftt=,tag:46LAgh==,type:str]' },
    sops: {
      age: [{ recipient: 'age1rhuhdmqnj3x2frcxg6jc676jhqvv2l0jcsjrdpfrsc8zphjps4lsrngp6j', enc: '-----BEGIN AGE ENCRYPTED FILE-----\n…\n-----END AGE ENCRYPTED FILE-----\n' }],
      lastmodified: '2025-01-01T00:00:00Z',
      mac: 'ENC[AES256_GCM,data:abc,iv:def,tag:ghi,type:str]',
      encrypted_regex: '^(data|stringData)$',
      version: '3.9.4',
    },
  };
}

function configMap(): Obj {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'sonarr-config', namespace: NS }, data: { 'config.xml': '<Config/>' } };
}

function volume(): Obj {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name: 'media-library' },
    spec: {
      accessModes: ['ReadWriteMany'],
      capacity: { storage: '100Gi' },
      claimRef: { name: 'media-library', namespace: NS },
      nfs: { path: '/mnt/user/media', server: 'nas.homelab' },
      persistentVolumeReclaimPolicy: 'Retain',
      storageClassName: '',
    },
  };
}

function claim(): Obj {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'media-library', namespace: NS },
    spec: { accessModes: ['ReadWriteMany'], resources: { requests: { storage: '100Gi' } }, storageClassName: '', volumeName: 'media-library' },
  };
}

export function serviceAccount(): Obj {
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'sonarr', namespace: NS }, automountServiceAccountToken: false };
}

export function statefulSet(): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'sonarr', namespace: NS, labels: { ...labels } },
    spec: {
      replicas: 1,
      serviceName: 'sonarr-headless',
      selector: { matchLabels: { ...labels } },
      template: {
        metadata: { labels: { ...labels, 'app.kubernetes.io/part-of': 'media-stack' } },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          serviceAccountName: 'sonarr',
          securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
          initContainers: [
            {
              name: 'log-shipper',
              image: 'ghcr.io/example/log-shipper:1.2.3@sha256:' + 'a'.repeat(64),
              restartPolicy: 'Always',
              resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '64Mi' } },
              securityContext: hardened(),
              livenessProbe: { exec: { command: ['true'] } },
              readinessProbe: { exec: { command: ['true'] } },
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            },
          ],
          containers: [
            {
              name: 'sonarr',
              image: 'ghcr.io/home-operations/sonarr:4.0.19.3001@sha256:' + 'b'.repeat(64),
              imagePullPolicy: 'IfNotPresent',
              ports: [{ name: 'http', containerPort: 8989, protocol: 'TCP' }],
              env: [
                { name: 'TZ', value: 'UTC' },
                { name: 'SONARR__AUTH__APIKEY', valueFrom: { secretKeyRef: { name: 'sonarr-secrets', key: 'api-key' } } },
              ],
              envFrom: [{ configMapRef: { name: 'sonarr-config' } }],
              resources: { requests: { cpu: '100m', memory: '512Mi' }, limits: { memory: '2Gi' } },
              securityContext: hardened(),
              livenessProbe: { tcpSocket: { port: 'http' }, periodSeconds: 30 },
              readinessProbe: { httpGet: { path: '/ping', port: 'http' }, periodSeconds: 10 },
              volumeMounts: [
                { name: 'config', mountPath: '/config' },
                { name: 'tmp', mountPath: '/tmp' },
                { name: 'media', mountPath: '/mnt/media' },
                { name: 'settings', mountPath: '/etc/sonarr', readOnly: true },
              ],
            },
          ],
          volumes: [
            { name: 'tmp', emptyDir: { sizeLimit: '1Gi' } },
            { name: 'media', persistentVolumeClaim: { claimName: 'media-library' } },
            { name: 'settings', configMap: { name: 'sonarr-config', items: [{ key: 'config.xml', path: 'config.xml' }] } },
          ],
        },
      },
      volumeClaimTemplates: [
        {
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          metadata: { name: 'config' },
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } }, storageClassName: 'longhorn' },
        },
      ],
    },
  };
}

function service(name = 'sonarr', headless = false): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: NS, labels: { ...labels } },
    spec: { ...(headless ? { clusterIP: 'None' } : {}), type: 'ClusterIP', selector: { ...labels }, ports: [{ name: 'http', port: 8989, targetPort: 'http', protocol: 'TCP' }] },
  };
}

function ingress(): Obj {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'sonarr', namespace: NS },
    spec: {
      ingressClassName: 'traefik',
      rules: [{ host: 'sonarr.homelab', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'sonarr', port: { name: 'http' } } } }] } }],
      tls: [{ hosts: ['sonarr.homelab'], secretName: 'sonarr-tls' }],
    },
  };
}

export function fluxKustomization(name: string, path: string, dependsOn: string[] = []): Obj {
  return {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name, namespace: 'flux-system' },
    spec: {
      interval: '10m',
      path,
      prune: true,
      sourceRef: { kind: 'GitRepository', name: 'flux-system' },
      decryption: { provider: 'sops', secretRef: { name: 'sops-age' } },
      ...(dependsOn.length ? { dependsOn: dependsOn.map((d) => ({ name: d })) } : {}),
      ...(name === 'media-apps' ? { healthChecks: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'sonarr', namespace: NS }] } : {}),
    },
  };
}

/** Every object of the fixture app; all gates pass on it. */
export function cleanApp(): Obj[] {
  const ks = [fluxKustomization('media-namespace', './clusters/home/infrastructure/namespace'), fluxKustomization('media-apps', './clusters/home/apps/media', ['media-namespace'])];
  return [namespace(), secret(), configMap(), volume(), claim(), serviceAccount(), statefulSet(), service(), service('sonarr-headless', true), ingress(), ...ks];
}

/** The first object of a kind (and name). */
export function find(objects: readonly Obj[], kind: string, name?: string): Obj {
  const hit = objects.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (!hit) throw new Error(`no ${kind}/${name ?? '*'} in the fixture`);
  return hit;
}

export function asObjects(objects: Obj[]): KubeObject[] {
  return objects as KubeObject[];
}
