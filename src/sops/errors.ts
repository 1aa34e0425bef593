/**
 * The one error type of the SOPS engine. Messages name files, key paths and recipients, never
 * plaintext values, MAC digests or key material (callers may print them freely).
 */
export class SopsError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SopsError';
  }
}
