import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { containerOf, envOf, objectsOf, podOf } from '../helpers.js';

/** A program the test runs; missing it is a failure with a clear message, never a skip. */
function tool(name: string): string {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(`${name} is not installed: run .ci/run (or apt-get install -y ${name})`);
  }
}

describe('Decypharr', () => {
  const { find, objects } = objectsOf();
  const sts = find('StatefulSet', 'decypharr');
  const decypharr = containerOf(sts, 'decypharr');
  const rclone = containerOf(sts, 'rclone-nfs-server');

  it('serves on 8282, is Ready only with the DFS mounted and alive while the public /version route answers', () => {
    expect(decypharr.ports).toEqual([{ name: 'http', containerPort: 8282, protocol: 'TCP' }]);
    // Readers (and Flux wait) depend on the mount, not on the API: /version answers without one.
    for (const p of ['startupProbe', 'readinessProbe']) {
      expect(decypharr[p].httpGet).toBeUndefined();
      expect(decypharr[p].exec).toEqual({ command: ['sh', '-c', 'test -f /mnt/dfs/version.txt'] });
    }
    expect(decypharr.livenessProbe.httpGet).toEqual({ path: '/version', port: 'http' });
    expect(find('Service', 'decypharr').spec.ports[0]).toMatchObject({ port: 8282, targetPort: 'http' });
  });

  it('is the only privileged container, because it creates the FUSE mount and propagates it Bidirectional', () => {
    expect(decypharr.securityContext.privileged).toBe(true);
    const dfs = decypharr.volumeMounts.find((m: any) => m.mountPropagation === 'Bidirectional');
    expect(dfs).toEqual({ name: 'dfs-host', mountPath: '/mnt/dfs-host', mountPropagation: 'Bidirectional' });
    const privileged = objects.flatMap((o: any) => {
      const pod = o.spec?.template?.spec;
      if (!pod) return [];
      return [...(pod.initContainers ?? []), ...pod.containers].filter((c: any) => c.securityContext?.privileged).map((c: any) => `${o.metadata.name}/${c.name}`);
    });
    expect(privileged).toEqual(['decypharr/decypharr']);
    expect(podOf(sts).volumes.find((v: any) => v.name === 'dfs-host').hostPath).toEqual({ path: '/mnt/k8s/decypharr-dfs', type: 'DirectoryOrCreate' });
  });

  it('mounts FUSE on a subdirectory of the host path, never on the volume root kubelet must set up again after a crash', () => {
    // The volume root stays a plain directory; the mount point is a bind of its subdirectory.
    expect(decypharr.volumeMounts.some((m: any) => m.mountPath === '/mnt/dfs')).toBe(false);
    const env = envOf(decypharr);
    expect(env.DFS_SHARED_DIR).toBe('/mnt/dfs-host/dfs');
    expect(env.DFS_MOUNT_POINT).toBe('/mnt/dfs');
    // Symlinks point into mount_path: it stays /mnt/dfs, where every reader sees the DFS.
    expect(JSON.parse(find('ConfigMap', 'decypharr-seed-config').data['config.json']).mount.mount_path).toBe('/mnt/dfs');
    // The start script wraps the image's own ENTRYPOINT and CMD (Dockerfile of v2.4).
    expect(decypharr.command.slice(0, 2)).toEqual(['sh', '-c']);
    expect(decypharr.command[2].split('\n').at(-1)).toBe('exec /entrypoint.sh "$@"');
    expect(decypharr.args).toEqual(['/usr/bin/decypharr', '--config', '/app']);
  });

  it('hands the mount point to PUID:PGID before the entrypoint drops to it (fusermount3 needs write access), and clears a dead mount first', () => {
    // Run the start script under busybox sh against stubs: a dead FUSE mount is listed, the
    // entrypoint records how it was called.
    const busybox = tool('busybox');
    const dir = mkdtempSync(join(tmpdir(), 'decypharr-start-'));
    const bin = join(dir, 'bin');
    execFileSync(busybox, ['mkdir', '-p', bin]);
    for (const applet of ['grep', 'mkdir', 'sed', 'cat']) symlinkSync(busybox, join(bin, applet));
    const log = join(dir, 'log');
    const mounts = join(dir, 'mounts');
    const root = join(dir, 'root');
    writeFileSync(mounts, `overlay / overlay rw 0 0\ndecypharr ${root}/mnt/dfs-host/dfs fuse.decypharr rw,user_id=1000 0 0\n`);
    const stub = (name: string, body: string) => {
      writeFileSync(join(bin, name), `#!${busybox} sh\necho "${name} $*" >> ${log}\n${body}\n`);
      chmodSync(join(bin, name), 0o755);
    };
    stub('umount', `sed -i "\\# $2 #d" ${mounts}`);
    stub('chown', '');
    stub('mount', '');
    stub('entrypoint.sh', '');
    const script = decypharr.command[2].replaceAll('/proc/mounts', mounts).replace('/entrypoint.sh', join(bin, 'entrypoint.sh'));
    const env = envOf(decypharr);
    execFileSync(busybox, ['sh', '-c', script, 'decypharr-start', ...decypharr.args], {
      env: { PATH: bin, PUID: env.PUID, PGID: env.PGID, DFS_SHARED_DIR: `${root}${env.DFS_SHARED_DIR}`, DFS_MOUNT_POINT: `${root}${env.DFS_MOUNT_POINT}` },
    });
    expect(readFileSync(log, 'utf8').trim().split('\n')).toEqual([
      `umount -l ${root}/mnt/dfs-host/dfs`,
      `chown 1000:1000 ${root}/mnt/dfs-host/dfs`,
      `mount -o bind ${root}/mnt/dfs-host/dfs ${root}/mnt/dfs`,
      'entrypoint.sh /usr/bin/decypharr --config /app',
    ]);
    expect(existsSync(`${root}/mnt/dfs-host/dfs`) && existsSync(`${root}/mnt/dfs`)).toBe(true);
    // The same detach runs in preStop, so a clean stop leaves no mount on the node.
    const preStop = decypharr.lifecycle.preStop.exec.command;
    expect(preStop.slice(0, 2)).toEqual(['sh', '-c']);
    writeFileSync(mounts, `decypharr ${root}/mnt/dfs-host/dfs fuse.decypharr rw 0 0\n`);
    writeFileSync(log, '');
    execFileSync(busybox, ['sh', '-c', preStop[2].replaceAll('/proc/mounts', mounts)], { env: { PATH: bin, DFS_SHARED_DIR: `${root}/mnt/dfs-host/dfs` } });
    expect(readFileSync(log, 'utf8').trim()).toBe(`umount -l ${root}/mnt/dfs-host/dfs`);
    expect(readFileSync(mounts, 'utf8')).toBe('');
  });

  it('embeds start and preStop scripts that pass shellcheck as POSIX sh (the images are Alpine: busybox ash)', () => {
    const shellcheck = tool('shellcheck');
    for (const script of [decypharr.command[2], decypharr.lifecycle.preStop.exec.command[2]]) {
      execFileSync(shellcheck, ['--shell=sh', '-'], { input: script });
    }
  });

  it('configures the debrid and usenet providers through DECYPHARR_* env from its Secret', () => {
    const env = envOf(decypharr);
    expect(env.DECYPHARR_DEBRIDS__0__NAME).toBe('realdebrid');
    expect(env.DECYPHARR_DEBRIDS__0__PROVIDER).toBe('realdebrid');
    expect(env.DECYPHARR_DEBRIDS__0__API_KEY).toEqual({ secretKeyRef: { name: 'decypharr-secrets', key: 'realdebrid-api-key' } });
    expect(env.DECYPHARR_USENET__PROVIDERS__0__PASSWORD).toEqual({ secretKeyRef: { name: 'decypharr-secrets', key: 'usenet-pass' } });
    expect(Object.keys(env).filter((k) => /^(REAL_DEBRID|USENET_NNTP)/.test(k))).toEqual([]);
  });

  it('registers every Arr with its URL and the API key Secret the Arr itself reads', () => {
    const env = envOf(decypharr);
    expect(env.DECYPHARR_ARRS__0__HOST).toBe('http://sonarr.media.svc.cluster.local:8989');
    expect(env.DECYPHARR_ARRS__1__HOST).toBe('http://radarr.media.svc.cluster.local:7878');
    expect(env.DECYPHARR_ARRS__1__TOKEN).toEqual({ secretKeyRef: { name: 'radarr-secrets', key: 'api-key' } });
  });

  it('seeds config.json once with the DFS mount at /mnt/dfs and symlink downloads', () => {
    const cm = find('ConfigMap', 'decypharr-seed-config');
    const seed = JSON.parse(cm.data['config.json']);
    expect(seed.mount).toMatchObject({ type: 'dfs', mount_path: '/mnt/dfs' });
    expect(seed.default_download_action).toBe('symlink');
    expect(seed.download_folder).toBe('/mnt/streaming-media/downloads');
    expect(containerOf(sts, 'seed-config').command[2]).toBe('[ -f /app/config.json ] || cp /seed/config.json /app/config.json');
    expect(decypharr.volumeMounts).toContainEqual({ name: 'config', mountPath: '/app' });
  });

  it('re-exports the mount with rclone serve nfs: valid flags, no handle-limit 0, read-only, unprivileged', () => {
    // It reads the host directory, so a remount below it after a crash reaches it.
    expect(rclone.args.slice(0, 3)).toEqual(['serve', 'nfs', '/mnt/dfs-host/dfs']);
    expect(rclone.args.join(' ')).toContain('--addr :2049');
    expect(rclone.args).toContain('--read-only');
    expect(rclone.args).not.toContain('--nfs-cache-handle-limit');
    expect(rclone.args.join(' ')).toContain('--nfs-cache-type disk --nfs-cache-dir /cache/nfs-handles');
    expect(rclone.volumeMounts.find((m: any) => m.mountPath === '/mnt/dfs-host')).toEqual({
      name: 'dfs-host',
      mountPath: '/mnt/dfs-host',
      readOnly: true,
      mountPropagation: 'HostToContainer',
    });
    expect(rclone.securityContext.privileged).toBeUndefined();
    expect(rclone.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
  });

  it('keeps rclone NFS handles on a claim of their own, mounted whole (fsGroup makes it writable for UID 1000; no root-owned subPath)', () => {
    expect(rclone.volumeMounts).toContainEqual({ name: 'nfs-handles', mountPath: '/cache' });
    expect(podOf(sts).volumes.find((v: any) => v.name === 'nfs-handles')).toEqual({ name: 'nfs-handles', persistentVolumeClaim: { claimName: 'decypharr-nfs-handles' } });
    expect(podOf(sts).securityContext.fsGroup).toBe(1000);
    expect(find('PersistentVolumeClaim', 'decypharr-nfs-handles').spec).toMatchObject({ accessModes: ['ReadWriteOnce'], storageClassName: 'longhorn-simple' });
  });

  it('makes the sidecar Ready only when it would serve the DFS, and restarts it only when it stops listening', () => {
    for (const p of ['startupProbe', 'readinessProbe']) expect(rclone[p].exec).toEqual({ command: ['sh', '-c', 'test -f /mnt/dfs-host/dfs/version.txt'] });
    expect(rclone.livenessProbe.tcpSocket).toEqual({ port: 'nfs' });
  });

  it('on a single node: readers mount the parent of the FUSE mount, and everyone uses the DFS at /mnt/dfs-host/dfs', () => {
    const { find: f } = objectsOf({ storage: { mode: 'hostPath' } });
    const sts = f('StatefulSet', 'decypharr');
    const pod = podOf(sts);
    expect(pod.containers.map((c: any) => c.name)).toEqual(['decypharr']);
    expect(pod.volumes.find((v: any) => v.name === 'dfs-host').hostPath).toEqual({ path: '/mnt/k8s/decypharr-dfs', type: 'DirectoryOrCreate' });
    expect(pod.volumes.some((v: any) => v.name === 'nfs-handles')).toBe(false);
    // Decypharr mounts FUSE on the shared subdirectory itself: no bind, symlinks point there.
    const main = containerOf(sts, 'decypharr');
    expect(envOf(main).DFS_MOUNT_POINT).toBe('/mnt/dfs-host/dfs');
    expect(envOf(main).DFS_SHARED_DIR).toBe('/mnt/dfs-host/dfs');
    expect(JSON.parse(f('ConfigMap', 'decypharr-seed-config').data['config.json']).mount.mount_path).toBe('/mnt/dfs-host/dfs');
    for (const p of ['startupProbe', 'readinessProbe']) expect(main[p].exec).toEqual({ command: ['sh', '-c', 'test -f /mnt/dfs-host/dfs/version.txt'] });
    // Readers bind the parent (a bind of the mount point keeps a dead mount after a remount); a
    // root 0755 parent is all they need, the dfs subdirectory is created by Decypharr.
    for (const [app, ctr] of [
      ['sonarr', 'sonarr'],
      ['radarr', 'radarr'],
      ['plex', 'plex'],
    ] as const) {
      const reader = f('StatefulSet', app);
      expect(podOf(reader).volumes.find((v: any) => v.name === 'decypharr-dfs').hostPath).toEqual({ path: '/mnt/k8s/decypharr-dfs', type: 'DirectoryOrCreate' });
      expect(containerOf(reader, ctr).volumeMounts).toContainEqual({ name: 'decypharr-dfs', mountPath: '/mnt/dfs-host', readOnly: true, mountPropagation: 'HostToContainer' });
    }
    const wait = podOf(f('StatefulSet', 'sonarr')).initContainers.find((c: any) => c.name === 'wait-for-decypharr-dfs');
    expect(wait.command.join(' ')).toContain('until [ -f /mnt/dfs-host/dfs/version.txt ]');
    expect(wait.volumeMounts).toEqual([{ name: 'decypharr-dfs', mountPath: '/mnt/dfs-host', readOnly: true, mountPropagation: 'HostToContainer' }]);
  });

  it('pins the decypharr-nfs ClusterIP and mounts it through a PV with the options go-nfs needs', () => {
    const svc = find('Service', 'decypharr-nfs');
    expect(svc.spec.clusterIP).toBe('10.43.0.49');
    expect(svc.spec.ports).toEqual([{ name: 'nfs', port: 2049, targetPort: 'nfs', protocol: 'TCP' }]);
    const pv = find('PersistentVolume', 'media-decypharr-dfs');
    expect(pv.spec.nfs).toEqual({ server: '10.43.0.49', path: '/', readOnly: true });
    expect(pv.spec.mountOptions).toEqual(expect.arrayContaining(['nfsvers=3', 'tcp', 'port=2049', 'mountport=2049', 'nolock']));
    expect(pv.spec.claimRef).toEqual({ namespace: 'media', name: 'decypharr-dfs' });
    expect(find('PersistentVolumeClaim', 'decypharr-dfs').spec).toMatchObject({ volumeName: 'media-decypharr-dfs', storageClassName: '', accessModes: ['ReadOnlyMany'] });
  });

  it('runs with the streaming stack on the storage nodes', () => {
    expect(sts.spec.template.metadata.labels['media-stack.io/streaming-stack']).toBe('true');
    expect(podOf(sts).affinity.podAffinity).toBeDefined();
    expect(podOf(sts).enableServiceLinks).toBe(false);
  });

  it('drops the usenet settings when usenet is off', () => {
    const { find: f } = objectsOf({ apps: { decypharr: { usenet: false } } });
    const env = envOf(containerOf(f('StatefulSet', 'decypharr'), 'decypharr'));
    expect(Object.keys(env).some((k) => k.includes('USENET'))).toBe(false);
  });
});
