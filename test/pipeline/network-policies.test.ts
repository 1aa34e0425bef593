import { describe, expect, it } from 'vitest';
import { objectsOf } from '../helpers.js';

const sel = (app: string, instance = app) => ({ podSelector: { matchLabels: { 'app.kubernetes.io/name': app, 'app.kubernetes.io/instance': instance } } });
const tcp = (...ports: number[]) => ports.map((port) => ({ protocol: 'TCP', port }));

describe('NetworkPolicies from the call graph', () => {
  const { find, objects } = objectsOf();

  it('denies everything by default in the namespace and allows DNS to kube-dns', () => {
    expect(find('NetworkPolicy', 'default-deny').spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    const dns = find('NetworkPolicy', 'allow-dns').spec;
    expect(dns.egress[0].ports).toEqual([
      { protocol: 'UDP', port: 53 },
      { protocol: 'TCP', port: 53 },
    ]);
    expect(dns.egress[0].to[0].podSelector.matchLabels).toEqual({ 'k8s-app': 'kube-dns' });
  });

  it('lets the ingress controller and Prowlarr reach Sonarr on 8989 and nothing else in', () => {
    const spec = find('NetworkPolicy', 'allow-sonarr').spec;
    expect(spec.podSelector).toEqual(sel('sonarr').podSelector);
    const from = spec.ingress.map((r: any) => ({ from: r.from[0], ports: r.ports }));
    expect(from).toContainEqual({ from: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }, ports: tcp(8989) });
    expect(from).toContainEqual({ from: sel('prowlarr'), ports: tcp(8989) });
    expect(from).toContainEqual({ from: sel('decypharr'), ports: tcp(8989) });
    expect(spec.ingress.every((r: any) => r.ports?.length)).toBe(true);
  });

  it('lets Sonarr and Radarr call Prowlarr, Decypharr and Pulsarr on their real ports', () => {
    const egress = find('NetworkPolicy', 'allow-radarr').spec.egress;
    expect(egress).toContainEqual({ to: [sel('prowlarr')], ports: tcp(9696) });
    expect(egress).toContainEqual({ to: [sel('decypharr')], ports: tcp(8282) });
    expect(egress).toContainEqual({ to: [sel('pulsarr')], ports: tcp(3003) });
    expect(egress).toContainEqual({ to: [sel('plex')], ports: tcp(32400) });
  });

  it('gives internet egress outside the private ranges only', () => {
    const internet = find('NetworkPolicy', 'allow-decypharr').spec.egress.find((r: any) => r.to[0].ipBlock);
    expect(internet).toEqual({ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'] } }] });
  });

  it('opens the DFS export (no authentication) to kubelet mounts from node addresses in the private ranges only, on 2049', () => {
    const ingress = find('NetworkPolicy', 'allow-decypharr').spec.ingress;
    expect(ingress).toContainEqual({
      from: [{ ipBlock: { cidr: '10.0.0.0/8' } }, { ipBlock: { cidr: '172.16.0.0/12' } }, { ipBlock: { cidr: '192.168.0.0/16' } }],
      ports: tcp(2049),
    });
    expect(JSON.stringify(ingress)).not.toContain('0.0.0.0/0');
  });

  it('wires Plex, the orchestrator and the workers to each other', () => {
    expect(find('NetworkPolicy', 'allow-clusterplex-orchestrator').spec.ingress).toEqual(
      expect.arrayContaining([
        { from: [sel('plex')], ports: tcp(3500) },
        { from: [sel('clusterplex-worker')], ports: tcp(3500) },
      ]),
    );
    expect(find('NetworkPolicy', 'allow-plex').spec.ingress).toContainEqual({ from: [sel('clusterplex-worker')], ports: tcp(32400, 32499) });
  });

  it('drops the edges to an app that is disabled', () => {
    const { objects: o } = objectsOf({ apps: { pulsarr: { enabled: false } } });
    const text = JSON.stringify(o.filter((x) => x.kind === 'NetworkPolicy'));
    expect(text).not.toContain('"pulsarr"');
    expect(JSON.stringify(objects.filter((x) => x.kind === 'NetworkPolicy'))).toContain('"pulsarr"');
  });

  it('emits no policies when disabled', () => {
    const { objects: o } = objectsOf({ networkPolicies: { enabled: false } });
    expect(o.filter((x) => x.kind === 'NetworkPolicy')).toEqual([]);
  });
});
