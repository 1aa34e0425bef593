import { describe, expect, it } from 'vitest';
import { resolveConfig, type StackConfigInput } from '../../src/stack-config.js';
import { synthesizeThroughGates } from '../stack/support.js';
import { containerOf, objectsOf, podOf } from '../helpers.js';

const GROUP = 'recurring-job-group.longhorn.io/media-config';
const SOURCE = 'recurring-job.longhorn.io/source';
const LONGHORN: StackConfigInput = { apps: { backups: { enabled: true }, postgres: { enabled: true } } };
const HOST_PATH: StackConfigInput = {
  storage: { mode: 'hostPath', hostPathRoot: '/data', singleNodeHostname: 'nas' },
  apps: { backups: { enabled: true, target: 'nfs://nas.lan:/export/backups', retain: 5 }, postgres: { enabled: true } },
};

const claims = (objects: readonly any[]) => objects.filter((o) => o.kind === 'PersistentVolumeClaim');

describe('config backups', () => {
  it('are off by default: no RecurringJob, no CronJob, no group labels', () => {
    const { objects } = objectsOf({});
    expect(objects.filter((o) => o.kind === 'RecurringJob' || o.metadata.name.startsWith('backup-'))).toEqual([]);
    expect(claims(objects).filter((c) => c.metadata.labels?.[GROUP])).toEqual([]);
  });

  it('Longhorn layout: a snapshot and a backup RecurringJob of one group that every config claim joins (with the source label Longhorn needs)', () => {
    const { objects } = objectsOf(LONGHORN);
    const jobs = objects.filter((o) => o.kind === 'RecurringJob') as any[];
    expect(jobs.map((j) => [j.apiVersion, j.metadata.namespace, j.metadata.name, j.spec.task, j.spec.cron, j.spec.retain, j.spec.groups])).toEqual([
      ['longhorn.io/v1beta2', 'longhorn-system', 'media-config-snapshot', 'snapshot', '0 * * * *', 24, ['media-config']],
      ['longhorn.io/v1beta2', 'longhorn-system', 'media-config-backup', 'backup', '15 4 * * *', 14, ['media-config']],
    ]);
    for (const j of jobs) expect(j.metadata.name.length).toBeLessThanOrEqual(40);
    const config = claims(objects).filter((c) => c.spec.storageClassName === 'longhorn-simple');
    expect(config.map((c) => c.metadata.name)).toEqual(expect.arrayContaining(['config-sonarr', 'config-radarr', 'config-plex', 'config-postgres', 'postgres-backups']));
    for (const c of config) expect(c.metadata.labels, c.metadata.name).toMatchObject({ [GROUP]: 'enabled', [SOURCE]: 'enabled' });
    // Shared libraries are not config: the RWX symlink library and the NFS claims stay out.
    for (const c of claims(objects).filter((x) => x.spec.storageClassName !== 'longhorn-simple')) expect(c.metadata.labels?.[GROUP], c.metadata.name).toBeUndefined();
  });

  it('Longhorn layout without snapshots: the backup job only, with the configured group', () => {
    const { objects } = objectsOf({ apps: { backups: { enabled: true, snapshots: false, group: 'homelab-config', retain: 30 } } });
    const jobs = objects.filter((o) => o.kind === 'RecurringJob') as any[];
    expect(jobs.map((j) => [j.metadata.name, j.spec.retain])).toEqual([['homelab-config-backup', 30]]);
    expect(claims(objects).find((c) => c.metadata.name === 'config-sonarr').metadata.labels['recurring-job-group.longhorn.io/homelab-config']).toBe('enabled');
  });

  it('host-path layout: a CronJob per app data directory onto the NFS target, PostgreSQL dumped instead of copied', () => {
    const { objects, find } = objectsOf(HOST_PATH);
    const names = objects.filter((o) => o.kind === 'CronJob' && o.metadata.name.startsWith('backup-')).map((o) => o.metadata.name);
    expect(names).toEqual(expect.arrayContaining(['backup-sonarr', 'backup-radarr', 'backup-prowlarr', 'backup-plex', 'backup-postgres']));
    const sonarr = find('CronJob', 'backup-sonarr');
    const pod = podOf(sonarr.spec.jobTemplate);
    expect(pod.nodeSelector).toEqual({ 'kubernetes.io/hostname': 'nas' });
    expect(pod.volumes).toEqual(
      expect.arrayContaining([
        { name: 'source', hostPath: { path: '/data/config/sonarr', type: 'Directory' } },
        { name: 'backups', nfs: { server: 'nas.lan', path: '/export/backups' } },
      ]),
    );
    expect(containerOf(sonarr.spec.jobTemplate, 'config-backup').command).toEqual(['python3', '/scripts/config-backup.py', 'backup', '/source', '/backups/homelab/sonarr', '5']);
    expect(sonarr.spec).toMatchObject({ schedule: '15 4 * * *', concurrencyPolicy: 'Forbid', failedJobsHistoryLimit: 3 });
    // PostgreSQL's live data directory is never archived.
    expect(objects.some((o: any) => o.kind === 'CronJob' && podOf(o.spec.jobTemplate).volumes?.some((v: any) => v.hostPath?.path === '/data/config/postgres'))).toBe(false);
    const dump = containerOf(find('CronJob', 'backup-postgres').spec.jobTemplate, 'pg-dump');
    expect(dump.command.join(' ')).toContain('pg_dump -Fc');
  });

  it.each([
    ['longhorn', LONGHORN, 'docs/homelab/downloads-and-database.md'],
    ['host-path', HOST_PATH, 'docs/homelab/downloads-and-database.md'],
  ] as const)(
    '%s layout synthesizes through every gate (the RecurringJob schema included) and the runbook names its objects',
    async (layout, input, page) => {
      const result = await synthesizeThroughGates(input);
      const md = result.files.find((f) => f.path === page)!.content;
      expect(md).toContain('## Config backups');
      if (layout === 'longhorn') {
        expect(md).toContain(
          `kubectl patch backuptargets.longhorn.io default -n longhorn-system --type merge -p '{"spec":{"backupTargetURL":"nfs://unraid.homelab:/mnt/user/backups"}}'`,
        );
        expect(md).toContain('kubectl get pvc -n media -l recurring-job-group.longhorn.io/media-config=enabled');
        expect(md).toContain('flux suspend kustomization sonarr -n flux-system');
        expect(md).toContain('kubectl scale statefulset/sonarr -n media --replicas=0');
      } else {
        expect(md).toContain('kubectl create job --from=cronjob/backup-');
        expect(md).toContain('python3 /scripts/config-backup.py restore "$ARCHIVE" /source');
        expect(md).toContain('pg_restore --clean --if-exists --create -d postgres /backups/homelab/postgres/<database>/<dump>.dump');
      }
    },
    180_000,
  );

  it.each([
    [{ apps: { backups: { group: 'default' } } }, /apps\.backups\.group.*not 'default'/s],
    [{ apps: { backups: { group: 'a-very-long-recurring-job-group-name' } } }, /apps\.backups\.group.*at most 31 characters/s],
    [{ apps: { backups: { target: 'smb://nas/backups' } } }, /apps\.backups\.target.*nfs:\/\/<server>:\/<export path>/s],
    [{ apps: { backups: { retain: 0 } } }, /apps\.backups\.retain/],
  ] as [StackConfigInput, RegExp][])('refuses bad input naming the field: %j', (input, message) => {
    expect(() => resolveConfig(input)).toThrow(message);
  });

  it('refuses a target the layout cannot use, naming the field and the fix', () => {
    expect(() => objectsOf({ apps: { backups: { enabled: true, target: '/mnt/backup' } } })).toThrow(
      /apps\.backups\.target: '\/mnt\/backup' is a host directory, which the Longhorn layout cannot use/,
    );
    expect(() => objectsOf({ ...HOST_PATH, apps: { backups: { enabled: true, target: 'cifs://nas/backups' } } })).toThrow(
      /apps\.backups\.target: 'cifs:\/\/nas\/backups' is an SMB share/,
    );
  });
});
