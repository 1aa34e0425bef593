import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { externalSecretKeysToCreate, externalSecretObjects, infisicalKeyName } from '../../src/secrets/external-secrets.js';
import type { SecretRequest } from '../../src/secrets/model.js';
import { resolveSecrets } from '../../src/secrets/resolve.js';
import { decryptYaml } from '../../src/sops/index.js';
import { decypharr, newKey, plex, sonarr, sopsConfigFor, type Key } from './helpers.js';

const requests = [sonarr, decypharr, plex];
const opts = { projectSlug: 'homelab', environmentSlug: 'prod' };

/** The v1 openAPIV3Schema of a CRD in crds/. */
function crdSchema(file: string): object {
  const crd = parseYaml(readFileSync(fileURLToPath(new URL(`../../crds/${file}`, import.meta.url)), 'utf8'));
  const v1 = crd.spec.versions.find((v: { name: string }) => v.name === 'v1');
  return v1.schema.openAPIV3Schema;
}

describe('externalSecretObjects', () => {
  let alice: Key;
  beforeAll(async () => {
    alice = await newKey();
  });

  it('produces one SecretStore per namespace and one ExternalSecret per request', () => {
    const objs = externalSecretObjects(requests, opts);
    expect(objs.map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`)).toEqual([
      'SecretStore media/infisical',
      'SecretStore plex/infisical',
      'ExternalSecret media/sonarr-secrets',
      'ExternalSecret media/decypharr-secrets',
      'ExternalSecret plex/plex-secrets',
    ]);
    expect(objs.every((o) => o.apiVersion === 'external-secrets.io/v1')).toBe(true);
  });

  it('points the SecretStore at Infisical with Universal Auth from the bootstrap Secret', () => {
    const [store] = externalSecretObjects([sonarr], opts);
    expect(store).toEqual({
      apiVersion: 'external-secrets.io/v1',
      kind: 'SecretStore',
      metadata: { name: 'infisical', namespace: 'media' },
      spec: {
        provider: {
          infisical: {
            hostAPI: 'https://app.infisical.com',
            auth: {
              universalAuthCredentials: {
                clientId: { name: 'infisical-universal-auth', key: 'clientId' },
                clientSecret: { name: 'infisical-universal-auth', key: 'clientSecret' },
              },
            },
            secretsScope: { projectSlug: 'homelab', environmentSlug: 'prod', secretsPath: '/media-stack' },
          },
        },
      },
    });
  });

  it('maps every key to a remote key <SECRET_NAME>__<KEY> and creates the Secret under the same name', () => {
    const es = externalSecretObjects([decypharr], { ...opts, refreshInterval: '15m', storeName: 'vault' })[1] as any;
    expect(es.spec).toEqual({
      refreshInterval: '15m',
      secretStoreRef: { kind: 'SecretStore', name: 'vault' },
      target: { name: 'decypharr-secrets', creationPolicy: 'Owner', template: { type: 'Opaque' } },
      data: [
        { secretKey: 'realdebrid-api-key', remoteRef: { key: 'DECYPHARR_SECRETS__REALDEBRID_API_KEY' } },
        { secretKey: 'usenet-pass', remoteRef: { key: 'DECYPHARR_SECRETS__USENET_PASS' } },
      ],
    });
    expect(infisicalKeyName('plex-secrets', 'claim.token')).toBe('PLEX_SECRETS__CLAIM_TOKEN');
  });

  it('carries the labels to the ExternalSecret and to the Secret it creates', () => {
    const es = externalSecretObjects([sonarr], opts)[1] as any;
    expect(es.metadata.labels).toEqual({ 'app.kubernetes.io/name': 'sonarr' });
    expect(es.spec.target.template).toEqual({ type: 'Opaque', metadata: { labels: { 'app.kubernetes.io/name': 'sonarr' } } });
  });

  it('validates against the v1 CRD schemas in crds/', () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    const validate = {
      SecretStore: ajv.compile(crdSchema('external-secrets.io_secretstores.yaml')),
      ExternalSecret: ajv.compile(crdSchema('external-secrets.io_externalsecrets.yaml')),
    };
    const objs = externalSecretObjects(requests, { ...opts, hostAPI: 'https://infisical.example.org', secretsPath: '/homelab/media' });
    for (const o of objs) {
      const v = validate[o.kind as 'SecretStore' | 'ExternalSecret'];
      expect(v(o), `${o.kind}/${o.metadata.name}: ${JSON.stringify(v.errors)}`).toBe(true);
    }
    // the check is real: a misspelt field fails
    const bad = structuredClone(objs[0]) as any;
    bad.spec.provider.infisical.secretsScope = { projectSlug: 'x' };
    expect(validate.SecretStore(bad)).toBe(false);
  });

  it('yields the same Secret names and keys as the SOPS backend for the same requests', async () => {
    const resolved = await resolveSecrets({
      requests,
      sopsConfig: sopsConfigFor([alice.recipient]),
      operatorValues: { 'decypharr-secrets': { 'realdebrid-api-key': 'a', 'usenet-pass': 'b' }, 'plex-secrets': { token: 'c', claim: 'd' } },
    });
    const sops = await Promise.all(
      resolved.files.map(async (f) => {
        const doc = (await decryptYaml(f.text, [alice.identity])).plain as any;
        return { ns: doc.metadata.namespace, name: doc.metadata.name, keys: Object.keys(doc.stringData) };
      }),
    );
    const eso = externalSecretObjects(requests, opts)
      .filter((o) => o.kind === 'ExternalSecret')
      .map((o: any) => ({ ns: o.metadata.namespace, name: o.spec.target.name, keys: o.spec.data.map((d: any) => d.secretKey) }));
    expect(eso).toEqual(sops);
  });

  it('rejects two keys that collapse to the same remote key, and missing slugs', () => {
    const clash: SecretRequest = {
      ...sonarr,
      keys: [
        { key: 'api-key', source: { kind: 'generated' } },
        { key: 'api_key', source: { kind: 'generated' } },
      ],
    };
    expect(() => externalSecretObjects([clash], opts)).toThrow('sonarr-secrets/api-key and sonarr-secrets/api_key both map to the Infisical key SONARR_SECRETS__API_KEY');
    expect(() => externalSecretObjects([sonarr], { projectSlug: '', environmentSlug: 'prod' })).toThrow('projectSlug is empty');
  });

  it('lets a Secret of the same name in two namespaces share its remote keys', () => {
    const again: SecretRequest = { ...plex, namespace: 'media', path: 'clusters/homelab/apps/media/pulsarr/secret.sops.yaml' };
    const objs = externalSecretObjects([plex, again], opts);
    expect(objs.filter((o) => o.kind === 'ExternalSecret').map((o: any) => o.spec.data[0].remoteRef.key)).toEqual(['PLEX_SECRETS__TOKEN', 'PLEX_SECRETS__TOKEN']);
    expect(externalSecretKeysToCreate([plex, again]).find((k) => k.remoteKey === 'PLEX_SECRETS__TOKEN')!.namespaces).toEqual(['plex', 'media']);
  });
});

describe('externalSecretKeysToCreate', () => {
  it('lists every remote key the operator must create, including the ones the SOPS backend would generate', () => {
    const keys = externalSecretKeysToCreate(requests);
    expect(keys.map((k) => [k.remoteKey, k.generated, k.optional])).toEqual([
      ['SONARR_SECRETS__API_KEY', true, false],
      ['DECYPHARR_SECRETS__REALDEBRID_API_KEY', false, false],
      ['DECYPHARR_SECRETS__USENET_PASS', false, true],
      ['PLEX_SECRETS__TOKEN', false, false],
      ['PLEX_SECRETS__CLAIM', false, true],
    ]);
    expect(keys[0]!.description).toContain('32 lower-case hex characters');
    expect(keys[0]!.description).toContain('openssl rand -hex 16');
    expect(keys[1]!.description).toBe('Real-Debrid API token from https://real-debrid.com/apitoken');
  });
});
