import type { ApiObject } from 'cdk8s';
import * as k8s from '../../../imports/k8s.js';
import type { Construct } from 'constructs';
import type { SiteConfig } from '../../config/types.js';
import { Component, setFileName } from '../../lib/component.js';
import type { GpuHandle } from '../../lib/handles.js';
import { appLabels, container, containerSecurityContext, podSpec, selectorLabels } from '../../lib/pod.js';
import { gpuNodePlacement } from '../../lib/placement.js';
import { intelGpuPluginConfig } from './config.js';
import { INTEL_GPU_PLUGIN_IMAGES, INTEL_GPU_RESOURCE } from './facts.js';

const NAME = 'intel-gpu-plugin';

export interface IntelGpuPluginProps {
  /** The site settings (the GPU node's placement). */
  readonly site: SiteConfig;
  /** Containers that may share one GPU (`-shared-dev-num`). Plex + workers on one node need > 1. @default 4 */
  readonly sharedDevNum?: number;
  /** Namespace of the DaemonSet. @default 'kube-system' */
  readonly namespace?: string;
}

/**
 * Intel GPU device plugin (infrastructure): advertises `gpu.intel.com/i915` on the GPU node.
 * Mirrors upstream `deployments/gpu_plugin/base/intel-gpu-plugin.yaml` (hardened container,
 * read-only host paths for the devices, the kubelet device-plugin socket directory), plus
 * `-shared-dev-num` so Plex and ClusterPlex workers can share one GPU.
 * `ApiObject.of(plugin)` is its DaemonSet.
 */
export class IntelGpuPlugin extends Component {
  /** The DaemonSet. */
  readonly workload: ApiObject;
  /** The GPU as Plex and the ClusterPlex workers request it (they depend on the plugin). */
  readonly gpu: GpuHandle;

  constructor(scope: Construct, id: string, props: IntelGpuPluginProps) {
    const cfg = props.site;
    const ns = props.namespace ?? intelGpuPluginConfig.defaults.namespace;
    const sharedDevNum = props.sharedDevNum ?? intelGpuPluginConfig.defaults.sharedDevNum;
    super(scope, id, {
      dir: 'infrastructure/gpu-device-plugin',
      fluxName: 'gpu-device-plugin',
      namespace: ns,
      wait: true,
      description: `Intel GPU device plugin (${INTEL_GPU_RESOURCE}, shared by up to ${sharedDevNum} containers per GPU)`,
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
            image: INTEL_GPU_PLUGIN_IMAGES.intelGpuPlugin,
            args: [`-shared-dev-num=${sharedDevNum}`],
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
    const ds = (this.workload = setFileName(
      new k8s.KubeDaemonSet(this, 'daemonset', {
        metadata: { name: NAME, namespace: ns, labels },
        spec: {
          selector: { matchLabels: selectorLabels(NAME) },
          template: { metadata: { labels }, spec: { ...spec, priorityClassName: 'system-node-critical' } },
        },
      }),
      'daemonset.yaml',
    ));
    this.node.defaultChild = ds;
    this.gpu = { mode: 'device-plugin', resource: INTEL_GPU_RESOURCE, owner: this };
    this.addHealthCheck({ apiVersion: 'apps/v1', kind: 'DaemonSet', name: ds.metadata.name!, namespace: ns });
    this.addSecurityExceptionFor(ds, {
      rules: ['no-host-path', 'run-as-non-root', 'probes'],
      reason:
        'a device plugin reads /dev/dri and /sys/class/drm from the host and registers a socket in the root-owned kubelet device-plugins directory; the upstream image ships no health endpoint (a failed registration shows as missing node capacity)',
    });
  }
}
