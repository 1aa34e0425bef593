/**
 * What the stack declares about a Secret. Constructs create these; they never hold values.
 * The secrets lifecycle (`resolve.ts`) turns them into SOPS-encrypted files (or ExternalSecrets).
 */
import { OPERATOR_SECRETS_FILE } from '../sops/config.js';

/** Where one value of a Secret comes from. */
export type SecretValueSource =
  | {
      /** Random once, then kept (the previous encrypted file is the store). */
      readonly kind: 'generated';
      /**
       * Length in characters.
       * @default 32
       */
      readonly length?: number;
      /**
       * `hex` (lower-case; the *arr API key format) or `alphanumeric`.
       * @default 'hex'
       */
      readonly alphabet?: 'hex' | 'alphanumeric';
    }
  | {
      /** Supplied by the operator: env var, gitignored local file or SOPS-encrypted source file. */
      readonly kind: 'operator';
      /** One line telling the operator what this value is and where to get it. */
      readonly description: string;
      /**
       * When true, a missing value is left out of the Secret instead of failing the synth.
       * @default false
       */
      readonly optional?: boolean;
    };

export interface SecretKeySpec {
  /** Key in the Secret's `stringData`. */
  readonly key: string;
  readonly source: SecretValueSource;
  /**
   * What a value must look like for its consumer. The synth checks every value it knows
   * (supplied, generated or carried over) and fails naming the key and the rule, never the value.
   * @default - any string
   */
  readonly valueRule?: SecretValueRule;
}

export interface SecretValueRule {
  readonly pattern: RegExp;
  /** What the value must be, as the fix in the error, e.g. "printable characters only". */
  readonly description: string;
}

export interface SecretRequest {
  /** `metadata.name` of the Secret. */
  readonly name: string;
  readonly namespace: string;
  /** Keys in the order they are written. */
  readonly keys: readonly SecretKeySpec[];
  /** Labels for the Secret's metadata. @default - none */
  readonly labels?: Readonly<Record<string, string>>;
  /**
   * Path of the encrypted file relative to the output root, ending in `.sops.yaml`,
   * e.g. `clusters/homelab/apps/media/sonarr/secret.sops.yaml`. Set by the writer.
   */
  readonly path: string;
}

/** What every operator value's environment variable name starts with. */
export const SECRET_ENV_PREFIX = 'MEDIA_STACK_SECRET__';

/**
 * Name of the environment variable that supplies an operator value:
 * `MEDIA_STACK_SECRET__<SECRET>__<KEY>`, upper-cased, every other character than A-Z0-9 as `_`.
 * Example: Secret `decypharr-secrets`, key `realdebrid-api-key` →
 * `MEDIA_STACK_SECRET__DECYPHARR_SECRETS__REALDEBRID_API_KEY`.
 */
export function secretEnvVarName(secretName: string, key: string): string {
  const norm = (s: string) => s.toUpperCase().replace(/[^A-Z0-9]/g, '_');
  return `${SECRET_ENV_PREFIX}${norm(secretName)}__${norm(key)}`;
}

/**
 * Operator-supplied plaintext values: Secret name → key → value, merged from all sources
 * (`sources.ts`). Never log these, never put them into an error message.
 */
export type OperatorValues = Readonly<Record<string, Readonly<Record<string, string>>>>;

/** The gitignored plaintext file with operator values, relative to the project folder. */
export const DEFAULT_LOCAL_SECRETS_FILE = 'secrets.local.yaml';

/** The SOPS-encrypted file with operator values (edited with the `sops` CLI), relative to the project folder. */
export const DEFAULT_SOPS_SECRETS_FILE = OPERATOR_SECRETS_FILE;
