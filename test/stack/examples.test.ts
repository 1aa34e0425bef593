import { parsePublicValues, PUBLIC_VALUES_FILE } from '../../src/secrets/demo-values.js';
import { join, posix } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { loadConfig } from '../../src/stack-config.js';
import { CONFIG_CHECKSUM_ANNOTATION } from '../../src/pipeline/restart-on-change.js';
import { synthesize } from '../../src/synth.js';
import { bareEnv, operatorEnv, kubectlKustomize, kustomizeDirs, PROJECT, readTree, synthInto } from './support.js';

/** The tree with every encrypted Secret reduced to its clear structure (ciphertexts are random). */
function stableTree(tree: Map<string, string>): Record<string, string> {
  return Object.fromEntries(
    [...tree.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([path, text]) => {
        // Fingerprints of freshly generated values differ on every run: only their number is stable.
        if (path.endsWith(`/${PUBLIC_VALUES_FILE}`)) return [path, `${parsePublicValues(text).size} fingerprints`];
        // A pod template's checksum covers the ciphertexts of the Secrets it reads: as random as they are.
        const checksum = new RegExp(`(${CONFIG_CHECKSUM_ANNOTATION}: )"?[0-9a-f]{64}"?`, 'g');
        if (!path.endsWith('.sops.yaml') || path === '.sops.yaml') return [path, text.replace(checksum, '$1<sha256>')];
        const doc = parseAllDocuments(text)[0]!.toJS();
        return [
          path,
          `Secret ${doc.metadata.namespace}/${doc.metadata.name} keys: ${Object.keys(doc.stringData ?? {}).join(', ')} recipients: ${doc.sops.age.map((a: any) => a.recipient).join(', ')}`,
        ];
      }),
  );
}

/** Every (Secret name, key) a workload or CronJob reads through secretKeyRef / envFrom. */
function consumedSecretKeys(objects: any[]): string[] {
  const out = new Set<string>();
  const visit = (x: any) => {
    if (Array.isArray(x)) {
      x.forEach(visit);
      return;
    }
    if (!x || typeof x !== 'object') return;
    if (x.secretKeyRef) out.add(`${x.secretKeyRef.name}/${x.secretKeyRef.key}`);
    Object.values(x).forEach(visit);
  };
  objects.filter((o) => ['StatefulSet', 'Deployment', 'DaemonSet', 'CronJob'].includes(o.kind)).forEach((o) => visit(o.spec));
  return [...out].sort();
}

const DIST = join(PROJECT, 'dist');

/**
 * examples/homelab.ts spells out the default config: its tree is the committed dist/ (which
 * test/stack/default-tree.test.ts proves equals a fresh synth), so it is compared with dist/
 * instead of being stored a second time in a snapshot. Only trees dist/ does not hold are
 * snapshots.
 */
describe.each([
  ['examples/homelab.ts', 'homelab', 'dist'],
  ['examples/single-node.ts', 'nas', 'snapshot'],
  // The homelab with one feature more: synthesized like dist/, only what differs is a snapshot.
  ['examples/homelab-external-worker.ts', 'homelab', 'dist-diff'],
  ['examples/homelab-backups.ts', 'homelab', 'dist-diff'],
] as const)('%s', (file, cluster, expected) => {
  let tree: Map<string, string>;
  let out: string;
  beforeAll(async () => {
    const cfg = await loadConfig(file);
    // The homelab example is synthesized like dist/ (no identity, no operator values, Secrets
    // kept from dist/), so its tree must equal dist/ byte for byte.
    ({ out } = await synthInto(expected === 'snapshot' ? { config: file, env: operatorEnv(cfg) } : { config: file, env: bareEnv(), previousDir: DIST }));
    tree = readTree(out);
  });

  it(expected === 'dist' ? 'synthesizes, passes every quality gate and equals the committed dist/' : 'synthesizes, passes every quality gate and matches its snapshot', () => {
    expect(tree.has(`clusters/${cluster}/kustomization.yaml`)).toBe(true);
    if (expected === 'dist') {
      const committed = readTree(DIST);
      expect([...tree.keys()].sort()).toEqual([...committed.keys()].sort());
      for (const [path, content] of tree) expect(content, path).toBe(committed.get(path));
    } else if (expected === 'dist-diff') {
      const committed = readTree(DIST);
      const removed = [...committed.keys()].filter((p) => !tree.has(p)).sort();
      const changed = [...tree.entries()].filter(([p, text]) => committed.get(p) !== text);
      expect({ removed, changed: stableTree(new Map(changed)) }).toMatchSnapshot();
    } else expect(stableTree(tree)).toMatchSnapshot();
  });

  it('builds every folder with kubectl kustomize', () => {
    const dirs = kustomizeDirs(out);
    expect(dirs.length).toBeGreaterThan(5);
    for (const d of dirs) expect(() => kubectlKustomize(join(out, d)), d).not.toThrow();
  });

  it('lays each component out as <folder>/ks.yaml next to app/, all reached from the cluster folder', () => {
    const root = `clusters/${cluster}`;
    const docsOf = (text: string) => parseAllDocuments(text).map((d) => d.toJS());
    const idOf = (o: any) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    const ksFiles = [...tree.keys()].filter((p) => p.endsWith('/ks.yaml')).sort();
    expect(ksFiles.length).toBeGreaterThan(5);
    // the entry point applies every namespace and every Flux Kustomization, nothing else
    const entry = docsOf(kubectlKustomize(join(out, root)));
    const expectedEntry = [...tree.entries()]
      .filter(([p]) => p.startsWith(`${root}/`) && (p.endsWith('/ks.yaml') || p.endsWith('/namespace.yaml')))
      .flatMap(([, text]) => docsOf(text));
    expect(entry.map(idOf).sort()).toEqual(expectedEntry.map(idOf).sort());
    // each Kustomization applies its own app/ folder, which builds alone; together they hold every other manifest
    const applied: string[] = [];
    for (const file of ksFiles) {
      const [ks] = docsOf(tree.get(file)!);
      const folder = posix.join(posix.dirname(file), 'app');
      expect(ks.spec.path, file).toBe(`./${posix.join('media-stack', folder)}`);
      expect(ks.spec.sourceRef, file).toEqual({ kind: 'GitRepository', name: 'flux-system', namespace: 'flux-system' });
      expect(ks.spec.prune, file).toBe(true);
      expect(tree.has(posix.join(posix.dirname(file), 'kustomization.yaml')), file).toBe(false);
      expect(
        [...tree.keys()].filter((p) => posix.dirname(p) === posix.dirname(file)),
        file,
      ).toEqual([file]);
      applied.push(...docsOf(kubectlKustomize(join(out, folder))).map(idOf));
    }
    const manifests = [...tree.entries()]
      .filter(([p]) => p.startsWith(`${root}/`) && p.endsWith('.yaml') && !p.endsWith('/kustomization.yaml') && !p.endsWith('/ks.yaml') && !p.endsWith('/namespace.yaml'))
      .flatMap(([, text]) => docsOf(text).map(idOf));
    expect(applied.sort()).toEqual(manifests.sort());
  });

  it('starts every YAML file with a yaml-language-server schema line', () => {
    const yaml = [...tree.entries()].filter(([p]) => p.startsWith('clusters/') && p.endsWith('.yaml'));
    expect(yaml.length).toBeGreaterThan(20);
    for (const [path, text] of yaml)
      expect(text.split('\n')[0], path).toMatch(
        /^# yaml-language-server: \$schema=https:\/\/\S+\.json$|^# yaml-language-server: \$schema=https:\/\/json\.schemastore\.org\/kustomization$/,
      );
  });
});

describe('the seed-004 example', () => {
  it('contains every seed-004 component', async () => {
    const cfg = await loadConfig('examples/single-node.ts');
    const { out } = await synthInto({ config: 'examples/single-node.ts', env: operatorEnv(cfg) });
    const dirs = new Set([...readTree(out).keys()].map((p) => posix.dirname(p)));
    for (const app of ['sonarr', 'radarr', 'prowlarr', 'plex', 'postgres', 'qbittorrent', 'flaresolverr', 'byparr', 'configarr', 'samba']) {
      expect(dirs.has(`clusters/nas/apps/media/${app}/app`), app).toBe(true);
    }
    expect(dirs.has('clusters/nas/infrastructure/gpu-resource-driver/app')).toBe(true);
  });

  it('yields the same Secret names and keys with SOPS and with External Secrets, and they cover every consumer', async () => {
    const base = await loadConfig('examples/single-node.ts');
    const env = operatorEnv(base);
    const withBackend = async (backend: 'sops' | 'external-secrets') => {
      const config = { ...base, secrets: { ...base.secrets, backend } };
      const r = await synthesize({ config, projectDir: PROJECT, env });
      const objects = r.objects.map((p) => p.object as any);
      const produced = new Set<string>();
      for (const o of objects) {
        if (o.kind === 'Secret') for (const k of Object.keys({ ...o.stringData, ...o.data })) produced.add(`${o.metadata.name}/${k}`);
        if (o.kind === 'ExternalSecret') for (const d of o.spec.data) produced.add(`${o.spec.target.name}/${d.secretKey}`);
      }
      return { produced: [...produced].sort(), consumed: consumedSecretKeys(objects) };
    };
    const sops = await withBackend('sops');
    const eso = await withBackend('external-secrets');
    expect(eso.produced).toEqual(sops.produced);
    expect(eso.consumed).toEqual(sops.consumed);
    const optionalOnly = new Set(['plex-secrets/claim']);
    for (const key of sops.consumed) if (!optionalOnly.has(key)) expect(sops.produced, key).toContain(key);
  });
});
