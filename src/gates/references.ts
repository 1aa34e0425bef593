/**
 * Reference integrity: every name an object uses (Secrets, ConfigMaps, volumes, Services,
 * ServiceAccounts, PersistentVolumes, Flux Kustomizations, namespaces…) resolves to an object in
 * the output or to one declared external, and no two objects share kind, namespace and name.
 */
import type { KubeObject } from '../output/model.js';
import { jsonPath, objectRef, type GateFinding, type GateOptions } from './findings.js';
import { isNamespaced, metadataOf, ObjectIndex } from './object-index.js';
import { asJsonObject, at, containersOf, jsonList, podTemplates, type Path, type PodTemplate } from './pod-specs.js';

type Report = (object: KubeObject, path: Path | undefined, message: string, severity?: GateFinding['severity']) => void;

const BUILT_IN_PRIORITY_CLASSES = new Set(['system-cluster-critical', 'system-node-critical']);

export function checkReferences(objects: readonly KubeObject[], opts: GateOptions = {}): GateFinding[] {
  const findings: GateFinding[] = [];
  const report: Report = (object, path, message, severity = 'error') =>
    findings.push({ gate: 'references', severity, object: objectRef(object), ...(path ? { path: jsonPath(path) } : {}), message });
  const index = new ObjectIndex(objects, opts.external);
  const pods = podTemplates(objects);
  const podsSelectedBy = podSelection(pods);

  for (const group of index.groups()) {
    for (const dup of group.slice(1)) report(dup, ['metadata', 'name'], `duplicate ${objectRef(dup)}: ${group.length} objects share kind, namespace and name`);
  }
  for (const o of objects) checkNamespace(o, index, report);
  for (const o of objects) {
    // Not trusted to be a string: the schema gate reports a malformed apiVersion, this one must not throw.
    const apiVersion: unknown = o.apiVersion;
    if (o.kind === 'Service' && apiVersion === 'v1') checkService(o, podsSelectedBy, report);
    else if (o.kind === 'Ingress' && apiVersion === 'networking.k8s.io/v1') checkIngress(o, index, report);
    else if (o.kind === 'HTTPRoute' && apiVersion === 'gateway.networking.k8s.io/v1') checkHttpRoute(o, index, report);
    else if (o.kind === 'Certificate' && apiVersion === 'cert-manager.io/v1') checkCertificate(o, index, report);
    else if (o.kind === 'PersistentVolumeClaim' && apiVersion === 'v1') checkClaim(o, ['spec'], index, report);
    else if (o.kind === 'PersistentVolume' && apiVersion === 'v1') checkVolume(o, index, report);
    else if (o.kind === 'StatefulSet' && apiVersion === 'apps/v1') checkStatefulSet(o, index, report);
    else if (o.kind === 'Kustomization' && String(apiVersion).startsWith('kustomize.toolkit.fluxcd.io/')) checkFluxKustomization(o, index, report);
    else if (o.kind === 'ExternalSecret' && String(apiVersion).startsWith('external-secrets.io/')) checkExternalSecret(o, index, report);
  }
  for (const pod of pods) checkPod(pod, index, report);
  checkDependsOnCycles(objects, report);
  return findings;
}

function checkNamespace(o: KubeObject, index: ObjectIndex, report: Report): void {
  const ns = metadataOf(o)?.namespace;
  if (!isNamespaced(o.kind)) {
    if (ns) report(o, ['metadata', 'namespace'], `${o.kind} is cluster-scoped; the namespace "${ns}" is ignored`, 'warning');
    return;
  }
  if (!ns) report(o, ['metadata', 'namespace'], `namespaced ${o.kind} has no namespace (it would land in whatever namespace applies it)`);
  else if (!index.namespaces.has(ns)) report(o, ['metadata', 'namespace'], `namespace "${ns}" is neither a Namespace in the output nor declared external`);
}

/** Every selector label (and value) is among the labels. */
function selects(selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

type PodSelection = (namespace: string | undefined, selector: Readonly<Record<string, string>>) => PodTemplate[];

/**
 * The pod templates a selector selects in a namespace, in output order. Candidates come from an
 * index by one label (namespace, key and value): filtering every pod for every Service was
 * quadratic in the number of workloads.
 */
function podSelection(pods: readonly PodTemplate[]): PodSelection {
  const byLabel = new Map<string, PodTemplate[]>();
  const labelKey = (ns: unknown, k: string, v: unknown) => `${String(ns)}\0${k}\0${String(v)}`;
  for (const p of pods) {
    for (const [k, v] of Object.entries(p.labels)) {
      const key = labelKey(p.object.metadata.namespace, k, v);
      const list = byLabel.get(key);
      if (list) list.push(p);
      else byLabel.set(key, [p]);
    }
  }
  return (ns, selector) => {
    const [k, v] = Object.entries(selector)[0]!;
    return (byLabel.get(labelKey(ns, k, v)) ?? []).filter((p) => p.object.metadata.namespace === ns && selects(selector, p.labels));
  };
}

/** The fields the gate reads, as written: lists may hold nulls, and malformed values read as absent. */
interface ServicePortJson {
  readonly name?: string;
  readonly port?: number;
  readonly targetPort?: unknown;
}
interface ServiceJson extends KubeObject {
  readonly spec?: { readonly type?: string; readonly selector?: Readonly<Record<string, string>>; readonly ports?: readonly (ServicePortJson | undefined)[] };
}
interface BackendJson {
  readonly service?: { readonly name?: string; readonly port?: { readonly number?: number; readonly name?: string } };
}
interface IngressJson extends KubeObject {
  readonly spec?: {
    readonly defaultBackend?: BackendJson;
    readonly rules?: readonly ({ readonly http?: { readonly paths?: readonly ({ readonly backend?: BackendJson } | undefined)[] } } | undefined)[];
  };
}
interface HttpRouteJson extends KubeObject {
  readonly spec?: {
    readonly parentRefs?: readonly ({ readonly group?: string; readonly kind?: string; readonly name?: string; readonly namespace?: string } | undefined)[];
    readonly rules?: readonly (
      | {
          readonly backendRefs?: readonly (
            { readonly group?: string; readonly kind?: string; readonly name?: string; readonly namespace?: string; readonly port?: number } | undefined
          )[];
          readonly filters?: readonly ({ readonly extensionRef?: { readonly group?: string; readonly kind?: string; readonly name?: string } } | undefined)[];
        }
      | undefined
    )[];
  };
}
interface CertificateJson extends KubeObject {
  readonly spec?: { readonly issuerRef?: { readonly group?: string; readonly kind?: string; readonly name?: string } };
}
interface ClaimSpecJson {
  readonly volumeName?: string;
  readonly storageClassName?: unknown;
}
interface PersistentVolumeJson extends KubeObject {
  readonly spec?: { readonly claimRef?: { readonly name?: string; readonly namespace?: string } };
}
interface StatefulSetJson extends KubeObject {
  readonly spec?: { readonly serviceName?: unknown; readonly volumeClaimTemplates?: readonly ({ readonly metadata?: { readonly name?: string } } | undefined)[] };
}
interface ObjectRefJson {
  readonly kind?: string;
  readonly name?: string;
  readonly namespace?: string;
}
interface FluxKustomizationJson extends KubeObject {
  readonly spec?: {
    readonly dependsOn?: readonly (ObjectRefJson | undefined)[];
    readonly sourceRef?: ObjectRefJson;
    readonly decryption?: { readonly secretRef?: { readonly name?: unknown } };
    readonly healthChecks?: readonly (ObjectRefJson | undefined)[];
  };
}
interface ExternalSecretJson extends KubeObject {
  readonly spec?: { readonly secretStoreRef?: { readonly name?: string; readonly kind?: string } };
}

function checkService(svc: ServiceJson, podsSelectedBy: PodSelection, report: Report): void {
  const selector = svc.spec?.selector;
  if (svc.spec?.type === 'ExternalName' || !selector || Object.keys(selector).length === 0) return;
  const ns = svc.metadata.namespace;
  const selected = podsSelectedBy(ns, selector);
  if (selected.length === 0) {
    const wanted = Object.entries(selector)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    report(svc, ['spec', 'selector'], `selects no pods: no workload in namespace "${ns}" has a pod template labelled ${wanted}`);
    return;
  }
  (svc.spec.ports ?? []).forEach((port, i) => {
    const target = port?.targetPort;
    if (typeof target !== 'string') return;
    const named = selected.some((p) => containersOf(p).some((c) => jsonList(c.container.ports).some((cp) => cp?.name === target)));
    if (!named)
      report(
        svc,
        ['spec', 'ports', i, 'targetPort'],
        `targetPort "${target}" is not the name of a container port of the selected pods (${selected.map((p) => objectRef(p.object)).join(', ')})`,
      );
  });
}

function checkIngress(ing: IngressJson, index: ObjectIndex, report: Report): void {
  const ns = ing.metadata.namespace;
  const backends: { backend: BackendJson | undefined; path: Path }[] = [];
  if (ing.spec?.defaultBackend) backends.push({ backend: ing.spec.defaultBackend, path: ['spec', 'defaultBackend'] });
  (ing.spec?.rules ?? []).forEach((rule, r) =>
    (rule?.http?.paths ?? []).forEach((p, i) => backends.push({ backend: p?.backend, path: ['spec', 'rules', r, 'http', 'paths', i, 'backend'] })),
  );
  for (const { backend, path } of backends) {
    const service = backend?.service;
    if (!service?.name) continue;
    const [svc] = index.get('Service', ns, service.name) as (ServiceJson | undefined)[];
    if (!svc) {
      if (!index.isExternal('Service', ns, service.name)) report(ing, [...path, 'service', 'name'], `Service "${service.name}" does not exist in namespace "${ns}"`);
      continue;
    }
    const ports = svc.spec?.ports ?? [];
    const port = service.port ?? {};
    if (port.number !== undefined && !ports.some((p) => p?.port === port.number)) {
      report(ing, [...path, 'service', 'port', 'number'], `Service "${service.name}" exposes no port ${port.number} (ports: ${describePorts(ports)})`);
    } else if (port.name !== undefined && !ports.some((p) => p?.name === port.name)) {
      report(ing, [...path, 'service', 'port', 'name'], `Service "${service.name}" has no port named "${port.name}" (ports: ${describePorts(ports)})`);
    }
  }
}

/** The API group a parentRef means when it names none. */
const GATEWAY_GROUP = 'gateway.networking.k8s.io';

/**
 * An HTTPRoute's parent Gateways (in the output or declared external: the operator's), its
 * backend Services and their ports (by number: a backendRef has no port names), and the
 * objects its ExtensionRef filters name in its namespace (e.g. a Traefik Middleware).
 */
function checkHttpRoute(route: HttpRouteJson, index: ObjectIndex, report: Report): void {
  const ns = route.metadata.namespace;
  (route.spec?.parentRefs ?? []).forEach((parent, i) => {
    if (!parent?.name || (parent.group ?? GATEWAY_GROUP) !== GATEWAY_GROUP || (parent.kind ?? 'Gateway') !== 'Gateway') return;
    const parentNs = parent.namespace ?? ns;
    if (!index.exists('Gateway', parentNs, parent.name))
      report(route, ['spec', 'parentRefs', i], `parent Gateway "${String(parentNs)}/${parent.name}" is neither in the output nor declared external (ingress.gateway names it)`);
  });
  (route.spec?.rules ?? []).forEach((rule, r) => {
    (rule?.backendRefs ?? []).forEach((ref, b) => {
      if (!ref?.name || (ref.group ?? '') !== '' || (ref.kind ?? 'Service') !== 'Service') return;
      const path: Path = ['spec', 'rules', r, 'backendRefs', b];
      const refNs = ref.namespace ?? ns;
      const [svc] = index.get('Service', refNs, ref.name) as (ServiceJson | undefined)[];
      if (!svc) {
        if (!index.isExternal('Service', refNs, ref.name)) report(route, [...path, 'name'], `Service "${ref.name}" does not exist in namespace "${String(refNs)}"`);
        return;
      }
      const ports = svc.spec?.ports ?? [];
      if (ref.port === undefined) report(route, path, `backendRef to Service "${ref.name}" has no port (required for a Service backend); ports: ${describePorts(ports)}`);
      else if (!ports.some((p) => p?.port === ref.port)) report(route, [...path, 'port'], `Service "${ref.name}" exposes no port ${ref.port} (ports: ${describePorts(ports)})`);
    });
    (rule?.filters ?? []).forEach((filter, f) => {
      const ext = filter?.extensionRef;
      if (!ext?.kind || !ext.name) return;
      if (!index.exists(ext.kind, ns, ext.name))
        report(
          route,
          ['spec', 'rules', r, 'filters', f, 'extensionRef'],
          `${ext.kind} "${ext.name}" (${String(ext.group)}) is neither in namespace "${String(ns)}" of the output nor declared external`,
        );
    });
  });
}

/** A Certificate's cert-manager issuer: a ClusterIssuer, or an Issuer of its own namespace. */
function checkCertificate(cert: CertificateJson, index: ObjectIndex, report: Report): void {
  const issuer = cert.spec?.issuerRef;
  if (!issuer?.name || (issuer.group ?? 'cert-manager.io') !== 'cert-manager.io') return;
  const kind = issuer.kind ?? 'Issuer';
  if (!index.exists(kind, cert.metadata.namespace, issuer.name))
    report(cert, ['spec', 'issuerRef'], `${kind} "${issuer.name}" is neither in the output nor declared external (ingress.tls names it)`);
}

function describePorts(ports: readonly (ServicePortJson | undefined)[]): string {
  return ports.map((p) => (p?.name ? `${p.name}=${String(p.port)}` : String(p?.port))).join(', ') || 'none';
}

/** A PVC (or a StatefulSet's claim template): the bound PV, or a class that can provision it. */
function checkClaim(owner: KubeObject, specPath: Path, index: ObjectIndex, report: Report): void {
  const spec = (at(owner, specPath) ?? {}) as ClaimSpecJson;
  if (spec.volumeName) {
    if (!index.exists('PersistentVolume', undefined, spec.volumeName)) report(owner, [...specPath, 'volumeName'], `PersistentVolume "${spec.volumeName}" does not exist`);
    return;
  }
  const cls = spec.storageClassName;
  if (typeof cls !== 'string' || cls === '') return;
  // Dynamic provisioning needs the StorageClass; static PVs of that class can bind without it.
  const staticPv = index.hasStaticVolumeOfClass(cls);
  if (!staticPv && !index.exists('StorageClass', undefined, cls)) {
    report(owner, [...specPath, 'storageClassName'], `StorageClass "${cls}" is neither in the output nor declared external`);
  }
}

function checkVolume(pv: PersistentVolumeJson, index: ObjectIndex, report: Report): void {
  const claim = pv.spec?.claimRef;
  if (claim?.name && !index.exists('PersistentVolumeClaim', claim.namespace, claim.name)) {
    report(pv, ['spec', 'claimRef'], `claimRef names PersistentVolumeClaim "${String(claim.namespace)}/${claim.name}", which does not exist`);
  }
}

function checkStatefulSet(sts: StatefulSetJson, index: ObjectIndex, report: Report): void {
  const ns = sts.metadata.namespace;
  const serviceName = sts.spec?.serviceName;
  if (typeof serviceName === 'string' && serviceName !== '' && !index.exists('Service', ns, serviceName)) {
    report(sts, ['spec', 'serviceName'], `governing Service "${serviceName}" does not exist in namespace "${ns}"`);
  }
  (sts.spec?.volumeClaimTemplates ?? []).forEach((_t, i) => checkClaim(sts, ['spec', 'volumeClaimTemplates', i, 'spec'], index, report));
}

function checkPod(pod: PodTemplate, index: ObjectIndex, report: Report): void {
  const o = pod.object;
  const ns = o.metadata.namespace;
  const spec = pod.spec;
  const secret = (name: unknown, keys: readonly unknown[], path: Path, optional: boolean) => {
    if (optional || typeof name !== 'string') return;
    const s = index.secret(ns, name);
    if (!s.found) {
      report(o, path, `Secret "${name}" does not exist in namespace "${ns}" and is not declared external`);
      return;
    }
    for (const k of keys)
      if (s.keys && typeof k === 'string' && !s.keys.has(k)) report(o, path, `Secret "${name}" has no key "${k}" (keys: ${[...s.keys].sort().join(', ') || 'none'})`);
  };
  const configMap = (name: unknown, keys: readonly unknown[], path: Path, optional: boolean) => {
    if (optional || typeof name !== 'string') return;
    const c = index.configMap(ns, name);
    if (!c.found) {
      report(o, path, `ConfigMap "${name}" does not exist in namespace "${ns}" and is not declared external`);
      return;
    }
    for (const k of keys)
      if (c.keys && typeof k === 'string' && !c.keys.has(k)) report(o, path, `ConfigMap "${name}" has no key "${k}" (keys: ${[...c.keys].sort().join(', ') || 'none'})`);
  };

  const volumes = new Set<string>();
  jsonList(spec.volumes).forEach((v, i) => {
    const p: Path = [...pod.path, 'volumes', i];
    if (typeof v?.name === 'string') volumes.add(v.name);
    if (v?.secret) secret(v.secret.secretName, itemKeys(v.secret.items), [...p, 'secret'], v.secret.optional === true);
    if (v?.configMap) configMap(v.configMap.name, itemKeys(v.configMap.items), [...p, 'configMap'], v.configMap.optional === true);
    const claim = v?.persistentVolumeClaim?.claimName;
    if (typeof claim === 'string' && !index.exists('PersistentVolumeClaim', ns, claim)) {
      report(o, [...p, 'persistentVolumeClaim', 'claimName'], `PersistentVolumeClaim "${claim}" does not exist in namespace "${ns}"`);
    }
    jsonList(v?.projected?.sources).forEach((s, j) => {
      if (s?.secret) secret(s.secret.name, itemKeys(s.secret.items), [...p, 'projected', 'sources', j, 'secret'], s.secret.optional === true);
      if (s?.configMap) configMap(s.configMap.name, itemKeys(s.configMap.items), [...p, 'projected', 'sources', j, 'configMap'], s.configMap.optional === true);
    });
  });
  if (o.kind === 'StatefulSet') for (const t of (o as StatefulSetJson).spec?.volumeClaimTemplates ?? []) if (t?.metadata?.name) volumes.add(t.metadata.name);

  for (const c of containersOf(pod)) {
    jsonList(c.container.env).forEach((e, i) => {
      const p: Path = [...c.path, 'env', i, 'valueFrom'];
      const sk = e?.valueFrom?.secretKeyRef;
      if (sk) secret(sk.name, [sk.key], [...p, 'secretKeyRef'], sk.optional === true);
      const ck = e?.valueFrom?.configMapKeyRef;
      if (ck) configMap(ck.name, [ck.key], [...p, 'configMapKeyRef'], ck.optional === true);
    });
    jsonList(c.container.envFrom).forEach((e, i) => {
      if (e?.secretRef) secret(e.secretRef.name, [], [...c.path, 'envFrom', i, 'secretRef'], e.secretRef.optional === true);
      if (e?.configMapRef) configMap(e.configMapRef.name, [], [...c.path, 'envFrom', i, 'configMapRef'], e.configMapRef.optional === true);
    });
    for (const field of ['volumeMounts', 'volumeDevices'] as const) {
      jsonList<{ readonly name?: string }>(c.container[field]).forEach((m, i) => {
        if (typeof m?.name === 'string' && !volumes.has(m.name)) {
          report(
            o,
            [...c.path, field, i, 'name'],
            `container "${c.name}" mounts volume "${m.name}", which the pod does not define (volumes: ${[...volumes].sort().join(', ') || 'none'})`,
          );
        }
      });
    }
  }

  // DRA: each pod claim names a ResourceClaim or ResourceClaimTemplate of the namespace, each container claim a pod claim.
  const podClaims = new Set<string>();
  jsonList<{ readonly name?: string; readonly resourceClaimName?: string; readonly resourceClaimTemplateName?: string }>(spec.resourceClaims).forEach((rc, i) => {
    if (typeof rc?.name === 'string') podClaims.add(rc.name);
    for (const [field, kind] of [
      ['resourceClaimName', 'ResourceClaim'],
      ['resourceClaimTemplateName', 'ResourceClaimTemplate'],
    ] as const) {
      const name = rc?.[field];
      if (typeof name === 'string' && !index.exists(kind, ns, name)) report(o, [...pod.path, 'resourceClaims', i, field], `${kind} "${name}" does not exist in namespace "${ns}"`);
    }
  });
  for (const c of containersOf(pod)) {
    jsonList(asJsonObject(c.container.resources)?.claims as readonly { readonly name?: string }[] | undefined).forEach((claim, i) => {
      if (typeof claim?.name === 'string' && !podClaims.has(claim.name))
        report(
          o,
          [...c.path, 'resources', 'claims', i, 'name'],
          `container "${c.name}" uses claim "${claim.name}", which the pod's resourceClaims do not define (claims: ${[...podClaims].sort().join(', ') || 'none'})`,
        );
    });
  }

  const sa = spec.serviceAccountName ?? spec.serviceAccount;
  if (typeof sa === 'string' && sa !== 'default' && !index.exists('ServiceAccount', ns, sa)) {
    report(o, [...pod.path, 'serviceAccountName'], `ServiceAccount "${sa}" does not exist in namespace "${ns}"`);
  }
  jsonList(spec.imagePullSecrets).forEach((s, i) => secret(s?.name, [], [...pod.path, 'imagePullSecrets', i], false));
  const pc = spec.priorityClassName;
  if (typeof pc === 'string' && pc !== '' && !BUILT_IN_PRIORITY_CLASSES.has(pc) && !index.exists('PriorityClass', undefined, pc)) {
    report(o, [...pod.path, 'priorityClassName'], `PriorityClass "${pc}" is neither in the output nor declared external`);
  }
}

function itemKeys(items: unknown): unknown[] {
  return Array.isArray(items) ? items.map((i: unknown) => asJsonObject(i)?.key) : [];
}

function isFluxKustomization(o: KubeObject): boolean {
  return o.kind === 'Kustomization' && o.apiVersion.startsWith('kustomize.toolkit.fluxcd.io/');
}

function checkFluxKustomization(ks: FluxKustomizationJson, index: ObjectIndex, report: Report): void {
  const ns = ks.metadata.namespace;
  (ks.spec?.dependsOn ?? []).forEach((d, i) => {
    const depNs = d?.namespace ?? ns;
    const found = index.get('Kustomization', depNs, String(d?.name)).some(isFluxKustomization) || index.isExternal('Kustomization', depNs, String(d?.name));
    if (!found) report(ks, ['spec', 'dependsOn', i, 'name'], `dependsOn names Kustomization "${String(depNs)}/${String(d?.name)}", which does not exist`);
  });
  const src = ks.spec?.sourceRef;
  if (src?.kind && src.name && !index.exists(src.kind, src.namespace ?? ns, src.name)) {
    report(ks, ['spec', 'sourceRef'], `source ${src.kind} "${src.namespace ?? ns}/${src.name}" is neither in the output nor declared external`);
  }
  const dec = ks.spec?.decryption?.secretRef?.name;
  if (typeof dec === 'string' && !index.secret(ns, dec).found) {
    report(ks, ['spec', 'decryption', 'secretRef', 'name'], `decryption Secret "${ns}/${dec}" is neither in the output nor declared external`);
  }
  (ks.spec?.healthChecks ?? []).forEach((h, i) => {
    const hNs = isNamespaced(String(h?.kind)) ? (h?.namespace ?? ns) : undefined;
    if (h?.kind && h.name && !index.exists(h.kind, hNs, h.name))
      report(ks, ['spec', 'healthChecks', i], `health check target ${h.kind} "${hNs ? `${hNs}/` : ''}${h.name}" is not in the output`);
  });
}

function checkExternalSecret(es: ExternalSecretJson, index: ObjectIndex, report: Report): void {
  const ref = es.spec?.secretStoreRef;
  if (!ref?.name) return;
  const kind = ref.kind ?? 'SecretStore';
  const ns = kind === 'ClusterSecretStore' ? undefined : es.metadata.namespace;
  if (!index.exists(kind, ns, ref.name)) report(es, ['spec', 'secretStoreRef'], `${kind} "${ref.name}" is neither in the output nor declared external`);
}

/** Flux never applies Kustomizations that wait for each other. */
function checkDependsOnCycles(objects: readonly KubeObject[], report: Report): void {
  const ks = objects.filter(isFluxKustomization) as FluxKustomizationJson[];
  const id = (ns: string | undefined, name: string | undefined) => `${ns ?? ''}/${String(name)}`;
  const edges = new Map<string, string[]>(
    ks.map((k) => [id(k.metadata.namespace, k.metadata.name), (k.spec?.dependsOn ?? []).map((d) => id(d?.namespace ?? k.metadata.namespace, d?.name))]),
  );
  const reported = new Set<string>();
  for (const k of ks) {
    const start = id(k.metadata.namespace, k.metadata.name);
    const stack: string[][] = [[start]];
    const seen = new Set<string>();
    while (stack.length) {
      const chain = stack.pop()!;
      for (const next of edges.get(chain[chain.length - 1]!) ?? []) {
        if (next === start) {
          const cycle = [...chain, start];
          const canonical = [...chain].sort().join(' ');
          if (!reported.has(canonical)) {
            reported.add(canonical);
            report(k, ['spec', 'dependsOn'], `dependsOn cycle: ${cycle.join(' → ')}`);
          }
        } else if (!seen.has(next)) {
          seen.add(next);
          stack.push([...chain, next]);
        }
      }
    }
  }
}
