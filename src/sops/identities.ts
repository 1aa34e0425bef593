/**
 * Where sops finds age identities (`age/keysource.go loadIdentities`, SPEC §6): SOPS_AGE_KEY
 * (the value), SOPS_AGE_KEY_FILE (a path), and the user config file
 * `$XDG_CONFIG_HOME/sops/age/keys.txt` (Linux default `~/.config/…`; macOS
 * `~/Library/Application Support/…` unless XDG_CONFIG_HOME is set; Windows `%AppData%\…`).
 * All sources are combined. A missing default file is not an error here (callers report "no
 * identity" when they need one); an explicit SOPS_AGE_KEY_FILE that cannot be read is.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseIdentities } from './age.js';
import { SopsError } from './errors.js';

/** The sops user config directory for age keys, or undefined if it cannot be determined. */
export function defaultAgeKeyFile(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string | undefined {
  const xdg = env.XDG_CONFIG_HOME;
  if (xdg) return join(xdg, 'sops', 'age', 'keys.txt');
  if (platform === 'win32') return env.APPDATA ? join(env.APPDATA, 'sops', 'age', 'keys.txt') : undefined;
  // An empty HOME counts as unset: `||`, not `??`.
  // eslint-disable-next-line @typescript-eslint/prefer-nullish-coalescing
  const home = env.HOME || (env === process.env ? homedir() : '');
  if (!home) return undefined;
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'sops', 'age', 'keys.txt');
  return join(home, '.config', 'sops', 'age', 'keys.txt');
}

export async function loadAgeIdentities(env: NodeJS.ProcessEnv = process.env): Promise<{ identities: string[]; sources: string[] }> {
  const identities: string[] = [];
  const sources: string[] = [];
  const add = (ids: string[], source: string) => {
    if (ids.length === 0) return;
    for (const id of ids) if (!identities.includes(id)) identities.push(id);
    sources.push(source);
  };
  if (env.SOPS_AGE_KEY !== undefined && env.SOPS_AGE_KEY !== '') add(parseIdentities(env.SOPS_AGE_KEY, 'SOPS_AGE_KEY'), 'SOPS_AGE_KEY');
  const keyFile = env.SOPS_AGE_KEY_FILE;
  if (keyFile !== undefined && keyFile !== '') {
    let text: string;
    try {
      text = await readFile(keyFile, 'utf8');
    } catch (e) {
      throw new SopsError(`failed to open SOPS_AGE_KEY_FILE ${keyFile}: ${(e as NodeJS.ErrnoException).code ?? 'unreadable'}`);
    }
    add(parseIdentities(text, keyFile), keyFile);
  }
  const def = defaultAgeKeyFile(env);
  if (def && def !== keyFile) {
    let text: string | undefined;
    try {
      text = await readFile(def, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new SopsError(`failed to open ${def}: ${(e as NodeJS.ErrnoException).code ?? 'unreadable'}`);
    }
    if (text !== undefined) add(parseIdentities(text, def), def);
  }
  return { identities, sources };
}
