/**
 * The host-path config backup, run for real: the single-node example's `backup-sonarr` CronJob
 * command (the script from its ConfigMap, real python3) over a scratch data directory holding a
 * live SQLite database in WAL mode, then the damage, then the restore commands exactly as the
 * runbook prints them (kubectl exec prefix removed, the pod's paths mapped to scratch directories).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireTool, scratch, synthExample, type Synthesized } from './support.js';

const PY = requireTool('python3', 'python3');
const SH = requireTool('sh', 'dash');

let s: Synthesized;
let dir: string;
let writer: ChildProcess | undefined;
const paths = () => ({ '/source': join(dir, 'source'), '/backups': join(dir, 'backups'), '/scripts': join(dir, 'scripts') });
const mapPaths = (text: string) => Object.entries(paths()).reduce((t, [from, to]) => t.replaceAll(from, to), text);

function cronJob(name: string): any {
  const cj = s.objects.find((o) => o.kind === 'CronJob' && o.metadata.name === name) as any;
  expect(cj, `CronJob ${name} in the single-node example`).toBeDefined();
  return cj;
}

function run(cmd: readonly string[]): { code: number; out: string } {
  const r = spawnSync(cmd[0]!, cmd.slice(1), { encoding: 'utf8' });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

/** Rows of the probe table through a fresh connection (what the app sees after a restart). */
function rows(db: string): string[] {
  const r = run([PY, '-c', `import sqlite3,sys; print("\\n".join(v for (v,) in sqlite3.connect(sys.argv[1]).execute("select v from t order by v")))`, db]);
  expect(r.code, r.out).toBe(0);
  return r.out.split('\n').filter(Boolean);
}

const archives = () =>
  readdirSync(join(dir, 'backups', s.config.cluster, 'sonarr'))
    .filter((n) => n.endsWith('.tar.gz'))
    .sort();

beforeAll(async () => {
  s = await synthExample('examples/single-node.ts');
  dir = scratch('config-backup');
  for (const p of Object.values(paths())) mkdirSync(p, { recursive: true });
  const cm = s.objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'config-backup-script') as any;
  writeFileSync(join(dir, 'scripts', 'config-backup.py'), cm.data['config-backup.py']);
  // The app's data: a config file, a subfolder, and a database the app keeps open with writes
  // still in its WAL (no checkpoint), as Sonarr's sonarr.db is while it runs.
  const src = join(dir, 'source');
  writeFileSync(join(src, 'config.xml'), '<Config><Port>8989</Port></Config>\n');
  mkdirSync(join(src, 'logs'));
  writeFileSync(join(src, 'logs', 'sonarr.txt'), 'log line\n');
  writer = spawn(
    PY,
    [
      '-c',
      [
        'import sqlite3, sys, time',
        'c = sqlite3.connect(sys.argv[1], isolation_level=None)',
        'c.execute("pragma journal_mode=wal"); c.execute("pragma wal_autocheckpoint=0")',
        'c.execute("create table if not exists t (v text)")',
        'for i in range(50): c.execute("insert into t values (?)", (f"row{i:03d}",))',
        'print("ready", flush=True)',
        'time.sleep(600)',
      ].join('\n'),
      join(src, 'sonarr.db'),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    writer!.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    writer!.on('exit', (code) => reject(new Error(`the writer exited with ${code}`)));
  });
});

afterAll(() => {
  writer?.kill();
});

describe('host-path config backup (single-node example, real python3)', () => {
  it('backs up a live WAL database consistently, keeps the newest N, and the runbook restores it', () => {
    const cj = cronJob('backup-sonarr');
    const ctr = cj.spec.jobTemplate.spec.template.spec.containers[0];
    const retain = s.config.apps.backups.retain;
    expect(ctr.command.slice(0, 3)).toEqual(['python3', '/scripts/config-backup.py', 'backup']);
    expect(existsSync(join(dir, 'source', 'sonarr.db-wal')), 'the database has a WAL').toBe(true);

    // Older archives than the retention keeps (names carry the UTC time of their run).
    const target = join(dir, 'backups', s.config.cluster, 'sonarr');
    mkdirSync(target, { recursive: true });
    for (let i = 1; i <= retain; i++) writeFileSync(join(target, `sonarr-202501${String(i).padStart(2, '0')}T000000Z.tar.gz`), 'old');
    writeFileSync(join(target, 'sonarr-20250201T000000Z.tar.gz.partial'), 'a killed run');

    const backup = run(ctr.command.map((a: string) => (a === 'python3' ? PY : mapPaths(a))));
    expect(backup.code, backup.out).toBe(0);
    expect(backup.out).toMatch(/sonarr\.db: SQLite database copied with the online backup/);
    const kept = archives();
    expect(kept).toHaveLength(retain);
    expect(kept[0], 'the oldest archive went').toBe('sonarr-20250102T000000Z.tar.gz');
    const fresh = kept.at(-1)!;
    expect(fresh).toMatch(/^sonarr-\d{8}T\d{6}Z\.tar\.gz$/);
    expect(readdirSync(target).some((n) => n.endsWith('.partial') || n.startsWith('.staging-'))).toBe(false);
    const listing = run(['tar', '-tzf', join(target, fresh)]).out.split('\n');
    expect(listing).toEqual(expect.arrayContaining(['config.xml', 'logs/', 'logs/sonarr.txt', 'sonarr.db']));
    expect(
      listing.some((n) => n.endsWith('-wal') || n.endsWith('-shm')),
      'no WAL/shm in the archive: the copy holds them',
    ).toBe(false);

    // The damage: the database gone, the config overwritten.
    writer!.kill();
    rmSync(join(dir, 'source', 'sonarr.db'));
    rmSync(join(dir, 'source', 'sonarr.db-wal'), { force: true });
    rmSync(join(dir, 'source', 'sonarr.db-shm'), { force: true });
    writeFileSync(join(dir, 'source', 'config.xml'), 'garbage');

    // The runbook's restore, as printed for sonarr.
    const page = s.files.find((f) => f.path.endsWith('/downloads-and-database.md'))!.content;
    const block = page.slice(page.indexOf('`sonarr`:'));
    const lines = block.split('\n');
    const archiveLine = lines.find((l) => l.startsWith('ARCHIVE=$(kubectl exec backup-sonarr-restore '))!;
    const restoreLine = lines.find((l) => l.includes('config-backup.py restore'))!;
    expect(archiveLine, 'the runbook picks the latest archive').toBeDefined();
    expect(restoreLine).toContain(`kubectl exec backup-sonarr-restore -n ${s.config.namespace} -c config-backup -- `);
    const local = (l: string) =>
      mapPaths(
        l
          .replace(/kubectl exec \S+ -n \S+ -c \S+ -- /, '')
          .replace(/^python3 /, `${PY} `)
          .replace(/\s+# .*$/, ''),
      );
    const restored = run([SH, '-c', `set -e\n${local(archiveLine)}\ntest "$ARCHIVE" = "${join(target, fresh)}"\n${local(restoreLine)}`]);
    expect(restored.code, restored.out).toBe(0);

    expect(readFileSync(join(dir, 'source', 'config.xml'), 'utf8')).toBe('<Config><Port>8989</Port></Config>\n');
    expect(readFileSync(join(dir, 'source', 'logs', 'sonarr.txt'), 'utf8')).toBe('log line\n');
    // Every row, also those that were only in the WAL when the backup ran.
    expect(rows(join(dir, 'source', 'sonarr.db'))).toEqual(Array.from({ length: 50 }, (_, i) => `row${String(i).padStart(3, '0')}`));
    // The damaged state was moved aside, not deleted.
    const aside = readdirSync(join(dir, 'source')).find((n) => n.startsWith('.before-restore-'))!;
    expect(readFileSync(join(dir, 'source', aside, 'config.xml'), 'utf8')).toBe('garbage');

    // The next backup leaves the moved-aside copy out.
    rmSync(join(target, fresh));
    const again = run(ctr.command.map((a: string) => (a === 'python3' ? PY : mapPaths(a))));
    expect(again.code, again.out).toBe(0);
    const newest = archives().at(-1)!;
    expect(run(['tar', '-tzf', join(target, newest)]).out).not.toContain('.before-restore-');
  });

  it('a backup that fails exits 1 with a clear line, leaves no partial and keeps the earlier archives', () => {
    const ctr = cronJob('backup-radarr').spec.jobTemplate.spec.template.spec.containers[0];
    const target = join(dir, 'backups', s.config.cluster, 'radarr');
    mkdirSync(target, { recursive: true });
    writeFileSync(join(target, 'radarr-20250101T000000Z.tar.gz'), 'earlier');
    // A damaged database (SQLite header, garbage after it): the online backup refuses it.
    const source = join(dir, 'radarr-source');
    mkdirSync(source, { recursive: true });
    writeFileSync(join(source, 'radarr.db'), Buffer.concat([Buffer.from('SQLite format 3\0'), Buffer.alloc(4096, 7)]));
    const r = run(ctr.command.map((a: string) => (a === 'python3' ? PY : a === '/source' ? source : mapPaths(a))));
    expect(r.code, r.out).toBe(1);
    expect(r.out).toMatch(/config-backup: ERROR: backup of .*radarr-source failed: /);
    expect(readdirSync(target)).toEqual(['radarr-20250101T000000Z.tar.gz']);
    expect(readFileSync(join(target, 'radarr-20250101T000000Z.tar.gz'), 'utf8')).toBe('earlier');
    const missing = run([PY, join(dir, 'scripts', 'config-backup.py'), 'backup', join(dir, 'no-such-dir'), join(dir, 'backups', 'x'), '3']);
    expect(missing.code).toBe(1);
    expect(missing.out).toMatch(/ERROR: the data directory .*no-such-dir does not exist/);
  });
});
