import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/stack-config.js';
import { hostPeer, type CallEdge } from '../../src/lib/component.js';
import { networkPolicies, podGroups, type PodGroup } from '../../src/pipeline/network-policies.js';
import { place } from '../../src/pipeline/place.js';

const cfg = resolveConfig({});
const policiesOf = (edges: CallEdge[], groups: PodGroup[]) => {
  const out = networkPolicies(cfg, { edges, groups, dependsOn: [] });
  return { ...out, placed: place([out.component], 'clusters/x').objects };
};
const specOf = (placed: readonly { object: any }[], name: string) => placed.find((p) => p.object.metadata.name === name)?.object.spec;

describe('network policies stage (typed input, no constructs of the stack)', () => {
  it('writes its folder and Flux Kustomization as the NetworkPolicies component did', () => {
    const { component, placed } = policiesOf([], []);
    expect(component.dir).toBe('apps/media/network-policies');
    expect(component.fluxName).toBe('media-network-policies');
    expect(placed.map((p) => p.path)).toEqual([
      'clusters/x/apps/media/network-policies/app/networkpolicy-default-deny.yaml',
      'clusters/x/apps/media/network-policies/app/networkpolicy-allow-dns.yaml',
    ]);
  });

  it('gives each pod group exactly its own edges, in declaration order, and drops edges to absent groups', () => {
    const groups = [
      { app: 'sonarr', instance: 'sonarr' },
      { app: 'sonarr', instance: 'sonarr-4k' },
      { app: 'prowlarr', instance: 'prowlarr' },
    ];
    const edges: CallEdge[] = [
      { from: { app: 'prowlarr' }, to: { app: 'sonarr' }, ports: [8989], why: 'a' },
      { from: { app: 'prowlarr' }, to: { app: 'sonarr', instance: 'sonarr-4k' }, ports: [8989], why: 'b' },
      { from: { app: 'sonarr' }, to: 'internet', ports: 'any', why: 'c' },
      { from: { app: 'prowlarr' }, to: { app: 'radarr' }, ports: [7878], why: 'radarr is not deployed' },
    ];
    const { placed, edges: kept } = policiesOf(edges, groups);
    expect(kept.map((e) => e.why)).toEqual(['a', 'b', 'c']);
    const sel = (app: string, instance = app) => ({ podSelector: { matchLabels: { 'app.kubernetes.io/name': app, 'app.kubernetes.io/instance': instance } } });
    expect(specOf(placed, 'allow-prowlarr').egress).toEqual([
      { to: [sel('sonarr')], ports: [{ protocol: 'TCP', port: 8989 }] },
      { to: [sel('sonarr', 'sonarr-4k')], ports: [{ protocol: 'TCP', port: 8989 }] },
    ]);
    expect(specOf(placed, 'allow-prowlarr').ingress).toBeUndefined();
    expect(specOf(placed, 'allow-sonarr')).toEqual({
      podSelector: sel('sonarr').podSelector,
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [sel('prowlarr')], ports: [{ protocol: 'TCP', port: 8989 }] }],
      egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: [...cfg.networkPolicies.privateCidrs] } }] }],
    });
    expect(specOf(placed, 'allow-sonarr-4k').ingress).toEqual([{ from: [sel('prowlarr')], ports: [{ protocol: 'TCP', port: 8989 }] }]);
    expect(JSON.stringify(placed)).not.toContain('radarr');
  });

  it('admits a host peer as exactly its address block, on the callee only (a host has no pods to select)', () => {
    const worker = hostPeer('external worker', '192.168.1.20');
    expect(worker).toEqual({ host: 'external worker', cidr: '192.168.1.20/32' });
    const { placed, edges: kept } = policiesOf(
      [
        { from: worker, to: { app: 'orchestrator' }, ports: [3500], why: 'registers' },
        { from: worker, to: { app: 'absent' }, ports: [1], why: 'not deployed' },
      ],
      [{ app: 'orchestrator', instance: 'orchestrator' }],
    );
    expect(kept.map((e) => e.why)).toEqual(['registers']);
    expect(specOf(placed, 'allow-orchestrator').ingress).toEqual([{ from: [{ ipBlock: { cidr: '192.168.1.20/32' } }], ports: [{ protocol: 'TCP', port: 3500 }] }]);
    expect(specOf(placed, 'allow-orchestrator').egress).toBeUndefined();
    expect(placed.map((p) => p.object.metadata.name)).toEqual(['default-deny', 'allow-dns', 'allow-orchestrator']);
  });

  it('skips a pod group no edge touches and sorts the policies by group', () => {
    const groups = [
      { app: 'zeta', instance: 'zeta' },
      { app: 'idle', instance: 'idle' },
      { app: 'alpha', instance: 'alpha' },
    ];
    const { placed } = policiesOf([{ from: { app: 'zeta' }, to: { app: 'alpha' }, ports: [1], why: 'x' }], groups);
    expect(placed.map((p) => p.object.metadata.name)).toEqual(['default-deny', 'allow-dns', 'allow-alpha', 'allow-zeta']);
  });

  it('stays exact for thousands of pod groups (edges are indexed by group, not filtered per group)', () => {
    const n = 3000;
    const groups = Array.from({ length: n }, (_, i) => ({ app: 'app', instance: `app-${i}` }));
    const edges: CallEdge[] = groups.flatMap((g, i) => [
      { from: 'ingress-controller', to: { app: g.app, instance: g.instance }, ports: [1000 + (i % 50)], why: 'ui' },
      { from: { app: g.app, instance: g.instance }, to: { app: 'app', instance: `app-${(i + 1) % n}` }, ports: [2000], why: 'next' },
    ]);
    const { placed } = policiesOf(edges, groups);
    expect(placed).toHaveLength(n + 2);
    const spec = specOf(placed, 'allow-app-7');
    expect(spec.ingress.map((r: any) => r.ports[0].port)).toEqual([2000, 1007]); // declaration order: app-6's call comes before app-7's own ingress edge
    expect(spec.egress).toEqual([
      { to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'app', 'app.kubernetes.io/instance': 'app-8' } } }], ports: [{ protocol: 'TCP', port: 2000 }] },
    ]);
  });

  it('reads the pod groups of its namespace from the pod templates, once per app instance', () => {
    const pod = (ns: string, app: string, instance?: string) => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: instance ?? app, namespace: ns },
      spec: { template: { metadata: { labels: { 'app.kubernetes.io/name': app, ...(instance ? { 'app.kubernetes.io/instance': instance } : {}) } }, spec: { containers: [] } } },
    });
    const objects = [pod('media', 'sonarr', 'sonarr'), pod('media', 'sonarr', 'sonarr'), pod('media', 'plex', 'plex'), pod('other', 'radarr', 'radarr'), pod('media', 'nolabel')];
    expect(podGroups(objects, 'media')).toEqual([
      { app: 'sonarr', instance: 'sonarr' },
      { app: 'plex', instance: 'plex' },
    ]);
  });
});
