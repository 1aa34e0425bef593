import { DESCHEDULER_POLICY_API } from './facts.js';

/** What the descheduler may evict: the streaming stack's pods (the label) in the stack's namespace. */
export interface FailbackScope {
  readonly namespace: string;
  /** The pod label every streaming-stack pod carries, e.g. `{ 'media-stack.io/streaming-stack': 'true' }`. */
  readonly podLabels: Readonly<Record<string, string>>;
}

/** The name of the policy's one profile (it shows in the descheduler's eviction events). */
const FAILBACK_PROFILE = 'failback';

/**
 * The DeschedulerPolicy (`descheduler/v1alpha2`) of failback: one profile whose only plugin is
 * RemovePodsViolatingNodeAffinity on the preferred node affinity, limited twice to the streaming
 * stack (the plugin's namespaces + labelSelector, and the DefaultEvictor's labelSelector, so no
 * other pod is ever evictable). The stack's pods keep /tmp in an emptyDir, which the
 * DefaultEvictor protects by default (PodsWithLocalStorage): scratch space, so that protection is
 * turned off; their state is on PersistentVolumeClaims, which it does not protect by default.
 */
export function failbackPolicy(s: FailbackScope): Record<string, unknown> {
  const labelSelector = { matchLabels: { ...s.podLabels } };
  return {
    apiVersion: DESCHEDULER_POLICY_API,
    kind: 'DeschedulerPolicy',
    profiles: [
      {
        name: FAILBACK_PROFILE,
        pluginConfig: [
          { name: 'DefaultEvictor', args: { labelSelector, podProtections: { defaultDisabled: ['PodsWithLocalStorage'] } } },
          {
            name: 'RemovePodsViolatingNodeAffinity',
            args: { namespaces: { include: [s.namespace] }, labelSelector, nodeAffinityType: ['preferredDuringSchedulingIgnoredDuringExecution'] },
          },
        ],
        plugins: { deschedule: { enabled: ['RemovePodsViolatingNodeAffinity'] } },
      },
    ],
  };
}

/** The policy of a skipped run: no profile, so the descheduler evicts nothing (it validates profiles only). */
export const HOLD_POLICY: Record<string, unknown> = { apiVersion: DESCHEDULER_POLICY_API, kind: 'DeschedulerPolicy', profiles: [] };
