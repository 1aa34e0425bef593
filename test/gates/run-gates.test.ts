import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/stack-config.js';
import { formatFindings, hasErrors, runGates, type ExternalObject, type GateFinding } from '../../src/gates/index.js';
import { publishedFacts } from '../../src/pipeline/gates.js';
import { synthesize } from '../../src/synth.js';
import { operatorEnv, PROJECT } from '../stack/support.js';
import { asObjects, cleanApp, find, NS, OPTS } from './fixtures.js';

describe('runGates', () => {
  it('finds nothing in the clean app', () => {
    const findings = runGates(asObjects(cleanApp()), OPTS);
    expect(findings).toEqual([]);
    expect(hasErrors(findings)).toBe(false);
    expect(formatFindings(findings)).toBe('quality gates: no findings');
  });

  it('runs all four gates and reports each planted defect once', () => {
    const app = cleanApp();
    const sts = find(app, 'StatefulSet');
    sts.spec.template.spec.containers[0].resources.limits.memory = null; // schema (and security: no memory limit)
    find(app, 'Service', 'sonarr').spec.selector['app.kubernetes.io/name'] = 'radarr'; // references
    sts.spec.template.spec.enableServiceLinks = true; // security
    sts.spec.template.spec.containers[0].volumeMounts[1].readOnly = true; // behaviour: Sonarr writes /tmp
    const findings = runGates(asObjects(app), OPTS);
    expect(findings.map((f) => [f.gate, f.severity, f.object, f.path])).toEqual([
      ['schema', 'error', `StatefulSet/${NS}/sonarr`, 'spec.template.spec.containers[0].resources.limits.memory'],
      ['references', 'error', `Service/${NS}/sonarr`, 'spec.selector'],
      ['security', 'error', `StatefulSet/${NS}/sonarr`, 'spec.template.spec.enableServiceLinks'],
      ['security', 'error', `StatefulSet/${NS}/sonarr`, 'spec.template.spec.containers[0].resources'],
      ['behaviour', 'error', `StatefulSet/${NS}/sonarr`, 'spec.template.spec.containers[0].volumeMounts[1]'],
    ]);
    expect(hasErrors(findings)).toBe(true);
  });

  it('formats errors before warnings, one line each, with a count', () => {
    const findings: GateFinding[] = [
      { gate: 'security', severity: 'warning', object: 'StatefulSet/media/sonarr', path: 'spec.template.spec.containers[0].image', message: 'pinned by tag only' },
      { gate: 'schema', severity: 'error', object: 'Service/media/sonarr', path: 'spec.clusterIp', message: 'unknown field "clusterIp"' },
      { gate: 'references', severity: 'error', object: 'Kustomization/flux-system/media-apps', message: 'dependsOn cycle' },
    ];
    expect(formatFindings(findings)).toBe(
      [
        'error   [references] Kustomization/flux-system/media-apps: dependsOn cycle',
        'error   [schema] Service/media/sonarr spec.clusterIp: unknown field "clusterIp"',
        'warning [security] StatefulSet/media/sonarr spec.template.spec.containers[0].image: pinned by tag only',
        'quality gates: 2 errors, 1 warning',
      ].join('\n'),
    );
  });
});

describe('the default stack', () => {
  /** What the default stack expects the cluster to have already. */
  const external: ExternalObject[] = [
    { kind: 'Namespace', name: 'flux-system' },
    { kind: 'Namespace', name: 'kube-system' },
    { kind: 'GitRepository', namespace: 'flux-system', name: 'flux-system' },
    { kind: 'Secret', namespace: 'flux-system', name: 'sops-age' },
    { kind: 'StorageClass', name: 'longhorn-simple' },
    { kind: 'ConfigMap', namespace: 'media', name: 'kube-root-ca.crt' },
  ];

  it('passes every gate with its own security exceptions (warnings only)', async () => {
    const config = await loadConfig(undefined);
    const result = await synthesize({ config, projectDir: PROJECT, env: operatorEnv(config) });
    const objects = result.objects.map((p) => p.object);
    const findings = runGates(objects, {
      external,
      securityExceptions: result.securityExceptions,
      behaviour: { storageProvisioners: { 'longhorn-simple': 'driver.longhorn.io' }, facts: publishedFacts() },
    });
    expect(
      findings.filter((f) => f.severity === 'error'),
      formatFindings(findings),
    ).toEqual([]);
    expect(objects.length).toBeGreaterThan(50);
    expect(objects.filter((o) => o.kind === 'Secret').length).toBeGreaterThan(0);
  });
});
