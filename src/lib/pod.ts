import * as k8s from '../../imports/k8s.js';
import type { ResourcesConfig, SiteConfig } from '../config/types.js';
import { memoryRequestAboveLimit } from '../config/cross-field.js';
import { configPathOf } from '../config/schema.js';
import { ConfigError } from '../config/validate.js';
import { IMAGES } from './images.js';

/** Recommended labels; the selector uses only the stable `instance` + `name` pair. */
export function appLabels(name: string, instance: string = name): Record<string, string> {
  return {
    'app.kubernetes.io/name': name,
    'app.kubernetes.io/instance': instance,
    'app.kubernetes.io/part-of': 'media-stack',
  };
}

export function selectorLabels(name: string, instance: string = name): Record<string, string> {
  return { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': instance };
}

/** An environment value: a literal, or a key of a Secret. */
export type EnvValue = string | { readonly secret: string; readonly key: string; readonly optional?: boolean };

function envVars(env: Readonly<Record<string, EnvValue>>): k8s.EnvVar[] {
  return Object.entries(env).map(([name, v]) =>
    typeof v === 'string' ? { name, value: v } : { name, valueFrom: { secretKeyRef: { name: v.secret, key: v.key, ...(v.optional ? { optional: true } : {}) } } },
  );
}

export interface Port {
  readonly name: string;
  readonly port: number;
  /** @default 'TCP' */
  readonly protocol?: 'TCP' | 'UDP';
}

export interface Mount {
  readonly volume: string;
  readonly path: string;
  /** @default false */
  readonly readOnly?: boolean;
  /** @default - none (Kubernetes default) */
  readonly propagation?: 'HostToContainer' | 'Bidirectional';
  /** @default - the whole volume */
  readonly subPath?: string;
}

/** How kubelet checks a container. */
export type ProbeCheck = { readonly http: string; readonly port: number | string } | { readonly tcp: number | string } | { readonly exec: readonly string[] };

export interface ProbeOptions {
  /** What startup, readiness and liveness call. */
  readonly check: ProbeCheck;
  /**
   * Liveness check when it must differ (e.g. not depending on a database).
   * @default - same as `check`
   */
  readonly livenessCheck?: ProbeCheck;
  /** Startup budget in seconds (periodSeconds 10). @default 300 */
  readonly startupSeconds?: number;
  /** @default 10 */
  readonly periodSeconds?: number;
}

function probeHandler(c: ProbeCheck): Partial<k8s.Probe> {
  const port = (p: number | string) => (typeof p === 'number' ? k8s.IntOrString.fromNumber(p) : k8s.IntOrString.fromString(p));
  if ('http' in c) return { httpGet: { path: c.http, port: port(c.port) } };
  if ('tcp' in c) return { tcpSocket: { port: port(c.tcp) } };
  return { exec: { command: [...c.exec] } };
}

/** Startup (generous budget), readiness and liveness probes from one check. */
function probes(o: ProbeOptions): Pick<k8s.Container, 'startupProbe' | 'readinessProbe' | 'livenessProbe'> {
  const period = o.periodSeconds ?? 10;
  const startup = o.startupSeconds ?? 300;
  return {
    startupProbe: { ...probeHandler(o.check), periodSeconds: 10, timeoutSeconds: 5, failureThreshold: Math.max(1, Math.ceil(startup / 10)) },
    readinessProbe: { ...probeHandler(o.check), periodSeconds: period, timeoutSeconds: 5, failureThreshold: 3 },
    livenessProbe: { ...probeHandler(o.livenessCheck ?? o.check), periodSeconds: period * 3, timeoutSeconds: 5, failureThreshold: 5 },
  };
}

/** Requests CPU and memory and limits memory only: CPU limits throttle transcodes and imports. */
function resources(r: ResourcesConfig, extended: Record<string, number> = {}, claims: readonly string[] = []): k8s.ResourceRequirements {
  const ext = Object.fromEntries(Object.entries(extended).map(([k, v]) => [k, k8s.Quantity.fromNumber(v)]));
  return {
    requests: { cpu: k8s.Quantity.fromString(r.cpuRequest), memory: k8s.Quantity.fromString(r.memoryRequest), ...ext },
    limits: { memory: k8s.Quantity.fromString(r.memoryLimit), ...ext },
    ...(claims.length ? { claims: claims.map((name) => ({ name })) } : {}),
  };
}

/** Resources of a short shell step (busybox init containers). */
export const SHELL_STEP_RESOURCES: ResourcesConfig = { cpuRequest: '10m', memoryRequest: '16Mi', memoryLimit: '64Mi' };

/** Merges operator overrides over an app's default resources; a request above the resulting limit is a config error. */
export function withOverrides(defaults: ResourcesConfig, override?: Partial<ResourcesConfig>): ResourcesConfig {
  const merged: ResourcesConfig = { ...defaults, ...Object.fromEntries(Object.entries<string | undefined>(override ?? {}).filter(([, v]) => v !== undefined)) };
  const err = override && memoryRequestAboveLimit(merged.memoryRequest, merged.memoryLimit);
  if (err) {
    const at = configPathOf(override) ?? 'resources';
    const [path, detail] = override.memoryRequest ? [`${at}.memoryRequest`, err] : [`${at}.memoryLimit`, `${err} (the app's default request is ${merged.memoryRequest})`];
    throw new ConfigError([{ path, message: detail }]);
  }
  return merged;
}

/**
 * Container privileges. The default is the hardened profile (non-root, no escalation, no
 * capabilities, read-only root filesystem); every relaxation is explicit and explained by the
 * caller with a security exception.
 */
export interface ContainerSecurity {
  /** @default true */
  readonly readOnlyRootFilesystem?: boolean;
  /** Run as root (image's own user switching, e.g. s6-overlay). @default false */
  readonly runAsRoot?: boolean;
  /** Capabilities to add after dropping ALL. @default [] */
  readonly addCapabilities?: readonly string[];
  /** Drop ALL capabilities first. @default true */
  readonly dropAll?: boolean;
  /** Fully privileged container (device access and Bidirectional mount propagation). @default false */
  readonly privileged?: boolean;
  /** @default false */
  readonly allowPrivilegeEscalation?: boolean;
  /**
   * Run this container as the given user/group, for a non-root container in a pod that starts
   * as root. @default - the pod's user
   */
  readonly runAs?: { readonly uid: number; readonly gid: number };
}

export function containerSecurityContext(s: ContainerSecurity = {}): k8s.SecurityContext {
  const privileged = s.privileged ?? false;
  return {
    allowPrivilegeEscalation: privileged || (s.allowPrivilegeEscalation ?? false),
    readOnlyRootFilesystem: s.readOnlyRootFilesystem ?? true,
    ...(privileged ? { privileged: true } : {}),
    ...(s.runAsRoot ? { runAsNonRoot: false, runAsUser: 0, runAsGroup: 0 } : {}),
    ...(s.runAs && !s.runAsRoot ? { runAsNonRoot: true, runAsUser: s.runAs.uid, runAsGroup: s.runAs.gid } : {}),
    ...((s.dropAll ?? true) || s.addCapabilities?.length
      ? {
          capabilities: {
            ...((s.dropAll ?? true) ? { drop: ['ALL'] } : {}),
            ...(s.addCapabilities?.length ? { add: [...s.addCapabilities] } : {}),
          },
        }
      : {}),
  };
}

export interface ContainerProps {
  readonly name: string;
  readonly image: string;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly ports?: readonly Port[];
  readonly env?: Readonly<Record<string, EnvValue>>;
  readonly mounts?: readonly Mount[];
  readonly probes?: ProbeOptions;
  readonly resources: ResourcesConfig;
  /** Extended resources such as `gpu.intel.com/i915`, requested = limited. @default {} */
  readonly extendedResources?: Record<string, number>;
  /** Names of the pod's `resourceClaims` (DRA devices) the container uses. @default [] */
  readonly claims?: readonly string[];
  readonly security?: ContainerSecurity;
  /** `Always` makes an init container a native sidecar. @default - none */
  readonly restartPolicy?: 'Always';
  readonly lifecycle?: k8s.Lifecycle;
}

export function container(p: ContainerProps): k8s.Container {
  return {
    name: p.name,
    image: p.image,
    imagePullPolicy: 'IfNotPresent',
    ...(p.command ? { command: [...p.command] } : {}),
    ...(p.args ? { args: [...p.args] } : {}),
    ...(p.ports?.length ? { ports: p.ports.map((x) => ({ name: x.name, containerPort: x.port, protocol: x.protocol ?? 'TCP' })) } : {}),
    ...(p.env && Object.keys(p.env).length ? { env: envVars(p.env) } : {}),
    ...(p.mounts?.length
      ? {
          volumeMounts: p.mounts.map((m) => ({
            name: m.volume,
            mountPath: m.path,
            ...(m.readOnly ? { readOnly: true } : {}),
            ...(m.propagation ? { mountPropagation: m.propagation } : {}),
            ...(m.subPath ? { subPath: m.subPath } : {}),
          })),
        }
      : {}),
    ...(p.probes ? probes(p.probes) : {}),
    resources: resources(p.resources, p.extendedResources, p.claims),
    securityContext: containerSecurityContext(p.security),
    ...(p.restartPolicy ? { restartPolicy: p.restartPolicy } : {}),
    ...(p.lifecycle ? { lifecycle: p.lifecycle } : {}),
  };
}

export interface PodProps {
  readonly containers: readonly k8s.Container[];
  readonly initContainers?: readonly k8s.Container[];
  readonly volumes?: readonly k8s.Volume[];
  readonly affinity?: k8s.Affinity;
  readonly tolerations?: readonly k8s.Toleration[];
  readonly nodeSelector?: Readonly<Record<string, string>>;
  /** Extra groups (e.g. the host's render group for /dev/dri). @default [] */
  readonly supplementalGroups?: readonly number[];
  /** The pod starts as root (s6-overlay images drop to PUID/PGID themselves). @default false */
  readonly startsAsRoot?: boolean;
  /** @default 30 */
  readonly terminationGracePeriodSeconds?: number;
  /**
   * Namespaced sysctls of the pod. Anything outside kubelet's safe list needs
   * `--allowed-unsafe-sysctls` on every node (the security gate and the synth summary say so).
   * @default []
   */
  readonly sysctls?: readonly { readonly name: string; readonly value: string }[];
  readonly serviceAccountName?: string;
  readonly priorityClassName?: string;
  /** DRA claims of the pod, which its containers name in `claims`. @default [] */
  readonly resourceClaims?: readonly k8s.PodResourceClaim[];
}

/**
 * The pod spec every app shares: UID/GID/fsGroup from the config, seccomp RuntimeDefault, no
 * service links (Decypharr crashes on the injected `DECYPHARR_PORT=tcp://…`), no API token.
 */
export function podSpec(cfg: SiteConfig, p: PodProps): k8s.PodSpec {
  const prepare = hostDirsInitContainer(cfg, p.volumes ?? []);
  const initContainers = [...(prepare ? [prepare] : []), ...(p.initContainers ?? [])];
  return {
    enableServiceLinks: false,
    automountServiceAccountToken: false,
    ...(p.serviceAccountName ? { serviceAccountName: p.serviceAccountName } : {}),
    ...(p.priorityClassName ? { priorityClassName: p.priorityClassName } : {}),
    securityContext: {
      ...(p.startsAsRoot ? {} : { runAsNonRoot: true, runAsUser: cfg.uid, runAsGroup: cfg.gid }),
      fsGroup: cfg.gid,
      fsGroupChangePolicy: 'OnRootMismatch',
      ...(p.supplementalGroups?.length ? { supplementalGroups: [...p.supplementalGroups] } : {}),
      seccompProfile: { type: 'RuntimeDefault' },
      ...(p.sysctls?.length ? { sysctls: p.sysctls.map((s) => ({ ...s })) } : {}),
    },
    terminationGracePeriodSeconds: p.terminationGracePeriodSeconds ?? 30,
    ...(p.nodeSelector ? { nodeSelector: { ...p.nodeSelector } } : {}),
    ...(p.affinity ? { affinity: p.affinity } : {}),
    ...(p.tolerations?.length ? { tolerations: [...p.tolerations] } : {}),
    ...(initContainers.length ? { initContainers } : {}),
    containers: [...p.containers],
    ...(p.volumes?.length ? { volumes: [...p.volumes] } : {}),
    ...(p.resourceClaims?.length ? { resourceClaims: [...p.resourceClaims] } : {}),
  };
}

/** Name of the init container that hands host directories to the stack user. */
export const PREPARE_HOST_DIRS = 'prepare-host-dirs';

/**
 * In the single-node layout the volumes are host directories. kubelet creates a missing
 * `DirectoryOrCreate` path as root with mode 0755 and never applies fsGroup to host paths, so a
 * non-root app could not write its own config folder. This init container (root, CHOWN only)
 * gives each host directory under the data root to UID:GID once; it leaves the directory alone
 * when it already belongs to them and never recurses into existing data.
 */
function hostDirsInitContainer(cfg: SiteConfig, volumes: readonly k8s.Volume[]): k8s.Container | undefined {
  if (cfg.storage.mode !== 'hostPath') return undefined;
  const owned = volumes.filter((v) => v.hostPath?.path.startsWith(`${cfg.storage.hostPathRoot}/`));
  if (owned.length === 0) return undefined;
  const want = `${cfg.uid}:${cfg.gid}`;
  return container({
    name: PREPARE_HOST_DIRS,
    image: IMAGES.busybox,
    command: ['sh', '-c', owned.map((v) => `[ "$(stat -c %u:%g /host/${v.name})" = "${want}" ] || chown ${want} /host/${v.name}`).join('\n')],
    mounts: owned.map((v) => ({ volume: v.name, path: `/host/${v.name}` })),
    resources: SHELL_STEP_RESOURCES,
    security: { runAsRoot: true, addCapabilities: ['CHOWN'] },
  });
}
