import { SAFE_SYSCTLS } from '../../gates/security.js';
import type { Facts } from '../../docs/facts.js';
import { c, type Md } from '../../docs/md.js';
import { envValue, INSTANCE_LABEL, type ContainerJson, type Workload } from '../../docs/model.js';
import { probePort, storageKey, volumeText } from '../../docs/objects.js';
import { RUNBOOK_PAGE_PATHS, type RunbookSection } from '../../docs/page.js';

/** qBittorrent behind its VPN sidecar: the tunnel, the kill switch, unsafe sysctls, the WebUI. */

/** Kubelet's safe sysctls (kubernetes.io/docs/tasks/administer-cluster/sysctl-cluster). */
const SAFE = new Set<string>(SAFE_SYSCTLS);

function qbittorrent(f: Facts, md: Md): void {
  const v = f.v;
  const w = f.one('qbittorrent');
  if (!w) return;
  const main = f.main(w);
  const sidecars = [...(w.pod.initContainers ?? []).filter((x) => x.restartPolicy === 'Always'), ...w.pod.containers.filter((x) => x !== main)];
  const vpn = sidecars[0];
  const gluetun = vpn?.image.includes('gluetun') ? vpn : undefined;
  const svc = f.svc(w);
  md.h(2, 'qBittorrent and the VPN');
  md.p(
    `${c(w.ref)} runs ${c(main.name)} (${c(main.image)})${vpn ? ` with ${c(vpn.name)} (${c(vpn.image)}) as a ${vpn.restartPolicy === 'Always' ? 'native sidecar' : 'sidecar'} that owns the pod's network: every connection qBittorrent makes leaves through the tunnel` : ''}.`,
  );
  if (vpn) {
    md.h(3, 'The tunnel is up');
    const n = w.pod.containers.length + (w.pod.initContainers ?? []).filter((x) => x.restartPolicy === 'Always').length;
    const cmds = [f.getPodWide(w) + `   # READY ${n}/${n}: qBittorrent and the sidecar`, f.logs(w, vpn.name, '--tail=50')];
    const hPort = probePort(vpn, vpn.readinessProbe);
    if (gluetun && hPort !== undefined) {
      cmds.push(
        `${f.exec(w, vpn.name, `wget -qO- http://127.0.0.1:${hPort}${vpn.readinessProbe?.httpGet?.path === '/' ? '' : (vpn.readinessProbe?.httpGet?.path ?? '')}`)}   # an empty answer with status 200: healthy; an error: the tunnel is down`,
      );
    } else if (vpn.readinessProbe?.exec) {
      cmds.push(`${f.exec(w, vpn.name, vpn.readinessProbe.exec.command.join(' '))} && echo healthy`);
    }
    md.sh(cmds);
    if (gluetun) {
      md.p(
        `gluetun logs ${c('Public IP address is …')} once the tunnel is up, and ${c('healthy!')} / ${c('unhealthy')} as its health check changes. Its health server answers on ${c(`:${hPort}`)} (${c('HEALTH_SERVER_ADDRESS')}), which is also the sidecar's readiness probe.`,
      );
    }
    md.h(3, "The public IP is the VPN's");
    if (!gluetun) {
      md.p(
        `${c(vpn.name)} checks the public address itself${envValue(vpn, 'IPCHECK_INTERVAL') ? ` every ${envValue(vpn, 'IPCHECK_INTERVAL')} s` : ''} and logs the result: ${c(f.logs(w, vpn.name, '--tail=200') + ' | grep -i ip')}. Compare with the node's own address (${c('curl -s https://ipinfo.io/ip')} on ${w.placement.hostnames[0] ?? 'the node'}): they must differ.`,
      );
    } else {
      md.p(
        `The containers of a pod share one network namespace, so the address the sidecar sees is the one qBittorrent uses. Ask from ${c(vpn.name)} and compare with the node's own address — they must differ:`,
      );
      md.sh([
        `${f.exec(w, vpn.name, 'wget -qO- https://ipinfo.io/ip')}   # the VPN server's address`,
        `curl -s https://ipinfo.io/ip   # on ${w.placement.hostnames[0] ?? 'the node'}: your own address`,
      ]);
    }
  }
  const policy = v.all('NetworkPolicy').find((p) => {
    const sel = p.spec.podSelector?.matchLabels ?? {};
    return sel[INSTANCE_LABEL] === w.instance && (p.spec.egress ?? []).some((e) => (e.to ?? []).some((t) => t.ipBlock));
  });
  if (policy) {
    md.h(3, 'The kill switch');
    const egress: string[] = [];
    for (const e of policy.spec.egress ?? []) {
      const ports = (e.ports ?? []).map((p) => `${p.port}/${p.protocol ?? 'TCP'}`).join(', ');
      for (const t of e.to ?? []) {
        if (t.ipBlock) egress.push(`${c(t.ipBlock.cidr)} on ${ports}`);
        else if (t.podSelector?.matchLabels?.['k8s-app'] === 'kube-dns') egress.push(`cluster DNS on ${ports}`);
      }
    }
    md.p(
      `Two layers keep qBittorrent off the internet outside the tunnel. ${gluetun ? `gluetun's own firewall blocks every connection of the pod that does not go through the tunnel, except the ports in ${c('FIREWALL_INPUT_PORTS')} and the subnets in ${c('FIREWALL_OUTBOUND_SUBNETS')}. ` : vpn && envValue(vpn, 'KILL_SWITCH') === '1' ? `${c(vpn.name)}'s own kill switch (${c('KILL_SWITCH=1')}) routes everything but the LAN through the tunnel. ` : ''}The NetworkPolicy ${c(policy.metadata.name)} allows the pod's egress only to ${egress.join(' and ')} and nothing else, so even without the sidecar's firewall nothing leaks:`,
    );
    md.sh([`kubectl describe networkpolicy ${policy.metadata.name} -n ${policy.metadata.namespace}`]);
    const live = vpn?.livenessProbe;
    const liveText =
      live?.periodSeconds && live.failureThreshold
        ? ` after about ${live.periodSeconds * live.failureThreshold} s of failed health checks (liveness: ${live.failureThreshold} × ${live.periodSeconds} s)`
        : '';
    md.p(
      `When the tunnel drops, qBittorrent's connections stall instead of falling back to the node's address; ${vpn ? `${c(vpn.name)}'s readiness probe fails, the pod leaves the endpoints of ${c(`svc/${svc?.name ?? w.name}`)} (the Arrs report the download client unavailable) and kubelet restarts the sidecar${liveText}. ` : ''}Torrents resume by themselves once the tunnel is back.`,
    );
  }
  const unsafe = (w.pod.securityContext?.sysctls ?? []).map((s) => s.name).filter((n) => !SAFE.has(n));
  if (unsafe.length) {
    md.h(3, 'Unsafe sysctls on the node');
    md.p(
      `${c(vpn?.name ?? w.name)} needs ${(w.pod.securityContext?.sysctls ?? []).map((s) => c(`${s.name}=${s.value}`)).join(' and ')} in the pod; kubelet rejects the pod with ${c('SysctlForbidden')} unless it allows ${unsafe.length === 1 ? 'this unsafe sysctl' : 'these unsafe sysctls'}. On ${w.placement.hostnames.length ? w.placement.hostnames.map(c).join(', ') : 'every node that may run it'}, add to ${c('/etc/rancher/k3s/config.yaml')} and restart k3s:`,
    );
    md.code('yaml', `kubelet-arg:\n  - allowed-unsafe-sysctls=${unsafe.join(',')}`);
    md.sh([`kubectl describe pod ${f.pod(w)} -n ${w.namespace} | grep -i sysctl   # no SysctlForbidden event`]);
  }
  md.h(3, 'WebUI: first login and the save path');
  const url = f.uiUrl(w);
  const port = svc?.port ?? main.ports?.[0]?.containerPort;
  const steps: string[] = [];
  if (url) steps.push(`Open ${url}.`);
  else if (svc) steps.push(`Forward the WebUI and open http://localhost:${port}: ${c(`kubectl port-forward -n ${w.namespace} svc/${svc.name} ${port}:${port}`)}.`);
  if (main.image.includes('home-operations/qbittorrent')) {
    const waits = !url && f.v.cfg.ingress.enabled;
    steps.push(
      `The image's default configuration skips the login for localhost (${c('WebUI\\LocalHostAuth=false')}: the port-forward arrives there) and for the private ranges ${c('10.0.0.0/8')}, ${c('172.16.0.0/12')} and ${c('192.168.0.0/16')} (Tools › Options › WebUI › "Bypass authentication for clients in whitelisted IP subnets"): the Arrs get in without a password, and so would everyone coming through ${f.routeProxy}, whose pod address is private${waits ? ` — which is why it has no ${f.routeKind} yet` : ''}. Set a user name and password there${url ? ' anyway' : ''}; ${waits ? `before you give it an ${f.routeKind}, turn the bypass off and enter them` : 'if you turn the bypass off, enter them'} in each Arr's qBittorrent download client too (the hourly wiring leaves an existing client's settings alone).${waits ? ` ${f.ingressOptIn('qbittorrent')}` : ''}`,
    );
  } else {
    steps.push(
      `Log in as ${c('admin')} with the temporary password qBittorrent prints to its log at the first start (${c(f.logs(w, main.name) + ' | grep -i password')}), then set your own under Tools › Options › WebUI.`,
    );
  }
  const downloads = downloadsMount(f, w, main);
  if (downloads) {
    const seed = f.publishedOf('seeded-setting', w).find((x) => x.setting === 'BitTorrent/Session/DefaultSavePath' && x.value === downloads.path);
    const seeded = (w.pod.initContainers ?? []).find((i) => i.name === seed?.container);
    steps.push(
      `Tools › Options › Downloads › Default Save Path: ${c(downloads.path)} (${downloads.where}), where ${downloads.arrs.map((a) => c(a.name)).join(', ')} find the finished downloads at the same path${seeded ? ` — already set before the first start by the ${c(seeded.name)} init container (it only adds the setting when it is missing, so a path you choose here stays)` : ''}. Leave the incomplete-torrents folder inside it or off.`,
    );
    if (downloads.mismatch.length)
      steps.push(
        `${downloads.mismatch.map((a) => c(a.name)).join(', ')} mount the downloads elsewhere: add a Remote Path Mapping (Settings › Download Clients) from ${c(downloads.path)} to their path.`,
      );
  }
  md.ol(steps);
  if (downloads) md.sh([f.exec(w, main.name, `ls ${downloads.path}`)]);
}

/** The downloads folder: the mount of qBittorrent whose storage an Arr also mounts. */
function downloadsMount(f: Facts, w: Workload, main: ContainerJson): { path: string; where: string; arrs: Workload[]; mismatch: Workload[] } | undefined {
  for (const m of main.volumeMounts ?? []) {
    const key = storageKey(w.pod.volumes?.find((x) => x.name === m.name));
    if (!key) continue;
    const arrs: Workload[] = [];
    const mismatch: Workload[] = [];
    for (const a of f.arrs) {
      for (const ctr of a.pod.containers) {
        const am = ctr.volumeMounts?.find((x) => storageKey(a.pod.volumes?.find((y) => y.name === x.name)) === key && !x.subPath);
        if (!am) continue;
        arrs.push(a);
        if (am.mountPath !== m.mountPath) mismatch.push(a);
        break;
      }
    }
    if (arrs.length) return { path: m.mountPath, where: volumeText(w.pod.volumes?.find((x) => x.name === m.name))!, arrs, mismatch };
  }
  return undefined;
}

export const qbittorrentSection: RunbookSection = { page: RUNBOOK_PAGE_PATHS.downloads, order: 10, render: qbittorrent };
