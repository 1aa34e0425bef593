import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import type { SecretRequest } from '../../src/secrets/model.js';
import type { ResolveSecretsOptions, ResolvedSecrets } from '../../src/secrets/resolve.js';
import { resolveSecrets } from '../../src/secrets/resolve.js';
import { parseSopsConfig, type SopsConfig } from '../../src/sops/index.js';

export interface Key {
  readonly identity: string;
  readonly recipient: string;
}

export async function newKey(): Promise<Key> {
  const identity = await generateX25519Identity();
  return { identity, recipient: await identityToRecipient(identity) };
}

/** A `.sops.yaml` like the project's: every `*.sops.yaml` below clusters/, values of data/stringData encrypted. */
export function sopsConfigFor(recipients: readonly string[], extra = ''): SopsConfig {
  return parseSopsConfig(
    ['creation_rules:', `  - path_regex: ^clusters/.*\\.sops\\.yaml$`, `    encrypted_regex: ^(data|stringData)$`, `    age: ${recipients.join(',')}`, extra]
      .filter(Boolean)
      .join('\n') + '\n',
  );
}

export const sonarr: SecretRequest = {
  name: 'sonarr-secrets',
  namespace: 'media',
  path: 'clusters/homelab/apps/media/sonarr/app/secret.sops.yaml',
  labels: { 'app.kubernetes.io/name': 'sonarr' },
  keys: [{ key: 'api-key', source: { kind: 'generated' } }],
};

export const decypharr: SecretRequest = {
  name: 'decypharr-secrets',
  namespace: 'media',
  path: 'clusters/homelab/apps/media/decypharr/app/secret.sops.yaml',
  keys: [
    { key: 'realdebrid-api-key', source: { kind: 'operator', description: 'Real-Debrid API token from https://real-debrid.com/apitoken' } },
    { key: 'usenet-pass', source: { kind: 'operator', description: 'Password of the Usenet provider account', optional: true } },
  ],
};

export const plex: SecretRequest = {
  name: 'plex-secrets',
  namespace: 'plex',
  path: 'clusters/homelab/apps/plex/plex/secret.sops.yaml',
  keys: [
    { key: 'token', source: { kind: 'operator', description: 'Plex token (X-Plex-Token) of the server owner' } },
    { key: 'claim', source: { kind: 'operator', description: 'Plex claim token from https://plex.tv/claim', optional: true } },
  ],
};

/** The rule for an operator's secrets.sops.yaml: every value encrypted. */
export function wholeFileRule(recipients: readonly string[]) {
  return parseSopsConfig(`creation_rules:\n  - age: ${recipients.join(',')}\n`).creationRules[0]!;
}

/** Previous output as an in-memory map, fed back into the next run like the writer does. */
export class Output {
  readonly files = new Map<string, string>();
  readPrevious = (path: string): string | undefined => this.files.get(path);
  /** Runs resolveSecrets against this output and stores the result as the new output. */
  async run(opts: Omit<ResolveSecretsOptions, 'readPrevious'>): Promise<ResolvedSecrets> {
    const res = await resolveSecrets({ ...opts, readPrevious: this.readPrevious });
    for (const f of res.files) this.files.set(f.path, f.text);
    return res;
  }
}

/** The thrown error of a promise (fails the test if it resolves). */
export async function errorOf(p: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await p;
  } catch (err) {
    return err as Error & Record<string, unknown>;
  }
  throw new Error('expected the call to throw');
}

/** Deterministic byte source for tests: counts up from `start`. */
export function countingRandom(start = 0): (n: number) => Uint8Array {
  let next = start;
  return (n) => Uint8Array.from({ length: n }, () => next++ & 0xff);
}
