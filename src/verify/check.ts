/**
 * A verification check as data: the kubectl argv it runs and how it judges what kubectl printed.
 * A check never runs anything itself, so each one is testable on a recorded answer; the runner
 * (kubectl.ts) runs every distinct argv once and hands the same result to each check that asked.
 */

/** What one kubectl run printed. */
export interface KubectlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The object a failure is about, printed as `Kind/namespace/name` (cluster-scoped: `Kind/name`). */
export interface ObjectRef {
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
}

export interface Failure {
  readonly object: ObjectRef;
  /** One line: what is wrong, from the object's status (never a Secret value: no check reads Secret data). */
  readonly reason: string;
}

/** A phase of the first design's success criteria, as this stack can check it. */
export interface Phase {
  readonly id: string;
  readonly title: string;
}

export interface Check {
  /** Stable and unique, e.g. `pods-ready/media/sonarr`. */
  readonly id: string;
  readonly phase: Phase;
  /** What it checks, e.g. `sonarr: every pod Ready`. */
  readonly title: string;
  /** kubectl arguments (the runner puts `--context <ctx>` first when one is given). */
  readonly argv: readonly string[];
  /** The failures `result` shows; none = pass. */
  judge(result: KubectlResult): Failure[];
  /** The runbook section to read when it fails: `docs/<cluster>/<page>.md#<anchor>`. */
  readonly runbook: string;
}

export function refText(o: ObjectRef): string {
  return o.namespace ? `${o.kind}/${o.namespace}/${o.name}` : `${o.kind}/${o.name}`;
}

/** The first line of kubectl's error output (or the exit code when it printed none). */
function errorLine(r: KubectlResult): string {
  const line = r.stderr.split('\n').find((l) => l.trim() !== '');
  return line ? line.trim() : `kubectl exited with ${r.code}`;
}

/** Minimal shapes of what `kubectl get -o json` prints, as far as the judges read it. */
export interface Condition {
  readonly type: string;
  readonly status: string;
  readonly reason?: string;
  readonly message?: string;
}
export interface LiveObject {
  readonly kind?: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly creationTimestamp?: string;
    readonly ownerReferences?: readonly { readonly kind: string; readonly name: string }[];
  };
  readonly spec?: Record<string, unknown> & { readonly nodeName?: string; readonly clusterIP?: string };
  readonly status?: Record<string, unknown> & { readonly conditions?: readonly Condition[]; readonly phase?: string };
}

/**
 * A judge of a `kubectl get … -o json` answer: kubectl failing (NotFound, Forbidden, no server)
 * fails `subject` with kubectl's own error line; a List gives its items.
 */
export function judgeJson(subject: ObjectRef, judge: (items: readonly LiveObject[]) => Failure[]): (r: KubectlResult) => Failure[] {
  return (r) => {
    if (r.code !== 0) return [{ object: subject, reason: errorLine(r) }];
    let doc: { kind?: string; items?: LiveObject[] } & LiveObject;
    try {
      doc = JSON.parse(r.stdout) as typeof doc;
    } catch {
      return [{ object: subject, reason: 'kubectl printed no JSON' }];
    }
    return judge(doc.kind?.endsWith('List') && Array.isArray(doc.items) ? doc.items : [doc]);
  };
}

/** A judge of a command run in a container (`kubectl exec`): exit 0 passes, else `subject` fails. */
export function judgeExit(subject: ObjectRef, what: string): (r: KubectlResult) => Failure[] {
  return (r) => (r.code === 0 ? [] : [{ object: subject, reason: `${what}: ${errorLine(r)}` }]);
}

export function condition(o: LiveObject, type: string): Condition | undefined {
  return o.status?.conditions?.find((c) => c.type === type);
}

/** Whether every label of `selector` is on the object. */
export function matches(o: LiveObject, selector: Readonly<Record<string, string>>): boolean {
  const labels = o.metadata.labels ?? {};
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}
