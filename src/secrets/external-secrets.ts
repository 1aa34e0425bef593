/**
 * The alternative secrets backend (`secrets.backend: 'external-secrets'`): instead of SOPS files,
 * one Infisical `SecretStore` per namespace and one `ExternalSecret` per `SecretRequest`. The
 * External Secrets Operator then creates each Secret with exactly the same name and keys as the
 * SOPS backend would, so consumers (`secretKeyRef`) do not change.
 *
 * ## Naming in Infisical
 * All values live flat in one folder (`secretsPath`, default `/media-stack`) of the Infisical
 * project/environment. The remote key of Secret `<name>`, key `<key>` is
 * `<NAME>__<KEY>`, upper-cased, every character other than A-Z and 0-9 replaced by `_` (the same
 * normalization as the env var names of the SOPS backend, without the `MEDIA_STACK_SECRET__`
 * prefix). Example: `decypharr-secrets` / `realdebrid-api-key` → `DECYPHARR_SECRETS__REALDEBRID_API_KEY`.
 * A Secret of the same name in two namespaces reads the same remote keys.
 *
 * ## Generated values
 * This backend cannot generate values (there is no previous file to keep them in, and an
 * ExternalSecret only reads). The operator creates every key in Infisical, including the ones the
 * SOPS backend would generate (the *arr API keys: 32 lower-case hex characters, e.g.
 * `openssl rand -hex 16`). `externalSecretKeysToCreate()` lists them for the runbook.
 *
 * ## Bootstrap
 * The SecretStore authenticates with Infisical Universal Auth. Its credentials are a Secret
 * (`bootstrapSecretName`, keys `clientId`/`clientSecret`) that the operator creates in every
 * namespace by hand (`kubectl create secret generic …`); it is never in Git.
 */
import type { KubeObject } from '../output/model.js';
import type { SecretRequest } from './model.js';

export interface ExternalSecretsOptions {
  /** Name of the SecretStore in each namespace. @default 'infisical' */
  readonly storeName?: string;
  readonly projectSlug: string;
  readonly environmentSlug: string;
  /** @default '/media-stack' */
  readonly secretsPath?: string;
  /** @default 'https://app.infisical.com' */
  readonly hostAPI?: string;
  /** Secret with `clientId`/`clientSecret` of the Universal Auth identity (never in Git). @default 'infisical-universal-auth' */
  readonly bootstrapSecretName?: string;
  /** How often the operator re-reads the values. @default '1h' */
  readonly refreshInterval?: string;
}

export const EXTERNAL_SECRETS_API_VERSION = 'external-secrets.io/v1';

/** Remote key in Infisical of one Secret key: `<SECRET_NAME>__<KEY>` (see the module doc). */
export function infisicalKeyName(secretName: string, key: string): string {
  const norm = (s: string) => s.toUpperCase().replace(/[^A-Z0-9]/g, '_');
  return `${norm(secretName)}__${norm(key)}`;
}

/** SecretStores (one per namespace, sorted) followed by one ExternalSecret per request (request order). */
export function externalSecretObjects(requests: readonly SecretRequest[], opts: ExternalSecretsOptions): KubeObject[] {
  const o = {
    storeName: opts.storeName ?? 'infisical',
    secretsPath: opts.secretsPath ?? '/media-stack',
    hostAPI: opts.hostAPI ?? 'https://app.infisical.com',
    bootstrapSecretName: opts.bootstrapSecretName ?? 'infisical-universal-auth',
    refreshInterval: opts.refreshInterval ?? '1h',
  };
  const problems: string[] = [];
  if (!opts.projectSlug) problems.push('projectSlug is empty: set secrets.infisical.projectSlug to the slug from the Infisical project settings');
  if (!opts.environmentSlug) problems.push('environmentSlug is empty: set secrets.infisical.environmentSlug (e.g. prod)');
  if (!o.secretsPath.startsWith('/')) problems.push(`secretsPath '${o.secretsPath}' must start with '/'`);

  // Two different Secret keys must not share a remote key after normalization.
  const owner = new Map<string, string>();
  const seen = new Set<string>();
  for (const r of requests) {
    if (seen.has(`${r.namespace}/${r.name}`)) problems.push(`Secret ${r.namespace}/${r.name} is requested twice`);
    seen.add(`${r.namespace}/${r.name}`);
    for (const k of r.keys) {
      const remote = infisicalKeyName(r.name, k.key);
      const id = `${r.name}/${k.key}`;
      const prev = owner.get(remote);
      if (prev !== undefined && prev !== id) problems.push(`${prev} and ${id} both map to the Infisical key ${remote}; rename one of them`);
      owner.set(remote, id);
    }
  }
  if (problems.length > 0) throw new Error(`external-secrets backend:\n${problems.map((p) => `  - ${p}`).join('\n')}`);

  const namespaces = [...new Set(requests.map((r) => r.namespace))].sort();
  const stores: KubeObject[] = namespaces.map((namespace) => ({
    apiVersion: EXTERNAL_SECRETS_API_VERSION,
    kind: 'SecretStore',
    metadata: { name: o.storeName, namespace },
    spec: {
      provider: {
        infisical: {
          hostAPI: o.hostAPI,
          auth: {
            universalAuthCredentials: {
              clientId: { name: o.bootstrapSecretName, key: 'clientId' },
              clientSecret: { name: o.bootstrapSecretName, key: 'clientSecret' },
            },
          },
          secretsScope: {
            projectSlug: opts.projectSlug,
            environmentSlug: opts.environmentSlug,
            secretsPath: o.secretsPath,
          },
        },
      },
    },
  }));

  const externalSecrets: KubeObject[] = requests.map((r) => {
    const labels = r.labels && Object.keys(r.labels).length > 0 ? { ...r.labels } : undefined;
    return {
      apiVersion: EXTERNAL_SECRETS_API_VERSION,
      kind: 'ExternalSecret',
      metadata: { name: r.name, namespace: r.namespace, ...(labels ? { labels } : {}) },
      spec: {
        refreshInterval: o.refreshInterval,
        secretStoreRef: { kind: 'SecretStore', name: o.storeName },
        target: {
          name: r.name,
          creationPolicy: 'Owner',
          // No template data: the Secret holds exactly the `data` keys below. The template only
          // sets the type and the labels the SOPS backend writes too.
          template: { type: 'Opaque', ...(labels ? { metadata: { labels } } : {}) },
        },
        data: r.keys.map((k) => ({ secretKey: k.key, remoteRef: { key: infisicalKeyName(r.name, k.key) } })),
      },
    };
  });

  return [...stores, ...externalSecrets];
}

/** One value the operator must create in Infisical before the ExternalSecrets can sync. */
export interface InfisicalKeyToCreate {
  /** The remote key name in Infisical. */
  readonly remoteKey: string;
  readonly secret: string;
  readonly key: string;
  /** Namespaces whose Secret reads it. */
  readonly namespaces: string[];
  /** What the value is (operator keys) or how to generate it (generated keys). */
  readonly description: string;
  readonly generated: boolean;
  /**
   * An optional operator value. It must still exist in Infisical (an empty value is fine): an
   * ExternalSecret with a missing remote key does not sync at all.
   */
  readonly optional: boolean;
}

/**
 * Every remote key the operator must create in Infisical (in `secretsPath`), deduplicated by
 * remote key, in request order. For the runbook.
 */
export function externalSecretKeysToCreate(requests: readonly SecretRequest[]): InfisicalKeyToCreate[] {
  const out = new Map<string, InfisicalKeyToCreate>();
  for (const r of requests) {
    for (const k of r.keys) {
      const remoteKey = infisicalKeyName(r.name, k.key);
      const existing = out.get(remoteKey);
      if (existing) {
        if (!existing.namespaces.includes(r.namespace)) existing.namespaces.push(r.namespace);
        continue;
      }
      const s = k.source;
      const description =
        s.kind === 'operator'
          ? s.description
          : (s.alphabet ?? 'hex') === 'hex'
            ? `random, ${s.length ?? 32} lower-case hex characters (e.g. \`openssl rand -hex ${Math.ceil((s.length ?? 32) / 2)}\`${(s.length ?? 32) % 2 ? `, cut to ${s.length}` : ''}); the app uses it as its API key`
            : `random, ${s.length ?? 32} letters and digits (e.g. \`openssl rand -base64 ${(s.length ?? 32) * 2} | tr -dc A-Za-z0-9 | head -c ${s.length ?? 32}\`)`;
      out.set(remoteKey, {
        remoteKey,
        secret: r.name,
        key: k.key,
        namespaces: [r.namespace],
        description,
        generated: s.kind === 'generated',
        optional: s.kind === 'operator' && s.optional === true,
      });
    }
  }
  return [...out.values()];
}
