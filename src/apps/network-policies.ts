import { ApiObject } from 'cdk8s';
import * as k8s from '../../imports/k8s.js';
import type { Construct } from 'constructs';
import type { StackConfig } from '../config/types.js';
import { Component, setFileName, type CallEdge, type Peer } from '../lib/component.js';
import { selectorLabels } from '../lib/pod.js';
import { podTemplates } from '../gates/pod-specs.js';
import type { KubeObject } from '../output/model.js';

interface PodGroup {
  readonly app: string;
  readonly instance: string;
}

const key = (g: PodGroup) => `${g.app}/${g.instance}`;

/** The pod groups (app + instance labels of every pod template) of the namespace's components. */
function podGroups(components: readonly Component[], namespace: string): Map<string, PodGroup> {
  const objects = components.flatMap((c) => c.node.findAll().filter((o): o is ApiObject => o instanceof ApiObject).map((o) => o.toJson() as KubeObject));
  const groups = new Map<string, PodGroup>();
  for (const t of podTemplates(objects)) {
    if (t.object.metadata.namespace !== namespace) continue;
    const app = t.labels['app.kubernetes.io/name'];
    const instance = t.labels['app.kubernetes.io/instance'];
    if (!app || !instance) continue;
    const g = { app, instance };
    groups.set(key(g), g);
  }
  return groups;
}

function resolvePeer(p: Peer, groups: Map<string, PodGroup>): PodGroup | Peer | undefined {
  if (typeof p === 'string') return p;
  const g = { app: p.app, instance: p.instance ?? p.app };
  return groups.get(key(g));
}

/**
 * NetworkPolicies generated from the call graph the components declare: default deny for the
 * whole namespace, DNS for every pod, and per pod group exactly the ingress and egress edges of
 * the graph. Edges to apps that are not deployed are dropped.
 */
export class NetworkPolicies extends Component {
  /** The edges that made it into policies (both ends present), for docs and tests. */
  readonly edges: CallEdge[] = [];

  constructor(scope: Construct, id: string, cfg: StackConfig, components: readonly Component[], props: { dependsOn?: Component[] } = {}) {
    super(scope, id, {
      dir: `apps/${cfg.namespace}/network-policies`,
      fluxName: `${cfg.namespace}-network-policies`,
      namespace: cfg.namespace,
      dependsOn: props.dependsOn,
      description: `NetworkPolicies: default deny in ${cfg.namespace}, DNS, and the calls of the stack's call graph`,
    });
    const ns = cfg.namespace;
    const groups = podGroups(components, ns);
    const all = components.flatMap((c) => c.callEdges);
    for (const e of all) {
      const from = resolvePeer(e.from, groups);
      const to = resolvePeer(e.to, groups);
      if (from && to) this.edges.push(e);
    }

    const policy = (name: string, file: string, spec: k8s.NetworkPolicySpec) =>
      setFileName(
        new k8s.KubeNetworkPolicy(this, name, { metadata: { name, namespace: ns, labels: { 'app.kubernetes.io/part-of': 'media-stack' } }, spec }),
        file,
      );
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
      if (p === 'ingress-controller') return [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': cfg.ingress.controllerNamespace } } }];
      if (p === 'internet') return [{ ipBlock: { cidr: '0.0.0.0/0', except: [...cfg.networkPolicies.privateCidrs] } }];
      if (p === 'anywhere') return [{ ipBlock: { cidr: '0.0.0.0/0' } }];
      if (p === 'private-networks') return cfg.networkPolicies.privateCidrs.map((cidr) => ({ ipBlock: { cidr } }));
      return [{ podSelector: { matchLabels: selectorLabels(p.app, p.instance ?? p.app) } }];
    };
    const portsOf = (e: CallEdge): k8s.NetworkPolicyPort[] | undefined =>
      e.ports === 'any' ? undefined : e.ports.map((port) => ({ protocol: e.protocol ?? 'TCP', port: k8s.IntOrString.fromNumber(port) }));
    const isGroup = (p: Peer, g: PodGroup) => typeof p !== 'string' && p.app === g.app && (p.instance ?? p.app) === g.instance;

    for (const g of [...groups.values()].sort((a, b) => key(a).localeCompare(key(b)))) {
      const ingress = this.edges.filter((e) => isGroup(e.to, g)).map((e) => ({ from: peersOf(e.from), ...(portsOf(e) ? { ports: portsOf(e) } : {}) }));
      const egress = this.edges.filter((e) => isGroup(e.from, g)).map((e) => ({ to: peersOf(e.to), ...(portsOf(e) ? { ports: portsOf(e) } : {}) }));
      if (ingress.length === 0 && egress.length === 0) continue;
      policy(`allow-${g.instance}`, `networkpolicy-${g.instance}.yaml`, {
        podSelector: { matchLabels: selectorLabels(g.app, g.instance) },
        policyTypes: ['Ingress', 'Egress'],
        ...(ingress.length ? { ingress } : {}),
        ...(egress.length ? { egress } : {}),
      });
    }
  }
}
