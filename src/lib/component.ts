import { ApiObject } from 'cdk8s';
import { Construct, type IConstruct } from 'constructs';
import type { SecretKeySpec } from '../secrets/model.js';

/** A reasoned exception to one of the security posture rules (defined with the gates that read it). */
export type { SecurityException } from '../gates/findings.js';
import type { SecurityException } from '../gates/findings.js';

/** A Secret the component needs; the writer encrypts it (or emits an ExternalSecret). */
export interface DeclaredSecret {
  readonly name: string;
  readonly keys: readonly SecretKeySpec[];
  /** File name in the component folder. */
  readonly fileName: string;
}

/** The pods of one app instance (its app and instance labels). */
export interface AppPeer {
  readonly app: string;
  /** @default - the app's own instance (`app`) */
  readonly instance?: string;
}

/**
 * One machine outside the cluster by its own address, e.g. the external ClusterPlex worker on the
 * NAS: NetworkPolicies admit exactly `cidr` (a `/32`). Only a connection that still carries that
 * address matches, so a Service it dials must not SNAT it (`externalTrafficPolicy: Local`).
 */
export interface HostPeer {
  /** What the machine is (the docs label it with this and its block). */
  readonly host: string;
  /** Its address block, e.g. `192.168.1.20/32`. */
  readonly cidr: string;
}

/** One end of a network call: pods of an app instance, a machine by its address, or something outside the namespace. */
export type Peer =
  | AppPeer
  | HostPeer
  | 'ingress-controller'
  | 'internet'
  /** Node addresses and the LAN: the private ranges of `networkPolicies.privateCidrs`. */
  | 'private-networks'
  /** The Kubernetes API server: the `kubernetes` Service address and the API endpoints on the nodes (private ranges). */
  | 'kubernetes-api'
  /** The Prometheus pods of `apps.metrics` (its namespace and pod labels). */
  | 'prometheus'
  | 'anywhere';

/** Whether `p` names pods of the stack (the only peers a NetworkPolicy's podSelector covers). */
export function isAppPeer(p: Peer): p is AppPeer {
  return typeof p === 'object' && 'app' in p;
}

/** The peer for one machine outside the cluster at `address` (its `/32`). */
export function hostPeer(host: string, address: string): HostPeer {
  return { host, cidr: `${address}/32` };
}

/**
 * A call the stack makes: NetworkPolicies allow exactly these (plus DNS). `ports` are the
 * destination's container ports; 'any' only for the internet.
 */
export interface CallEdge {
  readonly from: Peer;
  readonly to: Peer;
  readonly ports: readonly number[] | 'any';
  /** @default 'TCP' */
  readonly protocol?: 'TCP' | 'UDP';
  /** Why the call exists (shown in the generated docs). */
  readonly why: string;
}

/** A Flux health check target. */
export interface HealthCheck {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
}

/**
 * How Flux judges a custom resource healthy (`spec.healthCheckExprs`, CEL over the object):
 * for kinds whose status kstatus reads too optimistically (no conditions yet = current).
 */
export interface HealthCheckExpr {
  readonly apiVersion: string;
  readonly kind: string;
  /** CEL expression, true once the resource is ready; a missing field counts as not yet. */
  readonly current: string;
}

export interface ComponentProps {
  /**
   * Folder relative to the cluster folder, e.g. `apps/media/sonarr`: it holds `ks.yaml` (the Flux
   * Kustomization) next to `app/` (the manifests), the layout of onedr0p/home-ops, so the folder can
   * be copied into another Flux tree as a unit.
   */
  readonly dir: string;
  /** Name of the Flux Kustomization that applies this folder. */
  readonly fluxName: string;
  /**
   * `false`: no Flux Kustomization of its own. The manifests sit in `dir` itself and the folder's
   * `kustomization.yaml`, which the folder above lists, applies them together with the `ks.yaml`
   * of every app below (the anchors' `<namespace>/namespace.yaml`): they exist before Flux
   * reconciles any of those apps, so a dependency on this component needs no `dependsOn`.
   * @default true
   */
  readonly ownKustomization?: boolean;
  /** Namespace of the objects (used for Secrets). */
  readonly namespace: string;
  /** Components that must be applied (and healthy, if they wait) first. @default [] */
  readonly dependsOn?: readonly Component[];
  /**
   * Let Flux wait for every object to be ready (for things others depend on).
   * @default false
   */
  readonly wait?: boolean;
  /** Objects whose health gates this Kustomization's readiness. @default [] */
  readonly healthChecks?: readonly HealthCheck[];
  /** Custom health rules for kinds of this folder (with `wait` or `healthChecks`). @default [] */
  readonly healthCheckExprs?: readonly HealthCheckExpr[];
  /** One line for the generated docs: what this folder deploys. */
  readonly description: string;
}

/** The folder of a component's manifests next to its `ks.yaml` (as in the anchors' `<app>/app/`). */
export const APP_FOLDER = 'app';

/** The file of a component's Flux Kustomization, in its folder. */
export const FLUX_KUSTOMIZATION_FILE = 'ks.yaml';

const COMPONENT = Symbol.for('media-stack.Component');
const fileNames = new WeakMap<ApiObject, string>();

/**
 * One deployable folder of the output tree and the Flux Kustomization that applies it.
 * Every ApiObject created inside a Component's scope is written to its folder.
 */
export class Component extends Construct {
  static isComponent(x: unknown): x is Component {
    return typeof x === 'object' && x !== null && COMPONENT in x;
  }

  /** The nearest Component enclosing `construct`. */
  static of(construct: IConstruct): Component | undefined {
    for (let c: IConstruct | undefined = construct; c; c = c.node.scope) {
      if (Component.isComponent(c)) return c;
    }
    return undefined;
  }

  readonly dir: string;
  readonly fluxName: string;
  readonly ownKustomization: boolean;
  readonly namespace: string;
  readonly description: string;
  readonly wait: boolean;
  readonly healthCheckExprs: readonly HealthCheckExpr[];
  private readonly _dependsOn: Component[] = [];
  private readonly _healthChecks: HealthCheck[];
  private readonly _secrets: DeclaredSecret[] = [];
  private readonly _exceptions: SecurityException[] = [];
  private readonly _edges: CallEdge[] = [];
  private readonly _warnings: string[] = [];

  constructor(scope: Construct, id: string, props: ComponentProps) {
    super(scope, id);
    Object.defineProperty(this, COMPONENT, { value: true });
    this.dir = props.dir;
    this.fluxName = props.fluxName;
    this.ownKustomization = props.ownKustomization ?? true;
    this.namespace = props.namespace;
    this.description = props.description;
    this.wait = props.wait ?? false;
    this.healthCheckExprs = [...(props.healthCheckExprs ?? [])];
    // Same rule as addDependency: each component once, never itself.
    this.addDependency(...(props.dependsOn ?? []));
    this._healthChecks = [...(props.healthChecks ?? [])];
  }

  /** Folder of the manifests, relative to the cluster folder: `<dir>/app`, or `dir` without a Kustomization of its own. */
  get manifestDir(): string {
    return this.ownKustomization ? `${this.dir}/${APP_FOLDER}` : this.dir;
  }

  get dependsOn(): readonly Component[] {
    return this._dependsOn;
  }
  get healthChecks(): readonly HealthCheck[] {
    return this._healthChecks;
  }
  get secrets(): readonly DeclaredSecret[] {
    return this._secrets;
  }
  get securityExceptions(): readonly SecurityException[] {
    return this._exceptions;
  }

  /** What the operator must know before deploying (printed by the synth summary). */
  get warnings(): readonly string[] {
    return this._warnings;
  }

  addWarning(message: string): void {
    this._warnings.push(message);
  }

  get callEdges(): readonly CallEdge[] {
    return this._edges;
  }

  /** Declares network calls this component's pods make or accept (see NetworkPolicies). */
  addCall(...edges: CallEdge[]): void {
    this._edges.push(...edges);
  }

  addDependency(...others: (Component | undefined)[]): void {
    for (const o of others) if (o && o !== this && !this._dependsOn.includes(o)) this._dependsOn.push(o);
  }

  addHealthCheck(check: HealthCheck): void {
    this._healthChecks.push(check);
  }

  /**
   * Declares a Secret. Its values never pass through constructs; consumers reference it by
   * name and key (`secretKeyRef`).
   */
  addSecret(name: string, keys: readonly SecretKeySpec[], fileName?: string): DeclaredSecret {
    const existing = this._secrets.find((s) => s.name === name);
    if (existing) throw new Error(`secret '${name}' is declared twice in ${this.dir}`);
    const secret = { name, keys, fileName: fileName ?? (this._secrets.length === 0 ? 'secret.sops.yaml' : `secret-${name}.sops.yaml`) };
    this._secrets.push(secret);
    return secret;
  }

  /** Declares an exception for `object` (its kind and name come from the object itself). */
  addSecurityExceptionFor(object: ApiObject, exception: Omit<SecurityException, 'kind' | 'name'>): void {
    this.addSecurityException({ kind: object.kind, name: object.name, ...exception });
  }

  addSecurityException(exception: SecurityException): void {
    if (!exception.reason.trim()) throw new Error(`security exception for ${exception.kind}/${exception.name} needs a reason`);
    this._exceptions.push(exception);
  }
}

/** Sets the file name an object is written to inside its component folder. */
export function setFileName(obj: ApiObject, fileName: string): ApiObject {
  fileNames.set(obj, fileName);
  return obj;
}

/** The file name set with `setFileName`, if any. */
export function fileNameOf(obj: ApiObject): string | undefined {
  return fileNames.get(obj);
}
