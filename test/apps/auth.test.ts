import { describe, expect, it } from 'vitest';
import { resolveConfig, type StackConfigInput } from '../../src/stack-config.js';
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

const page = (cfg: StackConfigInput, path: string) => generateDocs(docsInputOf(cfg)).find((f) => f.path === path)!.content;
const postDeploy = (cfg: StackConfigInput) => page(cfg, 'docs/post-deploy.md');
/** The second design's qBittorrent (its VPN needs an endpoint and a server to synth). */
const QBT_ON = { enabled: true, vpn: { endpointCidrs: ['203.0.113.10/32'], serverHostnames: ['node-nl-05.protonvpn.net'] } } as const;
/** The apps whose first visit creates (or skips) the admin login; see FirstLoginAppConfig. */
const FIRST_LOGIN = ['profilarr', 'pulsarr', 'qbittorrent'] as const;
/** Pulsarr without its setup job: its first visitor creates the admin. */
const PULSARR_BY_HAND = { setup: { enabled: false } } as const;
/** Profilarr is a first-login app only while its setup job does not create the account. */
const PROFILARR_BY_HAND = { setup: { enabled: true, user: 'admin', account: false, connections: true } };
const CONTROLLER = '"kubernetes.io/metadata.name":"kube-system"';
const ingressNames = (objects: { kind: string; metadata: { name?: string } }[]) => objects.filter((o) => o.kind === 'Ingress').map((o) => o.metadata.name);
/** Every ingress rule of the app's policies (namespace-wide allow-<app>, and qBittorrent's kill switch). */
const admitted = (objects: any[], app: string) =>
  JSON.stringify(
    objects
      .filter(
        (o) =>
          o.kind === 'NetworkPolicy' &&
          [`allow-${app}`, 'qbittorrent-vpn-killswitch'].includes(o.metadata.name) &&
          (o.metadata.name !== 'qbittorrent-vpn-killswitch' || app === 'qbittorrent'),
      )
      .map((o) => o.spec.ingress),
  );

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

  describe('Profilarr, Pulsarr and qBittorrent (first visit claims the login): no Ingress until opted in', () => {
    // Pulsarr's first visit claims the login only without its setup job (which claims it first).
    const { objects: o } = objectsOf({ apps: { qbittorrent: QBT_ON, pulsarr: PULSARR_BY_HAND, profilarr: PROFILARR_BY_HAND } });

    it('pulsarr gets its Ingress while its setup job creates the admin first', () => {
      const { objects: withJob } = objectsOf({});
      expect(ingressNames(withJob)).toContain('pulsarr');
      expect(admitted(withJob, 'pulsarr')).toContain(CONTROLLER);
    });

    it.each(FIRST_LOGIN)('%s has no Ingress, and the ingress controller may not reach it', (app) => {
      expect(ingressNames(o)).not.toContain(app);
      expect(admitted(o, app)).not.toBe('');
      expect(admitted(o, app)).not.toContain(CONTROLLER);
    });

    it("the post-deploy runbook creates the Profilarr account through a port-forward with its ORIGIN, and Pulsarr's admin, then says how to opt in", () => {
      const md = postDeploy({ apps: { pulsarr: PULSARR_BY_HAND, profilarr: PROFILARR_BY_HAND } });
      expect(md).toContain('kubectl -n media port-forward svc/profilarr 6868:6868 &');
      expect(md).toContain("-H 'Origin: http://profilarr.homelab' --data-urlencode username=admin");
      expect(md).toContain('http://localhost:6868/auth/setup');
      expect(md).toContain('`kubectl -n media port-forward svc/pulsarr 3003:3003`');
      for (const app of ['profilarr', 'pulsarr'])
        expect(md).toContain(`set \`apps.${app}.ingress: true\` in your config, synth and commit: Flux adds its Ingress \`http://${app}.homelab\``);
      expect(md).not.toContain('Open http://profilarr.homelab');
    });

    it('the qBittorrent runbook forwards the WebUI and says to turn the subnet bypass off before opting in', () => {
      const md = page({ apps: { qbittorrent: QBT_ON } }, 'docs/downloads-and-database.md');
      expect(md).toContain('`kubectl port-forward -n media svc/qbittorrent 8080:8080`');
      expect(md).toContain('before you give it an Ingress, turn the bypass off');
      expect(md).toContain('set `apps.qbittorrent.ingress: true`');
    });

    it('opting in (after the first login) gives each its Ingress, without a Middleware, and admits the controller', () => {
      const optedIn = { apps: { profilarr: { ingress: true, ...PROFILARR_BY_HAND }, pulsarr: { ...PULSARR_BY_HAND, ingress: true }, qbittorrent: { ...QBT_ON, ingress: true } } };
      const { objects: on } = objectsOf(optedIn);
      for (const app of FIRST_LOGIN) {
        expect(ingressNames(on)).toContain(app);
        expect(admitted(on, app)).toContain(CONTROLLER);
        expect(on.find((x) => x.kind === 'Ingress' && x.metadata.name === app)!.metadata.annotations?.[ANNOTATION]).toBeUndefined();
      }
      const md = postDeploy(optedIn);
      expect(md).toContain('Open http://profilarr.homelab');
      expect(md).toContain('Open http://pulsarr.homelab and create the admin user.');
      expect(md).not.toContain('apps.profilarr.ingress');
      expect(page(optedIn, 'docs/downloads-and-database.md')).not.toContain('apps.qbittorrent.ingress');
    });

    it('by default the profilarr-setup job creates the account, so Profilarr has its Ingress and the runbook no port-forward', () => {
      const { objects: dflt } = objectsOf({});
      expect(ingressNames(dflt)).toContain('profilarr');
      expect(admitted(dflt, 'profilarr')).toContain(CONTROLLER);
      const md = postDeploy({});
      expect(md).toContain('`cronjob/profilarr-setup`');
      expect(md).not.toContain('svc/profilarr 6868:6868');
      expect(md).not.toContain('apps.profilarr.ingress');
    });

    it.each(FIRST_LOGIN)('rejects a non-boolean apps.%s.ingress naming the field', (app) => {
      const input = { apps: { [app]: { ingress: 'yes' } } } as unknown as StackConfigInput;
      expect(() => resolveConfig(input)).toThrow(`apps.${app}.ingress`);
    });
  });

  it('the post-deploy runbook names the servarr-setup job and where each generated password is', () => {
    const md = postDeploy({ apps: { sonarr: { extraInstances: ['4k'] } } });
    expect(md).toContain('kubectl create job --from=cronjob/servarr-setup servarr-setup-manual -n media');
    for (const name of ['sonarr', 'sonarr-4k', 'radarr', 'prowlarr']) {
      expect(md).toContain(`# ${name}: user admin, password:\nsops -d --extract '["stringData"]["ui-password"]' clusters/homelab/apps/media/${name}/app/secret.sops.yaml`);
    }
    expect(md).not.toContain('/config/host/1 ');
  });

  it('with the job off, the post-deploy runbook creates the first user of every instance through its API with its key', () => {
    const md = postDeploy({ apps: { sonarr: { extraInstances: ['4k'] }, servarrLogin: { enabled: false } } });
    for (const [name, port, api] of [
      ['sonarr', 8989, 'v3'],
      ['sonarr-4k', 8989, 'v3'],
      ['radarr', 7878, 'v3'],
      ['prowlarr', 9696, 'v1'],
    ] as const) {
      expect(md).toContain(`kubectl -n media port-forward svc/${name} ${port}:${port} &`);
      expect(md).toContain(`clusters/homelab/apps/media/${name}/app/secret.sops.yaml`);
      expect(md).toContain(`http://localhost:${port}/api/${api}/config/host`);
    }
    expect(md).toContain('curl -fsS -H "X-Api-Key: $KEY" http://localhost:9696/api/v1/config/host | jq');
    expect(md).toContain('--data-binary @- http://localhost:7878/api/v3/config/host/1');
    expect(md).toContain('kubectl -n media port-forward svc/decypharr 8282:8282');
  });
});

describe('logins on the web UIs: forward-auth', () => {
  const { find } = objectsOf(FORWARD_AUTH);

  it.each(SERVARR)('%s uses authentication method External (the Middleware asks), its API still the key', (name, prefix) => {
    const env = envOf(containerOf(find('StatefulSet', name), name));
    expect(env[`${prefix}__AUTH__METHOD`]).toBe('External');
    expect(env[`${prefix}__AUTH__REQUIRED`]).toBe('Enabled');
    expect(env[`${prefix}__AUTH__APIKEY`]).toEqual({ secretKeyRef: { name: `${name}-secrets`, key: 'api-key' } });
  });

  it('every UI Ingress but Plex carries the Middleware; Decypharr, Profilarr, Pulsarr and qBittorrent get their Ingress without an opt-in', () => {
    const { objects: withQbt } = objectsOf({ ...FORWARD_AUTH, apps: { qbittorrent: QBT_ON } });
    for (const app of ['decypharr', ...FIRST_LOGIN]) {
      expect(ingressNames(withQbt)).toContain(app);
      if (app !== 'decypharr') expect(admitted(withQbt, app)).toContain(CONTROLLER);
    }
    const ingresses = withQbt.filter((o) => o.kind === 'Ingress');
    for (const o of ingresses) expect(o.metadata.annotations?.[ANNOTATION], o.metadata.name).toBe(o.metadata.name === 'plex' ? undefined : MIDDLEWARE);
    expect(ingresses.filter((o) => o.metadata.annotations?.[ANNOTATION]).length).toBeGreaterThanOrEqual(6);
  });

  it('the wiring job keeps authenticating with the API keys', () => {
    const script = find('ConfigMap', 'arr-wiring-script');
    // The key header, written to a file and handed to curl (the fake-Servarr tests check it arrives).
    const text = script.data['arr-wiring.sh'] as string;
    expect(text).toContain(`printf 'X-Api-Key: %s\\n' "$3" > "$TMP/key-header"`);
    expect(text.match(/-H @"\$TMP\/key-header"/g)).toHaveLength(2);
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
