/**
 * How each kind of embedded script is executed, and what it must have done afterwards. A runner
 * claims scripts by what they are (image, container purpose, what the script does), never by
 * example, so a new script of a known kind is run too, and one of a new kind fails the coverage
 * test until a runner claims it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { WiringData } from '../../src/apps/arr-wiring/index.js';
import { imageRepository } from '../../src/gates/behaviour-facts.js';
import { configMapFile, type EmbeddedScript } from './extract.js';
import { FakeServarr, wiringDataAtFake } from './fake-servarr.js';
import type { PgServer } from './postgres-server.js';
import { containerEnv, inScratchRoot, mountPoints, requireTool, runScript, scratch, stubs, type RunResult, type Synthesized } from './support.js';

export interface RunContext {
  readonly synth: Synthesized;
  /** The file's one PostgreSQL server (started on first use) with this superuser and password. */
  readonly postgres: (superuser: string, password: string) => Promise<PgServer>;
}

export interface Runner {
  readonly name: string;
  claims(s: EmbeddedScript): boolean;
  run(s: EmbeddedScript, ctx: RunContext): Promise<void>;
}

/** A stand-in for every Secret value: plain, distinct, stable (generated values are alphanumeric). */
export function secretValue(secret: string, key: string): string {
  return `${secret}${key}`.replace(/[^A-Za-z0-9]/g, '') + 'X7q';
}

const repoOf = (image: string | undefined) => imageRepository(image ?? '');
const ok = (r: RunResult, what: string) => expect(r.code, `${what} exited ${r.code}\n${r.stdout}\n${r.stderr}`).toBe(0);

/** The pod's containers with their images (for runners that need the neighbours of a script). */
function containersOf(s: EmbeddedScript): any[] {
  return [...(s.pod.spec.initContainers ?? []), ...s.pod.spec.containers];
}

function configMapData(s: EmbeddedScript, volumeName: string): Record<string, string> {
  const vol = (s.pod.spec.volumes ?? []).find((v: any) => v.name === volumeName);
  const cm: any = s.objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === vol?.configMap?.name);
  expect(cm, `ConfigMap of volume ${volumeName}`).toBeDefined();
  return cm.data;
}

// ─── busybox init steps ──────────────────────────────────────────────────────────────────────

/** `[ "$(stat -c %u:%g DIR)" = "U:G" ] || chown U:G DIR` for each host directory (src/lib/pod.ts). */
const hostDirs: Runner = {
  name: 'host directory ownership',
  claims: (s) => s.container?.name === 'prepare-host-dirs' && s.where === 'command',
  async run(s, { synth }) {
    const want = `${synth.config.uid}:${synth.config.gid}`;
    const dir = scratch('host-dirs');
    const root = join(dir, 'root');
    mountPoints(s.container, root);
    const text = inScratchRoot(s.text!, s.container, root);
    const dirs = (s.container.volumeMounts as { mountPath: string }[]).map((m) => join(root, m.mountPath));
    // The real busybox stat (as in the image) and a chown that only records.
    const real = stubs(join(dir, 'real'), { chown: 'exit 0' });
    ok(await runScript(s.shell!, text, { path: [real.bin] }), 'with busybox stat');
    // Owned by someone else (kubelet creates them root:root): every directory is handed over, once.
    const foreign = stubs(join(dir, 'foreign'), { stat: 'echo 0:0', chown: 'exit 0' });
    ok(await runScript(s.shell!, text, { path: [foreign.bin] }), 'root-owned dirs');
    expect(foreign.calls('chown')).toEqual(dirs.map((d) => [want, d]));
    expect(foreign.calls('stat')).toEqual(dirs.map((d) => ['-c', '%u:%g', d]));
    // Already theirs: nothing is changed (never recursive, never twice).
    const owned = stubs(join(dir, 'owned'), { stat: `echo ${want}`, chown: 'exit 0' });
    ok(await runScript(s.shell!, text, { path: [owned.bin] }), 'owned dirs');
    expect(owned.calls('chown')).toEqual([]);
    // chown failing (no CHOWN capability) fails the pod instead of starting the app on a root dir.
    const denied = stubs(join(dir, 'denied'), { stat: 'echo 0:0', chown: 'echo "chown: Operation not permitted" >&2; exit 1' });
    expect((await runScript(s.shell!, text, { path: [denied.bin] })).code).not.toBe(0);
  },
};

/** `until [ -f FILE ]; do … sleep N; done` with a bound: waits for a marker another pod creates. */
const waitForFile: Runner = {
  name: 'wait for a marker file',
  claims: (s) => s.shell?.run === 'busybox' && s.where === 'command' && /until \[ -[ef] \S+ \]; do/.test(s.text ?? ''),
  async run(s) {
    const marker = /until \[ -[ef] (\S+) \]; do/.exec(s.text!)![1]!;
    const dir = scratch('wait-file');
    const root = join(dir, 'root');
    mountPoints(s.container, root);
    const text = inScratchRoot(s.text!, s.container, root);
    const local = join(root, marker);
    expect(text, 'the marker lies on a mounted volume').toContain(local);
    // The marker appears while the script sleeps for the third time.
    const counter = join(dir, 'n');
    const appears = stubs(join(dir, 'appears'), { sleep: `n=$(( $(cat '${counter}' 2>/dev/null || echo 0) + 1 )); echo "$n" > '${counter}'; [ "$n" -lt 3 ] || : > '${local}'` });
    const r = await runScript(s.shell!, text, { path: [appears.bin] });
    ok(r, 'marker appears');
    expect(appears.calls('sleep')).toHaveLength(3);
    expect(appears.calls('sleep').every((a) => a.length === 1 && /^\d+$/.test(a[0]!))).toBe(true);
    // Never appears: the script gives up (non-zero, a message saying what to check) instead of hanging.
    const never = stubs(join(dir, 'never'), { sleep: 'exit 0' });
    rmSync(local);
    const giveUp = await runScript(s.shell!, text, { path: [never.bin], timeoutMs: 30_000 });
    expect(giveUp.code).not.toBe(0);
    expect(giveUp.stderr.trim()).not.toBe('');
    const waited = never.calls('sleep').reduce((t, a) => t + Number(a[0]), 0);
    expect(waited).toBeGreaterThanOrEqual(60);
  },
};

/** `[ -f DEST ] || cp SEED DEST`: seeds a config file from a ConfigMap once, never overwrites. */
const seedOnce: Runner = {
  name: 'seed a file once',
  claims: (s) => s.shell?.run === 'busybox' && s.where === 'command' && /\[ -f (\S+) \] \|\| cp (\S+) \1/.test(s.text ?? ''),
  async run(s) {
    const [, dest, seed] = /\[ -f (\S+) \] \|\| cp (\S+) \1/.exec(s.text!)!;
    const dir = scratch('seed');
    const root = join(dir, 'root');
    mountPoints(s.container, root);
    const seedMount = (s.container.volumeMounts as { name: string; mountPath: string }[]).find((m) => seed!.startsWith(`${m.mountPath}/`));
    const data = configMapData(s, seedMount!.name);
    for (const [k, v] of Object.entries(data)) writeFileSync(join(root, seedMount!.mountPath, k), v);
    const text = inScratchRoot(s.text!, s.container, root);
    ok(await runScript(s.shell!, text), 'first start');
    const expected = data[seed!.slice(seedMount!.mountPath.length + 1)];
    expect(readFileSync(join(root, dest!), 'utf8')).toBe(expected);
    // The app rewrites its config: a restart keeps the app's version.
    writeFileSync(join(root, dest!), '{"edited":"by the app"}');
    ok(await runScript(s.shell!, text), 'restart');
    expect(readFileSync(join(root, dest!), 'utf8')).toBe('{"edited":"by the app"}');
  },
};

// ─── qBittorrent ─────────────────────────────────────────────────────────────────────────────

/**
 * Adds `Session\DefaultSavePath` to qBittorrent's config before its first start (creating the
 * config from the image's defaults as its entrypoint would), only when the key is missing.
 */
const qbtSavePath: Runner = {
  name: 'qBittorrent default save path',
  claims: (s) => s.where === 'command' && repoOf(s.container?.image) === 'ghcr.io/home-operations/qbittorrent' && (s.text ?? '').includes('DefaultSavePath='),
  async run(s) {
    const savePath = /Session\\DefaultSavePath=(\S+?)'/.exec(s.text!)![1]!;
    const app = (s.pod.spec.containers as any[]).find((c) => repoOf(c.image) === repoOf(s.container.image));
    expect(
      (app.volumeMounts as any[]).map((m) => m.mountPath),
      'the save path is a mount of qBittorrent',
    ).toContain(savePath);
    const dir = scratch('qbt');
    const root = join(dir, 'root');
    mountPoints(s.container, root);
    // The image's /defaults/qBittorrent.conf (its sections; not a mount, so placed in the scratch root).
    mkdirSync(join(root, 'defaults'), { recursive: true });
    writeFileSync(join(root, 'defaults/qBittorrent.conf'), '[LegalNotice]\nAccepted=true\n\n[BitTorrent]\nSession\\Port=50413\n\n[Preferences]\nWebUI\\Port=8080\n');
    const text = inScratchRoot(s.text!, s.container, root).replaceAll("'/defaults/", `'${root}/defaults/`);
    const conf = /conf='([^']+)'/.exec(text)![1]!;
    ok(await runScript(s.shell!, text), 'first start');
    const first = readFileSync(conf, 'utf8');
    expect(first.split('\n')).toContain(`Session\\DefaultSavePath=${savePath}`);
    expect(first.indexOf('[BitTorrent]')).toBeLessThan(first.indexOf('Session\\DefaultSavePath='));
    ok(await runScript(s.shell!, text), 'restart');
    expect(readFileSync(conf, 'utf8')).toBe(first);
    // A path chosen in the WebUI stays.
    writeFileSync(conf, '[BitTorrent]\nSession\\DefaultSavePath=/elsewhere\n');
    ok(await runScript(s.shell!, text), 'after a WebUI change');
    expect(readFileSync(conf, 'utf8')).toBe('[BitTorrent]\nSession\\DefaultSavePath=/elsewhere\n');
  },
};

// ─── Samba ───────────────────────────────────────────────────────────────────────────────────

/** A password the renderer must carry through JSON unchanged (operator-supplied values can be anything printable). */
const awkwardPassword = (i: number) => `p${i} "quoted" \\ back\\slash it's $HOME \`x\` %s %%`;

/** sambacc's config (JSON) as smb.conf text: `[global]` from the config's globals, one section per share. */
function smbConf(config: any, id: string): string {
  const c = config.configs[id];
  const lines = ['[global]', `\tnetbios name = ${c.instance_name}`];
  for (const g of c.globals) for (const [k, v] of Object.entries<string>(config.globals[g].options)) lines.push(`\t${k} = ${v}`);
  for (const share of c.shares) {
    lines.push(`[${share}]`);
    for (const [k, v] of Object.entries<string>(config.shares[share].options)) lines.push(`\t${k} = ${v}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The init container that writes sambacc's users file from the Secret, then Samba's own check of the whole config. */
const sambaUsers: Runner = {
  name: 'Samba users file + testparm',
  claims: (s) =>
    s.where === 'command' &&
    s.shell?.run === 'busybox' &&
    containersOf(s).some((c) => repoOf(c.image) === 'quay.io/samba.org/samba-server') &&
    (s.text ?? '').includes('users.json'),
  async run(s, { synth }) {
    const testparm = requireTool('testparm', 'samba-common-bin');
    const samba = containersOf(s).find((c) => repoOf(c.image) === 'quay.io/samba.org/samba-server');
    const dir = scratch('samba');
    const root = join(dir, 'root');
    mountPoints(s.container, root);
    const passwordVars = (s.container.env as any[]).filter((e) => e.valueFrom?.secretKeyRef).map((e) => e.name as string);
    expect(passwordVars.length).toBe(synth.config.apps.samba.users.length);
    const env = Object.fromEntries(passwordVars.map((n, i) => [n, awkwardPassword(i)]));
    const text = inScratchRoot(s.text!, s.container, root);
    ok(await runScript(s.shell!, text, { env }), 'render users');
    // sambacc reads SAMBACC_CONFIG: the ConfigMap's file(s), then the rendered users file.
    const files = (samba.env.find((e: any) => e.name === 'SAMBACC_CONFIG').value as string).split(':');
    const usersFile = files.find((f) => existsSync(join(root, f)));
    expect(usersFile, `one of ${files.join(', ')} is written by ${s.container.name}`).toBeDefined();
    const users = JSON.parse(readFileSync(join(root, usersFile!), 'utf8'));
    expect(users['samba-container-config']).toBe('v0');
    expect(users.users.all_entries).toEqual(
      synth.config.apps.samba.users.map((name, i) => ({ name, password: env[passwordVars[i]!], uid: synth.config.uid, gid: synth.config.gid })),
    );
    expect(statSync(join(root, usersFile!)).mode & 0o077, 'users file readable by its owner only').toBe(0);
    // A re-run on the same emptyDir (sandbox re-created, init step runs again) as the pod's user,
    // with a changed password: the new password must replace the 0400 file, not fail quietly.
    const user = { uid: s.container.securityContext?.runAsUser ?? s.pod.spec.securityContext?.runAsUser, gid: s.pod.spec.securityContext?.fsGroup ?? synth.config.gid };
    expect(user.uid, 'the render step runs as a non-root user').toBeGreaterThan(0);
    execFileSync('chown', ['-R', `${user.uid}:${user.gid}`, root]);
    execFileSync('chmod', ['0711', dir]);
    const changed = { ...env, [passwordVars[0]!]: 'changed-after-restart' };
    ok(await runScript(s.shell!, text, { env: changed, user }), 'render users again as the pod user');
    expect(JSON.parse(readFileSync(join(root, usersFile!), 'utf8')).users.all_entries[0].password).toBe('changed-after-restart');
    // The rest of the config from the ConfigMap mounted into the Samba container.
    const configFile = files.find((f) => f !== usersFile)!;
    const mount = (samba.volumeMounts as { name: string; mountPath: string }[]).find((m) => configFile.startsWith(`${m.mountPath}/`));
    const config = JSON.parse(configMapData({ ...s, container: samba }, mount!.name)[configFile.slice(mount!.mountPath.length + 1)]!);
    const id = samba.env.find((e: any) => e.name === 'SAMBA_CONTAINER_ID').value;
    const conf = join(dir, 'smb.conf');
    writeFileSync(conf, smbConf(config, id));
    let out: string;
    try {
      out = execFileSync(testparm, ['-s', '--suppress-prompt', conf], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e: any) {
      throw new Error(`testparm rejects the Samba config:\n${e.stderr}\n${readFileSync(conf, 'utf8')}`, { cause: e });
    }
    const err = execFileSync('sh', ['-c', `'${testparm}' -s --suppress-prompt '${conf}' 2>&1 >/dev/null`], { encoding: 'utf8' });
    expect(err).not.toMatch(/unknown parameter|ignoring|error|invalid/i);
    for (const share of config.configs[id].shares) {
      expect(out).toContain(`[${share}]`);
      // testparm prints what differs from Samba's defaults: every share keeps its path and users.
      expect(out).toContain(`path = ${config.shares[share].options.path}`);
      expect(out).toContain(`valid users = ${config.shares[share].options['valid users']}`);
    }
    // Only rendered users may log in.
    for (const share of config.configs[id].shares) {
      for (const u of String(config.shares[share].options['valid users']).split(/\s+/)) expect(users.users.all_entries.map((x: any) => x.name)).toContain(u);
    }
  },
};

// ─── gluetun ────────────────────────────────────────────────────────────────────────────────

/** postStart of gluetun: drop the previous instance's routing rules, never fail the start. */
const vpnRules: Runner = {
  name: 'VPN routing rule cleanup',
  claims: (s) => s.where.startsWith('lifecycle.') && repoOf(s.image) === 'ghcr.io/qdm12/gluetun' && /\bip (-6 )?rule del\b/.test(s.text ?? ''),
  async run(s) {
    const dir = scratch('vpn-rules');
    // No rules left over (fresh pod): ip fails, the hook must still succeed.
    const none = stubs(join(dir, 'none'), { ip: 'echo "RTNETLINK answers: No such file or directory" >&2; exit 2' });
    ok(await runScript(s.shell!, s.text!, { path: [none.bin] }), 'no rules');
    expect(none.calls('ip')[0]).toEqual(['rule', 'del', 'table', '51820']);
    // Rules of a restarted sidecar: both families are removed.
    const left = stubs(join(dir, 'left'), { ip: 'exit 0' });
    ok(await runScript(s.shell!, s.text!, { path: [left.bin] }), 'rules left');
    expect(left.calls('ip')).toEqual([
      ['rule', 'del', 'table', '51820'],
      ['-6', 'rule', 'del', 'table', '51820'],
    ]);
  },
};

// ─── PostgreSQL ──────────────────────────────────────────────────────────────────────────────

/** Where a `<service>.<namespace>.svc.cluster.local` host points: the Service must exist and serve the port. */
function expectService(s: EmbeddedScript, host: string, port: string): void {
  const [name, ns] = host.split('.');
  const svc: any = s.objects.find((o) => o.kind === 'Service' && o.metadata.name === name && o.metadata.namespace === ns);
  expect(svc, `Service for ${host}`).toBeDefined();
  expect(svc.spec.ports.map((p: any) => String(p.port))).toContain(port);
}

function psql(server: PgServer, login: { user: string; password: string; db: string }, sql: string): string {
  const bin = requireTool('psql', 'postgresql-client');
  return execFileSync(bin, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-tA', '-h', server.host, '-p', String(server.port), '-U', login.user, '-d', login.db, '-c', sql], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH, PGPASSWORD: login.password, PGCONNECT_TIMEOUT: '5' },
  }).trim();
}

/**
 * What the postgres-init image does with its env (home-operations/containers
 * apps/postgres-init/entrypoint.sh@a885c7af, see docs/app-facts-verified.md, "Shells of the images…"): require the five
 * variables, wait for the server, create the role (createuser: LOGIN) if missing, (re)set its
 * password, create each database of INIT_POSTGRES_DBNAME (space-separated) owned by the role if
 * missing, and grant it all privileges on each. Done here with the real client programs.
 */
function postgresInit(server: PgServer, env: Record<string, string>): void {
  for (const k of ['INIT_POSTGRES_HOST', 'INIT_POSTGRES_SUPER_PASS', 'INIT_POSTGRES_USER', 'INIT_POSTGRES_PASS', 'INIT_POSTGRES_DBNAME']) expect(env[k], k).toBeTruthy();
  execFileSync(requireTool('pg_isready', 'postgresql-client'), ['-h', server.host, '-p', String(server.port)]);
  // One session; \gexec runs each generated statement on its own (CREATE DATABASE outside a transaction).
  const script = [
    "SELECT format('CREATE ROLE %I LOGIN', :'u') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'u') \\gexec",
    "SELECT format('ALTER USER %I WITH ENCRYPTED PASSWORD %L', :'u', :'p') \\gexec",
    "SELECT format('CREATE DATABASE %I OWNER %I', d, :'u') FROM unnest(regexp_split_to_array(trim(:'dbs'), '\\s+')) AS d WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = d) \\gexec",
    "SELECT format('GRANT ALL PRIVILEGES ON DATABASE %I TO %I', d, :'u') FROM unnest(regexp_split_to_array(trim(:'dbs'), '\\s+')) AS d \\gexec",
  ].join('\n');
  execFileSync(
    requireTool('psql', 'postgresql-client'),
    [
      '-X',
      '-q',
      '-v',
      'ON_ERROR_STOP=1',
      '-h',
      server.host,
      '-p',
      String(server.port),
      '-U',
      env.INIT_POSTGRES_SUPER_USER ?? 'postgres',
      '-d',
      'postgres',
      '-v',
      `u=${env.INIT_POSTGRES_USER}`,
      '-v',
      `p=${env.INIT_POSTGRES_PASS}`,
      '-v',
      `dbs=${env.INIT_POSTGRES_DBNAME}`,
      '-f',
      '-',
    ],
    { input: script, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], env: { PATH: process.env.PATH, PGPASSWORD: env.INIT_POSTGRES_SUPER_PASS } },
  );
}

/** The Servarr apps' Postgres settings (`<KIND>__POSTGRES__*`) of every container that has them. */
function arrLogins(s: EmbeddedScript): { app: string; user: string; password: string; dbs: string[] }[] {
  const out = [];
  for (const o of s.objects) {
    for (const c of podContainers(o)) {
      const env = containerEnv(c, secretValue);
      const prefix = Object.keys(env)
        .find((k) => k.endsWith('__POSTGRES__HOST'))
        ?.replace(/HOST$/, '');
      if (!prefix) continue;
      expectService(s, env[`${prefix}HOST`]!, env[`${prefix}PORT`]!);
      out.push({ app: `${o.metadata.name}/${c.name}`, user: env[`${prefix}USER`]!, password: env[`${prefix}PASSWORD`]!, dbs: [env[`${prefix}MAINDB`]!, env[`${prefix}LOGDB`]!] });
    }
  }
  return out;
}

function podContainers(o: any): any[] {
  const spec = o.spec?.jobTemplate?.spec?.template?.spec ?? o.spec?.template?.spec;
  return spec ? [...(spec.initContainers ?? []), ...(spec.containers ?? [])] : [];
}

/** The restore step of the generated runbook: the `bash -c '…psql…'` it runs in the backup's container. */
function restoreCommand(synth: Synthesized): { container: string; script: string } {
  for (const f of synth.files) {
    if (!f.path.endsWith('.md')) continue;
    const m = /kubectl exec \S+ -n \S+ -c (\S+) -- bash -c '([^']*\bpsql\b[^']*)'/.exec(f.content);
    if (m) return { container: m[1]!, script: m[2]! };
  }
  throw new Error("no restore command (kubectl exec … -- bash -c '… psql …') in the generated runbooks");
}

/**
 * The backup CronJob's script, as part of the whole chain on a real server: each Arr's
 * postgres-init (twice), the Arrs log in and write, two backups (retention keeps the newest N),
 * a failed backup changes nothing, then the runbook's restore (twice) brings the data back.
 */
const postgresBackup: Runner = {
  name: 'PostgreSQL init → backup → retention → restore',
  claims: (s) => repoOf(s.image) === 'postgres' && s.where === 'command' && /\bpg_dumpall\b/.test(s.text ?? '') && !/\bpg_dump -Fc\b/.test(s.text ?? ''),
  async run(s, ctx) {
    const backupEnv = containerEnv(s.container, secretValue);
    expectService(s, backupEnv.PGHOST!, backupEnv.PGPORT!);
    const server = await ctx.postgres(backupEnv.PGUSER!, backupEnv.PGPASSWORD!);
    const local = { PGHOST: server.host, PGPORT: String(server.port) };

    // 1. Every postgres-init container of the stack, twice (a restarted pod runs it again).
    const inits = s.objects.flatMap((o) =>
      podContainers(o)
        .filter((c) => repoOf(c.image) === 'ghcr.io/home-operations/postgres-init')
        .map((c) => ({ o, c })),
    );
    expect(inits.length).toBeGreaterThan(0);
    for (let round = 0; round < 2; round++) {
      for (const { c } of inits) {
        const env = containerEnv(c, secretValue);
        expectService(s, env.INIT_POSTGRES_HOST!, env.INIT_POSTGRES_PORT!);
        expect(env.INIT_POSTGRES_SUPER_PASS, 'init and backup use the same superuser password').toBe(backupEnv.PGPASSWORD);
        postgresInit(server, env);
      }
    }
    // 2. Each Arr logs in to both of its databases with its own env and creates its schema.
    const logins = arrLogins(s);
    expect(logins.map((l) => l.user).sort()).toEqual(inits.map(({ c }) => containerEnv(c, secretValue).INIT_POSTGRES_USER).sort());
    for (const l of logins) {
      for (const db of l.dbs) {
        expect(psql(server, { ...l, db }, 'CREATE TABLE probe (v text); INSERT INTO probe VALUES (current_database()); SELECT count(*) FROM probe')).toBe('1');
      }
      // Another app's password does not open this app's database.
      const other = logins.find((x) => x.user !== l.user);
      if (other) expect(() => psql(server, { user: l.user, password: other.password, db: l.dbs[0]! }, 'SELECT 1')).toThrow(/password authentication failed/);
    }

    // 3. Backups into a scratch copy of the backup volume; `date` steps one hour per call so runs get distinct names.
    const dir = scratch('pg-backup');
    const root = join(dir, 'root');
    mountPoints(s.container, root);
    const text = inScratchRoot(s.text!, s.container, root);
    const backups = (s.container.volumeMounts as any[]).map((m) => join(root, m.mountPath)).find((p) => text.includes(`${p}/`))!;
    const tick = join(dir, 'tick');
    const date = stubs(dir, { date: `n=$(( $(cat '${tick}' 2>/dev/null || echo 0) + 1 )); echo "$n" > '${tick}'; exec /bin/date -d "@$(( 1798761600 + n * 3600 ))" "$@"` });
    const retention = synthExampleRetention(s);
    // Older dumps than the retention keeps, oldest first.
    for (let i = 0; i < retention + 1; i++) {
      const f = join(backups, `pg_dumpall-2025010${i}T000000Z.sql.gz`);
      writeFileSync(f, 'old');
      utimesSync(f, new Date(Date.UTC(2025, 0, 1 + i)), new Date(Date.UTC(2025, 0, 1 + i)));
    }
    const dumps = () =>
      readdirSync(backups)
        .filter((f) => f.endsWith('.sql.gz'))
        .sort();
    const runBackup = (env: Record<string, string>) => runScript({ lint: 'bash', run: 'bash' }, text, { env: { ...backupEnv, ...local, ...env }, path: [date.bin, server.bin] });
    ok(await runBackup({}), 'first backup');
    ok(await runBackup({}), 'second backup');
    expect(date.calls('date')[0]).toEqual(['-u', '+%Y%m%dT%H%M%SZ']);
    const kept = dumps();
    expect(kept).toHaveLength(retention);
    const fresh = kept.filter((f) => !f.startsWith('pg_dumpall-2025'));
    expect(fresh).toHaveLength(2);
    // The oldest seeded dumps went first.
    expect(kept.filter((f) => f.startsWith('pg_dumpall-2025'))).toEqual(Array.from({ length: retention - 2 }, (_, i) => `pg_dumpall-2025010${i + 3}T000000Z.sql.gz`));
    const newest = fresh.at(-1)!;
    const sql = execFileSync('gunzip', ['-c', join(backups, newest)], { encoding: 'utf8' });
    for (const l of logins) for (const db of l.dbs) expect(sql).toContain(`CREATE DATABASE "${db}"`);
    // A failed dump (wrong password) fails the job and does not count as a backup.
    const failed = await runBackup({ PGPASSWORD: 'wrong' });
    expect(failed.code).not.toBe(0);
    expect(dumps()).toEqual(kept);

    // 4. Damage the data, then restore with the runbook's command in the backup's container (twice: same result).
    const restore = restoreCommand(ctx.synth);
    expect(restore.container).toBe(s.container.name);
    const restoreText = inScratchRoot(restore.script.replace('<dump>', newest.replace(/\.sql\.gz$/, '')), s.container, root);
    for (const l of logins) psql(server, { ...l, db: l.dbs[0]! }, "INSERT INTO probe VALUES ('after the backup')");
    for (let round = 0; round < 2; round++) {
      const r = await runScript({ lint: 'bash', run: 'bash' }, restoreText, { env: { ...backupEnv, ...local }, path: [server.bin] });
      ok(r, 'restore');
      // psql carries on past errors: only those about the connected superuser are expected.
      const errors = r.stderr.split('\n').filter((line) => line.includes('ERROR:'));
      expect(
        errors.filter((e) => !e.includes(`"${backupEnv.PGUSER}"`) && !e.includes('current user cannot be dropped')),
        r.stderr,
      ).toEqual([]);
      for (const l of logins) {
        for (const db of l.dbs) expect(psql(server, { ...l, db }, 'SELECT count(*) FROM probe'), `${l.app} ${db} after restore`).toBe('1');
      }
    }
    // 5. The apps start again after the restore: their init step still passes.
    for (const { c } of inits) postgresInit(server, containerEnv(c, secretValue));
  },
};

/**
 * The config backups' per-database dump (src/apps/backups): two runs on a real server write one
 * `pg_dump -Fc` per database and the roles, older ones beyond the retention go, a failed run adds
 * nothing, and the runbook's `pg_restore --clean --if-exists --create` brings a damaged database back.
 */
const postgresDumpPerDatabase: Runner = {
  name: 'PostgreSQL pg_dump per database → retention → pg_restore',
  claims: (s) => repoOf(s.image) === 'postgres' && s.where === 'command' && /\bpg_dump -Fc\b/.test(s.text ?? ''),
  async run(s, ctx) {
    const env = containerEnv(s.container, secretValue);
    expectService(s, env.PGHOST!, env.PGPORT!);
    const server = await ctx.postgres(env.PGUSER!, env.PGPASSWORD!);
    const local = { PGHOST: server.host, PGPORT: String(server.port) };
    const su = { user: env.PGUSER!, password: env.PGPASSWORD! };
    const dbs = ['dumped-main', 'dumped-log'];
    for (const db of dbs) {
      psql(server, { ...su, db: 'postgres' }, `DROP DATABASE IF EXISTS "${db}"`);
      psql(server, { ...su, db: 'postgres' }, `CREATE DATABASE "${db}"`);
      psql(server, { ...su, db }, `CREATE TABLE t (v text); INSERT INTO t VALUES ('${db}')`);
    }
    const dir = scratch('pg-dump');
    const root = join(dir, 'root');
    mountPoints(s.container, root);
    const text = inScratchRoot(s.text!, s.container, root);
    const base = /mkdir -p "([^"]+)"/.exec(text)?.[1];
    expect(base, 'the dump script names its folder').toBeTruthy();
    const retention = Number(/tail -n \+(\d+)/.exec(text)?.[1]) - 1;
    expect(retention).toBeGreaterThan(0);
    mkdirSync(join(base!, dbs[0]!), { recursive: true });
    for (let i = 1; i <= retention; i++) writeFileSync(join(base!, dbs[0]!, `${dbs[0]}-202501${String(i).padStart(2, '0')}T000000Z.dump`), 'old');
    const tick = join(dir, 'tick');
    const date = stubs(dir, { date: `n=$(( $(cat '${tick}' 2>/dev/null || echo 0) + 1 )); echo "$n" > '${tick}'; exec /bin/date -d "@$(( 1798761600 + n * 3600 ))" "$@"` });
    const runDump = (extra: Record<string, string>) => runScript({ lint: 'bash', run: 'bash' }, text, { env: { ...env, ...local, ...extra }, path: [date.bin, server.bin] });
    ok(await runDump({}), 'first dump');
    ok(await runDump({}), 'second dump');
    const dumps = (db: string) =>
      readdirSync(join(base!, db))
        .filter((f) => f.endsWith('.dump'))
        .sort();
    expect(dumps(dbs[0]!), 'the retention keeps the newest').toHaveLength(retention);
    expect(dumps(dbs[0]!).filter((f) => f.startsWith(`${dbs[0]}-2025`))).toHaveLength(retention - 2);
    expect(dumps(dbs[1]!)).toHaveLength(2);
    expect(readdirSync(join(base!, 'globals')).filter((f) => f.endsWith('.sql'))).toHaveLength(2);
    expect(existsSync(join(base!, 'postgres')), 'no dump of the maintenance database').toBe(false);
    const before = dumps(dbs[0]!);
    const failed = await runDump({ PGPASSWORD: 'wrong' });
    expect(failed.code).not.toBe(0);
    expect(dumps(dbs[0]!)).toEqual(before);
    // The damage, then the runbook's restore of the newest dump.
    psql(server, { ...su, db: dbs[0]! }, 'DROP TABLE t');
    const newest = join(base!, dbs[0]!, before.at(-1)!);
    for (let round = 0; round < 2; round++) {
      ok(
        await runScript({ lint: 'bash', run: 'bash' }, `pg_restore --clean --if-exists --create -d postgres '${newest}'`, { env: { ...env, ...local }, path: [server.bin] }),
        'pg_restore',
      );
      expect(psql(server, { ...su, db: dbs[0]! }, 'SELECT v FROM t')).toBe(dbs[0]);
    }
  },
};

function synthExampleRetention(s: EmbeddedScript): number {
  const m = /tail -n \+(\d+)/.exec(s.text!);
  expect(m, 'the backup script keeps a bounded number of dumps').toBeTruthy();
  return Number(m![1]) - 1;
}

/** Exec probes with pg_isready: the server answers on the pod's own address. */
const pgIsReady: Runner = {
  name: 'pg_isready probe',
  claims: (s) => s.where.endsWith('Probe') && (s.argv[0] ?? '').split('/').pop() === 'pg_isready',
  async run(s, ctx) {
    const env = containerEnv(s.container, secretValue);
    const server = await ctx.postgres(env.POSTGRES_USER ?? 'postgres', env.POSTGRES_PASSWORD ?? 'postgres');
    const argv = [...s.argv];
    const portAt = argv.findIndex((a) => a === '--port' || a === '-p');
    const hostAt = argv.findIndex((a) => a === '--host' || a === '-h');
    expect(argv[hostAt + 1], 'the probe asks the pod itself').toMatch(/^(127\.0\.0\.1|localhost)$/);
    const servedPort = (s.container.ports ?? []).map((p: any) => String(p.containerPort));
    expect(servedPort, 'the probe checks the port the container serves').toContain(argv[portAt + 1]);
    const bin = requireTool('pg_isready', 'postgresql-client');
    argv[portAt + 1] = String(server.port);
    execFileSync(bin, argv.slice(1), { stdio: 'pipe' });
    // Nothing listening: the probe fails.
    argv[portAt + 1] = '1';
    expect(() => execFileSync(bin, argv.slice(1), { stdio: 'pipe' })).toThrow();
  },
};

// ─── arr-wiring ──────────────────────────────────────────────────────────────────────────────

/** The data file a data-driven wiring script reads by default (`DATA=${1:-/path/file.json}`). */
const WIRING_DATA = /^DATA=\$\{1:-(\/\S+\.json)\}$/m;

/** The wiring job's static script over its data (a mounted ConfigMap entry) against a stateful fake of every Arr the data names: a second run adds nothing. */
const arrWiring: Runner = {
  name: 'Arr wiring against fake Servarrs',
  claims: (s) => repoOf(s.image) === 'curlimages/curl' && s.where === 'command' && WIRING_DATA.test(s.text ?? ''),
  async run(s) {
    const env = containerEnv(s.container, secretValue);
    const dataPath = WIRING_DATA.exec(s.text!)![1]!;
    const dataFile = configMapFile(s.objects, s.pod.spec, s.container, dataPath);
    expect(dataFile?.text, `${dataPath} is a mounted ConfigMap entry`).toBeDefined();
    const data: WiringData = JSON.parse(dataFile!.text!);
    const entries = data.apps.flatMap((a) => a.collections.flatMap((c) => c.entries));
    // A variable the data takes as a URL (a notification's webhook) holds one, as its Secret's value rule demands.
    for (const name of new Set(entries.flatMap((e) => e.urls ?? []))) env[name] = `https://hooks.example.invalid/${env[name]}`;
    const keys: Record<string, string> = {};
    for (const app of data.apps) keys[app.instance] = env[app.keyEnv]!;
    const services = new Set(Object.keys(keys));
    expect(Object.values(keys).every(Boolean), `an API key for each of ${[...services].join(', ')}`).toBe(true);
    const fake = new FakeServarr(keys);
    await fake.start();
    try {
      const dir = scratch('arr-wiring');
      const root = join(dir, 'root');
      mountPoints(s.container, root);
      // The library folders it adds only when they exist: the operator has created them.
      for (const e of entries) if (e.folder && !e.folder.create) mkdirSync(join(root, e.folder.path), { recursive: true });
      const file = join(dir, 'arr-wiring.json');
      writeFileSync(file, JSON.stringify(wiringDataAtFake(data, fake.port, root)));
      const text = inScratchRoot(s.text!.replace(WIRING_DATA, `DATA=\${1:-${file}}`), s.container, root);
      // curl may reach the fake only.
      const curl = requireTool('curl', 'curl');
      const net = stubs(dir, {
        curl: `for a in "$@"; do last="$a"; done\ncase "$last" in http://127.0.0.1:${fake.port}/*) exec '${curl}' "$@" ;; esac\necho "refused: $last" >&2\nexit 7`,
      });
      const first = await runScript(s.shell!, text, { env, path: [net.bin], timeoutMs: 60_000 });
      ok(first, 'first run');
      expect(first.stdout + first.stderr).not.toMatch(/ERROR|refused/);
      expect(fake.writes().length).toBeGreaterThan(0);
      expect(new Set(fake.writes().map((r) => r.svc))).toEqual(services);
      expect(fake.invalid, fake.invalid.join('\n')).toEqual([]);
      // The streaming folders it creates exist in the (scratch) volumes.
      for (const e of entries) if (e.folder?.create) expect(existsSync(join(root, e.folder.path)), e.folder.path).toBe(true);
      // Second run: only reads.
      fake.requests.length = 0;
      const second = await runScript(s.shell!, text, { env, path: [net.bin], timeoutMs: 60_000 });
      ok(second, 'second run');
      expect(fake.requests.length).toBeGreaterThan(0);
      expect(fake.writes(), 'the second run only reads').toEqual([]);
      expect(fake.invalid, fake.invalid.join('\n')).toEqual([]);
    } finally {
      await fake.stop();
    }
  },
};

// ─── FUSE mounts (Decypharr) ─────────────────────────────────────────────────────────────────

/** A fake mount table with a (dead) FUSE mount on `dir`, and umount/mount/chown stubs that edit/record it. */
function fuseStubs(dir: string, mountedDir: string) {
  const mounts = join(dir, 'mounts');
  writeFileSync(mounts, `overlay / overlay rw 0 0\ndecypharr ${mountedDir} fuse.decypharr rw,user_id=1000 0 0\n`);
  // Lazy unmount removes the entry, as the kernel does (each call one entry: stacked mounts need a loop).
  const fake = stubs(join(dir, 'fuse'), {
    umount: `awk -v d="$2" 'BEGIN{done=0} { if (!done && $2 == d) { done=1; next } print }' '${mounts}' > '${mounts}.new' && mv '${mounts}.new' '${mounts}'`,
    mount: 'exit 0',
    chown: 'exit 0',
    'entrypoint.sh': 'exit 0',
  });
  return { mounts, fake };
}

/** The start script before Decypharr's entrypoint: clear dead mounts, hand the mount point to PUID:PGID, bind (unless it is the mount point), exec. */
const fuseStart: Runner = {
  name: 'FUSE mount point: clear, hand over, bind, exec the entrypoint',
  claims: (s) => s.where === 'command' && s.shell?.run === 'busybox' && (s.text ?? '').includes('/proc/mounts') && /\bexec \S*entrypoint\S*/.test(s.text ?? ''),
  async run(s) {
    const dir = scratch('fuse-start');
    const root = join(dir, 'root');
    mountPoints(s.container, root);
    const env = containerEnv(s.container, secretValue);
    const shared = join(root, env.DFS_SHARED_DIR!);
    const point = join(root, env.DFS_MOUNT_POINT!);
    const { mounts, fake } = fuseStubs(dir, shared);
    // A crash left the mount twice (stacked): both must go before the new mount.
    writeFileSync(mounts, readFileSync(mounts, 'utf8') + `decypharr ${shared} fuse.decypharr rw 0 0\n`);
    const entry = /\bexec (\S+)/.exec(s.text!)![1]!;
    const text = s.text!.replaceAll('/proc/mounts', mounts).replace(`exec ${entry}`, `exec ${join(fake.bin, 'entrypoint.sh')}`);
    const args = [...(s.container.command.slice(3) as string[]).slice(1), ...(s.container.args ?? [])];
    const r = await runScript(s.shell!, text.replace(/"\$@"/, args.map((a) => `'${a}'`).join(' ')), {
      env: { ...env, DFS_SHARED_DIR: shared, DFS_MOUNT_POINT: point },
      path: [fake.bin],
    });
    ok(r, 'start script');
    expect(fake.calls('umount')).toEqual([
      ['-l', shared],
      ['-l', shared],
    ]);
    expect(readFileSync(mounts, 'utf8')).not.toContain(shared);
    expect(existsSync(shared) && existsSync(point)).toBe(true);
    expect(fake.calls('chown')).toEqual([[`${env.PUID}:${env.PGID}`, shared]]);
    // Single node: the mount point is the shared subdirectory itself, and binding it onto itself
    // would stack a bind the readers' view of the parent does not need.
    expect(fake.calls('mount')).toEqual(env.DFS_MOUNT_POINT === env.DFS_SHARED_DIR ? [] : [['-o', 'bind', shared, point]]);
    expect(fake.calls('entrypoint.sh')).toEqual([args]);
    // chown refused (no CAP_CHOWN): the pod fails instead of starting a FUSE mount fusermount3 refuses.
    const denied = stubs(join(dir, 'denied'), { chown: 'exit 1', mount: 'exit 0', 'entrypoint.sh': 'exit 0' });
    const r2 = await runScript(s.shell!, text.replace(join(fake.bin, 'entrypoint.sh'), join(denied.bin, 'entrypoint.sh')), {
      env: { ...env, DFS_SHARED_DIR: shared, DFS_MOUNT_POINT: point },
      path: [denied.bin],
    });
    expect(r2.code).not.toBe(0);
    expect(denied.calls('entrypoint.sh')).toEqual([]);
  },
};

/** preStop: the FUSE mount is taken off the node before the process stops. */
const fuseUnmount: Runner = {
  name: 'FUSE unmount on stop',
  claims: (s) => s.where === 'lifecycle.preStop' && (s.text ?? '').includes('/proc/mounts') && /\bumount\b/.test(s.text ?? ''),
  async run(s) {
    const dir = scratch('fuse-stop');
    const env = containerEnv(s.container, secretValue);
    const shared = join(dir, 'root', env.DFS_SHARED_DIR!);
    const { mounts, fake } = fuseStubs(dir, shared);
    const text = s.text!.replaceAll('/proc/mounts', mounts);
    ok(await runScript(s.shell!, text, { env: { ...env, DFS_SHARED_DIR: shared }, path: [fake.bin] }), 'preStop');
    expect(fake.calls('umount')).toEqual([['-l', shared]]);
    expect(readFileSync(mounts, 'utf8')).not.toContain(shared);
    // Nothing mounted (Decypharr already unmounted itself): a no-op, not a failing hook.
    ok(await runScript(s.shell!, text, { env: { ...env, DFS_SHARED_DIR: shared }, path: [fake.bin] }), 'preStop without a mount');
    expect(fake.calls('umount')).toHaveLength(1);
  },
};

/** `test -f MARKER` probes: ready only once the marker exists on the mounted volume. */
const markerProbe: Runner = {
  name: 'marker-file probe',
  claims: (s) => s.where.endsWith('Probe') && s.shell?.run === 'busybox' && /^test -f \S+$/.test((s.text ?? '').trim()),
  async run(s) {
    const marker = /^test -f (\S+)$/.exec(s.text!.trim())![1]!;
    // The marker lies on a volume, or on the mount point the container's start script binds (DFS_MOUNT_POINT).
    const dirs = [...(s.container.volumeMounts as { mountPath: string }[]).map((m) => m.mountPath), containerEnv(s.container, secretValue).DFS_MOUNT_POINT].filter(Boolean);
    expect(
      dirs.some((d) => marker.startsWith(`${d!.replace(/\/$/, '')}/`)),
      `${marker} lies on a mount of ${s.container.name}`,
    ).toBe(true);
    const root = join(scratch('marker-probe'), 'root');
    mkdirSync(join(root, marker, '..'), { recursive: true });
    const text = s.text!.replace(marker, join(root, marker));
    expect((await runScript(s.shell!, text)).code, 'not ready without the marker').not.toBe(0);
    writeFileSync(join(root, marker), 'v2.4\n');
    ok(await runScript(s.shell!, text), 'ready with the marker');
  },
};

/** `test -n "$(find FILE -mmin -N)"` probes: alive only while a loop keeps touching FILE (the Plex token writer). */
const heartbeatProbe: Runner = {
  name: 'heartbeat-file probe',
  claims: (s) => s.where.endsWith('Probe') && s.shell?.run === 'busybox' && /^test -n "\$\(find \S+ -mmin -\d+\)"$/.test((s.text ?? '').trim()),
  async run(s) {
    const [, file, minutes] = /find (\S+) -mmin -(\d+)/.exec(s.text!)!;
    expect(
      (s.container.volumeMounts as { mountPath: string }[]).some((m) => file!.startsWith(`${m.mountPath.replace(/\/$/, '')}/`)),
      `${file} lies on a mount of ${s.container.name}`,
    ).toBe(true);
    const local = join(scratch('heartbeat-probe'), 'alive');
    const text = s.text!.replace(file!, local);
    expect((await runScript(s.shell!, text)).code, 'not alive before the first round').not.toBe(0);
    writeFileSync(local, '1\n');
    ok(await runScript(s.shell!, text), 'alive right after a round');
    const stale = (Date.now() - (Number(minutes) + 1) * 60_000) / 1000;
    utimesSync(local, stale, stale);
    expect((await runScript(s.shell!, text)).code, `not alive ${Number(minutes) + 1} minutes after the last round`).not.toBe(0);
  },
};

export const RUNNERS: readonly Runner[] = [
  hostDirs,
  waitForFile,
  seedOnce,
  qbtSavePath,
  fuseStart,
  fuseUnmount,
  markerProbe,
  heartbeatProbe,
  sambaUsers,
  vpnRules,
  postgresBackup,
  postgresDumpPerDatabase,
  pgIsReady,
  arrWiring,
];
