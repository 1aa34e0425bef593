import { staticServiceBand } from '../../config/cross-field.js';
import type { Facts } from '../facts.js';
import { c, Md } from '../md.js';
import { mountCovers, sh, type Workload } from '../model.js';
import type { RunbookPage } from '../page.js';

/** Decypharr's FUSE mount, its propagation, its NFS export and the readers, from the source outwards. */

// ─── Decypharr DFS ──────────────────────────────────────────────────────────────────────────

/** The claim that holds the NFS sidecar's `--nfs-cache-dir`, if it is a claim. */
function handlesClaim(d: Workload): string | undefined {
  for (const ctr of d.pod.containers) {
    const args = ctr.args ?? [];
    const dir = args[args.indexOf('--nfs-cache-dir') + 1];
    if (!args.includes('--nfs-cache-dir') || !dir) continue;
    const mount = ctr.volumeMounts?.find((m) => dir === m.mountPath || dir.startsWith(`${m.mountPath}/`));
    return d.pod.volumes?.find((v) => v.name === mount?.name)?.persistentVolumeClaim?.claimName;
  }
  return undefined;
}

function decypharrDfs(f: Facts): string | undefined {
  const dfs = f.dfs;
  if (!dfs) return undefined;
  const d = dfs.w;
  const md = new Md();
  const readers = f.dfsReaders();
  md.h(1, 'Decypharr DFS troubleshooting');
  // The mount sits below the volume root (a subdirectory of the host path).
  const shared = dfs.hostPath !== undefined && dfs.hostPath !== dfs.volumeHostPath;
  const bound = dfs.sharedPath !== dfs.path;
  const readerMount = readers.length ? f.containerMounting(readers[0]!, dfs.path)?.volumeMounts?.find((m) => mountCovers(m.mountPath, dfs.path))?.mountPath : undefined;
  md.p(
    `${c(f.pod(d))} mounts the debrid library with FUSE at ${c(dfs.path)} (container ${c(dfs.container)}, privileged, ${c('mountPropagation: Bidirectional')}${dfs.volumeHostPath ? ` on the host path ${c(dfs.volumeHostPath)}` : ''}).` +
      (shared && dfs.hostPath
        ? ` The mount sits in the subdirectory ${c(dfs.hostPath)} on the node (${c(dfs.sharedPath)} in the pod${bound ? `, bound at ${c(dfs.path)} by the container's start script` : ''}), never on the volume root: a crash leaves a dead mount behind, and a dead volume root would keep the next pod from starting.`
        : '') +
      (dfs.export && dfs.sidecar
        ? ` The ${c(dfs.sidecar)} sidecar re-exports it over NFSv3 on port ${dfs.export.port}; ${readers.map((w) => c(w.name)).join(', ')} mount that export through ${c(`pvc/${dfs.export.claim}`)} → ${c(`pv/${dfs.export.pv}`)} → ${c(`${dfs.export.ip}:${dfs.export.path}`)}, the pinned ClusterIP of ${c(`svc/${dfs.export.service}`)} (kubelet mounts on the node, where Service names do not resolve).`
        : readerMount && readerMount !== dfs.path && dfs.volumeHostPath
          ? ` Readers mount the host path ${c(dfs.volumeHostPath)}, the parent of the mount, at ${c(readerMount)} with ${c('HostToContainer')} and see the DFS at ${c(dfs.path)}: a bind of the mount point itself would keep the dead mount after Decypharr mounts anew, a bind of its parent follows both the unmount and the new mount.`
          : ` Readers mount ${dfs.hostPath ? c(dfs.hostPath) : 'the same host path'} with ${c('HostToContainer')}.`),
  );
  md.p(
    'Typical symptoms: readers stuck in `Init` (waiting for the DFS), `ContainerCreating` with mount errors, or empty/stale `' +
      dfs.path +
      '` in a reader. Work from the source outwards:',
  );

  md.h(2, '1. Decypharr itself');
  md.sh([f.getPodWide(d), f.logs(d, dfs.container, '--tail=100'), f.exec(d, dfs.container, `grep -F ${sh(` ${dfs.path} fuse`)} /proc/mounts`)]);
  md.p(
    `The last command must print a ${c('fuse')} line. None: the debrid account is not configured (Decypharr stays in setup until a debrid provider validates — check the API key in [secrets.md](secrets.md)) or the mount failed (see the log).`,
  );
  if (dfs.readiness)
    md.p(
      `The ${c(dfs.container)} container is Ready only while ${c(dfs.readiness)} succeeds (its startup probe runs the same check, so a mount that never comes up restarts the container after the startup budget); Flux waits for that, so a Kustomization stuck on ${c(f.pod(d))} means the same as a missing ${c('fuse')} line. Until then its Service has no endpoint; reach the UI through the pod: ${c(`kubectl port-forward pod/${f.pod(d)} -n ${d.namespace} ${f.svc(d)?.port ?? '<port>'}`)}.`,
    );
  if (shared && dfs.hostPath) {
    md.p(
      `${c('fusermount3: user has no write access to mountpoint')} in the log: the start script did not hand ${c(dfs.hostPath)} to the stack user (the entrypoint drops to ${c('PUID:PGID')} before mounting). ${c('Transport endpoint is not connected')}: a dead mount from a crashed container. The start script detaches it (${c('umount -l')}) on every container start${dfs.preStop ? ' and the preStop hook on every stop' : ''}; should one survive (e.g. the node rebooted into a half-mounted state), detach it on the node and delete the pod:`,
    );
    md.sh([
      `kubectl debug node/<node> -it --image=busybox -- chroot /host sh -c 'grep ${dfs.volumeHostPath ?? dfs.hostPath} /proc/mounts; umount -l ${dfs.hostPath}'`,
      `kubectl delete pod ${f.pod(d)} -n ${d.namespace}`,
    ]);
    if (dfs.volumeHostPath)
      md.p(
        `A ${c('fuse')} line for ${c(dfs.volumeHostPath)} itself is left over from the layout before this one (FUSE on the volume root), and kubelet cannot set up the volume while it is dead: ${c(`umount -l ${dfs.volumeHostPath}`)} on the node as well.`,
      );
  }

  if (dfs.hostPath) {
    md.h(2, '2. Mount propagation on the node');
    md.p(`The FUSE mount reaches the host (and the sidecar) only if ${c(dfs.volumeHostPath ?? dfs.hostPath)} is on a shared mount. On the node where ${c(f.pod(d))} runs:`);
    md.sh([
      `kubectl debug node/<node> -it --image=busybox -- chroot /host findmnt -o TARGET,PROPAGATION --target ${dfs.volumeHostPath ?? dfs.hostPath}`,
      '# PROPAGATION must be "shared"; if not: mount --make-rshared / on the node, then',
      `kubectl delete pod ${f.pod(d)} -n ${d.namespace}`,
    ]);
    if (dfs.sidecar) {
      md.p(`The sidecar sees the mount through ${c('HostToContainer')}; it must list the same entries as the ${c(dfs.container)} container:`);
      md.sh([f.exec(d, dfs.sidecar, `ls ${dfs.sidecarPath ?? dfs.path}`), f.logs(d, dfs.sidecar, '--tail=30')]);
    }
  }

  const exp = dfs.export;
  if (exp) {
    const band = staticServiceBand(f.v.cfg.network.serviceCidr);
    md.h(2, '3. The NFS export');
    md.sh([
      `kubectl get svc ${exp.service} -n ${d.namespace} -o jsonpath='{.spec.clusterIP}{"\\n"}'   # ${exp.ip}`,
      `kubectl get endpoints ${exp.service} -n ${d.namespace}   # the pod IP of ${f.pod(d)}:${exp.port}`,
      `kubectl get pv ${exp.pv} -o jsonpath='{.spec.mountOptions}{"\\n"}'`,
      `kubectl get pvc ${exp.claim} -n ${d.namespace}   # Bound`,
    ]);
    md.p(
      `A ClusterIP other than ${c(exp.ip)}, or a Service that failed to create, means the address was taken or is outside the cluster's service CIDR: ${c(`kubectl get events -n ${d.namespace} --field-selector involvedObject.name=${exp.service}`)}; pick a free one (${c('apps.decypharr.nfsClusterIP')}) in the static band ${c(`${band.first}–${band.last}`)} of ${c(f.v.cfg.network.serviceCidr)}, which dynamic allocation takes last (KEP-3070; the synth refuses an address outside it). ${c(`kubectl get svc -A | grep -w <ip>`)} shows whether an address is in use.`,
    );
    md.p(
      `The server is rclone's user-space NFSv3 (go-nfs): no portmapper, no lock manager, so ${c(`showmount -e ${exp.ip}`)} and a plain ${c('mount')} fail — by design. Clients must pass the options of the PV: ${c(exp.mountOptions.join(','))}. To test from a node by hand:`,
    );
    md.sh([`mkdir -p /tmp/dfs-test && mount -t nfs -o ${exp.mountOptions.join(',')} ${exp.ip}:${exp.path} /tmp/dfs-test && ls /tmp/dfs-test; umount /tmp/dfs-test`]);
    md.p(
      `${c('mount.nfs: … wrong fs type')} / ${c('bad option')}: the node lacks the NFS client (${c('nfs-common')}). ${c('Connection refused')} or a timeout: the sidecar is not serving, or kube-proxy on that node does not route the ClusterIP.`,
    );
  }

  if (readers.length) {
    md.h(2, `${exp ? 4 : 3}. The readers`);
    const cmds: string[] = [];
    for (const w of readers) {
      const ctr = f.containerMounting(w, dfs.path)!;
      const wait = f.dfsWait(w);
      cmds.push(`# ${w.name}`);
      if (wait) cmds.push(f.logs(w, wait.name));
      cmds.push(f.exec(w, ctr.name, `ls ${dfs.path}`));
    }
    cmds.push(
      `kubectl describe pod ${readers.filter((w) => w.kind === 'StatefulSet').map((w) => f.pod(w))[0] ?? '<pod>'} -n ${readers[0]!.namespace} | tail -20   # mount errors appear as events`,
    );
    md.sh(cmds);
    const wait = readers.map((w) => f.dfsWait(w)).find(Boolean);
    if (wait) {
      md.p(
        `The ${c(wait.name)} init container polls ${wait.condition ? c(wait.condition) : `until ${c(dfs.path)} is served`} and logs ${wait.waiting ? `${c(wait.waiting)} first, ` : ''}${wait.ready ? `${c(wait.ready)} when the DFS is served` : ''}${wait.timeout ? `; after its time limit it fails with ${c(wait.timeout)} and kubelet starts it again` : ''}. Still waiting: the reader sees the directory underneath, not the DFS — work through the steps above.`,
      );
    }
    const restart = c(`kubectl delete pod ${f.pod(readers[0]!)} -n ${readers[0]!.namespace}`);
    md.p(
      (!exp && readerMount && readerMount !== dfs.path
        ? `After Decypharr restarts, the readers see the new mount through ${c(readerMount)} without a restart; files they held open from before fail (${c('Transport endpoint is not connected')}) until the app opens them again. Should ${c(`ls ${dfs.path}`)} in a reader keep failing while it works in ${c(f.pod(d))}, restart the reader, e.g. ${restart}.`
        : `After Decypharr restarts, a reader can keep a stale mount (${c('Stale file handle')}, ${c('Transport endpoint is not connected')} or an empty ${c(dfs.path)}): its mount still points at the FUSE mount of the old container. Restart the reader, e.g. ${restart}.`) +
        (exp
          ? ` rclone keeps its NFS file handles on ${c(`pvc/${handlesClaim(d) ?? '?'}`)}, so a handle survives a restarted or re-created ${c(f.pod(d))}; a reader still holding one from before a failover needs the restart above (see [failover.md](failover.md)).`
          : ''),
    );
  }
  return md.toString();
}

export const decypharrDfsPage: RunbookPage = { path: 'docs/decypharr-dfs.md', title: () => 'Decypharr DFS troubleshooting', render: decypharrDfs };
