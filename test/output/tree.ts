import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Every entry below `dir` (files with their bytes, folders, symlinks with their target), so two
 * snapshots are equal only if the trees are byte-identical — leftovers and empty folders included.
 */
export function treeOf(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!existsSync(dir)) return out;
  const walk = (d: string, rel: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(p);
      if (st.isSymbolicLink()) out[r] = `-> ${readlinkSync(p)}`;
      else if (st.isDirectory()) {
        out[`${r}/`] = '';
        walk(p, r);
      } else out[r] = readFileSync(p, 'latin1');
    }
  };
  walk(dir, '');
  return out;
}
