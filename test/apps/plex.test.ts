import { describe, expect, it } from 'vitest';
import { containerOf, envOf, objectsOf, podOf } from '../helpers.js';

describe('Plex and ClusterPlex', () => {
  const { find } = objectsOf();
  const plexSts = find('StatefulSet', 'plex');
  const plex = containerOf(plexSts, 'plex');
  const workers = find('StatefulSet', 'clusterplex-worker');
  const worker = containerOf(workers, 'worker');

  it('probes Plex at /identity on 32400 with a long startup budget', () => {
    expect(plex.ports).toContainEqual({ name: 'plex', containerPort: 32400, protocol: 'TCP' });
    expect(plex.readinessProbe.httpGet).toEqual({ path: '/identity', port: 'plex' });
    expect(plex.startupProbe.failureThreshold * plex.startupProbe.periodSeconds).toBeGreaterThanOrEqual(600);
  });

  it('configures the ClusterPlex PMS mod with the orchestrator, PMS_SERVICE and the local relay', () => {
    const env = envOf(plex);
    expect(env.DOCKER_MODS).toMatch(/^ghcr\.io\/pabloromeo\/clusterplex_dockermod:\d+\.\d+\.\d+(@sha256:[0-9a-f]{64})?$/);
    expect(env.ORCHESTRATOR_URL).toBe('http://clusterplex-orchestrator.media.svc.cluster.local:3500');
    expect(env.PMS_SERVICE).toBe('plex');
    expect(env.LOCAL_RELAY_ENABLED).toBe('1');
    expect(find('Service', 'plex').spec.ports.map((p: any) => p.port)).toEqual([32400, 32499]);
  });

  it('exposes Plex on a LoadBalancer that keeps client addresses, reachable on the tainted GPU node', () => {
    const svc = find('Service', 'plex');
    expect(svc.spec.type).toBe('LoadBalancer');
    expect(svc.spec.externalTrafficPolicy).toBe('Local');
    expect(JSON.parse(svc.metadata.annotations['svccontroller.k3s.cattle.io/tolerations'])).toEqual([{ key: 'gpu', operator: 'Equal', value: 'true', effect: 'NoSchedule' }]);
  });

  it('gives Plex and every worker the Intel GPU resource (gpu.intel.com/i915), never intel.com/gpu', () => {
    expect(plex.resources.limits['gpu.intel.com/i915']).toBe(1);
    expect(worker.resources.limits['gpu.intel.com/i915']).toBe(1);
    expect(JSON.stringify([plexSts, workers])).not.toContain('"intel.com/gpu"');
    expect(podOf(plexSts).securityContext.supplementalGroups).toEqual([109]);
  });

  it('runs PMS on the GPU node by default, so Plex itself plans hardware transcodes', () => {
    const pod = podOf(plexSts);
    expect(pod.nodeSelector).toEqual({ gpu: 'true' });
    expect(pod.tolerations).toEqual([{ key: 'gpu', operator: 'Equal', value: 'true', effect: 'NoSchedule' }]);
    expect(pod.affinity).toBeUndefined();
    expect(plexSts.spec.template.metadata.labels['media-stack.io/streaming-stack']).toBeUndefined();
  });

  it('can follow the streaming stack onto the storage nodes instead', () => {
    const { find: f } = objectsOf({ apps: { plex: { placement: 'storage-nodes' } } });
    const sts = f('StatefulSet', 'plex');
    expect(podOf(sts).nodeSelector).toBeUndefined();
    expect(podOf(sts).affinity.podAffinity).toBeDefined();
    expect(sts.spec.template.metadata.labels['media-stack.io/streaming-stack']).toBe('true');
  });

  it('runs the identical Plex build in PMS and workers', () => {
    expect(worker.image).toBe(plex.image);
    expect(plex.image).not.toMatch(/:latest$/);
  });

  it('mounts media, symlinks, DFS and transcode at the same paths in PMS and workers', () => {
    const paths = (c: any) => Object.fromEntries(c.volumeMounts.map((m: any) => [m.mountPath, m.name]));
    const p = paths(plex);
    const w = paths(worker);
    for (const path of ['/mnt/media', '/mnt/streaming-media', '/mnt/dfs', '/transcode']) {
      expect(p[path], path).toBeDefined();
      expect(w[path], path).toBe(p[path]);
    }
    expect(p['/mnt/transcode']).toBeUndefined();
    const drivers = '/config/Library/Application Support/Plex Media Server/Drivers';
    expect(plex.volumeMounts.find((m: any) => m.mountPath === drivers)).toEqual(worker.volumeMounts.find((m: any) => m.mountPath === drivers));
  });

  it('reads the DFS with HostToContainer-free NFS claims, never Bidirectional outside Decypharr', () => {
    for (const c of [plex, worker]) for (const m of c.volumeMounts) expect(m.mountPropagation).not.toBe('Bidirectional');
  });

  it('transcodes on the worker GPU with VA-API and reports health on 3501', () => {
    const env = envOf(worker);
    expect(env.FFMPEG_HWACCEL).toBe('vaapi');
    expect(env.DOCKER_MODS).toMatch(/clusterplex_worker_dockermod/);
    expect(env.ORCHESTRATOR_URL).toBe('http://clusterplex-orchestrator.media.svc.cluster.local:3500');
    expect(env.PLEX_TOKEN).toBeUndefined();
    expect(worker.readinessProbe.httpGet).toEqual({ path: '/health', port: 'health' });
    expect(worker.ports).toEqual([{ name: 'health', containerPort: 3501, protocol: 'TCP' }]);
  });

  it('runs workers only on the GPU node and keeps a codec cache per worker', () => {
    const pod = podOf(workers);
    expect(pod.nodeSelector).toEqual({ gpu: 'true' });
    expect(pod.tolerations).toEqual([{ key: 'gpu', operator: 'Equal', value: 'true', effect: 'NoSchedule' }]);
    expect(workers.spec.volumeClaimTemplates[0].metadata.name).toBe('codecs');
    expect(workers.spec.replicas).toBe(1);
  });

  it('reaches the orchestrator through a ClusterIP Service on 3500, not a LoadBalancer IP', () => {
    const svc = find('Service', 'clusterplex-orchestrator');
    expect(svc.spec.type).toBe('ClusterIP');
    expect(svc.spec.ports[0].port).toBe(3500);
    const orch = containerOf(find('Deployment', 'clusterplex-orchestrator'), 'orchestrator');
    expect(orch.readinessProbe.httpGet).toEqual({ path: '/health', port: 'http' });
    expect(envOf(orch).PLEX_TOKEN).toBeUndefined();
  });

  it('leaves the mod and the GPU out when ClusterPlex and the Plex GPU are disabled', () => {
    const { find: f, objects } = objectsOf({ apps: { clusterplex: { enabled: false }, plex: { gpu: false } } });
    const c = containerOf(f('StatefulSet', 'plex'), 'plex');
    expect(envOf(c).DOCKER_MODS).toBeUndefined();
    expect(c.resources.limits['gpu.intel.com/i915']).toBeUndefined();
    expect(objects.some((o) => o.metadata.name.startsWith('clusterplex'))).toBe(false);
  });
});

describe('Pulsarr, Profilarr and the GPU plugin', () => {
  const { find } = objectsOf();

  it('runs Pulsarr on 3003 with /app/data and reads the Arr keys from their Secrets (the Plex token comes from its setup job)', () => {
    const sts = find('StatefulSet', 'pulsarr');
    const c = containerOf(sts, 'pulsarr');
    expect(c.image).toMatch(/^lakker\/pulsarr:/);
    expect(c.ports[0].containerPort).toBe(3003);
    expect(c.readinessProbe.httpGet.path).toBe('/health');
    expect(c.volumeMounts).toContainEqual({ name: 'config', mountPath: '/app/data' });
    const env = envOf(c);
    expect(env.sonarrApiKey).toEqual({ secretKeyRef: { name: 'sonarr-secrets', key: 'api-key' } });
    expect(env.radarrBaseUrl).toBe('http://radarr.media.svc.cluster.local:7878');
    expect(env.plexServerUrl).toBe('http://plex.media.svc.cluster.local:32400');
    expect(Object.keys(env).filter((k) => ['PLEX_TOKEN', 'plexTokens'].includes(k))).toEqual([]);
    const off = envOf(containerOf(objectsOf({ apps: { pulsarr: { setup: { plexToken: false } } } }).find('StatefulSet', 'pulsarr'), 'pulsarr'));
    expect(off.PLEX_TOKEN).toMatchObject({ secretKeyRef: { name: 'plex-token', key: 'token' } });
    expect(off.plexTokens).toBe('["$(PLEX_TOKEN)"]');
    expect(Object.keys(env).filter((k) => ['SONARR_URL', 'POLL_INTERVAL'].includes(k))).toEqual([]);
  });

  it('runs Profilarr v2 from dictionarry-hub on 6868 with its health route', () => {
    const c = containerOf(find('StatefulSet', 'profilarr'), 'profilarr');
    expect(c.image).toMatch(/^ghcr\.io\/dictionarry-hub\/profilarr:/);
    expect(c.ports[0].containerPort).toBe(6868);
    expect(c.readinessProbe.httpGet.path).toBe('/api/v1/health');
    expect(envOf(c).ORIGIN).toBe('http://profilarr.homelab');
  });

  it('deploys the Intel GPU plugin on the GPU node with GPU sharing and read-only device paths', () => {
    const ds = find('DaemonSet', 'intel-gpu-plugin');
    expect(ds.metadata.namespace).toBe('kube-system');
    const c = containerOf(ds, 'intel-gpu-plugin');
    expect(c.image).toMatch(/^intel\/intel-gpu-plugin:\d+\.\d+\.\d+(@sha256:[0-9a-f]{64})?$/);
    expect(c.args).toEqual(['-shared-dev-num=4']);
    expect(c.volumeMounts.find((m: any) => m.mountPath === '/dev/dri').readOnly).toBe(true);
    expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(podOf(ds).nodeSelector).toEqual({ 'kubernetes.io/arch': 'amd64', gpu: 'true' });
  });
});

describe('Plex setup and the Plex token', () => {
  const { find, objects } = objectsOf();

  it('takes no Plex token from the operator: plex-secrets holds only the optional claim', () => {
    const plex = find('StatefulSet', 'plex');
    const refs = podOf(plex).containers.flatMap((c: any) => (c.env ?? []).map((e: any) => e.valueFrom?.secretKeyRef).filter(Boolean));
    expect(refs).toEqual([{ name: 'plex-secrets', key: 'claim', optional: true }]);
    expect(objects.filter((o) => o.kind === 'Secret').map((o) => o.metadata.name)).toContain('plex-token');
  });

  it('lets the Plex pods reach the Kubernetes API (the Service address on 443, the API servers on 6443) and nothing else new', () => {
    const policy = find('NetworkPolicy', 'allow-plex');
    const api = policy.spec.egress.find((e: any) => e.ports?.some((p: any) => p.port === 6443));
    expect(api.ports.map((p: any) => p.port)).toEqual([443, 6443]);
    expect(api.to[0]).toEqual({ ipBlock: { cidr: '10.43.0.1/32' } });
    expect(api.to.slice(1).map((t: any) => t.ipBlock.cidr)).toEqual(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']);
    // plex-setup only talks to Plex.
    const setup = find('NetworkPolicy', 'allow-plex-setup');
    expect(setup.spec.egress.map((e: any) => [e.to[0].podSelector.matchLabels['app.kubernetes.io/name'], e.ports.map((p: any) => p.port)])).toEqual([['plex', [32400]]]);
  });

  it('without the token writer: no sidecar, ServiceAccount or Role, and the Secret is still there to fill by hand', () => {
    const { find: f, objects: o } = objectsOf({ apps: { plex: { tokenWriter: false } } });
    const pod = podOf(f('StatefulSet', 'plex'));
    expect(pod.containers.map((c: any) => c.name)).toEqual(['plex']);
    expect(pod.serviceAccountName).toBeUndefined();
    expect(o.some((x) => ['ServiceAccount', 'Role', 'RoleBinding'].includes(x.kind))).toBe(false);
    expect(f('Secret', 'plex-token').data).toEqual({ token: '' });
    expect(f('NetworkPolicy', 'allow-plex').spec.egress.some((e: any) => e.ports?.some((p: any) => p.port === 6443))).toBe(false);
  });
});
