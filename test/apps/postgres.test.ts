import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backupScript, PGDATA } from '../../src/apps/postgres/postgres.js';
import { containerOf, envOf, objectsOf, podOf } from '../helpers.js';

const ON = { apps: { postgres: { enabled: true } } } as const;

describe('PostgreSQL', () => {
  const { find, objects, stack } = objectsOf(ON);
  const sts = find('StatefulSet', 'postgres');
  const pg = containerOf(sts, 'postgres');

  it('runs postgres 16 on 5432 with PGDATA on a subdirectory and the superuser password from its Secret', () => {
    expect(pg.image).toMatch(/^postgres:16\./);
    expect(pg.ports).toEqual([{ name: 'postgres', containerPort: 5432, protocol: 'TCP' }]);
    const env = envOf(pg);
    expect(env.PGDATA).toBe(PGDATA);
    expect(PGDATA.startsWith('/var/lib/postgresql/data/')).toBe(true);
    expect(env.POSTGRES_USER).toBe('postgres');
    expect(env.POSTGRES_PASSWORD).toEqual({ secretKeyRef: { name: 'postgres-secrets', key: 'superuser-password' } });
    expect(pg.volumeMounts).toContainEqual({ name: 'config', mountPath: '/var/lib/postgresql/data' });
    expect(find('Service', 'postgres').spec.ports[0]).toMatchObject({ port: 5432, targetPort: 'postgres' });
    const secret = stack.components.find((c) => c.fluxName === 'postgres')!.secrets[0]!;
    expect(secret.name).toBe('postgres-secrets');
    expect(secret.keys[0]!.source.kind).toBe('generated');
  });

  it('probes with pg_isready (exec) for startup, readiness and liveness', () => {
    for (const p of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
      expect(pg[p].exec.command[0]).toBe('pg_isready');
      expect(pg[p].exec.command).toContain('5432');
    }
  });

  it('runs as the stack user with a read-only root (socket dir and /tmp on emptyDirs) and a long grace period', () => {
    const pod = podOf(sts);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 });
    expect(pg.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(pg.volumeMounts.map((m: any) => m.mountPath)).toEqual(expect.arrayContaining(['/var/run/postgresql', '/tmp']));
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(120);
  });

  it('backs up nightly with pg_dumpall into a volume, never two at once, keeping backupRetention dumps', () => {
    const cron = find('CronJob', 'postgres-backup');
    expect(cron.spec.schedule).toBe('30 3 * * *');
    expect(cron.spec.concurrencyPolicy).toBe('Forbid');
    expect(cron.spec.timeZone).toBe('UTC');
    const c = containerOf(cron, 'pg-dumpall');
    expect(c.command.slice(0, 2)).toEqual(['bash', '-c']);
    expect(c.command[2]).toContain('pg_dumpall');
    expect(c.command[2]).toContain('tail -n +8');
    expect(envOf(c).PGPASSWORD).toEqual({ secretKeyRef: { name: 'postgres-secrets', key: 'superuser-password' } });
    expect(envOf(c).PGHOST).toBe('postgres.media.svc.cluster.local');
    expect(podOf(cron).restartPolicy).toBe('OnFailure');
    expect(podOf(cron).volumes.find((v: any) => v.name === 'backups').persistentVolumeClaim).toEqual({ claimName: 'postgres-backups' });
    expect(find('PersistentVolumeClaim', 'postgres-backups').spec.resources.requests.storage).toBe('20Gi');
    const { find: f } = objectsOf({ apps: { postgres: { enabled: true, backupRetention: 3, backupSchedule: '@daily' } } });
    expect(f('CronJob', 'postgres-backup').spec.schedule).toBe('@daily');
    expect(containerOf(f('CronJob', 'postgres-backup'), 'pg-dumpall').command[2]).toContain('tail -n +4');
  });

  it('the retention script keeps exactly the newest N dumps', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pgbak-'));
    for (let i = 1; i <= 5; i++) {
      writeFileSync(join(dir, `pg_dumpall-2026010${i}T000000Z.sql.gz`), 'x');
      execFileSync('touch', ['-d', `2026-01-0${i}`, join(dir, `pg_dumpall-2026010${i}T000000Z.sql.gz`)]);
    }
    // Run the real script with a stub pg_dumpall and the backup dir swapped for the temp dir.
    const bin = mkdtempSync(join(tmpdir(), 'pgbin-'));
    writeFileSync(join(bin, 'pg_dumpall'), '#!/bin/sh\necho "-- dump"\n', { mode: 0o755 });
    execFileSync('bash', ['-c', backupScript(3).replaceAll('/backups', dir)], { env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
    const left = readdirSync(dir).sort();
    expect(left).toHaveLength(3);
    expect(left.some((f) => f.includes('20260105'))).toBe(true);
    expect(left.some((f) => f.includes('20260101'))).toBe(false);
    expect(left.every((f) => !f.endsWith('.partial'))).toBe(true);
  });

  it('leaves no partial dump behind: a failed dump removes its own, the next run those of a killed one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pgbak-'));
    // A run killed outright (no trap ran) left this one.
    writeFileSync(join(dir, 'pg_dumpall-20260101T000000Z.sql.gz.partial'), 'half');
    writeFileSync(join(dir, 'pg_dumpall-20260102T000000Z.sql.gz'), 'x');
    const bin = mkdtempSync(join(tmpdir(), 'pgbin-'));
    writeFileSync(join(bin, 'pg_dumpall'), '#!/bin/sh\necho "-- half a dump"\necho "connection lost" >&2\nexit 1\n', { mode: 0o755 });
    const script = backupScript(7).replaceAll('/backups', dir);
    execFileSync('shellcheck', ['-s', 'bash', '-'], { input: script });
    const res = spawnSync('bash', ['-c', script], { env: { ...process.env, PATH: `${bin}:${process.env.PATH}` }, encoding: 'utf8' });
    expect(res.status, 'the Job fails with the dump').not.toBe(0);
    expect(readdirSync(dir)).toEqual(['pg_dumpall-20260102T000000Z.sql.gz']);
  });

  it('lets only the Arrs and the backup job reach 5432', () => {
    const ingress = find('NetworkPolicy', 'allow-postgres').spec.ingress;
    const from = ingress.map((r: any) => r.from[0].podSelector.matchLabels['app.kubernetes.io/name']).sort();
    expect(from).toEqual(['postgres-backup', 'prowlarr', 'radarr', 'sonarr']);
    expect(ingress.every((r: any) => r.ports[0].port === 5432)).toBe(true);
    expect(find('NetworkPolicy', 'allow-postgres-backup').spec.egress).toEqual([
      { to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'postgres', 'app.kubernetes.io/instance': 'postgres' } } }], ports: [{ protocol: 'TCP', port: 5432 }] },
    ]);
    expect(objects.some((o) => o.kind === 'CronJob')).toBe(true);
  });
});

describe('the *arr apps on PostgreSQL', () => {
  const { find, stack } = objectsOf({ apps: { postgres: { enabled: true }, sonarr: { extraInstances: ['4k'] } } });

  it.each([
    ['sonarr', 'SONARR'],
    ['radarr', 'RADARR'],
    ['prowlarr', 'PROWLARR'],
    ['sonarr-4k', 'SONARR'],
  ])('%s gets <KIND>__POSTGRES__* with its own role, password and databases', (instance, prefix) => {
    const env = envOf(containerOf(find('StatefulSet', instance), instance.split('-')[0]!));
    expect(env[`${prefix}__POSTGRES__HOST`]).toBe('postgres.media.svc.cluster.local');
    expect(env[`${prefix}__POSTGRES__PORT`]).toBe('5432');
    expect(env[`${prefix}__POSTGRES__USER`]).toBe(instance);
    expect(env[`${prefix}__POSTGRES__PASSWORD`]).toEqual({ secretKeyRef: { name: `${instance}-secrets`, key: 'postgres-password' } });
    expect(env[`${prefix}__POSTGRES__MAINDB`]).toBe(`${instance}-main`);
    expect(env[`${prefix}__POSTGRES__LOGDB`]).toBe(`${instance}-log`);
    // Not the seed's misspelt single-underscore names.
    expect(Object.keys(env).some((k) => /__POSTGRES_[A-Z]/.test(k))).toBe(false);
    const secret = stack.components.find((c) => c.fluxName === instance)!.secrets[0]!;
    expect(secret.keys.map((k) => k.key)).toEqual(['api-key', 'postgres-password', 'ui-password']);
    expect(secret.keys[1]!.source).toMatchObject({ kind: 'generated' });
  });

  it('creates the role and both databases in an init container before the app starts', () => {
    const pod = podOf(find('StatefulSet', 'sonarr'));
    expect(pod.initContainers[0].name).toBe('postgres-init');
    const init = containerOf(find('StatefulSet', 'sonarr'), 'postgres-init');
    expect(init.image).toMatch(/^ghcr\.io\/home-operations\/postgres-init:/);
    expect(init.restartPolicy).toBeUndefined(); // a real init container: runs to completion first
    expect(envOf(init)).toEqual({
      INIT_POSTGRES_HOST: 'postgres.media.svc.cluster.local',
      INIT_POSTGRES_PORT: '5432',
      INIT_POSTGRES_SUPER_USER: 'postgres',
      INIT_POSTGRES_SUPER_PASS: { secretKeyRef: { name: 'postgres-secrets', key: 'superuser-password' } },
      INIT_POSTGRES_USER: 'sonarr',
      INIT_POSTGRES_PASS: { secretKeyRef: { name: 'sonarr-secrets', key: 'postgres-password' } },
      INIT_POSTGRES_DBNAME: 'sonarr-main sonarr-log',
    });
    expect(init.securityContext).toMatchObject({ readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
  });

  it('orders Flux: the Arrs depend on PostgreSQL, which Flux waits for', () => {
    const pgc = stack.components.find((c) => c.fluxName === 'postgres')!;
    expect(pgc.wait).toBe(true);
    for (const name of ['sonarr', 'radarr', 'prowlarr', 'sonarr-4k']) {
      expect(stack.components.find((c) => c.fluxName === name)!.dependsOn).toContain(pgc);
    }
    expect(stack.components.indexOf(pgc)).toBeLessThan(stack.components.findIndex((c) => c.fluxName === 'sonarr'));
  });

  it('leaves apps outside postgres.apps on SQLite', () => {
    const { find: f } = objectsOf({ apps: { postgres: { enabled: true, apps: ['sonarr'] } } });
    expect(Object.keys(envOf(containerOf(f('StatefulSet', 'radarr'), 'radarr'))).some((k) => k.includes('POSTGRES'))).toBe(false);
    expect(podOf(f('StatefulSet', 'radarr')).initContainers.map((c: any) => c.name)).not.toContain('postgres-init');
  });

  it('puts config and backups on host paths in single-node mode', () => {
    const { find: f } = objectsOf({ storage: { mode: 'hostPath' }, apps: { postgres: { enabled: true } } });
    expect(podOf(f('StatefulSet', 'postgres')).volumes.find((v: any) => v.name === 'config').hostPath.path).toBe('/data/config/postgres');
    expect(podOf(f('CronJob', 'postgres-backup')).volumes.find((v: any) => v.name === 'backups').hostPath.path).toBe('/data/backups/postgres');
  });
});
