import type { AppFacts } from '../../gates/behaviour-facts.js';

/** The Intel GPU device plugin's image (sources: docs/app-facts-verified.md). */
export const INTEL_GPU_PLUGIN_IMAGES = {
  // renovate: datasource=docker depName=intel/intel-gpu-plugin
  intelGpuPlugin: 'intel/intel-gpu-plugin:0.36.0',
  // renovate: datasource=docker depName=ghcr.io/intel/intel-resource-drivers-for-kubernetes/intel-gpu-resource-driver
  intelGpuResourceDriver: 'ghcr.io/intel/intel-resource-drivers-for-kubernetes/intel-gpu-resource-driver:v0.11.0',
} as const;

/** The DeviceClass (and driver name) Intel's GPU resource driver publishes its GPUs under (deployments/gpu/base/device-class.yaml). */
export const INTEL_GPU_DEVICE_CLASS = 'gpu.intel.com';

/** Name of the ResourceClaim Plex and the ClusterPlex workers share with DRA (in their namespace). */
export const INTEL_GPU_CLAIM = 'intel-gpu';

/** The resource driver's gRPC health port (its Helm chart's `kubeletPlugin.healthcheckPort`, service `liveness`). */
export const INTEL_GPU_DRIVER_HEALTH_PORT = 51516;

/** The extended resource the plugin advertises on the GPU node; pods request one per GPU share. */
export const INTEL_GPU_RESOURCE = 'gpu.intel.com/i915';

/** Who the plugin runs as and what it writes, keyed as the behaviour gate looks them up. */
export const INTEL_GPU_PLUGIN_FACTS: AppFacts = {
  images: {
    'intel/intel-gpu-plugin': {
      imageUser: { uid: 0, gid: 0 },
      asRoot: { kind: 'stays-root' },
      source: 'intel/intel-device-plugins-for-kubernetes v0.36.0:build/docker/intel-gpu-plugin.Dockerfile (FINAL_BASE ubi9-micro, no USER)',
    },
    'ghcr.io/intel/intel-resource-drivers-for-kubernetes/intel-gpu-resource-driver': {
      imageUser: { uid: 0, gid: 0 },
      asRoot: { kind: 'stays-root' },
      source: 'intel/intel-resource-drivers-for-kubernetes gpu-v0.11.0:Dockerfile.gpu (FROM scratch, no USER; deployments/gpu/base/resource-driver.yaml sets runAsUser: 0)',
    },
  },
  containers: {
    'intel-gpu-plugin/intel-gpu-plugin': {
      writes: ['/var/lib/kubelet/device-plugins', '/var/run/cdi'],
      source: 'intel/intel-device-plugins-for-kubernetes v0.36.0 deployments/gpu_plugin/base/intel-gpu-plugin.yaml (kubelet device-plugin socket, CDI specs)',
    },
    'intel-gpu-resource-driver/kubelet-plugin': {
      writes: ['/var/lib/kubelet/plugins', '/var/lib/kubelet/plugins_registry', '/etc/cdi'],
      source:
        'intel/intel-resource-drivers-for-kubernetes gpu-v0.11.0 pkg/helpers/helpers.go (DefaultCDIRoot /etc/cdi, kubelet plugins and plugins_registry sockets) and deployments/gpu/base/resource-driver.yaml',
    },
  },
};
