import { HOME_OPERATIONS, rootImage, type AppFacts } from '../../gates/behaviour-facts.js';

/** qBittorrent's facts and its VPN sidecars' (sources: docs/app-facts-verified.md). */

// Seed-004 components (app-facts §2, §9).
// renovate: datasource=docker depName=ghcr.io/home-operations/qbittorrent
export const QBITTORRENT_IMAGE = 'ghcr.io/home-operations/qbittorrent:5.2.3';
// renovate: datasource=docker depName=ghcr.io/qdm12/gluetun
export const GLUETUN_IMAGE = 'ghcr.io/qdm12/gluetun:v3.41.1';
// renovate: datasource=docker depName=ghcr.io/tprasadtp/protonwire
export const PROTONWIRE_IMAGE = 'ghcr.io/tprasadtp/protonwire:7.5.3';

/** gluetun's health server, moved off loopback so kubelet can probe it. */
export const GLUETUN_HEALTH_PORT = 9999;

/** Who the processes run as and what they write (the behaviour gate's input). */
export const QBITTORRENT_FACTS: AppFacts = {
  images: {
    'ghcr.io/home-operations/qbittorrent': HOME_OPERATIONS,
    'ghcr.io/qdm12/gluetun': rootImage('qdm12/gluetun v3.41.1:Dockerfile (no USER; OPENVPN_PROCESS_USER=root; ENTRYPOINT /gluetun-entrypoint)'),
    'ghcr.io/tprasadtp/protonwire': rootImage('tprasadtp/protonvpn-docker 7.5.3:Dockerfile (FROM debian, no USER; ENTRYPOINT /usr/bin/protonwire, CMD connect --service)'),
  },
  containers: {
    'qbittorrent/gluetun': { writes: ['/gluetun', '/tmp'], source: 'qdm12/gluetun v3.41.1 Dockerfile (VOLUME /gluetun; servers.json and state there)' },
    // A bash step in the qBittorrent image that seeds its config.
    'qbittorrent/seed-config': { writes: ['/config'], source: 'home-operations apps/qbittorrent/entrypoint.sh (config in /config/qBittorrent/qBittorrent.conf)' },
    'qbittorrent/protonwire': {
      writes: ['/tmp'],
      source: 'tprasadtp/protonvpn-docker 7.5.3 (state and service-status file under /tmp; src/apps/qbittorrent/qbittorrent.ts mounts it in memory)',
    },
    'qbittorrent/qbittorrent': {
      writes: ['/config', '/mnt/downloads', '/tmp'],
      source: 'home-operations apps/qbittorrent/entrypoint.sh (/config/qBittorrent); save path under /mnt/downloads',
    },
  },
};
