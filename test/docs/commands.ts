import type { SynthesizedStack } from '../../src/docs/model.js';

/** Every `kubectl`/`flux` command in a Markdown text: lines of ```sh blocks and inline code spans. */
export function commandsOf(markdown: string): string[] {
  const out: string[] = [];
  const blocks = markdown.matchAll(/```sh\n([\s\S]*?)```/g);
  for (const b of blocks) for (const line of b[1]!.split('\n')) if (/^(kubectl|flux) /.test(line.trim())) out.push(line.trim());
  const withoutBlocks = markdown.replace(/```[\s\S]*?```/g, '');
  for (const m of withoutBlocks.matchAll(/`((?:kubectl|flux) [^`]+)`/g)) out.push(m[1]!);
  return out;
}

/** Shell words of the first command of a pipeline (up to `|`, `&&`, `;`, `&` or a `#` comment). */
export function words(cmd: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | undefined;
  let has = false;
  for (let i = 0; i < cmd.length; i++) {
    const ch = cmd[i]!;
    if (quote) {
      if (ch === quote) quote = undefined;
      else if (ch === '\\' && quote === '"' && i + 1 < cmd.length) cur += cmd[++i] ?? '';
      else cur += ch;
      continue;
    }
    if (ch === "'" || ch === '"') {
      quote = ch;
      has = true;
      continue;
    }
    if (ch === ' ' || ch === '\t') {
      if (has) out.push(cur);
      cur = '';
      has = false;
      continue;
    }
    if (ch === '|' || ch === ';' || ch === '&' || (ch === '#' && !has)) break;
    cur += ch;
    has = true;
  }
  if (has) out.push(cur);
  return out;
}

/** A reference a command makes to a synthesized object. */
export interface Ref {
  readonly what: string;
  readonly ok: boolean;
}

/**
 * Namespaces of prerequisites the stack uses but does not deploy (the runbooks check them, e.g.
 * Longhorn's settings, and kube-system, which every cluster has: the system pods after tainting);
 * every other `-n` must name a namespace of the synthesized objects.
 */
const EXTERNAL_NAMESPACES: ReadonlySet<string> = new Set(['longhorn-system', 'kube-system']);

const VALUE_FLAGS = new Set(['-n', '--namespace', '-c', '--container', '-l', '--selector', '-o', '--output', '-L', '-f', '--field-selector', '--image', '--sort-by', '--tail']);
const KINDS: Record<string, string> = {
  statefulset: 'StatefulSet',
  statefulsets: 'StatefulSet',
  sts: 'StatefulSet',
  deployment: 'Deployment',
  deployments: 'Deployment',
  deploy: 'Deployment',
  daemonset: 'DaemonSet',
  daemonsets: 'DaemonSet',
  ds: 'DaemonSet',
  service: 'Service',
  services: 'Service',
  svc: 'Service',
  endpoints: 'Service',
  ep: 'Service',
  pvc: 'PersistentVolumeClaim',
  persistentvolumeclaim: 'PersistentVolumeClaim',
  persistentvolumeclaims: 'PersistentVolumeClaim',
  pv: 'PersistentVolume',
  persistentvolume: 'PersistentVolume',
  persistentvolumes: 'PersistentVolume',
  pod: 'Pod',
  pods: 'Pod',
  po: 'Pod',
  secret: 'Secret',
  secrets: 'Secret',
  networkpolicy: 'NetworkPolicy',
  networkpolicies: 'NetworkPolicy',
  netpol: 'NetworkPolicy',
  configmap: 'ConfigMap',
  configmaps: 'ConfigMap',
  cm: 'ConfigMap',
  cronjob: 'CronJob',
  cronjobs: 'CronJob',
  cj: 'CronJob',
  job: 'Job',
  jobs: 'Job',
};

/**
 * The object references of one command, each checked against the docs input: namespaces (`-n`),
 * workloads (`statefulset/<name>`, `deployment/<name>`, `daemonset/<name>`), pods (`<sts>-<i>`,
 * `pod/<sts>-<i>`), Services (`svc/<name>`, `get svc <name>`, `endpoints <name>`), claims and
 * volumes (`pvc <name>`, `pv <name>`), Secrets, NetworkPolicies, ConfigMaps, CronJobs (`create job --from=cronjob/<name>`),
 * Jobs and helper pods made from a CronJob's template (`job/<cronjob>-manual`, `<cronjob>-restore`), label
 * selectors (`-l`) and containers (`-c`).
 * Node names and placeholders (`<…>`) are not objects and are skipped.
 */
export function checkCommand(cmd: string, input: SynthesizedStack): Ref[] {
  const objs = input.objects.map((p) => p.object as any);
  const w = words(cmd);
  const refs: Ref[] = [];
  const flags = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 1; i < w.length; i++) {
    const t = w[i]!;
    if (t === '--') break;
    const eq = /^(--?[A-Za-z-]+)=(.*)$/.exec(t);
    if (eq) flags.set(eq[1]!, eq[2]!);
    else if (VALUE_FLAGS.has(t)) flags.set(t, w[++i] ?? '');
    else if (t.startsWith('-')) continue;
    else positional.push(t);
  }
  const ns = flags.get('-n') ?? flags.get('--namespace');
  const namespaceExists = (n: string) => objs.some((o) => o.metadata.namespace === n || (o.kind === 'Namespace' && o.metadata.name === n));
  if (ns !== undefined && EXTERNAL_NAMESPACES.has(ns)) return refs; // objects there are not ours to check
  if (ns !== undefined) refs.push({ what: `namespace ${ns}`, ok: namespaceExists(ns) });

  const workloads = objs.filter((o) => ['StatefulSet', 'Deployment', 'DaemonSet'].includes(o.kind) && (ns === undefined || o.metadata.namespace === ns));
  const findObj = (kind: string, name: string) => {
    if (kind === 'Secret') {
      const sops = objs.some((o) => o.kind === 'Kustomization' && o.spec?.decryption?.secretRef?.name === name && (ns === undefined || o.metadata.namespace === ns));
      // A Secret Flux applies as it is (no SOPS: e.g. plex-token, created empty for a writer in the cluster).
      const plain = objs.some((o) => o.kind === 'Secret' && o.metadata.name === name && (ns === undefined || o.metadata.namespace === ns));
      return sops || plain || input.secretRequests.some((r) => r.name === name && (ns === undefined || r.namespace === ns));
    }
    return objs.some((o) => o.kind === kind && o.metadata.name === name && (kind === 'PersistentVolume' || ns === undefined || o.metadata.namespace === ns));
  };
  /** The workload behind a pod name or a kind/name reference. */
  const podOwner = (name: string): any => {
    const m = /^(.*)-(\d+)$/.exec(name);
    if (!m) return undefined;
    const sts = workloads.find((o) => o.kind === 'StatefulSet' && o.metadata.name === m[1]);
    return sts && Number(m[2]) < (sts.spec.replicas ?? 1) ? sts : undefined;
  };
  /** A Job or helper pod the runbooks create from a CronJob's template (`<cronjob>-<suffix>`): its CronJob. */
  const fromCronJob = (name: string): any => objs.find((o) => o.kind === 'CronJob' && name.startsWith(`${o.metadata.name}-`) && (ns === undefined || o.metadata.namespace === ns));
  /** A helper pod or claim a runbook creates next to a claim of the output (`<claim>-<suffix>`, e.g. a restore): that claim. */
  const fromClaim = (name: string): any =>
    objs.find((o) => o.kind === 'PersistentVolumeClaim' && name.startsWith(`${o.metadata.name}-`) && (ns === undefined || o.metadata.namespace === ns));
  let target: any;
  const ref = (kindWord: string, name: string) => {
    if (name.includes('<')) return;
    const kind = KINDS[kindWord.toLowerCase()];
    if (!kind) return;
    if (kind === 'Pod' || kind === 'Job') {
      target = (kind === 'Pod' ? podOwner(name) : undefined) ?? fromCronJob(name);
      refs.push({ what: `${kind.toLowerCase()} ${name}`, ok: Boolean(target ?? (kind === 'Pod' ? fromClaim(name) : undefined)) });
    } else {
      const ok = findObj(kind, name) || (kind === 'PersistentVolumeClaim' && Boolean(fromClaim(name)));
      refs.push({ what: `${kind} ${name}`, ok });
      if (['StatefulSet', 'Deployment', 'DaemonSet'].includes(kind)) target = workloads.find((o) => o.kind === kind && o.metadata.name === name);
    }
  };
  const slash = (arg: string) => {
    const m = /^([a-z]+)\/(.+)$/.exec(arg);
    if (m) ref(m[1]!, m[2]!);
    return Boolean(m);
  };

  const tool = w[0];
  const verb = positional[0];
  if (tool === 'flux') {
    if (
      (verb === 'reconcile' || verb === 'get' || verb === 'suspend' || verb === 'resume') &&
      /^kustomizations?$/.test(positional[1] ?? '') &&
      positional[2] &&
      !positional[2].includes('<')
    ) {
      refs.push({ what: `Kustomization ${positional[2]}`, ok: objs.some((o) => o.kind === 'Kustomization' && o.metadata.name === positional[2]) });
    }
    return refs;
  }
  switch (verb) {
    case 'get':
    case 'describe':
    case 'delete': {
      const first = positional[1] ?? '';
      if (!slash(first)) for (const name of positional.slice(2)) ref(first, name);
      break;
    }
    case 'logs':
    case 'exec':
      for (const a of positional.slice(1, 2)) if (!slash(a)) ref('pod', a);
      break;
    case 'create':
      if (positional[1] === 'job' && flags.get('--from')) slash(flags.get('--from')!);
      break;
    case 'rollout':
    case 'port-forward':
    case 'wait':
    case 'scale':
      for (const a of positional.slice(1)) slash(a);
      break;
    default:
      break; // label/taint/drain/cordon/uncordon/debug nodes, create: no synthesized object named
  }
  const selector = flags.get('-l') ?? flags.get('--selector');
  if (selector && positional[1] !== 'nodes' && !selector.includes('<')) {
    const pairs = selector.split(',').map((p) => p.split('='));
    const claims = KINDS[(positional[1] ?? '').toLowerCase()] === 'PersistentVolumeClaim';
    const labelled = claims ? objs.filter((o) => o.kind === 'PersistentVolumeClaim').map((o) => o.metadata.labels) : workloads.map((o) => o.spec.template.metadata?.labels);
    const match = labelled.some((labels) => pairs.every(([k, v]) => labels?.[k!] === v));
    refs.push({ what: `${claims ? 'claims' : 'pods'} with ${selector}`, ok: match });
  }
  const container = flags.get('-c') ?? flags.get('--container');
  if (container !== undefined && (target || !refs.some((r) => !r.ok))) {
    const pod = target?.spec.template?.spec ?? target?.spec.jobTemplate?.spec.template.spec;
    const names = pod ? [...(pod.initContainers ?? []), ...pod.containers].map((x: any) => x.name) : [];
    refs.push({ what: `container ${container} of ${target?.metadata.name ?? '?'}`, ok: names.includes(container) });
  }
  return refs;
}
