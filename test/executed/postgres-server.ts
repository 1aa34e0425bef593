/**
 * A real PostgreSQL server for the tests (Debian's `postgresql` package): initdb into a temp
 * folder, password (scram) logins on 127.0.0.1 and a unix socket in that folder. initdb and the
 * server refuse to run as root, so as root they run as the package's `postgres` user.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { requireTool, scratch } from './support.js';

export interface PgServer {
  readonly host: string;
  readonly port: number;
  readonly superuser: string;
  readonly password: string;
  readonly bin: string;
  stop(): void;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** uid/gid of the `postgres` system user (Debian's package creates it). */
function postgresUser(): { uid: number; gid: number } {
  const line = execFileSync('getent', ['passwd', 'postgres'], { encoding: 'utf8' }).trim();
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

export async function startPostgres(superuser: string, password: string): Promise<PgServer> {
  const initdb = requireTool('initdb', 'postgresql');
  const bin = initdb.replace(/\/initdb$/, '');
  const dir = scratch('pg');
  const data = join(dir, 'data');
  const pwfile = join(dir, 'pw');
  writeFileSync(pwfile, `${password}\n`);
  const asRoot = process.getuid?.() === 0;
  let prefix: string[] = [];
  if (asRoot) {
    const runuser = requireTool('runuser', 'util-linux');
    const { uid, gid } = postgresUser();
    chownSync(dir, uid, gid);
    chownSync(pwfile, uid, gid);
    chmodSync(dir, 0o700);
    prefix = [runuser, '-u', 'postgres', '--'];
  }
  const run = (argv: string[]) => {
    const [cmd, ...args] = [...prefix, ...argv];
    return execFileSync(cmd!, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' } });
  };
  run([initdb, '-D', data, '-U', superuser, `--pwfile=${pwfile}`, '--auth=scram-sha-256', '--no-sync', '-E', 'UTF8']);
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`;
  run([join(bin, 'pg_ctl'), '-D', data, '-o', options, '-l', join(dir, 'server.log'), '-w', '-t', '30', 'start']);
  return {
    host: '127.0.0.1',
    port,
    superuser,
    password,
    bin,
    stop: () => {
      try {
        run([join(bin, 'pg_ctl'), '-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
