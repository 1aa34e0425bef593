import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { resolveConfig } from '../../src/stack-config.js';
import type { GateFinding } from '../../src/gates/findings.js';
import { constructStack } from '../../src/pipeline/construct.js';
import { checkDataLoss } from '../../src/pipeline/data-loss.js';
import { fluxStage } from '../../src/pipeline/flux.js';
import { gateWarnings } from '../../src/pipeline/gates.js';
import { layout } from '../../src/pipeline/layout.js';
import { DataLossError } from '../../src/output/state.js';

const cfg = resolveConfig({});
const root = `clusters/${cfg.cluster}`;

describe('construct → place → network policies', () => {
  const built = constructStack(cfg);

  it('adds the NetworkPolicies folder after every component, depending on the namespace, outside the apps chart', () => {
    const names = built.stack.components.map((c) => c.fluxName);
    expect(names.at(-1)).toBe('media-network-policies');
    expect(built.chart.components.map((c) => c.fluxName)).toEqual(names.slice(0, -1));
    expect(built.networkPolicies!.component.dependsOn.map((d) => d.fluxName)).toEqual(['media-namespace']);
    expect(built.chart.node.findAll().some((c) => c.node.id === 'network-policies')).toBe(false);
  });

  it('places every object once in its component folder, with the Kustomization that applies it', () => {
    const paths = built.placement.objects.map((p) => p.path);
    expect(new Set(paths).size).toBe(paths.length);
    expect(paths).toContain(`${root}/apps/media/network-policies/app/networkpolicy-sonarr.yaml`);
    expect(built.placement.fluxScope.get('NetworkPolicy/media/allow-sonarr')).toBe('media-network-policies');
    expect(built.placement.fluxScope.get('StatefulSet/media/sonarr')).toBe('sonarr');
    const sonarrSecret = built.placement.secretRequests.find((r) => r.name === 'sonarr-secrets')!;
    expect(sonarrSecret.path).toBe(`${root}/apps/media/sonarr/app/secret.sops.yaml`);
    expect(sonarrSecret.labels).toEqual({ 'app.kubernetes.io/part-of': 'media-stack' });
  });

  it('has no NetworkPolicies folder when they are disabled', () => {
    const off = constructStack(resolveConfig({ networkPolicies: { enabled: false } }));
    expect(off.networkPolicies).toBeUndefined();
    expect(off.stack.components.map((c) => c.fluxName)).not.toContain('media-network-policies');
    expect(off.placement.objects.filter((p) => p.object.kind === 'NetworkPolicy')).toEqual([]);
  });
});

describe('flux stage', () => {
  const { stack } = constructStack(cfg);
  it('writes each Kustomization into its folder next to app/, decrypting only folders with SOPS Secrets', () => {
    const { kustomizations: flux } = fluxStage(cfg, stack.components, root, { objects: [], sopsSecretFiles: [`${root}/apps/media/sonarr/app/secret.sops.yaml`] });
    const own = stack.components.filter((c) => c.ownKustomization);
    expect(flux.map((p) => p.object.metadata.name)).toEqual(own.map((c) => c.fluxName));
    expect(flux.map((p) => p.path)).toEqual(own.map((c) => `${root}/${c.dir}/ks.yaml`));
    expect(flux.find((p) => p.object.metadata.name === 'sonarr')!.path).toBe(`${root}/apps/media/sonarr/ks.yaml`);
    const spec = (name: string) => (flux.find((p) => p.object.metadata.name === name)!.object as any).spec;
    expect(spec('sonarr').path).toBe(`./media-stack/${root}/apps/media/sonarr/app`);
    expect(spec('sonarr').sourceRef).toEqual({ kind: 'GitRepository', name: 'flux-system', namespace: 'flux-system' });
    expect(spec('sonarr').decryption).toBeDefined();
    expect(spec('radarr').decryption).toBeUndefined();
    // the namespace is applied by the folder above, with the ks.yaml files: nothing waits for it
    expect(stack.components.find((c) => c.fluxName === 'media-namespace')!.ownKustomization).toBe(false);
    expect(flux.map((p) => p.object.metadata.name)).not.toContain('media-namespace');
    expect(spec('media-network-policies').dependsOn).toBeUndefined();
    expect(spec('sonarr').dependsOn).toEqual([{ name: 'media-nfs' }, { name: 'media-storage' }]);
    expect(spec('sonarr').targetNamespace).toBeUndefined();
    expect(spec('sonarr').postBuild).toBeUndefined();
  });

  it('refuses postBuild settings Flux would reject, naming the field and the fix', () => {
    expect(() => resolveConfig({ flux: { substitute: { '1BAD': 'x' } } })).toThrow(/flux\.substitute[\s\S]*'1BAD' is not a valid variable name/);
    expect(() => resolveConfig({ flux: { substitute: { PORT: 80 as unknown as string } } })).toThrow(/flux\.substitute[\s\S]*PORT must be a string/);
    expect(() => resolveConfig({ flux: { substituteFrom: ['cluster-secrets'] } })).toThrow(/flux\.substituteFrom[\s\S]*"Secret\/cluster-secrets"/);
  });

  it('sets targetNamespace and postBuild when asked, and exempts objects holding ${ from substitution', () => {
    const opts = resolveConfig({ flux: { targetNamespace: true, substitute: { CLUSTER_DOMAIN: 'example.com' }, substituteFrom: ['Secret/cluster-secrets'] } });
    const built = constructStack(opts);
    const out = fluxStage(opts, built.stack.components, root, { objects: built.placement.objects, sopsSecretFiles: [] });
    const spec = (name: string) => (out.kustomizations.find((p) => p.object.metadata.name === name)!.object as any).spec;
    expect(spec('sonarr').targetNamespace).toBe('media');
    expect(spec('sonarr').postBuild).toEqual({ substitute: { CLUSTER_DOMAIN: 'example.com' }, substituteFrom: [{ kind: 'Secret', name: 'cluster-secrets' }] });
    // a StorageClass has no namespace and the folder no namespaced object: no targetNamespace
    expect(spec('storage-classes').targetNamespace).toBeUndefined();
    const scripts = out.objects.filter((p) => JSON.stringify(p.object).includes('${'));
    expect(scripts.length).toBeGreaterThan(0);
    for (const p of scripts) expect(p.object.metadata.annotations?.['kustomize.toolkit.fluxcd.io/substitute'], p.path).toBe('disabled');
    const plain = out.objects.filter((p) => !JSON.stringify(p.object).includes('${'));
    for (const p of plain) expect(p.object.metadata.annotations?.['kustomize.toolkit.fluxcd.io/substitute'], p.path).toBeUndefined();
  });
});

describe('gate warnings', () => {
  const warning = (object: string, message: string, extra: Partial<GateFinding> = {}): GateFinding => ({ gate: 'security', severity: 'warning', object, message, ...extra });
  it('folds tag-only images and NFS writers on the findings’ data, whatever the message says', () => {
    const findings: GateFinding[] = [
      warning('StatefulSet/media/sonarr', 'text that names no image', { rule: 'image-pinned', data: { kind: 'tag-only-image', image: 'b:1' } }),
      warning('StatefulSet/media/radarr', 'x', { rule: 'image-pinned', data: { kind: 'tag-only-image', image: 'a:2' } }),
      warning('StatefulSet/media/radarr', 'y', { rule: 'image-pinned', data: { kind: 'tag-only-image', image: 'b:1' } }),
      warning('StatefulSet/media/sonarr', 'z', {
        gate: 'behaviour',
        rule: 'export-defined',
        data: { kind: 'export-writer', export: 'nas:/media', container: 'sonarr', user: '1000:1000' },
      }),
      warning('StatefulSet/media/radarr', 'w', {
        gate: 'behaviour',
        rule: 'export-defined',
        data: { kind: 'export-writer', export: 'nas:/media', container: 'radarr', user: '1000:1000' },
      }),
      warning('StatefulSet/media/plex', 'v', { gate: 'behaviour', rule: 'export-defined', data: { kind: 'export-writer', export: 'nas:/media', container: 'plex', user: '0:0' } }),
      warning('Service/media/x', '[image-pinned] looks foldable but carries no data'),
      { gate: 'security', severity: 'error', object: 'Pod/x', message: 'errors are not warnings' },
    ];
    expect(gateWarnings(findings)).toEqual([
      'Service/media/x: [image-pinned] looks foldable but carries no data',
      'NFS export nas:/media is written as 1000:1000 by radarr/radarr, sonarr/sonarr: fsGroup does not apply to NFS, so the export must let that user write (owned by it, or all_squash with anonuid/anongid)',
      'NFS export nas:/media is written as 0:0 by plex/plex: fsGroup does not apply to NFS, so the export must let that user write (owned by it, or all_squash with anonuid/anongid)',
      '2 images are pinned by tag without a digest (no digest was verified offline; add @sha256:… where the image is pinned: src/apps/<app>/facts.ts of its app, or src/lib/images.ts for the shared helper images): a:2, b:1',
    ]);
  });
});

describe('layout stage', () => {
  const o = (kind: string, name: string, apiVersion = 'v1') => ({ apiVersion, kind, metadata: { name } });
  const CM = 'https://raw.githubusercontent.com/yannh/kubernetes-json-schema/refs/heads/master/v1.34.0-standalone-strict/configmap-v1.json';
  const files = layout(resolveConfig({ flux: { extraRootResources: ['bootstrap'] } }), 'clusters/x', {
    objects: [
      { object: o('Namespace', 'a'), path: 'clusters/x/apps/a/namespace.yaml' },
      { object: o('Kustomization', 'one', 'kustomize.toolkit.fluxcd.io/v1'), path: 'clusters/x/apps/a/one/ks.yaml' },
      { object: o('ConfigMap', 'a'), path: 'clusters/x/apps/a/one/app/cm.yaml' },
      { object: o('ConfigMap', 'b'), path: 'clusters/x/apps/a/one/app/cm.yaml' },
      { object: o('Secret', 's'), path: 'clusters/x/apps/a/one/app/secret.sops.yaml' },
      { object: o('Kustomization', 'two', 'kustomize.toolkit.fluxcd.io/v1'), path: 'clusters/x/infrastructure/two/ks.yaml' },
      { object: o('StorageClass', 'c', 'storage.k8s.io/v1'), path: 'clusters/x/infrastructure/two/app/storageclass.yaml' },
    ],
    texts: new Map([['clusters/x/apps/a/one/app/secret.sops.yaml', 'apiVersion: v1\nENCRYPTED\n']]),
    extra: [{ path: 'docs/x/README.md', content: '# x\n' }],
  });
  const text = (p: string) => files.find((f) => f.path === p)!.content;
  const resources = (p: string) => (parseYaml(text(p)) as { resources: string[] }).resources;

  it('lists each namespace folder’s namespace.yaml and ks.yaml files, and each app/ folder’s manifests; app folders get none', () => {
    expect(files.map((f) => f.path).filter((p) => p.endsWith('kustomization.yaml'))).toEqual([
      'clusters/x/apps/a/kustomization.yaml',
      'clusters/x/apps/a/one/app/kustomization.yaml',
      'clusters/x/apps/kustomization.yaml',
      'clusters/x/infrastructure/kustomization.yaml',
      'clusters/x/infrastructure/two/app/kustomization.yaml',
      'clusters/x/kustomization.yaml',
    ]);
    expect(resources('clusters/x/kustomization.yaml')).toEqual(['./apps', './infrastructure', 'bootstrap']);
    expect(resources('clusters/x/apps/kustomization.yaml')).toEqual(['./a']);
    expect(resources('clusters/x/apps/a/kustomization.yaml')).toEqual(['./namespace.yaml', './one/ks.yaml']);
    expect(resources('clusters/x/apps/a/one/app/kustomization.yaml')).toEqual(['./cm.yaml', './secret.sops.yaml']);
    expect(resources('clusters/x/infrastructure/kustomization.yaml')).toEqual(['./two/ks.yaml']);
  });

  it('starts every YAML file with the schema line of its kind, once per document; given texts keep their bytes below it', () => {
    expect(text('clusters/x/apps/a/one/app/cm.yaml')).toBe(
      `# yaml-language-server: $schema=${CM}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n# yaml-language-server: $schema=${CM}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n`,
    );
    expect(text('clusters/x/apps/a/one/app/secret.sops.yaml')).toBe(
      '# yaml-language-server: $schema=https://raw.githubusercontent.com/yannh/kubernetes-json-schema/refs/heads/master/v1.34.0-standalone-strict/secret-v1.json\napiVersion: v1\nENCRYPTED\n',
    );
    expect(text('clusters/x/apps/a/one/ks.yaml').split('\n')[0]).toBe(
      '# yaml-language-server: $schema=https://k8s-schemas.home-operations.com/kustomize.toolkit.fluxcd.io/kustomization_v1.json',
    );
    expect(text('clusters/x/infrastructure/two/app/storageclass.yaml').split('\n')[0]).toBe(
      '# yaml-language-server: $schema=https://raw.githubusercontent.com/yannh/kubernetes-json-schema/refs/heads/master/v1.34.0-standalone-strict/storageclass-storage-v1.json',
    );
    for (const f of files.filter((x) => x.path.endsWith('kustomization.yaml')))
      expect(f.content.split('\n')[0], f.path).toBe('# yaml-language-server: $schema=https://json.schemastore.org/kustomization');
    expect(text('docs/x/README.md')).toBe('# x\n');
  });

  it('refuses manifests next to a ks.yaml (they belong in app/)', () => {
    expect(() =>
      layout(resolveConfig({}), 'clusters/x', {
        objects: [
          { object: o('Kustomization', 'one', 'kustomize.toolkit.fluxcd.io/v1'), path: 'clusters/x/apps/a/one/ks.yaml' },
          { object: o('ConfigMap', 'a'), path: 'clusters/x/apps/a/one/cm.yaml' },
        ],
        texts: new Map(),
        extra: [],
      }),
    ).toThrow(/clusters\/x\/apps\/a\/one holds ks.yaml and other manifests \(cm.yaml\)/);
  });
});

describe('data loss stage', () => {
  const dir = mkdtempSync(join(tmpdir(), 'data-loss-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'clusters/x/apps/a'), { recursive: true });
  writeFileSync(join(dir, 'clusters/x/apps/a/pvc.yaml'), 'apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\n  namespace: media\n');
  writeFileSync(join(dir, 'clusters/x/apps/a/kustomization.yaml'), 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [pvc.yaml]\n');

  it('refuses to drop a claim of the replaced output unless confirmed, and reads nothing without a folder', () => {
    expect(() => checkDataLoss(dir, 'clusters/x', [], false)).toThrow(DataLossError);
    expect(checkDataLoss(dir, 'clusters/x', [], true).map((d) => `${d.kind}/${d.name} ${d.path}`)).toEqual(['PersistentVolumeClaim/data clusters/x/apps/a/pvc.yaml']);
    const kept = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'media' } };
    expect(checkDataLoss(dir, 'clusters/x', [kept], false)).toEqual([]);
    expect(checkDataLoss(undefined, 'clusters/x', [], false)).toEqual([]);
  });
});
