/**
 * The executed-script tests can fail: the extraction reports what it cannot attribute, and the
 * runners reject broken variants of today's scripts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/output/model.js';
import { extractScripts, type EmbeddedScript } from './extract.js';
import { RUNNERS, type RunContext } from './runners.js';
import { synthExample, type Synthesized } from './support.js';

const deployment = (containers: any[], volumes: any[] = []): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'x', namespace: 'media' },
  spec: { template: { metadata: { labels: {} }, spec: { containers, volumes } } },
});

describe('script extraction', () => {
  it('finds inline, file and hook scripts, and reports what it cannot attribute', () => {
    const objects = [
      deployment(
        [
          { name: 'a', image: 'busybox:1.37.0', command: ['sh', '-c', 'echo a'] },
          { name: 'b', image: 'example.org/unknown:1', command: ['/bin/sh', '-c', 'echo b'] },
          { name: 'c', image: 'busybox:1.37.0', command: ['sh', '/scripts/run.sh'], volumeMounts: [{ name: 'scripts', mountPath: '/scripts' }] },
          { name: 'd', image: 'busybox:1.37.0', command: ['sh', '/missing/run.sh'] },
          { name: 'e', image: 'example.org/app:1', args: ['-c', 'echo hidden'] },
          {
            name: 'f',
            image: 'busybox:1.37.0',
            lifecycle: { preStop: { exec: { command: ['sh', '-c', 'umount /x'] } } },
            readinessProbe: { exec: { command: ['cat', '/ready'] } },
          },
        ],
        [{ name: 'scripts', configMap: { name: 'scripts' } }],
      ),
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'scripts', namespace: 'media' }, data: { 'run.sh': 'echo c', 'orphan.sh': 'echo o', 'config.json': '{}' } } as any,
    ];
    const found = extractScripts('t', objects);
    const by = (id: string) => found.find((s) => s.id === id);
    expect(found.map((s) => s.id)).toEqual([
      't Deployment/x a command',
      't Deployment/x b command',
      't Deployment/x c command',
      't Deployment/x d command',
      't Deployment/x e command',
      't Deployment/x f readinessProbe',
      't Deployment/x f lifecycle.preStop',
      't ConfigMap/scripts orphan.sh',
    ]);
    expect(by('t Deployment/x a command')).toMatchObject({ text: 'echo a', shell: { lint: 'sh', run: 'busybox' } });
    expect(by('t Deployment/x a command')!.problem).toBeUndefined();
    expect(by('t Deployment/x b command')!.problem).toMatch(/no shell known for `\/bin\/sh` in example\.org\/unknown:1/);
    expect(by('t Deployment/x c command')).toMatchObject({ text: 'echo c', file: { configMap: 'scripts', key: 'run.sh' } });
    expect(by('t Deployment/x d command')!.problem).toMatch(/not a mounted ConfigMap entry/);
    expect(by('t Deployment/x e command')!.problem).toMatch(/look like a script/);
    expect(by('t Deployment/x f readinessProbe')).toMatchObject({ argv: ['cat', '/ready'] });
    expect(by('t Deployment/x f lifecycle.preStop')).toMatchObject({ text: 'umount /x' });
    expect(by('t ConfigMap/scripts orphan.sh')!.problem).toMatch(/no container runs/);
    // None of the made-up scripts is claimed by a runner: the coverage test would name each.
    expect(found.filter((s) => RUNNERS.some((r) => r.claims(s))).map((s) => s.id)).toEqual([]);
  });
});

describe('the runners reject broken variants of the real scripts', () => {
  let synth: Synthesized;
  beforeAll(async () => {
    synth = await synthExample('examples/single-node.ts');
  });
  const ctx = (): RunContext => ({ synth, postgres: () => Promise.reject(new Error('no server in this file')) });
  const variant = (match: (s: EmbeddedScript) => boolean, edit: (text: string) => string) => {
    const s = synth.scripts.find(match)!;
    expect(s, 'the script exists').toBeDefined();
    const text = edit(s.text!);
    expect(text).not.toBe(s.text);
    const runner = RUNNERS.find((r) => r.claims(s))!;
    return { original: () => runner.run(s, ctx()), broken: () => runner.run({ ...s, text }, ctx()) };
  };

  it('host directories: a step that never hands the directory over', async () => {
    const v = variant(
      (s) => s.container?.name === 'prepare-host-dirs' && s.owner.metadata.name === 'sonarr',
      (t) => t.replace(/\|\| chown \S+/g, '|| true'),
    );
    await v.original();
    await expect(v.broken()).rejects.toThrow();
  });

  it('Samba users: passwords pasted into JSON without escaping', async () => {
    const v = variant(
      (s) => (s.text ?? '').includes('users.json'),
      (t) => t.replace(/"\$\(esc "(\$SAMBA_PASSWORD_\d+)"\)"/g, '"$1"'),
    );
    await v.original();
    await expect(v.broken()).rejects.toThrow();
  });

  it('Arr wiring: a body field the API does not have, and a run that always re-adds', async () => {
    const isWiring = (s: EmbeddedScript) => s.container?.name === 'arr-wiring' && s.where === 'command';
    // The bodies are data: the broken variant carries an edited ConfigMap.
    const s = synth.scripts.find(isWiring)!;
    const runner = RUNNERS.find((r) => r.claims(s))!;
    const objects = s.objects.map((o: any) => {
      if (o.kind !== 'ConfigMap' || o.metadata.name !== s.file?.configMap) return o;
      const data = o.data['arr-wiring.json'].replace('\\"removeCompletedDownloads\\":true', '\\"removeCompletedDownloads\\":true,\\"deleteAfter\\":1');
      expect(data).not.toBe(o.data['arr-wiring.json']);
      return { ...o, data: { ...o.data, 'arr-wiring.json': data } };
    });
    await expect(runner.run({ ...s, objects }, ctx())).rejects.toThrow(/deleteAfter/);
    const notIdempotent = variant(isWiring, (t) => t.replace('if present "$1"; then', 'if false; then'));
    await expect(notIdempotent.broken()).rejects.toThrow();
  });

  it('VPN rule cleanup: only one address family', async () => {
    const v = variant(
      (s) => s.where === 'lifecycle.postStart' && (s.text ?? '').includes('ip rule del'),
      (t) => t.replace('; ip -6 rule del table 51820', ''),
    );
    await v.original();
    await expect(v.broken()).rejects.toThrow();
  });
});
