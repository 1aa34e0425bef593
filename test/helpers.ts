import { resolveConfig, type StackConfigInput } from '../src/stack-config.js';
import type { KubeObject } from '../src/output/model.js';
import { constructStack } from '../src/pipeline/construct.js';

/**
 * The plain objects of a config as the synth's first stages make them (construct → place →
 * network policies; no secrets, no files). `stack.components` are every folder, the
 * NetworkPolicies folder last.
 */
export function objectsOf(input: StackConfigInput = {}): { objects: KubeObject[]; find: (kind: string, name: string) => any; stack: ReturnType<typeof constructStack>['stack'] } {
  const { stack, placement } = constructStack(resolveConfig(input));
  const objects = placement.objects.map((p) => p.object);
  const find = (kind: string, name: string) => {
    const hit = objects.find((o) => o.kind === kind && o.metadata.name === name);
    if (!hit) throw new Error(`no ${kind}/${name} among ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
    return hit as any;
  };
  return { objects, find, stack };
}

/** The pod spec of a workload object. */
export function podOf(obj: any): any {
  return obj.spec.jobTemplate ? obj.spec.jobTemplate.spec.template.spec : obj.spec.template.spec;
}

export function containerOf(obj: any, name: string): any {
  const pod = podOf(obj);
  const c = [...(pod.initContainers ?? []), ...pod.containers].find((x: any) => x.name === name);
  if (!c) throw new Error(`no container ${name}`);
  return c;
}

export function envOf(container: any): Record<string, any> {
  return Object.fromEntries((container.env ?? []).map((e: any) => [e.name, e.value ?? e.valueFrom]));
}
