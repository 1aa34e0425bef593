/** Pod templates and containers of workload objects, with the JSON path of each. */
import type { KubeObject } from '../output/model.js';

// The gates read arbitrary plain JSON; fields are checked where they are used.
export type Json = any;

export type Path = readonly (string | number)[];

export interface PodTemplate {
  readonly object: KubeObject;
  /** The pod spec. */
  readonly spec: Json;
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
  readonly container: Json;
  readonly name: string;
  /** `sidecar`: an init container with `restartPolicy: Always` (runs as long as the pod). */
  readonly kind: ContainerKind;
  readonly path: Path;
}

/** Kinds whose pods keep running, with the path of their pod template. */
const TEMPLATES: Record<string, { path: Path; longRunning: boolean }> = {
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
      const spec = (object as Json).spec;
      if (spec && typeof spec === 'object') {
        const restart = spec.restartPolicy ?? 'Always';
        out.push({ object, spec, path: ['spec'], labels: labelsOf(object.metadata), longRunning: restart === 'Always' });
      }
      continue;
    }
    const t = TEMPLATES[object.kind];
    if (!t) continue;
    const template = at(object, t.path);
    if (!template || typeof template !== 'object' || !template.spec || typeof template.spec !== 'object') continue;
    out.push({ object, spec: template.spec, path: [...t.path, 'spec'], labels: labelsOf(template.metadata), longRunning: t.longRunning });
  }
  return out;
}

/** Containers, init containers (native sidecars marked) and ephemeral containers of a pod. */
export function containersOf(pod: PodTemplate): ContainerOf[] {
  const out: ContainerOf[] = [];
  const add = (field: string, kindOf: (c: Json) => ContainerKind) => {
    const list = pod.spec[field];
    if (!Array.isArray(list)) return;
    list.forEach((container: Json, i: number) => {
      if (!container || typeof container !== 'object') return;
      out.push({ pod, container, name: String(container.name), kind: kindOf(container), path: [...pod.path, field, i] });
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
export function at(value: unknown, path: Path): Json {
  let cur: Json = value;
  for (const s of path) cur = cur !== null && typeof cur === 'object' ? cur[s] : undefined;
  return cur;
}

function labelsOf(metadata: Json): Record<string, string> {
  const labels = metadata?.labels;
  return labels && typeof labels === 'object' ? labels : {};
}
