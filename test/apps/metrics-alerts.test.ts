import { describe, expect, it } from 'vitest';
import { resolveConfig, type StackConfigInput } from '../../src/stack-config.js';
import { synthesize } from '../../src/synth.js';
import { secretEnvVarName } from '../../src/secrets/model.js';
import { containerOf, envOf, objectsOf, podOf } from '../helpers.js';
import { operatorEnv, PROJECT } from '../stack/support.js';

const SERVARR = ['sonarr', 'sonarr-4k', 'radarr', 'lidarr', 'prowlarr'];
const withMetrics: StackConfigInput = {
  apps: { sonarr: { enabled: true, extraInstances: ['4k'] }, lidarr: { enabled: true }, metrics: { enabled: true, serviceMonitorLabels: { release: 'kps' } } },
};

describe('metrics (exportarr)', () => {
  it('is off by default: no sidecar, metrics Service, ServiceMonitor or Prometheus ingress', () => {
    const { objects } = objectsOf();
    expect(objects.filter((o) => o.kind === 'ServiceMonitor')).toEqual([]);
    expect(objects.filter((o) => o.kind === 'Service' && o.metadata.name.endsWith('-metrics'))).toEqual([]);
    for (const o of objects.filter((x) => x.kind === 'StatefulSet')) expect(podOf(o).containers.map((c: any) => c.name)).not.toContain('exportarr');
    expect(JSON.stringify(objects.filter((o) => o.kind === 'NetworkPolicy'))).not.toContain('monitoring');
  });

  const { objects, find } = objectsOf(withMetrics);

  it('runs `exportarr <kind>` beside every Servarr instance against localhost, the API key from its Secret and never in the args', () => {
    for (const instance of SERVARR) {
      const sts = find('StatefulSet', instance);
      const kind = sts.metadata.labels['app.kubernetes.io/name'];
      const app = containerOf(sts, kind);
      const c = containerOf(sts, 'exportarr');
      expect(c.image).toMatch(/^ghcr\.io\/onedr0p\/exportarr:v2\.\d+\.\d+$/);
      expect(c.args).toEqual([kind]);
      const env = envOf(c);
      expect(env.URL).toBe(`http://localhost:${app.ports[0].containerPort}`);
      expect(env.PORT).toBe('9707');
      expect(env.API_KEY).toEqual({ secretKeyRef: { name: `${instance}-secrets`, key: 'api-key' } });
      expect(JSON.stringify(c.args)).not.toContain('secret');
      expect(c.ports).toEqual([{ name: 'metrics', containerPort: 9707, protocol: 'TCP' }]);
      expect(c.readinessProbe.httpGet).toEqual({ path: '/healthz', port: 'metrics' });
      expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    }
  });

  it('has each ServiceMonitor select exactly its instance’s metrics Service (not the app or headless Service), with the configured labels', () => {
    const services = objects.filter((o) => o.kind === 'Service');
    for (const instance of SERVARR) {
      const sm = find('ServiceMonitor', `${instance}-metrics`);
      expect(sm.apiVersion).toBe('monitoring.coreos.com/v1');
      expect(sm.metadata.labels.release).toBe('kps');
      const sel: Record<string, string> = sm.spec.selector.matchLabels;
      const matched = services.filter((s) => Object.entries(sel).every(([k, v]) => s.metadata.labels?.[k] === v)).map((s) => s.metadata.name);
      expect(matched).toEqual([`${instance}-metrics`]);
      expect(sm.spec.endpoints).toEqual([{ port: 'metrics', path: '/metrics', interval: '4m', scrapeTimeout: '90s' }]);
      const svc = find('Service', `${instance}-metrics`);
      expect(svc.spec.ports).toEqual([{ name: 'metrics', port: 9707, targetPort: 'metrics', protocol: 'TCP' }]);
    }
  });

  it('lets only the configured Prometheus pods scrape port 9707', () => {
    const ingress = find('NetworkPolicy', 'allow-sonarr-4k').spec.ingress;
    expect(ingress).toContainEqual({
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } }],
      ports: [{ protocol: 'TCP', port: 9707 }],
    });
    const custom = objectsOf({ apps: { metrics: { enabled: true, prometheusNamespace: 'observability', prometheusPodLabels: {} } } });
    expect(custom.find('NetworkPolicy', 'allow-radarr').spec.ingress).toContainEqual({
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'observability' } } }],
      ports: [{ protocol: 'TCP', port: 9707 }],
    });
  });

  it('rejects a scrape interval Prometheus would not parse, naming the field', () => {
    expect(() => resolveConfig({ apps: { metrics: { enabled: true, interval: 'hourly' } } })).toThrow(/apps\.metrics\.interval.*Prometheus duration/s);
  });
});

describe('Flux alerts', () => {
  const input: StackConfigInput = { apps: { fluxAlerts: { enabled: true, provider: 'slack' } } };

  it('is off by default', () => {
    const { objects } = objectsOf();
    expect(objects.filter((o) => o.apiVersion.startsWith('notification.toolkit.fluxcd.io/'))).toEqual([]);
  });

  it('puts a Provider of the configured type and an error Alert on every Kustomization of the stack into the Flux namespace', async () => {
    const { find, stack } = objectsOf(input);
    const provider = find('Provider', 'flux-alerts');
    expect(provider).toMatchObject({
      apiVersion: 'notification.toolkit.fluxcd.io/v1beta3',
      metadata: { namespace: 'flux-system' },
      spec: { type: 'slack', secretRef: { name: 'flux-alerts-webhook' } },
    });
    expect(provider.spec.address).toBeUndefined();
    const alert = find('Alert', 'flux-alerts');
    expect(alert.spec.eventSeverity).toBe('error');
    expect(alert.spec.providerRef).toEqual({ name: 'flux-alerts' });
    const component = stack.components.find((c) => c.fluxName === 'flux-alerts')!;
    expect(component.dir).toBe('apps/flux-system/flux-alerts');
    expect(component.secrets).toEqual([
      expect.objectContaining({ name: 'flux-alerts-webhook', keys: [expect.objectContaining({ key: 'address', source: expect.objectContaining({ kind: 'operator' }) })] }),
    ]);

    // The event sources match every Kustomization the output writes (and only Kustomizations).
    const cfg = resolveConfig(input);
    const { files } = await synthesize({ config: cfg, projectDir: PROJECT, env: operatorEnv(cfg) });
    const ks = files.filter((f) => f.path.endsWith('/ks.yaml'));
    expect(ks.length).toBeGreaterThan(10);
    const [source] = alert.spec.eventSources;
    expect(source).toMatchObject({ kind: 'Kustomization', name: '*', namespace: 'flux-system' });
    for (const f of ks) {
      expect(f.content, f.path).toContain('namespace: flux-system');
      for (const [k, v] of Object.entries(source.matchLabels as Record<string, string>)) expect(f.content, f.path).toContain(`${k}: ${v}`);
    }
    expect(files.some((f) => f.path.endsWith('apps/flux-system/flux-alerts/ks.yaml'))).toBe(true);
  });

  it('fails the synth naming the env var when the webhook URL is missing, and rejects a value that is no URL without echoing it', async () => {
    const cfg = resolveConfig(input);
    const env = operatorEnv(cfg);
    const name = secretEnvVarName('flux-alerts-webhook', 'address');
    expect(env[name]).toMatch(/^https:\/\//);
    const missing = Object.fromEntries(Object.entries(env).filter(([k]) => k !== name));
    await expect(synthesize({ config: cfg, projectDir: PROJECT, env: missing })).rejects.toThrow(name);
    const bad = { ...env, [name]: 'not-a-webhook-7c1e' };
    const err = await synthesize({ config: cfg, projectDir: PROJECT, env: bad }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toMatch(/address.*http\(s\) URL/s);
    expect(err?.message).not.toContain('not-a-webhook-7c1e');
  });
});
