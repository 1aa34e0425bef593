import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseDocument, parse as parseYaml } from 'yaml';
import { schemaHeaderOf, schemaUrlOf, withSchemaHeader } from '../../src/output/schema-header.js';
import { decryptYaml, reencryptYaml, rewrapYaml } from '../../src/sops/index.js';
import { ageCliDecrypt, DEMO_KEY_FILE, demoIdentities, rawDecrypt, REPO } from '../sops/helpers.js';

const YANNH = 'https://raw.githubusercontent.com/yannh/kubernetes-json-schema/refs/heads/master/v1.34.0-standalone-strict';

describe('schema URLs', () => {
  it.each([
    ['v1', 'Service', `${YANNH}/service-v1.json`],
    ['apps/v1', 'StatefulSet', `${YANNH}/statefulset-apps-v1.json`],
    ['networking.k8s.io/v1', 'NetworkPolicy', `${YANNH}/networkpolicy-networking-v1.json`],
    ['storage.k8s.io/v1', 'StorageClass', `${YANNH}/storageclass-storage-v1.json`],
    ['kustomize.config.k8s.io/v1beta1', 'Kustomization', 'https://json.schemastore.org/kustomization'],
    ['kustomize.toolkit.fluxcd.io/v1', 'Kustomization', 'https://k8s-schemas.home-operations.com/kustomize.toolkit.fluxcd.io/kustomization_v1.json'],
    ['external-secrets.io/v1', 'ExternalSecret', 'https://k8s-schemas.home-operations.com/external-secrets.io/externalsecret_v1.json'],
    ['gateway.networking.k8s.io/v1', 'HTTPRoute', 'https://k8s-schemas.home-operations.com/gateway.networking.k8s.io/httproute_v1.json'],
    ['traefik.io/v1alpha1', 'Middleware', 'https://raw.githubusercontent.com/datreeio/CRDs-catalog/main/traefik.io/middleware_v1alpha1.json'],
  ])('%s %s → %s', (apiVersion, kind, url) => {
    expect(schemaUrlOf({ apiVersion, kind })).toBe(url);
  });

  it('names a built-in kind only for a group/version/kind Kubernetes 1.34 serves', () => {
    const swagger = JSON.parse(gunzipSync(readFileSync(join(REPO, 'schemas/kubernetes/k8s-1.34-swagger.json.gz'))).toString('utf8')) as {
      definitions: Record<string, { 'x-kubernetes-group-version-kind'?: { group: string; version: string; kind: string }[] }>;
    };
    const served = new Set(
      Object.values(swagger.definitions).flatMap((d) =>
        (d['x-kubernetes-group-version-kind'] ?? []).map((g) => schemaUrlOf({ apiVersion: g.group ? `${g.group}/${g.version}` : g.version, kind: g.kind })),
      ),
    );
    // every kind the default output writes whose URL points at the built-in schemas
    const written = readFileSync(join(REPO, 'dist/.media-stack-output'), 'utf8')
      .split('\n')
      .map((l) => /^\s+- "(clusters\/.*\.yaml)"$/.exec(l)?.[1])
      .filter((p): p is string => Boolean(p))
      .map((p) => schemaHeaderOf(readFileSync(join(REPO, 'dist', p), 'utf8')))
      .filter((u): u is string => Boolean(u?.startsWith(YANNH)));
    expect(written.length).toBeGreaterThan(10);
    for (const url of written) expect(served.has(url), url).toBe(true);
  });

  it('adds the line once, replacing an older one', () => {
    const once = withSchemaHeader('a: 1\n', 'https://x/1.json');
    expect(once).toBe('# yaml-language-server: $schema=https://x/1.json\na: 1\n');
    expect(withSchemaHeader(once, 'https://x/2.json')).toBe('# yaml-language-server: $schema=https://x/2.json\na: 1\n');
  });
});

describe('the schema line on an encrypted Secret', () => {
  const file = join(REPO, 'dist/clusters/homelab/apps/media/sonarr/app/secret.sops.yaml');
  const text = readFileSync(file, 'utf8');
  const body = text.slice(text.indexOf('\n') + 1);

  it('is a top-level comment: sops leaves it in clear and out of the MAC (no key for encrypted_regex to match)', () => {
    expect(schemaHeaderOf(text)).toBe(`${YANNH}/secret-v1.json`);
    const doc = parseDocument(text);
    expect(doc.commentBefore ?? (doc.contents as { items: { key: { commentBefore?: string } }[] }).items[0]!.key.commentBefore).toContain('yaml-language-server');
    expect(parseYaml(text)).toEqual(parseYaml(body));
  });

  it('decrypts with its MAC verified, the data key unwrapped by the real age CLI', async () => {
    const withHeader = await decryptYaml(text, demoIdentities());
    const without = await decryptYaml(body, demoIdentities());
    expect(withHeader.plain).toEqual(without.plain);
    const sops = (parseYaml(text) as { sops: { age: { enc: string }[] } }).sops;
    const dataKey = ageCliDecrypt(sops.age[0]!.enc, DEMO_KEY_FILE);
    expect(Buffer.from(dataKey).equals(Buffer.from(withHeader.dataKey))).toBe(true);
    const enc = (parseYaml(text) as { stringData: Record<string, string> }).stringData['api-key']!;
    const apiKey = rawDecrypt(enc, dataKey, 'stringData:api-key:').plain.toString('utf8');
    expect((withHeader.plain.stringData as Record<string, string>)['api-key']).toBe(apiKey);
  });

  it('survives re-wrapping and re-encryption (npm run keys), which keep the values', async () => {
    const recipient = (parseYaml(text) as { sops: { age: { recipient: string }[] } }).sops.age[0]!.recipient;
    for (const again of [await rewrapYaml(text, demoIdentities(), [recipient]), await reencryptYaml(text, demoIdentities(), [recipient])]) {
      expect(again.split('\n')[0]).toBe(text.split('\n')[0]);
      expect(again.split('\n')[1]).toBe('apiVersion: v1');
      expect((await decryptYaml(again, demoIdentities())).plain).toEqual((await decryptYaml(text, demoIdentities())).plain);
    }
  });
});
