import type { VolumeHandle } from '../../lib/handles.js';
import { CLAIMS, downloadsVolume, PATHS } from '../../lib/storage.js';
import { defineAppModule } from '../module.js';
import { storageBase } from '../shared-storage/index.js';
import { qbittorrentConfig } from './config.js';
import { QBITTORRENT_FACTS } from './facts.js';
import { QBittorrent } from './qbittorrent.js';

declare module '../module.js' {
  interface StackParts {
    qbittorrent?: QBittorrent;
    /** The shared downloads (its owner only in Longhorn mode, where qBittorrent creates the claim). */
    downloads?: VolumeHandle;
  }
}

/** In Longhorn mode qBittorrent creates the downloads claim the Arrs mount, so it comes before them. */
export const qbittorrentModule = defineAppModule({
  folder: 'qbittorrent',
  config: qbittorrentConfig,
  facts: QBITTORRENT_FACTS,
  build({ scope, config: cfg, parts, add }) {
    if (!cfg.apps.qbittorrent.enabled) return;
    const storageClasses = parts.storageClasses ? [parts.storageClasses] : [];
    const qbittorrent = (parts.qbittorrent = add(new QBittorrent(scope, 'qbittorrent', cfg, { dependsOn: [...storageBase(parts), ...storageClasses] })));
    parts.downloads = {
      volume: downloadsVolume(cfg),
      mount: { volume: CLAIMS.downloads, path: PATHS.downloads },
      owner: cfg.storage.mode === 'longhorn' ? qbittorrent : undefined,
    };
  },
});
