import * as k8s from '../../../imports/k8s.js';
import type { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { ResourcesConfig, SiteConfig } from '../../config/types.js';
import type { DatabaseHandle } from '../../lib/handles.js';
import type { MediaNamespace } from '../shared-storage/shared-storage.js';
import { POSTGRES, postgresHost, superuserClientEnv } from '../servarr/arr.js';
import { Component } from '../../lib/component.js';
import { publishFact } from '../../lib/published-facts.js';
import { POSTGRES_IMAGE } from './facts.js';
import { container, podSpec, withOverrides } from '../../lib/pod.js';
import { storageNodePlacement } from '../../lib/placement.js';
import { addAppClaim, addConfigClaim, configVolume } from '../../lib/storage.js';
import { addCronJob, addHeadlessService, addService, addWorkload, scratchVolume } from '../../lib/workload.js';

/** The data directory sits one level below the volume: a fresh volume may hold `lost+found`. */
export const PGDATA = '/var/lib/postgresql/data/pgdata';
const DATA_MOUNT = '/var/lib/postgresql/data';
const BACKUP_MOUNT = '/backups';
/** Pod name/labels of the backup job (a pod group of its own in the NetworkPolicies). */
const POSTGRES_BACKUP_APP = 'postgres-backup';

/** The exec check shared by the probes: pg_isready over TCP on the pod itself (no login needed). */
const PG_ISREADY = ['pg_isready', '--host', '127.0.0.1', '--port', String(POSTGRES.port), '--username', POSTGRES.superuser] as const;

/**
 * The shell script of the backup job: one gzip'd `pg_dumpall` per run (written to a temporary
 * name and renamed, so a failed dump never counts as a backup), then all but the newest
 * `retention` dumps (by the time in their names) are deleted. A failed dump removes its partial file on exit; partials of a
 * run that was killed outright (OOM, lost node) are removed by the next run — the CronJob never
 * runs twice at once, so no partial belongs to a dump in progress.
 */
export function backupScript(retention: number): string {
  return [
    'set -euo pipefail',
    `rm -f -- ${BACKUP_MOUNT}/pg_dumpall-*.sql.gz.partial`,
    `f="${BACKUP_MOUNT}/pg_dumpall-$(date -u +%Y%m%dT%H%M%SZ).sql.gz"`,
    `trap 'rm -f -- "$f.partial"' EXIT`,
    'pg_dumpall --clean --if-exists | gzip -c > "$f.partial"',
    'mv "$f.partial" "$f"',
    'echo "wrote $f"',
    // The names carry the UTC time of the run: newest first by name.
    `find ${BACKUP_MOUNT} -maxdepth 1 -name 'pg_dumpall-*.sql.gz' | LC_ALL=C sort -r | tail -n +${retention + 1} | xargs -r rm -f --`,
    `echo "kept the newest ${retention} dumps"`,
  ].join('\n');
}

export interface PostgresProps {
  /** The namespace (the server depends on it; its site settings place and configure the pods). */
  readonly namespace: MediaNamespace;
  /** The Servarr kinds whose databases it keeps (named in its description). @default [] */
  readonly clients?: readonly string[];
  /** Container resources over the defaults. @default - 100m CPU, 256Mi requested, 2Gi limit */
  readonly resources?: Partial<ResourcesConfig>;
  /** Size of the data volume. @default '10Gi' */
  readonly configSize?: string;
  /** Cron schedule of the `pg_dumpall` backup CronJob. @default '30 3 * * *' */
  readonly backupSchedule?: string;
  /** How many dumps the backup keeps (older ones are deleted). @default 7 */
  readonly backupRetention?: number;
  /** Size of the backup volume (Longhorn mode; host path `<root>/backups/postgres` otherwise). @default '20Gi' */
  readonly backupSize?: string;
  /** Further components to apply first. @default [] */
  readonly dependsOn?: readonly Component[];
}

/**
 * PostgreSQL 16 for the *arr apps (official image, Debian variant). Runs as the stack user
 * (the image's nss_wrapper supplies the passwd entry initdb wants), PGDATA on a subdirectory of
 * the volume, superuser password generated once into `postgres-secrets`. The apps' roles and
 * databases are created by the `postgres-init` container in each *arr pod (src/apps/servarr/arr.ts), so
 * adding an app later needs no change here. A CronJob dumps every database with `pg_dumpall`.
 * `ApiObject.of(postgres)` is its StatefulSet; `database` is the handle its clients take.
 */
export class Postgres extends Component {
  /** The server as its clients see it (host, port, superuser; depending on it waits for this component). */
  readonly database: DatabaseHandle;
  readonly workload: ApiObject;
  readonly service: ApiObject;
  /** The `pg_dumpall` CronJob. */
  readonly backupJob: ApiObject;

  constructor(scope: Construct, id: string, props: PostgresProps) {
    const cfg = props.namespace.site;
    // wait: the *arr apps wait for it, so Flux reports ready only once the server answers.
    super(
      scope,
      id,
      props.namespace.appFolder('postgres', `PostgreSQL 16 on port ${POSTGRES.port} for ${(props.clients ?? []).join(', ')}, with a pg_dumpall backup CronJob`, {
        dependsOn: props.dependsOn,
        wait: true,
      }),
    );
    this.addSecret(POSTGRES.secret, [{ key: POSTGRES.superuserPasswordKey, source: { kind: 'generated', length: 32, alphabet: 'alphanumeric' } }]);
    const superPass = { secret: POSTGRES.secret, key: POSTGRES.superuserPasswordKey };

    addConfigClaim(this, cfg, 'postgres', props.configSize ?? '10Gi');
    const sts = (this.workload = addWorkload(this, cfg, {
      name: 'postgres',
      controller: 'StatefulSet',
      pod: {
        ...storageNodePlacement(cfg),
        // postgres stops on SIGINT (fast shutdown) and checkpoints first: give it time.
        terminationGracePeriodSeconds: 120,
        containers: [
          container({
            name: 'postgres',
            image: POSTGRES_IMAGE,
            ports: [{ name: 'postgres', port: POSTGRES.port }],
            env: {
              TZ: cfg.timezone,
              POSTGRES_USER: POSTGRES.superuser,
              POSTGRES_PASSWORD: superPass,
              PGDATA,
            },
            mounts: [
              { volume: 'config', path: DATA_MOUNT },
              { volume: 'run', path: '/var/run/postgresql' },
              { volume: 'tmp', path: '/tmp' },
            ],
            probes: { check: { exec: PG_ISREADY }, startupSeconds: 300 },
            resources: withOverrides({ cpuRequest: '100m', memoryRequest: '256Mi', memoryLimit: '2Gi' }, props.resources),
          }),
        ],
        volumes: [configVolume(cfg, 'postgres'), scratchVolume('run', '64Mi'), scratchVolume()],
      },
    }));
    this.node.defaultChild = sts;
    this.addHealthCheck({ apiVersion: 'apps/v1', kind: 'StatefulSet', name: sts.metadata.name!, namespace: cfg.namespace });
    this.service = addService(this, cfg, { name: 'postgres', instance: 'postgres', ports: [{ name: 'postgres', port: POSTGRES.port }] });
    addHeadlessService(this, cfg, { name: 'postgres', instance: 'postgres', ports: [{ name: 'postgres', port: POSTGRES.port }] });

    this.backupJob = this.addBackup(cfg, { schedule: props.backupSchedule ?? '30 3 * * *', retention: props.backupRetention ?? 7, size: props.backupSize ?? '20Gi' });
    this.database = {
      host: postgresHost(cfg),
      port: POSTGRES.port,
      superuser: { name: POSTGRES.superuser, password: superPass },
      app: POSTGRES.service,
      owner: this,
    };
  }

  private addBackup(cfg: SiteConfig, p: { schedule: string; retention: number; size: string }): ApiObject {
    const hostPath = cfg.storage.mode === 'hostPath';
    const backupVolume: k8s.Volume = hostPath
      ? { name: 'backups', hostPath: { path: `${cfg.storage.hostPathRoot}/backups/postgres`, type: 'DirectoryOrCreate' } }
      : { name: 'backups', persistentVolumeClaim: { claimName: 'postgres-backups' } };
    addAppClaim(this, cfg, { id: 'backup-pvc', name: 'postgres-backups', app: POSTGRES_BACKUP_APP, size: p.size, fileName: 'pvc-backups.yaml' });
    const spec = podSpec(cfg, {
      ...storageNodePlacement(cfg),
      containers: [
        container({
          name: 'pg-dumpall',
          image: POSTGRES_IMAGE,
          command: ['bash', '-c', backupScript(p.retention)],
          env: {
            TZ: cfg.timezone,
            ...superuserClientEnv(cfg),
          },
          mounts: [
            { volume: 'backups', path: BACKUP_MOUNT },
            { volume: 'tmp', path: '/tmp' },
          ],
          resources: { cpuRequest: '50m', memoryRequest: '128Mi', memoryLimit: '1Gi' },
        }),
      ],
      volumes: [backupVolume, scratchVolume()],
    });
    const backup = addCronJob(this, cfg, {
      name: POSTGRES_BACKUP_APP,
      schedule: p.schedule,
      timeZone: cfg.timezone,
      pod: spec,
      restartPolicy: 'OnFailure',
      backoffLimit: 2,
      successfulJobsHistoryLimit: 3,
      fileName: 'cronjob-backup.yaml',
    });
    publishFact(this, { kind: 'backup', instance: 'postgres', cronJob: POSTGRES_BACKUP_APP, container: 'pg-dumpall', directory: BACKUP_MOUNT });
    this.addCall({ from: { app: POSTGRES_BACKUP_APP }, to: { app: 'postgres' }, ports: [POSTGRES.port], why: 'nightly pg_dumpall backup' });
    if (hostPath) {
      this.addSecurityExceptionFor(backup, {
        rules: ['no-host-path'],
        reason: `single-node mode keeps the dumps on the host under ${cfg.storage.hostPathRoot}/backups/postgres, next to the app data the host backup already covers`,
      });
    }
    return backup;
  }
}
