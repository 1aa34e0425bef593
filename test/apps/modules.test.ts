import { existsSync } from 'node:fs';
import { ApiObject, App, Chart, Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import example from '../../examples/single-node.js';
import { APP_MODULES } from '../../src/apps/registry.js';
import { dfsHandle } from '../../src/apps/servarr/module.js';
import { enabledArrs } from '../../src/apps/servarr/arr.js';
import { MediaNamespace } from '../../src/apps/shared-storage/shared-storage.js';
import { Prowlarr } from '../../src/apps/prowlarr/prowlarr.js';
import { Sonarr } from '../../src/apps/sonarr/sonarr.js';
import { addPlainSecrets } from '../../src/lib/plain-secrets.js';
import { CLAIMS, mediaVolume, PATHS, symlinkVolume } from '../../src/lib/storage.js';
import { DEFAULT_CONFIG, resolveConfig } from '../../src/stack-config.js';
import { objectsOf, podOf } from '../helpers.js';

describe('the registry', () => {
  it('derives the apps section, its schema and its defaults from the modules, in phase order', () => {
    const keys = APP_MODULES.flatMap((m) => (m.config ? [m.config.key] : []));
    expect(Object.keys(DEFAULT_CONFIG.apps)).toEqual(keys);
    expect(new Set(keys).size).toBe(keys.length);
    for (const m of APP_MODULES) if (m.config) expect(existsSync(`src/apps/${m.folder}/config.ts`), m.folder).toBe(true);
    // The stack creates components in registry order: storage before the Arrs, the wiring last of the apps.
    const names = objectsOf({}).stack.components.map((c) => c.fluxName);
    expect(names.indexOf('media-namespace')).toBeLessThan(names.indexOf('sonarr'));
    expect(names.indexOf('sonarr')).toBeLessThan(names.indexOf('prowlarr'));
    expect(names.indexOf('pulsarr')).toBeLessThan(names.indexOf('arr-wiring'));
  });
});

describe('app constructs in a plain cdk8s Chart (no synth)', () => {
  const site = resolveConfig({ storage: { mode: 'hostPath', singleNodeHostname: 'nas' }, apps: { decypharr: { enabled: true } } });
  const compose = () => {
    const chart = new Chart(Testing.app(), 'lib');
    const namespace = new MediaNamespace(chart, 'ns', { site });
    const media = { volume: mediaVolume(site), mount: { volume: CLAIMS.media, path: PATHS.media } };
    const symlinks = { volume: symlinkVolume(site), mount: { volume: CLAIMS.symlinks, path: PATHS.symlinks } };
    const sonarr = new Sonarr(chart, 'sonarr', { namespace, media, symlinks, dfs: dfsHandle(site), resources: { memoryLimit: '3Gi' } });
    const prowlarr = new Prowlarr(chart, 'prowlarr', { namespace, syncsTo: [sonarr.endpoint], dependsOn: [sonarr] });
    return { chart, namespace, sonarr, prowlarr };
  };

  it('gives working objects through Testing.synth, with the main objects as handles and ApiObject.of', () => {
    const { chart, namespace, sonarr, prowlarr } = compose();
    addPlainSecrets(chart, { 'sonarr-secrets': { 'api-key': 'a'.repeat(32) }, 'prowlarr-secrets': { 'api-key': 'b'.repeat(32) } });
    const objects = Testing.synth(chart) as { kind: string; metadata: { name: string }; spec?: any; stringData?: any }[];
    const find = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);
    expect(ApiObject.of(sonarr)).toBe(sonarr.workload);
    expect(ApiObject.of(sonarr).kind).toBe('StatefulSet');
    expect(sonarr.service.name).toBe('sonarr');
    expect(sonarr.ingress?.name).toBe('sonarr');
    const sts = find('StatefulSet', 'sonarr')!;
    const c = sts.spec.template.spec.containers[0];
    expect(c.resources.limits.memory).toBe('3Gi');
    expect(sts.spec.template.spec.volumes.map((v: any) => v.name)).toEqual(['config', 'tmp', CLAIMS.media, CLAIMS.symlinks, CLAIMS.dfs]);
    expect(sts.spec.template.spec.initContainers.map((i: any) => i.name)).toContain('wait-for-decypharr-dfs');
    expect(find('Secret', 'sonarr-secrets')!.stringData).toEqual({ 'api-key': 'a'.repeat(32) });
    expect(find('Secret', 'prowlarr-secrets')).toBeDefined();
    // Handles bring their dependencies: the namespace first, then what was passed.
    expect(sonarr.dependsOn).toEqual([namespace]);
    expect(prowlarr.dependsOn).toEqual([namespace, sonarr]);
    // The Ingress declared the ingress controller's call itself; Prowlarr's sync targets are calls.
    expect(sonarr.callEdges).toContainEqual(expect.objectContaining({ from: 'ingress-controller', to: { app: 'sonarr', instance: 'sonarr' }, ports: [8989] }));
    expect(prowlarr.callEdges).toContainEqual(expect.objectContaining({ to: { app: 'sonarr', instance: 'sonarr' }, why: 'Prowlarr app sync of indexers' }));
    // The host-path layout's exception is declared on the StatefulSet itself.
    expect(sonarr.securityExceptions).toContainEqual(expect.objectContaining({ kind: 'StatefulSet', name: 'sonarr', rules: ['no-host-path'] }));
  });

  it('says which Secret values the caller must provide, and adds nothing when one is missing', () => {
    const { chart } = compose();
    const before = chart.node.findAll().length;
    expect(() => addPlainSecrets(chart, { 'sonarr-secrets': { 'api-key': 'x' } })).toThrow(
      /no value for 1 declared Secret key\(s\)[\s\S]*prowlarr-secrets\/api-key \(generated by the synth\)/,
    );
    expect(chart.node.findAll().length).toBe(before);
  });

  it('a volume handle makes its user depend on its owner', () => {
    const app = new App();
    const chart = new Chart(app, 'c');
    const namespace = new MediaNamespace(chart, 'ns', { site });
    const owner = new MediaNamespace(chart, 'owner', { site: { ...site, namespace: 'other' } });
    const media = { volume: mediaVolume(site), mount: { volume: CLAIMS.media, path: PATHS.media }, owner };
    const symlinks = { volume: symlinkVolume(site), mount: { volume: CLAIMS.symlinks, path: PATHS.symlinks } };
    const sonarr = new Sonarr(chart, 'sonarr', { namespace, media, symlinks });
    expect(sonarr.dependsOn).toEqual([namespace, owner]);
  });

  it('the Servarr kinds table lists every enabled library manager instance', () => {
    const cfg = resolveConfig({ apps: { sonarr: { extraInstances: ['4k'] } } });
    expect(enabledArrs(cfg).map((a) => [a.instance, a.port, a.spec.apiVersion, a.spec.library?.categoryField])).toEqual([
      ['sonarr', 8989, 'v3', 'tvCategory'],
      ['sonarr-4k', 8989, 'v3', 'tvCategory'],
      ['radarr', 7878, 'v3', 'movieCategory'],
    ]);
  });
});

describe('security exceptions where the object is created', () => {
  const allApps = {
    ...example,
    apps: { ...example.apps, decypharr: { enabled: true }, clusterplex: { enabled: true, workers: 1 }, profilarr: { enabled: true }, pulsarr: { enabled: true } },
  };
  it.each([
    ['the single-node example', example],
    ['single node with every app', allApps],
  ])('%s: each workload declares the host-path layout exceptions its pod needs', (_, input) => {
    const { objects, stack } = objectsOf(input);
    const cfg = stack.config;
    const declared = stack.components.flatMap((c) => c.securityExceptions);
    const has = (kind: string, name: string, rules: string[], container?: string) =>
      declared.some((e) => e.kind === kind && e.name === name && e.container === container && rules.every((r) => e.rules.includes(r)) && e.reason.length > 0);
    const layoutPath = (p: string) => p.startsWith(`${cfg.storage.hostPathRoot}/`) || p === cfg.apps.decypharr.dfsHostPath || p.startsWith(`${cfg.apps.decypharr.dfsHostPath}/`);
    const workloads = objects.filter((o) => ['Deployment', 'StatefulSet', 'DaemonSet', 'CronJob', 'Job'].includes(o.kind));
    let checked = 0;
    for (const o of workloads) {
      const pod = podOf(o) as { volumes?: { hostPath?: { path: string } }[]; initContainers?: { name: string }[] };
      const hostPaths = (pod.volumes ?? []).flatMap((v) => (v.hostPath ? [v.hostPath.path] : []));
      const ref = `${o.kind}/${o.metadata.name}`;
      if (hostPaths.length > 0 && hostPaths.every(layoutPath)) {
        expect(has(o.kind, o.metadata.name, ['no-host-path']), `${ref}: no-host-path`).toBe(true);
        checked++;
      }
      if ((pod.initContainers ?? []).some((c) => c.name === 'prepare-host-dirs')) {
        expect(has(o.kind, o.metadata.name, ['run-as-non-root', 'drop-all-capabilities'], 'prepare-host-dirs'), `${ref}: prepare-host-dirs`).toBe(true);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(10);
    // Only the single-node layout has them.
    expect(
      objectsOf({})
        .stack.components.flatMap((c) => c.securityExceptions)
        .filter((e) => e.container === 'prepare-host-dirs'),
    ).toEqual([]);
  });
});
