import type * as k8s from '../../imports/k8s.js';
import type { SiteConfig, TaintConfig } from '../config/types.js';

/** Pod label shared by the streaming stack (Decypharr, Sonarr, Radarr, Plex) so they move together. */
const STREAMING_STACK_LABEL = 'media-stack.io/streaming-stack';

export interface Placement {
  readonly affinity?: k8s.Affinity;
  readonly tolerations?: k8s.Toleration[];
  readonly nodeSelector?: Record<string, string>;
}

function toleration(t: TaintConfig): k8s.Toleration {
  return { key: t.key, operator: 'Equal', value: t.value, effect: t.effect };
}

/**
 * Storage-node placement (seed 000): require a Longhorn storage node, prefer the primary (w1),
 * tolerate the storage taint; with `streamingStack`, prefer the node the rest of the streaming
 * stack runs on so a failover moves them together. Single-node (hostPath) mode pins nothing
 * unless `storage.singleNodeHostname` is set.
 */
export function storageNodePlacement(cfg: SiteConfig, opts: { streamingStack?: boolean } = {}): Placement {
  if (cfg.storage.mode === 'hostPath') {
    return cfg.storage.singleNodeHostname ? { nodeSelector: { 'kubernetes.io/hostname': cfg.storage.singleNodeHostname } } : {};
  }
  const n = cfg.nodes.storage;
  return {
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: n.label, operator: 'In', values: [n.labelValue] }] }],
        },
        preferredDuringSchedulingIgnoredDuringExecution: [
          { weight: 50, preference: { matchExpressions: [{ key: n.primaryLabel, operator: 'In', values: [n.primaryLabelValue] }] } },
        ],
      },
      ...(opts.streamingStack
        ? {
            podAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [
                {
                  weight: 100,
                  podAffinityTerm: {
                    labelSelector: { matchLabels: { [STREAMING_STACK_LABEL]: 'true' } },
                    topologyKey: 'kubernetes.io/hostname',
                  },
                },
              ],
            },
          }
        : {}),
    },
    ...(n.taint ? { tolerations: [toleration(n.taint)] } : {}),
  };
}

/** GPU-node placement: the GPU node selector and its taint (single-node mode: same as storage). */
export function gpuNodePlacement(cfg: SiteConfig): Placement {
  if (cfg.storage.mode === 'hostPath') return storageNodePlacement(cfg);
  const g = cfg.nodes.gpu;
  return {
    nodeSelector: { ...g.nodeSelector },
    ...(g.taint ? { tolerations: [toleration(g.taint)] } : {}),
  };
}

/** Labels a pod template gets when it is part of the streaming stack. */
export function streamingStackLabels(cfg: SiteConfig): Record<string, string> {
  return cfg.storage.mode === 'hostPath' ? {} : { [STREAMING_STACK_LABEL]: 'true' };
}

/** The Service annotation k3s ServiceLB reads extra tolerations for its svclb pods from. */
export const SERVICELB_TOLERATIONS_ANNOTATION = 'svccontroller.k3s.cattle.io/tolerations';

/**
 * Service props for an app that must see its clients' real addresses: `externalTrafficPolicy:
 * Local` whenever the Service is reachable from outside (with Cluster the node SNATs every client
 * to its own address), and for a LoadBalancer the tolerations k3s ServiceLB's svclb pods need to
 * run on the (tainted) nodes of the placement: with Local, ServiceLB advertises only nodes running
 * both the pod and an svclb pod, and svclb pods tolerate no custom taint by default.
 */
export function clientAddressServiceProps(
  type: 'ClusterIP' | 'NodePort' | 'LoadBalancer',
  placement: Placement,
): { externalTrafficPolicy?: 'Local'; annotations?: Record<string, string> } {
  if (type === 'ClusterIP') return {};
  if (type === 'NodePort' || !placement.tolerations?.length) return { externalTrafficPolicy: 'Local' };
  return { externalTrafficPolicy: 'Local', annotations: { [SERVICELB_TOLERATIONS_ANNOTATION]: JSON.stringify(placement.tolerations) } };
}
