import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
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
    expect(paths).toContain(`${root}/apps/media/network-policies/networkpolicy-sonarr.yaml`);
    expect(built.placement.fluxScope.get('NetworkPolicy/media/allow-sonarr')).toBe('media-network-policies');
    expect(built.placement.fluxScope.get('StatefulSet/media/sonarr')).toBe('sonarr');
    const sonarrSecret = built.placement.secretRequests.find((r) => r.name === 'sonarr-secrets')!;
    expect(sonarrSecret.path).toBe(`${root}/apps/media/sonarr/secret.sops.yaml`);
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
  it('writes one Kustomization per folder into media-stack.yaml, decrypting only folders with SOPS Secrets', () => {
    const flux = fluxStage(cfg, stack.components, root, [`${root}/apps/media/sonarr/secret.sops.yaml`]);
    expect(flux.map((p) => p.object.metadata.name)).toEqual(stack.components.map((c) => c.fluxName));
    expect(new Set(flux.map((p) => p.path))).toEqual(new Set([`${root}/media-stack.yaml`]));
    const spec = (name: string) => (flux.find((p) => p.object.metadata.name === name)!.object as any).spec;
    expect(spec('sonarr').path).toBe(`./media-stack/${root}/apps/media/sonarr`);
    expect(spec('sonarr').decryption).toBeDefined();
    expect(spec('radarr').decryption).toBeUndefined();
    expect(spec('media-network-policies').dependsOn).toEqual([{ name: 'media-namespace' }]);
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
  const o = (kind: string, name: string) => ({ apiVersion: 'v1', kind, metadata: { name } });
  it('joins objects of one file into documents, writes given texts in their place, and adds kustomization.yaml files', () => {
    const files = layout(resolveConfig({ flux: { extraRootResources: ['bootstrap'] } }), 'clusters/x', {
      objects: [
        { object: o('ConfigMap', 'a'), path: 'clusters/x/apps/a/cm.yaml' },
        { object: o('ConfigMap', 'b'), path: 'clusters/x/apps/a/cm.yaml' },
        { object: o('Secret', 's'), path: 'clusters/x/apps/a/secret.sops.yaml' },
      ],
      texts: new Map([['clusters/x/apps/a/secret.sops.yaml', 'ENCRYPTED\n']]),
      extra: [{ path: 'docs/x/README.md', content: '# x\n' }],
    });
    expect(files.map((f) => f.path)).toEqual([
      'clusters/x/apps/a/cm.yaml',
      'clusters/x/apps/a/kustomization.yaml',
      'clusters/x/apps/a/secret.sops.yaml',
      'clusters/x/apps/kustomization.yaml',
      'clusters/x/kustomization.yaml',
      'docs/x/README.md',
    ]);
    const text = (p: string) => files.find((f) => f.path === p)!.content;
    expect(text('clusters/x/apps/a/cm.yaml')).toBe('---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n');
    expect(text('clusters/x/apps/a/secret.sops.yaml')).toBe('ENCRYPTED\n');
    expect(text('clusters/x/kustomization.yaml')).toContain('- bootstrap');
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
