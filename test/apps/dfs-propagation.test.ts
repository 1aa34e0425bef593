/**
 * The single-node DFS layout against the kernel's real mount propagation: Decypharr's start script
 * lazily unmounts a dead FUSE mount and Decypharr mounts a new one, and every reader must see the
 * new one without a restart. Runs as root in a private mount namespace (`unshare`), with tmpfs
 * standing in for the FUSE mount; everything it mounts vanishes with the namespace.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { containerOf, envOf, objectsOf, podOf } from '../helpers.js';

/** Where a reader container binds the DFS from (host path) to (its mount path), and where it reads the DFS. */
interface ReaderLayout {
  readonly hostPath: string;
  readonly mountPath: string;
  readonly dfsPath: string;
}

const scratchDirs: string[] = [];
afterAll(() => {
  for (const d of scratchDirs) rmSync(d, { recursive: true, force: true });
});

/**
 * Mounts a "FUSE" tmpfs at `hostFuse` on a shared scratch host, binds the reader's volume like a
 * HostToContainer mount (rbind, then rslave), then replaces the mount as Decypharr's restart does
 * (umount -l, new mount) and reports what the reader reads before and after.
 */
function remountSeenByReader(hostFuse: string, reader: ReaderLayout): { before: string; after: string } {
  const host = mkdtempSync(join(tmpdir(), 'dfs-propagation-'));
  scratchDirs.push(host);
  const script = [
    'set -eu',
    'mount -t tmpfs scratch-host "$HOST" && mount --make-shared "$HOST"',
    'mkdir -p "$HOST$FUSE" "$HOST$SRC" "$HOST/reader$DST"',
    'mount -t tmpfs dfs-first "$HOST$FUSE" && echo first > "$HOST$FUSE/version.txt"',
    'mount --rbind "$HOST$SRC" "$HOST/reader$DST" && mount --make-rslave "$HOST/reader$DST"',
    'echo "before=$(cat "$HOST/reader$SEES/version.txt" 2>&1)"',
    'umount -l "$HOST$FUSE"',
    'mount -t tmpfs dfs-second "$HOST$FUSE" && echo second > "$HOST$FUSE/version.txt"',
    'echo "after=$(cat "$HOST/reader$SEES/version.txt" 2>&1)"',
  ].join('\n');
  const r = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOST: host, FUSE: hostFuse, SRC: reader.hostPath, DST: reader.mountPath, SEES: reader.dfsPath },
  });
  if (r.status !== 0) throw new Error(`this test needs root with CAP_SYS_ADMIN (unshare, mount tmpfs): ${r.error?.message ?? ''}${r.stderr}`);
  const seen = (k: string) => new RegExp(`^${k}=(.*)$`, 'm').exec(r.stdout)?.[1];
  return { before: seen('before')!, after: seen('after')! };
}

/** `path` under `from`, moved under `to`. */
function rebase(path: string, from: string, to: string): string {
  expect(path === from || path.startsWith(`${from}/`), `${path} is not under ${from}`).toBe(true);
  return `${to}${path.slice(from.length)}`;
}

describe('single-node DFS: mount propagation to the readers', () => {
  const { find } = objectsOf({ storage: { mode: 'hostPath' } });
  const decypharrPod = podOf(find('StatefulSet', 'decypharr'));
  const decypharr = containerOf(find('StatefulSet', 'decypharr'), 'decypharr');
  const mountPath: string = JSON.parse(find('ConfigMap', 'decypharr-seed-config').data['config.json']).mount.mount_path;
  // Where Decypharr's FUSE mount lands on the node: its Bidirectional volume's host path plus the
  // subdirectory the start script mounts on (DFS_SHARED_DIR; mount_path itself, or bound to it).
  const shared = decypharr.volumeMounts.find((m: any) => m.mountPropagation === 'Bidirectional');
  const hostFuse = rebase(envOf(decypharr).DFS_SHARED_DIR, shared.mountPath, decypharrPod.volumes.find((v: any) => v.name === shared.name).hostPath.path);

  function readerLayout(app: string): ReaderLayout {
    const pod = podOf(find('StatefulSet', app));
    const mount = containerOf(find('StatefulSet', app), app).volumeMounts.find((m: any) => m.name === 'decypharr-dfs');
    expect(mount.mountPropagation).toBe('HostToContainer');
    const wait = pod.initContainers.find((c: any) => c.name === 'wait-for-decypharr-dfs');
    const dfsPath = /until \[ -f (\S+)\/version\.txt \]/.exec(wait.command.join(' '))![1]!;
    return { hostPath: pod.volumes.find((v: any) => v.name === mount.name).hostPath.path, mountPath: mount.mountPath, dfsPath };
  }

  it('Sonarr follows Decypharr remounting the DFS, at the path the symlinks point into', () => {
    const reader = readerLayout('sonarr');
    // The reader sees the node's mount exactly where Decypharr's symlinks point (mount_path).
    expect(rebase(hostFuse, reader.hostPath, reader.mountPath)).toBe(mountPath);
    expect(reader.dfsPath).toBe(mountPath);
    expect(remountSeenByReader(hostFuse, reader)).toEqual({ before: 'first', after: 'second' });
  });

  it('the layout before (binding the mount point itself) keeps the replaced mount: why readers bind its parent', () => {
    const old: ReaderLayout = { hostPath: hostFuse, mountPath: '/mnt/dfs', dfsPath: '/mnt/dfs' };
    expect(remountSeenByReader(hostFuse, old)).toEqual({ before: 'first', after: 'first' });
  });
});
