import { appSchema, type AppConfigSlice } from '../../config/apps.js';
import { bool, hostPath, ipv4, loginName, node } from '../../config/schema.js';
import type { AppConfig } from '../../config/types.js';

/** The `decypharr-setup` job: Decypharr's UI login from a generated Secret. */
export interface DecypharrSetupConfig {
  /**
   * Register the UI login while Decypharr has none (it asks for one on the first visit): user
   * `user`, password generated into `decypharr-secrets/admin-password`. Off: the first visit
   * registers it, as before.
   * @default true
   */
  readonly enabled: boolean;
  /** The login's user name. @default 'admin' */
  readonly user: string;
}

export interface DecypharrConfig extends AppConfig {
  /**
   * Host directory the FUSE DFS mount is propagated to (a dedicated one: never `/` or a system
   * directory); the mount itself lives in its subdirectory `dfs` (created for the stack user by
   * Decypharr's pod).
   * @default '/mnt/k8s/decypharr-dfs'
   */
  readonly dfsHostPath: string;
  /**
   * Pinned ClusterIP of the `decypharr-nfs` Service. Nodes mount the export by IP because kubelet
   * cannot resolve Service names. Must be unused and in the static band of the cluster's service
   * CIDR: its first min(max(16, size/16), 256) addresses (KEP-3070), which dynamic allocation
   * takes last; not the first (`kubernetes`) or the 10th (cluster DNS) address.
   * @default '10.43.0.49' (k3s default service CIDR 10.43.0.0/16: static band 10.43.0.1–10.43.1.0)
   */
  readonly nfsClusterIP: string;
  /** Usenet provider credentials are required (else only Real-Debrid). @default true */
  readonly usenet: boolean;
  /** First-run setup of its UI login by the `decypharr-setup` job. @default - on, user 'admin' */
  readonly setup: DecypharrSetupConfig;
}

declare module '../../config/types.js' {
  interface AppsConfig {
    /** Decypharr (debrid/usenet client with the DFS mount and its NFS export). @default - enabled */
    readonly decypharr: DecypharrConfig;
  }
}

export const decypharrConfig: AppConfigSlice<'decypharr'> = {
  key: 'decypharr',
  schema: appSchema({ dfsHostPath: hostPath, nfsClusterIP: ipv4, usenet: bool, setup: node({ enabled: bool, user: loginName }) }),
  defaults: { enabled: true, dfsHostPath: '/mnt/k8s/decypharr-dfs', nfsClusterIP: '10.43.0.49', usenet: true, setup: { enabled: true, user: 'admin' } },
};
