import { describe, expect, it } from 'vitest';
import { StackView, type SynthesizedStack } from '../../src/docs/model.js';
import { formatSummary } from '../../src/docs/summary.js';
import { docWarnings } from '../../src/docs/warnings.js';
import { docsInputOf } from './input.js';

/** The docs input with one workload's pod spec changed. */
function withPod(input: SynthesizedStack, name: string, change: (pod: any) => void): SynthesizedStack {
  return {
    ...input,
    objects: input.objects.map((p) => {
      if (p.object.metadata.name !== name || !['StatefulSet', 'Deployment'].includes(p.object.kind)) return p;
      const copy = structuredClone(p.object) as any;
      change(copy.spec.template.spec);
      return { ...p, object: copy };
    }),
  };
}

describe('warnings about node settings and placement', () => {
  it('flags unsafe sysctls (e.g. a WireGuard client) with the kubelet flag they need', () => {
    const input = withPod(docsInputOf(), 'decypharr', (pod) => {
      pod.securityContext.sysctls = [
        { name: 'net.ipv4.conf.all.rp_filter', value: '2' },
        { name: 'net.ipv4.ip_unprivileged_port_start', value: '0' },
      ];
    });
    const w = docWarnings(new StackView(input));
    expect(w.filter((x) => x.includes('sysctl'))).toEqual([
      'statefulset/decypharr sets the unsafe sysctl net.ipv4.conf.all.rp_filter: its pods fail with SysctlForbidden until kubelet on storage nodes runs with --allowed-unsafe-sysctls=net.ipv4.conf.all.rp_filter (k3s: --kubelet-arg=allowed-unsafe-sysctls=net.ipv4.conf.all.rp_filter)',
    ]);
  });

  it('flags a GPU request on nodes where the device plugin does not run', () => {
    // the default puts Plex on the GPU node; the seed's placement next to the streaming stack does not
    expect(docWarnings(new StackView(docsInputOf())).some((x) => x.includes('requests gpu.intel.com'))).toBe(false);
    const w = docWarnings(new StackView(docsInputOf({ apps: { plex: { placement: 'storage-nodes' } } })));
    expect(w.some((x) => x.startsWith('statefulset/plex requests gpu.intel.com/i915 but runs on storage nodes'))).toBe(true);
    expect(w.some((x) => x.startsWith('statefulset/clusterplex-worker'))).toBe(false);
    expect(docWarnings(new StackView(docsInputOf({ apps: { plex: { gpu: false } } }))).some((x) => x.includes('requests gpu.intel.com'))).toBe(false);
  });

  it('names the nodes that need the NFS client, from the NFS-backed claims the pods mount', () => {
    const w = docWarnings(new StackView(docsInputOf()));
    expect(w).toContain('the storage nodes and gpu node need the NFS client (nfs-common): kubelet mounts the NFS volumes of sonarr, radarr, plex, clusterplex-worker on the node');
    expect(docWarnings(new StackView(docsInputOf({ storage: { mode: 'hostPath', singleNodeHostname: 'box' } }))).some((x) => x.includes('nfs-common'))).toBe(false);
  });

  it('flags placeholder values of the config with their path', () => {
    const w = docWarnings(new StackView(docsInputOf({ storage: { media: { server: '192.0.2.10' } }, ingress: { domain: 'media.example.com' } })));
    expect(w).toContain('storage.media.server is 192.0.2.10, an address from a documentation range (RFC 5737): a placeholder — set the real value before deploying');
    expect(w).toContain('ingress.domain is media.example.com, an example domain (RFC 2606): a placeholder — set the real value before deploying');
    expect(docWarnings(new StackView(docsInputOf())).some((x) => x.includes('placeholder'))).toBe(false);
  });

  it('flags extended resources that no device plugin of the stack advertises', () => {
    const input = withPod(docsInputOf(), 'sonarr', (pod) => {
      pod.containers[0].resources.limits['squat.ai/tun'] = 1;
    });
    const w = docWarnings(new StackView(input));
    expect(w.filter((x) => x.includes('squat.ai/tun'))).toEqual([
      "statefulset/sonarr (storage nodes) requests squat.ai/tun, which no device plugin of this stack advertises: install one that does on those nodes (kubectl get nodes -o custom-columns='NODE:.metadata.name,RES:.status.allocatable.squat\\.ai/tun'), or the pods stay Pending",
    ]);
  });

  it('flags shared host paths without a pinned node', () => {
    expect(docWarnings(new StackView(docsInputOf({ storage: { mode: 'hostPath' } }))).some((x) => x.includes('storage.singleNodeHostname'))).toBe(true);
    expect(docWarnings(new StackView(docsInputOf({ storage: { mode: 'hostPath', singleNodeHostname: 'box' } }))).some((x) => x.includes('storage.singleNodeHostname'))).toBe(false);
  });

  it('the synth summary prints them', () => {
    const input = docsInputOf({ apps: { plex: { placement: 'storage-nodes' } } });
    const text = formatSummary(
      {
        stack: input.stack as any,
        objects: [...input.objects],
        secretRequests: [...input.secretRequests],
        secrets: { report: [], texts: new Map(), placed: [], warnings: [] },
        warnings: [],
      },
      { written: [], unchanged: [], removed: [] },
      { out: 'dist' },
    );
    expect(text).toContain('warning: statefulset/plex requests gpu.intel.com/i915');
    expect(text).toContain('warning: Plex uses the host render group GID 109');
  });
});

describe('flux.repoPath', () => {
  it("warns that '.' needs the output at the repository root, which the synth cannot write", () => {
    const input = docsInputOf({ flux: { repoPath: '.' } });
    expect(docWarnings(new StackView(input)).some((w) => w.startsWith("flux.repoPath is '.', so every Flux spec.path expects the output at the root"))).toBe(true);
    expect(docWarnings(new StackView(docsInputOf())).some((w) => w.includes('flux.repoPath'))).toBe(false);
  });
});
