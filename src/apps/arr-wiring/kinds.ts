/**
 * What differs between the Arr kinds the wiring job wires, as data: one row per kind. Everything
 * else (the requests, the matching, the job's rule to only add what is missing) is the same for
 * every kind and lives in the static script. Sources: docs/app-facts-verified.md §9.
 */

/** The Arr kinds whose download clients and root folders the job adds, and that it adds to Prowlarr. */
export type WiredArrKind = 'sonarr' | 'radarr' | 'lidarr';

/** A lookup of an id the body needs, made at run time (ids are the app's own). */
interface ProfileLookup {
  /** The body field that takes the id, e.g. `defaultQualityProfileId`. */
  readonly field: string;
  /** The API resource listing the candidates, e.g. `qualityprofile`. */
  readonly resource: string;
  /** A name never to pick (it would wire a folder that imports nothing). @default - none */
  readonly except?: string;
}

interface WiredArrKindFacts {
  /** Display name, also the Prowlarr application's `implementation` (settings: `<title>Settings`). */
  readonly title: string;
  /** The API version in the URL path (`/api/v3`, Lidarr `/api/v1`). */
  readonly apiVersion: 'v1' | 'v3';
  /** The qBittorrent-settings field that holds the download category. */
  readonly categoryField: string;
  /** The folder under the permanent media library (`/mnt/media/<folder>`). */
  readonly libraryFolder: string;
  /** The root folder body needs a `name`. @default false */
  readonly rootFolderNamed?: boolean;
  /** Profile ids the root folder body needs, looked up in the app. @default - none */
  readonly rootFolderProfiles?: readonly ProfileLookup[];
}

export const WIRED_ARR_KINDS: Readonly<Record<WiredArrKind, WiredArrKindFacts>> = {
  sonarr: { title: 'Sonarr', apiVersion: 'v3', categoryField: 'tvCategory', libraryFolder: 'tv' },
  radarr: { title: 'Radarr', apiVersion: 'v3', categoryField: 'movieCategory', libraryFolder: 'movies' },
  // Lidarr v2.14.5.4836: RootFolderController validates a non-empty Name and existing default
  // metadata/quality profile ids; a fresh Lidarr has the profiles (created at start), and its
  // metadata profile "None" (MetadataProfileService.NONE_PROFILE_NAME) allows no album type.
  lidarr: {
    title: 'Lidarr',
    apiVersion: 'v1',
    categoryField: 'musicCategory',
    libraryFolder: 'music',
    rootFolderNamed: true,
    rootFolderProfiles: [
      { field: 'defaultMetadataProfileId', resource: 'metadataprofile', except: 'None' },
      { field: 'defaultQualityProfileId', resource: 'qualityprofile' },
    ],
  },
};
