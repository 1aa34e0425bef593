/**
 * Failback (src/apps/descheduler): the policy the config yields, the RBAC it asks for, the two
 * modes, the config errors, and the import guard run by the real python3 against a stub of the
 * Sonarr/Radarr queue API (test/fixtures/app-apis/queue, from the apps' own OpenAPI documents).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { resolveConfig } from '../../src/stack-config.js';
import { atStubs, RecordingStub, runSetupJob, type StubRequest } from '../executed/setup-jobs.js';
import { scratch } from '../executed/support.js';
import { containerOf, envOf, objectsOf, podOf } from '../helpers.js';
import { bareEnv, kubectlKustomize, readTree, synthInto } from '../stack/support.js';
import { MermaidRenderer, mermaidBlocks, overlappingLabels } from '../docs/mermaid-render.js';
import { docsInputOf } from '../docs/input.js';
import { generateDocs } from '../../src/docs/index.js';

const ON = { apps: { failback: { enabled: true } } } as const;
const STREAMING = 'media-stack.io/streaming-stack';
const QUEUE_API = JSON.parse(readFileSync('test/fixtures/app-apis/queue/queue-api.json', 'utf8'));
const STATES: string[] = QUEUE_API.sonarr.schemas.TrackedDownloadState.enum;

const matches = (selector: Record<string, string>, labels: Record<string, string> = {}) => Object.entries(selector).every(([k, v]) => labels[k] === v);

describe('failback (descheduler) in the Longhorn layout', () => {
  const { objects, find } = objectsOf(ON);
  const cronJob = find('CronJob', 'descheduler');
  const configMap = find('ConfigMap', 'descheduler-policy');
  const policy = parseYaml(configMap.data['policy.yaml']);

  it('is off by default: no object of it', () => {
    expect(objectsOf({}).objects.filter((o) => o.metadata.name.includes('descheduler'))).toEqual([]);
  });

  it('runs one profile with RemovePodsViolatingNodeAffinity on the preferred affinity, limited to the streaming stack in the namespace', () => {
    expect(policy).toMatchObject({ apiVersion: 'descheduler/v1alpha2', kind: 'DeschedulerPolicy' });
    expect(policy.profiles).toHaveLength(1);
    const [profile] = policy.profiles;
    expect(profile.plugins).toEqual({ deschedule: { enabled: ['RemovePodsViolatingNodeAffinity'] } });
    const args = Object.fromEntries(profile.pluginConfig.map((p: any) => [p.name, p.args]));
    expect(args.RemovePodsViolatingNodeAffinity).toEqual({
      namespaces: { include: ['media'] },
      labelSelector: { matchLabels: { [STREAMING]: 'true' } },
      nodeAffinityType: ['preferredDuringSchedulingIgnoredDuringExecution'],
    });
    // The evictor refuses every other pod, whatever plugin asks.
    expect(args.DefaultEvictor.labelSelector).toEqual({ matchLabels: { [STREAMING]: 'true' } });
    expect(args.DefaultEvictor.podProtections).toEqual({ defaultDisabled: ['PodsWithLocalStorage'] });
  });

  it('selects exactly the pods that prefer the primary storage node', () => {
    const selector = policy.profiles[0].pluginConfig[1].args.labelSelector.matchLabels;
    const templates = objects
      .filter((o) => ['StatefulSet', 'Deployment', 'DaemonSet', 'CronJob'].includes(o.kind))
      .map((o: any) => ({ name: o.metadata.name, ns: o.metadata.namespace, labels: (o.spec.jobTemplate?.spec.template ?? o.spec.template).metadata?.labels, pod: podOf(o) }));
    const selected = templates.filter((t) => t.ns === 'media' && matches(selector, t.labels)).map((t) => t.name);
    const prefersPrimary = (t: (typeof templates)[number]) =>
      t.pod.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.some((p: any) =>
        p.preference.matchExpressions.some((e: any) => e.key === 'node.longhorn.io/primary'),
      );
    // The group: every pod that prefers to run with the others (the same label in its pod affinity).
    const group = templates.filter((t) =>
      t.pod.affinity?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.some(
        (p: any) => JSON.stringify(p.podAffinityTerm.labelSelector.matchLabels) === JSON.stringify(selector),
      ),
    );
    // Plex runs on the GPU node in this layout: not part of the group.
    expect(selected.sort()).toEqual(['decypharr', 'radarr', 'sonarr']);
    expect(group.map((t) => t.name).sort()).toEqual(selected.sort());
    expect(templates.filter((t) => selected.includes(t.name)).every(prefersPrimary)).toBe(true);
  });

  it('asks only for what the policy uses: no Secrets, no pod deletes, no leases, no metrics', () => {
    const role = find('ClusterRole', 'media-descheduler');
    expect(role.rules).toEqual([
      { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: ['create', 'update'] },
      { apiGroups: [''], resources: ['nodes', 'namespaces', 'pods'], verbs: ['get', 'watch', 'list'] },
      { apiGroups: ['scheduling.k8s.io'], resources: ['priorityclasses'], verbs: ['get', 'watch', 'list'] },
      { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: ['get', 'watch', 'list'] },
      { apiGroups: [''], resources: ['pods/eviction'], verbs: ['create'] },
    ]);
    expect(find('ClusterRoleBinding', 'media-descheduler').subjects).toEqual([{ kind: 'ServiceAccount', name: 'descheduler', namespace: 'media' }]);
    expect(podOf(cronJob)).toMatchObject({ serviceAccountName: 'descheduler', automountServiceAccountToken: true });
    // No namespaced grant on top (upstream's Role on Secrets serves a Prometheus token only).
    expect(objects.filter((o: any) => o.kind === 'RoleBinding' && o.subjects?.some((x: any) => x.name === 'descheduler'))).toEqual([]);
  });

  it('reads the policy the import guard wrote for this run, never the ConfigMap directly', () => {
    const d = containerOf(cronJob, 'descheduler');
    expect(d.image).toBe('registry.k8s.io/descheduler/descheduler:v0.34.0');
    expect([d.command, d.args]).toEqual([['/bin/descheduler'], ['--policy-config-file', '/run/descheduler/policy.yaml', '--v', '3']]);
    expect(d.volumeMounts).toEqual([{ name: 'run-policy', mountPath: '/run/descheduler', readOnly: true }]);
    expect(podOf(cronJob).initContainers.map((c: any) => c.name)).toEqual(['import-guard']);
    expect(envOf(containerOf(cronJob, 'import-guard'))).toMatchObject({
      SONARR_API_KEY: { secretKeyRef: { name: 'sonarr-secrets', key: 'api-key' } },
      RADARR_API_KEY: { secretKeyRef: { name: 'radarr-secrets', key: 'api-key' } },
    });
    expect(cronJob.spec).toMatchObject({ schedule: '0-59/10 * * * *', concurrencyPolicy: 'Forbid' });
  });

  it('may reach the Arrs it asks, and the Kubernetes API', () => {
    const own = find('NetworkPolicy', 'allow-descheduler');
    const api = own.spec.egress.find((e: any) => e.ports.some((p: any) => p.port === 6443));
    expect(api.ports).toEqual([
      { protocol: 'TCP', port: 443 },
      { protocol: 'TCP', port: 6443 },
    ]);
    expect(api.to).toContainEqual({ ipBlock: { cidr: '10.43.0.1/32' } });
    expect(find('NetworkPolicy', 'allow-sonarr').spec.ingress).toContainEqual({
      from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'descheduler', 'app.kubernetes.io/instance': 'descheduler' } } }],
      ports: [{ protocol: 'TCP', port: 8989 }],
    });
  });

  it('as a Deployment runs its own loop every interval over the ConfigMap, without a guard', () => {
    const { find: f } = objectsOf({ apps: { failback: { enabled: true, mode: 'deployment', interval: '15m', importGuard: false } } });
    const dep = f('Deployment', 'descheduler');
    const d = containerOf(dep, 'descheduler');
    expect(d.args).toEqual(['--policy-config-file', '/policy-dir/policy.yaml', '--descheduling-interval', '15m', '--v', '3']);
    expect(podOf(dep).initContainers).toBeUndefined();
    expect(Object.keys(f('ConfigMap', 'descheduler-policy').data)).toEqual(['policy.yaml']);
  });

  it('refuses what cannot work, naming the field and the fix', () => {
    expect(() => resolveConfig({ apps: { failback: { enabled: true, mode: 'deployment' } } })).toThrow(
      /apps\.failback\.importGuard: .*use mode 'cronjob', or set importGuard to false/,
    );
    expect(() => resolveConfig({ storage: { mode: 'hostPath', hostPathRoot: '/srv/media-stack' }, apps: { failback: { enabled: true } } } as any)).toThrow(
      /apps\.failback\.enabled: .*single-node \(hostPath\) layout has one node/,
    );
    expect(() => resolveConfig({ apps: { failback: { enabled: true, interval: 'ten minutes' } } } as any)).toThrow(/apps\.failback\.interval: .*Go duration/);
  });
});

describe('the import guard, run by python3 against a stub of the Sonarr/Radarr queue API', () => {
  const KEYS = { SONARR_API_KEY: 's0narr-key-under-test', RADARR_API_KEY: 'r4darr-key-under-test' };
  const { find } = objectsOf(ON);
  const configMap = find('ConfigMap', 'descheduler-policy');
  const guard = containerOf(find('CronJob', 'descheduler'), 'import-guard');
  const files = configMap.data as Record<string, string>;
  const queues: Record<string, { trackedDownloadState: string; title: string }[]> = { sonarr: [], radarr: [] };
  let down: string | undefined;
  const stubs: Record<string, RecordingStub> = {};
  const handler = (app: 'sonarr' | 'radarr') => (r: StubRequest) => {
    if (app === down) return { status: 503, body: { message: 'starting' } };
    if (r.headers['x-api-key'] !== KEYS[`${app.toUpperCase()}_API_KEY` as keyof typeof KEYS]) return { status: 401, body: { message: 'Unauthorized' } };
    if (r.method !== 'GET' || r.path !== QUEUE_API[app].path) return undefined;
    const page = Number(r.query.get('page') ?? 1);
    const size = Number(r.query.get('pageSize') ?? 10);
    const all = queues[app]!.map((q, i) => ({ id: i + 1, status: 'completed', trackedDownloadStatus: 'ok', ...q }));
    return { body: { page, pageSize: size, sortKey: 'timeleft', sortDirection: 'ascending', totalRecords: all.length, records: all.slice((page - 1) * size, page * size) } };
  };
  let dir: string;

  beforeAll(async () => {
    stubs.sonarr = await new RecordingStub(handler('sonarr')).start();
    stubs.radarr = await new RecordingStub(handler('radarr')).start();
  });
  afterAll(async () => Promise.all(Object.values(stubs).map((s) => s.stop())));

  /** One run: the ConfigMap's files, the data pointed at the stubs and a scratch run folder. */
  async function run() {
    dir = scratch('import-guard-run');
    const policy = join(dir, 'policy.yaml');
    writeFileSync(policy, files['policy.yaml']!);
    mkdirSync(join(dir, 'run'));
    const data = {
      ...atStubs(JSON.parse(files['import-guard.json']!), {
        'http://sonarr.media.svc.cluster.local:8989': stubs.sonarr!.origin,
        'http://radarr.media.svc.cluster.local:7878': stubs.radarr!.origin,
      }),
      policy,
      out: join(dir, 'run', 'policy.yaml'),
    };
    for (const s of Object.values(stubs)) s.requests.length = 0;
    const result = await runSetupJob({ container: guard, files, data }, 'import-guard', { data, env: KEYS });
    const out = join(dir, 'run', 'policy.yaml');
    return { ...result, written: existsSync(out) ? readFileSync(out, 'utf8') : undefined };
  }

  it('with quiet queues hands the descheduler the failback policy, byte for byte', async () => {
    queues.sonarr = [{ trackedDownloadState: 'imported', title: 'Show.S01E01' }];
    queues.radarr = [{ trackedDownloadState: 'downloading', title: 'Movie.2024' }];
    const r = await run();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.written).toBe(files['policy.yaml']);
    expect(r.stdout).toContain('no import pending or running in sonarr, radarr: failback may evict');
  });

  it.each(['importing', 'importPending'])('skips the run while an item is %s (found on a later page): the policy has no profile', async (state) => {
    expect(STATES).toContain(state);
    queues.sonarr = [];
    queues.radarr = [
      ...Array.from({ length: 120 }, (_, i) => ({ trackedDownloadState: 'downloading', title: `Movie.${i}` })),
      { trackedDownloadState: state, title: 'Big.Movie.2023' },
    ];
    const r = await run();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(parseYaml(r.written!)).toEqual({ apiVersion: 'descheduler/v1alpha2', kind: 'DeschedulerPolicy', profiles: [] });
    expect(r.stdout).toContain(`import in progress: radarr: Big.Movie.2023 (${state})`);
    expect(r.stdout).toContain('skipping this run');
    expect(stubs.radarr!.requests.map((q) => q.query.get('page'))).toEqual(['1', '2']);
  });

  it('asks each queue as its OpenAPI document describes it (path, query parameters, X-Api-Key), and writes nothing to the Arrs', async () => {
    queues.sonarr = [];
    queues.radarr = [];
    await run();
    for (const app of ['sonarr', 'radarr'] as const) {
      const params = new Set(QUEUE_API[app].parameters.map((p: any) => p.name));
      expect(QUEUE_API[app].securitySchemes['X-Api-Key']).toMatchObject({ in: 'header', name: 'X-Api-Key' });
      expect(stubs[app]!.requests.length).toBe(1);
      for (const q of stubs[app]!.requests) {
        expect(q.path).toBe('/api/v3/queue');
        for (const k of q.query.keys()) expect(params.has(k), k).toBe(true);
      }
      expect(stubs[app]!.writes()).toEqual([]);
    }
  });

  it('fails (no policy, so the descheduler does not run) when an Arr does not answer, and never prints a key', async () => {
    queues.sonarr = [];
    queues.radarr = [];
    down = 'sonarr';
    try {
      const r = await run();
      expect(r.code).toBe(1);
      expect(r.written).toBeUndefined();
      expect(r.stdout).toMatch(/import-guard: ERROR: GET \/queue: HTTP 503/);
      for (const k of Object.values(KEYS)) expect(r.stdout + r.stderr).not.toContain(k);
    } finally {
      down = undefined;
    }
  });
});

describe('examples/homelab-failback.ts', () => {
  it('synthesizes through every gate, differs from dist/ only by failback, and kustomize builds its folder', async () => {
    const { out, result } = await synthInto({ config: 'examples/homelab-failback.ts', env: bareEnv(), previousDir: 'dist' });
    expect(result.findings.filter((f) => f.severity === 'error')).toEqual([]);
    const tree = readTree(out);
    const dist = readTree('dist');
    const changed = [...tree.keys()].filter((p) => tree.get(p) !== dist.get(p)).sort();
    expect(changed.filter((p) => !p.startsWith('docs/'))).toEqual([
      '.media-stack-output',
      'clusters/homelab/apps/media/network-policies/app/kustomization.yaml',
      'clusters/homelab/apps/media/network-policies/app/networkpolicy-descheduler.yaml',
      'clusters/homelab/apps/media/network-policies/app/networkpolicy-radarr.yaml',
      'clusters/homelab/apps/media/network-policies/app/networkpolicy-sonarr.yaml',
      'clusters/homelab/infrastructure/descheduler/app/clusterrole.yaml',
      'clusters/homelab/infrastructure/descheduler/app/clusterrolebinding.yaml',
      'clusters/homelab/infrastructure/descheduler/app/configmap.yaml',
      'clusters/homelab/infrastructure/descheduler/app/cronjob.yaml',
      'clusters/homelab/infrastructure/descheduler/app/kustomization.yaml',
      'clusters/homelab/infrastructure/descheduler/app/serviceaccount.yaml',
      'clusters/homelab/infrastructure/descheduler/ks.yaml',
      'clusters/homelab/infrastructure/kustomization.yaml',
    ]);
    expect([...dist.keys()].filter((p) => !tree.has(p))).toEqual([]);
    const built = kubectlKustomize(join(out, 'clusters/homelab/infrastructure/descheduler/app'));
    expect(built).toContain('kind: CronJob');
    const failover = tree.get('docs/homelab/failover.md')!;
    expect(failover).toContain(`kubectl patch cronjob descheduler -n media -p '{"spec":{"suspend":true}}'`);
    expect(failover).toContain('kubectl create job --from=cronjob/descheduler descheduler-manual -n media');
    expect(dist.get('docs/homelab/failover.md')).toContain('`apps.failback` is off');
    expect(mermaidBlocks(dist.get('docs/homelab/failover.md')!)).toEqual([]);
    // The failback diagram, rendered by the real mermaid in Chromium like the architecture diagrams.
    const [diagram, ...more] = mermaidBlocks(failover);
    expect(more).toEqual([]);
    expect(diagram).toContain('cronjob/descheduler');
    const renderer = await MermaidRenderer.start();
    try {
      const r = await renderer.render(diagram!, 'failback');
      expect(r.error, diagram).toBeUndefined();
      expect(r.labels.map((l) => l.text).join(' | ')).toMatch(/import-guard.*sonarr, radarr/);
      expect(r.minFontPx).toBeGreaterThanOrEqual(11);
      expect(overlappingLabels(r.labels)).toEqual([]);
    } finally {
      await renderer.close();
    }
  }, 240_000);
});

describe('the failover runbook with failback as a Deployment', () => {
  it('pauses and resumes it by scaling, and follows its log', () => {
    const page = generateDocs(docsInputOf({ apps: { failback: { enabled: true, mode: 'deployment', interval: '15m', importGuard: false } } })).find((f) =>
      f.path.endsWith('failover.md'),
    )!.content;
    expect(page).toContain('`deployment/descheduler` runs every `15m`');
    expect(page).toContain('kubectl scale deployment descheduler -n media --replicas=0   # failback paused');
    expect(page).toContain('kubectl scale deployment descheduler -n media --replicas=1   # failback resumed');
    expect(page).toContain('kubectl logs deployment/descheduler -n media -f');
    expect(page).not.toContain('import-guard');
  });
});
