/**
 * Route descriptions of apps without an OpenAPI document (Decypharr, Profilarr), derived from
 * their source at the pinned version (test/fixtures/app-apis/<app>/routes.json, see PROVENANCE.md
 * there), and the check of a recorded request against them: the route exists, and a form carries
 * exactly its fields with their constraints.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StubRequest } from './setup-jobs.js';

interface FormSpec {
  readonly fields: readonly string[];
  readonly optional?: readonly string[];
  readonly equal?: readonly (readonly [string, string])[];
  readonly minLength?: Readonly<Record<string, number>>;
  readonly oneOf?: Readonly<Record<string, readonly string[]>>;
}

export interface RouteSpec {
  readonly method: string;
  readonly path: string;
  readonly access: 'public' | 'auth' | 'session';
  readonly form?: FormSpec;
  readonly answers?: Readonly<Record<string, any>>;
}

export interface AppRoutes {
  readonly routes: readonly RouteSpec[];
  readonly [more: string]: any;
}

export function appRoutes(app: 'decypharr' | 'profilarr'): AppRoutes {
  return JSON.parse(readFileSync(join(process.cwd(), 'test/fixtures/app-apis', app, 'routes.json'), 'utf8'));
}

/** The route a request calls (undefined: the app has none). */
export function routeOf(api: AppRoutes, r: Pick<StubRequest, 'method' | 'path'>): RouteSpec | undefined {
  return api.routes.find((x) => x.method === r.method && x.path === r.path);
}

/** What is wrong with a request by the app's routes ([] when nothing). */
export function violations(api: AppRoutes, r: StubRequest): string[] {
  const route = routeOf(api, r);
  if (!route) return [`${r.method} ${r.path}: no such route`];
  const form = route.form;
  if (!form) return r.text ? [`${r.method} ${r.path}: takes no body, got ${r.text.length} bytes`] : [];
  const at = `${r.method} ${r.path}`;
  if (!(r.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) return [`${at}: not a form (${r.headers['content-type']})`];
  const body: Record<string, string> = r.body ?? {};
  const problems: string[] = [];
  for (const f of form.fields) if (!body[f]) problems.push(`${at}: field ${f} missing or empty`);
  for (const f of Object.keys(body)) if (!form.fields.includes(f) && !(form.optional ?? []).includes(f)) problems.push(`${at}: unknown field ${f}`);
  for (const [a, b] of form.equal ?? []) if (body[a] !== body[b]) problems.push(`${at}: ${a} and ${b} differ`);
  for (const [f, n] of Object.entries(form.minLength ?? {})) if ((body[f] ?? '').trim().length < n) problems.push(`${at}: ${f} shorter than ${n}`);
  for (const [f, values] of Object.entries(form.oneOf ?? {})) if (!values.includes(body[f] ?? '')) problems.push(`${at}: ${f} not one of ${values.join(', ')}`);
  return problems;
}
