import { defineAppModule } from '../module.js';
import { intelGpuPluginConfig } from './config.js';
import { IntelGpuPlugin } from './intel-gpu-plugin.js';

declare module '../module.js' {
  interface StackParts {
    gpuPlugin?: IntelGpuPlugin;
  }
}

export const intelGpuPluginModule = defineAppModule({
  folder: 'intel-gpu-plugin',
  config: intelGpuPluginConfig,
  build({ scope, config: cfg, parts, add }) {
    if (cfg.apps.intelGpuPlugin.enabled) parts.gpuPlugin = add(new IntelGpuPlugin(scope, 'intel-gpu-plugin', cfg));
  },
});
