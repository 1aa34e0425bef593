/**
 * ingress.mode 'gateway' (HTTPRoutes on the operator's Gateway), cert-manager TLS in both modes and
 * forward-auth as Traefik's ExtensionRef filter: what the stack builds, and what the schema and
 * reference gates say about HTTPRoutes and Certificates.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkReferences, validateSchemas, type GateFinding } from '../../src/gates/index.js';
import { writeTree } from '../../src/output/write.js';
import { resolveConfig, type StackConfigInput } from '../../src/stack-config.js';
import { synthesize } from '../../src/synth.js';
import { objectsOf } from '../helpers.js';
import { kubectlKustomize, operatorEnv, PROJECT, readTree } from '../stack/support.js';
import { asObjects, EXTERNAL, NS, type Obj } from './fixtures.js';

const GATEWAY = { name: 'envoy-internal', namespace: 'network', sectionName: 'https' };
const gatewayMode = (extra: StackConfigInput['ingress'] = {}): StackConfigInput => ({ ingress: { mode: 'gateway', gateway: GATEWAY, ...extra } });
const names = (objects: readonly Obj[], kind: string) =>
  objects
    .filter((o) => o.kind === kind)
    .map((o) => o.metadata.name)
    .sort();
const lines = (findings: GateFinding[]) => findings.map((f) => `${f.severity} ${f.object} ${f.path ?? '-'}: ${f.message}`);

describe("ingress.mode 'gateway'", () => {
  it('gives every UI that has an Ingress in mode ingress an HTTPRoute instead, and writes no Ingress', () => {
    const ingressMode = objectsOf();
    const gateway = objectsOf(gatewayMode());
    const ingresses = names(ingressMode.objects, 'Ingress');
    expect(ingresses.length).toBeGreaterThan(3);
    expect(names(gateway.objects, 'HTTPRoute')).toEqual(ingresses);
    expect(names(gateway.objects, 'Ingress')).toEqual([]);
    expect(names(ingressMode.objects, 'HTTPRoute')).toEqual([]);
  });

  it("attaches each route to the configured Gateway listener with the Ingress's host and the Service port by number", () => {
    const ingressMode = objectsOf();
    const { objects, find } = objectsOf(gatewayMode());
    for (const route of objects.filter((o) => o.kind === 'HTTPRoute') as Obj[]) {
      const ing = ingressMode.find('Ingress', route.metadata.name);
      const backend = ing.spec.rules[0].http.paths[0].backend.service;
      const svc = find('Service', backend.name);
      const port = svc.spec.ports.find((p: Obj) => p.name === backend.port.name).port;
      expect(route.apiVersion).toBe('gateway.networking.k8s.io/v1');
      expect(route.metadata.namespace).toBe(NS);
      expect(route.spec).toEqual({
        parentRefs: [GATEWAY],
        hostnames: [ing.spec.rules[0].host],
        rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ name: backend.name, port }] }],
      });
    }
  });

  it("lets the Gateway's proxy pods (namespace + labels) reach the apps instead of the ingress controller's namespace", () => {
    const podLabels = { 'gateway.envoyproxy.io/owning-gateway-name': 'envoy-internal' };
    const { find } = objectsOf(gatewayMode({ gateway: { ...GATEWAY, podNamespace: 'envoy-gateway-system', podLabels } }));
    const from = find('NetworkPolicy', 'allow-sonarr').spec.ingress.flatMap((r: Obj) => r.from);
    expect(from).toContainEqual({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'envoy-gateway-system' } }, podSelector: { matchLabels: podLabels } });
    expect(JSON.stringify(from)).not.toContain('kube-system');
  });

  it("guards every UI but Plex with Traefik's ExtensionRef filter to the Middleware of the stack's namespace in forward-auth mode", () => {
    const { objects, find } = objectsOf(gatewayMode({ auth: { mode: 'forward-auth', middleware: `${NS}-authelia@kubernetescrd` } }));
    const filter = { type: 'ExtensionRef', extensionRef: { group: 'traefik.io', kind: 'Middleware', name: 'authelia' } };
    expect(find('HTTPRoute', 'sonarr').spec.rules[0].filters).toEqual([filter]);
    expect(find('HTTPRoute', 'plex').spec.rules[0].filters).toBeUndefined();
    const routes = objects.filter((o) => o.kind === 'HTTPRoute');
    expect(
      checkReferences(routes, { external: [...EXTERNAL, { kind: 'Gateway', namespace: 'network', name: 'envoy-internal' }, { kind: 'Namespace', name: 'network' }] }).map(
        (f) => f.message,
      ),
    ).toContain(`Middleware "authelia" (traefik.io) is neither in namespace "${NS}" of the output nor declared external`);
  });

  it('writes one wildcard Certificate next to the Gateway with ingress.tls, in a folder of its own', () => {
    const { objects, stack } = objectsOf(gatewayMode({ tls: { issuerName: 'letsencrypt-production' } }));
    const certs = objects.filter((o) => o.kind === 'Certificate') as Obj[];
    expect(certs.map((c) => [c.metadata.namespace, c.metadata.name, c.spec])).toEqual([
      ['network', `${NS}-wildcard`, { secretName: `${NS}-wildcard-tls`, dnsNames: ['*.homelab'], issuerRef: { kind: 'ClusterIssuer', name: 'letsencrypt-production' } }],
    ]);
    expect(stack.components.find((c) => c.dir === `apps/${NS}/gateway-certificate`)?.namespace).toBe('network');
  });
});

describe('a gateway-mode stack with forward-auth, proxy labels and TLS through the whole synth', () => {
  it('passes every quality gate, and the certificate folder and the routes build with kubectl kustomize', async () => {
    const config = resolveConfig({
      ...gatewayMode({
        gateway: { ...GATEWAY, podLabels: { 'app.kubernetes.io/name': 'traefik' } },
        auth: { mode: 'forward-auth', middleware: `${NS}-authelia@kubernetescrd` },
        tls: { issuerName: 'letsencrypt-production' },
      }),
    });
    // The synth throws a GateError on any gate error; the gates see the operator's Gateway, Middleware and issuer as external.
    const result = await synthesize({ config, projectDir: PROJECT, env: operatorEnv(config) });
    const out = join(mkdtempSync(join(tmpdir(), 'gateway-')), 'dist');
    await writeTree(out, result.files, { owner: config.cluster });
    // Found by file, not by a fixed path: the folder layout is the layout stage's.
    const folderOf = (pattern: RegExp) => {
      const files = [...readTree(out).keys()].filter((f) => pattern.test(f));
      expect(files).toHaveLength(1);
      return join(out, dirname(files[0]!));
    };
    const certificate = kubectlKustomize(folderOf(/gateway-certificate\/(.*\/)?certificate\.yaml$/));
    expect(certificate).toContain('kind: Certificate');
    expect(certificate).toContain('namespace: network');
    const sonarr = kubectlKustomize(folderOf(/\/sonarr\/(.*\/)?httproute\.yaml$/));
    expect(sonarr).toContain('kind: HTTPRoute');
    expect(sonarr).not.toContain('kind: Ingress');
  });
});

describe("cert-manager TLS in mode 'ingress'", () => {
  it('gives each Ingress a Certificate for its host and a tls block naming its Secret', () => {
    const { objects, find } = objectsOf({ ingress: { tls: { issuerKind: 'Issuer', issuerName: 'home-ca' } } });
    const ingresses = objects.filter((o) => o.kind === 'Ingress') as Obj[];
    expect(names(objects, 'Certificate')).toEqual(names(objects, 'Ingress'));
    for (const ing of ingresses) {
      const host = ing.spec.rules[0].host;
      expect(ing.spec.tls).toEqual([{ hosts: [host], secretName: `${ing.metadata.name}-tls` }]);
      expect(find('Certificate', ing.metadata.name).spec).toEqual({ secretName: `${ing.metadata.name}-tls`, dnsNames: [host], issuerRef: { kind: 'Issuer', name: 'home-ca' } });
    }
  });
});

describe('schema and reference gates on HTTPRoute and Certificate', () => {
  const built = () => objectsOf(gatewayMode({ tls: { issuerName: 'letsencrypt-production' } }));
  const routeAndCert = () => {
    const { find } = built();
    return { route: structuredClone(find('HTTPRoute', 'sonarr')), service: find('Service', 'sonarr'), cert: structuredClone(find('Certificate', `${NS}-wildcard`)) };
  };

  it('validates the built HTTPRoutes and Certificate against their CRD schemas and reports a bad field', () => {
    const { objects } = built();
    const kinds = objects.filter((o) => o.kind === 'HTTPRoute' || o.kind === 'Certificate');
    expect(validateSchemas(kinds)).toEqual([]);
    const { route, cert } = routeAndCert();
    route.spec.rules[0].matches[0].path.type = 'Prefix';
    cert.spec.dnsName = cert.spec.dnsNames;
    expect(lines(validateSchemas(asObjects([route, cert])).filter((f) => f.severity === 'error'))).toEqual([
      expect.stringMatching(/^error HTTPRoute\/media\/sonarr spec\.rules\[0\]\.matches\[0\]\.path\.type: .*PathPrefix/),
      `error Certificate/network/${NS}-wildcard spec.dnsName: unknown field "dnsName"`,
    ]);
  });

  it('reports an undeclared parent Gateway, a missing backend Service, a port the Service lacks and an undeclared issuer', () => {
    const { route, service, cert } = routeAndCert();
    route.spec.rules[0].backendRefs.push({ name: 'sonarr', port: 80 }, { name: 'sonarr-feed', port: 8989 });
    const findings = checkReferences(asObjects([route, service, cert]), { external: [...EXTERNAL, { kind: 'Namespace', name: NS }, { kind: 'Namespace', name: 'network' }] });
    expect(lines(findings.filter((f) => f.object !== `Service/${NS}/sonarr`))).toEqual([
      `error HTTPRoute/${NS}/sonarr spec.parentRefs[0]: parent Gateway "network/envoy-internal" is neither in the output nor declared external (ingress.gateway names it)`,
      `error HTTPRoute/${NS}/sonarr spec.rules[0].backendRefs[1].port: Service "sonarr" exposes no port 80 (ports: http=8989)`,
      `error HTTPRoute/${NS}/sonarr spec.rules[0].backendRefs[2].name: Service "sonarr-feed" does not exist in namespace "${NS}"`,
      `error Certificate/network/${NS}-wildcard spec.issuerRef: ClusterIssuer "letsencrypt-production" is neither in the output nor declared external (ingress.tls names it)`,
    ]);
    const declared = [
      ...EXTERNAL,
      { kind: 'Namespace', name: NS },
      { kind: 'Namespace', name: 'network' },
      { kind: 'Gateway', namespace: 'network', name: 'envoy-internal' },
      { kind: 'ClusterIssuer', name: 'letsencrypt-production' },
    ];
    route.spec.rules[0].backendRefs.splice(1);
    expect(checkReferences(asObjects([route, service, cert]), { external: declared }).filter((f) => f.object !== `Service/${NS}/sonarr`)).toEqual([]);
  });
});
