import type { VolumeHandle } from '../../lib/handles.js';
import { defineAppModule } from '../module.js';
import { enabledArrs } from '../servarr/arr.js';
import { namespaceOf, storageBase } from '../shared-storage/index.js';
import { qbittorrentConfig } from './config.js';
import { QBITTORRENT_FACTS } from './facts.js';
import { QBittorrent } from './qbittorrent.js';
import { qbittorrentSection } from './runbook.js';

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
  runbook: [qbittorrentSection],
  config: qbittorrentConfig,
  facts: QBITTORRENT_FACTS,
  build({ scope, config: cfg, parts, add }) {
    const q = cfg.apps.qbittorrent;
    if (!q.enabled) return;
    const storageClasses = parts.storageClasses ? [parts.storageClasses] : [];
    const qbittorrent = (parts.qbittorrent = add(
      new QBittorrent(scope, 'qbittorrent', {
        namespace: namespaceOf(parts),
        vpn: q.vpn,
        // Built before the library managers (they mount its downloads): their endpoints from the config.
        clients: enabledArrs(cfg),
        webUiPort: q.webUiPort,
        downloadsSize: q.downloadsSize,
        ingress: q.ingress,
        resources: q.resources,
        configSize: q.configSize,
        dependsOn: [...storageBase(parts), ...storageClasses],
      }),
    ));
    parts.downloads = qbittorrent.downloads;
  },
});
