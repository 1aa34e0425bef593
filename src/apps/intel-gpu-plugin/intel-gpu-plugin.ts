import * as k8s from '../../../imports/k8s.js';
import type { Construct } from 'constructs';
import type { StackConfig } from '../../config/types.js';
import { Component, setFileName } from '../../lib/component.js';
import { IMAGES } from '../../lib/images.js';
import { appLabels, container, containerSecurityContext, podSpec, selectorLabels } from '../../lib/pod.js';
import { gpuNodePlacement } from '../../lib/placement.js';

const NAME = 'intel-gpu-plugin';

/**
 * Intel GPU device plugin (infrastructure): advertises `gpu.intel.com/i915` on the GPU node.
 * Mirrors upstream `deployments/gpu_plugin/base/intel-gpu-plugin.yaml` (hardened container,
 * read-only host paths for the devices, the kubelet device-plugin socket directory), plus
 * `-shared-dev-num` so Plex and ClusterPlex workers can share one GPU.
 */
export class IntelGpuPlugin extends Component {
  constructor(scope: Construct, id: string, cfg: StackConfig) {
    const ns = cfg.apps.intelGpuPlugin.namespace;
    super(scope, id, {
      dir: 'infrastructure/gpu-device-plugin',
      fluxName: 'gpu-device-plugin',
      namespace: ns,
      wait: true,
      description: `Intel GPU device plugin (gpu.intel.com/i915, shared by up to ${cfg.apps.intelGpuPlugin.sharedDevNum} containers per GPU)`,
    });
    const placement = gpuNodePlacement(cfg);
    const labels = appLabels(NAME);
    const spec = podSpec(cfg, {
      ...placement,
      nodeSelector: { 'kubernetes.io/arch': 'amd64', ...(placement.nodeSelector ?? {}) },
      // Registers a socket in the root-owned kubelet directory.
      startsAsRoot: true,
      containers: [
        {
          ...container({
            name: NAME,
            image: IMAGES.intelGpuPlugin,
            args: [`-shared-dev-num=${cfg.apps.intelGpuPlugin.sharedDevNum}`],
            mounts: [
              { volume: 'devfs', path: '/dev/dri', readOnly: true },
              { volume: 'sysfsdrm', path: '/sys/class/drm', readOnly: true },
              { volume: 'kubeletsockets', path: '/var/lib/kubelet/device-plugins' },
              { volume: 'cdipath', path: '/var/run/cdi' },
            ],
            resources: { cpuRequest: '40m', memoryRequest: '45Mi', memoryLimit: '90Mi' },
          }),
          securityContext: {
            ...containerSecurityContext(),
            seLinuxOptions: { type: 'container_device_plugin_t' },
          },
          env: [
            { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
            { name: 'HOST_IP', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } },
          ],
        },
      ],
      volumes: [
        { name: 'devfs', hostPath: { path: '/dev/dri' } },
        { name: 'sysfsdrm', hostPath: { path: '/sys/class/drm' } },
        { name: 'kubeletsockets', hostPath: { path: '/var/lib/kubelet/device-plugins' } },
        { name: 'cdipath', hostPath: { path: '/var/run/cdi', type: 'DirectoryOrCreate' } },
      ],
    });
    const ds = setFileName(
      new k8s.KubeDaemonSet(this, 'daemonset', {
        metadata: { name: NAME, namespace: ns, labels },
        spec: {
          selector: { matchLabels: selectorLabels(NAME) },
          template: { metadata: { labels }, spec: { ...spec, priorityClassName: 'system-node-critical' } },
        },
      }),
      'daemonset.yaml',
    );
    this.addHealthCheck({ apiVersion: 'apps/v1', kind: 'DaemonSet', name: ds.metadata.name!, namespace: ns });
    this.addSecurityExceptionFor(ds, {
      rules: ['no-host-path', 'run-as-non-root', 'probes'],
      reason:
        'a device plugin reads /dev/dri and /sys/class/drm from the host and registers a socket in the root-owned kubelet device-plugins directory; the upstream image ships no health endpoint (a failed registration shows as missing node capacity)',
    });
  }
}
