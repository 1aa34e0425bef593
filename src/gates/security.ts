/**
 * Security posture: every pod and container follows the rules below (roughly the Pod Security
 * "restricted" profile plus resources, probes and pinned images) unless a SecurityException with a
 * reason covers that object, container and rule. Pod-level securityContext fields count for the
 * containers as Kubernetes applies them (runAsNonRoot, runAsUser, seccompProfile).
 */
import type * as k8s from '../../imports/k8s.js';
import type { KubeObject } from '../output/model.js';
import { jsonPath, objectRef, type FindingData, type GateFinding, type GateOptions, type SecurityException } from './findings.js';
import { findNamed } from './object-index.js';
import { at as valueAt, containersOf, jsonList, jsonStrings, podTemplates, runsAlongside, type ContainerOf, type Path, type PodTemplate } from './pod-specs.js';

export const SECURITY_RULES = [
  'run-as-non-root',
  'no-privilege-escalation',
  'drop-all-capabilities',
  'read-only-root-filesystem',
  'seccomp-runtime-default',
  'resources',
  'probes',
  'image-pinned',
  'no-service-links',
  'no-sa-token',
  'no-privileged',
  'no-host-path',
  'no-unsafe-sysctls',
] as const;

/**
 * Sysctls kubelet allows without `--allowed-unsafe-sysctls` (kubernetes pkg/kubelet/sysctl/
 * safe_sysctls.go, 1.28). A pod with any other sysctl stays Pending with SysctlForbidden on nodes
 * that did not allow it.
 */
export const SAFE_SYSCTLS = [
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
] as const;

export type SecurityRule = (typeof SECURITY_RULES)[number];

interface Violation {
  readonly rule: SecurityRule;
  readonly pod: PodTemplate;
  /** Undefined for pod-level rules. */
  readonly container?: string;
  readonly path: Path;
  readonly message: string;
  readonly severity?: GateFinding['severity'];
  readonly data?: FindingData;
}

export function checkSecurity(objects: readonly KubeObject[], opts: GateOptions = {}): GateFinding[] {
  const violations: Violation[] = [];
  for (const pod of podTemplates(objects)) {
    violations.push(...podViolations(pod, objects));
    for (const c of containersOf(pod)) violations.push(...containerViolations(c));
  }

  const findings: GateFinding[] = [];
  const exceptions = opts.securityExceptions ?? [];
  const used = new Map<SecurityException, Set<string>>();
  for (const v of violations) {
    const covering = exceptions.filter((e) => covers(e, v));
    if (covering.length) {
      for (const e of covering) used.set(e, (used.get(e) ?? new Set()).add(v.rule));
      continue;
    }
    findings.push({
      gate: 'security',
      severity: v.severity ?? 'error',
      object: objectRef(v.pod.object),
      path: jsonPath(v.path),
      message: `[${v.rule}] ${v.message}`,
      rule: v.rule,
      ...(v.data ? { data: v.data } : {}),
    });
  }
  findings.push(...exceptionFindings(exceptions, used, objects));
  return findings;
}

/** An exception covers a violation of one of its rules on its object (and container, if it names one). */
function covers(e: SecurityException, v: Violation): boolean {
  if (!e.reason.trim()) return false;
  if (e.kind !== v.pod.object.kind || e.name !== v.pod.object.metadata.name || !e.rules.includes(v.rule)) return false;
  return e.container === undefined || e.container === v.container;
}

/** Exceptions that are ignored (no reason), name unknown rules, or rules that no longer fire. */
function exceptionFindings(exceptions: readonly SecurityException[], used: ReadonlyMap<SecurityException, ReadonlySet<string>>, objects: readonly KubeObject[]): GateFinding[] {
  const out: GateFinding[] = [];
  for (const e of exceptions) {
    const target = findNamed(objects, e.kind, e.name);
    const object = target ? objectRef(target) : `${e.kind}/${e.name}`;
    const where = e.container ? ` (container "${e.container}")` : '';
    const unknown = e.rules.filter((r) => !(SECURITY_RULES as readonly string[]).includes(r));
    if (!e.reason.trim()) out.push({ gate: 'security', severity: 'error', object, message: `security exception${where} for ${e.rules.join(', ')} has no reason and is ignored` });
    else if (unknown.length)
      out.push({
        gate: 'security',
        severity: 'warning',
        object,
        message: `security exception${where} names unknown rule(s) ${unknown.join(', ')} (known: ${SECURITY_RULES.join(', ')})`,
      });
    else {
      const idle = e.rules.filter((r) => !used.get(e)?.has(r));
      if (idle.length)
        out.push({
          gate: 'security',
          severity: 'warning',
          object,
          message: `security exception${where} for ${idle.join(', ')} suppresses nothing; remove the rule(s) or fix kind/name/container`,
        });
    }
  }
  return out;
}

function podViolations(pod: PodTemplate, objects: readonly KubeObject[]): Violation[] {
  const out: Violation[] = [];
  const spec = pod.spec;
  const v = (rule: SecurityRule, path: Path, message: string) => out.push({ rule, pod, path: [...pod.path, ...path], message });
  if (spec.enableServiceLinks !== false)
    v('no-service-links', ['enableServiceLinks'], 'pod must set enableServiceLinks: false (Service env vars leak topology and collide with app settings)');
  if (!tokenDisabled(pod, objects)) v('no-sa-token', ['automountServiceAccountToken'], 'pod must set automountServiceAccountToken: false (or use a ServiceAccount that does)');
  jsonList(spec.securityContext?.sysctls).forEach((sysctl, i) => {
    const name: unknown = sysctl?.name;
    if (!(SAFE_SYSCTLS as readonly unknown[]).includes(name)) {
      v(
        'no-unsafe-sysctls',
        ['securityContext', 'sysctls', i],
        `sets the unsafe sysctl ${JSON.stringify(name)}: every kubelet that may run the pod must allow it with --allowed-unsafe-sysctls`,
      );
    }
  });
  jsonList(spec.volumes).forEach((vol, i) => {
    if (vol?.hostPath) v('no-host-path', ['volumes', i, 'hostPath'], `volume "${vol.name}" mounts host path ${JSON.stringify(vol.hostPath.path)}`);
  });
  return out;
}

/** The pod's own setting wins; unset, the ServiceAccount's applies (Kubernetes' rule). */
function tokenDisabled(pod: PodTemplate, objects: readonly KubeObject[]): boolean {
  const own: unknown = pod.spec.automountServiceAccountToken;
  if (own !== undefined && own !== null) return own === false;
  const saName = pod.spec.serviceAccountName ?? pod.spec.serviceAccount ?? 'default';
  const sa = findNamed(objects, 'ServiceAccount', saName, pod.object.metadata.namespace ?? '');
  return sa?.automountServiceAccountToken === false;
}

function containerViolations(c: ContainerOf): Violation[] {
  const out: Violation[] = [];
  const v = (rule: SecurityRule, path: Path, message: string, severity?: GateFinding['severity'], data?: FindingData) =>
    out.push({
      rule,
      pod: c.pod,
      container: c.name,
      path: [...c.path, ...path],
      message: `container "${c.name}": ${message}`,
      ...(severity ? { severity } : {}),
      ...(data ? { data } : {}),
    });
  const sc: k8s.SecurityContext = c.container.securityContext ?? {};
  const podSc: k8s.PodSecurityContext = c.pod.spec.securityContext ?? {};

  if (sc.privileged === true) v('no-privileged', ['securityContext', 'privileged'], 'runs privileged');
  const nonRoot = sc.runAsNonRoot ?? podSc.runAsNonRoot;
  const user = sc.runAsUser ?? podSc.runAsUser;
  if (user === 0) v('run-as-non-root', ['securityContext', 'runAsUser'], 'runs as UID 0');
  else if (nonRoot !== true) v('run-as-non-root', ['securityContext', 'runAsNonRoot'], 'must set runAsNonRoot: true (container or pod securityContext)');
  if (sc.allowPrivilegeEscalation !== false) v('no-privilege-escalation', ['securityContext', 'allowPrivilegeEscalation'], 'must set allowPrivilegeEscalation: false');
  const drop = jsonStrings(sc.capabilities?.drop);
  const add = jsonStrings(sc.capabilities?.add);
  if (!drop.includes('ALL')) v('drop-all-capabilities', ['securityContext', 'capabilities', 'drop'], 'must drop ALL capabilities');
  const added = add.filter((a) => a !== 'NET_BIND_SERVICE');
  if (added.length) v('drop-all-capabilities', ['securityContext', 'capabilities', 'add'], `adds capabilities ${added.join(', ')} (only NET_BIND_SERVICE may be added back)`);
  if (sc.readOnlyRootFilesystem !== true) v('read-only-root-filesystem', ['securityContext', 'readOnlyRootFilesystem'], 'must set readOnlyRootFilesystem: true');
  const seccomp = (sc.seccompProfile ?? podSc.seccompProfile)?.type;
  if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') {
    v(
      'seccomp-runtime-default',
      ['securityContext', 'seccompProfile'],
      `seccompProfile.type must be RuntimeDefault (or Localhost) in the container or pod securityContext, is ${seccomp ?? 'unset'}`,
    );
  }

  if (c.kind !== 'ephemeral') {
    const r = c.container.resources;
    const missing = (
      [
        ['requests', 'cpu'],
        ['requests', 'memory'],
        ['limits', 'memory'],
      ] as const
    ).filter(([k, q]) => !isQuantity(valueAt(r, [k, q])));
    if (missing.length) v('resources', ['resources'], `must set ${missing.map((m) => m.join('.')).join(', ')}`);
  }
  if (c.pod.longRunning && runsAlongside(c)) {
    const probes = (['livenessProbe', 'readinessProbe'] as const).filter((p) => !c.container[p] || typeof c.container[p] !== 'object');
    if (probes.length) v('probes', [probes[0]!], `${c.kind === 'sidecar' ? 'native sidecar ' : ''}must have ${probes.join(' and ')}`);
  }

  const image = parseImage(c.container.image);
  if (!image) v('image-pinned', ['image'], 'has no image');
  else if (!image.tag && !image.digest) v('image-pinned', ['image'], `image "${image.ref}" has no tag (it means :latest)`);
  else if (image.tag === 'latest') v('image-pinned', ['image'], `image "${image.ref}" uses the mutable tag "latest"`);
  else if (!image.digest)
    v('image-pinned', ['image'], `image "${image.ref}" is pinned by tag only; add @sha256:… for an immutable reference`, 'warning', { kind: 'tag-only-image', image: image.ref });
  return out;
}

function isQuantity(q: unknown): boolean {
  return (typeof q === 'string' && q.trim() !== '') || (typeof q === 'number' && Number.isFinite(q));
}

/** `registry:5000/path/name:tag@sha256:…` → tag and digest. */
export function parseImage(image: unknown): { ref: string; tag?: string; digest?: string } | undefined {
  if (typeof image !== 'string' || image.trim() === '') return undefined;
  const [name, digest] = image.split('@', 2) as [string, string | undefined];
  const lastSlash = name.lastIndexOf('/');
  const colon = name.indexOf(':', lastSlash + 1);
  const tag = colon >= 0 ? name.slice(colon + 1) : undefined;
  return { ref: image, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
}
