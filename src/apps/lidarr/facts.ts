import type { ArrKindSpec } from '../servarr/kinds.js';

/**
 * Lidarr (music): its row of the Servarr kinds table. Sources (docs/app-facts-verified.md §14):
 * home-operations/containers apps/lidarr (image, `--data=/config`, USER nobody), Lidarr
 * ConfigFileProvider.cs (`GetValueInt("Port", 8686)`), src/Lidarr.Api.V1 (`/api/v1`),
 * QBittorrentSettings.cs (`MusicCategory`).
 */
export const LIDARR: ArrKindSpec = {
  name: 'lidarr',
  title: 'Lidarr',
  port: 8686,
  // renovate: datasource=docker depName=ghcr.io/home-operations/lidarr
  image: 'ghcr.io/home-operations/lidarr:3.1.3.4987',
  apiVersion: 'v1',
  resources: { cpuRequest: '100m', memoryRequest: '512Mi', memoryLimit: '2Gi' },
  configSize: '10Gi',
  internetWhy: 'metadata lookups and release downloads',
  // The music library next to tv/ and movies/ in the media library (/mnt/media/music).
  library: { folder: 'music', categoryField: 'musicCategory' },
};
