import { SERVICELB_TOLERATIONS_ANNOTATION } from '../lib/placement.js';
import type { KubeObject } from '../output/model.js';
import { c, Md } from './md.js';
import { INSTANCE_LABEL, NAME_LABEL, type ContainerJson, type PodSpecJson, type ProbeJson, type VolumeJson, type Workload } from './model.js';
import type { Facts } from './runbooks.js';

/**
 * The runbook of the second design's apps: qBittorrent behind its VPN sidecar, PostgreSQL and its
 * backup CronJob, Samba, and the CronJobs (Configarr, the Arr wiring). Everything is read from the
 * objects; a section is left out when its app is not deployed, the page when none is.
 */

export const DOWNLOADS_PAGE = 'docs/downloads-and-database.md';
export const DOWNLOADS_TITLE = 'Downloads, database, shares and CronJobs';

type Obj = KubeObject & { spec?: any };

/** Kubelet's safe sysctls (kubernetes.io/docs/tasks/administer-cluster/sysctl-cluster). */
const SAFE_SYSCTLS = new Set(['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_unprivileged_port_start', 'net.ipv4.ip_local_reserved_ports', 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes']);

/** The pod spec of a CronJob. */
function cronPod(cj: Obj): PodSpecJson {
  return cj.spec.jobTemplate.spec.template.spec;
}

function cronJobOf(f: Facts, app: string): Obj | undefined {
  return f.v.all('CronJob').find((o) => o.spec.jobTemplate?.spec?.template?.metadata?.labels?.[NAME_LABEL] === app);
}

/** A volume as the reader finds it: a host path on the node, or a claim. */
function volumeText(vol: VolumeJson | undefined): string | undefined {
  if (!vol) return undefined;
  if (vol.hostPath) return `host path ${c(vol.hostPath.path)}`;
  if (vol.persistentVolumeClaim) return `PVC ${c(vol.persistentVolumeClaim.claimName)}`;
  if (vol.nfs) return `NFS ${c(`${vol.nfs.server}:${vol.nfs.path}`)}`;
  return undefined;
}

/** Identity of a volume's storage, to find the same storage in two pods. */
function storageKey(vol: VolumeJson | undefined): string | undefined {
  if (vol?.hostPath) return `host:${vol.hostPath.path}`;
  if (vol?.persistentVolumeClaim) return `pvc:${vol.persistentVolumeClaim.claimName}`;
  return undefined;
}

function volumeOfMount(pod: PodSpecJson, ctr: ContainerJson, mountPath: string): VolumeJson | undefined {
  const m = ctr.volumeMounts?.find((x) => x.mountPath === mountPath);
  return m ? pod.volumes?.find((v) => v.name === m.name) : undefined;
}

/** The numeric port of a probe's httpGet. */
function probePort(ctr: ContainerJson, probe: ProbeJson | undefined): number | undefined {
  const port = probe?.httpGet?.port;
  return typeof port === 'number' ? port : ctr.ports?.find((p) => p.name === port)?.containerPort;
}

/** `kubectl create job --from=cronjob/…`, its wait and its logs. */
function runNow(cj: Obj, ctr: string, timeout: string): string[] {
  const ns = cj.metadata.namespace;
  const job = `${cj.metadata.name}-manual`;
  return [
    `kubectl delete job ${job} -n ${ns} --ignore-not-found   # the previous manual run, if any`,
    `kubectl create job --from=cronjob/${cj.metadata.name} ${job} -n ${ns}`,
    `kubectl wait --for=condition=complete job/${job} -n ${ns} --timeout=${timeout}`,
    `kubectl logs job/${job} -n ${ns} -c ${ctr}`,
  ];
}

function envOf(ctr: ContainerJson, name: string): string | undefined {
  return ctr.env?.find((e) => e.name === name)?.value;
}

function scheduleText(cj: Obj): string {
  return `${c(cj.spec.schedule)}${cj.spec.timeZone ? ` (${cj.spec.timeZone})` : ' (the time zone of kube-controller-manager)'}`;
}

// ─── qBittorrent + VPN ─────────────────────────────────────────────────────────────────────

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
    const cmds = [f.getPodWide(w) + `   # READY ${n}/${n}: qBittorrent and the sidecar`, `${f.logs(w, vpn.name, '--tail=50')}`];
    const hPort = probePort(vpn, vpn.readinessProbe);
    if (gluetun && hPort !== undefined) {
      cmds.push(`${f.exec(w, vpn.name, `wget -qO- http://127.0.0.1:${hPort}${vpn.readinessProbe?.httpGet?.path === '/' ? '' : (vpn.readinessProbe?.httpGet?.path ?? '')}`)}   # an empty answer with status 200: healthy; an error: the tunnel is down`);
    } else if (vpn.readinessProbe?.exec) {
      cmds.push(`${f.exec(w, vpn.name, vpn.readinessProbe.exec.command.join(' '))} && echo healthy`);
    }
    md.sh(cmds);
    if (gluetun) {
      md.p(`gluetun logs ${c('Public IP address is …')} once the tunnel is up, and ${c('healthy!')} / ${c('unhealthy')} as its health check changes. Its health server answers on ${c(`:${hPort}`)} (${c('HEALTH_SERVER_ADDRESS')}), which is also the sidecar's readiness probe.`);
    }
    md.h(3, "The public IP is the VPN's");
    if (!gluetun) {
      md.p(`${c(vpn.name)} checks the public address itself${envOf(vpn, 'IPCHECK_INTERVAL') ? ` every ${envOf(vpn, 'IPCHECK_INTERVAL')} s` : ''} and logs the result: ${c(f.logs(w, vpn.name, '--tail=200') + ' | grep -i ip')}. Compare with the node's own address (${c('curl -s https://ipinfo.io/ip')} on ${w.placement.hostnames[0] ?? 'the node'}): they must differ.`);
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
    return sel[INSTANCE_LABEL] === w.instance && (p.spec.egress ?? []).some((e: any) => (e.to ?? []).some((t: any) => t.ipBlock));
  });
  if (policy) {
    md.h(3, 'The kill switch');
    const egress: string[] = [];
    for (const e of policy.spec.egress ?? []) {
      const ports = (e.ports ?? []).map((p: any) => `${p.port}/${p.protocol ?? 'TCP'}`).join(', ');
      for (const t of e.to ?? []) {
        if (t.ipBlock) egress.push(`${c(t.ipBlock.cidr)} on ${ports}`);
        else if (t.podSelector?.matchLabels?.['k8s-app'] === 'kube-dns') egress.push(`cluster DNS on ${ports}`);
      }
    }
    md.p(
      `Two layers keep qBittorrent off the internet outside the tunnel. ${gluetun ? `gluetun's own firewall blocks every connection of the pod that does not go through the tunnel, except the ports in ${c('FIREWALL_INPUT_PORTS')} and the subnets in ${c('FIREWALL_OUTBOUND_SUBNETS')}. ` : vpn && envOf(vpn, 'KILL_SWITCH') === '1' ? `${c(vpn.name)}'s own kill switch (${c('KILL_SWITCH=1')}) routes everything but the LAN through the tunnel. ` : ''}The NetworkPolicy ${c(policy.metadata.name)} allows the pod's egress only to ${egress.join(' and ')} and nothing else, so even without the sidecar's firewall nothing leaks:`,
    );
    md.sh([`kubectl describe networkpolicy ${policy.metadata.name} -n ${policy.metadata.namespace}`]);
    const live = vpn?.livenessProbe;
    const liveText = live?.periodSeconds && live.failureThreshold ? ` after about ${live.periodSeconds * live.failureThreshold} s of failed health checks (liveness: ${live.failureThreshold} × ${live.periodSeconds} s)` : '';
    md.p(
      `When the tunnel drops, qBittorrent's connections stall instead of falling back to the node's address; ${vpn ? `${c(vpn.name)}'s readiness probe fails, the pod leaves the endpoints of ${c(`svc/${svc?.name ?? w.name}`)} (the Arrs report the download client unavailable) and kubelet restarts the sidecar${liveText}. ` : ''}Torrents resume by themselves once the tunnel is back.`,
    );
  }
  const unsafe = (w.pod.securityContext?.sysctls ?? []).map((s) => s.name).filter((n) => !SAFE_SYSCTLS.has(n));
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
      `The image's default configuration skips the login for localhost (${c('WebUI\\LocalHostAuth=false')}: the port-forward arrives there) and for the private ranges ${c('10.0.0.0/8')}, ${c('172.16.0.0/12')} and ${c('192.168.0.0/16')} (Tools › Options › WebUI › "Bypass authentication for clients in whitelisted IP subnets"): the Arrs get in without a password, and so would everyone coming through the ingress controller, whose pod address is private${waits ? ' — which is why it has no Ingress yet' : ''}. Set a user name and password there${url ? ' anyway' : ''}; ${waits ? 'before you give it an Ingress, turn the bypass off and enter them' : 'if you turn the bypass off, enter them'} in each Arr's qBittorrent download client too (the hourly wiring leaves an existing client's settings alone).${waits ? ` ${f.ingressOptIn('qbittorrent')}` : ''}`,
    );
  } else {
    steps.push(`Log in as ${c('admin')} with the temporary password qBittorrent prints to its log at the first start (${c(f.logs(w, main.name) + ' | grep -i password')}), then set your own under Tools › Options › WebUI.`);
  }
  const downloads = downloadsMount(f, w, main);
  if (downloads) {
    const seeded = (w.pod.initContainers ?? []).find((i) => (i.command ?? []).join(' ').includes(`DefaultSavePath=${downloads.path}'`));
    steps.push(
      `Tools › Options › Downloads › Default Save Path: ${c(downloads.path)} (${downloads.where}), where ${downloads.arrs.map((a) => c(a.name)).join(', ')} find the finished downloads at the same path${seeded ? ` — already set before the first start by the ${c(seeded.name)} init container (it only adds the setting when it is missing, so a path you choose here stays)` : ''}. Leave the incomplete-torrents folder inside it or off.`,
    );
    if (downloads.mismatch.length) steps.push(`${downloads.mismatch.map((a) => c(a.name)).join(', ')} mount the downloads elsewhere: add a Remote Path Mapping (Settings › Download Clients) from ${c(downloads.path)} to their path.`);
  }
  md.ol(steps);
  if (downloads) md.sh([`${f.exec(w, main.name, `ls ${downloads.path}`)}`]);
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

// ─── PostgreSQL ────────────────────────────────────────────────────────────────────────────

function postgres(f: Facts, md: Md): void {
  const v = f.v;
  const w = f.one('postgres');
  if (!w) return;
  const main = f.main(w);
  const svc = f.svc(w);
  const superuser = main.env?.find((e) => e.name === 'POSTGRES_USER')?.value ?? 'postgres';
  md.h(2, 'PostgreSQL');
  md.p(`${c(w.ref)} (${c(main.image)}) serves ${svc ? c(`${svc.name}.${w.namespace}.svc.cluster.local:${svc.port}`) : 'the Arrs'}; its data directory is ${volumeText(volumeOfMount(w.pod, main, main.volumeMounts?.[0]?.mountPath ?? '')) ?? 'its volume'}.`);
  const probe = main.readinessProbe?.exec?.command;
  md.sh([
    f.getPodWide(w),
    `${f.exec(w, main.name, probe?.[0] === 'pg_isready' ? probe.join(' ') : `pg_isready -U ${superuser}`)}   # accepting connections`,
    `${f.exec(w, main.name, `psql -U ${superuser} -l`)}   # the databases below, owned by their app's role`,
  ]);
  // Databases per Arr: the <KIND>__POSTGRES__* env of each app.
  const rows: string[][] = [];
  const users: Workload[] = [];
  for (const a of v.workloads) {
    for (const ctr of a.pod.containers) {
      const host = ctr.env?.find((e) => /__POSTGRES__HOST$/.test(e.name));
      if (!host) continue;
      const prefix = host.name.slice(0, -'HOST'.length);
      const val = (k: string) => ctr.env?.find((e) => e.name === `${prefix}${k}`)?.value;
      rows.push([c(a.name), c(val('USER') ?? '?'), c(val('MAINDB') ?? '?'), val('LOGDB') ? c(val('LOGDB')!) : '—', c(`${prefix}MAINDB`)]);
      users.push(a);
      break;
    }
  }
  md.table(['App', 'Role', 'Main database', 'Log database', 'From'], rows);
  const initName = users.flatMap((a) => (a.pod.initContainers ?? []).filter((i) => i.env?.some((e) => e.name === 'INIT_POSTGRES_DBNAME')).map((i) => i.name))[0];
  if (initName) md.p(`The apps never create their databases: the ${c(initName)} init container of each creates its role and databases (idempotently) before the app starts. A missing database: ${c(f.logs(users[0]!, initName))}.`);

  const cj = v.all('CronJob').find((o) => cronPod(o).containers.some((x) => (x.command ?? []).join(' ').includes('pg_dumpall')));
  if (!cj) return;
  const pod = cronPod(cj);
  const dumper = pod.containers.find((x) => (x.command ?? []).join(' ').includes('pg_dumpall'))!;
  const script = (dumper.command ?? []).join('\n');
  const glob = /ls -1t (\S+)/.exec(script)?.[1];
  const dir = dumper.volumeMounts?.find((m) => script.includes(`${m.mountPath}/`));
  const vol = dir ? pod.volumes?.find((x) => x.name === dir.name) : undefined;
  const retention = v.cfg.apps.postgres.backupRetention;
  md.h(3, 'Backups');
  md.p(
    `${c(`cronjob/${cj.metadata.name}`)} runs ${c('pg_dumpall --clean --if-exists')} at ${scheduleText(cj)} and writes one gzip'd dump per run${glob ? ` (${c(glob)})` : ''}${vol ? ` to ${volumeText(vol)}${vol.hostPath && w.placement.hostnames[0] ? ` on ${c(w.placement.hostnames[0])}` : ''}` : ''}, keeping the newest ${retention}. A dump is written under a temporary name and renamed when complete, so a failed run never replaces a good dump. Copy the dumps off the node as well: they are the only way back from a lost data directory. Run a backup now:`,
  );
  md.sh([...runNow(cj, dumper.name, '15m'), ...(vol?.hostPath ? [`sudo ls -lt ${vol.hostPath.path}   # on ${w.placement.hostnames[0] ?? 'the node'}`] : [])]);

  md.h(3, 'Restore');
  const helper = `${cj.metadata.name}-restore`;
  const ns = cj.metadata.namespace as string;
  const helperPod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: helper, namespace: ns, labels: cj.spec.jobTemplate.spec.template.metadata?.labels ?? {} },
    spec: { ...pod, restartPolicy: 'Never', containers: pod.containers.map((x) => (x === dumper ? { ...x, command: ['sleep', 'infinity'] } : x)) },
  };
  const ks = [...new Set(users.map((a) => v.fluxNameOf(a)).filter((x): x is string => Boolean(x)))];
  md.p(
    `A dump restores every database and role at once. Stop the Arrs first (Flux would scale them back up, so suspend their Kustomizations), start a pod from the backup's own template (same image, Secret, volume and network access), feed the dump to ${c('psql')}, then bring the Arrs back:`,
  );
  md.sh([
    ...ks.map((k) => `flux suspend kustomization ${k} -n ${v.fluxNamespace}`),
    ...users.map((a) => `kubectl scale ${a.ref} ${f.n(a)} --replicas=0`),
    `kubectl apply -f - <<'EOF'`,
    ...JSON.stringify(helperPod, null, 2).split('\n'),
    'EOF',
    `kubectl wait --for=condition=Ready pod/${helper} -n ${ns} --timeout=5m`,
    ...(dir ? [`kubectl exec ${helper} -n ${ns} -c ${dumper.name} -- ls -lt ${dir.mountPath}   # pick a dump`] : []),
    `kubectl exec ${helper} -n ${ns} -c ${dumper.name} -- bash -c 'gunzip -c ${dir?.mountPath ?? '<dir>'}/<dump>.sql.gz | psql -d postgres -f -'`,
    `kubectl delete pod ${helper} -n ${ns}`,
    ...users.map((a) => `kubectl scale ${a.ref} ${f.n(a)} --replicas=${a.replicas}`),
    ...ks.map((k) => `flux resume kustomization ${k} -n ${v.fluxNamespace}`),
  ]);
  md.p(`${c('psql')} continues past errors: those about the role ${c(superuser)} (the connected superuser, which cannot be dropped or recreated) are expected; anything about the Arrs' roles or databases is not. Then check each Arr's ${c('/ping')} and its System › Status page.`);
}

// ─── Samba ─────────────────────────────────────────────────────────────────────────────────

function samba(f: Facts, md: Md): void {
  const v = f.v;
  const w = f.one('samba');
  if (!w) return;
  const main = f.main(w);
  md.h(2, 'Samba');
  // Shares: the sambacc JSON of the ConfigMap the pod mounts.
  let shares: { name: string; path: string; users?: string; readOnly?: string }[] = [];
  let workgroup: string | undefined;
  for (const vol of w.pod.volumes ?? []) {
    if (!vol.configMap) continue;
    const cm = v.find('ConfigMap', vol.configMap.name, w.namespace) as (KubeObject & { data?: Record<string, string> }) | undefined;
    for (const text of Object.values(cm?.data ?? {})) {
      try {
        const json = JSON.parse(text);
        if (json['samba-container-config'] === undefined || !json.shares) continue;
        shares = Object.entries<any>(json.shares).map(([name, s]) => ({ name, path: s.options?.path, users: s.options?.['valid users'], readOnly: s.options?.['read only'] }));
        workgroup = Object.values<any>(json.globals ?? {})[0]?.options?.workgroup;
      } catch {
        // not the sambacc config
      }
    }
  }
  const svc = v.serviceOf(w);
  const svcPort = svc?.spec.ports[0].port as number | undefined;
  md.p(`${c(w.ref)} (${c(main.image)}) serves SMB on port ${svcPort ?? 445}${workgroup ? ` in workgroup ${c(workgroup)}` : ''} through ${svc ? `${c(`svc/${svc.metadata.name}`)} (${svc.spec.type ?? 'ClusterIP'})` : 'no Service'}. The shares:`);
  md.table(
    ['Share', 'Path in the pod', 'Storage', 'Users', 'Writable'],
    shares.map((s) => [c(s.name), c(s.path), volumeText(volumeOfMount(w.pod, main, s.path)) ?? '—', s.users ? s.users.split(/[ ,]+/).map(c).join(', ') : 'any', s.readOnly === 'yes' ? 'no' : 'yes']),
  );
  // Users: the init container that renders users.json from SAMBA_PASSWORD_<i>.
  const render = (w.pod.initContainers ?? []).find((i) => i.env?.some((e) => e.valueFrom?.secretKeyRef) && (i.command ?? []).join(' ').includes('users'));
  const script = (render?.command ?? []).join('\n');
  const accounts = [...script.matchAll(/'([^']+)' "\$\(esc "\$(\w+)"\)"/g)].map((m) => {
    const ref = render!.env!.find((e) => e.name === m[2])?.valueFrom?.secretKeyRef;
    return { user: m[1]!, secret: ref?.name, key: ref?.key };
  });
  if (accounts.length && accounts[0]!.secret) {
    const secret = accounts[0]!.secret!;
    const eso = v.cfg.secrets.backend === 'external-secrets';
    md.p(
      `Each user's password is a key of the Secret ${c(secret)}${eso ? ' (from Infisical through External Secrets: create the values there, see [secrets.md](secrets.md))' : ', generated at synth time and committed SOPS-encrypted'}; the ${c(render!.name)} init container writes them into the pod at start, so after changing one restart the pod (${c(`kubectl rollout restart ${w.ref} ${f.n(w)}`)}). Read a password:`,
    );
    const cmds: string[] = [];
    for (const a of accounts) {
      cmds.push(`# ${a.user}`);
      cmds.push(...f.readSecret(a.secret!, a.key!));
      cmds.push(`kubectl get secret ${a.secret} ${f.n(w)} -o jsonpath='{.data.${a.key}}' | base64 -d; echo   # the value in the cluster`);
    }
    md.sh(cmds);
  }
  const user = accounts[0]?.user ?? '<user>';
  const share = shares[0]?.name ?? '<share>';
  const cmds: string[] = [];
  let address = '<address>';
  let portFlag = '';
  if (svc?.spec.type === 'LoadBalancer') {
    cmds.push(`kubectl get svc ${svc.metadata.name} ${f.n(w)}   # EXTERNAL-IP: the address to connect to (the node's with k3s ServiceLB)`);
    address = '<EXTERNAL-IP>';
  } else if (svc?.spec.type === 'NodePort') {
    cmds.push(`kubectl get svc ${svc.metadata.name} ${f.n(w)}   # the node port of ${svcPort}`);
    address = w.placement.hostnames[0] ?? '<node>';
    portFlag = ' -p <node port>';
  } else if (svc) {
    cmds.push(`kubectl port-forward ${f.n(w)} svc/${svc.metadata.name} 4450:${svcPort} &`);
    address = 'localhost';
    portFlag = ' -p 4450';
  }
  cmds.push(`smbclient -L //${address}${portFlag} -U ${user}   # lists ${shares.map((s) => s.name).join(', ')}`);
  cmds.push(`smbclient //${address}/${share}${portFlag} -U ${user} -c 'ls'`);
  md.p('Connect from a LAN client (the Samba NetworkPolicy admits the private ranges only):');
  md.sh(cmds);
  if (svc && svc.spec.type !== 'ClusterIP' && svc.spec.externalTrafficPolicy === 'Local') {
    const lb = svc.spec.type === 'LoadBalancer';
    md.p(
      `${c(`svc/${svc.metadata.name}`)} keeps the client's address (${c('externalTrafficPolicy: Local')}), so the NetworkPolicy judges the real client: with ${c('Cluster')} the node would SNAT every connection to an address of its own, which is private, and the policy would admit anyone who reaches the node. The price: only the node that runs the Samba pod (${w.placement.title.toLowerCase()}${w.placement.hostnames.length ? `: ${w.placement.hostnames.map(c).join(' or ')}` : ''}) answers. ${lb ? `k3s ServiceLB advertises just that node as ${c('EXTERNAL-IP')}${svc.metadata.annotations?.[SERVICELB_TOLERATIONS_ANNOTATION] ? ` (its svclb pods tolerate the node's taint through the Service's ${c(SERVICELB_TOLERATIONS_ANNOTATION)} annotation)` : ''}; connect to that address — another node's address still forwards through its svclb pod, but with the client's address hidden again. ` : 'Connect to the node port of that node. '}After a failover the address moves with the pod: connect by a DNS name you point at the node${lb ? ' (or give the Service a fixed MetalLB address)' : ''}.`,
    );
    md.sh([`${f.getPodWide(w)}   # NODE: the node that answers`, ...(lb ? [`kubectl get svc ${svc.metadata.name} ${f.n(w)} -o jsonpath='{.status.loadBalancer.ingress[*].ip}{"\\n"}'   # that node's address`] : [])]);
  }
  md.p(`From Windows: ${c(`\\\\${address}\\${share}`)}; from macOS: ${c(`smb://${address}/${share}`)}. Files are created as ${c(`${v.cfg.uid}:${v.cfg.gid}`)}, so the Arrs and Plex can read what is copied in.`);
}

// ─── CronJobs: Configarr and the Arr wiring ────────────────────────────────────────────────

function cronJobs(f: Facts, md: Md): void {
  const v = f.v;
  const configarr = cronJobOf(f, 'configarr');
  if (configarr) {
    const pod = cronPod(configarr);
    const ctr = pod.containers[0]!;
    const loc = ctr.env?.find((e) => e.name === 'CONFIG_LOCATION')?.value;
    const cmVol = loc ? pod.volumes?.find((x) => x.configMap && ctr.volumeMounts?.some((m) => m.name === x.name && loc.startsWith(`${m.mountPath}/`))) : undefined;
    const repos = ctr.volumeMounts?.find((m) => m.mountPath.endsWith('/repos'));
    md.h(2, 'Configarr');
    md.p(
      `${c(`cronjob/${configarr.metadata.name}`)} applies the TRaSH guide quality profiles and custom formats to the Arrs at ${scheduleText(configarr)}${cmVol?.configMap ? `, from ${c(loc!)} (ConfigMap ${c(cmVol.configMap.name)})` : ''}${repos ? `; it keeps its clone of the guides in ${c(repos.mountPath)} (${volumeText(pod.volumes?.find((x) => x.name === repos.name)) ?? 'a volume'})` : ''}. Configarr has no scheduler of its own and no UI: each run is one Job. Run it now after changing the config, and read what it changed:`,
    );
    md.sh(runNow(configarr, ctr.name, '10m'));
    if (ctr.env?.some((e) => e.name === 'STOP_ON_ERROR' && e.value === 'true')) {
      md.p(`A run in which an Arr cannot be configured fails its Job (${c('STOP_ON_ERROR=true')}; Configarr would otherwise exit 0 with every instance failed): ${c(`kubectl get jobs -n ${configarr.metadata.namespace}`)} shows it, and the instances after the failed one wait for the next run.`);
    }
    if (cmVol?.configMap) md.sh([`kubectl get configmap ${cmVol.configMap.name} -n ${configarr.metadata.namespace} -o yaml`]);
  }
  const wiring = cronJobOf(f, 'arr-wiring');
  if (wiring) {
    const ctr = cronPod(wiring).containers[0]!;
    md.h(2, 'Arr wiring');
    const desc = v.components.find((x) => x.fluxName === wiring.metadata.name || x.dir.endsWith(`/${wiring.metadata.name}`))?.description;
    md.p(
      `${c(`cronjob/${wiring.metadata.name}`)} runs at ${scheduleText(wiring)}${desc ? `: ${desc.replace(/^[^:]*:\s*/, '')}` : ''}. It only adds what is missing, so running it again is safe; settings changed in the UIs stay. Run it now (after the first deployment, or after adding an instance) and read its log:`,
    );
    md.sh(runNow(wiring, ctr.name, `${Math.ceil((wiring.spec.jobTemplate.spec.activeDeadlineSeconds ?? 600) / 60)}m`));
  }
}

export function downloadsAndDatabase(f: Facts): string | undefined {
  const md = new Md();
  md.h(1, DOWNLOADS_TITLE);
  const empty = md.toString();
  qbittorrent(f, md);
  postgres(f, md);
  samba(f, md);
  cronJobs(f, md);
  if (md.toString() === empty) return undefined;
  return md.toString();
}
