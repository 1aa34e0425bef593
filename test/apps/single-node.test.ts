import { describe, expect, it } from 'vitest';
import example from '../../examples/single-node.js';
import { loadConfig } from '../../src/stack-config.js';
import { containerOf, objectsOf, podOf } from '../helpers.js';

/** What seed 004 deploys, as kind/name of its main object. */
const SEED_004 = [
  'StatefulSet/plex',
  'StatefulSet/sonarr',
  'StatefulSet/radarr',
  'StatefulSet/prowlarr',
  'StatefulSet/postgres',
  'CronJob/postgres-backup',
  'StatefulSet/qbittorrent',
  'NetworkPolicy/qbittorrent-vpn-killswitch',
  'Deployment/flaresolverr',
  'Deployment/byparr',
  'CronJob/configarr',
  'Deployment/samba',
  'DaemonSet/intel-gpu-resource-driver',
  'ResourceClaim/intel-gpu',
];
const NEW_IN_004 = ['postgres', 'postgres-backup', 'qbittorrent', 'flaresolverr', 'byparr', 'configarr', 'samba'];
const key = (o: { kind: string; metadata: { name: string } }) => `${o.kind}/${o.metadata.name}`;

describe('examples/single-node.ts (seed 004)', () => {
  const { objects, find, stack } = objectsOf(example);

  it('loads through the config loader and builds every seed-004 component', async () => {
    const cfg = await loadConfig('examples/single-node.ts');
    expect(cfg.cluster).toBe('nas');
    expect(cfg.storage.mode).toBe('hostPath');
    const keys = objects.map(key);
    for (const k of SEED_004) expect(keys).toContain(k);
  });

  it('puts everything on host paths under /data on the one node, without Longhorn or HA placement', () => {
    expect(podOf(find('StatefulSet', 'sonarr')).volumes.find((v: any) => v.name === 'config').hostPath.path).toBe('/data/config/sonarr');
    expect(podOf(find('StatefulSet', 'postgres')).volumes.find((v: any) => v.name === 'config').hostPath.path).toBe('/data/config/postgres');
    expect(podOf(find('StatefulSet', 'qbittorrent')).volumes.find((v: any) => v.name === 'config').hostPath.path).toBe('/data/config/qbittorrent');
    expect(podOf(find('StatefulSet', 'plex')).volumes.find((v: any) => v.name === 'media-library').hostPath.path).toBe('/data/library');
    expect(podOf(find('StatefulSet', 'qbittorrent')).volumes.find((v: any) => v.name === 'downloads').hostPath.path).toBe('/data/downloads');
    expect(objects.filter((o) => ['PersistentVolumeClaim', 'PersistentVolume', 'StorageClass'].includes(o.kind))).toEqual([]);
    // The setup jobs only call the apps' APIs (no volume but their script and /tmp): they may run anywhere.
    const apiOnly = (o: any) => podOf(o).volumes.every((v: any) => (v.configMap ?? v.emptyDir) !== undefined);
    for (const o of objects.filter((x) => ['StatefulSet', 'Deployment', 'CronJob'].includes(x.kind) && !(x.kind === 'CronJob' && apiOnly(x)))) {
      const pod = podOf(o);
      expect(pod.affinity, key(o)).toBeUndefined();
      expect(pod.nodeSelector, key(o)).toEqual({ 'kubernetes.io/hostname': 'nas' });
    }
  });

  it('is hardened as seed 004 asks: UID/GID/fsGroup 1000, Plex render group, probes on every long-running container, nothing privileged', () => {
    for (const o of objects.filter((x) => ['StatefulSet', 'Deployment', 'CronJob'].includes(x.kind))) {
      const pod = podOf(o);
      expect(pod.securityContext.fsGroup, key(o)).toBe(1000);
      for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
        expect(c.securityContext.privileged, `${key(o)}/${c.name}`).toBeUndefined();
        const longRunning = o.kind !== 'CronJob' && ((pod.containers as unknown[]).includes(c) || c.restartPolicy === 'Always');
        if (longRunning) for (const p of ['startupProbe', 'readinessProbe', 'livenessProbe']) expect(c[p], `${key(o)}/${c.name} ${p}`).toBeDefined();
      }
    }
    expect(podOf(find('StatefulSet', 'plex')).securityContext.supplementalGroups).toEqual([109]);
    // the GPU through DRA (gpu.mode 'dra'): the shared claim, not the device plugin's resource
    expect(containerOf(find('StatefulSet', 'plex'), 'plex').resources.claims).toEqual([{ name: 'gpu' }]);
    expect(podOf(find('StatefulSet', 'plex')).resourceClaims).toEqual([{ name: 'gpu', resourceClaimName: 'intel-gpu' }]);
    expect(find('Service', 'plex').spec.type).toBe('NodePort');
    expect(find('Namespace', 'media').metadata.labels['pod-security.kubernetes.io/enforce']).toBe('privileged');
  });

  it('wires the Arrs to Postgres and qBittorrent, and prints no warning for gluetun', () => {
    expect(podOf(find('StatefulSet', 'radarr')).initContainers.map((c: any) => c.name)).toEqual(['prepare-host-dirs', 'postgres-init']);
    expect(containerOf(find('StatefulSet', 'radarr'), 'radarr').volumeMounts).toContainEqual({ name: 'downloads', mountPath: '/mnt/downloads' });
    expect(containerOf(find('StatefulSet', 'qbittorrent'), 'gluetun').restartPolicy).toBe('Always');
    expect(stack.warnings).toEqual([]);
  });
});

describe('the seed-000 default', () => {
  const { objects } = objectsOf();

  it('contains none of the seed-004 components', () => {
    const names = new Set(objects.map((o) => o.metadata.name));
    for (const n of NEW_IN_004) expect(names.has(n), n).toBe(false);
    // the CronJobs of the default: the Arr wiring reconciler and the first-run setup jobs (sorted)
    expect(
      objects
        .filter((o) => o.kind === 'CronJob')
        .map((o) => o.metadata.name)
        .sort(),
    ).toEqual(['arr-wiring', 'decypharr-setup', 'plex-setup', 'profilarr-setup', 'pulsarr-setup', 'servarr-setup']);
    expect(JSON.stringify(objects)).not.toMatch(/POSTGRES|gluetun|\/mnt\/downloads/);
  });
});

describe('host directories in the single-node layout', () => {
  it('are handed to the stack user by a root init container that may only chown, and only when needed', async () => {
    const { default: input } = await import('../../examples/single-node.js');
    const { find } = objectsOf(input);
    const sts = find('StatefulSet', 'sonarr');
    const init = podOf(sts).initContainers[0];
    expect(init.name).toBe('prepare-host-dirs');
    expect(init.securityContext).toMatchObject({ runAsUser: 0, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['CHOWN'] } });
    expect(init.command[2]).toContain('[ "$(stat -c %u:%g /host/config)" = "1000:1000" ] || chown 1000:1000 /host/config');
    expect(init.volumeMounts).toContainEqual({ name: 'config', mountPath: '/host/config' });
  });

  it('are not touched in the Longhorn layout', () => {
    const { objects } = objectsOf();
    expect(JSON.stringify(objects)).not.toContain('prepare-host-dirs');
  });
});
