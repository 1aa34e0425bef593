/**
 * Behaviour facts of what several apps share: the helper images of the stack's own init
 * containers and jobs (busybox, curl, postgres-init, python) and the home-operations image family.
 * Sources: docs/app-facts-verified.md ("Process users and volume ownership").
 */
import { HOME_OPERATIONS, rootImage, type AppFacts } from '../gates/behaviour-facts.js';
import { PREPARE_HOST_DIRS } from './pod.js';

/** The facts no single app owns; app keys here move into the app's facts.ts with its module. */
export const SHARED_FACTS: AppFacts = {
  images: {
    'ghcr.io/home-operations/postgres-init': HOME_OPERATIONS,
    busybox: rootImage('docker-library/busybox 9c20878:Dockerfile.template (FROM scratch, no USER, CMD ["sh"])'),
    python: rootImage('docker-library/python 228f71e:3.14/alpine3.24/Dockerfile (FROM alpine:3.24, no USER, CMD ["python3"]); the setup jobs always run as the stack user'),
    'curlimages/curl': {
      // adduser -S: a system uid, whatever Alpine assigns; the stack always sets runAsUser.
      imageUser: 'unverified',
      asRoot: { kind: 'stays-root' },
      source: 'curl/curl-container 96c8e58:create_base_image.sh (adduser -S curl_user), create_appliance_image.sh (buildah config --user curl_user)',
    },
  },
  containers: {
    [`*/${PREPARE_HOST_DIRS}`]: { writes: [], source: 'src/lib/pod.ts hostDirsInitContainer (chown only)' },
    '*/wait-for-decypharr-dfs': {
      writes: [],
      // Multi-node readers read through rclone's export of the mount: both must be up.
      waitsFor: [
        { app: 'decypharr', container: 'decypharr', signal: 'dfs-mounted' },
        { app: 'decypharr', container: 'rclone-nfs-server', signal: 'dfs-exported' },
      ],
      source: "src/apps/servarr/arr.ts, the readers' init container: until [ -f <dfsPath>/version.txt ]",
    },
    '*/postgres-init': { writes: [], source: 'home-operations/containers apps/postgres-init/entrypoint.sh (psql only)' },
  },
};
