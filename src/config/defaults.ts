import type { StackConfig } from './types.js';

/**
 * The embedded default: the seed-000 homelab (k3s + Flux; storage nodes k3s-w1/k3s-w2 with
 * Longhorn, k3s-w1 preferred; Intel GPU node k3s-w3; Unraid NFS for media and transcode; Traefik
 * at `<app>.homelab`; UID/GID 1000; TZ UTC).
 */
export const DEFAULT_CONFIG: StackConfig = {
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
  apps: {
    sonarr: { enabled: true, extraInstances: [] },
    radarr: { enabled: true, extraInstances: [] },
    prowlarr: { enabled: true },
    profilarr: { enabled: true, ingress: false },
    decypharr: { enabled: true, dfsHostPath: '/mnt/k8s/decypharr-dfs', nfsClusterIP: '10.43.0.49', usenet: true },
    plex: { enabled: true, serviceType: 'LoadBalancer', gpu: true, renderGroupId: 109, placement: 'gpu-node' },
    clusterplex: { enabled: true, workers: 1, workerSelectionStrategy: 'LOAD_RANK' },
    pulsarr: { enabled: true, ingress: false },
    intelGpuPlugin: { enabled: true, sharedDevNum: 4, namespace: 'kube-system' },
    // Seed-004 components: available, off in the seed-000 default.
    postgres: { enabled: false, apps: ['sonarr', 'radarr', 'prowlarr'], backupSchedule: '30 3 * * *', backupRetention: 7, backupSize: '20Gi' },
    qbittorrent: {
      enabled: false,
      ingress: false,
      webUiPort: 8080,
      downloadsSize: '500Gi',
      vpn: {
        provider: 'gluetun',
        serviceProvider: 'protonvpn',
        serverCountries: [], serverHostnames: [],
        endpointCidrs: [],
        endpointPort: 51820,
        endpointProtocol: 'UDP',
        tunResource: 'squat.ai/tun',
        bootstrapCidrs: [],
        portForwarding: false,
      },
    },
    flaresolverr: { enabled: false },
    byparr: { enabled: false },
    configarr: {
      enabled: false,
      schedule: '0 * * * *',
      sonarrTemplates: ['sonarr-quality-definition-series', 'sonarr-v4-quality-profile-web-1080p', 'sonarr-v4-custom-formats-web-1080p'],
      radarrTemplates: ['radarr-quality-definition-movie', 'radarr-quality-profile-hd-bluray-web', 'radarr-custom-formats-hd-bluray-web'],
    },
    samba: { enabled: false, users: ['media'], workgroup: 'WORKGROUP', serviceType: 'LoadBalancer', shareDownloads: true },
    arrWiring: { enabled: true, schedule: '17 * * * *' },
  },
};
