import { buildStack, type MediaStack } from '../apps/stack.js';
import { MediaNamespace } from '../apps/shared-storage/shared-storage.js';
import type { StackConfig } from '../config/types.js';
import type { Component } from '../lib/component.js';
import { networkPolicies, podGroups, type NetworkPolicyOutput } from './network-policies.js';
import { joinPlacements, place, type Placement } from './place.js';

/** `clusters/<cluster>` — the root of the manifests in the output. */
export function clusterRoot(cfg: StackConfig): string {
  return `clusters/${cfg.cluster}`;
}

/** `docs/<cluster>` — where the generated runbooks of a cluster go in the output. */
export function docsRoot(cfg: StackConfig): string {
  return `docs/${cfg.cluster}`;
}

/** The config's stack as plain objects in their files: what every later stage reads. */
export interface ConstructedStack {
  /** The config and every output folder in phase order (the NetworkPolicies folder last). */
  readonly stack: { readonly config: StackConfig; readonly components: readonly Component[]; readonly warnings: readonly string[] };
  /** The cdk8s chart of the apps (without the NetworkPolicies folder). */
  readonly chart: MediaStack;
  readonly placement: Placement;
  /** With `networkPolicies.enabled`: the policies' folder and the call edges they allow. */
  readonly networkPolicies?: NetworkPolicyOutput;
}

/**
 * The first stages, without secrets, files or I/O: construct (the apps' constructs) → place
 * (objects → files, Flux scope) → network policies (from the declared call graph and the pod
 * groups of the placed objects).
 */
export function constructStack(cfg: StackConfig): ConstructedStack {
  const root = clusterRoot(cfg);
  const chart = buildStack(cfg);
  const apps = place(chart.components, root);
  const policies = cfg.networkPolicies.enabled
    ? networkPolicies(cfg, {
        edges: chart.components.flatMap((c) => c.callEdges),
        groups: podGroups(
          apps.objects.map((p) => p.object),
          cfg.namespace,
        ),
        dependsOn: chart.components.filter((c) => c instanceof MediaNamespace),
      })
    : undefined;
  const components = policies ? [...chart.components, policies.component] : chart.components;
  return {
    stack: { config: cfg, components, warnings: chart.warnings },
    chart,
    placement: policies ? joinPlacements(apps, place([policies.component], root)) : apps,
    ...(policies ? { networkPolicies: policies } : {}),
  };
}
