import { describe, expect, it } from 'vitest';
import { containerOf, envOf, objectsOf, podOf } from '../helpers.js';

describe('FlareSolverr', () => {
  const { find, stack } = objectsOf({ apps: { flaresolverr: { enabled: true } } });
  const deploy = find('Deployment', 'flaresolverr');
  const c = containerOf(deploy, 'flaresolverr');

  it('serves the FlareSolverr API on 8191 and probes the cheap GET /health', () => {
    expect(c.image).toMatch(/^ghcr\.io\/flaresolverr\/flaresolverr:v\d/);
    expect(c.ports).toEqual([{ name: 'http', containerPort: 8191, protocol: 'TCP' }]);
    expect(envOf(c).PORT).toBe('8191');
    for (const p of ['startupProbe', 'readinessProbe', 'livenessProbe']) expect(c[p].httpGet).toEqual({ path: '/health', port: 'http' });
    expect(find('Service', 'flaresolverr').spec.ports[0]).toMatchObject({ port: 8191, targetPort: 'http' });
  });

  it('runs non-root without capabilities, /dev/shm in memory; the writable root is a recorded exception', () => {
    expect(podOf(deploy).securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: false, capabilities: { drop: ['ALL'] } });
    expect(podOf(deploy).volumes.find((v: any) => v.name === 'dshm').emptyDir).toEqual({ medium: 'Memory', sizeLimit: '1Gi' });
    const exc = stack.components.find((x) => x.fluxName === 'flaresolverr')!.securityExceptions;
    expect(exc).toEqual([expect.objectContaining({ rules: ['read-only-root-filesystem'], container: 'flaresolverr' })]);
  });

  it('is reachable from Prowlarr only and may reach the internet', () => {
    const spec = find('NetworkPolicy', 'allow-flaresolverr').spec;
    expect(spec.ingress).toEqual([
      { from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prowlarr', 'app.kubernetes.io/instance': 'prowlarr' } } }], ports: [{ protocol: 'TCP', port: 8191 }] },
    ]);
    expect(spec.egress[0].to[0].ipBlock.cidr).toBe('0.0.0.0/0');
    expect(find('NetworkPolicy', 'allow-prowlarr').spec.egress).toContainEqual({
      to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'flaresolverr', 'app.kubernetes.io/instance': 'flaresolverr' } } }],
      ports: [{ protocol: 'TCP', port: 8191 }],
    });
  });
});
