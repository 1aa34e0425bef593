import type { ResourcesConfig } from '../../config/types.js';

/** An id a root folder body needs, looked up in the app at run time (ids are the app's own). */
export interface RootFolderProfileLookup {
  /** The body field that takes the id, e.g. `defaultQualityProfileId`. */
  readonly field: string;
  /** The API resource listing the candidates, e.g. `qualityprofile`. */
  readonly resource: string;
  /** A name never to pick (it would wire a folder that imports nothing). @default - none */
  readonly except?: string;
}

/**
 * What differs between the Servarr apps built from the one pattern (src/apps/servarr/arr.ts).
 * Each kind's row lives in its own folder (src/apps/<kind>/facts.ts); `ARR_KINDS` lists them.
 * The wiring job (src/apps/arr-wiring) reads the same rows: a new kind is one row.
 */
export interface ArrKindSpec {
  /** App name: the config key, the default instance name and the env prefix (`SONARR__…`). */
  readonly name: string;
  /** Display name, e.g. `Sonarr`. */
  readonly title: string;
  /** The listening port (ConfigFileProvider default). */
  readonly port: number;
  readonly image: string;
  /** Version of the API the other apps and the wiring call, e.g. `v3` (Sonarr/Radarr) or `v1` (Prowlarr, Lidarr). */
  readonly apiVersion: 'v1' | 'v3';
  /** Default container resources (overridden by `apps.<kind>.resources`). */
  readonly resources: ResourcesConfig;
  /** Default size of the config volume (overridden by `apps.<kind>.configSize`). */
  readonly configSize: string;
  /** What its internet egress is for (docs and NetworkPolicies). */
  readonly internetWhy: string;
  /**
   * A library manager (Sonarr, Radarr…): its media folder and download-client category field.
   * @default - the indexer manager (Prowlarr): no media mounts, no download clients
   */
  readonly library?: {
    /** Folder under the media library, e.g. `tv`. */
    readonly folder: string;
    /** The download client's category field in its API, e.g. `tvCategory`. */
    readonly categoryField: string;
    /** Prowlarr's application implementation for this kind (its settings contract is `<implementation>Settings`). */
    readonly prowlarrImplementation: string;
    /** The root folder body needs a `name` (Lidarr). @default false */
    readonly rootFolderNamed?: boolean;
    /** Profile ids the root folder body needs, looked up in the app at run time. @default - none */
    readonly rootFolderProfiles?: readonly RootFolderProfileLookup[];
  };
}

/** The libraries a library manager writes when the stack mounts them (root folders, imports from the downloads). */
export const ARR_LIBRARY_WRITES: readonly string[] = ['/mnt/media', '/mnt/streaming-media', '/mnt/downloads'];
