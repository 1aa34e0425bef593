import { describe, expect, it } from 'vitest';
import { checkReferences, validateSchemas } from '../../src/gates/index.js';
import type { KubeObject } from '../../src/output/model.js';
import { ConfigError, resolveConfig, type StackConfigInput } from '../../src/stack-config.js';
import { synthesize } from '../../src/synth.js';
import { operatorEnv, PROJECT } from '../stack/support.js';
import { containerOf, objectsOf, podOf } from '../helpers.js';

const DRA: StackConfigInput = { kubernetesVersion: '1.34', gpu: { mode: 'dra' } };
const kinds = (objects: readonly KubeObject[]) => objects.map((o) => `${o.kind}/${o.metadata.name}`);
const clone = <T>(x: T): T => structuredClone(x);

describe("gpu.mode 'device-plugin' (the default)", () => {
  const { objects, find } = objectsOf();

  it('deploys the device plugin, no DRA object, and the GPU users request gpu.intel.com/i915', () => {
    expect(kinds(objects)).toContain('DaemonSet/intel-gpu-plugin');
    expect(objects.filter((o) => o.apiVersion.startsWith('resource.k8s.io/'))).toEqual([]);
    for (const [sts, c] of [
      ['plex', 'plex'],
      ['clusterplex-worker', 'worker'],
    ] as const) {
      expect(containerOf(find('StatefulSet', sts), c).resources.limits['gpu.intel.com/i915'], sts).toBe(1);
      expect(containerOf(find('StatefulSet', sts), c).resources.claims, sts).toBeUndefined();
      expect(podOf(find('StatefulSet', sts)).resourceClaims, sts).toBeUndefined();
    }
  });
});

describe("gpu.mode 'dra'", () => {
  const { objects, find, stack } = objectsOf(DRA);

  it("replaces the device plugin with Intel's resource driver and its DeviceClass gpu.intel.com", () => {
    expect(kinds(objects)).not.toContain('DaemonSet/intel-gpu-plugin');
    const ds = find('DaemonSet', 'intel-gpu-resource-driver');
    const c = containerOf(ds, 'kubelet-plugin');
    expect(c.image).toMatch(/^ghcr\.io\/intel\/intel-resource-drivers-for-kubernetes\/intel-gpu-resource-driver:v\d+\.\d+\.\d+(@sha256:[0-9a-f]{64})?$/);
    expect(c.volumeMounts.map((m: any) => m.mountPath)).toEqual(['/var/lib/kubelet/plugins_registry', '/var/lib/kubelet/plugins', '/etc/cdi', '/var/run/cdi', '/sysfs']);
    expect(c.livenessProbe.grpc).toEqual({ port: 51516, service: 'liveness' });
    // on the GPU node only, with the token it publishes the ResourceSlices with
    expect(podOf(ds).nodeSelector).toEqual({ gpu: 'true' });
    expect(podOf(ds).automountServiceAccountToken).toBe(true);
    expect(find('DeviceClass', 'gpu.intel.com').spec.selectors).toEqual([{ cel: { expression: 'device.driver == "gpu.intel.com"' } }]);
    const binding = find('ClusterRoleBinding', 'intel-gpu-resource-driver');
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: podOf(ds).serviceAccountName, namespace: 'kube-system' }]);
    // the admission policy matches exactly the driver's ServiceAccount
    expect(find('ValidatingAdmissionPolicy', 'intel-gpu-resource-driver-resourceslices').spec.matchConditions[0].expression).toBe(
      'request.userInfo.username == "system:serviceaccount:kube-system:intel-gpu-resource-driver"',
    );
  });

  it('wires Plex and every worker to one shared ResourceClaim of the DeviceClass instead of the extended resource', () => {
    const claims = objects.filter((o) => o.kind === 'ResourceClaim');
    expect(claims.map((o) => `${o.metadata.namespace}/${o.metadata.name}`)).toEqual(['media/intel-gpu']);
    expect((claims[0] as any).spec).toEqual({ devices: { requests: [{ name: 'gpu', exactly: { deviceClassName: 'gpu.intel.com' } }] } });
    for (const [sts, c] of [
      ['plex', 'plex'],
      ['clusterplex-worker', 'worker'],
    ] as const) {
      const container = containerOf(find('StatefulSet', sts), c);
      expect(podOf(find('StatefulSet', sts)).resourceClaims, sts).toEqual([{ name: 'gpu', resourceClaimName: 'intel-gpu' }]);
      expect(container.resources.claims, sts).toEqual([{ name: 'gpu' }]);
      expect(container.resources.limits['gpu.intel.com/i915'], sts).toBeUndefined();
    }
    // Plex holds the claim; the workers wait for Plex and the driver
    const byName = new Map(stack.components.map((c) => [c.fluxName, c]));
    expect(byName.get('plex')!.dependsOn.map((c) => c.fluxName)).toContain('gpu-resource-driver');
    expect(byName.get('clusterplex')!.dependsOn.map((c) => c.fluxName)).toEqual(expect.arrayContaining(['plex', 'gpu-resource-driver']));
  });

  it('lets the workers create the claim when Plex has no GPU', () => {
    const { objects: o, stack: s } = objectsOf({ ...DRA, apps: { plex: { gpu: false } } });
    const claim = o.find((x) => x.kind === 'ResourceClaim')!;
    expect(claim.metadata.name).toBe('intel-gpu');
    const clusterplex = s.components.find((c) => c.fluxName === 'clusterplex')!;
    expect(s.components.find((c) => c.fluxName === 'plex')!.dependsOn.map((c) => c.fluxName)).not.toContain('gpu-resource-driver');
    expect(clusterplex.dependsOn.map((c) => c.fluxName)).toContain('gpu-resource-driver');
  });

  it('refuses GPU users without the driver, naming the resource driver and the field', () => {
    expect(() => resolveConfig({ ...DRA, apps: { intelGpuPlugin: { enabled: false } } })).toThrow(
      /apps\.intelGpuPlugin\.enabled: ClusterPlex GPU workers claim a device of DeviceClass gpu\.intel\.com, which only Intel's GPU resource driver publishes/,
    );
  });

  it('the references gate resolves the claim names: a missing ResourceClaim or pod claim is an error', () => {
    expect(
      checkReferences(objects, {
        external: [
          { kind: 'Namespace', name: 'kube-system' },
          { kind: 'Namespace', name: 'flux-system' },
        ],
      }).filter((f) => /claim/i.test(f.message)),
    ).toEqual([]);
    const broken = clone(objects).filter((o) => o.kind !== 'ResourceClaim');
    const worker = broken.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'clusterplex-worker') as any;
    worker.spec.template.spec.containers[0].resources.claims = [{ name: 'gpu0' }];
    const messages = checkReferences(broken).map((f) => `${f.object} ${f.path}: ${f.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        'StatefulSet/media/plex spec.template.spec.resourceClaims[0].resourceClaimName: ResourceClaim "intel-gpu" does not exist in namespace "media"',
        'StatefulSet/media/clusterplex-worker spec.template.spec.resourceClaims[0].resourceClaimName: ResourceClaim "intel-gpu" does not exist in namespace "media"',
        `StatefulSet/media/clusterplex-worker spec.template.spec.containers[0].resources.claims[0].name: container "worker" uses claim "gpu0", which the pod's resourceClaims do not define (claims: gpu)`,
      ]),
    );
  });

  it('validates against 1.34 only: the 1.28 schema knows neither resource.k8s.io/v1 nor the pod claim fields', () => {
    const gpuObjects = objects.filter((o) => o.apiVersion.startsWith('resource.k8s.io/') || (o.kind === 'StatefulSet' && ['plex', 'clusterplex-worker'].includes(o.metadata.name)));
    expect(validateSchemas(gpuObjects, '1.34').filter((f) => f.severity === 'error')).toEqual([]);
    // why a 1.28 check of just the resource.k8s.io objects would not do: the pods fail there too
    const at128 = validateSchemas(gpuObjects, '1.28').filter((f) => f.severity === 'error');
    expect(at128.map((f) => `${f.object} ${f.path ?? ''}: ${f.message}`)).toEqual(
      expect.arrayContaining([
        'DeviceClass/gpu.intel.com apiVersion: Kubernetes 1.28 (the oldest supported k3s): no schema for apiVersion "resource.k8s.io/v1" kind "DeviceClass" (Kubernetes 1.28 or schemas/crds)',
        'StatefulSet/media/plex spec.template.spec.resourceClaims[0].resourceClaimName: Kubernetes 1.28 (the oldest supported k3s): unknown field "resourceClaimName"',
      ]),
    );
  });
});

describe('the gates on both modes (a full synth, which throws on any gate error)', () => {
  it.each([
    ['device-plugin', {}],
    ['dra', DRA],
  ] as const)('%s: synthesizes and passes every gate', async (mode, input) => {
    const config = resolveConfig(input);
    const result = await synthesize({ config, projectDir: PROJECT, env: operatorEnv(config) });
    expect(result.findings.filter((f) => f.severity === 'error')).toEqual([]);
    const objects = result.objects.map((p) => p.object);
    expect(objects.some((o) => o.kind === 'DaemonSet' && o.metadata.name === (mode === 'dra' ? 'intel-gpu-resource-driver' : 'intel-gpu-plugin'))).toBe(true);
    // the runbook and the diagram name this mode's real objects
    const page = result.files.find((x) => x.path === 'docs/homelab/gpu-transcoding.md')!.content;
    const architecture = result.files.find((x) => x.path === 'docs/homelab/architecture.md')!.content;
    if (mode === 'dra') {
      expect(page).toContain('kubectl get resourceslices');
      expect(page).toContain('kubectl get resourceclaims -n media   # intel-gpu: STATE allocated,reserved');
      expect(page).toContain('kubectl logs -n kube-system daemonset/intel-gpu-resource-driver --tail=30');
      expect(page).not.toContain('gpu.intel.com/i915');
      expect(architecture).toContain('w_media_plex -.->|"GPU (DRA)"| rc_intel_gpu');
      expect(architecture).toContain('w_media_clusterplex_worker -.->|"GPU (DRA)"| rc_intel_gpu');
    } else {
      expect(page).toContain('.status.allocatable.gpu\\.intel\\.com/i915');
      expect(page).not.toContain('resourceclaim');
      expect(architecture).not.toContain('rc_intel_gpu');
    }
    // the driver's privileges are declared, with a reason, where it is created
    if (mode === 'dra')
      expect(result.securityExceptions.find((e) => e.name === 'intel-gpu-resource-driver')?.rules).toEqual(
        expect.arrayContaining(['no-host-path', 'no-privileged', 'run-as-non-root', 'no-sa-token']),
      );
  });
});

describe('the version refusal', () => {
  it("refuses gpu.mode 'dra' while kubernetesVersion is 1.28, naming the field and the fix", () => {
    let err: unknown;
    try {
      resolveConfig({ gpu: { mode: 'dra' } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toContain("gpu.mode: 'dra' needs Kubernetes/k3s 1.34 or newer (resource.k8s.io/v1), but kubernetesVersion is '1.28'");
    expect((err as ConfigError).message).toContain("set kubernetesVersion: '1.34'");
    expect(() => resolveConfig({ gpu: { mode: 'gpu' as 'dra' } })).toThrow(/gpu\.mode/);
    expect(() => resolveConfig({ kubernetesVersion: '1.34' })).not.toThrow();
  });
});
