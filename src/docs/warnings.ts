import type { StackConfig } from '../config/types.js';
import { SAFE_SYSCTLS } from '../gates/security.js';
import type { StackView } from './model.js';

const SAFE = new Set<string>(SAFE_SYSCTLS);

/** RFC 5737 documentation ranges and RFC 2606 example domains: never a real value. */
const PLACEHOLDER_IP = /^(192\.0\.2|198\.51\.100|203\.0\.113)\.\d{1,3}(\/\d{1,2})?$/;
const PLACEHOLDER_HOST = /(^|\.)(example\.(com|net|org)|example)$/;

/** Config values that are documentation placeholders (addresses from RFC 5737, example.com names). */
function placeholderWarnings(cfg: StackConfig): string[] {
  const out: string[] = [];
  const walk = (v: unknown, path: string) => {
    if (typeof v === 'string') {
      if (PLACEHOLDER_IP.test(v)) out.push(`${path} is ${v}, an address from a documentation range (RFC 5737): a placeholder — set the real value before deploying`);
      else if (PLACEHOLDER_HOST.test(v)) out.push(`${path} is ${v}, an example domain (RFC 2606): a placeholder — set the real value before deploying`);
    } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, path ? `${path}.${k}` : k);
  };
  walk(cfg, '');
  return out;
}

/** Features that only work with a node-level setting the stack cannot make itself (config only). */
export function configWarnings(cfg: StackConfig): string[] {
  const out: string[] = [...placeholderWarnings(cfg)];
  if (cfg.flux.repoPath.replace(/\/+$/, '') === '.') {
    out.push(
      "flux.repoPath is '.', so every Flux spec.path expects the output at the root of the GitOps repository, which the synth cannot write (it replaces its output folder as a whole); set flux.repoPath to a folder of its own such as './media-stack' and synthesize into it",
    );
  }
  if (cfg.apps.plex.enabled && cfg.apps.plex.gpu) {
    out.push(
      `Plex uses the host render group GID ${cfg.apps.plex.renderGroupId} for /dev/dri and hardware transcoding needs Plex Pass; check \`getent group render\` on the GPU node`,
    );
  }
  return out;
}

/** Problems visible only in the synthesized objects: node settings and placement conflicts. */
export function objectWarnings(v: StackView): string[] {
  const out: string[] = [];
  // NFS volumes are mounted by kubelet on the node: the node needs the NFS client.
  const nfs = v.workloads.filter((w) =>
    (w.pod.volumes ?? []).some((vol) => {
      const pvc = vol.persistentVolumeClaim ? v.find('PersistentVolumeClaim', vol.persistentVolumeClaim.claimName, w.namespace) : undefined;
      const pv = pvc?.spec.volumeName ? v.find('PersistentVolume', pvc.spec.volumeName) : undefined;
      return vol.nfs !== undefined || pv?.spec.nfs !== undefined;
    }),
  );
  if (nfs.length) {
    const where = [...new Set(nfs.map((w) => w.placement.title.toLowerCase()))].join(' and ');
    out.push(`the ${where} need the NFS client (nfs-common): kubelet mounts the NFS volumes of ${nfs.map((w) => w.name).join(', ')} on the node`);
  }
  // Unsafe sysctls (e.g. a WireGuard client's rp_filter) need a kubelet flag on the node.
  for (const w of v.workloads) {
    const unsafe = (w.pod.securityContext?.sysctls ?? []).map((s) => s.name).filter((n) => !SAFE.has(n));
    if (unsafe.length) {
      out.push(
        `${w.ref} sets the unsafe sysctl${unsafe.length > 1 ? 's' : ''} ${unsafe.join(', ')}: its pods fail with SysctlForbidden until kubelet on ${w.placement.title.toLowerCase()} runs with --allowed-unsafe-sysctls=${unsafe.join(',')} (k3s: --kubelet-arg=allowed-unsafe-sysctls=${unsafe.join(',')})`,
      );
    }
  }
  // GPU consumers outside the nodes where the device plugin advertises the resource.
  const plugins = v.workloads.filter((w) => w.kind === 'DaemonSet' && w.pod.containers.some((c) => c.volumeMounts?.some((m) => m.mountPath === '/var/lib/kubelet/device-plugins')));
  for (const w of v.workloads) {
    for (const c of w.pod.containers) {
      const gpu = Object.keys(c.resources?.limits ?? {}).find((k) => k.startsWith('gpu.intel.com/'));
      if (!gpu || plugins.length === 0) continue;
      if (plugins.some((p) => p.placement.id === w.placement.id || p.placement.id === 'anywhere')) continue;
      out.push(
        `${w.ref} requests ${gpu} but runs on ${w.placement.title.toLowerCase()} (${w.placement.constraint}), where the GPU device plugin (${plugins.map((p) => `${p.ref}: ${p.placement.constraint}`).join('; ')}) does not advertise it: it stays Pending unless those nodes have a GPU and the plugin's labels too`,
      );
    }
  }
  // Extended resources no device plugin of this stack advertises (e.g. /dev/net/tun for a VPN).
  const standard = /^(cpu|memory|ephemeral-storage|hugepages-.*)$/;
  const missing = new Map<string, Set<string>>();
  for (const w of v.workloads) {
    for (const c of [...(w.pod.initContainers ?? []), ...w.pod.containers]) {
      for (const r of Object.keys(c.resources?.limits ?? {})) {
        if (standard.test(r) || (r.startsWith('gpu.intel.com/') && plugins.length)) continue;
        missing.set(r, new Set([...(missing.get(r) ?? []), `${w.ref} (${w.placement.title.toLowerCase()})`]));
      }
    }
  }
  for (const [r, users] of missing) {
    out.push(
      `${[...users].join(', ')} request${users.size === 1 ? 's' : ''} ${r}, which no device plugin of this stack advertises: install one that does on those nodes (kubectl get nodes -o custom-columns='NODE:.metadata.name,RES:.status.allocatable.${r.replace(/\./g, '\\.')}'), or the pods stay Pending`,
    );
  }
  // Host paths shared between pods only work when the pods are on one node.
  const byPath = new Map<string, Set<string>>();
  for (const w of v.workloads) {
    if (w.kind === 'DaemonSet') continue;
    for (const vol of w.pod.volumes ?? []) if (vol.hostPath) byPath.set(vol.hostPath.path, new Set([...(byPath.get(vol.hostPath.path) ?? []), w.name]));
  }
  const loose = [...byPath].filter(([, ws]) => ws.size > 1 && [...ws].some((n) => v.workloads.find((w) => w.name === n)?.placement.id === 'anywhere'));
  if (loose.length) {
    out.push(
      `host paths shared between pods (${loose.map(([p]) => p).join(', ')}) with no node pinning: on a multi-node cluster set storage.singleNodeHostname so the pods land on the node that holds them`,
    );
  }
  return out;
}

/** Everything the docs and the synth summary flag for the operator. */
export function docWarnings(v: StackView): string[] {
  return [...configWarnings(v.cfg), ...objectWarnings(v)];
}
