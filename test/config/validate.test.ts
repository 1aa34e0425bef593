import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_CONFIG, resolveConfig } from '../../src/stack-config.js';
import { untaintedNodeIssues } from '../../src/config/cross-field.js';

function issuesOf(input: unknown): string {
  try {
    resolveConfig(input as any);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected the config to be rejected');
}

describe('stack config', () => {
  it('fills every default from the embedded seed homelab config', () => {
    const cfg = resolveConfig({});
    expect(cfg).toEqual(DEFAULT_CONFIG);
    expect(cfg.namespace).toBe('media');
    expect(cfg.nodes.storage.hostnames).toEqual(['k3s-w1', 'k3s-w2']);
    expect(cfg.nodes.gpu.hostname).toBe('k3s-w3');
    expect(cfg.storage.configStorageClass).toBe('longhorn-simple');
    expect(cfg.ingress.className).toBe('traefik');
    expect([cfg.uid, cfg.gid]).toEqual([1000, 1000]);
  });

  it('refuses soft mounts of the NAS exports the stack writes to, naming the field', () => {
    const msg = issuesOf({ storage: { media: { mountOptions: ['nfsvers=4.1', 'soft'] }, transcode: { mountOptions: ['softerr'] } } });
    expect(msg).toContain("storage.media.mountOptions: has 'soft', but the *arr apps import into the media library");
    expect(msg).toContain("storage.transcode.mountOptions: has 'softerr'");
    expect(msg).toContain("use 'hard'");
    // Single node: the exports are not mounted at all.
    expect(() => resolveConfig({ storage: { mode: 'hostPath', media: { mountOptions: ['soft'] } } })).not.toThrow();
  });

  it('merges partial input over the defaults without losing siblings', () => {
    const cfg = resolveConfig({ apps: { plex: { loadBalancerIP: '192.168.1.50' } }, storage: { media: { server: '10.0.0.5' } } });
    expect(cfg.apps.plex.loadBalancerIP).toBe('192.168.1.50');
    expect(cfg.apps.plex.serviceType).toBe('LoadBalancer');
    expect(cfg.storage.media.server).toBe('10.0.0.5');
    expect(cfg.storage.media.path).toBe('/mnt/user/media');
    expect(cfg.apps.sonarr.enabled).toBe(true);
  });

  it('rejects an unknown field and suggests the right one', () => {
    const msg = issuesOf({ apps: { sonar: { enabled: false } } });
    expect(msg).toContain('apps.sonar: unknown field');
    expect(msg).toContain("did you mean 'apps.sonarr'");
  });

  it('names the field, the bad value and the fix for a bad quantity', () => {
    const msg = issuesOf({ apps: { sonarr: { configSize: '10GB' } } });
    expect(msg).toContain('apps.sonarr.configSize');
    expect(msg).toContain("'10GB'");
    expect(msg).toContain('"10Gi"');
  });

  it('rejects a Service DNS name as NFS server because kubelet cannot resolve it', () => {
    const msg = issuesOf({ storage: { media: { server: 'nas.media.svc.cluster.local' } } });
    expect(msg).toContain('storage.media.server');
    expect(msg).toContain('kubelet cannot resolve');
  });

  it('rejects a malformed pinned ClusterIP', () => {
    expect(issuesOf({ apps: { decypharr: { nfsClusterIP: '10.43.300.1' } } })).toMatch(/apps\.decypharr\.nfsClusterIP: '10\.43\.300\.1' is not valid: use a dotted IPv4/);
  });

  it('rejects a wrong type and a bad enum value with the allowed values', () => {
    const msg = issuesOf({ apps: { sonarr: { enabled: 'yes' } }, storage: { mode: 'zfs' } });
    expect(msg).toContain("apps.sonarr.enabled: must be true or false, got 'yes'");
    expect(msg).toContain("storage.mode: must be one of 'longhorn', 'hostPath', got 'zfs'");
    expect(msg).toMatch(/\(2 problems\)/);
  });

  it('rejects names Kubernetes would refuse', () => {
    expect(issuesOf({ namespace: 'Media_Apps' })).toContain('namespace:');
    expect(issuesOf({ apps: { sonarr: { extraInstances: ['4K'] } } })).toContain('apps.sonarr.extraInstances');
    expect(issuesOf({ apps: { sonarr: { extraInstances: ['4k', '4k'] } } })).toContain('must not repeat');
  });

  it('rejects out-of-range numbers', () => {
    expect(issuesOf({ uid: 0 })).toContain('uid: must be an integer from 1');
    expect(issuesOf({ apps: { clusterplex: { workers: 1.5 } } })).toContain('apps.clusterplex.workers');
  });

  it('rejects a non-object where a section is expected', () => {
    expect(issuesOf({ apps: 'all' })).toContain("apps: must be an object, got 'all'");
  });

  it('rejects ClusterPlex without Plex', () => {
    expect(issuesOf({ apps: { plex: { enabled: false } } })).toContain('apps.clusterplex.enabled: ClusterPlex extends Plex');
  });

  it('rejects GPU workers without the device plugin that advertises the GPU', () => {
    expect(issuesOf({ apps: { intelGpuPlugin: { enabled: false } } })).toContain('apps.intelGpuPlugin.enabled');
  });

  it('rejects a GPU that cannot be shared by Plex and a worker', () => {
    expect(issuesOf({ apps: { intelGpuPlugin: { sharedDevNum: 1 } } })).toContain('apps.intelGpuPlugin.sharedDevNum: is 1');
  });

  it('rejects a LoadBalancer IP on a ClusterIP service', () => {
    expect(issuesOf({ apps: { plex: { serviceType: 'ClusterIP', loadBalancerIP: '192.168.1.9' } } })).toContain('apps.plex.loadBalancerIP');
  });

  it('rejects Profilarr and Pulsarr without any Arr to manage', () => {
    expect(issuesOf({ apps: { sonarr: { enabled: false }, radarr: { enabled: false } } })).toContain('apps.sonarr.enabled');
  });

  it('rejects bad label keys in node selectors and bad taint effects', () => {
    expect(issuesOf({ nodes: { gpu: { nodeSelector: { 'bad key!': 'x' } } } })).toContain('nodes.gpu.nodeSelector.bad key!');
    expect(issuesOf({ nodes: { gpu: { taint: { key: 'gpu', value: 'true', effect: 'Never' } } } })).toContain('nodes.gpu.taint.effect');
  });

  it('rejects a bad Flux interval and a bad ingress domain', () => {
    expect(issuesOf({ flux: { interval: '1 hour' } })).toContain('flux.interval');
    expect(issuesOf({ ingress: { domain: 'Home Lab' } })).toContain('ingress.domain');
  });
});

describe("nodes that stay untainted for the cluster's own pods", () => {
  it('names an untainted node by default, and it is none of the tainted storage or GPU nodes', () => {
    const { system, storage, gpu } = resolveConfig({}).nodes;
    expect(system.hostnames.length).toBeGreaterThan(0);
    expect(storage.taint).toBeDefined();
    expect(gpu.taint).toBeDefined();
    for (const h of system.hostnames) expect([...storage.hostnames, gpu.hostname]).not.toContain(h);
  });

  it('refuses taints that leave CoreDNS, Traefik, Flux and Longhorn no node, naming the field and the fix', () => {
    const msg = issuesOf({ nodes: { system: { hostnames: [] } } });
    expect(msg).toContain('nodes.system.hostnames: is empty, but nodes.storage.taint and nodes.gpu.taint taint every node the stack names (k3s-w1, k3s-w2, k3s-w3)');
    expect(msg).toContain('CoreDNS');
    expect(msg).toContain("list the node(s) that stay untainted, e.g. ['k3s-server']");
  });

  it('refuses an untainted node that is also a tainted storage or GPU node', () => {
    const msg = issuesOf({ nodes: { system: { hostnames: ['k3s-cp', 'k3s-w2', 'k3s-w3'] } } });
    expect(msg).toContain("nodes.system.hostnames[1]: 'k3s-w2' gets the taint of nodes.storage.taint");
    expect(msg).toContain("nodes.system.hostnames[2]: 'k3s-w3' gets the taint of nodes.gpu.taint");
    expect(msg).not.toContain('hostnames[0]');
  });

  it('needs no untainted node when nothing is tainted, or in single-node (hostPath) mode', () => {
    const d = DEFAULT_CONFIG;
    const none = { ...d.nodes, system: { hostnames: [] } };
    expect(untaintedNodeIssues({ ...d, nodes: { ...none, storage: { ...d.nodes.storage, taint: undefined }, gpu: { ...d.nodes.gpu, taint: undefined } } })).toEqual([]);
    // The GPU node may be the untainted one once it has no taint.
    expect(untaintedNodeIssues({ ...d, nodes: { ...d.nodes, system: { hostnames: ['k3s-w3'] }, gpu: { ...d.nodes.gpu, taint: undefined } } })).toEqual([]);
    expect(resolveConfig({ storage: { mode: 'hostPath' }, nodes: { system: { hostnames: [] } } }).nodes.system.hostnames).toEqual([]);
  });
});
