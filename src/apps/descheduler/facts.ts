import type { AppFacts } from '../../gates/behaviour-facts.js';

/** The descheduler's image (sources: docs/app-facts-verified.md, "Descheduler (failback)"). */
export const DESCHEDULER_IMAGES = {
  // renovate: datasource=docker depName=registry.k8s.io/descheduler/descheduler
  descheduler: 'registry.k8s.io/descheduler/descheduler:v0.34.0',
} as const;

/** Object names of failback: the CronJob/Deployment (its pods' app label), its ServiceAccount and container. */
export const DESCHEDULER = 'descheduler';
/** The init container that checks the queues before each run. */
export const IMPORT_GUARD = 'import-guard';

/** The binary in the image (its Dockerfile copies it there; the image has no shell). */
export const DESCHEDULER_BINARY = '/bin/descheduler';

/** The port of its HTTPS health endpoint `/healthz` (self-signed, as upstream's manifests probe it). */
export const DESCHEDULER_HEALTH_PORT = 10258;

/** The policy API version the pinned release reads (`descheduler/v1alpha2`, kind DeschedulerPolicy). */
export const DESCHEDULER_POLICY_API = 'descheduler/v1alpha2';

/** Who the descheduler runs as and what it writes, keyed as the behaviour gate looks them up. */
export const DESCHEDULER_FACTS: AppFacts = {
  images: {
    'registry.k8s.io/descheduler/descheduler': {
      imageUser: { uid: 1000, gid: 0 },
      asRoot: { kind: 'stays-root' },
      source: 'kubernetes-sigs/descheduler v0.34.0:Dockerfile (FROM scratch, USER 1000, COPY .../descheduler /bin/descheduler)',
    },
  },
  containers: {
    'descheduler/descheduler': {
      writes: [],
      source:
        'kubernetes-sigs/descheduler v0.34.0 kubernetes/deployment/deployment.yaml and kubernetes/cronjob/cronjob.yaml (readOnlyRootFilesystem: true, no volume but the policy ConfigMap)',
    },
    'descheduler/import-guard': {
      writes: ['/tmp', '/run/descheduler'],
      source: 'src/apps/descheduler/import-guard.py (writes the policy of this run to /run/descheduler; python3 with PYTHONDONTWRITEBYTECODE)',
    },
  },
};
