import { ApiObject } from 'cdk8s';
import { objectRef } from '../gates/findings.js';
import { Component, fileNameOf, type SecurityException } from '../lib/component.js';
import { uniqueFileName } from '../output/layout.js';
import type { KubeObject, PlacedObject } from '../output/model.js';
import type { SecretRequest } from '../secrets/model.js';

/** The constructed components as plain objects in their output files, and what they declared. */
export interface Placement {
  /** Every object of the components, as JSON, with its file below the cluster root. */
  readonly objects: readonly PlacedObject[];
  /** The Secrets the components declared, with the file each is written to. */
  readonly secretRequests: readonly SecretRequest[];
  readonly securityExceptions: readonly SecurityException[];
  /** `objectRef` → the Flux Kustomization that applies the object (the behaviour gate maps `wait` to workloads). */
  readonly fluxScope: ReadonlyMap<string, string>;
}

/**
 * Stage "place": serializes every ApiObject of each component once and gives it a file in the
 * component's manifest folder (`<root>/<dir>/app/…`, see `Component.manifestDir`; the name set with `setFileName`, else `<kind>.yaml`, made
 * unique per folder), and gives each declared Secret its file the same way.
 */
export function place(components: readonly Component[], root: string): Placement {
  const objects: PlacedObject[] = [];
  const secretRequests: SecretRequest[] = [];
  const securityExceptions: SecurityException[] = [];
  const fluxScope = new Map<string, string>();
  const taken = new Map<string, Set<string>>();
  for (const component of components) {
    const dir = `${root}/${component.manifestDir}`;
    const names = taken.get(dir) ?? new Set<string>();
    taken.set(dir, names);
    for (const obj of component.node.findAll()) {
      if (!(obj instanceof ApiObject) || Component.of(obj) !== component) continue;
      const json = obj.toJson() as KubeObject;
      const file = uniqueFileName(names, fileNameOf(obj) ?? `${json.kind.toLowerCase()}.yaml`, json.kind, json.metadata.name);
      objects.push({ object: json, path: `${dir}/${file}` });
      fluxScope.set(objectRef(json), component.fluxName);
    }
    for (const s of component.secrets) {
      const file = uniqueFileName(names, s.fileName, 'Secret', s.name);
      secretRequests.push({ name: s.name, namespace: component.namespace, keys: s.keys, path: `${dir}/${file}`, labels: { 'app.kubernetes.io/part-of': 'media-stack' } });
    }
    securityExceptions.push(...component.securityExceptions);
  }
  return { objects, secretRequests, securityExceptions, fluxScope };
}

/** Two placements of distinct folders as one (the second's objects after the first's). */
export function joinPlacements(a: Placement, b: Placement): Placement {
  return {
    objects: [...a.objects, ...b.objects],
    secretRequests: [...a.secretRequests, ...b.secretRequests],
    securityExceptions: [...a.securityExceptions, ...b.securityExceptions],
    fluxScope: new Map([...a.fluxScope, ...b.fluxScope]),
  };
}
