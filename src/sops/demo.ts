/**
 * The committed DEMO identity `examples/demo.agekey`: its private key is public on purpose, so
 * everything ever encrypted to its recipient is public too. The keys commands use it to re-encrypt
 * demo files away from it (the operator never has to supply it), and the secrets lifecycle uses it
 * to recognise demo values that must not reach a real deployment.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseIdentities, recipientOf } from './age.js';
import { SopsError } from './errors.js';

/** Recipient of `examples/demo.agekey`. Synth warns while `.sops.yaml` still encrypts to it. */
export const DEMO_RECIPIENT = 'age1rhuhdmqnj3x2frcxg6jc676jhqvv2l0jcsjrdpfrsc8zphjps4lsrngp6j';

/** Where the demo identity lives, relative to the project root. */
export const DEMO_IDENTITY_FILE = 'examples/demo.agekey';

/**
 * The nearest `examples/demo.agekey` above this module (it runs from src/sops, or from the bundle
 * `npm run synth` caches in node_modules/.cache).
 */
function demoIdentityPath(): string | undefined {
  for (let dir = new URL('./', import.meta.url); ; dir = new URL('../', dir)) {
    const candidate = new URL(DEMO_IDENTITY_FILE, dir);
    if (existsSync(candidate)) return fileURLToPath(candidate);
    if (dir.pathname === '/') return undefined;
  }
}

let cached: Promise<string> | undefined;

/** The demo identity (`AGE-SECRET-KEY-1…`), checked against DEMO_RECIPIENT. */
export function demoIdentity(): Promise<string> {
  cached ??= (async () => {
    const path = demoIdentityPath();
    if (!path) throw new SopsError(`the demo identity ${DEMO_IDENTITY_FILE} is not found above ${fileURLToPath(import.meta.url)}: restore it from Git`);
    const ids = parseIdentities(readFileSync(path, 'utf8'), path);
    for (const id of ids) if ((await recipientOf(id)) === DEMO_RECIPIENT) return id;
    throw new SopsError(`${path} does not hold the identity of the demo recipient ${DEMO_RECIPIENT}: restore it from Git`);
  })();
  return cached;
}

/** True when anyone can read a file with these recipients (one of them is the demo recipient). */
export const isDemoReadable = (recipients: readonly string[]): boolean => recipients.includes(DEMO_RECIPIENT);
