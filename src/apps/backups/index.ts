import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { StackConfig } from '../../config/types.js';
import { defineAppModule } from '../module.js';
import { namespaceOf } from '../shared-storage/index.js';
import { HostPathBackups, LonghornBackups, type DataDirectory } from './backups.js';
import { backupsConfig } from './config.js';
import { BACKUPS_FACTS } from './facts.js';
import { backupsSection } from './runbook.js';

declare module '../module.js' {
  interface StackParts {
    /** The config backups (Longhorn RecurringJobs, or the host-path CronJobs). */
    backups?: LonghornBackups | HostPathBackups;
  }
}

/** Every object built so far, as its JSON (the modules before this one are complete). */
function builtObjects(scope: Construct): { object: ApiObject; json: { kind: string; spec?: Record<string, unknown> } }[] {
  return scope.node
    .findAll()
    .filter((c): c is ApiObject => c instanceof ApiObject)
    .map((object) => ({ object, json: object.toJson() as { kind: string; spec?: Record<string, unknown> } }));
}

/** Longhorn layout: the claims of the config StorageClass (every app's config, and the PostgreSQL dumps). */
function configClaims(scope: Construct, cfg: StackConfig): ApiObject[] {
  return builtObjects(scope)
    .filter(({ json }) => json.kind === 'PersistentVolumeClaim' && json.spec?.storageClassName === cfg.storage.configStorageClass)
    .map(({ object }) => object);
}

/**
 * Host-path layout: each app's `<root>/config/<instance>` as its pods mount it, once each, in
 * build order. PostgreSQL's data directory is left out: a copy of a live data directory is no
 * backup, its databases are dumped instead.
 */
function dataDirectories(scope: Construct, cfg: StackConfig): DataDirectory[] {
  const root = `${cfg.storage.hostPathRoot}/config/`;
  const found = new Map<string, string>();
  for (const { json } of builtObjects(scope)) {
    if (json.kind !== 'StatefulSet' && json.kind !== 'Deployment') continue;
    const template = (json.spec?.template ?? {}) as { spec?: { volumes?: { hostPath?: { path: string } }[] } };
    for (const v of template.spec?.volumes ?? []) {
      const path = v.hostPath?.path;
      if (!path?.startsWith(root)) continue;
      const instance = path.slice(root.length);
      if (instance && !instance.includes('/') && instance !== 'postgres') found.set(instance, path);
    }
  }
  return [...found].map(([instance, path]) => ({ instance, path }));
}

/** Last: it backs up the config of every app built before it. */
export const backupsModule = defineAppModule({
  folder: 'backups',
  config: backupsConfig,
  facts: BACKUPS_FACTS,
  runbook: [backupsSection],
  build({ scope, config: cfg, parts, add }) {
    const b = cfg.apps.backups;
    if (!b.enabled) return;
    if (cfg.storage.mode === 'longhorn') {
      if (b.target.startsWith('/'))
        throw new Error(
          `apps.backups.target: '${b.target}' is a host directory, which the Longhorn layout cannot use; give the NAS as 'nfs://<server>:/<path>' or 'cifs://<server>/<share>'`,
        );
      parts.backups = add(new LonghornBackups(scope, 'config-backups', { backups: b, claims: configClaims(scope, cfg) }));
      return;
    }
    if (b.target.startsWith('cifs://'))
      throw new Error(
        `apps.backups.target: '${b.target}' is an SMB share, which a pod cannot mount without a CSI driver; in the host-path layout use 'nfs://<server>:/<path>' or a host directory`,
      );
    const backups = add(
      new HostPathBackups(scope, 'config-backups', { namespace: namespaceOf(parts), backups: b, directories: dataDirectories(scope, cfg), postgres: parts.postgres !== undefined }),
    );
    backups.addDependency(parts.postgres);
    parts.backups = backups;
  },
});
