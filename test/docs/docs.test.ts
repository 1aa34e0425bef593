import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { StackConfigInput } from '../../src/stack-config.js';
import { generateDocs } from '../../src/docs/index.js';
import { checkCommand, commandsOf, words } from './commands.js';
import singleNode from '../../examples/single-node.js';
import { docsInputOf } from './input.js';

const DIST_DOCS = join(process.cwd(), 'dist/docs/homelab');

const docsOf = (cfg: StackConfigInput = {}) => {
  const input = docsInputOf(cfg);
  const files = generateDocs(input);
  return { input, files, byPath: new Map(files.map((f) => [f.path, f.content])) };
};

/** Configs that exercise every branch of the docs. */
const CONFIGS: Record<string, StackConfigInput> = {
  default: {},
  'single node (hostPath)': { storage: { mode: 'hostPath', singleNodeHostname: 'media-box' } },
  'no Decypharr': { apps: { decypharr: { enabled: false } } },
  'no ClusterPlex, no GPU': { apps: { clusterplex: { enabled: false }, plex: { gpu: false }, intelGpuPlugin: { enabled: false } } },
  'External Secrets, no ingress': { ingress: { enabled: false }, secrets: { backend: 'external-secrets' } },
  'examples/single-node.ts (second design)': singleNode,
  'second design with ProtonWire': {
    ...singleNode,
    apps: {
      ...singleNode.apps,
      qbittorrent: {
        ...singleNode.apps!.qbittorrent,
        vpn: { provider: 'protonwire', server: 'node-nl-05.protonvpn.net', endpointCidrs: ['203.0.113.10/32'], bootstrapCidrs: ['203.0.113.20/32'] },
      },
    },
  },
  'second design on Longhorn with SOPS': {
    ...singleNode,
    storage: { mode: 'longhorn' },
    secrets: { backend: 'sops' },
    apps: { ...singleNode.apps, samba: { ...singleNode.apps!.samba, serviceType: 'ClusterIP' } },
  },
  'extra instances, other names': {
    cluster: 'lab',
    namespace: 'arr',
    flux: { namespace: 'flux', repoPath: './media-stack' },
    apps: { sonarr: { extraInstances: ['4k'] }, radarr: { extraInstances: ['anime'] }, clusterplex: { workers: 2 } },
  },
};

describe('generated docs for the default config', () => {
  const { files, byPath } = docsOf();

  it('writes the diagram and the runbooks under docs/', () => {
    expect(files.map((f) => f.path).sort()).toEqual([
      'docs/README.md',
      'docs/architecture.md',
      'docs/bootstrap.md',
      'docs/decypharr-dfs.md',
      'docs/downloads-and-database.md',
      'docs/failover.md',
      'docs/gpu-transcoding.md',
      'docs/post-deploy.md',
      'docs/secrets.md',
      'docs/state.md',
      'docs/streaming-to-permanent.md',
      'docs/verification.md',
    ]);
  });

  // The committed dist/ holds these pages (test/stack/default-tree.test.ts proves it equals a
  // fresh synth): compared with it instead of a second copy in a snapshot. One sentence differs:
  // docsInputOf() places no encrypted Secret objects, so the sops-version advice cannot say
  // that the files carry mac_only_encrypted (the real synth's page does).
  for (const f of files) {
    it(`${f.path} equals the committed dist/docs/homelab page`, () => {
      const committed = readFileSync(join(DIST_DOCS, posix.relative('docs', f.path)), 'utf8').split('\n');
      const ours = f.content.split('\n');
      expect(ours.length).toBe(committed.length);
      const differing = ours.flatMap((line, i) => (line === committed[i] ? [] : [[line, committed[i]]]));
      for (const [line, theirs] of differing) {
        expect(line).toMatch(/^Use `sops` 3\.9 or later: files written with `mac_only_encrypted`/);
        expect(theirs).toMatch(/^The Secret files are written with `mac_only_encrypted: true`: open them with `sops` 3\.9 or later/);
      }
      expect(differing.length).toBe(f.path === 'docs/bootstrap.md' ? 1 : 0);
    });
  }

  it('state.md lists every claim, PV and the namespace with its prune protection and how to delete it', () => {
    const page = byPath.get('docs/state.md')!;
    for (const name of ['media/config-sonarr', 'media/symlink-library', 'media-media-library', '`media`']) expect(page).toContain(name);
    expect(page).not.toContain('**enabled**');
    expect(page).toContain('codecs-clusterplex-worker-<ordinal>');
    expect(page).toMatch(/kubectl -n media delete pvc config-\w+/);
    expect(page).toContain('--allow-data-loss');
  });

  it('is deterministic', () => {
    expect(docsOf().files).toEqual(files);
  });

  it("fixes the design document's errors instead of repeating them", () => {
    const all = files.map((f) => f.content).join('\n');
    expect(all).not.toMatch(/sonarr\.homelab\/health/); // no /health route: /ping
    expect(all).toContain('curl -fsS http://sonarr.homelab/ping');
    expect(all).toContain('curl -fsS http://radarr.homelab/ping');
    expect(all).not.toMatch(/(?<!gpu\.)intel\.com\/gpu/); // the resource is gpu.intel.com/i915
    expect(all).toContain('gpu.intel.com/i915');
    expect(all).not.toMatch(/deployment\/clusterplex-worker/); // the workers are a StatefulSet
    expect(all).not.toMatch(/radarr[^\n]*:8989/); // Radarr listens on 7878
    expect(all).not.toMatch(/decypharr[^\n]*:8080|Port: `?8080/); // Decypharr listens on 8282
    expect(all).not.toMatch(/labels\.streaming-stack/); // the pod label is media-stack.io/streaming-stack
    expect(all).not.toMatch(/showmount -e [^\n]*&&/); // showmount cannot work (no portmapper)
    expect(all).toContain('--from-file=age.agekey=$HOME/.config/sops/age/keys.txt');
    // Decypharr as qBittorrent client: user = the Arr URL, password = its API key (not blank) —
    // the manual step, left only when the arr-wiring job (which adds it) is off.
    expect(byPath.get('docs/post-deploy.md')).not.toContain('Decypharr as the download client');
    expect(docsOf({ apps: { arrWiring: { enabled: false } } }).byPath.get('docs/post-deploy.md')).toContain(
      "| `sonarr` | `decypharr.media.svc.cluster.local` | `8282` | `http://sonarr.media.svc.cluster.local:8989` | sonarr's API key |",
    );
    expect(byPath.get('docs/post-deploy.md')).toContain('sops -d --extract \'["stringData"]["api-key"]\' clusters/homelab/apps/media/sonarr/app/secret.sops.yaml');
  });

  it('lists the Flux Kustomizations in dependsOn order', () => {
    const rows = byPath
      .get('docs/bootstrap.md')!
      .split('\n')
      .filter((l) => /^\| \d+ \| `/.test(l))
      .map((l) => /^\| \d+ \| `([^`]+)`/.exec(l)![1]!);
    const { input } = docsOf();
    const ks = input.objects.map((p) => p.object as any).filter((o) => o.kind === 'Kustomization');
    expect([...rows].sort()).toEqual(ks.map((k) => k.metadata.name).sort());
    for (const k of ks) {
      for (const d of k.spec.dependsOn ?? []) expect(rows.indexOf(d.name), `${d.name} before ${k.metadata.name}`).toBeLessThan(rows.indexOf(k.metadata.name));
    }
  });
});

describe('the architecture diagrams', () => {
  const mermaidBlocks = (md: string) => [...md.matchAll(/```mermaid\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const ARROW = /^\s*([A-Za-z0-9_]+) (-->|---|-\.->|==>|~~~)(?:\|"[^"]*"\|)? ([A-Za-z0-9_]+)$/;

  /** Each node's declaration line and the subgraph it is declared in. */
  function nodesOf(block: string): Map<string, { decl: string; subgraph?: string }> {
    const out = new Map<string, { decl: string; subgraph?: string }>();
    const stack: string[] = [];
    for (const line of block.split('\n')) {
      const sub = /^\s*subgraph ([A-Za-z0-9_]+)\[/.exec(line);
      if (sub) {
        out.set(sub[1]!, { decl: line, ...(stack.length ? { subgraph: stack[stack.length - 1] } : {}) });
        stack.push(sub[1]!);
        continue;
      }
      if (/^\s*end$/.test(line)) {
        stack.pop();
        continue;
      }
      // Declarations, also chained by invisible links (`a["…"] ~~~ b["…"]`).
      for (const m of line.matchAll(/(?:^\s*|~~~ )([A-Za-z0-9_]+)[[(]/g)) out.set(m[1]!, { decl: line, ...(stack.length ? { subgraph: stack[stack.length - 1] } : {}) });
    }
    return out;
  }

  for (const [name, cfg] of Object.entries(CONFIGS)) {
    it(`${name}: every arrow joins declared nodes, every workload appears, and each mount sits in its pod's box`, () => {
      const { input, byPath } = docsOf(cfg);
      const md = byPath.get('docs/architecture.md')!;
      const blocks = mermaidBlocks(md);
      expect(blocks.length).toBeGreaterThanOrEqual(4);
      for (const b of blocks) {
        expect(b).toMatch(/^flowchart (LR|TB)\n/);
        const declared = nodesOf(b);
        const arrowLines = b.split('\n').filter((l) => /-->|---|-\.->|==>/.test(l) && !l.includes('~~~'));
        for (const l of arrowLines) {
          const e = ARROW.exec(l);
          expect(e, `arrow line parses: ${l}`).not.toBeNull();
          expect(declared.has(e![1]!), `${e![1]} declared`).toBe(true);
          expect(declared.has(e![3]!), `${e![3]} declared`).toBe(true);
        }
        // A mount node belongs to the subgraph of the pod that mounts it.
        for (const [id, n] of declared) if (id.startsWith('m_')) expect(n.subgraph, `${id} in its pod`).toBe(`p_${id.slice(2).replace(/_\d+$/, '')}`);
      }
      const workloads = input.objects.map((p) => p.object as any).filter((o) => ['StatefulSet', 'Deployment', 'DaemonSet'].includes(o.kind));
      for (const w of workloads) expect(blocks[0]).toContain(`["${w.metadata.name}<br/>${w.kind}`);
    });
  }

  it('groups pods by where they may run, from their node affinity and selectors', () => {
    const md = docsOf().byPath.get('docs/architecture.md')!;
    const nodes = nodesOf(mermaidBlocks(md)[0]!);
    for (const n of ['sonarr', 'radarr', 'decypharr', 'clusterplex_orchestrator']) expect(nodes.get(`w_media_${n}`)?.subgraph).toBe('storage_nodes');
    for (const n of ['media_plex', 'media_clusterplex_worker', 'kube_system_intel_gpu_plugin']) expect(nodes.get(`w_${n}`)?.subgraph).toBe('gpu_nodes');
    expect(nodes.get('storage_nodes')!.decl).toContain('node.longhorn.io/storage=enabled');
    expect(nodes.get('gpu_nodes')!.decl).toContain('gpu=true');
  });

  it("shows each pod's mounts inside its box, the DFS export behind its pinned ClusterIP, and calls through why-nodes", () => {
    const md = docsOf().byPath.get('docs/architecture.md')!;
    const blocks = mermaidBlocks(md);
    const shared = blocks.find((b) => b.includes('v_pvc_symlink_library[('))!;
    const nodes = nodesOf(shared);
    const plexMount = [...nodes].find(([, n]) => n.subgraph === 'p_w_media_plex' && n.decl.includes('"/mnt/streaming-media<br/>ro"'));
    expect(plexMount, shared).toBeDefined();
    expect(shared).toContain(`  ${plexMount![0]} -.-> v_pvc_symlink_library`);
    const serve = [...nodes].find(([, n]) => n.subgraph === 'p_w_media_decypharr' && n.decl.includes('serves it over NFS<br/>svc/decypharr-nfs 10.43.0.49:2049'));
    expect(serve, shared).toBeDefined();
    expect(shared).toContain(`  ${serve![0]} ==> v_pvc_decypharr_dfs`);
    const own = blocks.find((b) => b.includes('v_host__mnt_k8s_decypharr_dfs[('))!;
    const bidirectional = [...nodesOf(own)].find(([, n]) => n.decl.includes('decypharr: /mnt/dfs-host<br/>rw · Bidirectional'));
    expect(bidirectional?.[1].subgraph, own).toBe('p_w_media_decypharr');
    expect(own).toContain('rclone-nfs-server: /mnt/dfs-host<br/>ro · HostToContainer');
    const calls = blocks.find((b) => b.includes('"adds watchlisted series and movies"'))!;
    const why = /^\s*(c\d+_\d+)\("adds watchlisted series and movies"\)$/m.exec(calls)![1]!;
    expect(calls).toContain(`  w_media_pulsarr --- ${why}`);
    expect(calls).toContain(`  ${why} --> w_media_sonarr`);
    expect(calls).toMatch(/w_media_sonarr\["sonarr<br\/>:8989"\]/);
  });
});

describe('disabled apps disappear from the docs', () => {
  const cases: [string, StackConfigInput, RegExp][] = [
    // Pulsarr is named in the description of the Plex token (a key of the Plex Secret, optional without Pulsarr).
    ['pulsarr', { apps: { pulsarr: { enabled: false } } }, /pulsarr(?! watchlist sync)/i],
    ['profilarr', { apps: { profilarr: { enabled: false } } }, /profilarr/i],
    ['prowlarr', { apps: { prowlarr: { enabled: false } } }, /prowlarr/i],
    ['decypharr', { apps: { decypharr: { enabled: false } } }, /decypharr|\/mnt\/dfs|rclone/i],
    ['clusterplex', { apps: { clusterplex: { enabled: false } } }, /clusterplex|orchestrator|worker/i],
    ['plex', { apps: { plex: { enabled: false }, clusterplex: { enabled: false }, pulsarr: { enabled: false } } }, /plex-0|svc\/plex|statefulset\/plex|w_media_plex/i],
    ['radarr', { apps: { radarr: { enabled: false } } }, /radarr/i],
  ];
  for (const [app, cfg, pattern] of cases) {
    it(app, () => {
      const { files } = docsOf(cfg);
      for (const f of files) {
        const hit = pattern.exec(f.content);
        expect(hit ? `${f.path}: …${f.content.slice(Math.max(0, hit.index - 80), hit.index + 40)}…` : undefined).toBeUndefined();
      }
    });
  }

  it('drops the DFS and GPU runbooks with their apps, and failover without HA placement', () => {
    expect(docsOf({ apps: { decypharr: { enabled: false } } }).byPath.has('docs/decypharr-dfs.md')).toBe(false);
    expect(docsOf({ apps: { clusterplex: { enabled: false }, plex: { gpu: false }, intelGpuPlugin: { enabled: false } } }).byPath.has('docs/gpu-transcoding.md')).toBe(false);
    expect(docsOf({ storage: { mode: 'hostPath' } }).byPath.has('docs/failover.md')).toBe(false);
    expect(docsOf({ storage: { mode: 'hostPath' } }).byPath.get('docs/README.md')).not.toContain('failover.md');
  });
});

describe('the DFS runbooks follow the mount layout', () => {
  const { byPath } = docsOf();
  it('failover restarts the DFS readers that did not move (their NFS mounts hold handles of the old mount)', () => {
    const md = byPath.get('docs/failover.md')!;
    // Plex and the workers run on the GPU node in the default layout: they stay when the storage node drains.
    expect(md).toContain('kubectl rollout restart statefulset/plex -n media');
    expect(md).toContain('kubectl rollout restart statefulset/clusterplex-worker -n media');
    expect(md).not.toContain('kubectl rollout restart statefulset/sonarr');
    expect(md).toContain('Then restart `plex`, `clusterplex-worker` again, as after the failover.');
  });

  it('troubleshooting names the mount subdirectory, the readiness check and the dead-mount cleanup', () => {
    const md = byPath.get('docs/decypharr-dfs.md')!;
    expect(md).toContain('The mount sits in the subdirectory `/mnt/k8s/decypharr-dfs/dfs` on the node (`/mnt/dfs-host/dfs` in the pod, bound at `/mnt/dfs`');
    expect(md).toContain('Ready only while `test -f /mnt/dfs/version.txt` succeeds');
    expect(md).toContain("grep /mnt/k8s/decypharr-dfs /proc/mounts; umount -l /mnt/k8s/decypharr-dfs/dfs'");
    expect(md).toContain('is left over from the layout before this one (FUSE on the volume root)');
    expect(md).toContain('kubectl exec decypharr-0 -n media -c rclone-nfs-server -- ls /mnt/dfs-host/dfs');
    expect(md).toContain('rclone keeps its NFS file handles on `pvc/decypharr-nfs-handles`');
    // Propagation must be shared where the volume is, the parent of the mount.
    expect(md).toContain('findmnt -o TARGET,PROPAGATION --target /mnt/k8s/decypharr-dfs\n');
  });

  it('on a single node: readers mount the parent of the mount and read the DFS below it', () => {
    const md = docsOf({ storage: { mode: 'hostPath' } }).byPath.get('docs/decypharr-dfs.md')!;
    expect(md).toContain(
      'Readers mount the host path `/mnt/k8s/decypharr-dfs`, the parent of the mount, at `/mnt/dfs-host` with `HostToContainer` and see the DFS at `/mnt/dfs-host/dfs`',
    );
    expect(md).toContain('kubectl exec sonarr-0 -n media -c sonarr -- ls /mnt/dfs-host/dfs');
    expect(md).toContain("grep -F ' /mnt/dfs-host/dfs fuse' /proc/mounts");
    expect(md).not.toContain('bound at');
  });

  it('the architecture names the node directory the FUSE mount is on, not the volume root', () => {
    for (const [cfg, path] of [
      [{}, '/mnt/dfs'],
      [{ storage: { mode: 'hostPath' as const } }, '/mnt/dfs-host/dfs'],
    ] as const) {
      const md = docsOf(cfg).byPath.get('docs/architecture.md')!;
      expect(md).toContain(`serves the debrid library as a FUSE file system (DFS) at \`${path}\`, propagated to the node's host path /mnt/k8s/decypharr-dfs/dfs.`);
    }
  });

  it('checks that Decypharr serves the DFS with a check that fails without the mount', () => {
    for (const cfg of [{}, { storage: { mode: 'hostPath' as const } }]) {
      const { byPath } = docsOf(cfg);
      const path = cfg.storage ? '/mnt/dfs-host/dfs' : '/mnt/dfs';
      for (const doc of ['docs/failover.md', 'docs/verification.md']) {
        const md = byPath.get(doc);
        if (!md) continue;
        // A bare grep for the path also matches the host directory and the bind underneath.
        expect(md).not.toMatch(/grep \/mnt\/dfs\S* \/proc\/mounts/);
        if (doc === 'docs/verification.md' || !cfg.storage)
          expect(md).toContain(`kubectl exec decypharr-0 -n media -c decypharr -- test -f ${path}/version.txt && echo "DFS mounted"`);
        if (doc === 'docs/verification.md') expect(md).toContain(`kubectl exec plex-0 -n media -c plex -- test -f ${path}/version.txt && echo "DFS accessible"`);
      }
    }
  });
});

describe('every object a runbook command names exists in the synthesized objects', () => {
  it('the parser finds references and rejects made-up ones', () => {
    const input = docsInputOf();
    const bad = (cmd: string) =>
      checkCommand(cmd, input)
        .filter((r) => !r.ok)
        .map((r) => r.what);
    expect(words(`kubectl exec sonarr-0 -n media -c sonarr -- ls /mnt/dfs | head`)).toEqual(['kubectl', 'exec', 'sonarr-0', '-n', 'media', '-c', 'sonarr', '--', 'ls', '/mnt/dfs']);
    expect(bad('kubectl exec sonarr-0 -n media -c sonarr -- ls /mnt/dfs')).toEqual([]);
    expect(bad('kubectl logs sonarr-0 -n media -c wait-for-decypharr-dfs')).toEqual([]);
    expect(bad('kubectl exec sonarr-1 -n media -c sonarr -- ls')).toEqual(['pod sonarr-1']);
    expect(bad('kubectl exec decypharr-0 -n media -- ls')).toEqual([]);
    expect(bad('kubectl logs deployment/clusterplex-worker -n media')).toEqual(['Deployment clusterplex-worker']);
    expect(bad('kubectl get pvc config-sonarr nope -n media')).toEqual(['PersistentVolumeClaim nope']);
    expect(bad('kubectl get svc decypharr-nfs -n medai')).toEqual(['namespace medai', 'Service decypharr-nfs']);
    expect(bad('kubectl exec plex-0 -n media -c pms -- ls')).toEqual(['container pms of plex']);
    expect(bad("kubectl get pod decypharr-0 -n media -o jsonpath='{.metadata.labels.streaming-stack}'")).toEqual([]);
    expect(bad('kubectl get pods -n media -l streaming-stack=true')).toEqual(['pods with streaming-stack=true']);
    expect(bad('flux reconcile kustomization sonar -n flux-system')).toEqual(['Kustomization sonar']);
    expect(bad('kubectl create job --from=cronjob/arr-wiring arr-wiring-manual -n media')).toEqual([]);
    expect(bad('kubectl create job --from=cronjob/arr-wirin arr-wirin-manual -n media')).toEqual(['CronJob arr-wirin']);
    expect(bad('kubectl logs job/arr-wiring-manual -n media -c arr-wiring')).toEqual([]);
    expect(bad('kubectl logs job/arr-wiring-manual -n media -c wiring')).toEqual(['container wiring of arr-wiring']);
    expect(bad('kubectl logs job/backup-manual -n media')).toEqual(['job backup-manual']);
    expect(bad('kubectl scale statefulset/sonarr -n media --replicas=0')).toEqual([]);
    expect(bad('kubectl scale statefulset/sonar -n media --replicas=0')).toEqual(['StatefulSet sonar']);
    const second = docsInputOf(singleNode);
    const bad2 = (cmd: string) =>
      checkCommand(cmd, second)
        .filter((r) => !r.ok)
        .map((r) => r.what);
    expect(bad2('kubectl describe networkpolicy qbittorrent-vpn-killswitch -n media')).toEqual([]);
    expect(bad2('kubectl describe networkpolicy qbittorrent-killswitch -n media')).toEqual(['NetworkPolicy qbittorrent-killswitch']);
    expect(bad2('kubectl exec postgres-backup-restore -n media -c pg-dumpall -- ls')).toEqual([]);
    expect(bad2('kubectl exec postgres-backup-restore -n media -c postgres -- ls')).toEqual(['container postgres of postgres-backup']);
    expect(bad2('kubectl exec qbittorrent-0 -n media -c gluetun -- wget -qO- http://127.0.0.1:9999')).toEqual([]);
  });

  for (const [name, cfg] of Object.entries(CONFIGS)) {
    it(name, () => {
      const { input, files } = docsOf(cfg);
      const problems: string[] = [];
      let checked = 0;
      for (const f of files) {
        for (const cmd of commandsOf(f.content)) {
          for (const r of checkCommand(cmd, input)) {
            checked++;
            if (!r.ok) problems.push(`${f.path}: ${r.what} in: ${cmd}`);
          }
        }
      }
      expect(problems).toEqual([]);
      expect(checked).toBeGreaterThan(20);
    });
  }

  it('uses the configured names, namespace and paths', () => {
    const { byPath } = docsOf(CONFIGS['extra instances, other names']);
    const all = [...byPath.values()].join('\n');
    expect(all).not.toMatch(/-n media\b|clusters\/homelab|-n flux-system|--namespace=flux-system/);
    expect(all).toContain('kubectl exec sonarr-4k-0 -n arr -c sonarr -- ls /mnt/dfs');
    expect(all).toContain('--namespace=flux --from-file=age.agekey=');
    expect(all).toContain('path: ./media-stack/clusters/lab');
    expect(all).toContain('sops -d --extract \'["stringData"]["api-key"]\' clusters/lab/apps/arr/radarr-anime/app/secret.sops.yaml');
  });
});

describe('bootstrap and recovery steps the reviewer found missing or wrong', () => {
  const before = (md: string, a: string, b: string) => {
    expect(md.indexOf(a), a).toBeGreaterThanOrEqual(0);
    expect(md.indexOf(b), b).toBeGreaterThanOrEqual(0);
    expect(md.indexOf(a), `${a} before ${b}`).toBeLessThan(md.indexOf(b));
  };

  it('Longhorn tolerates exactly the configured taints, set before the nodes are tainted', () => {
    const { input, byPath } = docsOf();
    const md = byPath.get('docs/bootstrap.md')!;
    const { storage, gpu } = input.stack.config.nodes;
    const value = [storage.taint!, gpu.taint!]
      .map((t) => `${t.key}=${t.value}:${t.effect}`)
      .sort()
      .join(';');
    expect(md).toContain(`kubectl -n longhorn-system patch settings.longhorn.io taint-toleration --type=merge -p '{"value":"${value}"}'`);
    before(md, 'taint-toleration --type=merge', 'kubectl taint node');
    expect(md).toContain('defaultSettings.taintToleration');
    expect(md).toContain('the GPU node included');
  });

  it("leaves the configured system nodes untainted and checks that the cluster's own pods run", () => {
    const { input, byPath } = docsOf();
    const md = byPath.get('docs/bootstrap.md')!;
    const { system, storage, gpu } = input.stack.config.nodes;
    const tainted = [...md.matchAll(/^kubectl taint node (\S+) /gm)].map((m) => m[1]!);
    // The taint steps follow the config: exactly its storage and GPU nodes, never a system node.
    expect([...new Set(tainted)].sort()).toEqual([...storage.hostnames, gpu.hostname].sort());
    for (const h of system.hostnames) expect(tainted).not.toContain(h);
    expect(md).toContain(`kubectl get nodes ${system.hostnames.join(' ')} -o custom-columns='NODE:.metadata.name,TAINTS:.spec.taints'   # TAINTS <none>`);
    before(md, 'Nodes that stay untainted', 'kubectl taint node');
    expect(md).toContain('kubectl get pods -n kube-system -o wide');
    // Other names come from the config, not from the default.
    const other = docsOf({ nodes: { system: { hostnames: ['cp-1', 'cp-2'] } } }).byPath.get('docs/bootstrap.md')!;
    expect(other).toContain('kubectl get nodes cp-1 cp-2 -o custom-columns=');
    expect(other).not.toContain('k3s-server');
  });

  it('checks writability as the user the app runs as, not as root (kubectl exec runs as the container user)', () => {
    let checked = 0;
    for (const cfg of [CONFIGS.default!, CONFIGS['single node (hostPath)']!]) {
      const { input, files } = docsOf(cfg);
      for (const f of files) {
        for (const m of f.content.matchAll(/kubectl exec (\S+) -n (\S+) -c (\S+) -- (.*?)test -w /g)) {
          const pod = input.objects.map((p) => p.object as any).find((o) => o.spec?.template && m[1]!.startsWith(o.metadata.name) && o.metadata.namespace === m[2]);
          const ctr = pod.spec.template.spec.containers.find((x: any) => x.name === m[3]);
          const env = (n: string) => ctr.env?.find((e: any) => e.name === n)?.value;
          checked++;
          if (ctr.securityContext?.runAsUser === 0) {
            // Decypharr's entrypoint drops to PUID:PGID with su-exec; the check must drop the same way.
            expect(m[4], `${f.path}: ${m[0]}`).toBe(`su-exec ${env('PUID')}:${env('PGID')} `);
            expect(env('PUID')).toBe(String(input.stack.config.uid));
          } else expect(m[4], `${f.path}: ${m[0]}`).toBe('');
        }
      }
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('hostPath: no Longhorn step, no relabelling of kubernetes.io/hostname, host directories created for the stack user', () => {
    for (const cfg of [CONFIGS['single node (hostPath)']!, CONFIGS['examples/single-node.ts (second design)']!]) {
      const { input, byPath } = docsOf(cfg);
      const md = byPath.get('docs/bootstrap.md')!;
      const { uid, gid, storage } = input.stack.config;
      expect(md).not.toContain('taint-toleration');
      expect(md).not.toMatch(/kubectl label node \S+ kubernetes\.io\/hostname/);
      expect(md).toContain(`the node must be named \`${storage.singleNodeHostname}\``);
      const line = md.split('\n').find((l) => l.startsWith('sudo install -d '))!;
      expect(line.startsWith(`sudo install -d -o ${uid} -g ${gid} `)).toBe(true);
      const listed = line.split(' ').slice(7);
      const expected = new Set<string>();
      for (const p of input.objects) {
        const o = p.object as any;
        const pod = o.spec?.template?.spec ?? o.spec?.jobTemplate?.spec?.template?.spec;
        for (const v of pod?.volumes ?? []) if (v.hostPath?.path.startsWith(`${storage.hostPathRoot}/`)) expected.add(v.hostPath.path);
      }
      expect(listed).toEqual([...expected].sort());
    }
  });

  it('External Secrets: the namespace before the bootstrap Secret, the operator and its SecretStore Kustomization named', () => {
    const md = docsOf(CONFIGS['examples/single-node.ts (second design)']).byPath.get('docs/bootstrap.md')!;
    before(md, 'kubectl create namespace media --dry-run=client -o yaml | kubectl apply -f -', 'kubectl create secret generic infisical-auth -n media');
    expect(md).toContain('Install the External Secrets Operator with its CRDs before the stack');
    expect(md).toContain('flux get kustomizations media-secret-store -n flux-system');
  });

  it('External Secrets: the SecretStore Kustomization holds its dependants back until the store is Ready, as its runbook says', () => {
    const { input, byPath } = docsOf(CONFIGS['examples/single-node.ts (second design)']);
    const ks = input.objects.map((p) => p.object as any).filter((o) => o.kind === 'Kustomization');
    const store = ks.find((k) => k.metadata.name === 'media-secret-store');
    expect(store.spec.wait).toBe(true);
    // kstatus counts a store without status conditions as current: the expression asks for Ready=True.
    expect(store.spec.healthCheckExprs).toEqual([
      { apiVersion: 'external-secrets.io/v1', kind: 'SecretStore', current: "status.conditions.exists(c, c.type == 'Ready' && c.status == 'True')" },
    ]);
    const dependants = ks.filter((k) => (k.spec.dependsOn ?? []).some((d: any) => d.name === 'media-secret-store'));
    expect(dependants.length).toBeGreaterThan(0);
    const md = byPath.get('docs/bootstrap.md')!;
    // one store per namespace with Secrets (the example's Flux alerts add flux-system's)
    expect(md).toMatch(/which is ready only once (the|each) store reports `Ready=True` \(`healthCheckExprs`\)/);
    expect(md).toMatch(/\| `media-secret-store` \| — \| yes \|/);
  });

  it('Samba: says which node answers once the Service keeps client addresses', () => {
    const cfg = {
      ...CONFIGS['second design on Longhorn with SOPS']!,
      apps: { ...CONFIGS['second design on Longhorn with SOPS']!.apps, samba: { enabled: true, serviceType: 'LoadBalancer' as const } },
    };
    const md = docsOf(cfg).byPath.get('docs/downloads-and-database.md')!;
    expect(md).toContain("keeps the client's address (`externalTrafficPolicy: Local`)");
    expect(md).toContain('only the node that runs the Samba pod (storage nodes: `k3s-w1` or `k3s-w2`) answers');
    expect(md).toContain("through the Service's `svccontroller.k3s.cattle.io/tolerations` annotation");
    const clusterIp = docsOf(CONFIGS['second design on Longhorn with SOPS']).byPath.get('docs/downloads-and-database.md')!;
    expect(clusterIp).not.toContain('externalTrafficPolicy: Local');
  });

  it('reads Secret files from the output folder with sops ≥ 3.9, and names the minimum Flux', () => {
    const md = docsOf().byPath.get('docs/bootstrap.md')!;
    before(md, 'cd <GitOps repository>/media-stack', 'sops -d clusters/homelab/');
    expect(md).toContain('Needs Flux v2.6 or later');
    const input = docsInputOf();
    const withSops = {
      ...input,
      objects: [
        ...input.objects,
        { path: 'clusters/homelab/x/secret.sops.yaml', object: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' }, sops: { mac_only_encrypted: true } } as any },
      ],
    };
    const md2 = generateDocs(withSops).find((f) => f.path === 'docs/bootstrap.md')!.content;
    expect(md2).toContain('written with `mac_only_encrypted: true`: open them with `sops` 3.9 or later');
  });

  it('key rotation retries every decrypting Kustomization, not just the first', () => {
    const { input, byPath } = docsOf();
    const md = byPath.get('docs/secrets.md')!;
    const decrypting = input.objects.map((p) => p.object as any).filter((o) => o.kind === 'Kustomization' && o.spec.decryption);
    expect(decrypting.length).toBeGreaterThan(1);
    for (const k of decrypting) expect(md).toContain(`flux reconcile kustomization ${k.metadata.name} -n flux-system\n`);
    expect(md).toContain('`retryInterval` (`2m`)');
  });

  it('claims Plex through a port-forward; the claim token is optional', () => {
    const md = docsOf().byPath.get('docs/post-deploy.md')!;
    expect(md).toContain('kubectl port-forward -n media svc/plex 32400:32400');
    expect(md).toContain('http://localhost:32400/web');
    expect(md).toMatch(/`plex-secrets\/claim` is optional/);
  });

  it('flags the LoadBalancer agent on the tainted GPU node for Plex', () => {
    const md = docsOf().byPath.get('docs/gpu-transcoding.md')!;
    expect(md).toContain('svccontroller.k3s.cattle.io/tolerations');
    expect(md).toContain('kubectl get pods -A -o wide | grep svclb');
    expect(docsOf(CONFIGS['examples/single-node.ts (second design)']).byPath.get('docs/gpu-transcoding.md') ?? '').not.toContain('svclb');
  });
});

describe('the downloads, database, shares and CronJobs page (second design)', () => {
  const page = 'docs/downloads-and-database.md';
  const { input, byPath } = docsOf(singleNode);
  const md = byPath.get(page)!;

  it('matches its snapshot', () => {
    expect(md).toMatchSnapshot();
  });

  it('is linked from docs/README.md', () => {
    expect(byPath.get('docs/README.md')).toContain('(downloads-and-database.md)');
  });

  it('reads the names from the objects', () => {
    const objs = input.objects.map((p) => p.object as any);
    const policy = objs.find(
      (o) =>
        o.kind === 'NetworkPolicy' &&
        o.spec.egress?.some((e: any) => e.to?.some((t: any) => t.ipBlock)) &&
        o.spec.podSelector.matchLabels['app.kubernetes.io/name'] === 'qbittorrent',
    );
    expect(md).toContain(`kubectl describe networkpolicy ${policy.metadata.name} -n media`);
    expect(md).toContain('kubectl exec qbittorrent-0 -n media -c gluetun -- wget -qO- http://127.0.0.1:9999');
    expect(md).toContain('Default Save Path: `/mnt/downloads`');
    for (const kind of ['sonarr', 'radarr', 'prowlarr']) {
      const sts = objs.find((o) => o.kind === 'StatefulSet' && o.metadata.name === kind);
      const env = sts.spec.template.spec.containers[0].env;
      const db = env.find((e: any) => e.name === `${kind.toUpperCase()}__POSTGRES__MAINDB`).value;
      const log = env.find((e: any) => e.name === `${kind.toUpperCase()}__POSTGRES__LOGDB`).value;
      expect(md).toContain(`| \`${db}\` | \`${log}\` |`);
    }
    const backup = objs.find((o) => o.kind === 'CronJob' && o.metadata.name.includes('backup'));
    expect(md).toContain(`kubectl create job --from=cronjob/${backup.metadata.name} ${backup.metadata.name}-manual -n media`);
    expect(md).toContain(`at \`${backup.spec.schedule}\``);
    expect(md).toContain('keeping the newest 7');
    expect(md).toContain('host path `/data/backups/postgres`');
    expect(md).toContain('kubectl create job --from=cronjob/configarr configarr-manual -n media');
    expect(md).toContain('kubectl create job --from=cronjob/arr-wiring arr-wiring-manual -n media');
    expect(md).toContain('smbclient -L //<EXTERNAL-IP> -U media');
    expect(md).toContain('# Infisical: /media-stack/SAMBA_SECRETS__PASSWORD_MEDIA');
    expect(md).not.toContain('allowed-unsafe-sysctls'); // gluetun needs none
  });

  it('restore: suspends and scales down every Arr on PostgreSQL before psql, and back after', () => {
    const i = (s: string) => md.indexOf(s);
    expect(i('flux suspend kustomization sonarr -n flux-system')).toBeLessThan(i('kubectl scale statefulset/sonarr -n media --replicas=0'));
    expect(i('kubectl scale statefulset/prowlarr -n media --replicas=0')).toBeLessThan(i('psql -d postgres -f -'));
    expect(i('psql -d postgres -f -')).toBeLessThan(i('kubectl scale statefulset/sonarr -n media --replicas=1'));
    expect(i('kubectl scale statefulset/sonarr -n media --replicas=1')).toBeLessThan(i('flux resume kustomization sonarr -n flux-system'));
    // The helper pod is the backup's own template with the dump command replaced.
    const json = JSON.parse(/<<'EOF'\n([\s\S]*?)\nEOF/.exec(md)![1]!);
    expect(json.metadata.labels['app.kubernetes.io/name']).toBe('postgres-backup');
    expect(json.spec.containers[0].command).toEqual(['sleep', 'infinity']);
    expect(json.spec.volumes[0].hostPath.path).toBe('/data/backups/postgres');
  });

  it('ProtonWire: the unsafe sysctls kubelet must allow, and no gluetun commands', () => {
    const { byPath: b } = docsOf(CONFIGS['second design with ProtonWire']);
    const p = b.get(page)!;
    expect(p).toContain('allowed-unsafe-sysctls=net.ipv4.conf.all.rp_filter,net.ipv6.conf.all.disable_ipv6');
    expect(p).toContain('-c protonwire -- protonwire healthcheck');
    expect(p).not.toContain('gluetun');
  });

  it('SOPS backend: the Samba password is read with sops -d; Longhorn: dumps on the backup PVC', () => {
    const p = docsOf(CONFIGS['second design on Longhorn with SOPS']).byPath.get(page)!;
    expect(p).toContain(`sops -d --extract '["stringData"]["password-media"]' clusters/nas/apps/media/samba/app/secret.sops.yaml`);
    expect(p).toContain('to PVC `postgres-backups`');
    expect(p).toContain('smbclient -L //localhost -p 4450 -U media');
  });

  const sections: [string, StackConfigInput, string, RegExp][] = [
    ['qbittorrent', { apps: { qbittorrent: { enabled: false } } }, '## qBittorrent and the VPN', /qbittorrent|gluetun|killswitch/i],
    ['postgres', { apps: { postgres: { enabled: false } } }, '## PostgreSQL', /postgres|pg_dump|psql/i],
    ['samba', { apps: { samba: { enabled: false } } }, '## Samba', /samba|smbclient/i],
    ['configarr', { apps: { configarr: { enabled: false } } }, '## Configarr', /configarr/i],
    ['arr wiring', { apps: { arrWiring: { enabled: false } } }, '## Arr wiring', /arr-wiring/i],
  ];
  for (const [app, off, heading, pattern] of sections) {
    it(`drops the ${app} section when ${app} is disabled`, () => {
      expect(md).toContain(heading);
      const cfg = { ...singleNode, apps: { ...singleNode.apps, ...off.apps } } as StackConfigInput;
      const p = docsOf(cfg).byPath.get(page)!;
      expect(p).not.toContain(heading);
      const hit = pattern.exec(p);
      expect(hit ? p.slice(Math.max(0, hit.index - 80), hit.index + 40) : undefined).toBeUndefined();
    });
  }

  it('with Decypharr and qBittorrent: the tag routing, what an existing untagged client needs, and how to turn it off', () => {
    const both = { ...singleNode, apps: { ...singleNode.apps, decypharr: { enabled: true } } } as StackConfigInput;
    const p = docsOf(both).byPath.get(page)!;
    expect(p).toContain('### Routing by tag: streaming or downloads');
    expect(p).toContain('give it the tag `downloads` in each Arr (Settings › Download Clients › qBittorrent › Tags)');
    expect(p).toContain('Off: `apps.arrWiring.tagRouting: false`');
    expect(md).not.toContain('### Routing by tag');
    // Indexers configured (single-node): the job's section; none: one line on post-deploy.md instead.
    expect(md).toContain('## Prowlarr indexers');
    expect(docsOf().byPath.get('docs/post-deploy.md')).toContain('No indexers are configured: list them in `apps.prowlarr.indexers`');
  });

  it('drops the page and its link when none of its apps is deployed', () => {
    const none: StackConfigInput = { apps: { arrWiring: { enabled: false } } };
    const { byPath: b } = docsOf(none);
    expect(b.has(page)).toBe(false);
    expect(b.get('docs/README.md')).not.toContain('downloads-and-database.md');
  });
});

describe('secrets.md: after a leak', () => {
  it('names every regenerated Secret, restarts every workload that reads one, and resets the Postgres superuser password in the server', () => {
    const cfg: StackConfigInput = { ...CONFIGS['second design on Longhorn with SOPS']! };
    const { input, byPath } = docsOf(cfg);
    const md = byPath.get('docs/secrets.md')!;
    const section = md.slice(md.indexOf('## After a leak: new values'), md.indexOf('## The key is lost'));
    expect(section).toContain('--regenerate --config <your config>');
    const generated = input.secretRequests.filter((r) => r.keys.some((k) => k.source.kind === 'generated'));
    expect(generated.length).toBeGreaterThan(2);
    for (const r of generated) expect(section).toContain(`\`${r.name}\``);
    const readers = input.objects
      .map((p) => p.object as any)
      .filter((o) => ['Deployment', 'StatefulSet'].includes(o.kind))
      .filter((o) =>
        [...(o.spec.template.spec.initContainers ?? []), ...o.spec.template.spec.containers].some((c: any) =>
          c.env?.some((e: any) => generated.some((r) => r.name === e.valueFrom?.secretKeyRef?.name)),
        ),
      );
    expect(readers.map((o) => o.metadata.name)).toContain('postgres');
    for (const o of readers) expect(section).toContain(`kubectl rollout restart ${o.kind.toLowerCase()}/${o.metadata.name} -n ${o.metadata.namespace}`);
    expect(section).toMatch(
      /printf "ALTER ROLE postgres PASSWORD '%s';\\n" "\$\(sops -d --extract '\["stringData"\]\["superuser-password"\]' clusters\/[^ ]+\/postgres\/app\/secret\.sops\.yaml\)" \| kubectl exec -i postgres-0 -n media -c postgres -- psql -U postgres/,
    );
    // every command of the section refers to objects and containers that exist
    const exec = /\| (kubectl exec -i [^`]+)`/.exec(section)?.[1];
    expect(exec).toBeDefined();
    for (const cmd of [...commandsOf(section), exec!])
      expect(
        checkCommand(cmd, input)
          .filter((r) => !r.ok)
          .map((r) => r.what),
        cmd,
      ).toEqual([]);
  });

  it('has no Postgres step without Postgres, and tells to change supplied values at their source', () => {
    const section = docsOf().byPath.get('docs/secrets.md')!;
    expect(section).not.toContain('ALTER ROLE');
    expect(section).toMatch(/change each credential among them \(.*`plex-secrets\/claim`.*\) at its source/);
  });
});
