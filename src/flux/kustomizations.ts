import { App, Chart } from 'cdk8s';
import {
  Kustomization,
  KustomizationSpecDecryptionProvider,
  KustomizationSpecDeletionPolicy,
  KustomizationSpecPostBuildSubstituteFromKind,
  KustomizationSpecSourceRefKind,
} from '../../imports/kustomize.toolkit.fluxcd.io.js';
import type { StackConfig } from '../config/types.js';
import type { Component } from '../lib/component.js';
import type { KubeObject } from '../output/model.js';

/** Name of the Secret holding the age identity that kustomize-controller decrypts with. */
export const SOPS_AGE_SECRET = 'sops-age';

export interface FluxComponentInfo {
  readonly component: Component;
  /** The folder (relative to the GitOps repository root) the Kustomization applies. */
  readonly path: string;
  /** The folder carries SOPS-encrypted Secrets. */
  readonly hasSopsSecrets: boolean;
  /** `spec.targetNamespace` (see `flux.targetNamespace`). @default - none */
  readonly targetNamespace?: string;
}

/**
 * One Flux Kustomization per component folder with a Kustomization of its own, as the anchors
 * (onedr0p/home-ops, cluster-template) write them: `interval`, `prune: true`, the GitRepository
 * with its namespace (so the file still works where an overlay moves the Kustomization), `wait`
 * or health checks only where others depend on readiness, `dependsOn` in the seed's phase order,
 * SOPS decryption on every one that carries an encrypted Secret, `deletionPolicy:
 * WaitForTermination` so a removed app's pods are gone before its volumes, and the config's
 * `targetNamespace` and `postBuild` options. `retryInterval` and `timeout` are set because Flux
 * would otherwise retry a failed apply only once per `interval` (1h).
 */
export function fluxKustomizations(cfg: StackConfig, infos: readonly FluxComponentInfo[]): KubeObject[] {
  const chart = new Chart(new App({ outdir: '/nonexistent-cdk8s-outdir' }), 'flux', { disableResourceNameHashes: true });
  const known = new Set(infos.map((i) => i.component));
  const { substitute, substituteFrom } = cfg.flux;
  const postBuild = {
    ...(Object.keys(substitute).length ? { substitute: { ...substitute } } : {}),
    ...(substituteFrom.length
      ? {
          substituteFrom: substituteFrom.map((ref) => {
            const [kind, name] = ref.split('/') as [string, string];
            return { kind: kind === 'Secret' ? KustomizationSpecPostBuildSubstituteFromKind.SECRET : KustomizationSpecPostBuildSubstituteFromKind.CONFIG_MAP, name };
          }),
        }
      : {}),
  };
  return infos.map((info) => {
    const c = info.component;
    // every Kustomization lives in flux.namespace, so a dependency needs no namespace
    const dependsOn = c.dependsOn.filter((d) => known.has(d)).map((d) => ({ name: d.fluxName }));
    const ks = new Kustomization(chart, c.fluxName, {
      metadata: {
        name: c.fluxName,
        namespace: cfg.flux.namespace,
        labels: { 'app.kubernetes.io/part-of': 'media-stack' },
      },
      spec: {
        interval: cfg.flux.interval,
        retryInterval: '2m',
        timeout: c.wait ? '15m' : '5m',
        path: info.path,
        prune: true,
        wait: c.wait,
        deletionPolicy: KustomizationSpecDeletionPolicy.WAIT_FOR_TERMINATION,
        sourceRef: { kind: KustomizationSpecSourceRefKind.GIT_REPOSITORY, name: cfg.flux.sourceName, namespace: cfg.flux.namespace },
        ...(info.targetNamespace ? { targetNamespace: info.targetNamespace } : {}),
        ...(Object.keys(postBuild).length ? { postBuild } : {}),
        ...(dependsOn.length ? { dependsOn } : {}),
        ...(c.healthChecks.length && !c.wait ? { healthChecks: c.healthChecks.map((h) => ({ ...h })) } : {}),
        ...(c.healthCheckExprs.length ? { healthCheckExprs: c.healthCheckExprs.map((h) => ({ ...h })) } : {}),
        ...(info.hasSopsSecrets ? { decryption: { provider: KustomizationSpecDecryptionProvider.SOPS, secretRef: { name: SOPS_AGE_SECRET } } } : {}),
      },
    });
    return ks.toJson() as KubeObject;
  });
}
