import type { Facts } from '../facts.js';
import { c, Md } from '../md.js';
import type { RunbookPage } from '../page.js';

/** Keeping a streamed title: from the symlink library into the permanent one. */

// ─── streaming → permanent ──────────────────────────────────────────────────────────────────

function upgrade(f: Facts): string | undefined {
  const arrs = f.arrs.filter((w) => f.claimPath(w, 'symlink-library') && f.claimPath(w, 'media-library'));
  if (arrs.length === 0 || !f.has('decypharr')) return undefined;
  const md = new Md();
  const dfs = f.dfs;
  const plex = f.one('plex');
  md.h(1, 'Streaming → permanent');
  md.p(
    `A streamed title is a folder of symlinks in the streaming library that point into the debrid DFS${dfs ? ` (${c(dfs.path)})` : ''}. Keeping it means copying the real files into the permanent library on the NAS and removing the symlinks, so ${plex ? 'Plex' : 'the players'} see${plex ? 's' : ''} one copy.`,
  );
  for (const w of arrs) {
    const links = f.claimPath(w, 'symlink-library')!;
    const media = f.claimPath(w, 'media-library')!;
    const ctr = f.containerMounting(w, media)?.name ?? f.main(w).name;
    const what = w.app === 'sonarr' ? 'series' : 'movie';
    const Title = w.app === 'sonarr' ? '<Series (Year)>' : '<Movie (Year)>';
    md.h(2, w.name);
    md.p(
      `Root folders (Settings › Media Management): streaming ${c(`${links}/${w.name}`)}, permanent ${c(`${media}/<folder>`)} (a folder of the NAS export). Both are mounted read-write in ${c(w.name)}, at the same paths as in Plex.`,
    );
    md.ol([
      `Edit the ${what}, change its root folder to the permanent one and let ${w.app === 'sonarr' ? 'Sonarr' : 'Radarr'} move the files.`,
      'Check that real files arrived (a moved symlink still points into the DFS and breaks when the debrid cache drops the file). The first command must print nothing:',
    ]);
    md.sh([
      f.exec(w, ctr, `find "${media}/<folder>/${Title}" -type l`),
      `# symlinks left: copy their targets instead, then rescan the ${what}`,
      f.exec(w, ctr, `cp -rL "${links}/${w.name}/${Title}" "${media}/<folder>/"`),
    ]);
    md.ol([`Remove what is left of the streaming folder, or ${plex ? 'Plex' : 'the players'} show${plex ? 's' : ''} the title twice:`], 3);
    md.sh([f.exec(w, ctr, `rm -rf "${links}/${w.name}/${Title}"`)]);
  }
  if (plex) md.p('Finally scan the Plex library (or wait for the periodic scan); the DFS copy expires from the debrid cache by itself.');
  return md.toString();
}

export const streamingToPermanentPage: RunbookPage = { path: 'docs/streaming-to-permanent.md', title: () => 'Streaming → permanent', render: upgrade };
