/**
 * The seed-004 design: one k3s node ("nas") with everything on host paths under /data —
 * /data/config/<app>, /data/library, /data/downloads — Plex with the Intel GPU, Sonarr/Radarr/
 * Prowlarr on PostgreSQL, qBittorrent behind gluetun (ProtonVPN WireGuard) with the NetworkPolicy
 * kill switch, FlareSolverr and Byparr for Prowlarr, Configarr applying the TRaSH guides hourly,
 * and Samba sharing the library and downloads. Added since: Lidarr (music) and Bazarr (subtitles).
 *
 * Not in seed 004, so off here: Decypharr (enable it to get the streaming client next to
 * qBittorrent — both are then available to the Arrs), ClusterPlex, Profilarr (Configarr does its
 * job), Pulsarr.
 *
 * Before the first synth:
 *  - apps.qbittorrent.vpn.endpointCidrs: the address(es) of the VPN server(s) you connect to —
 *    the only internet destination the qBittorrent pod may reach.
 *  - the node needs the squat/generic-device-plugin advertising `squat.ai/tun` (/dev/net/tun).
 *  - the GPU goes to Plex through DRA (`gpu.mode: 'dra'`, not in seed 004, which used the device
 *    plugin): the node must run k3s v1.34 or newer; the stack deploys Intel's GPU resource
 *    driver and a ResourceClaim `intel-gpu` for Plex. On an older k3s use gpu.mode
 *    'device-plugin' and drop kubernetesVersion.
 *  - /data/... belongs to UID/GID 1000 (an init container chowns each top folder if needed:
 *    host paths ignore fsGroup).
 *  - seed 004 keeps /data/downloads and /data/library as separate folders, mounted separately,
 *    so Sonarr/Radarr copy finished downloads instead of hardlinking them (a hardlink cannot
 *    cross two mounts).
 *
 * Secrets come from Infisical through External Secrets (seed 004); create the values listed in
 * the generated docs/secrets.md in Infisical before the first sync.
 *
 * Synthesize with `npm run synth -- --config examples/single-node.ts --out <dir>`.
 */
import { defineConfig } from '../src/config/index.js';

export default defineConfig({
  cluster: 'nas',
  namespace: 'media',
  timezone: 'UTC',
  uid: 1000,
  gid: 1000,
  storage: {
    mode: 'hostPath',
    hostPathRoot: '/data',
    singleNodeHostname: 'nas',
  },
  network: { podCidr: '10.42.0.0/16', serviceCidr: '10.43.0.0/16' },
  // DRA needs k3s 1.34+; the schema gate then validates against 1.34 only.
  kubernetesVersion: '1.34',
  gpu: { mode: 'dra' },
  // Seed 004 keeps its secrets in Infisical: one ExternalSecret per Secret (same names and keys
  // as the SOPS backend), read through a SecretStore that authenticates with the bootstrap
  // Secret `infisical-auth` (created by hand, never in Git: see docs/secrets.md in the output).
  secrets: {
    backend: 'external-secrets',
    infisical: { projectSlug: 'homelab', environmentSlug: 'prod', secretsPath: '/media-stack', bootstrapSecretName: 'infisical-auth' },
  },
  // Gateway API instead of Ingresses: every web UI gets an HTTPRoute attached to the HTTPS listener
  // of a Gateway you run (here `internal` in kube-system, served by k3s's Traefik with its
  // Gateway provider on), and TLS from cert-manager: the stack writes a Certificate for
  // *.nas.lan next to the Gateway (Secret `media-wildcard-tls`), which that listener names in
  // `tls.certificateRefs`.
  ingress: {
    enabled: true,
    mode: 'gateway',
    domain: 'nas.lan',
    gateway: { name: 'internal', namespace: 'kube-system', sectionName: 'websecure' },
    tls: { issuerName: 'nas-ca' },
  },
  apps: {
    sonarr: { enabled: true },
    radarr: { enabled: true },
    // Public indexers the prowlarr-setup job adds; a private tracker's credentials come from Secret
    // keys (secrets: { passkey: 'filelist-passkey' }), a tag `flaresolverr` would route it through FlareSolverr.
    prowlarr: {
      enabled: true,
      indexers: [
        { definition: '1337x', tags: ['public'] },
        { definition: 'eztv', tags: ['public'], priority: 30 },
      ],
    },
    plex: { enabled: true, serviceType: 'NodePort', gpu: true, renderGroupId: 109 },
    intelGpuPlugin: { enabled: true },
    decypharr: { enabled: false },
    clusterplex: { enabled: false },
    profilarr: { enabled: false },
    pulsarr: { enabled: false },

    postgres: { enabled: true, apps: ['sonarr', 'radarr', 'prowlarr'], backupSchedule: '30 3 * * *', backupRetention: 7 },
    qbittorrent: {
      enabled: true,
      webUiPort: 8080,
      vpn: {
        provider: 'gluetun',
        serviceProvider: 'protonvpn',
        // gluetun may pick any server of the provider that matches its filters: list the
        // address of every server it may choose (documentation range below: replace it).
        // ...and pin gluetun to the server(s) behind those addresses.
        serverHostnames: ['node-nl-05.protonvpn.net'],
        endpointCidrs: ['203.0.113.10/32'],
        endpointPort: 51820,
        endpointProtocol: 'UDP',
        tunResource: 'squat.ai/tun',
      },
    },
    flaresolverr: { enabled: true },
    byparr: { enabled: true },
    configarr: { enabled: true, schedule: '0 * * * *' },
    samba: { enabled: true, users: ['media'], workgroup: 'WORKGROUP', serviceType: 'LoadBalancer' },
    // Not in seed 004 (issue 11 adds them): music next to TV and movies (/data/library/music,
    // SQLite: postgres.apps has no Lidarr), and subtitles written next to the videos in /data/library.
    lidarr: { enabled: true },
    bazarr: { enabled: true },
    // Day two: a nightly archive of each app's /data/config/<app> (SQLite through its online backup)
    // and a pg_dump of each database, onto a NAS export, keeping 14 of each.
    backups: { enabled: true, target: 'nfs://backup-nas.lan:/export/backups', schedule: '15 4 * * *', retain: 14 },
    // Day two: Prometheus metrics of the Servarr apps (a kube-prometheus-stack release named
    // kube-prometheus-stack in namespace monitoring) and Flux alerts to a Discord webhook.
    metrics: { enabled: true, serviceMonitorLabels: { release: 'kube-prometheus-stack' } },
    fluxAlerts: { enabled: true, provider: 'discord' },
    // Day two: every Arr posts its grabs and failed imports to a Discord channel, and failed
    // imports and health problems to an ntfy topic (the phone). URL and topic: Secret arr-notifications.
    arrWiring: {
      notifications: [
        { name: 'Discord', kind: 'discord' },
        { name: 'Phone', kind: 'ntfy', events: ['importFailed', 'health'] },
      ],
    },
  },
});
