import type { ResourcesConfig } from '../../config/types.js';

/**
 * What differs between the Servarr apps built from the one pattern (src/apps/servarr/arr.ts).
 * Each kind's row lives in its own folder (src/apps/<kind>/facts.ts); `ARR_KINDS` lists them.
 */
export interface ArrKindSpec {
  /** App name: the config key, the default instance name and the env prefix (`SONARR__…`). */
  readonly name: string;
  /** Display name, e.g. `Sonarr`. */
  readonly title: string;
  /** The listening port (ConfigFileProvider default). */
  readonly port: number;
  readonly image: string;
  /** Version of the API the other apps and the wiring call, e.g. `v3` (Sonarr/Radarr) or `v1` (Prowlarr). */
  readonly apiVersion: string;
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
  };
}
