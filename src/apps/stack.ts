import { App, Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import type { StackConfig } from '../config/types.js';
import { Component } from '../lib/component.js';
import { EXTERNAL_SECRETS_API_VERSION } from '../secrets/external-secrets.js';

/** Folder (under apps/<namespace>) of the External Secrets SecretStore. */
export const SECRET_STORE_DIR = 'secret-store';
/** CEL: the SecretStore's Ready condition is True (missing status: not yet). */
export const SECRET_STORE_READY = "status.conditions.exists(c, c.type == 'Ready' && c.status == 'True')";
import { ArrWiring } from './arr-wiring/index.js';
import { Byparr } from './byparr.js';
import { ClusterPlex } from './clusterplex.js';
import { Configarr } from './configarr.js';
import { Decypharr } from './decypharr.js';
import { FlareSolverr } from './flaresolverr.js';
import { IntelGpuPlugin } from './intel-gpu-plugin.js';
import { Plex } from './plex.js';
import { Postgres } from './postgres.js';
import { Profilarr } from './profilarr.js';
import { Prowlarr } from './prowlarr.js';
import { Pulsarr } from './pulsarr.js';
import { QBittorrent } from './qbittorrent.js';
import { Radarr } from './radarr.js';
import { Samba } from './samba.js';
import { MediaNamespace, NfsVolumes, StorageClasses, SymlinkLibrary } from './shared-storage.js';
import { Sonarr } from './sonarr.js';

/**
 * The whole media stack as one chart. Components are created in the seed's phase order and
 * depend on what they need first (Flux `dependsOn`):
 * infrastructure → namespace and storage → Sonarr/Radarr → Prowlarr/Profilarr → Decypharr →
 * Plex → ClusterPlex → Pulsarr. The seed-004 components join when enabled: PostgreSQL and
 * qBittorrent before the Arrs (databases and the downloads volume exist first), FlareSolverr,
 * Byparr, Configarr and Samba after Pulsarr.
 */
export class MediaStack extends Chart {
  /** Every component, in creation (phase) order. */
  readonly components: Component[] = [];

  /** Things the operator must know (e.g. kubelet settings a component needs), for the synth to print. */
  get warnings(): string[] {
    return this.components.flatMap((c) => [...c.warnings]);
  }

  constructor(scope: Construct, id: string, readonly config: StackConfig) {
    super(scope, id, { disableResourceNameHashes: true });
    const cfg = config;
    const a = cfg.apps;
    const add = <T extends Component>(c: T): T => {
      this.components.push(c);
      return c;
    };
    const longhorn = cfg.storage.mode === 'longhorn';

    const gpuPlugin = a.intelGpuPlugin.enabled ? add(new IntelGpuPlugin(this, 'intel-gpu-plugin', cfg)) : undefined;
    const storageClasses = longhorn ? add(new StorageClasses(this, 'storage-classes', cfg)) : undefined;
    const ns = add(new MediaNamespace(this, 'namespace', cfg));
    const nfs = longhorn ? add(new NfsVolumes(this, 'nfs', cfg, { dependsOn: [ns] })) : undefined;
    const symlinks = longhorn
      ? add(new SymlinkLibrary(this, 'symlink-library', cfg, { dependsOn: [ns, ...(storageClasses ? [storageClasses] : [])] }))
      : undefined;
    const base = [ns, nfs, symlinks].filter((c): c is Component => c !== undefined);

    // Seed 004: the databases must exist before the Arrs start (their init containers also wait);
    // in Longhorn mode qBittorrent creates the downloads claim the Arrs mount.
    const postgres = a.postgres.enabled ? add(new Postgres(this, 'postgres', cfg, { dependsOn: base })) : undefined;
    const qbittorrent = a.qbittorrent.enabled
      ? add(new QBittorrent(this, 'qbittorrent', cfg, { dependsOn: [...base, ...(storageClasses ? [storageClasses] : [])] }))
      : undefined;
    const arrBase = [...base, ...(postgres ? [postgres] : []), ...(qbittorrent && longhorn ? [qbittorrent] : [])];

    const arrs: Component[] = [];
    for (const [kind, Ctor] of [['sonarr', Sonarr], ['radarr', Radarr]] as const) {
      const app = a[kind];
      if (!app.enabled) continue;
      arrs.push(add(new Ctor(this, kind, cfg, { dependsOn: arrBase })));
      for (const suffix of app.extraInstances) {
        arrs.push(add(new Ctor(this, `${kind}-${suffix}`, cfg, { instance: `${kind}-${suffix}`, dependsOn: arrBase })));
      }
    }
    const prowlarr = a.prowlarr.enabled ? add(new Prowlarr(this, 'prowlarr', cfg, { dependsOn: [ns, ...(postgres ? [postgres] : []), ...arrs] })) : undefined;
    if (a.profilarr.enabled) add(new Profilarr(this, 'profilarr', cfg, { dependsOn: [ns, ...arrs] }));
    const decypharr = a.decypharr.enabled ? add(new Decypharr(this, 'decypharr', cfg, { dependsOn: [...base, ...arrs] })) : undefined;
    const plex = a.plex.enabled
      ? add(
          new Plex(this, 'plex', cfg, {
            dependsOn: [...base, ...(decypharr ? [decypharr] : []), ...(a.plex.gpu && gpuPlugin ? [gpuPlugin] : [])],
          }),
        )
      : undefined;
    if (a.clusterplex.enabled && plex) {
      add(new ClusterPlex(this, 'clusterplex', cfg, { dependsOn: [plex, ...(gpuPlugin ? [gpuPlugin] : [])] }));
    }
    if (a.pulsarr.enabled) add(new Pulsarr(this, 'pulsarr', cfg, { dependsOn: [ns, ...arrs, ...(plex ? [plex] : [])] }));
    if (a.flaresolverr.enabled) add(new FlareSolverr(this, 'flaresolverr', cfg, { dependsOn: [ns] }));
    if (a.byparr.enabled) add(new Byparr(this, 'byparr', cfg, { dependsOn: [ns] }));
    if (a.configarr.enabled) add(new Configarr(this, 'configarr', cfg, { dependsOn: [ns, ...arrs] }));
    if (a.samba.enabled) add(new Samba(this, 'samba', cfg, { dependsOn: base }));
    // After everything it wires: adds the Arrs to Prowlarr, download clients, root folders and
    // indexer proxies through the apps' APIs (nothing to do without Sonarr/Radarr or Prowlarr).
    if (a.arrWiring.enabled && (arrs.length > 0 || prowlarr)) {
      add(new ArrWiring(this, 'arr-wiring', cfg, { dependsOn: [ns, ...arrs, ...(prowlarr ? [prowlarr] : [])] }));
    }
    if (cfg.secrets.backend === 'external-secrets') {
      // Its own folder: the SecretStore needs the External Secrets CRDs and the bootstrap Secret,
      // and must not hold up the namespace (and so everything) while those are missing.
      const store = add(
        new Component(this, 'secret-store', {
          dir: `apps/${cfg.namespace}/${SECRET_STORE_DIR}`,
          fluxName: `${cfg.namespace}-${SECRET_STORE_DIR}`,
          namespace: cfg.namespace,
          dependsOn: [ns],
          // The apps with Secrets depend on it: ready only once the store authenticated. kstatus
          // alone counts a store without conditions yet as current, so ask for Ready=True.
          wait: true,
          healthCheckExprs: [{ apiVersion: EXTERNAL_SECRETS_API_VERSION, kind: 'SecretStore', current: SECRET_STORE_READY }],
          description: `the Infisical SecretStore the ExternalSecrets of ${cfg.namespace} read`,
        }),
      );
      for (const c of this.components) if (c.secrets.length > 0) c.addDependency(store);
    }
  }
}

/** Builds the chart for a config (no files are written). */
export function buildStack(config: StackConfig): MediaStack {
  const app = new App({ outdir: '/nonexistent-cdk8s-outdir' });
  return new MediaStack(app, 'media-stack', config);
}
