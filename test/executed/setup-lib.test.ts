/**
 * The shared part of the first-boot jobs: src/lib/setup_lib.py run by the real python3 (through
 * the job's own ConfigMap, as its pod runs it) against a recording stub, and the CronJob that
 * addSetupJob builds.
 */
import { Chart, Testing } from 'cdk8s';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Component } from '../../src/lib/component.js';
import { addSetupJob, SETUP_SCRIPT_DIR } from '../../src/lib/setup-job.js';
import { resolveConfig } from '../../src/stack-config.js';
import type { KubeObject } from '../../src/output/model.js';
import { atStubs, RecordingStub, runSetupJob, setupJobOf } from './setup-jobs.js';

const KEY = 'k3y-0f-the-echo-app';
const site = resolveConfig({});

function build(script = 'test/fixtures/setup-job/echo-setup.py'): KubeObject[] {
  const chart = new Chart(Testing.app(), 'lib');
  const c = new Component(chart, 'echo', { dir: 'apps/media/echo', fluxName: 'echo', namespace: site.namespace, description: 'echo' });
  addSetupJob(c, site, {
    name: 'echo-setup',
    script,
    schedule: '*/30 * * * *',
    data: { api: 'http://echo.media.svc.cluster.local:8080/api', keyEnv: 'ECHO_API_KEY', items: ['one', 'two'] },
    env: { ECHO_API_KEY: { secret: 'echo-secrets', key: 'api-key' } },
    calls: [{ to: { app: 'echo' }, ports: [8080], why: 'adds the items' }],
  });
  return Testing.synth(chart) as KubeObject[];
}

describe('setup_lib.py, run by python3 as the CronJob runs it', () => {
  let items: { name: string }[] = [];
  let failPost: { status: number; body: unknown } | undefined;
  const stub = new RecordingStub((r) => {
    if (r.headers['x-api-key'] !== KEY) return { status: 401, body: { message: 'bad key' } };
    if (r.method === 'GET' && r.path === '/api/items') return { body: items };
    if (r.method === 'POST' && r.path === '/api/items') {
      if (failPost) return failPost;
      items.push(r.body);
      return { status: 201, body: r.body };
    }
    return undefined;
  });
  beforeAll(() => stub.start());
  afterAll(() => stub.stop());
  const job = setupJobOf(build(), 'echo-setup');
  const data = () => atStubs(job.data, { 'http://echo.media.svc.cluster.local:8080': stub.origin });

  it('adds what is missing, logs each step, and a second run adds nothing', async () => {
    items = [{ name: 'one' }];
    stub.requests.length = 0;
    const first = await runSetupJob(job, 'echo-setup', { data: data(), env: { ECHO_API_KEY: KEY } });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout.split('\n')).toEqual(['echo-setup: item one: present', 'echo-setup: item two: created', '']);
    expect(stub.writes().map((r) => r.body)).toEqual([{ name: 'two' }]);
    stub.requests.length = 0;
    const second = await runSetupJob(job, 'echo-setup', { data: data(), env: { ECHO_API_KEY: KEY } });
    expect(second.code).toBe(0);
    expect(stub.writes()).toEqual([]);
  });

  it('fails the run (exit 1) when a create fails, and never logs a secret value, even one the app echoes', async () => {
    items = [];
    failPost = { status: 400, body: { message: `rejected key ${KEY}` } };
    const r = await runSetupJob(job, 'echo-setup', { data: data(), env: { ECHO_API_KEY: KEY } });
    failPost = undefined;
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('echo-setup: ERROR: item one: not created, HTTP 400: ');
    expect(r.stdout).toContain('rejected key ***');
    expect(r.stdout + r.stderr).not.toContain(KEY);
  });

  it('names the empty variable when a secret is missing, and the address when the app does not answer', async () => {
    const missing = await runSetupJob(job, 'echo-setup', { data: data(), env: {} });
    expect(missing.code).toBe(1);
    expect(missing.stdout).toBe('echo-setup: ERROR: the environment variable ECHO_API_KEY is empty (its Secret key is missing)\n');
    const down = await runSetupJob(job, 'echo-setup', { data: { ...data(), api: 'http://127.0.0.1:9/api' }, env: { ECHO_API_KEY: KEY } });
    expect(down.code).toBe(1);
    expect(down.stdout).toMatch(/^echo-setup: ERROR: GET \/items: no answer: .*refused/);
  });
});

describe('addSetupJob', () => {
  it('mounts the library, the script and its data from one ConfigMap and runs python3 as the stack user', () => {
    const objects = build();
    const job = setupJobOf(objects, 'echo-setup');
    expect(Object.keys(job.files).sort()).toEqual(['echo-setup.json', 'echo-setup.py', 'setup_lib.py']);
    expect(job.container.command).toEqual(['python3', `${SETUP_SCRIPT_DIR}/echo-setup.py`, `${SETUP_SCRIPT_DIR}/echo-setup.json`]);
    expect(job.container.image).toMatch(/^python:3\.\d+\.\d+-alpine/);
    expect(job.container.env).toContainEqual({ name: 'ECHO_API_KEY', valueFrom: { secretKeyRef: { name: 'echo-secrets', key: 'api-key' } } });
    expect(job.container.securityContext.readOnlyRootFilesystem).toBe(true);
    const cron: any = objects.find((o) => o.kind === 'CronJob');
    expect(cron.spec.concurrencyPolicy).toBe('Forbid');
    expect(cron.spec.jobTemplate.spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: site.uid });
  });

  it('refuses a script that does not use the shared library', () => {
    expect(() => build('src/apps/arr-wiring/arr-wiring.sh')).toThrow('src/apps/arr-wiring/arr-wiring.sh must use the shared library (import setup_lib)');
  });
});
