import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import * as k8s from '../../../imports/k8s.js';
import type { SiteConfig } from '../../config/types.js';
import { Component, setFileName } from '../../lib/component.js';
import { IMAGES } from '../../lib/images.js';
import { storageNodePlacement } from '../../lib/placement.js';
import { appLabels, container, podSpec } from '../../lib/pod.js';
import { readSourceFile } from '../../lib/script-file.js';
import { publishFact } from '../../lib/published-facts.js';
import { hostPathVolume } from '../../lib/storage.js';
import { addCronJob, scratchVolume } from '../../lib/workload.js';
import { POSTGRES_IMAGE } from '../postgres/facts.js';
import { POSTGRES, superuserClientEnv } from '../servarr/arr.js';
import type { MediaNamespace } from '../shared-storage/shared-storage.js';
import type { BackupsConfig } from './config.js';
import { BACKUP_PATHS, CONFIG_BACKUP_CONTAINER, PG_DUMP_CONTAINER } from './facts.js';

/** Labels that put a PVC's Longhorn volume into a recurring job group (synchronized by Longhorn). */
function recurringJobGroupLabels(group: string): Record<string, string> {
  return {
    // Without the source label Longhorn ignores recurring job labels on a PVC.
    'recurring-job.longhorn.io/source': 'enabled',
    [`recurring-job-group.longhorn.io/${group}`]: 'enabled',
  };
}

/** The script every config-backup CronJob runs (backup and restore), from this folder. */
const CONFIG_BACKUP_SCRIPT = 'src/apps/backups/config-backup.py';
const SCRIPT_KEY = 'config-backup.py';
/** The ConfigMap that carries the script. */
const CONFIG_BACKUP_CONFIGMAP = 'config-backup-script';
/** CronJob names: a Job's name adds 11 characters, so a CronJob's may have at most 52. */
const MAX_CRONJOB_NAME = 52;

export interface LonghornBackupsProps {
  /** The backups settings (`apps.backups`). */
  readonly backups: BackupsConfig;
  /** The claims whose volumes join the group (their objects get the group's labels). */
  readonly claims: readonly ApiObject[];
}

/**
 * Longhorn layout: one `RecurringJob` for snapshots and one for backups to Longhorn's backup
 * target, both in the group `apps.backups.group`, and that group's labels on every config claim.
 * The backup target itself is Longhorn's (its `default` BackupTarget): the runbook sets it.
 */
export class LonghornBackups extends Component {
  /** The RecurringJobs, snapshot (when enabled) first. */
  readonly recurringJobs: ApiObject[] = [];

  constructor(scope: Construct, id: string, props: LonghornBackupsProps) {
    const b = props.backups;
    super(scope, id, {
      dir: 'infrastructure/backups',
      fluxName: 'config-backups',
      namespace: b.longhornNamespace,
      description: `Longhorn RecurringJobs of the group ${b.group}: ${b.snapshots ? `a snapshot at ${b.snapshotSchedule} (keeping ${b.snapshotRetain}) and ` : ''}a backup to the backup target at ${b.schedule} (keeping ${b.retain}) of ${props.claims.map((c) => c.name).join(', ')}`,
    });
    const job = (task: 'snapshot' | 'backup', cron: string, retain: number, concurrency: number) =>
      setFileName(
        new ApiObject(this, task, {
          apiVersion: 'longhorn.io/v1beta2',
          kind: 'RecurringJob',
          metadata: { name: `${b.group}-${task}`, namespace: b.longhornNamespace, labels: { 'app.kubernetes.io/part-of': 'media-stack' } },
          spec: { name: `${b.group}-${task}`, task, cron, retain, concurrency, groups: [b.group], labels: { 'app.kubernetes.io/part-of': 'media-stack' } },
        }),
        `recurringjob-${task}.yaml`,
      );
    // Snapshots stay in the cluster; the backup job also removes snapshots beyond its own retain.
    if (b.snapshots) this.recurringJobs.push(job('snapshot', b.snapshotSchedule, b.snapshotRetain, 2));
    // One upload at a time: the NAS link is shared with the media library.
    this.recurringJobs.push(job('backup', b.schedule, b.retain, 1));
    for (const claim of props.claims) for (const [k, v] of Object.entries(recurringJobGroupLabels(b.group))) claim.metadata.addLabel(k, v);
  }
}

/** An app's data directory on the node (host-path layout): the instance and its host path. */
export interface DataDirectory {
  readonly instance: string;
  readonly path: string;
}

export interface HostPathBackupsProps {
  /** The namespace (the CronJobs run there, on the node of the host paths). */
  readonly namespace: MediaNamespace;
  readonly backups: BackupsConfig;
  /** The data directories archived file by file (PostgreSQL's is dumped instead). */
  readonly directories: readonly DataDirectory[];
  /** Dump every database of the stack's PostgreSQL. @default false */
  readonly postgres?: boolean;
}

/**
 * Host-path layout: a CronJob per app data directory that writes a consistent archive of it to
 * `apps.backups.target` (the NAS over NFS, or a host directory), under `<cluster>/<instance>/`,
 * keeping the newest `retain`; with PostgreSQL, a CronJob that dumps each database there.
 */
export class HostPathBackups extends Component {
  /** The CronJobs by instance (`postgres` for the dumps). */
  readonly cronJobs = new Map<string, ApiObject>();

  constructor(scope: Construct, id: string, props: HostPathBackupsProps) {
    const cfg = props.namespace.site;
    const b = props.backups;
    const names = [...props.directories.map((d) => d.instance), ...(props.postgres ? ['postgres (pg_dump)'] : [])];
    super(scope, id, props.namespace.appFolder('config-backups', `config backups at ${b.schedule} to ${b.target} (keeping ${b.retain}) of ${names.join(', ')}`));
    setFileName(
      new k8s.KubeConfigMap(this, 'script', {
        metadata: { name: CONFIG_BACKUP_CONFIGMAP, namespace: cfg.namespace, labels: appLabels('config-backup') },
        data: { [SCRIPT_KEY]: readSourceFile(CONFIG_BACKUP_SCRIPT) },
      }),
      'configmap-script.yaml',
    );
    const target = targetVolume(b.target);
    for (const dir of props.directories) {
      const spec = podSpec(cfg, {
        ...storageNodePlacement(cfg),
        containers: [
          container({
            name: CONFIG_BACKUP_CONTAINER,
            image: IMAGES.python,
            command: ['python3', `${BACKUP_PATHS.scripts}/${SCRIPT_KEY}`, 'backup', BACKUP_PATHS.source, `${BACKUP_PATHS.target}/${cfg.cluster}/${dir.instance}`, String(b.retain)],
            env: { TZ: cfg.timezone, PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1' },
            mounts: [
              { volume: 'source', path: BACKUP_PATHS.source },
              { volume: 'backups', path: BACKUP_PATHS.target },
              { volume: 'script', path: BACKUP_PATHS.scripts, readOnly: true },
              { volume: 'tmp', path: '/tmp' },
            ],
            resources: { cpuRequest: '50m', memoryRequest: '64Mi', memoryLimit: '512Mi' },
          }),
        ],
        volumes: [hostPathVolume('source', dir.path, 'Directory'), target, { name: 'script', configMap: { name: CONFIG_BACKUP_CONFIGMAP } }, scratchVolume('tmp', '64Mi')],
      });
      this.addCronJobFor(cfg, b, dir.instance, spec, CONFIG_BACKUP_CONTAINER);
    }
    if (props.postgres) this.addCronJobFor(cfg, b, 'postgres', pgDumpPod(cfg, b, target), PG_DUMP_CONTAINER);
  }

  private addCronJobFor(cfg: SiteConfig, b: BackupsConfig, instance: string, pod: k8s.PodSpec, containerName: string): void {
    const name = `backup-${instance}`;
    if (name.length > MAX_CRONJOB_NAME) throw new Error(`apps.backups: the CronJob name '${name}' has more than ${MAX_CRONJOB_NAME} characters; use a shorter instance name`);
    const cronJob = addCronJob(this, cfg, {
      name,
      schedule: b.schedule,
      timeZone: cfg.timezone,
      pod,
      backoffLimit: 1,
      activeDeadlineSeconds: 3 * 3600,
      // Keep a failed run visible next to the last good one (the CronJob's lastSuccessfulTime stays too).
      successfulJobsHistoryLimit: 1,
      fileName: `cronjob-${instance}.yaml`,
    });
    const targetPath = b.target.startsWith('/') ? b.target : undefined;
    if (targetPath)
      this.addSecurityExceptionFor(cronJob, {
        rules: ['no-host-path'],
        reason: `the backup reads the app's host directory under ${cfg.storage.hostPathRoot} and writes the archives to the host directory ${targetPath} (apps.backups.target)`,
      });
    if (instance === 'postgres')
      this.addCall({ from: { app: name }, to: { app: POSTGRES.service }, ports: [POSTGRES.port], why: 'pg_dump of every database to the backup target' });
    publishFact(this, {
      kind: 'config-backup',
      instance,
      cronJob: name,
      container: containerName,
      mount: BACKUP_PATHS.target,
      directory: `${BACKUP_PATHS.target}/${cfg.cluster}/${instance}`,
    });
    this.cronJobs.set(instance, cronJob);
  }
}

/** The backup target as a pod volume: an NFS export, or a host directory. */
function targetVolume(target: string): k8s.Volume {
  if (target.startsWith('/')) return { name: 'backups', hostPath: { path: target, type: 'DirectoryOrCreate' } };
  const m = /^nfs:\/\/([^/:]+):(\/.*)$/.exec(target);
  if (!m) throw new Error(`apps.backups.target: '${target}' cannot be mounted by a pod in the host-path layout; use 'nfs://<server>:/<export path>' or a host directory`);
  return { name: 'backups', nfs: { server: m[1]!, path: m[2]! } };
}

/**
 * The dump script: every database except the templates and `postgres`, one `pg_dump -Fc` each
 * (restorable alone with pg_restore), plus the roles (`pg_dumpall --globals-only`), each written
 * under a temporary name and renamed when complete, the newest `retain` of each kept.
 */
function pgDumpScript(dir: string, retain: number): string {
  return [
    'set -euo pipefail',
    `mkdir -p "${dir}"`,
    `rm -f -- "${dir}"/*/*.partial`,
    'stamp=$(date -u +%Y%m%dT%H%M%SZ)',
    'keep() { find "$1" -maxdepth 1 -name "$2" | LC_ALL=C sort -r | tail -n +' + String(retain + 1) + ' | xargs -r rm -f --; }',
    `mkdir -p "${dir}/globals"`,
    `pg_dumpall --globals-only > "${dir}/globals/globals-$stamp.sql.partial"`,
    `mv "${dir}/globals/globals-$stamp.sql.partial" "${dir}/globals/globals-$stamp.sql"`,
    `keep "${dir}/globals" 'globals-*.sql'`,
    `dbs=$(psql -d postgres -Atc "select datname from pg_database where not datistemplate and datname <> 'postgres' order by 1")`,
    'for db in $dbs; do',
    `  mkdir -p "${dir}/$db"`,
    `  f="${dir}/$db/$db-$stamp.dump"`,
    '  pg_dump -Fc -d "$db" -f "$f.partial"',
    '  mv "$f.partial" "$f"',
    '  echo "wrote $f"',
    `  keep "${dir}/$db" "$db-*.dump"`,
    'done',
    `echo "kept the newest ${retain} dumps of each database"`,
  ].join('\n');
}

function pgDumpPod(cfg: SiteConfig, b: BackupsConfig, target: k8s.Volume): k8s.PodSpec {
  return podSpec(cfg, {
    ...storageNodePlacement(cfg),
    containers: [
      container({
        name: PG_DUMP_CONTAINER,
        image: POSTGRES_IMAGE,
        command: ['bash', '-c', pgDumpScript(`${BACKUP_PATHS.target}/${cfg.cluster}/postgres`, b.retain)],
        env: {
          TZ: cfg.timezone,
          ...superuserClientEnv(cfg),
        },
        mounts: [
          { volume: 'backups', path: BACKUP_PATHS.target },
          { volume: 'tmp', path: '/tmp' },
        ],
        resources: { cpuRequest: '50m', memoryRequest: '128Mi', memoryLimit: '1Gi' },
      }),
    ],
    volumes: [target, scratchVolume('tmp', '64Mi')],
  });
}
