import { describe, expect, it } from 'vitest';
import { containerOf, envOf, objectsOf, podOf } from '../helpers.js';

describe('Decypharr', () => {
  const { find, objects } = objectsOf();
  const sts = find('StatefulSet', 'decypharr');
  const decypharr = containerOf(sts, 'decypharr');
  const rclone = containerOf(sts, 'rclone-nfs-server');

  it('serves on 8282 and probes the public /version route', () => {
    expect(decypharr.ports).toEqual([{ name: 'http', containerPort: 8282, protocol: 'TCP' }]);
    for (const p of ['startupProbe', 'readinessProbe', 'livenessProbe']) expect(decypharr[p].httpGet).toEqual({ path: '/version', port: 'http' });
    expect(find('Service', 'decypharr').spec.ports[0]).toMatchObject({ port: 8282, targetPort: 'http' });
  });

  it('is the only privileged container, because it creates the FUSE mount and propagates it Bidirectional', () => {
    expect(decypharr.securityContext.privileged).toBe(true);
    const dfs = decypharr.volumeMounts.find((m: any) => m.mountPath === '/mnt/dfs');
    expect(dfs).toEqual({ name: 'dfs-fuse', mountPath: '/mnt/dfs', mountPropagation: 'Bidirectional' });
    const privileged = objects.flatMap((o: any) => {
      const pod = o.spec?.template?.spec;
      if (!pod) return [];
      return [...(pod.initContainers ?? []), ...pod.containers].filter((c: any) => c.securityContext?.privileged).map((c: any) => `${o.metadata.name}/${c.name}`);
    });
    expect(privileged).toEqual(['decypharr/decypharr']);
    expect(podOf(sts).volumes.find((v: any) => v.name === 'dfs-fuse').hostPath).toEqual({ path: '/mnt/k8s/decypharr-dfs', type: 'DirectoryOrCreate' });
  });

  it('configures the debrid and usenet providers through DECYPHARR_* env from its Secret', () => {
    const env = envOf(decypharr);
    expect(env['DECYPHARR_DEBRIDS__0__NAME']).toBe('realdebrid');
    expect(env['DECYPHARR_DEBRIDS__0__PROVIDER']).toBe('realdebrid');
    expect(env['DECYPHARR_DEBRIDS__0__API_KEY']).toEqual({ secretKeyRef: { name: 'decypharr-secrets', key: 'realdebrid-api-key' } });
    expect(env['DECYPHARR_USENET__PROVIDERS__0__PASSWORD']).toEqual({ secretKeyRef: { name: 'decypharr-secrets', key: 'usenet-pass' } });
    expect(Object.keys(env).filter((k) => /^(REAL_DEBRID|USENET_NNTP)/.test(k))).toEqual([]);
  });

  it('registers every Arr with its URL and the API key Secret the Arr itself reads', () => {
    const env = envOf(decypharr);
    expect(env['DECYPHARR_ARRS__0__HOST']).toBe('http://sonarr.media.svc.cluster.local:8989');
    expect(env['DECYPHARR_ARRS__1__HOST']).toBe('http://radarr.media.svc.cluster.local:7878');
    expect(env['DECYPHARR_ARRS__1__TOKEN']).toEqual({ secretKeyRef: { name: 'radarr-secrets', key: 'api-key' } });
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
    expect(rclone.args.slice(0, 3)).toEqual(['serve', 'nfs', '/mnt/dfs']);
    expect(rclone.args.join(' ')).toContain('--addr :2049');
    expect(rclone.args).toContain('--read-only');
    expect(rclone.args).not.toContain('--nfs-cache-handle-limit');
    expect(rclone.args.join(' ')).toContain('--nfs-cache-type disk --nfs-cache-dir /cache/nfs-handles');
    expect(rclone.volumeMounts).toContainEqual({ name: 'nfs-handles', mountPath: '/cache' });
    expect(podOf(sts).volumes.find((v: any) => v.name === 'nfs-handles').emptyDir).toEqual({ sizeLimit: '1Gi' });
    expect(rclone.volumeMounts.find((m: any) => m.mountPath === '/mnt/dfs')).toEqual({ name: 'dfs-fuse', mountPath: '/mnt/dfs', readOnly: true, mountPropagation: 'HostToContainer' });
    expect(rclone.securityContext.privileged).toBeUndefined();
    expect(rclone.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
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
