/** Pod templates and containers of workload objects, with the JSON path of each. */
import type * as k8s from '../../imports/k8s.js';
import type { KubeObject } from '../output/model.js';

/** A JSON object's fields, read defensively (each one may be anything). */
export type JsonObject = Readonly<Record<string, unknown>>;

/** Whether a JSON value is an object (not an array, not null). */
export function isJsonObject(v: unknown): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A JSON value's fields if it is an object, else undefined (for reading unchecked input). */
export function asJsonObject(v: unknown): JsonObject | undefined {
  return isJsonObject(v) ? v : undefined;
}

/** The items of a typed JSON list that are objects: a malformed list (or null item) reads as none. */
export function listOf<T extends object>(v: readonly T[] | undefined): T[] {
  return Array.isArray(v) ? v.filter((x: T): x is T => isJsonObject(x)) : [];
}

/** A typed JSON list read defensively: a malformed list reads as empty, an item may be missing. */
export function jsonList<T>(v: readonly T[] | undefined): readonly (T | undefined)[] {
  return Array.isArray(v) ? (v as readonly T[]) : [];
}

/** The strings of a JSON array (anything else is none). */
export function jsonStrings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x: unknown): x is string => typeof x === 'string') : [];
}

/** The objects of a JSON array (anything else is none). */
export function jsonObjects(v: unknown): JsonObject[] {
  return Array.isArray(v) ? v.filter(isJsonObject) : [];
}

export type Path = readonly (string | number)[];

export interface PodTemplate {
  readonly object: KubeObject;
  /** The pod spec. */
  readonly spec: k8s.PodSpec;
  /** Path of the pod spec inside the object, e.g. `['spec', 'template', 'spec']`. */
  readonly path: Path;
  /** Labels of the pods (the template's metadata.labels). */
  readonly labels: Readonly<Record<string, string>>;
  /** Pods that keep running (Deployment, StatefulSet, DaemonSet, ReplicaSet), not Jobs/CronJobs. */
  readonly longRunning: boolean;
}

export type ContainerKind = 'container' | 'init' | 'sidecar' | 'ephemeral';

export interface ContainerOf {
  readonly pod: PodTemplate;
  readonly container: k8s.Container;
  readonly name: string;
  /** `sidecar`: an init container with `restartPolicy: Always` (runs as long as the pod). */
  readonly kind: ContainerKind;
  readonly path: Path;
}

/** Kinds whose pods keep running, with the path of their pod template. */
const TEMPLATES: Partial<Record<string, { path: Path; longRunning: boolean }>> = {
  Deployment: { path: ['spec', 'template'], longRunning: true },
  StatefulSet: { path: ['spec', 'template'], longRunning: true },
  DaemonSet: { path: ['spec', 'template'], longRunning: true },
  ReplicaSet: { path: ['spec', 'template'], longRunning: true },
  Job: { path: ['spec', 'template'], longRunning: false },
  CronJob: { path: ['spec', 'jobTemplate', 'spec', 'template'], longRunning: false },
};

/** Built-in workload API groups (a CRD with the same kind is not a workload). */
const WORKLOAD_API = /^(apps|batch)\/v1$|^v1$/;

/** Every pod template of the objects (and bare Pods), in order. */
export function podTemplates(objects: readonly KubeObject[]): PodTemplate[] {
  const out: PodTemplate[] = [];
  for (const object of objects) {
    if (!WORKLOAD_API.test(object.apiVersion)) continue;
    if (object.kind === 'Pod' && object.apiVersion === 'v1') {
      const spec = object.spec;
      if (isJsonObject(spec)) {
        const restart = spec.restartPolicy ?? 'Always';
        out.push({ object, spec: spec as unknown as k8s.PodSpec, path: ['spec'], labels: labelsOf(object.metadata), longRunning: restart === 'Always' });
      }
      continue;
    }
    const t = TEMPLATES[object.kind];
    if (!t) continue;
    const template = at(object, t.path);
    if (!isJsonObject(template) || !isJsonObject(template.spec)) continue;
    out.push({ object, spec: template.spec as unknown as k8s.PodSpec, path: [...t.path, 'spec'], labels: labelsOf(template.metadata), longRunning: t.longRunning });
  }
  return out;
}

/** Containers, init containers (native sidecars marked) and ephemeral containers of a pod. */
export function containersOf(pod: PodTemplate): ContainerOf[] {
  const out: ContainerOf[] = [];
  const add = (field: 'initContainers' | 'containers' | 'ephemeralContainers', kindOf: (c: k8s.Container) => ContainerKind) => {
    const list: unknown = pod.spec[field];
    if (!Array.isArray(list)) return;
    // An ephemeral container has the fields of a container the gates read.
    list.forEach((item: unknown, i: number) => {
      if (!isJsonObject(item)) return;
      const container = item as unknown as k8s.Container;
      out.push({ pod, container, name: String(item.name), kind: kindOf(container), path: [...pod.path, field, i] });
    });
  };
  add('initContainers', (c) => (c.restartPolicy === 'Always' ? 'sidecar' : 'init'));
  add('containers', () => 'container');
  add('ephemeralContainers', () => 'ephemeral');
  return out;
}

/** Whether a container runs for the life of the pod (regular containers and native sidecars). */
export function runsAlongside(c: ContainerOf): boolean {
  return c.kind === 'container' || c.kind === 'sidecar';
}

/** The value at a path, or undefined. */
export function at(value: unknown, path: Path): unknown {
  let cur: unknown = value;
  for (const s of path) cur = cur !== null && typeof cur === 'object' ? (cur as Readonly<Record<string | number, unknown>>)[s] : undefined;
  return cur;
}

function labelsOf(metadata: unknown): Readonly<Record<string, string>> {
  const labels = isJsonObject(metadata) ? metadata.labels : undefined;
  return isJsonObject(labels) ? (labels as Readonly<Record<string, string>>) : {};
}
