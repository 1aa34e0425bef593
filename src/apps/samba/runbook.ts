import { SERVICELB_TOLERATIONS_ANNOTATION } from '../../lib/placement.js';
import type { Facts } from '../../docs/facts.js';
import { c, type Md } from '../../docs/md.js';
import { volumeOfMount, volumeText } from '../../docs/objects.js';
import { RUNBOOK_PAGE_PATHS, type RunbookSection } from '../../docs/page.js';

/** Samba: the shares, the users' passwords, connecting from the LAN. */

/** The parts of a sambacc JSON config (samba-container-config) the section reads. */
interface SambaccConfig {
  readonly 'samba-container-config'?: unknown;
  readonly shares?: Readonly<Record<string, { readonly options: { readonly path: string; readonly 'valid users'?: string; readonly 'read only'?: string } }>>;
  readonly globals?: Readonly<Record<string, { readonly options?: { readonly workgroup?: string } }>>;
}

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
    const cm = v.find('ConfigMap', vol.configMap.name, w.namespace);
    for (const text of Object.values(cm?.data ?? {})) {
      try {
        const json = JSON.parse(text) as SambaccConfig;
        if (json['samba-container-config'] === undefined || !json.shares) continue;
        shares = Object.entries(json.shares).map(([name, s]) => ({ name, path: s.options.path, users: s.options['valid users'], readOnly: s.options['read only'] }));
        workgroup = Object.values(json.globals ?? {})[0]?.options?.workgroup;
      } catch {
        // not the sambacc config
      }
    }
  }
  const svc = v.serviceOf(w);
  const svcPort = svc?.spec.ports[0].port;
  md.p(
    `${c(w.ref)} (${c(main.image)}) serves SMB on port ${svcPort ?? 445}${workgroup ? ` in workgroup ${c(workgroup)}` : ''} through ${svc ? `${c(`svc/${svc.metadata.name}`)} (${svc.spec.type ?? 'ClusterIP'})` : 'no Service'}. The shares:`,
  );
  md.table(
    ['Share', 'Path in the pod', 'Storage', 'Users', 'Writable'],
    shares.map((s) => [
      c(s.name),
      c(s.path),
      volumeText(volumeOfMount(w.pod, main, s.path)) ?? '—',
      s.users ? s.users.split(/[ ,]+/).map(c).join(', ') : 'any',
      s.readOnly === 'yes' ? 'no' : 'yes',
    ]),
  );
  // Users: the accounts Samba's component published, with the init container that hands over the passwords.
  const accounts = f.publishedOf('login', w);
  const render = (w.pod.initContainers ?? []).find((i) => i.name === accounts[0]?.setBy);
  if (accounts.length && render) {
    const secret = accounts[0]!.secret;
    const eso = v.cfg.secrets.backend === 'external-secrets';
    md.p(
      `Each user's password is a key of the Secret ${c(secret)}${eso ? ' (from Infisical through External Secrets: create the values there, see [secrets.md](secrets.md))' : ', generated at synth time and committed SOPS-encrypted'}; the ${c(render.name)} init container writes them into the pod at start, so after changing one restart the pod (${c(`kubectl rollout restart ${w.ref} ${f.n(w)}`)}). Read a password:`,
    );
    const cmds: string[] = [];
    for (const a of accounts) {
      cmds.push(`# ${a.user}`);
      cmds.push(...f.readSecret(a.secret, a.key));
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
    md.sh([
      `${f.getPodWide(w)}   # NODE: the node that answers`,
      ...(lb ? [`kubectl get svc ${svc.metadata.name} ${f.n(w)} -o jsonpath='{.status.loadBalancer.ingress[*].ip}{"\\n"}'   # that node's address`] : []),
    ]);
  }
  md.p(
    `From Windows: ${c(`\\\\${address}\\${share}`)}; from macOS: ${c(`smb://${address}/${share}`)}. Files are created as ${c(`${v.cfg.uid}:${v.cfg.gid}`)}, so the Arrs and Plex can read what is copied in.`,
  );
}

export const sambaSection: RunbookSection = { page: RUNBOOK_PAGE_PATHS.downloads, order: 30, render: samba };
