import { HOME_OPERATIONS, type AppFacts } from '../../gates/behaviour-facts.js';
import { ARR_LIBRARY_WRITES, type ArrKindSpec } from '../servarr/kinds.js';

// renovate: datasource=docker depName=ghcr.io/home-operations/lidarr
const LIDARR_IMAGE = 'ghcr.io/home-operations/lidarr:3.1.3.4987';

/** Lidarr ConfigFileProvider.cs: `GetValueInt("Port", 8686)`. */
const LIDARR_PORT = 8686;

/**
 * Lidarr (music): its row of the Servarr kinds table. Sources (docs/app-facts-verified.md §14):
 * home-operations/containers apps/lidarr (image, `--data=/config`, USER nobody), Lidarr
 * ConfigFileProvider.cs (`GetValueInt("Port", 8686)`), src/Lidarr.Api.V1 (`/api/v1`),
 * QBittorrentSettings.cs (`MusicCategory`).
 */
export const LIDARR: ArrKindSpec = {
  name: 'lidarr',
  title: 'Lidarr',
  port: LIDARR_PORT,
  image: LIDARR_IMAGE,
  apiVersion: 'v1',
  resources: { cpuRequest: '100m', memoryRequest: '512Mi', memoryLimit: '2Gi' },
  configSize: '10Gi',
  internetWhy: 'metadata lookups and release downloads',
  // The music library next to tv/ and movies/ in the media library (/mnt/media/music).
  library: {
    folder: 'music',
    categoryField: 'musicCategory',
    prowlarrImplementation: 'Lidarr',
    // Lidarr v2.14.5.4836: RootFolderController validates a non-empty Name and existing default
    // metadata/quality profile ids; a fresh Lidarr has the profiles (created at start), and its
    // metadata profile "None" (MetadataProfileService.NONE_PROFILE_NAME) allows no album type.
    rootFolderNamed: true,
    rootFolderProfiles: [
      { field: 'defaultMetadataProfileId', resource: 'metadataprofile', except: 'None' },
      { field: 'defaultQualityProfileId', resource: 'qualityprofile' },
    ],
  },
};

/** Who the process runs as and what it writes (the behaviour gate's input). */
export const LIDARR_FACTS: AppFacts = {
  images: { 'ghcr.io/home-operations/lidarr': HOME_OPERATIONS },
  containers: {
    'lidarr/lidarr': {
      writes: ['/config', '/tmp'],
      writesIfMounted: ARR_LIBRARY_WRITES,
      source: 'home-operations apps/lidarr/entrypoint.sh (--data=/config); root folders /mnt/media/music, /mnt/streaming-media/<instance>; imports from /mnt/downloads',
    },
  },
};
