/**
 * Running the first-boot setup jobs (src/lib/setup-job.ts) the way their pods do: the files of
 * their ConfigMap in a scratch folder, the real python3 over the script and its data, against a
 * recording HTTP stub on 127.0.0.1 that stands in for the app.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { KubeObject } from '../../src/output/model.js';
import { requireTool, scratch, type RunResult } from './support.js';

export interface SetupJobFiles {
  /** The CronJob's container. */
  readonly container: any;
  /** The ConfigMap's keys → text (setup_lib.py, <name>.py, <name>.json). */
  readonly files: Readonly<Record<string, string>>;
  /** The parsed data document. */
  readonly data: any;
}

/** The CronJob `name`, its container and the files of the ConfigMap mounted at /scripts. */
export function setupJobOf(objects: readonly KubeObject[], name: string): SetupJobFiles {
  const cronJob: any = objects.find((o) => o.kind === 'CronJob' && o.metadata.name === name);
  if (!cronJob) throw new Error(`no CronJob ${name}`);
  const pod = cronJob.spec.jobTemplate.spec.template.spec;
  const container = pod.containers[0];
  const volume = pod.volumes.find((v: any) => v.name === 'script');
  const configMap: any = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === volume?.configMap?.name);
  if (!configMap) throw new Error(`CronJob ${name}: no script ConfigMap`);
  const files = configMap.data as Record<string, string>;
  return { container, files, data: JSON.parse(files[`${name}.json`]!) };
}

/**
 * Every string in `data` that starts with one of the `origins` (e.g.
 * `http://plex.media.svc.cluster.local:32400`) starts with its stub's origin instead; a test fails
 * when the data names a cluster URL it did not point anywhere.
 */
export function atStubs<T>(data: T, origins: Readonly<Record<string, string>>): T {
  const swap = (x: any): any => {
    if (typeof x === 'string') {
      for (const [from, to] of Object.entries(origins)) if (x.startsWith(from)) return to + x.slice(from.length);
      if (/^https?:\/\/[^/]*\.svc\.cluster\.local/.test(x)) throw new Error(`data names ${x}, which no stub stands in for`);
      return x;
    }
    if (Array.isArray(x)) return x.map(swap);
    if (x && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, swap(v)]));
    return x;
  };
  return swap(data);
}

/** Runs the job's script with the real python3 over `data`, with only `env` (like a container). */
export function runSetupJob(job: SetupJobFiles, name: string, opts: { data?: unknown; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<RunResult> {
  const python = requireTool('python3', 'python3');
  const dir = scratch(`setup-${name}`);
  for (const [file, text] of Object.entries(job.files)) writeFileSync(join(dir, file), text);
  const dataFile = join(dir, `${name}.json`);
  writeFileSync(dataFile, JSON.stringify(opts.data ?? job.data));
  return new Promise((resolve) => {
    const child = spawn(python, [join(dir, `${name}.py`), dataFile], {
      env: { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: '/nonexistent', PYTHONPATH: dir, PYTHONDONTWRITEBYTECODE: '1', ...opts.env },
      cwd: dir,
      timeout: opts.timeoutMs ?? 30_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdin.end();
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
  });
}

export interface StubRequest {
  readonly method: string;
  /** The path without the query. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
  /** The raw body ('' when none). */
  readonly text: string;
  /** The body parsed as JSON (when it is JSON) or as a form (when it is a form). */
  readonly body?: any;
}

export interface StubAnswer {
  readonly status?: number;
  readonly body?: unknown;
  /** @default 'application/json' */
  readonly contentType?: string;
  /** Further response headers (e.g. `Location` and `Set-Cookie` of a form login's 303). @default - none */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * An HTTP server on 127.0.0.1 that records every request and answers through `handle`
 * (undefined → 404). A validator per app (its API description) checks the recorded requests.
 */
export class RecordingStub {
  readonly requests: StubRequest[] = [];
  private server?: Server;
  port = 0;

  constructor(private readonly handle: (r: StubRequest) => StubAnswer | undefined) {}

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Requests that change something (anything but GET/HEAD). */
  writes(): StubRequest[] {
    return this.requests.filter((r) => r.method !== 'GET' && r.method !== 'HEAD');
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => this.serve(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => this.server?.close(() => r()) ?? r());
  }

  private serve(req: IncomingMessage, res: ServerResponse): void {
    let text = '';
    req.on('data', (d: Buffer) => (text += d.toString()));
    req.on('end', () => {
      const url = new URL(req.url!, 'http://stub');
      const type = req.headers['content-type'] ?? '';
      let body: any;
      if (text && type.startsWith('application/json')) body = JSON.parse(text);
      else if (text && type.startsWith('application/x-www-form-urlencoded')) body = Object.fromEntries(new URLSearchParams(text));
      const r: StubRequest = { method: req.method!, path: url.pathname, query: url.searchParams, headers: req.headers, text, ...(body !== undefined ? { body } : {}) };
      this.requests.push(r);
      let answer: StubAnswer | undefined;
      try {
        answer = this.handle(r);
      } catch (e) {
        answer = { status: 500, body: { stubError: (e as Error).message } };
      }
      const status = answer?.status ?? (answer ? 200 : 404);
      const contentType = answer?.contentType ?? 'application/json';
      res.writeHead(status, { 'Content-Type': contentType, ...answer?.headers });
      const out = answer?.body;
      res.end(out === undefined ? '' : typeof out === 'string' ? out : JSON.stringify(out, null, 2));
    });
  }
}
