import type { StackConfig } from './types.js';

/**
 * The embedded default without `apps` (each app module brings its own defaults): the seed-000 homelab (k3s + Flux; storage nodes k3s-w1/k3s-w2 with
 * Longhorn, k3s-w1 preferred; Intel GPU node k3s-w3; Unraid NFS for media and transcode; Traefik
 * at `<app>.homelab`; UID/GID 1000; TZ UTC).
 */
export const BASE_DEFAULTS: Omit<StackConfig, 'apps'> = {
  cluster: 'homelab',
  namespace: 'media',
  timezone: 'UTC',
  uid: 1000,
  gid: 1000,
  nodes: {
    // The seed draws only the workers; a k3s cluster has a server too, and it stays untainted.
    system: { hostnames: ['k3s-server'] },
    storage: {
      label: 'node.longhorn.io/storage',
      labelValue: 'enabled',
      primaryLabel: 'node.longhorn.io/primary',
      primaryLabelValue: 'true',
      taint: { key: 'node.longhorn.io/storage', value: 'enabled', effect: 'NoSchedule' },
      hostnames: ['k3s-w1', 'k3s-w2'],
    },
    gpu: {
      nodeSelector: { gpu: 'true' },
      taint: { key: 'gpu', value: 'true', effect: 'NoSchedule' },
      hostname: 'k3s-w3',
    },
  },
  storage: {
    mode: 'longhorn',
    configStorageClass: 'longhorn-simple',
    rwxStorageClass: 'longhorn-rwx',
    rwxReplicas: 2,
    symlinkLibrarySize: '100Mi',
    media: {
      server: 'unraid.homelab',
      path: '/mnt/user/media',
      mountOptions: ['nfsvers=4.1', 'hard', 'timeo=100', 'retrans=3'],
      size: '100Gi',
    },
    transcode: {
      server: 'unraid.homelab',
      path: '/mnt/user/transcode',
      mountOptions: ['nfsvers=4.1', 'hard', 'timeo=100', 'retrans=3'],
      size: '500Gi',
    },
    hostPathRoot: '/data',
  },
  ingress: {
    enabled: true,
    mode: 'ingress',
    className: 'traefik',
    domain: 'homelab',
    controllerNamespace: 'kube-system',
    auth: { mode: 'apps' },
  },
  flux: {
    interval: '1h',
    namespace: 'flux-system',
    sourceName: 'flux-system',
    repoPath: './media-stack',
    extraRootResources: [],
    targetNamespace: false,
    substitute: {},
    substituteFrom: [],
  },
  secrets: {
    backend: 'sops',
    infisical: {
      hostAPI: 'https://app.infisical.com',
      projectSlug: 'homelab',
      environmentSlug: 'prod',
      secretsPath: '/media-stack',
      bootstrapSecretName: 'infisical-universal-auth',
    },
  },
  networkPolicies: {
    enabled: true,
    privateCidrs: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'],
  },
  network: {
    podCidr: '10.42.0.0/16',
    serviceCidr: '10.43.0.0/16',
  },
  rollout: { restartOnChange: 'checksum' },
  kubernetesVersion: '1.28',
  gpu: { mode: 'device-plugin' },
};
