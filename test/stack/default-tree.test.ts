import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { bareEnv, kubectlKustomize, kustomizeDirs, PROJECT, readTree, synthInto } from './support.js';

const DIST = join(PROJECT, 'dist');

describe('the committed dist/ (default config)', () => {
  let fresh: Map<string, string>;
  let out: string;

  beforeAll(async () => {
    // Like CI: no age identity, no operator values; encrypted Secrets are kept from dist/.
    ({ out } = await synthInto({ env: bareEnv(), previousDir: DIST }));
    fresh = readTree(out);
  });

  it('equals a fresh synth of the default config, byte for byte', () => {
    const committed = readTree(DIST);
    expect([...fresh.keys()].sort()).toEqual([...committed.keys()].sort());
    for (const [path, content] of fresh) expect(committed.get(path), path).toBe(content);
  });

  it('changes no byte when synthesized again into the same folder', async () => {
    const before = readTree(out);
    await synthInto({ env: bareEnv(), out });
    expect(readTree(out)).toEqual(before);
  });

  it('mirrors the anchors’ layout: apps/media/<app>/{ks.yaml,app/}, infrastructure beside it', () => {
    const dirs = new Set([...fresh.keys()].map((p) => posix.dirname(p)));
    for (const app of ['sonarr', 'radarr', 'prowlarr', 'profilarr', 'decypharr', 'plex', 'clusterplex', 'pulsarr', 'nfs', 'storage', 'network-policies', 'arr-wiring']) {
      expect(dirs.has(`clusters/homelab/apps/media/${app}/app`), app).toBe(true);
      expect(fresh.has(`clusters/homelab/apps/media/${app}/ks.yaml`), app).toBe(true);
    }
    for (const infra of ['gpu-device-plugin', 'storage']) expect(fresh.has(`clusters/homelab/infrastructure/${infra}/ks.yaml`), infra).toBe(true);
    expect(fresh.has('clusters/homelab/apps/media/namespace.yaml')).toBe(true);
    expect(fresh.has('clusters/homelab/apps/media/sonarr/app/statefulset.yaml')).toBe(true);
    expect(fresh.has('clusters/homelab/apps/media/sonarr/app/pvc-config.yaml')).toBe(true);
    expect(fresh.has('clusters/homelab/apps/media/sonarr/app/secret.sops.yaml')).toBe(true);
    expect(fresh.has('clusters/homelab/media-stack.yaml')).toBe(false);
  });

  it('has a kustomization.yaml in every folder but the app folders, listing exactly its own YAML files', () => {
    const dirs = new Set([...fresh.keys()].filter((p) => p.startsWith('clusters/')).map((p) => posix.dirname(p)));
    for (const dir of dirs) {
      const k = fresh.get(`${dir}/kustomization.yaml`);
      if (fresh.has(`${dir}/ks.yaml`)) {
        expect(k, dir).toBeUndefined();
        continue;
      }
      expect(k, dir).toBeDefined();
      const listed = (parseAllDocuments(k!)[0]!.toJS() as { resources: string[] }).resources
        .map((r) => r.replace(/^\.\//, ''))
        .filter((r) => !r.includes('/') && r.endsWith('.yaml'));
      const files = [...fresh.keys()].filter((p) => posix.dirname(p) === dir && p.endsWith('.yaml') && !p.endsWith('/kustomization.yaml')).map((p) => posix.basename(p));
      expect(listed.sort(), dir).toEqual(files.sort());
    }
  });

  it('builds every folder with kubectl kustomize', () => {
    const dirs = kustomizeDirs(DIST);
    expect(dirs.length).toBeGreaterThan(10);
    for (const d of dirs) expect(() => kubectlKustomize(join(DIST, d)), d).not.toThrow();
  });

  it('is bootstrappable as its runbook says: in the folder of the GitOps repository it names, every Flux path builds', () => {
    const bootstrap = readFileSync(join(DIST, 'docs/homelab/bootstrap.md'), 'utf8');
    const folder = /--out <GitOps repository>\/(\S+)/.exec(bootstrap)?.[1];
    expect(folder, 'the synth command names the folder inside the GitOps repository').toBeDefined();
    const repo = mkdtempSync(join(tmpdir(), 'gitops-'));
    cpSync(DIST, join(repo, folder!), { recursive: true });
    // The one Kustomization the runbook tells the operator to commit next to Flux's own files.
    const entry = /kind: Kustomization\n[\s\S]*?\n {2}path: (\S+)\n/.exec(bootstrap)?.[1];
    expect(entry).toBeDefined();
    const built = parseAllDocuments(kubectlKustomize(join(repo, entry!))).map((d) => d.toJS());
    expect(built.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name)).toEqual(['media']);
    const listed = built.filter((o) => o.kind !== 'Namespace');
    expect(listed.length).toBeGreaterThan(10);
    for (const ks of listed) {
      expect(ks.apiVersion).toBe('kustomize.toolkit.fluxcd.io/v1');
      expect(() => kubectlKustomize(join(repo, ks.spec.path)), `${ks.metadata.name}: ${ks.spec.path}`).not.toThrow();
    }
  });

  it('orders the Flux Kustomizations in the seed phases, with SOPS decryption wherever a Secret is', () => {
    const docs = [...fresh.entries()].filter(([p]) => p.endsWith('/ks.yaml')).flatMap(([, t]) => parseAllDocuments(t).map((d) => d.toJS()));
    const ks = Object.fromEntries(docs.map((d: any) => [d.metadata.name, d.spec]));
    const deps = (n: string) => (ks[n].dependsOn ?? []).map((d: any) => d.name);
    expect(deps('decypharr')).toEqual(expect.arrayContaining(['sonarr', 'radarr', 'media-nfs']));
    expect(deps('prowlarr')).toEqual(expect.arrayContaining(['sonarr', 'radarr']));
    expect(deps('plex')).toEqual(expect.arrayContaining(['decypharr', 'gpu-device-plugin']));
    expect(deps('clusterplex')).toEqual(expect.arrayContaining(['plex', 'gpu-device-plugin']));
    expect(deps('pulsarr')).toEqual(expect.arrayContaining(['plex', 'sonarr', 'radarr']));
    for (const [name, spec] of Object.entries<any>(ks)) {
      expect(spec.prune, name).toBe(true);
      const dir = posix.relative('media-stack', spec.path);
      const hasSecret = [...fresh.keys()].some((p) => posix.dirname(p) === dir && p.endsWith('.sops.yaml'));
      expect(Boolean(spec.decryption), name).toBe(hasSecret);
      if (hasSecret) expect(spec.decryption).toEqual({ provider: 'sops', secretRef: { name: 'sops-age' } });
      for (const d of spec.dependsOn ?? []) expect(ks[d.name], `${name} → ${d.name}`).toBeDefined();
    }
    expect(ks.decypharr.wait).toBe(true);
    expect(ks.sonarr.wait).toBe(false);
  });

  it('has no Secret with a plaintext value: every data/stringData value is ENC[…] and a sops block is present', () => {
    let secrets = 0;
    for (const [path, content] of fresh) {
      if (!path.endsWith('.yaml')) continue;
      for (const doc of parseAllDocuments(content).map((d) => d.toJS())) {
        if (doc?.kind !== 'Secret') continue;
        // Created empty once for a writer in the cluster (plex-token): it has no value to encrypt.
        if (doc.metadata?.annotations?.['kustomize.toolkit.fluxcd.io/ssa'] === 'IfNotPresent') {
          for (const v of Object.values({ ...(doc.stringData ?? {}), ...(doc.data ?? {}) })) expect(v, path).toBe('');
          continue;
        }
        secrets++;
        expect(path).toMatch(/\.sops\.yaml$/);
        expect(doc.sops?.mac, path).toMatch(/^ENC\[AES256_GCM,/);
        for (const v of Object.values({ ...(doc.stringData ?? {}), ...(doc.data ?? {}) })) expect(v, path).toMatch(/^ENC\[AES256_GCM,data:/);
      }
    }
    expect(secrets).toBeGreaterThanOrEqual(5);
  });

  it('leaves the previous output byte-identical when a synth fails', async () => {
    const copy = join(mkdtempSync(join(tmpdir(), 'keep-')), 'dist');
    cpSync(DIST, copy, { recursive: true });
    const before = readTree(copy);
    const bad = join(mkdtempSync(join(tmpdir(), 'bad-')), 'bad.json');
    writeFileSync(bad, JSON.stringify({ apps: { decypharr: { nfsClusterIP: 'not-an-ip' } } }));
    await expect(synthInto({ config: bad, env: bareEnv(), out: copy })).rejects.toThrow(/apps\.decypharr\.nfsClusterIP/);
    // a synth that fails later (missing operator values for a new Secret location) also writes nothing
    const other = join(mkdtempSync(join(tmpdir(), 'bad-')), 'other.json');
    writeFileSync(other, JSON.stringify({ cluster: 'elsewhere' }));
    await expect(synthInto({ config: other, env: bareEnv(), out: copy })).rejects.toThrow(/MEDIA_STACK_SECRET__DECYPHARR_SECRETS__REALDEBRID_API_KEY/);
    expect(readTree(copy)).toEqual(before);
    expect(readFileSync(join(copy, 'clusters/homelab/apps/media/sonarr/ks.yaml'), 'utf8')).toBe(before.get('clusters/homelab/apps/media/sonarr/ks.yaml'));
  });
});
