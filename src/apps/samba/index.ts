import { CLAIMS, downloadsVolume, PATHS } from '../../lib/storage.js';
import { defineAppModule } from '../module.js';
import { namespaceOf, storageBase } from '../shared-storage/index.js';
import { sambaConfig } from './config.js';
import { SAMBA_FACTS } from './facts.js';
import { Samba } from './samba.js';
import { sambaSection } from './runbook.js';

export const sambaModule = defineAppModule({
  folder: 'samba',
  runbook: [sambaSection],
  config: sambaConfig,
  facts: SAMBA_FACTS,
  build({ scope, config: cfg, parts, add }) {
    const s = cfg.apps.samba;
    if (!s.enabled) return;
    if (!parts.mediaLibrary) throw new Error('the shared-storage module must come before samba in the registry (no mediaLibrary)');
    // Longhorn mode has a downloads claim only with qBittorrent (it creates it); a host path always exists.
    const downloads =
      parts.downloads ?? (cfg.storage.mode === 'hostPath' ? { volume: downloadsVolume(cfg), mount: { volume: CLAIMS.downloads, path: PATHS.downloads } } : undefined);
    add(
      new Samba(scope, 'samba', {
        namespace: namespaceOf(parts),
        library: parts.mediaLibrary,
        downloads: s.shareDownloads ? downloads : undefined,
        users: s.users,
        workgroup: s.workgroup,
        serviceType: s.serviceType,
        resources: s.resources,
        dependsOn: storageBase(parts),
      }),
    );
  },
});
