/**
 * A fake Sonarr/Radarr/Lidarr/Prowlarr on 127.0.0.1 that keeps state (what was POSTed is listed by
 * the next GET) and checks every request against the app's own OpenAPI document
 * (test/fixtures/app-apis, see PROVENANCE.md there): the path and method must exist, and a body
 * must validate against the operation's request schema (the schemas forbid unknown properties).
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import type { WiringData } from '../../src/apps/arr-wiring/index.js';

export interface Req {
  method: string;
  svc: string;
  path: string;
  key: string | undefined;
  body?: any;
}

const APPS = ['sonarr', 'radarr', 'lidarr', 'prowlarr'] as const;
type App = (typeof APPS)[number];

interface Operation {
  readonly re: RegExp;
  readonly method: string;
  readonly validate?: ValidateFunction;
}

let operations: Map<App, Operation[]> | undefined;

/**
 * OpenAPI 3.0 → JSON Schema: `nullable: true` becomes a `null` alternative (ajv's own `nullable`
 * needs a sibling `type`, which a `$ref` or `allOf` member does not have).
 */
export function jsonSchema(x: any): any {
  if (Array.isArray(x)) return x.map(jsonSchema);
  if (!x || typeof x !== 'object') return x;
  const { nullable, ...rest } = x;
  const out = Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, jsonSchema(v)]));
  if (nullable !== true) return out;
  if (typeof out.type === 'string' && !out.$ref) return { ...out, type: [out.type, 'null'], ...(out.enum ? { enum: [...out.enum, null] } : {}) };
  return { anyOf: [out, { type: 'null' }] };
}

/** Every operation of the fixtures, with a validator of its JSON request body ($refs resolved by ajv). */
function openApiOperations(): Map<App, Operation[]> {
  if (operations) return operations;
  // Formats like int32 are OpenAPI's, not JSON Schema's.
  const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
  operations = new Map();
  for (const app of APPS) {
    const doc = JSON.parse(readFileSync(join(process.cwd(), 'test/fixtures/app-apis', `${app}-openapi.json`), 'utf8'));
    const id = `https://openapi.test/${app}.json`;
    ajv.addSchema({ $id: id, components: jsonSchema(doc.components) }, id);
    const ops: Operation[] = [];
    for (const [template, item] of Object.entries<any>(doc.paths)) {
      const re = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`, 'i');
      for (const [method, op] of Object.entries<any>(item)) {
        const schema = op.requestBody?.content?.['application/json']?.schema;
        const ref = schema?.$ref ? { $ref: `${id}${schema.$ref}` } : undefined;
        ops.push({ re, method: method.toUpperCase(), ...(ref ? { validate: ajv.compile(ref) } : {}) });
      }
    }
    operations.set(app, ops);
  }
  return operations;
}

/**
 * Why a request does not fit the app's OpenAPI document, or undefined when it does. `svc` is an
 * instance name (`sonarr-4k`) or the kind; `pathname` the path without the query.
 */
export function openApiProblem(svc: string, method: string, pathname: string, body: unknown): string | undefined {
  const app = appOf(svc);
  if (!app) return `${svc}: not a Servarr app`;
  const op = openApiOperations()
    .get(app)!
    .find((o) => o.method === method && o.re.test(pathname));
  if (!op) return `${method} ${pathname}: not an operation of the ${app} OpenAPI document`;
  if (body === undefined) return undefined;
  if (!op.validate) return `${method} ${pathname}: the ${app} API takes no JSON body here`;
  if (op.validate(body)) return undefined;
  return `${method} ${pathname}: body does not match the ${app} schema: ${op.validate.errors!.map((e) => `${e.instancePath || '/'} ${e.message}${'additionalProperty' in e.params ? ` (${e.params.additionalProperty})` : ''}`).join('; ')}`;
}

/** What a Servarr answers for a provider: the fields carry the extra schema properties the real API returns. */
export function asServed(entry: any, id: number): any {
  return {
    ...entry,
    id,
    implementationName: entry.implementation,
    infoLink: 'https://wiki.servarr.com/x',
    fields: (entry.fields ?? []).map((f: any, i: number) => ({
      order: i,
      name: f.name,
      label: `Label {${f.name}}`,
      helpText: 'see [url] {braces} "quoted"',
      value: f.value,
      type: 'textbox',
      advanced: false,
      selectOptions: [{ value: 0, name: 'x', order: 0 }],
      privacy: 'normal',
      isFloat: false,
    })),
  };
}

/**
 * What a freshly started app lists before anyone configured it: Lidarr v2.14.5.4836 creates the
 * metadata profiles "Standard" and then "None" (MetadataProfileService.Handle) and the quality
 * profiles "Any", "Lossless", "Standard" (QualityProfileService.Handle) on its first start.
 */
const FRESH: Partial<Record<App, Record<string, readonly object[]>>> = {
  lidarr: {
    metadataprofile: [
      { id: 1, name: 'Standard' },
      { id: 2, name: 'None' },
    ],
    qualityprofile: [
      { id: 1, name: 'Any' },
      { id: 2, name: 'Lossless' },
      { id: 3, name: 'Standard' },
    ],
  },
};

function appOf(svc: string): App | undefined {
  return APPS.find((a) => svc === a || svc.startsWith(`${a}-`));
}

export class FakeServarr {
  readonly requests: Req[] = [];
  /** Requests that do not fit the apps' OpenAPI documents (tests expect none). */
  readonly invalid: string[] = [];
  /** `${svc} ${resource}` → entries. */
  readonly state = new Map<string, any[]>();
  /**
   * Status to answer POSTs of `${svc} ${resource}` with (default 201), with `body` as JSON or
   * `raw` as it is (e.g. the \u0026 escapes of System.Text.Json).
   */
  readonly failPost = new Map<string, { status: number; body?: unknown; raw?: string }>();
  private server?: Server;
  port = 0;

  /** @param keys instance (URL prefix) → the API key it accepts */
  constructor(readonly keys: Readonly<Record<string, string>>) {}

  list(svc: string, resource: string): any[] {
    const k = `${svc} ${resource}`;
    const app = appOf(svc);
    if (!this.state.has(k))
      this.state.set(
        k,
        ((app ? FRESH[app]?.[resource] : undefined) ?? []).map((e) => ({ ...e })),
      );
    return this.state.get(k)!;
  }

  reset(): void {
    this.requests.length = 0;
    this.invalid.length = 0;
    this.state.clear();
    this.failPost.clear();
  }

  /** Requests that change something (anything but GET). */
  writes(): Req[] {
    return this.requests.filter((r) => r.method !== 'GET');
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => this.server?.close(() => r()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    let data = '';
    req.on('data', (d: Buffer) => (data += d.toString()));
    req.on('end', () => {
      const url = new URL(req.url!, 'http://x');
      const [, svc, ...rest] = url.pathname.split('/');
      const pathname = `/${rest.join('/')}`;
      const path = `${pathname}${url.search}`;
      const key = req.headers['x-api-key'] as string | undefined;
      const r: Req = { method: req.method!, svc: svc!, path, key, ...(data ? { body: JSON.parse(data) } : {}) };
      this.requests.push(r);
      let problem: string | undefined;
      try {
        problem = openApiProblem(svc!, r.method, pathname, r.body);
      } catch (e) {
        problem = `validation failed: ${(e as Error).message}`;
      }
      if (problem) this.invalid.push(`${svc} ${problem}`);
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'Content-Type': 'application/json' });
        // Pretty-printed on purpose: the script must not depend on the layout.
        res.end(JSON.stringify(body, null, 2));
      };
      if (key !== this.keys[svc!]) return send(401, {});
      const resource = url.pathname.replace(/^\/[^/]+\/api\/v\d\//, '');
      const entries = this.list(svc!, resource);
      if (req.method === 'GET') return send(200, entries);
      if (req.method === 'POST') {
        const fail = this.failPost.get(`${svc} ${resource}`);
        if (fail?.raw !== undefined) {
          res.writeHead(fail.status, { 'Content-Type': 'application/json' });
          return res.end(fail.raw);
        }
        if (fail) return send(fail.status, fail.body);
        const id = entries.length + 1;
        const stored = resource === 'rootfolder' ? { ...r.body, id, accessible: true, unmappedFolders: [] } : resource === 'tag' ? { ...r.body, id } : asServed(r.body, id);
        entries.push(stored);
        return send(201, stored);
      }
      send(405, {});
    });
  }
}

/**
 * The wiring job's data pointed at a fake on 127.0.0.1:`port` (each app under its instance name)
 * with the folders it creates or checks under `root`; the bodies keep the real URLs and paths.
 */
export function wiringDataAtFake(data: WiringData, port: number, root: string): WiringData {
  const apps = data.apps.map((app) => ({
    ...app,
    api: app.api.replace(/^http:\/\/([a-z0-9-]+)\.[a-z0-9-]+\.svc\.cluster\.local:\d+\//, `http://127.0.0.1:${port}/$1/`),
    collections: app.collections.map((c) => ({ ...c, entries: c.entries.map((e) => (e.folder ? { ...e, folder: { ...e.folder, path: `${root}${e.folder.path}` } } : e)) })),
  }));
  const astray = apps.filter((a) => !a.api.startsWith(`http://127.0.0.1:${port}/`)).map((a) => a.api);
  if (astray.length) throw new Error(`wiring data: not pointed at the fake: ${astray.join(', ')}`);
  return { apps };
}
