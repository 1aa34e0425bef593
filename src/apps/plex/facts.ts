import type { AppFacts, ImageFacts } from '../../gates/behaviour-facts.js';

/**
 * Plex Media Server's image. The ClusterPlex workers MUST run the identical build (codec and
 * transcoder versions must match), so they take it from the Plex handle.
 */
export const PLEX_IMAGES = {
  // renovate: datasource=docker depName=lscr.io/linuxserver/plex
  plex: 'lscr.io/linuxserver/plex:1.43.3.10828-00f62d37d-ls315',
} as const;

export const PLEX_PORT = 32400;
/** ClusterPlex's nginx relay in the PMS pod: workers report progress through it. */
export const PLEX_RELAY_PORT = 32499;
export const PLEX_APP_SUPPORT = '/config/Library/Application Support/Plex Media Server';

/** A linuxserver.io s6-overlay image: starts as root and drops to PUID/PGID. */
const LINUXSERVER: ImageFacts = {
  imageUser: { uid: 0, gid: 0 },
  asRoot: {
    kind: 'drops-to-env',
    uidEnv: 'PUID',
    gidEnv: 'PGID',
    defaultUid: 911,
    defaultGid: 911,
    via: 's6-overlay init-adduser (usermod abc to PUID/PGID) and s6-setuidgid abc',
  },
  preparesAsRoot: ['/config'],
  chownsTreeWhileForeign: ['/config/Library'],
  source:
    'linuxserver/docker-baseimage-ubuntu noble:root/etc/s6-overlay/s6-rc.d/init-adduser/run (groupmod/usermod abc to PGID/PUID, default 911; lsiown abc:abc /config); linuxserver/docker-plex 1.43.3.10828-00f62d37d-ls315:root/etc/s6-overlay/s6-rc.d/svc-plex/run (s6-setuidgid abc), init-plex-chown/run (lsiown -R abc:abc /config/Library when its owner is not PUID)',
};

/** Who Plex runs as and what it writes (sources: docs/app-facts-verified.md). */
export const PLEX_FACTS: AppFacts = {
  images: { 'lscr.io/linuxserver/plex': LINUXSERVER },
  containers: {
    'plex/plex': {
      writes: ['/config', '/transcode', `${PLEX_APP_SUPPORT}/Drivers`, `${PLEX_APP_SUPPORT}/Cache`],
      source: 'linuxserver/docker-plex (config in /config; transcoder temp dir /transcode set in the stack); ClusterPlex shares Drivers and Cache (pabloromeo/clusterplex#321)',
    },
    'plex/plex-token': { writes: ['/tmp'], source: 'src/apps/plex/plex-token.py (reads Preferences.xml, writes only its heartbeat in /tmp)' },
    'plex-setup/plex-setup': { writes: ['/tmp'], source: 'src/apps/plex/plex-setup.py (HTTP only)' },
  },
};

/**
 * Plex's HTTP API as plex-setup uses it (sources: docs/app-facts-verified.md, "Plex setup"): the
 * preference ids of `GET/PUT /:/prefs` and, per Arr kind, the library section it fills
 * (`POST /library/sections` type, agent and scanner of Plex's current agents).
 */
export const PLEX_PREFS = {
  transcoderTempDirectory: 'TranscoderTempDirectory',
  hardwareAcceleration: 'HardwareAcceleratedCodecs',
  allowedNetworks: 'allowedNetworks',
  lanNetworks: 'LanNetworksBandwidth',
} as const;

export interface PlexLibraryKind {
  /** The section type (`movie`, `show`, `artist`). */
  readonly type: string;
  /** The name a new library gets. */
  readonly name: string;
  readonly agent: string;
  readonly scanner: string;
}

/** The library each Arr kind's media goes into; kinds without a row get none. */
export const PLEX_LIBRARY_OF_ARR: Readonly<Record<string, PlexLibraryKind>> = {
  radarr: { type: 'movie', name: 'Movies', agent: 'tv.plex.agents.movie', scanner: 'Plex Movie' },
  sonarr: { type: 'show', name: 'TV Shows', agent: 'tv.plex.agents.series', scanner: 'Plex TV Series' },
  lidarr: { type: 'artist', name: 'Music', agent: 'tv.plex.agents.music', scanner: 'Plex Music' },
};

/** Where the claimed server keeps its token: the PlexOnlineToken attribute of this file. */
export const PLEX_PREFERENCES_XML = `${PLEX_APP_SUPPORT}/Preferences.xml`;
