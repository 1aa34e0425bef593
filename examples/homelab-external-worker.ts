/**
 * The seed-000 homelab (examples/homelab.ts) with the first design's external ClusterPlex worker
 * on the Unraid NAS: a GPU worker outside the cluster, so GPU transcoding survives the loss of
 * k3s-w3. The stack writes its Compose file to docs/homelab/clusterplex-external-worker.compose.yaml
 * (Flux never applies it) and opens the orchestrator and Plex's relay to the NAS's address only.
 */
import { defineConfig } from '../src/config/index.js';
import homelab from './homelab.js';

export default defineConfig({
  ...homelab,
  apps: {
    ...homelab.apps,
    // Plex with the streaming stack on the storage nodes, so it keeps serving without k3s-w3 and
    // hands its transcodes to whichever worker is left; fixed MetalLB addresses, which the NAS dials.
    plex: { ...homelab.apps?.plex, placement: 'storage-nodes', gpu: false, loadBalancerIP: '192.168.1.60' },
    clusterplex: {
      ...homelab.apps?.clusterplex,
      orchestratorService: { type: 'LoadBalancer', loadBalancerIP: '192.168.1.61' },
      // The NAS exports /mnt/user/media and /mnt/user/transcode (storage.media/transcode): the
      // worker binds those local paths. The symlink library and the DFS live in the cluster, so
      // streaming titles fall back to transcoding in Plex.
      externalWorker: { enabled: true, address: '192.168.1.20', hostname: 'unraid-clusterplex-worker', gpu: true },
    },
  },
});
