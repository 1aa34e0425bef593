import { describe, expect, it } from 'vitest';
import { containerOf, envOf, objectsOf } from '../helpers.js';

describe('Byparr', () => {
  const { find, objects } = objectsOf({ apps: { byparr: { enabled: true } } });
  const c = containerOf(find('Deployment', 'byparr'), 'byparr');

  it("serves the FlareSolverr-compatible API on 8191 (not the seed's 39001)", () => {
    expect(c.image).toMatch(/^ghcr\.io\/thephaseless\/byparr:\d/);
    expect(c.ports).toEqual([{ name: 'http', containerPort: 8191, protocol: 'TCP' }]);
    expect(envOf(c)).toMatchObject({ PORT: '8191', HOST: '0.0.0.0', HOME: '/tmp' });
    expect(find('Service', 'byparr').spec.ports[0]).toMatchObject({ port: 8191, targetPort: 'http' });
    expect(JSON.stringify(objects)).not.toContain('39001');
  });

  it('probes the port only: its /health launches a browser', () => {
    for (const p of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
      expect(c[p].tcpSocket).toEqual({ port: 'http' });
      expect(c[p].httpGet).toBeUndefined();
    }
  });

  it('is reachable from Prowlarr on 8191', () => {
    expect(find('NetworkPolicy', 'allow-byparr').spec.ingress[0]).toEqual({
      from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prowlarr', 'app.kubernetes.io/instance': 'prowlarr' } } }],
      ports: [{ protocol: 'TCP', port: 8191 }],
    });
  });
});
