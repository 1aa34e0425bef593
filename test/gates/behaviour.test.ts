import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BEHAVIOUR_RULES, checkBehaviour } from '../../src/gates/behaviour.js';
import { containerFactsFor, imageFactsFor, imageRepository } from '../../src/gates/behaviour-facts.js';
import type { BehaviourOptions, GateFinding } from '../../src/gates/index.js';
import { DECYPHARR_IMAGES } from '../../src/apps/decypharr/facts.js';
import { PLEX_IMAGES } from '../../src/apps/plex/facts.js';
import { IMAGES } from '../../src/lib/images.js';
import { PROFILARR_IMAGE } from '../../src/apps/profilarr/facts.js';
import { PROWLARR_IMAGE } from '../../src/apps/prowlarr/facts.js';
import { SONARR_IMAGE } from '../../src/apps/sonarr/facts.js';
import { publishedFacts } from '../../src/pipeline/gates.js';
import homelab from '../../examples/homelab.js';
import singleNode from '../../examples/single-node.js';
import { objectsOf } from '../helpers.js';
import { asObjects, fluxKustomization, NS, type Obj } from './fixtures.js';

/** The facts the apps publish, as the gate stage hands them to the gate. */
const PUBLISHED = publishedFacts();
const LONGHORN: BehaviourOptions = { storageProvisioners: { 'longhorn-simple': 'driver.longhorn.io' }, facts: PUBLISHED };
const check = (objects: Obj[], behaviour: BehaviourOptions = LONGHORN) => checkBehaviour(asObjects(objects), { behaviour });
const errors = (findings: GateFinding[]) => findings.filter((f) => f.severity === 'error');
/** `rule container path` of each error. */
const fired = (findings: GateFinding[]) => errors(findings).map((f) => `${/^\[([a-z-]+)\]/.exec(f.message)?.[1]} ${/container "([^"]+)"/.exec(f.message)?.[1] ?? '-'} ${f.path}`);
const podOf = (o: Obj) => (o.spec.jobTemplate ? o.spec.jobTemplate.spec.template.spec : o.spec.template.spec);
const C = 'spec.template.spec.containers[0]';

const hardened = () => ({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });

/** A StatefulSet of one app: pod user 1000:1000, fsGroup 1000, the given containers and volumes. */
function app(name: string, containers: Obj[], volumes: Obj[] = [], podSecurity: Obj = { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000 }): Obj {
  const labels = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': name };
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name, namespace: NS, labels },
    spec: {
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { securityContext: { ...podSecurity, fsGroup: 1000 }, containers, volumes } },
    },
  };
}

function sonarr(volumes: Obj[], mounts: Obj[]): Obj {
  return app('sonarr', [{ name: 'sonarr', image: SONARR_IMAGE, securityContext: hardened(), volumeMounts: mounts }], volumes);
}
const tmp = { name: 'tmp', emptyDir: {} };
const tmpMount = { name: 'tmp', mountPath: '/tmp' };
const hostDir = (name: string, path: string) => ({ name, hostPath: { path, type: 'DirectoryOrCreate' } });
const claim = (name: string, storageClassName: string, accessModes = ['ReadWriteOnce']): Obj => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name, namespace: NS },
  spec: { accessModes, storageClassName, resources: { requests: { storage: '1Gi' } } },
});
const claimVolume = (name: string, claimName = name) => ({ name, persistentVolumeClaim: { claimName } });
/** The stack's prepare-host-dirs step: root with CAP_CHOWN, chowns each /host/<volume>. */
const prepare = (volumes: string[], caps = { drop: ['ALL'], add: ['CHOWN'] }) => ({
  name: 'prepare-host-dirs',
  image: IMAGES.busybox,
  command: ['sh', '-c', volumes.map((v) => `[ "$(stat -c %u:%g /host/${v})" = "1000:1000" ] || chown 1000:1000 /host/${v}`).join('\n')],
  securityContext: { ...hardened(), runAsNonRoot: false, runAsUser: 0, runAsGroup: 0, capabilities: caps },
  volumeMounts: volumes.map((v) => ({ name: v, mountPath: `/host/${v}` })),
});

/** The objects of the Decypharr and Sonarr StatefulSets as main synthesized them before the fixes. */
function beforeFix(): Obj[] {
  return JSON.parse(readFileSync(new URL('../fixtures/behaviour/decypharr-before-fix.json', import.meta.url), 'utf8')).objects;
}
const DFS = 'StatefulSet/media/decypharr';
const decypharrPod = (objects: Obj[]) => podOf(objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'decypharr'));

describe('behaviour gate on the Decypharr pod as it was before the fixes', () => {
  const flux = [fluxKustomization('decypharr', './apps/decypharr'), fluxKustomization('sonarr', './apps/sonarr', ['decypharr'])];
  flux[0].spec.wait = true;
  const fluxScope = new Map([[DFS, 'decypharr']]);

  it('finds the blocker: the process drops to 1000 and cannot mount FUSE on the root-owned 0755 host path', () => {
    const found = errors(check([...beforeFix(), ...flux], { ...LONGHORN, fluxScope }));
    const writable = found.find((f) => f.message.startsWith('[writable]'));
    expect(writable).toEqual({
      gate: 'behaviour',
      severity: 'error',
      object: DFS,
      path: `${C}.volumeMounts[1]`,
      message: expect.stringContaining('container "decypharr": runs as 1000:1000 (starts as root, the entrypoint drops to PUID:PGID via su-exec'),
      rule: 'writable',
    });
    expect(writable!.message).toContain(
      'mounts FUSE on /mnt/dfs, which is root:root 0755 (hostPath /mnt/k8s/decypharr-dfs (DirectoryOrCreate): kubelet creates a missing directory root:root 0755 and never applies fsGroup',
    );
    expect(writable!.message).toContain('fusermount3 refuses a mount point the user cannot write');
  });

  it('finds the dead mount after a crash and the readiness that lies, and nothing else', () => {
    const found = check([...beforeFix(), ...flux], { ...LONGHORN, fluxScope });
    expect(fired(found)).toEqual([
      `writable decypharr ${C}.volumeMounts[1]`,
      `fuse-mount-point decypharr ${C}.volumeMounts[1]`,
      `fuse-cleanup decypharr ${C}.lifecycle.preStop`,
      `readiness decypharr ${C}.readinessProbe`,
      // the NFS export the readers actually read was Ready on its TCP port alone
      `readiness rclone-nfs-server spec.template.spec.containers[1].readinessProbe`,
    ]);
    const readiness = errors(found).find((f) => f.message.startsWith('[readiness]'))!.message;
    expect(readiness).toContain('init container "wait-for-decypharr-dfs" of StatefulSet/media/sonarr');
    expect(readiness).toContain('Flux Kustomization sonarr (dependsOn decypharr)');
    expect(readiness).toContain('the readiness probe (httpGet /version on http) does not check it');
    // Writers of the NAS export get a warning: the export, not kubelet, decides who may write.
    expect(found.filter((f) => f.severity === 'warning').map((f) => `${f.object} ${/^\[[a-z-]+\] container "[^"]+": writes \S+/.exec(f.message)?.[0]}`)).toEqual([
      'StatefulSet/media/sonarr [export-defined] container "sonarr": writes /mnt/media',
    ]);
  });

  it('passes the fixed shape: chowned subdirectory, preStop unmount, readiness on the mount marker', () => {
    const objects = beforeFix();
    const pod = decypharrPod(objects);
    const main = pod.containers[0];
    pod.initContainers.unshift({
      name: 'prepare-host-dirs',
      image: IMAGES.busybox,
      command: ['sh', '-c', 'mkdir -p /host/dfs-fuse/dfs && chown 1000:1000 /host/dfs-fuse/dfs'],
      securityContext: { ...hardened(), runAsUser: 0, capabilities: { drop: ['ALL'], add: ['CHOWN'] } },
      volumeMounts: [{ name: 'dfs-fuse', mountPath: '/host/dfs-fuse' }],
    });
    // The host directory is the parent: FUSE goes on its subdirectory dfs, i.e. /mnt/dfs.
    main.volumeMounts[1] = { name: 'dfs-fuse', mountPath: '/mnt', mountPropagation: 'Bidirectional' };
    main.lifecycle = { preStop: { exec: { command: ['sh', '-c', 'fusermount3 -uz /mnt/dfs || umount -l /mnt/dfs'] } } };
    main.readinessProbe = { exec: { command: ['test', '-f', '/mnt/dfs/version.txt'] } };
    pod.containers[1].readinessProbe = { exec: { command: ['sh', '-c', 'test -f /mnt/dfs-host/dfs/version.txt'] } };
    expect(errors(check([...objects, ...flux], { ...LONGHORN, fluxScope }))).toEqual([]);
  });
});

describe('behaviour gate: who the process runs as', () => {
  const decypharr = (env: Obj[], extra: Obj = {}) =>
    app(
      'decypharr',
      [
        {
          name: 'decypharr',
          image: DECYPHARR_IMAGES.decypharr,
          env,
          securityContext: { privileged: false, runAsUser: 0, capabilities: { drop: ['ALL'] } },
          volumeMounts: [{ name: 'fuse', mountPath: '/mnt/dfs' }],
          ...extra,
        },
      ],
      [{ name: 'fuse', emptyDir: {} }],
      {},
    );
  it('follows the entrypoint: PUID/PGID from the env, the image default without them', () => {
    // On a root-owned 0755 host path the finding names the user the process ends up as.
    const hostFuse = (o: Obj) => ((podOf(o).volumes = [hostDir('fuse', '/mnt/k8s/dfs')]), o);
    const msg = (o: Obj) => errors(check([hostFuse(o)])).find((x) => x.message.startsWith('[writable]'))?.message ?? '';
    expect(
      msg(
        decypharr([
          { name: 'PUID', value: '1234' },
          { name: 'PGID', value: '1235' },
        ]),
      ),
    ).toContain('runs as 1234:1235 (starts as root, the entrypoint drops to PUID:PGID via su-exec');
    expect(msg(decypharr([]))).toContain('runs as 1000:1000 (starts as root');
  });

  it('a command override skips the entrypoint, and a non-root start never switches user', () => {
    const host = [hostDir('fuse', '/mnt/k8s/dfs')];
    const overridden = decypharr([{ name: 'PUID', value: '1000' }], { command: ['/usr/bin/decypharr'] });
    podOf(overridden).volumes = host;
    // Still root, but without CAP_DAC_OVERRIDE: root owns the 0755 directory, so it may write.
    expect(fired(check([overridden])).filter((f) => f.startsWith('writable'))).toEqual([]);
    const nonRoot = decypharr([{ name: 'PUID', value: '0' }]);
    podOf(nonRoot).volumes = host;
    podOf(nonRoot).containers[0].securityContext.runAsUser = 1000;
    expect(errors(check([nonRoot])).find((f) => f.message.startsWith('[writable]'))?.message).toContain('runs as 1000:0 (groups 1000) (runAsUser 1000)');
  });

  it('the image USER applies without runAsUser; an unverified USER without runAsUser is an error', () => {
    const prowlarr = app(
      'prowlarr',
      [{ name: 'prowlarr', image: PROWLARR_IMAGE, securityContext: hardened(), volumeMounts: [{ name: 'config', mountPath: '/config' }, tmpMount] }],
      [hostDir('config', '/data/config/prowlarr'), tmp],
      {},
    );
    expect(errors(check([prowlarr]))[0]!.message).toContain("runs as 65534:65534 (groups 1000) (the image's USER 65534)");
    const profilarr = app(
      'profilarr',
      [{ name: 'profilarr', image: PROFILARR_IMAGE, securityContext: hardened(), volumeMounts: [{ name: 'config', mountPath: '/config' }, tmpMount] }],
      [tmp, { name: 'config', emptyDir: {} }],
      {},
    );
    expect(fired(check([profilarr]))).toEqual([`facts profilarr ${C}.securityContext.runAsUser`]);
  });

  it('a container or image without facts is an error naming what to declare', () => {
    const unknown = app('sonarr', [{ name: 'exporter', image: SONARR_IMAGE, securityContext: hardened() }]);
    expect(errors(check([unknown])).map((f) => f.message)).toEqual([
      '[facts] container "exporter": no behaviour facts for sonarr/exporter: declare what it writes in the facts of its module (src/apps/<app>/facts.ts, AppModule.facts)',
    ]);
    const otherImage = app('sonarr', [{ name: 'sonarr', image: 'ghcr.io/example/sonarr:1', securityContext: hardened() }]);
    expect(errors(check([otherImage])).map((f) => f.message)).toEqual([
      '[facts] container "sonarr": no facts for image "ghcr.io/example/sonarr": declare who its entrypoint runs as in the facts of the module that uses it (src/apps/<app>/facts.ts, AppModule.facts)',
    ]);
  });
});

describe('behaviour gate: who owns the mount', () => {
  it('writable fires on a DirectoryOrCreate host path and not on an emptyDir', () => {
    const found = check([sonarr([hostDir('config', '/data/config/sonarr'), tmp], [{ name: 'config', mountPath: '/config' }, tmpMount])]);
    expect(fired(found)).toEqual([`writable sonarr ${C}.volumeMounts[0]`]);
    expect(found[0]!.message).toBe(
      '[writable] container "sonarr": runs as 1000:1000 (runAsUser 1000) but writes /config, which is root:root 0755 (hostPath /data/config/sonarr (DirectoryOrCreate): kubelet creates a missing directory root:root 0755 and never applies fsGroup to host paths)',
    );
    expect(check([sonarr([{ name: 'config', emptyDir: {} }, tmp], [{ name: 'config', mountPath: '/config' }, tmpMount])])).toEqual([]);
  });

  it('an init container that chowns the host path hands it over; without CAP_CHOWN it does not', () => {
    const fixed = sonarr([hostDir('config', '/data/config/sonarr'), tmp], [{ name: 'config', mountPath: '/config' }, tmpMount]);
    podOf(fixed).initContainers = [prepare(['config'])];
    expect(check([fixed])).toEqual([]);
    podOf(fixed).initContainers = [prepare(['config'], { drop: ['ALL'], add: [] })];
    expect(fired(check([fixed]))).toEqual([`writable sonarr ${C}.volumeMounts[0]`]);
  });

  it('a chown through literal env values or of a subdirectory counts for that subdirectory only', () => {
    const sts = sonarr([hostDir('config', '/data/config'), tmp], [{ name: 'config', mountPath: '/config' }, tmpMount]);
    const step: Obj = prepare(['config']);
    step.env = [
      { name: 'PUID', value: '1000' },
      { name: 'PGID', value: '1000' },
    ];
    step.command = ['sh', '-c', 'mkdir -p /host/config/sonarr && chown "${PUID}:$PGID" /host/config/sonarr'];
    podOf(sts).initContainers = [step];
    // /config itself (the volume root) stays root-owned ...
    expect(fired(check([sts]))).toEqual([`writable sonarr ${C}.volumeMounts[0]`]);
    // ... while the subdirectory, mounted by subPath, belongs to 1000.
    podOf(sts).containers[0].volumeMounts[0].subPath = 'sonarr';
    expect(check([sts])).toEqual([]);
  });

  it('a subPath directory is created root-owned even when the volume root was chowned', () => {
    const sts = sonarr([hostDir('config', '/data/config'), tmp], [{ name: 'config', mountPath: '/config', subPath: 'sonarr' }, tmpMount]);
    podOf(sts).initContainers = [prepare(['config'])];
    const found = check([sts]);
    expect(fired(found)).toEqual([`writable sonarr ${C}.volumeMounts[0]`]);
    expect(found[0]!.message).toContain('which is root:root 0755 (subPath "sonarr": kubelet creates a missing subPath directory as root with the mode of the volume root');
  });

  it('Longhorn: fsGroup makes a RWO claim (and its subPath) group-writable; RWX roots are 0777; an unknown class is a warning', () => {
    const volumes = [claimVolume('config', 'config-sonarr'), tmp];
    const rwo = [sonarr(volumes, [{ name: 'config', mountPath: '/config' }, tmpMount]), claim('config-sonarr', 'longhorn-simple')];
    expect(check(rwo)).toEqual([]);
    const sub = [sonarr(volumes, [{ name: 'config', mountPath: '/config', subPath: 'sonarr' }, tmpMount]), claim('config-sonarr', 'longhorn-simple')];
    expect(check(sub)).toEqual([]);
    const noFsGroup = structuredClone(rwo);
    delete podOf(noFsGroup[0]).securityContext.fsGroup;
    expect(errors(check(noFsGroup))[0]!.message).toContain('which is root:root 0755 (ReadWriteOnce claim config-sonarr of driver.longhorn.io');
    const rwxClass = { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'longhorn-rwx' }, provisioner: 'driver.longhorn.io' };
    const rwx = [sonarr(volumes, [{ name: 'config', mountPath: '/config' }, tmpMount]), claim('config-sonarr', 'longhorn-rwx', ['ReadWriteMany']), rwxClass];
    delete podOf(rwx[0]).securityContext.fsGroup;
    expect(check(rwx, { facts: PUBLISHED })).toEqual([]);
    const found = check(rwo, { facts: PUBLISHED });
    expect(found.map((f) => [f.severity, f.message.slice(0, 12)])).toEqual([['warning', '[writable] c']]);
    expect(found[0]!.message).toContain('no facts for StorageClass longhorn-simple');
  });

  it('read-only mounts, configMaps and read-only NFS volumes fail writers; writable NFS exports warn', () => {
    const cm = { name: 'config', configMap: { name: 'sonarr-config' } };
    expect(fired(check([sonarr([cm, tmp], [{ name: 'config', mountPath: '/config' }, tmpMount])]))).toEqual([`writable sonarr ${C}.volumeMounts[0]`]);
    expect(fired(check([sonarr([{ name: 'config', emptyDir: {} }, tmp], [{ name: 'config', mountPath: '/config', readOnly: true }, tmpMount])]))).toEqual([
      `writable sonarr ${C}.volumeMounts[0]`,
    ]);
    const nfs = (readOnly: boolean) => [
      sonarr(
        [{ name: 'config', emptyDir: {} }, tmp, { name: 'media', nfs: { server: 'nas', path: '/media', readOnly } }],
        [{ name: 'config', mountPath: '/config' }, tmpMount, { name: 'media', mountPath: '/mnt/media' }],
      ),
    ];
    expect(fired(check(nfs(true)))).toEqual([`writable sonarr ${C}.volumeMounts[2]`]);
    expect(check(nfs(false))).toEqual([
      {
        gate: 'behaviour',
        severity: 'warning',
        object: 'StatefulSet/media/sonarr',
        path: `${C}.volumeMounts[2]`,
        message: expect.stringContaining('[export-defined] container "sonarr": writes /mnt/media as 1000:1000'),
        rule: 'export-defined',
        data: { kind: 'export-writer', export: 'nas:/media', container: 'sonarr', user: '1000:1000' },
      },
    ]);
  });

  it('a write path with no volume fails on a read-only root filesystem only; optional library paths count only when mounted', () => {
    expect(fired(check([sonarr([tmp], [tmpMount])]))).toEqual([`writable sonarr ${C}.securityContext.readOnlyRootFilesystem`]);
    const writableRoot = sonarr([tmp], [tmpMount]);
    podOf(writableRoot).containers[0].securityContext.readOnlyRootFilesystem = false;
    expect(check([writableRoot])).toEqual([]);
    // /mnt/downloads is not mounted here: not checked.
    expect(containerFactsFor('sonarr', 'sonarr', PUBLISHED.containers)?.writesIfMounted).toContain('/mnt/downloads');
  });

  it("the image's entrypoint hands its own folder to the user it drops to (Decypharr's chown -R /app)", () => {
    const sts = app(
      'decypharr',
      [{ name: 'seed-config', image: IMAGES.busybox, securityContext: hardened(), volumeMounts: [{ name: 'config', mountPath: '/app' }] }],
      [hostDir('config', '/data/config/decypharr')],
    );
    expect(fired(check([sts]))).toEqual(['writable seed-config spec.template.spec.containers[0].volumeMounts[0]']);
    const main = app(
      'decypharr',
      [
        {
          name: 'decypharr',
          image: DECYPHARR_IMAGES.decypharr,
          env: [{ name: 'PUID', value: '1000' }],
          securityContext: { runAsUser: 0 },
          volumeMounts: [
            { name: 'config', mountPath: '/app' },
            { name: 'fuse', mountPath: '/mnt/dfs' },
          ],
        },
      ],
      [hostDir('config', '/data/config/decypharr'), { name: 'fuse', emptyDir: {} }],
      {},
    );
    main.spec.template.spec.containers[0].lifecycle = { preStop: { exec: { command: ['fusermount3', '-u', '/mnt/dfs'] } } };
    expect(fired(check([main]))).toEqual([]);
  });
});

describe("behaviour gate: linuxserver's recursive chown of /config/Library", () => {
  const SHARED = '/config/Library/Application Support/Plex Media Server/Cache';
  const plex = (name: string, container: string, withConfig: boolean) => {
    const mounts = [
      ...(withConfig ? [{ name: 'config', mountPath: '/config' }] : []),
      { name: 'transcode', mountPath: '/transcode' },
      { name: 'transcode', mountPath: SHARED, subPath: 'plex-shared/Cache' },
    ];
    const sts = app(
      name,
      [
        {
          name: container,
          image: PLEX_IMAGES.plex,
          env: [
            { name: 'PUID', value: '1000' },
            { name: 'PGID', value: '1000' },
          ],
          securityContext: { runAsUser: 0 },
          volumeMounts: mounts,
        },
      ],
      [hostDir('config', '/data/config/plex'), hostDir('transcode', '/data/transcode')],
      {},
    );
    podOf(sts).initContainers = [prepare(['config', 'transcode'])];
    return sts;
  };

  it('hands a subPath mount inside it over on every start when /config is the container filesystem (the worker)', () => {
    const worker = plex('clusterplex-worker', 'worker', false);
    podOf(worker).volumes = podOf(worker).volumes.filter((v: Obj) => v.name !== 'config');
    podOf(worker).initContainers = [prepare(['transcode'])];
    podOf(worker).containers[0].volumeMounts.push({ name: 'codecs', mountPath: '/codecs' });
    podOf(worker).volumes.push({ name: 'codecs', emptyDir: {} });
    expect(check([worker])).toEqual([]);
  });

  it('warns when /config is a volume: only the first start chowns, a subPath added later stays root-owned', () => {
    const found = check([plex('plex', 'plex', true)]);
    expect(found.map((f) => [f.severity, f.path])).toEqual([['warning', `${C}.volumeMounts[2]`]]);
    expect(found[0]!.message).toContain(`writes ${SHARED} as 1000:1000`);
    expect(found[0]!.message).toContain('only while /config/Library (on volume "config") is not owned by 1000');
  });
});

describe('behaviour gate: published facts', () => {
  it('declare apps outside the tables and win over them', () => {
    const exporter = app(
      'sonarr',
      [{ name: 'exporter', image: 'ghcr.io/example/exporter:1', securityContext: hardened(), volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
      [hostDir('data', '/data/exporter')],
    );
    const facts = {
      images: { 'ghcr.io/example/exporter': { imageUser: { uid: 1000, gid: 1000 }, asRoot: { kind: 'stays-root' as const }, source: 'test' } },
      containers: { 'sonarr/exporter': { writes: ['/data'], source: 'test' } },
    };
    expect(fired(check([exporter], { facts }))).toEqual([`writable exporter ${C}.volumeMounts[0]`]);
    expect(check([exporter], { facts: { ...facts, containers: { 'sonarr/exporter': { writes: [], source: 'test' } } } })).toEqual([]);
  });
});

describe('behaviour gate: a start script in front of the entrypoint (FUSE bound from the shared volume)', () => {
  /** Root start script: hands the shared subdirectory to PUID:PGID, binds it at the mount point, then runs the image's entrypoint. */
  const decypharr = (script: string[], preStop = 'umount -l "$SHARED"') => {
    const sts = app(
      'decypharr',
      [
        {
          name: 'decypharr',
          image: DECYPHARR_IMAGES.decypharr,
          command: ['sh', '-c', [...script, 'exec /entrypoint.sh "$@"'].join('\n'), 'start'],
          args: ['/usr/bin/decypharr', '--config', '/app'],
          env: [
            { name: 'PUID', value: '1000' },
            { name: 'PGID', value: '1000' },
            { name: 'SHARED', value: '/mnt/dfs-host/dfs' },
          ],
          securityContext: { privileged: true, runAsUser: 0 },
          lifecycle: { preStop: { exec: { command: ['sh', '-c', preStop] } } },
          readinessProbe: { exec: { command: ['test', '-f', '/mnt/dfs/version.txt'] } },
          volumeMounts: [
            { name: 'config', mountPath: '/app' },
            { name: 'dfs-host', mountPath: '/mnt/dfs-host', mountPropagation: 'Bidirectional' },
          ],
        },
      ],
      [{ name: 'config', emptyDir: {} }, hostDir('dfs-host', '/mnt/k8s/decypharr-dfs')],
      {},
    );
    return sts;
  };
  const prepareAndBind = ['mkdir -p "$SHARED" /mnt/dfs', 'chown "$PUID:$PGID" "$SHARED"', 'mount --bind "$SHARED" /mnt/dfs'];

  it('passes: the script chowns the subdirectory the mount point is a bind of, preStop unmounts it', () => {
    expect(check([decypharr(prepareAndBind)])).toEqual([]);
  });

  it('still follows the entrypoint to 1000, so without the chown the subdirectory is unwritable', () => {
    const found = check([decypharr([prepareAndBind[0]!, prepareAndBind[2]!])]);
    expect(fired(found)).toEqual([`writable decypharr ${C}.volumeMounts[1]`]);
    expect(found[0]!.message).toContain('runs as 1000:1000 (starts as root, the entrypoint drops to PUID:PGID via su-exec');
    expect(found[0]!.message).toContain('mounts FUSE on /mnt/dfs (a bind of /mnt/dfs-host/dfs), which is root:root 0755');
  });

  it('single node: FUSE on the shared subdirectory itself (DFS_MOUNT_POINT), probed and unmounted there', () => {
    const single = (script: string[], probeFile: string) => {
      const sts = decypharr(script);
      const c = podOf(sts).containers[0];
      c.env.push({ name: 'DFS_MOUNT_POINT', value: '/mnt/dfs-host/dfs' });
      c.readinessProbe = { exec: { command: ['test', '-f', probeFile] } };
      return sts;
    };
    const waiter = sonarr([{ name: 'config', emptyDir: {} }, tmp], [{ name: 'config', mountPath: '/config' }, tmpMount]);
    podOf(waiter).initContainers = [
      { name: 'wait-for-decypharr-dfs', image: IMAGES.busybox, securityContext: hardened(), command: ['sh', '-c', 'until [ -f /mnt/dfs-host/dfs/version.txt ]; do sleep 2; done'] },
    ];
    const prepare = prepareAndBind.slice(0, 2);
    expect(check([single(prepare, '/mnt/dfs-host/dfs/version.txt'), waiter])).toEqual([]);
    // The probe of the other layout's path is not the signal in this one.
    expect(fired(check([single(prepare, '/mnt/dfs/version.txt'), waiter]))).toEqual([`readiness decypharr ${C}.readinessProbe`]);
    // Without the chown: named by the real mount point, not as a bind.
    const found = check([single([prepare[0]!], '/mnt/dfs-host/dfs/version.txt'), waiter]);
    expect(fired(found)).toEqual([`writable decypharr ${C}.volumeMounts[1]`]);
    expect(found[0]!.message).toContain('mounts FUSE on /mnt/dfs-host/dfs, which is root:root 0755');
  });

  it('wants the unmount of the bind or of what it is bound to', () => {
    expect(fired(check([decypharr(prepareAndBind, 'umount -l /mnt/other')]))).toEqual([`fuse-cleanup decypharr ${C}.lifecycle.preStop`]);
    expect(check([decypharr(prepareAndBind, 'fusermount3 -uz /mnt/dfs')])).toEqual([]);
  });
});

describe('behaviour gate: FUSE and Bidirectional mounts', () => {
  const decypharr = (mount: Obj, preStop?: string[]) =>
    app(
      'decypharr',
      [
        {
          name: 'decypharr',
          image: DECYPHARR_IMAGES.decypharr,
          securityContext: { privileged: true, runAsUser: 0 },
          volumeMounts: [{ name: 'config', mountPath: '/app' }, mount],
          ...(preStop ? { lifecycle: { preStop: { exec: { command: preStop } } } } : {}),
        },
      ],
      [
        { name: 'config', emptyDir: {} },
        { name: 'fuse', emptyDir: {} },
      ],
      {},
    );

  it('fuse-cleanup fires without a preStop unmount of the FUSE path, and not with one', () => {
    const found = check([decypharr({ name: 'fuse', mountPath: '/mnt/dfs' })]);
    expect(fired(found)).toEqual([`fuse-cleanup decypharr ${C}.lifecycle.preStop`]);
    expect(check([decypharr({ name: 'fuse', mountPath: '/mnt/dfs' }, ['sh', '-c', 'fusermount3 -uz /mnt/dfs'])])).toEqual([]);
    // An unmount of another path does not count.
    expect(fired(check([decypharr({ name: 'fuse', mountPath: '/mnt/dfs' }, ['umount', '/mnt/other'])]))).toEqual([`fuse-cleanup decypharr ${C}.lifecycle.preStop`]);
  });

  it('fuse-mount-point fires on FUSE at the root of a Bidirectional volume, not on a subdirectory of it', () => {
    expect(fired(check([decypharr({ name: 'fuse', mountPath: '/mnt/dfs', mountPropagation: 'Bidirectional' }, ['umount', '/mnt/dfs'])]))).toEqual([
      `fuse-mount-point decypharr ${C}.volumeMounts[1]`,
    ]);
    expect(check([decypharr({ name: 'fuse', mountPath: '/mnt', mountPropagation: 'Bidirectional' }, ['umount', '/mnt/dfs'])])).toEqual([]);
  });

  it('a Bidirectional mount of a container without a declared FUSE mount needs its own preStop unmount', () => {
    const rclone = (preStop?: string[]) =>
      app(
        'decypharr',
        [
          {
            name: 'rclone-nfs-server',
            image: DECYPHARR_IMAGES.rclone,
            securityContext: hardened(),
            volumeMounts: [{ name: 'cache', mountPath: '/cache' }, tmpMount, { name: 'host', mountPath: '/mnt/host', mountPropagation: 'Bidirectional' }],
            ...(preStop ? { lifecycle: { preStop: { exec: { command: preStop } } } } : {}),
          },
        ],
        [{ name: 'cache', emptyDir: {} }, tmp, { name: 'host', emptyDir: {} }],
      );
    expect(fired(check([rclone()]))).toEqual([`fuse-cleanup rclone-nfs-server ${C}.volumeMounts[2]`]);
    expect(check([rclone(['umount', '-l', '/mnt/host/x'])])).toEqual([]);
  });
});

describe('behaviour gate: readiness of what others wait for', () => {
  const provider = (readinessProbe: Obj) =>
    app(
      'decypharr',
      [
        {
          name: 'decypharr',
          image: DECYPHARR_IMAGES.decypharr,
          securityContext: { privileged: true, runAsUser: 0 },
          readinessProbe,
          lifecycle: { preStop: { exec: { command: ['umount', '/mnt/dfs'] } } },
          volumeMounts: [
            { name: 'config', mountPath: '/app' },
            { name: 'fuse', mountPath: '/mnt', mountPropagation: 'Bidirectional' },
          ],
        },
      ],
      [
        { name: 'config', emptyDir: {} },
        { name: 'fuse', emptyDir: {} },
      ],
      {},
    );
  const waiter = () => {
    const sts = sonarr([{ name: 'config', emptyDir: {} }, tmp], [{ name: 'config', mountPath: '/config' }, tmpMount]);
    podOf(sts).initContainers = [
      { name: 'wait-for-decypharr-dfs', image: IMAGES.busybox, securityContext: hardened(), command: ['sh', '-c', 'until [ -f /mnt/dfs/version.txt ]; do sleep 2; done'] },
    ];
    return sts;
  };
  const http = { httpGet: { path: '/version', port: 'http' } };
  const marker = { exec: { command: ['test', '-f', '/mnt/dfs/version.txt'] } };

  it('fires when an init container of another pod waits and the probe does not check the marker', () => {
    expect(fired(check([provider(http), waiter()]))).toEqual([`readiness decypharr ${C}.readinessProbe`]);
    expect(check([provider(marker), waiter()])).toEqual([]);
  });

  it('does not fire when nobody waits', () => {
    expect(check([provider(http)])).toEqual([]);
  });

  it('fires for Flux dependants through health checks or wait: true with the scope known', () => {
    const healthChecked = fluxKustomization('decypharr', './apps/decypharr');
    healthChecked.spec.healthChecks = [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'decypharr', namespace: NS }];
    const dependant = fluxKustomization('sonarr', './apps/sonarr', ['decypharr']);
    expect(fired(check([provider(http), healthChecked, dependant]))).toEqual([`readiness decypharr ${C}.readinessProbe`]);
    // Without a dependant, Flux waiting on itself holds nothing back.
    expect(check([provider(http), healthChecked])).toEqual([]);
    const waits = fluxKustomization('decypharr', './apps/decypharr');
    waits.spec.wait = true;
    const scope = new Map([['StatefulSet/media/decypharr', 'decypharr']]);
    expect(fired(check([provider(http), waits, dependant], { facts: PUBLISHED, fluxScope: scope }))).toEqual([`readiness decypharr ${C}.readinessProbe`]);
    expect(check([provider(http), waits, dependant], { facts: PUBLISHED })).toEqual([]);
  });
});

describe('behaviour gate: the DFS readers wait for the mount and for its NFS export', () => {
  it('passes the default stack, and fires on the rclone sidecar whose readiness does not check the exported marker', () => {
    const { objects } = objectsOf();
    expect(fired(check(objects as Obj[]))).toEqual([]);
    const broken = structuredClone(objects) as Obj[];
    const rclone = decypharrPod(broken).containers.find((c: Obj) => c.name === 'rclone-nfs-server');
    rclone.readinessProbe = { tcpSocket: { port: 2049 } };
    expect(fired(check(broken))).toEqual([`readiness rclone-nfs-server spec.template.spec.containers[1].readinessProbe`]);
  });
});

describe('behaviour facts', () => {
  it('cover every image the stack pins and every rule id is known', async () => {
    // Pinned in src/lib/images.ts (shared helpers) and as `<APP>_IMAGE` in the apps' facts.ts files.
    const pinned: string[] = [...Object.values(IMAGES)];
    for (const folder of readdirSync('src/apps').filter((f) => existsSync(`src/apps/${f}/facts.ts`))) {
      const facts = (await import(/* @vite-ignore */ resolve(`src/apps/${folder}/facts.ts`))) as Record<string, unknown>;
      for (const [name, value] of Object.entries(facts)) {
        if (name.endsWith('_IMAGE') && typeof value === 'string') pinned.push(value);
        // Apps with several images export them as one `<APP>_IMAGES` record.
        if (name.endsWith('_IMAGES') && typeof value === 'object' && value !== null) pinned.push(...Object.values(value).filter((v): v is string => typeof v === 'string'));
      }
    }
    expect(pinned).toContain(SONARR_IMAGE);
    const missing = pinned.map(imageRepository).filter((r) => !imageFactsFor(r, PUBLISHED.images));
    // The ClusterPlex Docker mods are not run as images: they are layers the linuxserver image pulls.
    expect(missing.sort()).toEqual(['ghcr.io/pabloromeo/clusterplex_dockermod', 'ghcr.io/pabloromeo/clusterplex_worker_dockermod']);
    expect([...BEHAVIOUR_RULES].sort()).toEqual(['export-defined', 'facts', 'fuse-cleanup', 'fuse-mount-point', 'readiness', 'writable']);
  });

  const images = PUBLISHED.images ?? {};
  const containers = PUBLISHED.containers ?? {};

  it('every fact names its source, and every waited-for signal is declared by its provider', () => {
    for (const [key, f] of [...Object.entries(images), ...Object.entries(containers)]) expect(f.source.trim(), key).not.toBe('');
    const waits = Object.values(containers).flatMap((f) => f.waitsFor ?? []);
    expect(waits.length).toBeGreaterThan(0);
    for (const w of waits) expect(containerFactsFor(w.app, w.container, PUBLISHED.containers)?.provides?.map((s) => s.name)).toContain(w.signal);
  });

  it("the shared facts and every app module publish the facts, an app's own over the shared (*) ones, and a key has one publisher", () => {
    expect(Object.keys(images)).toContain('busybox');
    expect(Object.keys(containers)).toContain('sonarr/sonarr');
    const own = { writes: ['/elsewhere'], source: 'test' };
    expect(containerFactsFor('sonarr', 'postgres-init', { 'sonarr/postgres-init': own, ...containers })).toBe(own);
    expect(containerFactsFor('sonarr', 'postgres-init', containers)).toBe(containers['*/postgres-init']);
    expect(containerFactsFor('sonarr', 'no-such-container', containers)).toBeUndefined();
    const image = { imageUser: { uid: 1, gid: 1 }, asRoot: { kind: 'stays-root' as const }, source: 'test' };
    expect(() =>
      publishedFacts([
        { folder: 'a', facts: { images: { x: image } } },
        { folder: 'b', facts: { images: { x: image } } },
      ]),
    ).toThrow('behaviour facts: image "x" is published by both src/apps/a and src/apps/b; keep it in one of them');
    expect(() => publishedFacts([{ folder: 'a', facts: { containers: { '*/postgres-init': own } } }])).toThrow(
      'container "*/postgres-init" is published by both src/lib/shared-facts.ts and src/apps/a',
    );
    expect(publishedFacts([{ folder: 'a', facts: { images: { x: image } } }]).images?.x).toBe(image);
  });

  it('imageRepository strips tag and digest but keeps a registry port', () => {
    expect(imageRepository('registry:5000/a/b:1.2@sha256:abc')).toBe('registry:5000/a/b');
    expect(imageRepository('busybox:1.37.0')).toBe('busybox');
  });
});

describe('behaviour facts cover the stack', () => {
  const single = (apps: Obj = {}) => ({ ...singleNode, apps: { ...singleNode.apps, ...apps } });
  const configs: Record<string, Obj> = {
    'examples/homelab.ts': homelab,
    'examples/single-node.ts': singleNode,
    'single node with every app': single({ decypharr: { enabled: true }, clusterplex: { enabled: true, workers: 1 }, profilarr: { enabled: true }, pulsarr: { enabled: true } }),
    'single node with ProtonWire': single({
      qbittorrent: {
        ...singleNode.apps!.qbittorrent,
        vpn: { provider: 'protonwire', server: 'node-nl-05.protonvpn.net', endpointCidrs: ['203.0.113.10/32'], bootstrapCidrs: ['203.0.113.20/32'] },
      },
    }),
  };

  it.each(Object.keys(configs))('every container and image of %s has facts', (name) => {
    const { objects } = objectsOf(configs[name]);
    const facts = checkBehaviour(objects, { behaviour: LONGHORN }).filter((f) => f.message.startsWith('[facts]'));
    expect(facts.map((f) => `${f.object} ${f.message}`)).toEqual([]);
    expect(objects.some((o) => o.kind === 'StatefulSet')).toBe(true);
  });
});
