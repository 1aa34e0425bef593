import { readFileSync } from 'node:fs';
import { ApiObject, App, Chart } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import single from '../../examples/single-node.js';
import { formatFindings } from '../../src/gates/index.js';
import { resolveConfig, type StackConfigInput } from '../../src/stack-config.js';
import { Bazarr } from '../../src/apps/bazarr/bazarr.js';
import { BAZARR } from '../../src/apps/bazarr/facts.js';
import { arrEndpoint } from '../../src/apps/servarr/arr.js';
import { MediaNamespace } from '../../src/apps/shared-storage/shared-storage.js';
import { generateDocs } from '../../src/docs/index.js';
import { docsInputOf } from '../docs/input.js';
import { containerOf, objectsOf, podOf } from '../helpers.js';
import { synthesizeThroughGates } from '../stack/support.js';

const ON: StackConfigInput = { apps: { bazarr: { enabled: true } } };
const sel = (app: string) => ({ podSelector: { matchLabels: { 'app.kubernetes.io/name': app, 'app.kubernetes.io/instance': app } } });
const CONTROLLER = '"kubernetes.io/metadata.name":"kube-system"';

describe('Bazarr', () => {
  const { objects, find } = objectsOf({ apps: { bazarr: { enabled: true }, sonarr: { extraInstances: ['4k'] } } });
  const sts = find('StatefulSet', 'bazarr');
  const c = containerOf(sts, 'bazarr');

  it('is off by default', () => {
    const { objects: none } = objectsOf();
    expect(none.filter((o) => JSON.stringify(o.metadata).includes('bazarr'))).toEqual([]);
  });

  it('runs the pinned home-operations image on 6767 and probes its unauthenticated /api/system/ping', () => {
    expect(c.image).toBe(BAZARR.image);
    expect(c.image).toMatch(/^ghcr\.io\/home-operations\/bazarr:\d+\.\d+\.\d+(@sha256:[0-9a-f]{64})?$/);
    expect(c.ports).toEqual([{ name: 'http', containerPort: 6767, protocol: 'TCP' }]);
    for (const p of ['startupProbe', 'readinessProbe', 'livenessProbe']) expect(c[p].httpGet).toEqual({ path: '/api/system/ping', port: 'http' });
    expect(find('Service', 'bazarr').spec.ports).toEqual([{ name: 'http', port: 6767, targetPort: 'http', protocol: 'TCP' }]);
    expect(find('PersistentVolumeClaim', 'config-bazarr').spec.resources.requests.storage).toBe('2Gi');
  });

  it('runs as the stack user with a read-only root; writes /config, /tmp and both libraries (subtitles next to the videos)', () => {
    expect(podOf(sts).securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, fsGroup: 1000 });
    expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(c.volumeMounts).toEqual([
      { name: 'config', mountPath: '/config' },
      { name: 'tmp', mountPath: '/tmp' },
      { name: 'media-library', mountPath: '/mnt/media' },
      { name: 'symlink-library', mountPath: '/mnt/streaming-media' },
      // the default has Decypharr: the streaming library's symlinks point into its DFS
      { name: 'decypharr-dfs', mountPath: '/mnt/dfs', readOnly: true },
    ]);
    const { find: f } = objectsOf({ apps: { bazarr: { enabled: true }, decypharr: { enabled: false } } });
    expect(containerOf(f('StatefulSet', 'bazarr'), 'bazarr').volumeMounts.map((m: any) => m.name)).not.toContain('decypharr-dfs');
  });

  it("reads the main Sonarr and Radarr keys from their Secrets: each $(VAR) is defined before the Dynaconf value that expands it; keys below the section in Bazarr's lower case", () => {
    const env: { name: string; value?: string; valueFrom?: unknown }[] = c.env;
    const at = (name: string) => env.findIndex((e) => e.name === name);
    const value = (name: string) => env.find((e) => e.name === name);
    for (const [arr, port] of [
      ['sonarr', 8989],
      ['radarr', 7878],
    ] as const) {
      const U = arr.toUpperCase();
      expect(value(`${U}_API_KEY`)).toEqual({ name: `${U}_API_KEY`, valueFrom: { secretKeyRef: { name: `${arr}-secrets`, key: 'api-key' } } });
      expect(value(`DYNACONF_${U}__apikey`)?.value).toBe(`@str $(${U}_API_KEY)`);
      expect(at(`${U}_API_KEY`)).toBeLessThan(at(`DYNACONF_${U}__apikey`));
      expect(value(`DYNACONF_GENERAL__use_${arr}`)?.value).toBe('true');
      expect(value(`DYNACONF_${U}__ip`)?.value).toBe(`${arr}.media.svc.cluster.local`);
      expect(value(`DYNACONF_${U}__port`)?.value).toBe(String(port));
      expect(value(`DYNACONF_${U}__base_url`)?.value).toBe('/');
      expect(value(`DYNACONF_${U}__ssl`)?.value).toBe('false');
    }
    // Bazarr has one Sonarr section: the extra instance is not connected, and no key is in clear text
    expect(JSON.stringify(env)).not.toContain('sonarr-4k');
    expect(
      env
        .filter((e) => e.valueFrom)
        .map((e) => e.name)
        .sort(),
    ).toEqual(['RADARR_API_KEY', 'SONARR_API_KEY']);
  });

  it('connects only the Arrs that are deployed', () => {
    const { find: f } = objectsOf({ apps: { bazarr: { enabled: true }, radarr: { enabled: false } } });
    const names = containerOf(f('StatefulSet', 'bazarr'), 'bazarr').env.map((e: any) => e.name);
    expect(names).toContain('DYNACONF_SONARR__apikey');
    expect(names.filter((n: string) => n.toUpperCase().includes('RADARR'))).toEqual([]);
    expect(
      f('NetworkPolicy', 'allow-bazarr')
        .spec.egress.map((e: any) => e.to[0].podSelector?.matchLabels['app.kubernetes.io/name'])
        .filter(Boolean),
    ).toEqual(['sonarr']);
  });

  it('NetworkPolicies: Bazarr → Sonarr/Radarr on their ports and the internet; Sonarr/Radarr admit it', () => {
    const spec = find('NetworkPolicy', 'allow-bazarr').spec;
    expect(spec.egress).toContainEqual({ to: [sel('sonarr')], ports: [{ protocol: 'TCP', port: 8989 }] });
    expect(spec.egress).toContainEqual({ to: [sel('radarr')], ports: [{ protocol: 'TCP', port: 7878 }] });
    expect(spec.egress.some((e: any) => e.to[0].ipBlock?.cidr === '0.0.0.0/0')).toBe(true);
    expect(find('NetworkPolicy', 'allow-sonarr').spec.ingress).toContainEqual({ from: [sel('bazarr')], ports: [{ protocol: 'TCP', port: 8989 }] });
    expect(find('NetworkPolicy', 'allow-radarr').spec.ingress).toContainEqual({ from: [sel('bazarr')], ports: [{ protocol: 'TCP', port: 7878 }] });
    expect(JSON.stringify(find('NetworkPolicy', 'allow-sonarr-4k').spec.ingress)).not.toContain('bazarr');
  });

  it('has no login until one is set in its UI: no Ingress (and no ingress-controller edge) until opted in, or behind forward-auth', () => {
    expect(objects.filter((o) => o.kind === 'Ingress').map((o) => o.metadata.name)).not.toContain('bazarr');
    expect(JSON.stringify(find('NetworkPolicy', 'allow-bazarr').spec.ingress ?? [])).not.toContain(CONTROLLER);
    for (const input of [
      { apps: { bazarr: { enabled: true, ingress: true } } },
      { apps: { bazarr: { enabled: true } }, ingress: { auth: { mode: 'forward-auth', middleware: 'auth-authelia@kubernetescrd' } } },
    ] as StackConfigInput[]) {
      const { find: f } = objectsOf(input);
      expect(f('Ingress', 'bazarr').spec.rules[0]).toMatchObject({
        host: 'bazarr.homelab',
        http: { paths: [{ backend: { service: { name: 'bazarr', port: { name: 'http' } } } }] },
      });
      expect(f('NetworkPolicy', 'allow-bazarr').spec.ingress).toEqual([
        { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }], ports: [{ protocol: 'TCP', port: 6767 }] },
      ]);
    }
  });

  it('its image pin, port and health path are the ones recorded with their sources', () => {
    const facts = readFileSync('docs/app-facts-verified.md', 'utf8');
    expect(facts).toContain(`\`${BAZARR.image}\``);
    expect(facts).toContain('`GET /api/system/ping`');
    expect(facts).toMatch(/Bazarr port \| 6767/);
  });

  it.each([
    ['the default config', ON],
    ['the single-node example with Decypharr', { ...single, apps: { ...single.apps, bazarr: { enabled: true }, decypharr: { enabled: true } } }],
  ] as [string, StackConfigInput][])(
    'synthesizes with %s and passes every gate',
    async (_name, input) => {
      const result = await synthesizeThroughGates(input);
      expect(result.objects.some((p) => p.object.kind === 'StatefulSet' && p.object.metadata.name === 'bazarr')).toBe(true);
      // its own findings are the warnings every app of the stack gets: the tag-only image pin and
      // the operator's NFS export (Sonarr/Radarr write /mnt/media alike)
      const own = result.findings.filter((f) => f.object.includes('/bazarr'));
      expect(
        own.every((f) => f.severity === 'warning' && /\[(export-defined|image-pinned)\]/.test(f.message)),
        formatFindings(own),
      ).toBe(true);
    },
    120_000,
  );

  it('composes into a plain cdk8s Chart without the synth, from props and handles', () => {
    const site = resolveConfig({});
    const chart = new Chart(new App(), 'lab');
    const namespace = new MediaNamespace(chart, 'ns', { site });
    const media = { volume: { name: 'media-library', nfs: { server: 'nas', path: '/media' } }, mount: { volume: 'media-library', path: '/mnt/media' } };
    const symlinks = { volume: { name: 'symlink-library', emptyDir: {} }, mount: { volume: 'symlink-library', path: '/mnt/streaming-media' } };
    const bazarr = new Bazarr(chart, 'bazarr', { namespace, media, symlinks, sonarr: arrEndpoint(site, 'sonarr') });
    const sts = ApiObject.of(bazarr).toJson();
    expect(sts.kind).toBe('StatefulSet');
    expect(sts.spec.template.spec.volumes.map((v: any) => v.name)).toEqual(['config', 'tmp', 'media-library', 'symlink-library']);
    expect(sts.spec.template.spec.containers[0].env.map((e: any) => e.name)).toContain('DYNACONF_SONARR__apikey');
    expect(bazarr.dependsOn).toEqual([namespace]);
    expect(bazarr.service.toJson().spec.ports[0].port).toBe(6767);
  });

  it('the runbook says how to set its login before the Ingress exists, and what it is connected to', () => {
    const md = generateDocs(docsInputOf(ON)).find((f) => f.path === 'docs/post-deploy.md')!.content;
    expect(md).toContain('## Bazarr');
    expect(md).toContain('kubectl -n media port-forward svc/bazarr 6767:6767');
    expect(md).toContain('set `apps.bazarr.ingress: true`');
    expect(md).toContain('It is connected to Sonarr and Radarr by its environment');
    const off = generateDocs(docsInputOf({})).find((f) => f.path === 'docs/post-deploy.md')!.content;
    expect(off).not.toContain('Bazarr');
  });
});
