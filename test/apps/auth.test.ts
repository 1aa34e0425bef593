import { describe, expect, it } from 'vitest';
import { resolveConfig, type StackConfigInput } from '../../src/config/index.js';
import { generateDocs } from '../../src/docs/index.js';
import { containerOf, envOf, objectsOf } from '../helpers.js';
import { docsInputOf } from '../docs/input.js';

const MIDDLEWARE = 'auth-authelia@kubernetescrd';
const FORWARD_AUTH: StackConfigInput = { ingress: { auth: { mode: 'forward-auth', middleware: MIDDLEWARE } } };
const ANNOTATION = 'traefik.ingress.kubernetes.io/router.middlewares';
const SERVARR = [
  ['sonarr', 'SONARR'],
  ['radarr', 'RADARR'],
  ['prowlarr', 'PROWLARR'],
] as const;

const postDeploy = (cfg: StackConfigInput) => generateDocs(docsInputOf(cfg)).find((f) => f.path === 'docs/post-deploy.md')!.content;

describe("logins on the web UIs: the apps' own (default)", () => {
  const { objects, find } = objectsOf({ apps: { sonarr: { extraInstances: ['4k'] } } });

  it.each([...SERVARR, ['sonarr-4k', 'SONARR'] as const])('%s requires its Forms login from every address', (name, prefix) => {
    const env = envOf(containerOf(find('StatefulSet', name), name === 'sonarr-4k' ? 'sonarr' : name));
    expect(env[`${prefix}__AUTH__METHOD`]).toBe('Forms');
    expect(env[`${prefix}__AUTH__REQUIRED`]).toBe('Enabled');
  });

  it('no workload anywhere skips the login for local addresses', () => {
    expect(JSON.stringify(objects)).not.toContain('DisabledForLocalAddresses');
  });

  it('Decypharr: login on, session cookies signed with a generated secret, and no Ingress (its sign-up page is open)', () => {
    const env = envOf(containerOf(find('StatefulSet', 'decypharr'), 'decypharr'));
    expect(env.DECYPHARR_USE_AUTH).toBe('true');
    expect(env.DECYPHARR_SECRET_KEY).toEqual({ secretKeyRef: { name: 'decypharr-secrets', key: 'session-secret' } });
    const ingresses = objects.filter((o) => o.kind === 'Ingress').map((o) => o.metadata.name);
    expect(ingresses).toEqual(expect.arrayContaining(['sonarr', 'radarr', 'prowlarr', 'plex']));
    expect(ingresses).not.toContain('decypharr');
    // and the ingress controller may not reach it either
    const policy = find('NetworkPolicy', 'allow-decypharr');
    expect(JSON.stringify(policy.spec.ingress)).not.toContain('"kubernetes.io/metadata.name":"kube-system"');
    for (const o of objects.filter((x) => x.kind === 'Ingress')) expect(o.metadata.annotations?.[ANNOTATION]).toBeUndefined();
  });

  it('the post-deploy runbook creates the first user of every instance through its API with its key', () => {
    const md = postDeploy({ apps: { sonarr: { extraInstances: ['4k'] } } });
    for (const [name, port, api] of [
      ['sonarr', 8989, 'v3'],
      ['sonarr-4k', 8989, 'v3'],
      ['radarr', 7878, 'v3'],
      ['prowlarr', 9696, 'v1'],
    ] as const) {
      expect(md).toContain(`kubectl -n media port-forward svc/${name} ${port}:${port} &`);
      expect(md).toContain(`clusters/homelab/apps/media/${name}/secret.sops.yaml`);
    }
    expect(md).toContain('curl -fsS -H "X-Api-Key: $KEY" http://localhost:9696/api/v1/config/host | jq');
    expect(md).toContain('--data-binary @- http://localhost:7878/api/v3/config/host/1');
    expect(md).toContain('kubectl -n media port-forward svc/decypharr 8282:8282');
  });
});

describe('logins on the web UIs: forward-auth', () => {
  const { objects, find } = objectsOf(FORWARD_AUTH);

  it.each(SERVARR)('%s uses authentication method External (the Middleware asks), its API still the key', (name, prefix) => {
    const env = envOf(containerOf(find('StatefulSet', name), name));
    expect(env[`${prefix}__AUTH__METHOD`]).toBe('External');
    expect(env[`${prefix}__AUTH__REQUIRED`]).toBe('Enabled');
    expect(env[`${prefix}__AUTH__APIKEY`]).toEqual({ secretKeyRef: { name: `${name}-secrets`, key: 'api-key' } });
  });

  it('every UI Ingress but Plex carries the Middleware; Decypharr gets its Ingress back', () => {
    const ingresses = objects.filter((o) => o.kind === 'Ingress');
    expect(ingresses.map((o) => o.metadata.name)).toContain('decypharr');
    for (const o of ingresses) expect(o.metadata.annotations?.[ANNOTATION], o.metadata.name).toBe(o.metadata.name === 'plex' ? undefined : MIDDLEWARE);
    expect(ingresses.filter((o) => o.metadata.annotations?.[ANNOTATION]).length).toBeGreaterThanOrEqual(6);
  });

  it('the wiring job keeps authenticating with the API keys', () => {
    const script = find('ConfigMap', 'arr-wiring-script');
    expect(JSON.stringify(script.data)).toContain('-H \\"X-Api-Key: $3\\"');
    expect(JSON.stringify(find('CronJob', 'arr-wiring'))).toContain('"secretKeyRef":{"key":"api-key","name":"sonarr-secrets"}');
  });

  it('the post-deploy runbook names the Middleware and what reaches the apps without it', () => {
    const md = postDeploy(FORWARD_AUTH);
    expect(md).toContain(`forward-auth Middleware \`${MIDDLEWARE}\``);
    expect(md).toContain('authentication method External');
    expect(md).toContain('Plex is not behind the Middleware');
    expect(md).not.toContain('/config/host/1');
    expect(md).toContain('its Ingress (http://decypharr.homelab) exists only behind the forward-auth Middleware');
  });

  it.each([
    [{ ingress: { auth: { mode: 'forward-auth' } } }, 'ingress.auth.middleware', /needs the Traefik Middleware/],
    [{ ingress: { auth: { mode: 'forward-auth', middleware: 'authelia' } } }, 'ingress.auth.middleware', /<namespace>-<name>@kubernetescrd/],
    [{ ingress: { auth: { mode: 'oauth' } } }, 'ingress.auth.mode', /apps|forward-auth/],
  ])('rejects %j naming the field', (input, field, fix) => {
    expect(() => resolveConfig(input as StackConfigInput)).toThrow(field);
    expect(() => resolveConfig(input as StackConfigInput)).toThrow(fix);
  });
});
