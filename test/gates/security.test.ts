import { describe, expect, it } from 'vitest';
import { checkSecurity, SECURITY_RULES, type GateFinding, type SecurityException } from '../../src/gates/index.js';
import { parseImage } from '../../src/gates/security.js';
import { asObjects, cleanApp, NS, serviceAccount, statefulSet, type Obj } from './fixtures.js';

const STS = `StatefulSet/${NS}/sonarr`;
const check = (objects: Obj[], securityExceptions: SecurityException[] = []) => checkSecurity(asObjects(objects), { securityExceptions });
const errors = (findings: GateFinding[]) => findings.filter((f) => f.severity === 'error');
/** `rule container path` of each error. */
const fired = (findings: GateFinding[]) => errors(findings).map((f) => `${/^\[([a-z-]+)\]/.exec(f.message)?.[1]} ${/container "([^"]+)"/.exec(f.message)?.[1] ?? '-'} ${f.path}`);
const podOf = (sts: Obj) => sts.spec.template.spec;
const main = (sts: Obj) => podOf(sts).containers[0];
const sidecar = (sts: Obj) => podOf(sts).initContainers[0];
const C = 'spec.template.spec.containers[0]';
const S = 'spec.template.spec.initContainers[0]';

/** A CronJob running the hardened sonarr container (jobs need no probes). */
function cronJob(): Obj {
  const pod = podOf(statefulSet());
  const { livenessProbe: _l, readinessProbe: _r, ...container } = pod.containers[0];
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'backup', namespace: NS },
    spec: { schedule: '0 3 * * *', jobTemplate: { spec: { template: { spec: { ...pod, initContainers: [], restartPolicy: 'OnFailure', containers: [container] } } } } },
  };
}

describe('security gate', () => {
  it('passes the hardened app (pod-level runAsNonRoot and seccomp count for every container)', () => {
    expect(check(cleanApp())).toEqual([]);
    expect(check([cronJob()])).toEqual([]);
  });

  it('knows every rule id', () => {
    expect([...SECURITY_RULES].sort()).toEqual(
      [
        'drop-all-capabilities',
        'image-pinned',
        'no-host-path',
        'no-privilege-escalation',
        'no-privileged',
        'no-sa-token',
        'no-service-links',
        'no-unsafe-sysctls',
        'probes',
        'read-only-root-filesystem',
        'resources',
        'run-as-non-root',
        'seccomp-runtime-default',
      ].sort(),
    );
  });

  it('no-unsafe-sysctls fires on a sysctl kubelet does not allow by default, and not on a safe one', () => {
    const sts = statefulSet();
    podOf(sts).securityContext.sysctls = [
      { name: 'net.ipv4.ip_unprivileged_port_start', value: '0' },
      { name: 'net.ipv4.conf.all.rp_filter', value: '2' },
    ];
    expect(fired(check([sts]))).toEqual(['no-unsafe-sysctls - spec.template.spec.securityContext.sysctls[1]']);
    const reason = 'ProtonWire needs loose reverse-path filtering for its WireGuard routing';
    expect(check([sts], [{ kind: 'StatefulSet', name: 'sonarr', rules: ['no-unsafe-sysctls'], reason }])).toEqual([]);
  });

  it('run-as-non-root fires without runAsNonRoot, when a container overrides it, and for UID 0', () => {
    const sts = statefulSet();
    delete podOf(sts).securityContext.runAsNonRoot;
    expect(fired(check([sts]))).toEqual([`run-as-non-root log-shipper ${S}.securityContext.runAsNonRoot`, `run-as-non-root sonarr ${C}.securityContext.runAsNonRoot`]);
    const override = statefulSet();
    main(override).securityContext.runAsNonRoot = false;
    sidecar(override).securityContext.runAsUser = 0;
    expect(fired(check([override]))).toEqual([`run-as-non-root log-shipper ${S}.securityContext.runAsUser`, `run-as-non-root sonarr ${C}.securityContext.runAsNonRoot`]);
  });

  it('no-privilege-escalation, read-only-root-filesystem and no-privileged fire per container', () => {
    const sts = statefulSet();
    delete main(sts).securityContext.allowPrivilegeEscalation;
    sidecar(sts).securityContext.readOnlyRootFilesystem = false;
    main(sts).securityContext.privileged = true;
    expect(fired(check([sts]))).toEqual([
      `read-only-root-filesystem log-shipper ${S}.securityContext.readOnlyRootFilesystem`,
      `no-privileged sonarr ${C}.securityContext.privileged`,
      `no-privilege-escalation sonarr ${C}.securityContext.allowPrivilegeEscalation`,
    ]);
  });

  it('drop-all-capabilities fires without drop ALL and for added capabilities other than NET_BIND_SERVICE', () => {
    const sts = statefulSet();
    main(sts).securityContext.capabilities = { drop: ['NET_RAW'] };
    sidecar(sts).securityContext.capabilities.add = ['NET_BIND_SERVICE', 'SYS_ADMIN'];
    const found = errors(check([sts]));
    expect(fired(found)).toEqual([
      `drop-all-capabilities log-shipper ${S}.securityContext.capabilities.add`,
      `drop-all-capabilities sonarr ${C}.securityContext.capabilities.drop`,
    ]);
    expect(found[0]!.message).toBe('[drop-all-capabilities] container "log-shipper": adds capabilities SYS_ADMIN (only NET_BIND_SERVICE may be added back)');
  });

  it('seccomp-runtime-default fires without a profile and when a container overrides the pod with Unconfined; Localhost is accepted', () => {
    const sts = statefulSet();
    main(sts).securityContext.seccompProfile = { type: 'Unconfined' };
    sidecar(sts).securityContext.seccompProfile = { type: 'Localhost', localhostProfile: 'profiles/shipper.json' };
    expect(fired(check([sts]))).toEqual([`seccomp-runtime-default sonarr ${C}.securityContext.seccompProfile`]);
    const none = statefulSet();
    delete podOf(none).securityContext.seccompProfile;
    expect(fired(check([none]))).toHaveLength(2);
  });

  it('resources fires for a missing cpu request or memory limit, also on init containers', () => {
    const sts = statefulSet();
    delete main(sts).resources.limits;
    podOf(sts).initContainers.push({ ...sidecar(sts), name: 'migrate', restartPolicy: undefined, resources: { requests: { memory: '16Mi' }, limits: { memory: '32Mi' } } });
    const found = errors(check([sts]));
    expect(found.map((f) => f.message)).toEqual(['[resources] container "migrate": must set requests.cpu', '[resources] container "sonarr": must set limits.memory']);
    expect(found[1]!.path).toBe(`${C}.resources`);
  });

  it('probes fires for long-running containers and native sidecars, not for init containers or CronJobs', () => {
    const sts = statefulSet();
    delete main(sts).readinessProbe;
    delete sidecar(sts).livenessProbe;
    const { livenessProbe: _l, readinessProbe: _r, ...plainInit } = sidecar(statefulSet());
    podOf(sts).initContainers.push({ ...plainInit, name: 'migrate', restartPolicy: undefined });
    expect(errors(check([sts])).map((f) => f.message)).toEqual([
      '[probes] container "log-shipper": native sidecar must have livenessProbe',
      '[probes] container "sonarr": must have readinessProbe',
    ]);
    const deployment = { ...statefulSet(), kind: 'Deployment' };
    delete main(deployment).livenessProbe;
    delete main(deployment).readinessProbe;
    expect(fired(check([deployment]))).toEqual([`probes sonarr ${C}.livenessProbe`]);
    expect(check([cronJob()])).toEqual([]);
  });

  it('image-pinned fails latest and untagged images, warns about a tag without digest, accepts a digest', () => {
    const sts = statefulSet();
    main(sts).image = 'ghcr.io/home-operations/sonarr:latest';
    sidecar(sts).image = 'registry.homelab:5000/tools/log-shipper';
    expect(errors(check([sts])).map((f) => f.message)).toEqual([
      '[image-pinned] container "log-shipper": image "registry.homelab:5000/tools/log-shipper" has no tag (it means :latest)',
      '[image-pinned] container "sonarr": image "ghcr.io/home-operations/sonarr:latest" uses the mutable tag "latest"',
    ]);
    const tagged = statefulSet();
    main(tagged).image = 'ghcr.io/home-operations/sonarr:4.0.19.3001';
    sidecar(tagged).image = `ghcr.io/example/log-shipper@sha256:${'c'.repeat(64)}`;
    expect(check([tagged])).toEqual([
      {
        gate: 'security',
        severity: 'warning',
        object: STS,
        path: `${C}.image`,
        message: expect.stringContaining('pinned by tag only'),
        rule: 'image-pinned',
        data: { kind: 'tag-only-image', image: 'ghcr.io/home-operations/sonarr:4.0.19.3001' },
      },
    ]);
    expect(parseImage('registry:5000/a/b:1.2@sha256:abc')).toEqual({ ref: 'registry:5000/a/b:1.2@sha256:abc', tag: '1.2', digest: 'sha256:abc' });
  });

  it('no-service-links, no-sa-token and no-host-path fire on the pod', () => {
    const sts = statefulSet();
    delete podOf(sts).enableServiceLinks;
    podOf(sts).automountServiceAccountToken = true;
    podOf(sts).volumes.push({ name: 'dri', hostPath: { path: '/dev/dri', type: 'Directory' } });
    expect(fired(check([sts]))).toEqual([
      'no-service-links - spec.template.spec.enableServiceLinks',
      'no-sa-token - spec.template.spec.automountServiceAccountToken',
      'no-host-path - spec.template.spec.volumes[3].hostPath',
    ]);
  });

  it('no-sa-token follows the ServiceAccount when the pod leaves the field unset', () => {
    const sts = statefulSet();
    delete podOf(sts).automountServiceAccountToken;
    expect(check([sts, serviceAccount()])).toEqual([]);
    expect(fired(check([sts, { ...serviceAccount(), automountServiceAccountToken: true }]))).toEqual(['no-sa-token - spec.template.spec.automountServiceAccountToken']);
    expect(fired(check([sts]))).toHaveLength(1);
  });
});

describe('security exceptions', () => {
  /** Breaks run-as-non-root and read-only-root-filesystem in both containers. */
  function rootApp(): Obj {
    const sts = statefulSet();
    delete podOf(sts).securityContext.runAsNonRoot;
    main(sts).securityContext.readOnlyRootFilesystem = false;
    sidecar(sts).securityContext.readOnlyRootFilesystem = false;
    return sts;
  }
  const reason = 's6-overlay starts as root and writes /run';

  it('suppress exactly the named rule of the named container', () => {
    const found = check([rootApp()], [{ kind: 'StatefulSet', name: 'sonarr', container: 'sonarr', rules: ['run-as-non-root'], reason }]);
    expect(fired(found)).toEqual([
      `run-as-non-root log-shipper ${S}.securityContext.runAsNonRoot`,
      `read-only-root-filesystem log-shipper ${S}.securityContext.readOnlyRootFilesystem`,
      `read-only-root-filesystem sonarr ${C}.securityContext.readOnlyRootFilesystem`,
    ]);
  });

  it('without a container cover every container of the object, and pod-level rules', () => {
    const sts = rootApp();
    podOf(sts).volumes.push({ name: 'dri', hostPath: { path: '/dev/dri' } });
    expect(check([sts], [{ kind: 'StatefulSet', name: 'sonarr', rules: ['run-as-non-root', 'read-only-root-filesystem', 'no-host-path'], reason }])).toEqual([]);
  });

  it('do not cover another object of the same name or kind', () => {
    const other = { ...rootApp(), kind: 'Deployment' };
    expect(fired(check([other], [{ kind: 'StatefulSet', name: 'sonarr', rules: ['run-as-non-root', 'read-only-root-filesystem'], reason }]))).toHaveLength(4);
  });

  it('limited to a container do not cover pod-level rules', () => {
    const sts = statefulSet();
    podOf(sts).volumes.push({ name: 'dri', hostPath: { path: '/dev/dri' } });
    expect(fired(check([sts], [{ kind: 'StatefulSet', name: 'sonarr', container: 'sonarr', rules: ['no-host-path'], reason }]))).toEqual([
      'no-host-path - spec.template.spec.volumes[3].hostPath',
    ]);
  });

  it('without a reason suppress nothing and are reported', () => {
    const found = check([rootApp()], [{ kind: 'StatefulSet', name: 'sonarr', rules: ['run-as-non-root', 'read-only-root-filesystem'], reason: '  ' }]);
    expect(fired(found)).toHaveLength(5);
    expect(errors(found).map((f) => f.message)).toContain('security exception for run-as-non-root, read-only-root-filesystem has no reason and is ignored');
  });

  it('warn when a rule is unknown or no longer suppresses anything', () => {
    const found = check(cleanApp(), [
      { kind: 'StatefulSet', name: 'sonarr', rules: ['run-as-root'], reason },
      { kind: 'StatefulSet', name: 'sonarr', container: 'sonarr', rules: ['no-privileged'], reason },
    ]);
    expect(found).toEqual([
      { gate: 'security', severity: 'warning', object: STS, message: expect.stringContaining('names unknown rule(s) run-as-root') },
      {
        gate: 'security',
        severity: 'warning',
        object: STS,
        message: 'security exception (container "sonarr") for no-privileged suppresses nothing; remove the rule(s) or fix kind/name/container',
      },
    ]);
  });
});
