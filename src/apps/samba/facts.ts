import { rootImage, type AppFacts } from '../../gates/behaviour-facts.js';

/** Samba's facts (sources: docs/app-facts-verified.md). */

// renovate: datasource=docker depName=quay.io/samba.org/samba-server
export const SAMBA_IMAGE = 'quay.io/samba.org/samba-server:v0.9';

export const SMB_PORT = 445;

/** Who the process runs as and what it writes (the behaviour gate's input). */
export const SAMBA_FACTS: AppFacts = {
  images: {
    'quay.io/samba.org/samba-server': rootImage('samba-in-kubernetes/samba-container v0.9:images/server/Containerfile.fedora (no USER; ENTRYPOINT samba-container, CMD run smbd)'),
  },
  containers: {
    // smbd runs as root but writes share files as the authenticated user (uid from users.json): not modelled.
    'samba/render-users': { writes: ['/etc/samba-users'], source: 'src/apps/samba/samba.ts (renders users.json)' },
    'samba/samba': { writes: [], source: 'samba-in-kubernetes/samba-container v0.9 (root; share writes happen as the mapped user, not modelled)' },
  },
};
