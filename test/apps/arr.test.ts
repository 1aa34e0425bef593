import { describe, expect, it } from 'vitest';
import { containerOf, envOf, objectsOf, podOf } from '../helpers.js';

describe('the *arr StatefulSet (Sonarr, Radarr, Prowlarr)', () => {
  const { find } = objectsOf();

  it.each([
    ['sonarr', 8989, 'SONARR'],
    ['radarr', 7878, 'RADARR'],
    ['prowlarr', 9696, 'PROWLARR'],
  ])('%s listens on its upstream port %i and reads its API key from its own Secret', (name, port, prefix) => {
    const sts = find('StatefulSet', name);
    const c = containerOf(sts, name);
    expect(c.ports).toEqual([{ name: 'http', containerPort: port, protocol: 'TCP' }]);
    const env = envOf(c);
    expect(env[`${prefix}__AUTH__APIKEY`]).toEqual({ secretKeyRef: { name: `${name}-secrets`, key: 'api-key' } });
    expect(env[`${prefix}__SERVER__PORT`]).toBe(String(port));
    expect(find('Service', name).spec.ports[0].port).toBe(port);
    expect(sts.spec.serviceName).toBe(`${name}-headless`);
    expect(find('Service', `${name}-headless`).spec.clusterIP).toBe('None');
  });

  it('probes /ping for startup and readiness but not for liveness (a database outage must not restart it)', () => {
    const c = containerOf(find('StatefulSet', 'sonarr'), 'sonarr');
    expect(c.readinessProbe.httpGet).toEqual({ path: '/ping', port: 'http' });
    expect(c.startupProbe.httpGet.path).toBe('/ping');
    expect(c.livenessProbe.httpGet).toBeUndefined();
    expect(c.livenessProbe.tcpSocket).toEqual({ port: 'http' });
  });

  it('runs hardened: non-root, read-only root with a /tmp emptyDir, no capabilities', () => {
    const sts = find('StatefulSet', 'radarr');
    const pod = podOf(sts);
    const c = containerOf(sts, 'radarr');
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } });
    expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(c.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
    expect(pod.enableServiceLinks).toBe(false);
    expect(pod.automountServiceAccountToken).toBe(false);
  });

  it('mounts the DFS, the symlink library and the media library at the shared paths', () => {
    const c = containerOf(find('StatefulSet', 'sonarr'), 'sonarr');
    const mounts = Object.fromEntries(c.volumeMounts.map((m: any) => [m.mountPath, m]));
    expect(mounts['/mnt/dfs']).toEqual({ name: 'decypharr-dfs', mountPath: '/mnt/dfs', readOnly: true });
    expect(mounts['/mnt/streaming-media'].name).toBe('symlink-library');
    expect(mounts['/mnt/media'].name).toBe('media-library');
    expect(mounts['/config'].name).toBe('config');
    const vols = Object.fromEntries(podOf(find('StatefulSet', 'sonarr')).volumes.map((v: any) => [v.name, v]));
    expect(vols['decypharr-dfs'].persistentVolumeClaim).toEqual({ claimName: 'decypharr-dfs', readOnly: true });
    expect(vols.config.persistentVolumeClaim.claimName).toBe('config-sonarr');
  });

  it('waits in an init container until the DFS root shows version.txt (the mount, not the empty directory)', () => {
    const init = containerOf(find('StatefulSet', 'sonarr'), 'wait-for-decypharr-dfs');
    expect(init.command.join(' ')).toContain('[ -f /mnt/dfs/version.txt ]');
    expect(init.volumeMounts).toEqual([{ name: 'decypharr-dfs', mountPath: '/mnt/dfs', readOnly: true }]);
  });

  it('gives Prowlarr no media mounts and no DFS wait', () => {
    const pod = podOf(find('StatefulSet', 'prowlarr'));
    expect(pod.initContainers).toBeUndefined();
    expect(pod.volumes.map((v: any) => v.name).sort()).toEqual(['config', 'tmp']);
  });

  it('places the streaming stack together: storage nodes required, w1 preferred, co-location preferred, taint tolerated', () => {
    const sts = find('StatefulSet', 'sonarr');
    const pod = podOf(sts);
    expect(sts.spec.template.metadata.labels['media-stack.io/streaming-stack']).toBe('true');
    expect(pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions).toEqual([
      { key: 'node.longhorn.io/storage', operator: 'In', values: ['enabled'] },
    ]);
    expect(pod.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].preference.matchExpressions[0]).toEqual({
      key: 'node.longhorn.io/primary',
      operator: 'In',
      values: ['true'],
    });
    expect(pod.affinity.podAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm).toEqual({
      labelSelector: { matchLabels: { 'media-stack.io/streaming-stack': 'true' } },
      topologyKey: 'kubernetes.io/hostname',
    });
    expect(pod.tolerations).toEqual([{ key: 'node.longhorn.io/storage', operator: 'Equal', value: 'enabled', effect: 'NoSchedule' }]);
  });

  it('uses selectors from stable labels, not construct paths', () => {
    const sts = find('StatefulSet', 'sonarr');
    expect(sts.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'sonarr', 'app.kubernetes.io/instance': 'sonarr' });
    expect(JSON.stringify(sts)).not.toContain('cdk8s.io/metadata.addr');
  });

  it('exposes each UI at <app>.<domain> through the configured ingress class', () => {
    const ing = find('Ingress', 'radarr');
    expect(ing.spec.ingressClassName).toBe('traefik');
    expect(ing.spec.rules[0].host).toBe('radarr.homelab');
    expect(ing.spec.rules[0].http.paths[0].backend.service).toEqual({ name: 'radarr', port: { name: 'http' } });
  });

  it('creates a Longhorn config claim sized per app', () => {
    expect(find('PersistentVolumeClaim', 'config-sonarr').spec).toMatchObject({ storageClassName: 'longhorn-simple', resources: { requests: { storage: '10Gi' } } });
    expect(find('PersistentVolumeClaim', 'config-prowlarr').spec.resources.requests.storage).toBe('5Gi');
  });

  it('builds an extra instance with its own names, volume, key and host', () => {
    const { find: f } = objectsOf({ apps: { sonarr: { extraInstances: ['4k'] } } });
    const sts = f('StatefulSet', 'sonarr-4k');
    expect(envOf(containerOf(sts, 'sonarr')).SONARR__AUTH__APIKEY).toEqual({ secretKeyRef: { name: 'sonarr-4k-secrets', key: 'api-key' } });
    expect(f('PersistentVolumeClaim', 'config-sonarr-4k')).toBeTruthy();
    expect(f('Ingress', 'sonarr-4k').spec.rules[0].host).toBe('sonarr-4k.homelab');
    expect(sts.spec.selector.matchLabels['app.kubernetes.io/instance']).toBe('sonarr-4k');
  });

  it('applies resource overrides from the config and never sets a CPU limit', () => {
    const { find: f } = objectsOf({ apps: { radarr: { resources: { memoryLimit: '3Gi' } } } });
    const r = containerOf(f('StatefulSet', 'radarr'), 'radarr').resources;
    expect(r).toEqual({ requests: { cpu: '100m', memory: '512Mi' }, limits: { memory: '3Gi' } });
  });
});
