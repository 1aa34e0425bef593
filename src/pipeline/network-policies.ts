import { App, Chart } from 'cdk8s';
import * as k8s from '../../imports/k8s.js';
import { ipv4String, parseCidr } from '../config/schema.js';
import type { StackConfig } from '../config/types.js';
import { podTemplates } from '../gates/pod-specs.js';
import { Component, isAppPeer, setFileName, type AppPeer, type CallEdge, type Peer } from '../lib/component.js';
import { selectorLabels } from '../lib/pod.js';
import { ingressControllerPeers } from '../lib/workload.js';
import { prometheusPeers } from '../apps/metrics/config.js';
import type { KubeObject } from '../output/model.js';

/** The pods of one app instance: the app and instance labels of a pod template. */
export interface PodGroup {
  readonly app: string;
  readonly instance: string;
}

/** The `kubernetes` Service's ClusterIP: the first address of the service range. */
function kubernetesServiceIp(serviceCidr: string): string {
  const range = parseCidr(serviceCidr);
  if (!range) throw new Error(`network.serviceCidr '${serviceCidr}' is not a CIDR`);
  return ipv4String(range.base + 1);
}

const groupKey = (g: PodGroup) => `${g.app}/${g.instance}`;
const peerGroup = (p: AppPeer): PodGroup => ({ app: p.app, instance: p.instance ?? p.app });

/** The pod groups of `namespace` (app + instance labels of every pod template), once per group. */
export function podGroups(objects: readonly KubeObject[], namespace: string): PodGroup[] {
  const groups = new Map<string, PodGroup>();
  for (const t of podTemplates(objects)) {
    if (t.object.metadata.namespace !== namespace) continue;
    const app = t.labels['app.kubernetes.io/name'];
    const instance = t.labels['app.kubernetes.io/instance'];
    if (app && instance) groups.set(groupKey({ app, instance }), { app, instance });
  }
  return [...groups.values()];
}

export interface NetworkPolicyInput {
  /** Every call the components declared, in their order. */
  readonly edges: readonly CallEdge[];
  /** The pod groups that exist in the namespace (see `podGroups`). */
  readonly groups: readonly PodGroup[];
  /** Folders Flux applies first (the namespace). */
  readonly dependsOn: readonly Component[];
}

export interface NetworkPolicyOutput {
  /** The `apps/<ns>/network-policies` folder and its Flux Kustomization; holds the NetworkPolicies. */
  readonly component: Component;
  /** The edges that made it into policies (both ends present), for docs and tests. */
  readonly edges: readonly CallEdge[];
}

/**
 * Stage "network policies": NetworkPolicies generated from the call graph the components
 * declare: default deny for the whole namespace, DNS for every pod, and per pod group exactly the
 * ingress and egress edges of the graph. Edges to apps that are not deployed are dropped.
 * Linear in groups + edges: the edges are indexed by the group at each end once.
 */
export function networkPolicies(cfg: StackConfig, input: NetworkPolicyInput): NetworkPolicyOutput {
  const ns = cfg.namespace;
  // A chart of its own: the folder joins the output after the stack is built, not as a sibling construct.
  const chart = new Chart(new App({ outdir: '/nonexistent-cdk8s-outdir' }), 'network-policies', { disableResourceNameHashes: true });
  const component = new Component(chart, 'network-policies', {
    dir: `apps/${ns}/network-policies`,
    fluxName: `${ns}-network-policies`,
    namespace: ns,
    dependsOn: input.dependsOn,
    description: `NetworkPolicies: default deny in ${ns}, DNS, and the calls of the stack's call graph`,
  });

  const groups = new Map(input.groups.map((g) => [groupKey(g), g]));
  // Peers outside the stack's pods (a range, a host, a controller) are always there.
  const present = (p: Peer) => !isAppPeer(p) || groups.has(groupKey(peerGroup(p)));
  const edges = input.edges.filter((e) => present(e.from) && present(e.to));
  const ingressOf = new Map<string, CallEdge[]>();
  const egressOf = new Map<string, CallEdge[]>();
  const index = (by: Map<string, CallEdge[]>, p: Peer, e: CallEdge) => {
    if (!isAppPeer(p)) return;
    const k = groupKey(peerGroup(p));
    const list = by.get(k);
    if (list) list.push(e);
    else by.set(k, [e]);
  };
  for (const e of edges) {
    index(ingressOf, e.to, e);
    index(egressOf, e.from, e);
  }

  const policy = (name: string, file: string, spec: k8s.NetworkPolicySpec) =>
    setFileName(new k8s.KubeNetworkPolicy(component, name, { metadata: { name, namespace: ns, labels: { 'app.kubernetes.io/part-of': 'media-stack' } }, spec }), file);
  policy('default-deny', 'networkpolicy-default-deny.yaml', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
  policy('allow-dns', 'networkpolicy-allow-dns.yaml', {
    podSelector: {},
    policyTypes: ['Egress'],
    egress: [
      {
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
        ports: [
          { protocol: 'UDP', port: k8s.IntOrString.fromNumber(53) },
          { protocol: 'TCP', port: k8s.IntOrString.fromNumber(53) },
        ],
      },
    ],
  });

  const peersOf = (p: Peer): k8s.NetworkPolicyPeer[] => {
    if (typeof p === 'object' && 'cidr' in p) return [{ ipBlock: { cidr: p.cidr } }];
    if (p === 'ingress-controller') return ingressControllerPeers(cfg);
    if (p === 'internet') return [{ ipBlock: { cidr: '0.0.0.0/0', except: [...cfg.networkPolicies.privateCidrs] } }];
    if (p === 'prometheus') return prometheusPeers(cfg);
    if (p === 'anywhere') return [{ ipBlock: { cidr: '0.0.0.0/0' } }];
    if (p === 'private-networks') return cfg.networkPolicies.privateCidrs.map((cidr) => ({ ipBlock: { cidr } }));
    // CNIs match either before the Service's DNAT (its ClusterIP, :443) or after it (an API server on a node, :6443).
    if (p === 'kubernetes-api')
      return [{ ipBlock: { cidr: `${kubernetesServiceIp(cfg.network.serviceCidr)}/32` } }, ...cfg.networkPolicies.privateCidrs.map((cidr) => ({ ipBlock: { cidr } }))];
    return [{ podSelector: { matchLabels: selectorLabels(p.app, p.instance ?? p.app) } }];
  };
  const portsOf = (e: CallEdge): { ports?: k8s.NetworkPolicyPort[] } =>
    e.ports === 'any' ? {} : { ports: e.ports.map((port) => ({ protocol: e.protocol ?? 'TCP', port: k8s.IntOrString.fromNumber(port) })) };

  for (const g of [...groups.values()].sort((a, b) => groupKey(a).localeCompare(groupKey(b)))) {
    const ingress = (ingressOf.get(groupKey(g)) ?? []).map((e) => ({ from: peersOf(e.from), ...portsOf(e) }));
    const egress = (egressOf.get(groupKey(g)) ?? []).map((e) => ({ to: peersOf(e.to), ...portsOf(e) }));
    if (ingress.length === 0 && egress.length === 0) continue;
    policy(`allow-${g.instance}`, `networkpolicy-${g.instance}.yaml`, {
      podSelector: { matchLabels: selectorLabels(g.app, g.instance) },
      policyTypes: ['Ingress', 'Egress'],
      ...(ingress.length ? { ingress } : {}),
      ...(egress.length ? { egress } : {}),
    });
  }
  return { component, edges };
}
