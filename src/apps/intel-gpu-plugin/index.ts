import type { GpuHandle } from '../../lib/handles.js';
import { defineAppModule, type StackParts } from '../module.js';
import { intelGpuPluginConfig } from './config.js';
import { INTEL_GPU_CLAIM, INTEL_GPU_DEVICE_CLASS, INTEL_GPU_RESOURCE, INTEL_GPU_PLUGIN_FACTS } from './facts.js';
import { IntelGpuPlugin } from './intel-gpu-plugin.js';
import { IntelGpuResourceDriver } from './intel-gpu-resource-driver.js';

declare module '../module.js' {
  interface StackParts {
    /** The Intel GPU; its owner is the plugin (or, with `gpu.mode: 'dra'`, the resource driver) when the stack deploys it (else the operator's advertises it). */
    gpu?: GpuHandle;
  }
}

export const intelGpuPluginModule = defineAppModule({
  folder: 'intel-gpu-plugin',
  facts: INTEL_GPU_PLUGIN_FACTS,
  config: intelGpuPluginConfig,
  build(stack) {
    const { scope, config: cfg, parts } = stack;
    const p = cfg.apps.intelGpuPlugin;
    if (cfg.gpu.mode === 'dra') {
      // The resource driver replaces the device plugin; without it, a driver of the operator's publishes the GPUs.
      const driver = p.enabled ? stack.add(new IntelGpuResourceDriver(scope, 'intel-gpu-resource-driver', { site: cfg, namespace: p.namespace })) : undefined;
      parts.gpu = driver?.gpu ?? { mode: 'dra', deviceClass: INTEL_GPU_DEVICE_CLASS, claimName: INTEL_GPU_CLAIM };
      return;
    }
    const plugin = p.enabled ? stack.add(new IntelGpuPlugin(scope, 'intel-gpu-plugin', { site: cfg, sharedDevNum: p.sharedDevNum, namespace: p.namespace })) : undefined;
    parts.gpu = plugin?.gpu ?? { mode: 'device-plugin', resource: INTEL_GPU_RESOURCE };
  },
});

/** The GPU handle (the plugin's module comes first in the registry and always offers it). */
export function gpuOf(parts: StackParts): GpuHandle {
  if (!parts.gpu) throw new Error('the intel-gpu-plugin module must come before the GPU users in the registry');
  return parts.gpu;
}
