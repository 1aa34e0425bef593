import { ApiObject, Chart, Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { ClusterPlex } from '../../src/apps/clusterplex/clusterplex.js';
import { Decypharr } from '../../src/apps/decypharr/decypharr.js';
import { IntelGpuPlugin } from '../../src/apps/intel-gpu-plugin/intel-gpu-plugin.js';
import { Plex } from '../../src/apps/plex/plex.js';
import { Pulsarr } from '../../src/apps/pulsarr/pulsarr.js';
import { MediaNamespace } from '../../src/apps/shared-storage/shared-storage.js';
import { Sonarr } from '../../src/apps/sonarr/sonarr.js';
import { addPlainSecrets } from '../../src/lib/plain-secrets.js';
import { CLAIMS, mediaVolume, PATHS, symlinkVolume, transcodeVolume } from '../../src/lib/storage.js';
import { resolveConfig } from '../../src/stack-config.js';

interface Obj {
  kind: string;
  metadata: { name: string };
  spec?: any;
  stringData?: Record<string, string>;
}

/** The streaming apps composed by hand in a plain cdk8s Chart: no registry, no synth, no StackConfig beyond the site. */
describe('streaming app constructs in a plain cdk8s Chart (no synth)', () => {
  const site = resolveConfig({});
  const compose = (opts: { clusterPlex?: boolean } = {}) => {
    const chart = new Chart(Testing.app(), 'lib');
    const namespace = new MediaNamespace(chart, 'ns', { site });
    const media = { volume: mediaVolume(site), mount: { volume: CLAIMS.media, path: PATHS.media } };
    const symlinks = { volume: symlinkVolume(site), mount: { volume: CLAIMS.symlinks, path: PATHS.symlinks } };
    const transcode = { volume: transcodeVolume(site), mount: { volume: CLAIMS.transcode, path: PATHS.transcode } };
    const plugin = new IntelGpuPlugin(chart, 'gpu', { site, sharedDevNum: 3 });
    const sonarr = new Sonarr(chart, 'sonarr', { namespace, media, symlinks });
    const decypharr = new Decypharr(chart, 'decypharr', { namespace, symlinks, arrs: [sonarr], usenet: false, resources: { memoryLimit: '2Gi' } });
    const plex = new Plex(chart, 'plex', { namespace, media, symlinks, transcode, dfs: decypharr.dfs, gpu: plugin.gpu, clusterPlex: opts.clusterPlex ?? true });
    const pulsarr = new Pulsarr(chart, 'pulsarr', { namespace, arrs: [sonarr], plex });
    return { chart, namespace, plugin, sonarr, decypharr, plex, pulsarr };
  };
  const secrets = {
    'sonarr-secrets': { 'api-key': 'a'.repeat(32) },
    'decypharr-secrets': { 'realdebrid-api-key': 'rd', 'session-secret': 's'.repeat(48), 'admin-password': 'p'.repeat(32) },
    'plex-secrets': {},
  };

  it('gives working objects, with the main objects as handles and ApiObject.of', () => {
    const { chart, namespace, plugin, sonarr, decypharr, plex, pulsarr } = compose();
    const clusterplex = new ClusterPlex(chart, 'clusterplex', { site, plex, gpu: plugin.gpu, workers: 2 });
    addPlainSecrets(chart, secrets);
    const objects = Testing.synth(chart) as Obj[];
    const find = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);

    for (const app of [plugin, decypharr, plex, pulsarr, clusterplex]) expect(ApiObject.of(app)).toBe(app.workload);
    expect(ApiObject.of(plugin).kind).toBe('DaemonSet');
    expect(ApiObject.of(clusterplex).kind).toBe('Deployment');
    expect(clusterplex.workers?.kind).toBe('StatefulSet');
    expect([decypharr.service.name, plex.service.name, pulsarr.service.name, clusterplex.service.name]).toEqual(['decypharr', 'plex', 'pulsarr', 'clusterplex-orchestrator']);
    expect(find('DaemonSet', 'intel-gpu-plugin')!.spec.template.spec.containers[0].args).toEqual(['-shared-dev-num=3']);

    // Decypharr: the Arrs it was given are its download-client registrations.
    const dEnv = envOf(find('StatefulSet', 'decypharr')!);
    expect(dEnv.DECYPHARR_ARRS__0__HOST).toBe('http://sonarr.media.svc.cluster.local:8989');
    expect(dEnv.DECYPHARR_ARRS__0__TOKEN).toEqual({ secretKeyRef: { name: 'sonarr-secrets', key: 'api-key' } });
    expect(dEnv.DECYPHARR_USENET__PROVIDERS__0__HOST).toBeUndefined();
    expect(find('StatefulSet', 'decypharr')!.spec.template.spec.containers[0].resources.limits.memory).toBe('2Gi');

    // Plex: the libraries read-only, the DFS from Decypharr's handle, a GPU share from the plugin's.
    const pms = find('StatefulSet', 'plex')!.spec.template.spec;
    expect(pms.volumes.map((v: any) => v.name)).toEqual(['config', CLAIMS.media, CLAIMS.symlinks, CLAIMS.dfs, CLAIMS.transcode]);
    expect(pms.containers[0].volumeMounts.filter((m: any) => m.readOnly).map((m: any) => m.name)).toEqual([CLAIMS.media, CLAIMS.symlinks, CLAIMS.dfs]);
    expect(pms.containers[0].resources.limits['gpu.intel.com/i915']).toBe(1);
    expect(pms.securityContext.supplementalGroups).toEqual([109]);
    expect(envOf(find('StatefulSet', 'plex')!).ORCHESTRATOR_URL).toBe('http://clusterplex-orchestrator.media.svc.cluster.local:3500');

    // ClusterPlex workers: Plex's image and libraries at Plex's paths, their own GPU share.
    const worker = find('StatefulSet', 'clusterplex-worker')!.spec;
    expect(worker.replicas).toBe(2);
    expect(worker.template.spec.containers[0].image).toBe(plex.image);
    expect(worker.template.spec.containers[0].volumeMounts.map((m: any) => m.mountPath)).toEqual([
      ...pms.containers[0].volumeMounts.filter((m: any) => m.name !== 'config').map((m: any) => m.mountPath),
      '/codecs',
    ]);
    expect(worker.template.spec.containers[0].resources.limits['gpu.intel.com/i915']).toBe(1);

    // Pulsarr: Plex's token and URL and the first Sonarr come from their handles.
    const pEnv = envOf(find('StatefulSet', 'pulsarr')!);
    expect(pEnv.PLEX_TOKEN).toMatchObject({ secretKeyRef: { name: 'plex-token', key: 'token' } });
    expect(pEnv.plexServerUrl).toBe('http://plex.media.svc.cluster.local:32400');
    expect(pEnv.sonarrBaseUrl).toBe('http://sonarr.media.svc.cluster.local:8989');
    expect(pEnv.radarrBaseUrl).toBeUndefined();
    // The token is the claimed server's own: a Secret created empty, never an input.
    expect(find('Secret', 'plex-token')).toMatchObject({ data: { token: '' } });

    // Handles bring their dependencies, in phase order.
    expect(decypharr.dependsOn).toEqual([namespace, sonarr]);
    expect(plex.dependsOn).toEqual([namespace, decypharr, plugin]);
    expect(clusterplex.dependsOn).toEqual([plex, plugin]);
    expect(pulsarr.dependsOn).toEqual([namespace, sonarr, plex]);
    expect(plugin.dependsOn).toEqual([]);
    // Calls follow the handles: Pulsarr calls the Plex and Arr it was given, the workers Plex's relay.
    expect(pulsarr.callEdges).toContainEqual(expect.objectContaining({ to: { app: 'plex' }, ports: [32400] }));
    expect(pulsarr.callEdges).toContainEqual(expect.objectContaining({ to: { app: 'sonarr', instance: 'sonarr' }, ports: [8989] }));
    expect(clusterplex.callEdges).toContainEqual(expect.objectContaining({ to: { app: 'plex' }, ports: [32400, 32499] }));
  });

  it("says what the caller must provide: Decypharr's debrid key, Plex with the PMS mod for ClusterPlex", () => {
    const { chart, plugin } = compose();
    const before = chart.node.findAll().length;
    expect(() => addPlainSecrets(chart, { ...secrets, 'decypharr-secrets': { 'session-secret': 's'.repeat(48) } })).toThrow(/decypharr-secrets\/realdebrid-api-key/);
    expect(chart.node.findAll().length).toBe(before);

    const plain = compose({ clusterPlex: false });
    expect(() => new ClusterPlex(plain.chart, 'clusterplex', { site, plex: plain.plex, gpu: plugin.gpu })).toThrow(
      /ClusterPlex needs Plex with the ClusterPlex PMS mod: create Plex with `clusterPlex: true`/,
    );
  });

  it('a GPU without the stack plugin adds no dependency but still requests the resource', () => {
    const chart = new Chart(Testing.app(), 'own-plugin');
    const namespace = new MediaNamespace(chart, 'ns', { site });
    const media = { volume: mediaVolume(site), mount: { volume: CLAIMS.media, path: PATHS.media } };
    const symlinks = { volume: symlinkVolume(site), mount: { volume: CLAIMS.symlinks, path: PATHS.symlinks } };
    const transcode = { volume: transcodeVolume(site), mount: { volume: CLAIMS.transcode, path: PATHS.transcode } };
    const plex = new Plex(chart, 'plex', { namespace, media, symlinks, transcode, gpu: { mode: 'device-plugin', resource: 'gpu.intel.com/i915' }, renderGroupId: 44 });
    expect(plex.dependsOn).toEqual([namespace]);
    const pod = (ApiObject.of(plex).toJson() as Obj).spec.template.spec;
    expect(pod.containers[0].resources.limits['gpu.intel.com/i915']).toBe(1);
    expect(pod.securityContext.supplementalGroups).toEqual([44]);
    expect(pod.volumes.map((v: any) => v.name)).toEqual(['config', CLAIMS.media, CLAIMS.symlinks, CLAIMS.transcode]);
  });
});

function envOf(sts: Obj): Record<string, unknown> {
  const env = sts.spec.template.spec.containers[0].env as { name: string; value?: string; valueFrom?: unknown }[];
  return Object.fromEntries(env.map((e) => [e.name, e.value ?? e.valueFrom]));
}
