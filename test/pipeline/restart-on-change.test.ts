import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { resolveConfig } from '../../src/stack-config.js';
import type { KubeObject, PlacedObject } from '../../src/output/model.js';
import { writeTree } from '../../src/output/write.js';
import { CONFIG_CHECKSUM_ANNOTATION, RELOADER_CONFIGMAPS_ANNOTATION, RELOADER_SECRETS_ANNOTATION, restartOnChange } from '../../src/pipeline/restart-on-change.js';
import { defaultSopsConfigText } from '../../src/sops/config.js';
import { secretEnvVarName } from '../../src/secrets/model.js';
import { synthesize } from '../../src/synth.js';
import { operatorEnv, readTree } from '../stack/support.js';

const checksumMode = resolveConfig({});
const reloaderMode = resolveConfig({ rollout: { restartOnChange: 'reloader' } });

const workload = (kind: string, name: string, pod: Record<string, unknown>): KubeObject => {
  const template = { metadata: { labels: { app: name } }, spec: pod };
  return {
    apiVersion: kind === 'CronJob' || kind === 'Job' ? 'batch/v1' : 'apps/v1',
    kind,
    metadata: { name, namespace: 'media' },
    spec: kind === 'CronJob' ? { schedule: '@daily', jobTemplate: { spec: { template } } } : { template },
  };
};
const configMap = (name: string, data: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'media' }, data });
const secret = (name: string, stringData: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'media' }, stringData });
const placedAll = (objects: KubeObject[]): PlacedObject[] => objects.map((object, i) => ({ object, path: `clusters/x/f${i}.yaml` }));
const envFromKey = (kind: 'secretKeyRef' | 'configMapKeyRef', name: string, key: string) => ({ name: `${name}-${key}`.toUpperCase(), valueFrom: { [kind]: { name, key } } });
const podAnnotations = (o: KubeObject): Record<string, string> | undefined => {
  const spec = o.spec as any;
  return (spec.jobTemplate ? spec.jobTemplate.spec.template : spec.template).metadata.annotations;
};
const checksumOf = (objects: readonly PlacedObject[], name: string) => podAnnotations(objects.find((p) => p.object.metadata.name === name)!.object)?.[CONFIG_CHECKSUM_ANNOTATION];

/** A stack in miniature: one consumer per way a pod can read a Secret or ConfigMap. */
function miniature(values: { token?: string; other?: string; level?: string; unrelated?: string } = {}): KubeObject[] {
  return [
    secret('app-secrets', { token: values.token ?? 'ENC[AES256_GCM,data:aaa,iv:1,tag:1,type:str]', other: values.other ?? 'ENC[AES256_GCM,data:bbb,iv:2,tag:2,type:str]' }),
    configMap('app-config', { level: values.level ?? 'info', unrelated: values.unrelated ?? 'x' }),
    workload('Deployment', 'env-key', { containers: [{ name: 'c', image: 'i:1', env: [envFromKey('secretKeyRef', 'app-secrets', 'token')] }] }),
    workload('StatefulSet', 'env-from', { containers: [{ name: 'c', image: 'i:1', envFrom: [{ secretRef: { name: 'app-secrets' } }] }] }),
    workload('DaemonSet', 'cm-key', {
      initContainers: [{ name: 'i', image: 'i:1', env: [envFromKey('configMapKeyRef', 'app-config', 'level')] }],
      containers: [{ name: 'c', image: 'i:1' }],
    }),
    workload('CronJob', 'projected', {
      containers: [{ name: 'c', image: 'i:1' }],
      volumes: [{ name: 'p', projected: { sources: [{ secret: { name: 'app-secrets', items: [{ key: 'other', path: 'o' }] } }, { configMap: { name: 'app-config' } }] } }],
    }),
    workload('Deployment', 'cm-volume-item', {
      containers: [{ name: 'c', image: 'i:1' }],
      volumes: [{ name: 'v', configMap: { name: 'app-config', items: [{ key: 'unrelated', path: 'u' }] } }],
    }),
    workload('Deployment', 'secret-volume', { containers: [{ name: 'c', image: 'i:1' }], volumes: [{ name: 'v', secret: { secretName: 'app-secrets' } }] }),
    workload('Job', 'one-off', { containers: [{ name: 'c', image: 'i:1', envFrom: [{ secretRef: { name: 'app-secrets' } }] }], restartPolicy: 'Never' }),
    workload('Deployment', 'plain', { containers: [{ name: 'c', image: 'i:1', env: [{ name: 'A', value: 'b' }] }] }),
  ];
}

describe('restart-on-change stage (checksum mode)', () => {
  const before = restartOnChange(checksumMode, placedAll(miniature()));
  const consumers = ['env-key', 'env-from', 'cm-key', 'projected', 'cm-volume-item', 'secret-volume'];

  it('annotates every rolling pod template that consumes a Secret or ConfigMap, in every way it can, and nothing else', () => {
    for (const name of consumers) expect(checksumOf(before, name), name).toMatch(/^[0-9a-f]{64}$/);
    // a Job's template is immutable; a pod without Secrets or ConfigMaps has nothing to follow
    expect(checksumOf(before, 'one-off')).toBeUndefined();
    expect(checksumOf(before, 'plain')).toBeUndefined();
    // the checksum is of what is read, not of who reads it: all of one Secret through envFrom or a volume is the same input
    expect(checksumOf(before, 'env-from')).toBe(checksumOf(before, 'secret-volume'));
    expect(new Set(consumers.map((n) => checksumOf(before, n))).size).toBe(consumers.length - 1);
  });

  it('returns the objects without a consumer untouched and keeps every file', () => {
    const input = placedAll(miniature());
    const out = restartOnChange(checksumMode, input);
    expect(out.map((p) => p.path)).toEqual(input.map((p) => p.path));
    for (const name of ['app-secrets', 'app-config', 'one-off', 'plain']) {
      const i = input.findIndex((p) => p.object.metadata.name === name);
      expect(out[i], name).toBe(input[i]);
    }
    // the input objects are not modified
    expect(podAnnotations(input.find((p) => p.object.metadata.name === 'env-key')!.object)).toBeUndefined();
  });

  it('is deterministic: the same objects give the same bytes', () => {
    expect(JSON.stringify(restartOnChange(checksumMode, placedAll(miniature())))).toBe(JSON.stringify(before));
  });

  const changedBy = (values: Parameters<typeof miniature>[0]) => {
    const after = restartOnChange(checksumMode, placedAll(miniature(values)));
    return consumers.filter((n) => checksumOf(after, n) !== checksumOf(before, n));
  };

  it('changes the checksum of exactly the pods that read the changed key', () => {
    expect(changedBy({ token: 'ENC[AES256_GCM,data:ccc,iv:3,tag:3,type:str]' })).toEqual(['env-key', 'env-from', 'secret-volume']);
    expect(changedBy({ other: 'ENC[AES256_GCM,data:ddd,iv:4,tag:4,type:str]' })).toEqual(['env-from', 'projected', 'secret-volume']);
    expect(changedBy({ level: 'debug' })).toEqual(['cm-key', 'projected']);
    expect(changedBy({ unrelated: 'y' })).toEqual(['projected', 'cm-volume-item']);
  });

  it('follows an ExternalSecret by the Secret it creates (its spec: the values are outside the tree)', () => {
    const external = (remoteKey: string): KubeObject => ({
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: { name: 'es', namespace: 'media' },
      spec: { target: { name: 'app-secrets' }, data: [{ secretKey: 'token', remoteRef: { key: remoteKey } }] },
    });
    const consumer = workload('Deployment', 'env-key', { containers: [{ name: 'c', image: 'i:1', env: [envFromKey('secretKeyRef', 'app-secrets', 'token')] }] });
    const a = checksumOf(restartOnChange(checksumMode, placedAll([external('TOKEN'), consumer])), 'env-key');
    const b = checksumOf(restartOnChange(checksumMode, placedAll([external('TOKEN_V2'), consumer])), 'env-key');
    const missing = checksumOf(restartOnChange(checksumMode, placedAll([consumer])), 'env-key');
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(new Set([a, b, missing]).size).toBe(3);
  });
});

describe('restart-on-change stage (reloader mode)', () => {
  const out = restartOnChange(reloaderMode, placedAll(miniature()));
  const annotationsOf = (name: string) => out.find((p) => p.object.metadata.name === name)!.object.metadata.annotations;

  it("names on each workload exactly the Secrets and ConfigMaps it consumes (Reloader's named-resource annotations), and no checksum", () => {
    expect(annotationsOf('env-key')).toEqual({ [RELOADER_SECRETS_ANNOTATION]: 'app-secrets' });
    expect(annotationsOf('cm-key')).toEqual({ [RELOADER_CONFIGMAPS_ANNOTATION]: 'app-config' });
    expect(annotationsOf('projected')).toEqual({ [RELOADER_SECRETS_ANNOTATION]: 'app-secrets', [RELOADER_CONFIGMAPS_ANNOTATION]: 'app-config' });
    expect(annotationsOf('one-off')).toBeUndefined();
    expect(annotationsOf('plain')).toBeUndefined();
    for (const p of out) if (p.object.kind !== 'Secret' && p.object.kind !== 'ConfigMap') expect(podAnnotations(p.object)).toBeUndefined();
  });
});

describe('restart on change in a real synth (own age key, SOPS)', () => {
  const cfg = resolveConfig({});
  const SONARR_KEY = secretEnvVarName('sonarr-secrets', 'api-key');
  let projectDir: string;
  let env: NodeJS.ProcessEnv;

  const synthTo = async (out: string, extra: NodeJS.ProcessEnv = {}) => {
    const result = await synthesize({ config: cfg, projectDir, previousDir: out, env: { ...env, ...extra } });
    await writeTree(out, result.files, { owner: cfg.cluster });
    return readTree(out);
  };

  beforeAll(() => {
    // A key of our own (the real age-keygen): no value goes to the demo recipient, so no public-values.txt.
    projectDir = mkdtempSync(join(tmpdir(), 'restart-project-'));
    const keyFile = join(projectDir, 'age.key');
    execFileSync('age-keygen', ['-o', keyFile], { stdio: 'pipe' });
    const recipient = /public key: (age1[0-9a-z]+)/.exec(readFileSync(keyFile, 'utf8'))![1]!;
    writeFileSync(join(projectDir, '.sops.yaml'), defaultSopsConfigText([recipient]));
    env = { ...operatorEnv(cfg), SOPS_AGE_KEY_FILE: keyFile };
  });

  it('changes no byte on a second synth; one changed value changes its Secret and the checksum of exactly its consumers', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'restart-out-')), 'dist');
    const first = await synthTo(out, { [SONARR_KEY]: 'a'.repeat(32) });
    expect([...first.keys()].some((p) => p.endsWith('public-values.txt'))).toBe(false);
    expect(await synthTo(out, { [SONARR_KEY]: 'a'.repeat(32) })).toEqual(first);

    const after = await synthTo(out, { [SONARR_KEY]: 'b'.repeat(32) });
    expect([...after.keys()].sort()).toEqual([...first.keys()].sort());
    const changed = [...after.keys()].filter((p) => after.get(p) !== first.get(p)).sort();
    // the consumers, found independently: every workload file that names the Secret
    const consumers = [...first.entries()]
      .filter(
        ([p, text]) =>
          p.startsWith('clusters/') && !p.endsWith('.sops.yaml') && /^kind: (Deployment|StatefulSet|DaemonSet|CronJob)$/m.test(text) && text.includes('sonarr-secrets'),
      )
      .map(([p]) => p);
    expect(consumers).toEqual(expect.arrayContaining(['clusters/homelab/apps/media/sonarr/app/statefulset.yaml', 'clusters/homelab/apps/media/arr-wiring/app/cronjob.yaml']));
    expect(changed).toEqual(['clusters/homelab/apps/media/sonarr/app/secret.sops.yaml', ...consumers].sort());

    for (const p of consumers) {
      const lines = (tree: Map<string, string>) => tree.get(p)!.split('\n');
      const diff = lines(after).filter((l, i) => l !== lines(first)[i]);
      expect(diff, p).toHaveLength(1);
      expect(diff[0], p).toMatch(new RegExp(`^\\s+${CONFIG_CHECKSUM_ANNOTATION}: "?[0-9a-f]{64}"?$`));
    }
    // neither value, nor a digest of one, reaches the tree
    for (const text of after.values()) {
      expect(text).not.toContain('b'.repeat(32));
      expect(text).not.toContain(createHash('sha256').update('b'.repeat(32)).digest('hex'));
    }
  });

  it('puts the checksum on the pod template, where a change rolls the pods', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'restart-out-')), 'dist');
    const tree = await synthTo(out);
    const sts = parseAllDocuments(tree.get('clusters/homelab/apps/media/sonarr/app/statefulset.yaml')!)[0]!.toJS();
    expect(sts.spec.template.metadata.annotations[CONFIG_CHECKSUM_ANNOTATION]).toMatch(/^[0-9a-f]{64}$/);
    expect(sts.metadata.annotations?.[CONFIG_CHECKSUM_ANNOTATION]).toBeUndefined();
  });
});
