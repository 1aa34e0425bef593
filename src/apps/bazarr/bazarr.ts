import type { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type * as k8s from '../../../imports/k8s.js';
import type { ResourcesConfig } from '../../config/types.js';
import { Component } from '../../lib/component.js';
import { useVolume, type VolumeHandle } from '../../lib/handles.js';
import { container, withOverrides, type EnvValue } from '../../lib/pod.js';
import { storageNodePlacement } from '../../lib/placement.js';
import { addConfigClaim, configVolume, PATHS } from '../../lib/storage.js';
import { addHeadlessService, addIngress, addService, addWorkload, scratchVolume } from '../../lib/workload.js';
import type { ArrEndpoint } from '../servarr/arr.js';
import type { MediaNamespace } from '../shared-storage/shared-storage.js';
import { BAZARR } from './facts.js';

/** Bazarr's settings have one `sonarr` and one `radarr` section. */
type BazarrArrSection = 'sonarr' | 'radarr';

/**
 * The env that connects Bazarr to an Arr. Its settings are a Dynaconf object over
 * /config/config/config.yaml whose env loader runs after the file (prefix `DYNACONF_`, `__` for
 * nesting), so these win on every start. Below the section the names are lower case: Dynaconf
 * keeps a nested key's case as given, and Bazarr's keys are lower case (an upper-case `APIKEY`
 * would be written back to config.yaml beside them and missed by its UI). Dynaconf TOML-parses
 * values: the API key is forced to a string with `@str`, and comes from the Arr's own Secret
 * through the variable defined just before it (Kubernetes expands `$(VAR)`), so no key is ever
 * written into the manifest. Checked against the real library: test/executed/bazarr-dynaconf.test.ts.
 */
function bazarrArrEnv(section: BazarrArrSection, arr: ArrEndpoint): Record<string, EnvValue> {
  const keyVar = `${section.toUpperCase()}_API_KEY`;
  const s = `DYNACONF_${section.toUpperCase()}__`;
  return {
    [`DYNACONF_GENERAL__use_${section}`]: 'true',
    [keyVar]: arr.apiKey,
    [`${s}ip`]: new URL(arr.url).hostname,
    [`${s}port`]: String(arr.port),
    [`${s}base_url`]: '/',
    [`${s}ssl`]: 'false',
    [`${s}apikey`]: `@str $(${keyVar})`,
  };
}

export interface BazarrProps {
  /** The namespace (Bazarr depends on it; its site settings place and configure the pod). */
  readonly namespace: MediaNamespace;
  /** The permanent media library: subtitles are written next to the videos. */
  readonly media: VolumeHandle;
  /** The symlink library (streaming downloads): subtitles next to the symlinks. */
  readonly symlinks: VolumeHandle;
  /** Decypharr's DFS, where the symlinks point (read to hash and probe the videos). @default - no DFS */
  readonly dfs?: VolumeHandle;
  /** The Sonarr it fetches subtitles for. @default - none (connect one in Bazarr's UI) */
  readonly sonarr?: ArrEndpoint;
  /** The Radarr it fetches subtitles for. @default - none (connect one in Bazarr's UI) */
  readonly radarr?: ArrEndpoint;
  /** Container resources over the defaults. @default - 50m / 256Mi requested, 1Gi limit */
  readonly resources?: Partial<ResourcesConfig>;
  /** Size of the config volume. @default '2Gi' */
  readonly configSize?: string;
  /**
   * Give the web UI its Ingress in `ingress.auth.mode: 'apps'` (Bazarr has no login until one is
   * set in its UI, and its page carries its API key). @default false
   */
  readonly ingress?: boolean;
  /** Further components to apply first (after the ones its handles bring). @default [] */
  readonly dependsOn?: readonly Component[];
}

/**
 * Bazarr: subtitles for what Sonarr and Radarr manage. It asks them for their files over their
 * APIs and writes each subtitle next to its video, so it mounts the libraries (and the DFS the
 * symlinks point into) at the same paths as they do: no path mappings. Stateful (its database
 * and settings under /config). `ApiObject.of(bazarr)` is its StatefulSet.
 */
export class Bazarr extends Component {
  readonly workload: ApiObject;
  readonly service: ApiObject;
  /** @default - none until the Ingress is allowed (first-login rule) */
  readonly ingress?: ApiObject;

  constructor(scope: Construct, id: string, props: BazarrProps) {
    const site = props.namespace.site;
    super(scope, id, props.namespace.appFolder('bazarr', `Bazarr (subtitles) on port ${BAZARR.port}`));
    const used = [props.media, props.symlinks, ...(props.dfs ? [props.dfs] : [])].map((h) => useVolume(this, h));
    this.addDependency(...(props.dependsOn ?? []));

    addConfigClaim(this, site, 'bazarr', props.configSize ?? '2Gi');
    this.workload = addWorkload(this, site, {
      name: 'bazarr',
      controller: 'StatefulSet',
      pod: {
        ...storageNodePlacement(site),
        containers: [
          container({
            name: 'bazarr',
            image: BAZARR.image,
            ports: [{ name: 'http', port: BAZARR.port }],
            env: {
              TZ: site.timezone,
              ...(props.sonarr ? bazarrArrEnv('sonarr', props.sonarr) : {}),
              ...(props.radarr ? bazarrArrEnv('radarr', props.radarr) : {}),
            },
            mounts: [{ volume: 'config', path: PATHS.config }, { volume: 'tmp', path: '/tmp' }, ...used.map((v) => v.mount)],
            probes: { check: { http: BAZARR.health, port: 'http' } },
            resources: withOverrides({ cpuRequest: '50m', memoryRequest: '256Mi', memoryLimit: '1Gi' }, props.resources),
          }),
        ],
        volumes: [configVolume(site, 'bazarr'), scratchVolume(), ...used.map((v): k8s.Volume => v.volume)],
      },
    });
    this.node.defaultChild = this.workload;

    const self = { app: 'bazarr' };
    this.addCall({ from: self, to: 'internet', ports: 'any', why: 'subtitle providers' });
    for (const arr of [props.sonarr, props.radarr]) {
      if (arr)
        this.addCall({ from: self, to: { app: arr.kind, instance: arr.instance }, ports: [arr.port], why: 'lists series/movies and their files, and follows changes (SignalR)' });
    }
    this.service = addService(this, site, { name: 'bazarr', instance: 'bazarr', ports: [{ name: 'http', port: BAZARR.port }] });
    addHeadlessService(this, site, { name: 'bazarr', instance: 'bazarr', ports: [{ name: 'http', port: BAZARR.port }] });
    this.ingress = addIngress(this, site, {
      name: 'bazarr',
      instance: 'bazarr',
      service: 'bazarr',
      port: 'http',
      call: { to: self, port: BAZARR.port },
      firstLoginOptIn: props.ingress ?? false,
    });
  }
}
