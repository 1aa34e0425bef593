/**
 * The seed-000 homelab, spelled out: this is what the embedded default config contains.
 * Copy it, edit it, and synthesize it with `npm run synth -- --config <your file> --out <dir>`.
 * Every field is optional; omitted fields take the defaults in docs/configuration.md.
 */
import { defineConfig } from '../src/config/index.js';

export default defineConfig({
  cluster: 'homelab',
  namespace: 'media',
  timezone: 'UTC',
  uid: 1000,
  gid: 1000,
  nodes: {
    // The k3s server stays untainted: CoreDNS, Traefik, Flux and Longhorn's Deployments run there.
    system: { hostnames: ['k3s-server'] },
    // k3s-w1 (preferred) and k3s-w2 carry Longhorn and the streaming stack.
    storage: {
      label: 'node.longhorn.io/storage',
      labelValue: 'enabled',
      primaryLabel: 'node.longhorn.io/primary',
      primaryLabelValue: 'true',
      taint: { key: 'node.longhorn.io/storage', value: 'enabled', effect: 'NoSchedule' },
      hostnames: ['k3s-w1', 'k3s-w2'],
    },
    // k3s-w3 has the Intel GPU; only transcode workers run there.
    gpu: { nodeSelector: { gpu: 'true' }, taint: { key: 'gpu', value: 'true', effect: 'NoSchedule' }, hostname: 'k3s-w3' },
  },
  storage: {
    mode: 'longhorn',
    configStorageClass: 'longhorn-simple',
    rwxStorageClass: 'longhorn-rwx',
    media: { server: 'unraid.homelab', path: '/mnt/user/media', size: '100Gi' },
    transcode: { server: 'unraid.homelab', path: '/mnt/user/transcode', size: '500Gi' },
  },
  ingress: { className: 'traefik', domain: 'homelab' },
  secrets: { backend: 'sops' },
  apps: {
    sonarr: { enabled: true },
    radarr: { enabled: true },
    prowlarr: { enabled: true },
    profilarr: { enabled: true },
    decypharr: { enabled: true, nfsClusterIP: '10.43.0.49' },
    // Plex runs on the GPU node so it plans hardware transcodes itself (see README).
    plex: { enabled: true, serviceType: 'LoadBalancer', gpu: true, renderGroupId: 109, placement: 'gpu-node' },
    clusterplex: { enabled: true, workers: 1 },
    pulsarr: { enabled: true },
    intelGpuPlugin: { enabled: true, sharedDevNum: 4 },
  },
});
