import { describe, expect, it } from 'vitest';
import { objectsOf } from '../helpers.js';

describe('shared storage and the namespace', () => {
  const { find } = objectsOf();

  it('creates the Longhorn RWX class of the symlink library with Longhorn parameters (strings) and keeps volumes', () => {
    const sc = find('StorageClass', 'longhorn-rwx');
    expect(sc.provisioner).toBe('driver.longhorn.io');
    expect(sc.reclaimPolicy).toBe('Retain');
    // parameters are immutable: Flux must recreate the class when they change, not fail the apply
    expect(sc.metadata.annotations['kustomize.toolkit.fluxcd.io/force']).toBe('enabled');
    expect(sc.parameters).toEqual({ numberOfReplicas: '2', staleReplicaTimeout: '2880', migratable: 'false', nfsOptions: 'vers=4.1,noresvport,hard,timeo=600,retrans=5' });
    expect(find('PersistentVolumeClaim', 'symlink-library').spec).toMatchObject({ accessModes: ['ReadWriteMany'], storageClassName: 'longhorn-rwx' });
  });

  it("mounts the writable RWX share hard, keeping the NFS version and noresvport of Longhorn's defaults", () => {
    // nfsOptions replaces Longhorn's default options as a whole (csi/node_server.go).
    const options = find('StorageClass', 'longhorn-rwx').parameters.nfsOptions.split(',');
    expect(options).toEqual(expect.arrayContaining(['vers=4.1', 'noresvport', 'hard']));
    expect(options.filter((o: string) => o.startsWith('soft'))).toEqual([]);
  });

  it('binds the NAS exports through static PVs with their mount options, never by a Service name', () => {
    const pv = find('PersistentVolume', 'media-media-library');
    expect(pv.spec.nfs).toEqual({ server: 'unraid.homelab', path: '/mnt/user/media' });
    // Written by the *arr apps (and the transcode share by Plex): hard, never soft (nfs(5)).
    expect(pv.spec.mountOptions).toEqual(['nfsvers=4.1', 'hard', 'timeo=100', 'retrans=3']);
    expect(find('PersistentVolume', 'media-transcode-cache').spec.mountOptions).toContain('hard');
    expect(pv.spec.persistentVolumeReclaimPolicy).toBe('Retain');
    expect(find('PersistentVolumeClaim', 'transcode-cache').spec).toMatchObject({ volumeName: 'media-transcode-cache', storageClassName: '', accessModes: ['ReadWriteMany'] });
  });

  it('never lets Flux prune the namespace and enforces the Pod Security level Decypharr needs', () => {
    const ns = find('Namespace', 'media');
    expect(ns.metadata.annotations['kustomize.toolkit.fluxcd.io/prune']).toBe('disabled');
    expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('privileged');
    expect(ns.metadata.labels['pod-security.kubernetes.io/warn']).toBe('restricted');
  });
});
