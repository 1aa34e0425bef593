import type { AppFacts } from '../../gates/behaviour-facts.js';

/** The Intel GPU device plugin's image (sources: docs/app-facts-verified.md). */
export const INTEL_GPU_PLUGIN_IMAGES = {
  // renovate: datasource=docker depName=intel/intel-gpu-plugin
  intelGpuPlugin: 'intel/intel-gpu-plugin:0.36.0',
} as const;

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
  },
  containers: {
    'intel-gpu-plugin/intel-gpu-plugin': {
      writes: ['/var/lib/kubelet/device-plugins', '/var/run/cdi'],
      source: 'intel/intel-device-plugins-for-kubernetes v0.36.0 deployments/gpu_plugin/base/intel-gpu-plugin.yaml (kubelet device-plugin socket, CDI specs)',
    },
  },
};
