import type { GpuHandle } from '../../lib/handles.js';
import { defineAppModule, type StackParts } from '../module.js';
import { intelGpuPluginConfig } from './config.js';
import { INTEL_GPU_RESOURCE, INTEL_GPU_PLUGIN_FACTS } from './facts.js';
import { IntelGpuPlugin } from './intel-gpu-plugin.js';

declare module '../module.js' {
  interface StackParts {
    /** The Intel GPU; its owner is the plugin when the stack deploys it (else a plugin of the operator's advertises it). */
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
    const plugin = p.enabled ? stack.add(new IntelGpuPlugin(scope, 'intel-gpu-plugin', { site: cfg, sharedDevNum: p.sharedDevNum, namespace: p.namespace })) : undefined;
    parts.gpu = plugin?.gpu ?? { resource: INTEL_GPU_RESOURCE };
  },
});

/** The GPU handle (the plugin's module comes first in the registry and always offers it). */
export function gpuOf(parts: StackParts): GpuHandle {
  if (!parts.gpu) throw new Error('the intel-gpu-plugin module must come before the GPU users in the registry');
  return parts.gpu;
}
