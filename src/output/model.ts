/** A synthesized Kubernetes object as plain JSON (what gates, docs and the writer see). */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
    readonly [key: string]: unknown;
  };
  readonly [key: string]: unknown;
}

/** An object with the file it is written to (relative to the output root). */
export interface PlacedObject {
  readonly object: KubeObject;
  readonly path: string;
}
