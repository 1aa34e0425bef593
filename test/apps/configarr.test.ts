import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { containerOf, envOf, objectsOf, podOf } from '../helpers.js';
import { generateDocs } from '../../src/docs/index.js';
import { docsInputOf } from '../docs/input.js';

const ON = { apps: { configarr: { enabled: true }, sonarr: { extraInstances: ['4k'] } } } as const;

/** Parses Configarr's YAML with its `!env` tag kept visible. */
function parseConfig(text: string): any {
  return parse(text, { customTags: [{ tag: '!env', resolve: (v: string) => `!env ${v}` }] });
}

describe('Configarr', () => {
  const { find } = objectsOf(ON);
  const cron = find('CronJob', 'configarr');
  const c = containerOf(cron, 'configarr');

  it('runs hourly as a CronJob that never overlaps', () => {
    expect(cron.spec.schedule).toBe('0 * * * *');
    expect(cron.spec.concurrencyPolicy).toBe('Forbid');
    expect(podOf(cron).restartPolicy).toBe('Never');
    expect(c.image).toMatch(/^ghcr\.io\/raydak-labs\/configarr:\d/);
    expect(c.startupProbe).toBeUndefined();
  });

  it('reads config.yml from a ConfigMap with real recyclarr template ids for Sonarr and Radarr', () => {
    const cfg = parseConfig(find('ConfigMap', 'configarr-config').data['config.yml']);
    expect(cfg.recyclarrConfigUrl).toBe('https://github.com/recyclarr/config-templates');
    expect(cfg.trashGuideUrl).toBe('https://github.com/TRaSH-Guides/Guides');
    expect(cfg.sonarr.sonarr).toEqual({
      base_url: 'http://sonarr.media.svc.cluster.local:8989',
      api_key: '!env SONARR_API_KEY',
      include: [{ template: 'sonarr-quality-definition-series' }, { template: 'sonarr-v4-quality-profile-web-1080p' }, { template: 'sonarr-v4-custom-formats-web-1080p' }],
    });
    expect(cfg.sonarr['sonarr-4k'].api_key).toBe('!env SONARR_4K_API_KEY');
    expect(cfg.radarr.radarr).toEqual({
      base_url: 'http://radarr.media.svc.cluster.local:7878',
      api_key: '!env RADARR_API_KEY',
      include: [{ template: 'radarr-quality-definition-movie' }, { template: 'radarr-quality-profile-hd-bluray-web' }, { template: 'radarr-custom-formats-hd-bluray-web' }],
    });
    expect(envOf(c).CONFIG_LOCATION).toBe('/app/config/config.yml');
    expect(c.volumeMounts).toContainEqual({ name: 'configarr-config', mountPath: '/app/config', readOnly: true });
  });

  it('fails the Job when an Arr fails (Configarr exits 0 otherwise, even when every instance failed)', () => {
    // raydak-labs/configarr src/env.ts @ v1.30.1: the string "true" (any case) turns it on.
    expect(envOf(c).STOP_ON_ERROR).toBe('true');
    expect(cron.spec.jobTemplate.spec.template.spec.restartPolicy).not.toBe('Always');
    const md = generateDocs(docsInputOf(ON)).find((f) => f.path === 'docs/downloads-and-database.md')!.content;
    expect(md).toContain('A run in which an Arr cannot be configured fails its Job (`STOP_ON_ERROR=true`');
  });

  it('takes every API key from the same Secret the app itself reads', () => {
    const env = envOf(c);
    expect(env.SONARR_API_KEY).toEqual({ secretKeyRef: { name: 'sonarr-secrets', key: 'api-key' } });
    expect(env.SONARR_4K_API_KEY).toEqual({ secretKeyRef: { name: 'sonarr-4k-secrets', key: 'api-key' } });
    expect(env.RADARR_API_KEY).toEqual({ secretKeyRef: { name: 'radarr-secrets', key: 'api-key' } });
    expect(envOf(containerOf(find('StatefulSet', 'sonarr'), 'sonarr')).SONARR__AUTH__APIKEY).toEqual(env.SONARR_API_KEY);
  });

  it('caches the git clones in /app/repos on its config volume and runs hardened', () => {
    expect(c.volumeMounts).toContainEqual({ name: 'config', mountPath: '/app/repos' });
    expect(podOf(cron).volumes.find((v: any) => v.name === 'config').persistentVolumeClaim.claimName).toBe('config-configarr');
    expect(podOf(cron).securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    const { find: f } = objectsOf({ storage: { mode: 'hostPath' }, ...ON });
    expect(podOf(f('CronJob', 'configarr')).volumes.find((v: any) => v.name === 'config').hostPath.path).toBe('/data/config/configarr');
  });

  it('may call the Arrs it configures (and GitHub), and the Arrs accept it', () => {
    const spec = find('NetworkPolicy', 'allow-configarr').spec;
    expect(spec.podSelector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'configarr', 'app.kubernetes.io/instance': 'configarr' });
    expect(spec.egress).toContainEqual({
      to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'radarr', 'app.kubernetes.io/instance': 'radarr' } } }],
      ports: [{ protocol: 'TCP', port: 7878 }],
    });
    expect(find('NetworkPolicy', 'allow-sonarr-4k').spec.ingress).toContainEqual({
      from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'configarr', 'app.kubernetes.io/instance': 'configarr' } } }],
      ports: [{ protocol: 'TCP', port: 8989 }],
    });
  });

  it('configures only enabled apps and rejects a config without Sonarr and Radarr', () => {
    const { find: f } = objectsOf({ apps: { configarr: { enabled: true }, radarr: { enabled: false } } });
    expect(parseConfig(f('ConfigMap', 'configarr-config').data['config.yml']).radarr).toEqual({});
    expect(() =>
      objectsOf({ apps: { configarr: { enabled: true }, sonarr: { enabled: false }, radarr: { enabled: false }, profilarr: { enabled: false }, pulsarr: { enabled: false } } }),
    ).toThrow(/apps\.configarr\.enabled/);
  });
});
