import type { HostPeer } from '../../lib/component.js';
import { gpuResource, type Facts } from '../facts.js';
import { c, Md } from '../md.js';
import { envValue, gpuClaims, isPodOwner, isWorkload, type GpuClaim, type ResolvedEdge, type Workload } from '../model.js';
import type { RunbookPage } from '../page.js';
import { plexLoadBalancer } from '../plex.js';

/** The GPU device plugin (or DRA resource driver and claim), the pods that use the GPU, and ClusterPlex's orchestrator and workers. */

const GPU_PAGE = 'docs/gpu-transcoding.md';

export function gpuPageTitle(f: Facts): string {
  return f.has('clusterplex-orchestrator') ? 'ClusterPlex and GPU checks' : 'GPU checks';
}

// ─── ClusterPlex / GPU ──────────────────────────────────────────────────────────────────────

function clusterplexGpu(f: Facts): string | undefined {
  const v = f.v;
  const resource = gpuResource(v);
  const claims = gpuClaims(v);
  const plugin = v.workloads.find((w) => w.kind === 'DaemonSet' && w.app.includes('gpu'));
  const consumers = resource ? f.gpuConsumers(resource) : claims.flatMap((x) => x.users);
  const orchestrator = f.one('clusterplex-orchestrator');
  if (!resource && !claims.length && !orchestrator) return undefined;
  const md = new Md();
  md.h(1, gpuPageTitle(f));
  if (!resource && claims.length) {
    draChecks(md, claims, plugin);
    podsGotIt(f, md, consumers, 3);
  }
  if (resource) {
    md.p(
      `Pods get the GPU as the extended resource ${c(resource)}${plugin ? `, advertised by ${c(plugin.ref)} (${c(plugin.namespace)}) on ${c(plugin.placement.constraint)} nodes` : ''}. Requested by: ${consumers.map((x) => `${c(x.w.name)} (${c(x.container)}, ${x.w.placement.title.toLowerCase()})`).join(', ')}.`,
    );
    const args = plugin?.pod.containers[0]?.args?.find((a) => a.startsWith('-shared-dev-num='));
    md.h(2, '1. The node advertises the GPU');
    md.sh([
      `kubectl get nodes${plugin?.placement.nodeSelector ? ` -l ${plugin.placement.nodeSelector}` : ''} -o custom-columns='NODE:.metadata.name,GPU:.status.allocatable.${resource.replace(/\./g, '\\.')}'`,
      ...(plugin ? [`kubectl get pods -n ${plugin.namespace} -l ${plugin.selector} -o wide`, `kubectl logs -n ${plugin.namespace} ${plugin.ref} --tail=30`] : []),
      ...(plugin?.placement.hostnames[0] ? [`kubectl describe node ${plugin.placement.hostnames[0]} | grep -A8 'Allocated resources'`] : []),
    ]);
    md.p(
      `Expect ${args ? c(args.split('=')[1]!) : 'a number'} per GPU${args ? ` (${c(args)}: that many containers can share one GPU)` : ''}. ${c('<none>')}: the plugin is not running there, or the node has no ${c('/dev/dri')} (for a Proxmox LXC, pass ${c('/dev/dri')} through: ${c('lxc.cgroup2.devices.allow: c 226:* rwm')} and ${c('lxc.mount.entry: /dev/dri dev/dri none bind,optional,create=dir')}).`,
    );
    const offPlugin = plugin ? consumers.filter((x) => x.w.placement.id !== plugin.placement.id) : [];
    if (offPlugin.length) {
      md.p(
        `**Note:** ${offPlugin.map((x) => c(x.w.name)).join(', ')} request${offPlugin.length === 1 ? 's' : ''} ${c(resource)} but run${offPlugin.length === 1 ? 's' : ''} on ${offPlugin[0]!.w.placement.title.toLowerCase()} (${c(offPlugin[0]!.w.placement.constraint)}), while the plugin only runs on ${c(plugin!.placement.constraint)}: such a pod stays Pending with ${c(`Insufficient ${resource}`)} unless its node has a GPU and matches the plugin's node selector too.`,
      );
    }
    podsGotIt(f, md, consumers, 2);
  }
  const workers = v.workloadsOfApp('clusterplex-worker');
  if (orchestrator) {
    md.h(2, `${resource ? 3 : claims.length ? 4 : 1}. Orchestrator and workers`);
    const oc = f.main(orchestrator).name;
    const cmds = [
      `kubectl get svc ${f.svc(orchestrator)?.name ?? orchestrator.name} -n ${orchestrator.namespace}   # ClusterIP: workers and Plex reach it by name`,
      `kubectl logs ${orchestrator.ref} -n ${orchestrator.namespace} -c ${oc} --tail=50   # registered workers, dispatched jobs`,
    ];
    for (const w of workers) {
      const wc = f.main(w);
      cmds.push(f.logs(w, wc.name, '--tail=50'));
      cmds.push(f.exec(w, wc.name, 'printenv FFMPEG_HWACCEL ORCHESTRATOR_URL'));
    }
    md.sh(cmds);
    for (const w of workers) {
      const wc = f.main(w);
      const hw = envValue(wc, 'FFMPEG_HWACCEL');
      md.p(
        `${c(w.name)} runs ${w.replicas} worker${w.replicas === 1 ? '' : 's'} with ${c(`FFMPEG_HWACCEL=${hw ?? '(unset)'}`)} (VA-API on Intel; ${c('qsv')} is rejected) and ${c(`ORCHESTRATOR_URL=${envValue(wc, 'ORCHESTRATOR_URL') ?? '?'}`)}. The worker mod installs packages and downloads codecs at its first start (up to 10 minutes, internet egress needed).`,
      );
      const shared = wc.volumeMounts?.filter((m) => m.subPath) ?? [];
      if (shared.length) {
        md.p("Hardware transcodes on a worker need the drivers Plex downloaded: the worker shares Plex's directories:");
        md.sh(shared.map((m) => f.exec(w, wc.name, `ls "${m.mountPath}"`)));
      }
    }
  }
  externalWorkerSection(f, md);
  if (f.has('plex') && (resource || claims.length)) {
    md.p(
      `Then play something that must transcode (lower the quality in the player) and look at Plex › Settings › Dashboard: a transcode with "(hw)" ran on a GPU. No "(hw)": Plex Pass is missing or "Use hardware acceleration when available" is off${orchestrator ? ' — Plex only hands hardware transcodes to workers when it decided on hardware itself' : ''}.`,
    );
  }
  const lb = plexLoadBalancer(f);
  if (lb) {
    md.h(2, `Prerequisite: Plex's LoadBalancer on the tainted ${f.one('plex')!.placement.title}`);
    md.p(lb.text);
    md.sh(lb.commands);
  }
  return md.toString();
}

/**
 * The ClusterPlex worker outside the cluster (a Compose file next to this page): start it on its
 * host, see it register, and what it keeps running when the GPU node is gone.
 */
function externalWorkerSection(f: Facts, md: Md): void {
  const compose = f.publishedAll('compose-file').find((x) => x.instance === 'clusterplex-worker');
  const orchestrator = f.one('clusterplex-orchestrator');
  if (!compose || !orchestrator) return;
  const project = compose.project as {
    name: string;
    services: Record<string, { hostname: string; environment: Record<string, string>; extra_hosts: string[]; volumes: { target: string }[] }>;
  };
  const [service, worker] = Object.entries(project.services)[0]!;
  const file = compose.file;
  const svc = f.svc(orchestrator)?.name ?? orchestrator.name;
  md.h(2, 'The external worker on the NAS');
  md.p(
    `${c(file)} (next to this page; Flux never applies it) runs one more worker outside the cluster with Docker Compose: the same Plex image as PMS, PMS's paths, ${c(`ORCHESTRATOR_URL=${worker.environment.ORCHESTRATOR_URL}`)} (the orchestrator's ${c(svc)} Service, reachable from the LAN) and ${c(worker.extra_hosts.join(' '))}, so the progress URL PMS hands out (its Service name and relay port) resolves to Plex's LoadBalancer. Copy the file to the NAS and start it there:`,
  );
  md.sh([
    `kubectl get svc ${svc} plex -n ${orchestrator.namespace}   # EXTERNAL-IP: the addresses in ${file}`,
    `curl -fsS ${worker.environment.ORCHESTRATOR_URL}/health   # on the NAS: Healthy`,
    `docker compose -f ${file} up -d`,
    `docker compose -f ${file} logs -f ${service}   # "Worker connected on socket", then codec downloads (up to 10 minutes)`,
    `kubectl logs ${orchestrator.ref} -n ${orchestrator.namespace} -c ${f.main(orchestrator).name} | grep 'Registering worker'   # ...|${worker.hostname}`,
  ]);
  if (compose.peer) externalWorkerAccess(f, md, compose.peer);
  const plex = f.one('plex');
  const targets = new Set(worker.volumes.map((v) => v.target));
  const missing = plex ? (f.main(plex).volumeMounts ?? []).map((m) => m.mountPath).filter((p) => p !== '/config' && !targets.has(p)) : [];
  if (missing.length) {
    md.p(
      `The worker's host has no ${missing.map(c).join(', ')} (set ${c('apps.clusterplex.externalWorker.paths')} if it mounts them): a transcode of a title there fails on this worker, and Plex then transcodes it itself (${c('TRANSCODE_OPERATING_MODE=both')}: remote first, local if it fails).`,
    );
  }
  const gpuHost = f.v.workloadsOfApp('clusterplex-worker')[0]?.placement.hostnames[0];
  if (plex) {
    const lost = gpuHost ? c(gpuHost) : 'the GPU node';
    md.p(
      plex.placement.id === 'gpu_nodes'
        ? `**Losing ${lost}:** Plex runs there too (${c('apps.plex.placement')} is ${c('gpu-node')}), so nothing streams until it is back, worker or not. For GPU transcoding that survives it, set ${c("apps.plex.placement: 'storage-nodes'")}: Plex then stays up with the orchestrator on the storage nodes and hands its transcodes to this worker (decoding on the NAS's GPU with ${c(`FFMPEG_HWACCEL=${worker.environment.FFMPEG_HWACCEL ?? '(unset)'}`)}; Plex only plans hardware encoding where it sees a GPU itself).`
        : `**Losing ${lost}:** Plex and the orchestrator run on ${plex.placement.title.toLowerCase()} and keep going; the orchestrator unregisters the lost worker and sends every transcode to this one (${c(worker.hostname)}). Check it with the ${c('Registering worker')} line above and a test stream.`,
    );
  }
}

/**
 * What the NetworkPolicies admit from the external worker (its /32, from the call graph) and what
 * that asks of the Services it dials: they must keep its address (`externalTrafficPolicy: Local`),
 * so only the node running each pod answers.
 */
function externalWorkerAccess(f: Facts, md: Md, peer: HostPeer): void {
  const fromPeer = (e: ResolvedEdge) => typeof e.from === 'object' && !isPodOwner(e.from) && e.from.cidr === peer.cidr;
  const calls = f.v.edges.flatMap((e) => (fromPeer(e) && isWorkload(e.to) ? [{ w: e.to, ports: e.edge.ports === 'any' ? [] : e.edge.ports }] : []));
  const services = calls.flatMap((x) => f.v.serviceOf(x.w) ?? []);
  if (services.length === 0) return;
  const refs = (list: typeof services) => list.map((s) => c(`svc/${s.metadata.name}`)).join(' and ');
  const snat = services.filter((s) => s.spec.externalTrafficPolicy !== 'Local');
  const types = new Set(services.map((s) => s.spec.type));
  const loadBalancer = types.has('LoadBalancer')
    ? `With MetalLB (layer 2), the address is announced from a node that runs the pod, so it follows the pod after a failover. With k3s ServiceLB, EXTERNAL-IP is that node's own address: dial exactly it — another node's address still answers through its svclb pod, but that pod masquerades the worker to its own pod address, which the policy refuses — and update ${c('apps.clusterplex.externalWorker.orchestratorAddress')} and ${c('plexAddress')} when a pod moves. `
    : '';
  const nodePort = types.has('NodePort')
    ? `A node port answers only on the node that runs the pod: ${c('orchestratorAddress')} must be that node's address, and follow it after a failover. `
    : '';
  const keeps = snat.length
    ? `But ${refs(snat)} ${snat.length === 1 ? 'has' : 'have'} ${c('externalTrafficPolicy: Cluster')}: the node SNATs the worker to an address of its own, so the policy refuses it — set ${c('externalTrafficPolicy: Local')} there. `
    : `That works only while the connections keep that address: ${refs(services)} have ${c('externalTrafficPolicy: Local')}; with the default ${c('Cluster')} the node that takes a connection SNATs it to an address of its own, and the policy refuses the worker. The price: only a node that runs the pod answers. ${loadBalancer}${nodePort}`;
  md.p(
    `**Who may connect:** the orchestrator has no authentication, so the NetworkPolicies admit only the worker's own address, ${c(peer.cidr)}, ${calls.map((x) => `to ${c(x.w.name)} on :${x.ports.join(', :')}`).join(' and ')} — not the LAN's private ranges. ` +
      keeps +
      `If the worker's host gets another address, change ${c('apps.clusterplex.externalWorker.address')} (or give it a DHCP reservation).`,
  );
  md.sh([
    `kubectl get svc ${services.map((s) => s.metadata.name).join(' ')} -n ${services[0]!.metadata.namespace} -o custom-columns=NAME:.metadata.name,POLICY:.spec.externalTrafficPolicy,EXTERNAL-IP:.status.loadBalancer.ingress[*].ip   # POLICY Local`,
    ...calls.map((x) => `${f.getPodWide(x.w)}   # NODE: the node that answers for ${x.w.name}`),
  ]);
}

/** Both modes: each GPU pod sees /dev/dri, and Plex's render group can read it. */
function podsGotIt(f: Facts, md: Md, consumers: readonly { readonly w: Workload; readonly container: string }[], step: number): void {
  md.h(2, `${step}. The pods got it`);
  const cmds: string[] = [];
  for (const x of consumers) {
    cmds.push(`# ${x.w.name}`);
    cmds.push(f.getPodWide(x.w));
    cmds.push(f.exec(x.w, x.container, 'ls -l /dev/dri'));
  }
  if (consumers[0])
    cmds.push(`kubectl describe pod ${f.v.podRef(consumers[0].w).replace(/^.*\//, '')} -n ${consumers[0].w.namespace} | grep -A3 -i 'insufficient\\|events'   # if Pending`);
  md.sh(cmds.filter((x) => !x.includes('describe pod statefulset/') && !x.includes('describe pod deployment/')));
  const plex = f.one('plex');
  const groups = plex?.pod.securityContext?.supplementalGroups;
  if (plex && groups?.length) {
    md.p(
      `${c('/dev/dri/renderD*')} must be readable by Plex's group ${groups.map(String).join(', ')}; on the GPU node: ${c('getent group render')} and ${c('ls -ln /dev/dri')}. A different GID: set ${c('apps.plex.renderGroupId')}.`,
    );
  }
}

/** `gpu.mode: 'dra'`: the resource driver publishes the GPU, the pods share one ResourceClaim. */
function draChecks(md: Md, claims: readonly GpuClaim[], driver: Workload | undefined): void {
  for (const claim of claims) {
    const users = [...new Set(claim.users.map((u) => u.w))];
    md.p(
      `Pods get the GPU through Dynamic Resource Allocation (Kubernetes/k3s 1.34+): ${driver ? `${c(driver.ref)} (${c(driver.namespace)}) on ${c(driver.placement.constraint)} nodes publishes each GPU as a device of DeviceClass ${c(claim.deviceClass ?? '?')} in a ResourceSlice` : `a resource driver you run publishes the GPUs of DeviceClass ${c(claim.deviceClass ?? '?')}`}, and ${users.map((w) => c(w.name)).join(', ')} share the ResourceClaim ${c(claim.name)} (namespace ${c(claim.namespace)}): the scheduler allocates one GPU to it and runs every pod that uses it on that GPU's node.`,
    );
    md.h(2, '1. The driver publishes the GPU');
    md.sh([
      `kubectl get deviceclass ${claim.deviceClass ?? ''}`.trim(),
      'kubectl get resourceslices -o wide   # one per GPU node, DRIVER gpu.intel.com',
      ...(driver ? [`kubectl get pods -n ${driver.namespace} -l ${driver.selector} -o wide`, `kubectl logs -n ${driver.namespace} ${driver.ref} --tail=30`] : []),
    ]);
    md.p(
      `No ResourceSlice for the GPU node: the driver is not running there, the node has no ${c('/dev/dri')}, or the cluster is older than 1.34 (${c('kubectl api-resources --api-group=resource.k8s.io')} must list ${c('resourceslices')} in ${c('resource.k8s.io/v1')}). A pod that starts but fails with a CDI error: the container runtime needs CDI (containerd 2.x, or containerd 1.7 with ${c('enable_cdi = true')}).`,
    );
    md.h(2, '2. The claim is allocated to the pods');
    md.sh([
      `kubectl get resourceclaims -n ${claim.namespace}   # ${claim.name}: STATE allocated,reserved`,
      `kubectl describe resourceclaim ${claim.name} -n ${claim.namespace}   # Reserved For: the GPU pods`,
    ]);
    md.p(
      `${c('pending')}: no pod using it was scheduled yet, or no node offers a device of ${c(claim.deviceClass ?? '?')} (see step 1). The claim is the stack's (Flux applies it with the first GPU user): do not delete it while pods use it.`,
    );
  }
}

export const gpuTranscodingPage: RunbookPage = { path: GPU_PAGE, title: gpuPageTitle, render: clusterplexGpu };
