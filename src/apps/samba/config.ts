import { appSchema, type AppConfigSlice } from '../../config/apps.js';
import { bool, oneOf, str, strList } from '../../config/schema.js';
import type { AppConfig } from '../../config/types.js';

export interface SambaConfig extends AppConfig {
  /** SMB users; each gets a generated password in the `samba-secrets` Secret. @default ['media'] */
  readonly users: readonly string[];
  /** @default 'WORKGROUP' */
  readonly workgroup: string;
  /**
   * Service type for port 445. k3s ServiceLB (klipper-lb) serves a LoadBalancer on the node's
   * own address, so clients connect to `smb://<node>/library`. @default 'LoadBalancer'
   */
  readonly serviceType: 'LoadBalancer' | 'ClusterIP' | 'NodePort';
  /** Share the downloads folder too (read-write). @default true */
  readonly shareDownloads: boolean;
}

declare module '../../config/types.js' {
  interface AppsConfig {
    /** Samba file shares of the library and downloads. @default - disabled */
    readonly samba: SambaConfig;
  }
}

/** User names Samba and Linux both accept. */
const sambaUser = str(/^[a-z_][a-z0-9_-]{0,31}$/, 'use a lower-case user name such as "media" (letters, digits, "_" and "-", at most 32)');

export const sambaConfig: AppConfigSlice<'samba'> = {
  key: 'samba',
  schema: appSchema({
    users: strList(sambaUser),
    workgroup: str(/^[A-Za-z0-9_-]{1,15}$/, 'use a NetBIOS workgroup name such as "WORKGROUP" (at most 15 characters)'),
    serviceType: oneOf(['LoadBalancer', 'ClusterIP', 'NodePort']),
    shareDownloads: bool,
  }),
  defaults: { enabled: false, users: ['media'], workgroup: 'WORKGROUP', serviceType: 'LoadBalancer', shareDownloads: true },
};
