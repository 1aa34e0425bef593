/**
 * The recorded clusters of the verify tests: `healthy` (the default config, everything running) and
 * `broken` (the same cluster with five faults an operator meets). Rendered to
 * test/fixtures/verify/<scenario>/ by record-fixtures.ts; a test keeps the files equal to this.
 */
import { DEFAULT_CONFIG } from '../../src/stack-config.js';
import { planChecks } from '../../src/verify/plan.js';
import { synthesizeForVerify } from '../../src/verify/stack.js';
import { ClusterState, jobOf } from './cluster.js';

/** The kube contexts of the recorded kubeconfig (the first is the current one). */
export const CONTEXTS = ['homelab', 'staging'] as const;

/** The faults of the broken cluster, by the names of the default config's objects. */
export const BROKEN = {
  kustomization: 'media-network-policies',
  crashLoopingPod: { namespace: 'media', name: 'pulsarr-0', container: 'pulsarr' },
  unboundClaim: { namespace: 'media', name: 'config-profilarr', pod: 'profilarr-0' },
  failedCronJob: 'arr-wiring',
  dfs: 'decypharr',
} as const;

type Json = Record<string, any>;

function breakCluster(s: ClusterState): void {
  const v = s.stack.facts.v;
  // 1. A Kustomization whose apply fails (Flux's own condition for a rejected object).
  const ks = s.kustomizations.find((k) => k.metadata.name === BROKEN.kustomization);
  if (!ks) throw new Error(`broken scenario: no Kustomization ${BROKEN.kustomization}`);
  ks.status.conditions = [
    {
      lastTransitionTime: '2026-11-30T21:00:00Z',
      message:
        'NetworkPolicy/media/allow-sonarr dry-run failed: failed to create typed patch object (media/allow-sonarr; networking.k8s.io/v1, Kind=NetworkPolicy): .spec.egress[0].to[0].ipBlock.except: expected list, got string',
      observedGeneration: 2,
      reason: 'ReconciliationFailed',
      status: 'False',
      type: 'Ready',
    },
  ];
  ks.status.lastAttemptedRevision = `refs/heads/main@sha1:${'b'.repeat(40)}`;

  // 2. A pod whose container keeps crashing.
  const crash = s.pod(BROKEN.crashLoopingPod.namespace, BROKEN.crashLoopingPod.name);
  const ctr = crash.status.containerStatuses.find((c: Json) => c.name === BROKEN.crashLoopingPod.container);
  Object.assign(ctr, {
    ready: false,
    restartCount: 7,
    started: false,
    lastState: { terminated: { containerID: ctr.containerID, exitCode: 1, finishedAt: '2026-11-30T20:41:10Z', reason: 'Error', startedAt: '2026-11-30T20:41:02Z' } },
    state: {
      waiting: {
        message: `back-off 5m0s restarting failed container=${ctr.name} pod=${crash.metadata.name}_${crash.metadata.namespace}(${crash.metadata.uid})`,
        reason: 'CrashLoopBackOff',
      },
    },
  });
  notReady(crash, `containers with unready status: [${ctr.name}]`);

  // 3. A claim Longhorn has not provisioned: Pending, and its pod unschedulable.
  const claims = s.claims.get(BROKEN.unboundClaim.namespace)!;
  const claim = claims.find((c) => c.metadata.name === BROKEN.unboundClaim.name);
  if (!claim) throw new Error(`broken scenario: no PVC ${BROKEN.unboundClaim.name}`);
  const pvName = claim.spec.volumeName;
  delete claim.spec.volumeName;
  delete claim.metadata.annotations;
  claim.status = { phase: 'Pending' };
  s.volumes.splice(
    s.volumes.findIndex((pv) => pv.metadata.name === pvName),
    1,
  );
  const pending = s.pod(BROKEN.unboundClaim.namespace, BROKEN.unboundClaim.pod);
  delete pending.spec.nodeName;
  pending.status = {
    conditions: [
      {
        lastTransitionTime: '2026-11-30T20:02:00Z',
        message: '0/5 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/5 nodes are available: 5 Preemption is not helpful for scheduling.',
        reason: 'Unschedulable',
        status: 'False',
        type: 'PodScheduled',
      },
    ],
    phase: 'Pending',
    qosClass: 'Burstable',
  };

  // 4. A setup job whose last run failed (the CronJob keeps its failed Job: failedJobsHistoryLimit 1).
  const cj = v.all('CronJob').find((c) => c.metadata.name === BROKEN.failedCronJob);
  if (!cj) throw new Error(`broken scenario: no CronJob ${BROKEN.failedCronJob}`);
  const ns = cj.metadata.namespace!;
  const jobs = s.jobs.get(ns)!;
  jobs.splice(
    jobs.findIndex((j) => j.metadata.ownerReferences[0].name === cj.metadata.name),
    1,
    jobOf(cj, ns, 'Failed'),
  );

  // 5. The DFS is not mounted: Decypharr's readiness check fails (its pod goes unready) and so does
  // the same check in every reader (the export serves the empty directory underneath).
  const dfsChecks = planChecks(s.stack).filter((c) => c.phase.id === 'dfs' && c.argv[0] === 'exec');
  for (const c of dfsChecks) s.exec.set(JSON.stringify(c.argv), { exit: 1, stdout: '', stderr: 'command terminated with exit code 1\n' });
  const dfs = s.stack.facts.dfs!;
  const decypharr = s.pod(dfs.w.namespace, v.podRef(dfs.w));
  const fuse = decypharr.status.containerStatuses.find((c: Json) => c.name === dfs.container);
  fuse.ready = false;
  notReady(decypharr, `containers with unready status: [${fuse.name}]`);
}

function notReady(pod: Json, message: string): void {
  for (const c of pod.status.conditions) if (c.type === 'Ready' || c.type === 'ContainersReady') Object.assign(c, { status: 'False', reason: 'ContainersNotReady', message });
}

/** The recordings of a scenario, as the files of test/fixtures/verify/<scenario>/. */
export function renderScenario(name: 'healthy' | 'broken'): Map<string, string> {
  const stack = synthesizeForVerify(DEFAULT_CONFIG);
  const state = new ClusterState(stack);
  if (name === 'broken') breakCluster(state);
  const files = new Map<string, string>();
  const calls = state.answers(planChecks(stack), CONTEXTS).map((r) => {
    if (r.json === undefined) return { argv: r.argv, exit: r.exit, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
    const file = `${r.argv.join('_').replace(/[^A-Za-z0-9.=-]+/g, '_')}.json`;
    // kubectl prints JSON with four spaces and a final newline.
    files.set(file, `${JSON.stringify(r.json, null, 4)}\n`);
    return { argv: r.argv, exit: r.exit, stdoutFile: file, stderr: r.stderr ?? '' };
  });
  // One call a line: a recording reads (and diffs) like the command it answers.
  files.set('calls.json', `{\n  "contexts": ${JSON.stringify(CONTEXTS)},\n  "calls": [\n${calls.map((c) => `    ${JSON.stringify(c)}`).join(',\n')}\n  ]\n}\n`);
  return files;
}
