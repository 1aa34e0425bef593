import { posix } from 'node:path';
import { PREPARE_HOST_DIRS } from '../../lib/pod.js';
import type { KubeObject } from '../../output/model.js';
import { externalSecretKeysToCreate } from '../../secrets/external-secrets.js';
import { AGE_KEY_FILE, gpuResource, type Facts } from '../facts.js';
import { c, Md } from '../md.js';
import { sh, type KindObject, type PodSpecJson, type StackView, type Workload, type WorkloadKind } from '../model.js';
import type { RunbookPage } from '../page.js';
import { plexLoadBalancer } from '../plex.js';
import { gpuPageTitle } from './gpu-transcoding.js';

/** From an empty k3s cluster to a running stack: nodes, the age key or Infisical, Flux. */

const HOSTNAME_LABEL = 'kubernetes.io/hostname';

/** The Flux-relative path of the cluster folder (`./clusters/<cluster>` or below `repoPath`). */
function clusterFluxPath(v: StackView): string {
  for (const k of v.fluxKustomizations) {
    const comp = v.components.find((x) => x.fluxName === k.metadata.name);
    if (comp && typeof k.spec.path === 'string' && k.spec.path.endsWith(`/${comp.manifestDir}`)) return k.spec.path.slice(0, -comp.manifestDir.length - 1);
  }
  return `./${v.clusterRoot}`;
}

/** Any object that may carry a pod template (a workload or Job) or a Job template (a CronJob). */
type PodCarrier = KubeObject & {
  readonly spec?: { readonly template?: { readonly spec?: PodSpecJson }; readonly jobTemplate?: { readonly spec?: { readonly template?: { readonly spec?: PodSpecJson } } } };
};

/** Every pod spec of the objects (workloads, CronJobs and Jobs), with its object. */
function podSpecs(v: StackView): { object: KubeObject; pod: PodSpecJson }[] {
  const out: { object: KubeObject; pod: PodSpecJson }[] = [];
  for (const o of v.objects as PodCarrier[]) {
    const pod = o.spec?.template?.spec ?? o.spec?.jobTemplate?.spec?.template?.spec;
    if (pod?.containers) out.push({ object: o, pod });
  }
  return out;
}

/**
 * Longhorn's own pods (instance manager, CSI plugin, share manager…) tolerate only the taints in
 * its `taint-toleration` setting: without them, volumes cannot attach on the tainted nodes.
 */
function longhornTolerations(f: Facts, md: Md, taints: ReadonlyMap<string, readonly Workload[]>): void {
  const v = f.v;
  const value = [...taints.keys()].sort().join(';');
  const claims = (w: Workload) =>
    w.volumeClaimTemplates.length > 0 ||
    (w.pod.volumes ?? []).some((vol) => {
      const pvc = vol.persistentVolumeClaim ? v.find('PersistentVolumeClaim', vol.persistentVolumeClaim.claimName, w.namespace) : undefined;
      return Boolean(pvc?.spec.storageClassName);
    });
  const users = [...new Set([...taints.values()].flat())].filter(claims);
  const where = [...new Set(users.map((w) => w.placement.title.toLowerCase().replace(/\bgpu\b/, 'GPU')))];
  md.p(
    `**Before tainting: Longhorn.** Longhorn attaches a volume through its own pods on the node of the pod that mounts it — the instance manager and the CSI plugin, and for ${c(v.all('StorageClass').map((s) => s.metadata.name)[0] ?? 'RWX')} volumes the share manager — and the pods Longhorn creates tolerate only the taints in its ${c('taint-toleration')} setting.${users.length ? ` Here ${users.map((w) => c(w.name)).join(', ')} mount Longhorn volumes on the ${where.join(' and the ')}, so Longhorn must be able to run its components there${where.some((x) => x.includes('GPU')) ? ', the GPU node included' : ''}.` : ''} Set the setting to exactly the taints below, before they are applied and while no Longhorn volume is attached (Longhorn restarts its components to apply it, and waits for attached volumes to detach): in the Longhorn UI (Setting › General › Kubernetes Taint Toleration), with the Helm value ${c('defaultSettings.taintToleration')} at install, or:`,
  );
  md.sh([
    `kubectl -n longhorn-system patch settings.longhorn.io taint-toleration --type=merge -p ${sh(JSON.stringify({ value }))}`,
    `kubectl -n longhorn-system get settings.longhorn.io taint-toleration -o jsonpath='{.value}{"\\n"}'   # ${value}`,
  ]);
  md.p(
    `The setting covers the components Longhorn creates itself (instance manager, engine image, CSI plugin, share manager). ${c('longhorn-manager')} and the CSI driver deployer come from your installation: give them the same tolerations (Helm values ${c('longhornManager.tolerations')} and ${c('longhornDriver.tolerations')}). After tainting, each of these nodes runs a ${c('longhorn-manager')}, a ${c('longhorn-csi-plugin')} and an ${c('instance-manager')} pod:`,
  );
  md.sh([`kubectl get pods -n longhorn-system -o wide | grep -E 'longhorn-manager|longhorn-csi-plugin|instance-manager'`]);
}

/**
 * The nodes that keep no taint (`nodes.system.hostnames`, validated to exist while a taint is
 * set): the cluster's own pods tolerate none of the stack's taints and must run there.
 */
function untaintedNodes(f: Facts, md: Md): void {
  const hosts = f.v.cfg.nodes.system.hostnames;
  md.p(
    `**Nodes that stay untainted: ${hosts.map(c).join(', ')}** (config ${c('nodes.system.hostnames')}). The taints below keep every pod that does not tolerate them off the storage and GPU nodes — the cluster's own pods too: CoreDNS, Traefik and metrics-server (k3s), the Flux controllers and the Longhorn Deployments without these tolerations (e.g. ${c('longhorn-ui')}) run on ${hosts.length === 1 ? 'this node' : 'these nodes'}. Never taint ${hosts.length === 1 ? 'it' : 'them'}; check that ${hosts.length === 1 ? 'it exists and carries' : 'they exist and carry'} no taint (a k3s server started with ${c('--node-taint')} has one):`,
  );
  md.sh([`kubectl get nodes ${hosts.join(' ')} -o custom-columns='NODE:.metadata.name,TAINTS:.spec.taints'   # TAINTS <none>`]);
}

/** NoSchedule does not evict: pods already on a tainted node move at their next restart. */
function systemPodsAfterTainting(f: Facts, md: Md): void {
  const hosts = f.v.cfg.nodes.system.hostnames;
  md.p(
    `A ${c('NoSchedule')} taint evicts nothing that already runs on the node: a system pod still on a tainted node goes to ${hosts.map(c).join(', ')} when it is next re-created. Check that the cluster's own pods are Running, and where:`,
  );
  md.sh([
    // Deployments there tolerate none of the stack's taints (DaemonSet pods run where they tolerate).
    ...['kube-system', f.v.fluxNamespace].map(
      (ns) => `kubectl get pods -n ${ns} -o wide   # Running; Deployment pods on ${hosts.join(' or ')}${ns === f.v.fluxNamespace ? ' (once Flux is installed, step 3)' : ''}`,
    ),
    ...(f.v.cfg.storage.mode === 'longhorn' ? ['kubectl get pods -n longhorn-system -o wide   # Running; nothing Pending'] : []),
  ]);
}

/** hostPath layout: the host directories the pods mount, created owned by the stack's user. */
function hostDirectories(f: Facts, md: Md): void {
  const v = f.v;
  if (v.cfg.storage.mode !== 'hostPath') return;
  const root = v.cfg.storage.hostPathRoot.replace(/\/+$/, '');
  const specs = podSpecs(v);
  const paths = new Set<string>();
  const under = (p: string) => p === root || p.startsWith(`${root}/`);
  for (const { pod } of specs) for (const vol of pod.volumes ?? []) if (vol.hostPath && under(vol.hostPath.path)) paths.add(vol.hostPath.path);
  for (const pv of v.all('PersistentVolume')) {
    const p = pv.spec.hostPath?.path ?? pv.spec.local?.path;
    if (typeof p === 'string' && under(p)) paths.add(p);
  }
  if (paths.size === 0) return;
  const { uid, gid } = v.cfg;
  const hosts = [...new Set(v.workloads.filter((w) => (w.pod.volumes ?? []).some((x) => x.hostPath && paths.has(x.hostPath.path))).flatMap((w) => w.placement.hostnames))];
  const chowners = [...new Set(specs.flatMap(({ pod }) => (pod.initContainers ?? []).filter((i) => i.name === PREPARE_HOST_DIRS).map((i) => i.name)))];
  md.p(
    `**Host directories.** The stack keeps its data in host directories under ${c(root)}${hosts.length ? ` on ${hosts.map(c).join(', ')}` : ''}. Create them owned by the stack's user (${c(`uid ${uid}`)}, ${c(`gid ${gid}`)}) before the first sync — kubelet would create missing ones owned by root, and ${c('fsGroup')} does not apply to host paths:`,
  );
  md.sh([`sudo install -d -o ${uid} -g ${gid} ${[...paths].sort().join(' ')}`]);
  md.p(
    `${chowners.length ? `The ${chowners.map(c).join(', ')} init container${chowners.length > 1 ? 's' : ''} also hand${chowners.length > 1 ? '' : 's'} each mounted directory to ${c(`${uid}:${gid}`)} at pod start, but not what is inside: ` : ''}data copied in from elsewhere must belong to the user too (${c(`sudo chown -R ${uid}:${gid} <directory>`)}).`,
  );
}

/**
 * The oldest Flux that accepts the Kustomizations: `spec.deletionPolicy` came with
 * kustomize-controller v1.5.0 (Flux v2.5.0), its value `WaitForTermination` with v1.6.0 (Flux v2.6.0).
 */
function fluxVersionNote(v: StackView): string {
  const policies = new Set(v.fluxKustomizations.map((k) => k.spec.deletionPolicy).filter(Boolean));
  const api = [...new Set(v.fluxKustomizations.map((k) => k.apiVersion))].map(c).join(', ');
  if (policies.has('WaitForTermination')) {
    return `Needs Flux v2.6 or later (kustomize-controller v1.6+, check with ${c('flux version')}): the Kustomizations (${api}) set ${c('spec.deletionPolicy: WaitForTermination')}, so a removed app's pods are gone before its volumes; Flux v2.5 rejects that value and older releases drop the field without a word.`;
  }
  if (policies.size) return `Needs Flux v2.5 or later (kustomize-controller v1.5+, check with ${c('flux version')}): the Kustomizations (${api}) set ${c('spec.deletionPolicy')}.`;
  return `Needs Flux v2.0 or later (the Kustomizations are ${api}; check with ${c('flux version')}).`;
}

/** What the `sops` CLI must be to open the committed files, and why Flux is not affected. */
function sopsVersionNote(v: StackView): string {
  const macOnly = v.placed.some((p) => (p.object as { sops?: { mac_only_encrypted?: boolean } }).sops?.mac_only_encrypted === true);
  const flux = 'Flux is not affected either way: kustomize-controller decrypts the values without verifying the MAC.';
  return macOnly
    ? `The Secret files are written with ${c('mac_only_encrypted: true')}: open them with ${c('sops')} 3.9 or later (3.8 ignores the flag and fails with a MAC mismatch). ${flux}`
    : `Use ${c('sops')} 3.9 or later: files written with ${c('mac_only_encrypted')} (a creation rule in ${c('.sops.yaml')}) fail with a MAC mismatch in 3.8. ${flux}`;
}

/** Where the output goes: the folder `flux.repoPath` names inside the GitOps repository. */
function outputFolder(v: StackView): string {
  const folder = posix.normalize(v.cfg.flux.repoPath);
  return folder === '.' ? '<GitOps repository>' : `<GitOps repository>/${folder}`;
}

/** Where the synth writes and why that is the folder the Flux paths expect. */
function repoPathText(v: StackView): string {
  const repoPath = v.cfg.flux.repoPath;
  const never = `never into the repository root, which holds ${c('.git')} and Flux's own files`;
  if (posix.normalize(repoPath) === '.') {
    return `This config sets ${c("flux.repoPath: '.'")}: every ${c('spec.path')} expects the output to be the repository root — which the synth cannot write, because it replaces its output folder as a whole (${never}). Set ${c('flux.repoPath')} to a folder of its own, e.g. ${c("'./media-stack'")}, synthesize into it and commit.`;
  }
  return `Every ${c('spec.path')} starts with ${c(`flux.repoPath`)} (${c(repoPath)}): synthesize into ${c(outputFolder(v))} and commit that folder — the synth replaces its output folder as a whole, so it is a folder of its own (${never}). Another folder: set ${c('flux.repoPath')} to it and synthesize again.`;
}

// ─── bootstrap ──────────────────────────────────────────────────────────────────────────────

function bootstrap(f: Facts): string {
  const v = f.v;
  const md = new Md();
  const fluxNs = v.fluxNamespace;
  const sopsSecret = v.sopsSecretName;
  const ks = v.fluxKustomizations;
  const clusterPath = clusterFluxPath(v);
  md.h(1, 'Bootstrap');
  md.p(
    `From an empty k3s cluster to a running stack: node preparation, the age key for SOPS, Flux, and the order in which Flux applies the ${ks.length} Kustomizations (each app's ${c('<folder>/ks.yaml')} below ${c(v.clusterRoot)}).`,
  );

  md.h(2, '1. Nodes');
  const labelCmds: string[] = [];
  const taintCmds: string[] = [];
  /** Taints in `kubectl taint` form (`key=value:Effect`), with the workloads that tolerate them. */
  const taints = new Map<string, Workload[]>();
  const pins: { host: string; members: Workload[] }[] = [];
  for (const g of v.placementGroups) {
    if (!g.nodeSelector) continue;
    const members = v.workloads.filter((w) => w.placement.id === g.id);
    const hosts = g.hostnames.length ? g.hostnames : ['<node>'];
    // kubelet owns kubernetes.io/hostname (it is the node name): check it, never relabel it.
    const labels = g.nodeSelector.split(',').filter((l) => !l.startsWith(`${HOSTNAME_LABEL}=`));
    for (const l of g.nodeSelector.split(',')) if (l.startsWith(`${HOSTNAME_LABEL}=`)) pins.push({ host: l.slice(HOSTNAME_LABEL.length + 1), members });
    const primary = members.map((w) => v.preferredNodeLabel(w.pod)).find((x) => x);
    const groupTaints = new Set<string>();
    for (const w of members) {
      for (const t of w.pod.tolerations ?? []) {
        if (!t.key || !t.effect) continue;
        const text = `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`;
        groupTaints.add(text);
        taints.set(text, [...(taints.get(text) ?? []), w]);
      }
    }
    if (labels.length || primary) {
      labelCmds.push(`# ${g.title}: ${members.map((w) => w.name).join(', ')}`);
      if (labels.length) for (const h of hosts) labelCmds.push(`kubectl label node ${h} ${labels.join(' ')} --overwrite`);
      if (primary && hosts[0]) labelCmds.push(`kubectl label node ${hosts[0]} ${primary.split(',')[0]} --overwrite   # the preferred (primary) node`);
    }
    if (groupTaints.size) {
      taintCmds.push(`# ${g.title}: ${members.map((w) => w.name).join(', ')}`);
      for (const t of [...groupTaints].sort()) for (const h of hosts) taintCmds.push(`kubectl taint node ${h} ${t} --overwrite`);
    }
  }
  for (const pin of pins) {
    md.p(
      `${pin.members.map((w) => c(w.name)).join(', ')} ${pin.members.length === 1 ? 'is' : 'are'} pinned to ${c(`${HOSTNAME_LABEL}=${pin.host}`)}, a label kubelet sets to the node's name itself (never relabel it): the node must be named ${c(pin.host)}. Check with ${c(`kubectl get nodes -L ${HOSTNAME_LABEL}`)}; under another name${v.cfg.storage.singleNodeHostname === pin.host ? `, set ${c('storage.singleNodeHostname')} to it and synthesize again` : ', change the config to it'} (k3s names a node after the host name unless started with ${c('--node-name')}).`,
    );
  }
  if (labelCmds.length) {
    md.p('Label the nodes the way the pods select them (read from the synthesized pod specs):');
    md.sh(labelCmds);
  }
  if (taintCmds.length) untaintedNodes(f, md);
  if (taintCmds.length && v.cfg.storage.mode === 'longhorn') longhornTolerations(f, md, taints);
  if (taintCmds.length) {
    md.p('Taint the nodes the way the pods tolerate them, so nothing else lands there:');
    md.sh(taintCmds);
    systemPodsAfterTainting(f, md);
  }
  if (!labelCmds.length && !taintCmds.length && !pins.length) md.p('The pods select no node labels: nothing to label or taint.');
  hostDirectories(f, md);
  const nfsUsers = v.workloads.filter((w) =>
    (w.pod.volumes ?? []).some((vol) => {
      const pvc = vol.persistentVolumeClaim ? v.find('PersistentVolumeClaim', vol.persistentVolumeClaim.claimName, w.namespace) : undefined;
      const pv = pvc?.spec.volumeName ? v.find('PersistentVolume', pvc.spec.volumeName) : undefined;
      return pv?.spec.nfs !== undefined || vol.nfs !== undefined;
    }),
  );
  const prereqs: string[] = [];
  if (nfsUsers.length) {
    const groups = [...new Set(nfsUsers.map((w) => w.placement.title))];
    prereqs.push(
      `The NFS client (${c('nfs-common')} / ${c('nfs-utils')}) on every node of: ${groups.join(', ')} — kubelet mounts the NFS volumes of ${nfsUsers.map((w) => c(w.name)).join(', ')} on the node.`,
    );
  }
  const ownClasses = new Set(v.all('StorageClass').map((s) => s.metadata.name));
  const classes = [
    ...new Set(
      v
        .all('PersistentVolumeClaim')
        .map((p) => p.spec.storageClassName)
        .filter((s: string | undefined): s is string => Boolean(s) && !ownClasses.has(s!)),
    ),
  ];
  for (const w of v.workloads)
    for (const t of (w.object as KindObject<WorkloadKind>).spec.volumeClaimTemplates ?? [])
      if (t.spec.storageClassName && !ownClasses.has(t.spec.storageClassName)) classes.push(t.spec.storageClassName);
  const needClasses = [...new Set(classes)].sort();
  if (needClasses.length)
    prereqs.push(
      `StorageClass${needClasses.length > 1 ? 'es' : ''} ${needClasses.map(c).join(', ')} (Longhorn), which the stack uses but does not create: ${c(`kubectl get storageclass ${needClasses.join(' ')}`)}.`,
    );
  const dfs = f.dfs;
  if (dfs?.hostPath)
    prereqs.push(
      `Decypharr's FUSE mount propagates through ${c(dfs.volumeHostPath ?? dfs.hostPath)} on its node: the host's root must be a shared mount (${c('findmnt -o TARGET,PROPAGATION /')} shows ${c('shared')}; the systemd default).`,
    );
  const plex = f.one('plex');
  if (plex?.pod.securityContext?.supplementalGroups?.length) {
    prereqs.push(
      `Plex joins group ${plex.pod.securityContext.supplementalGroups.map(String).join(', ')} for ${c('/dev/dri')}: compare with ${c('getent group render')} on the GPU node (config ${c('apps.plex.renderGroupId')}).`,
    );
  }
  const lb = plexLoadBalancer(f);
  if (lb) {
    const page = gpuResource(v) !== undefined || f.has('clusterplex-orchestrator');
    prereqs.push(
      page
        ? `Plex's LoadBalancer answers only on the tainted node that runs Plex: k3s ServiceLB's svclb pods or MetalLB's speaker must tolerate the taint there — see [${gpuPageTitle(f)}](gpu-transcoding.md).`
        : lb.text,
    );
  }
  md.p('Prerequisites the stack cannot install:');
  md.ul(prereqs);

  if (v.cfg.secrets.backend === 'sops' && sopsSecret) {
    md.h(2, '2. The age key (SOPS)');
    md.p(
      `Flux decrypts the ${c('*.sops.yaml')} Secrets with the age identity in the Secret ${c(sopsSecret)} of namespace ${c(fluxNs)}. Create the identity once, outside the repository, and back it up (a password manager and an offline copy): without it the Secrets cannot be decrypted, see [secrets.md](secrets.md).`,
    );
    md.sh([
      `npm run keys -- init          # creates ${AGE_KEY_FILE} and puts its recipient into .sops.yaml`,
      `kubectl create namespace ${fluxNs} --dry-run=client -o yaml | kubectl apply -f -`,
      `kubectl create secret generic ${sopsSecret} --namespace=${fluxNs} --from-file=age.agekey=${AGE_KEY_FILE}`,
    ]);
    md.p(
      `Synthesize again after ${c('init')} so every Secret is encrypted to your recipient, and check that you can read one back (paths in these runbooks are relative to the output folder):`,
    );
    const first = v.secretRequests[0];
    md.sh([
      `npm run synth -- --config <your-config.ts> --out ${outputFolder(v)}`,
      ...(first ? [`cd ${outputFolder(v)}`, 'sops --version   # 3.9 or later', `sops -d ${first.path} >/dev/null && echo decrypts`] : []),
    ]);
    md.p(sopsVersionNote(v));
  } else if (v.cfg.secrets.backend === 'external-secrets') {
    const i = v.cfg.secrets.infisical;
    const namespaces = [...new Set(v.secretRequests.map((r) => r.namespace))].sort();
    md.h(2, '2. Secrets from Infisical (External Secrets)');
    const stores = v.placed.filter((p) => p.object.kind === 'SecretStore');
    const apiVersions = [...new Set(v.placed.filter((p) => /^(Cluster)?(SecretStore|ExternalSecret)$/.test(p.object.kind)).map((p) => p.object.apiVersion))].sort();
    md.p(
      `Install the External Secrets Operator with its CRDs before the stack${apiVersions.length ? ` (a release that serves ${apiVersions.map(c).join(', ')})` : ''}: Flux cannot apply a SecretStore or an ExternalSecret without them.`,
    );
    md.sh([`kubectl get crd secretstores.external-secrets.io externalsecrets.external-secrets.io -o custom-columns='CRD:.metadata.name,VERSIONS:.spec.versions[*].name'`]);
    md.p(`Create every value below in Infisical (project ${c(i.projectSlug)}, environment ${c(i.environmentSlug)}, folder ${c(i.secretsPath)}):`);
    md.table(
      ['Infisical key', 'Secret', 'What'],
      externalSecretKeysToCreate(v.secretRequests).map((k) => [c(k.remoteKey), `${k.namespaces.join(', ')}/${k.secret}`, k.description]),
    );
    md.p(`Then the Universal Auth credentials in each namespace (never in Git). Flux has not created the namespace yet: create it first (Flux takes it over on its first sync):`);
    md.sh(
      namespaces.flatMap((ns) => [
        `kubectl create namespace ${ns} --dry-run=client -o yaml | kubectl apply -f -`,
        `kubectl create secret generic ${i.bootstrapSecretName} -n ${ns} --from-literal=clientId=<client id> --from-literal=clientSecret=<client secret>`,
      ]),
    );
    const storeKs = [
      ...new Set(stores.map((p) => v.components.find((x) => `${v.clusterRoot}/${x.manifestDir}` === posix.dirname(p.path))?.fluxName).filter((x): x is string => Boolean(x))),
    ];
    if (storeKs.length) {
      const dependants = ks.filter((k) => (k.spec.dependsOn ?? []).some((d: { name: string }) => storeKs.includes(d.name))).map((k) => k.metadata.name);
      // Only a Kustomization that checks the store's health holds its dependants back.
      const waits = ks
        .filter((k) => storeKs.includes(k.metadata.name))
        .every((k) => k.spec.wait && (k.spec.healthCheckExprs ?? []).some((e: { kind?: string }) => e.kind === 'SecretStore'));
      const storeText = `The SecretStore${stores.length > 1 ? 's' : ''} (${stores.map((p) => c(`${p.object.metadata.namespace}/${p.object.metadata.name}`)).join(', ')}) ${stores.length > 1 ? 'come' : 'comes'} with the Kustomization ${storeKs.map(c).join(', ')}`;
      md.p(
        waits
          ? `${storeText}, which is ready only once ${stores.length > 1 ? 'each store reports' : 'the store reports'} ${c('Ready=True')} (${c('healthCheckExprs')}), so it stays not ready while the CRDs or ${c(i.bootstrapSecretName)} are missing; ${dependants.length ? `${dependants.map(c).join(', ')} wait${dependants.length === 1 ? 's' : ''} for it, ` : ''}the namespace and the apps without Secrets are not held up. Check:`
          : `${storeText}, which Flux reports ready as soon as it is applied: ${dependants.length ? `${dependants.map(c).join(', ')} start${dependants.length === 1 ? 's' : ''} even while the store cannot authenticate, and their Secrets stay missing until it can. ` : ''}Check:`,
      );
      md.sh([
        ...storeKs.map((k) => `flux get kustomizations ${k} -n ${fluxNs}`),
        ...namespaces.map((ns) => `kubectl get secretstores.external-secrets.io -n ${ns}   # STATUS Valid, READY True`),
      ]);
    }
  }

  md.h(2, '3. Flux');
  md.p(
    `Flux applies ${c(clusterPath)}: its ${c('kustomization.yaml')} lists ${c('apps/')} and ${c('infrastructure/')}, whose folders list each namespace's ${c('namespace.yaml')} and the ${c('ks.yaml')} of every app folder: the ${ks.length} Flux Kustomizations (namespace ${c(fluxNs)}, source ${c(`GitRepository/${v.cfg.flux.sourceName}`)}), each applying its folder's ${c('app/')}.`,
    repoPathText(v),
  );
  if (v.cfg.flux.repoPath !== '.') {
    md.p('From the root of the GitOps repository, the folder Flux applies must exist there:');
    md.sh([`test -f ${clusterPath}/kustomization.yaml && echo "in place"`]);
  }
  md.p(fluxVersionNote(v));
  md.p(`New cluster: bootstrap Flux into its own folder of the repository, then add one Kustomization there that applies ${c(clusterPath)}:`);
  md.sh([`flux bootstrap git --url=ssh://git@<git host>/<owner>/<repository>.git --branch=main --path=./clusters/${v.cfg.cluster}-flux`]);
  md.code(
    'yaml',
    [
      `# clusters/${v.cfg.cluster}-flux/media-stack.yaml`,
      'apiVersion: kustomize.toolkit.fluxcd.io/v1',
      'kind: Kustomization',
      'metadata:',
      '  name: media-stack',
      `  namespace: ${fluxNs}`,
      'spec:',
      `  interval: ${v.cfg.flux.interval}`,
      `  path: ${clusterPath}`,
      '  prune: true',
      '  sourceRef:',
      '    kind: GitRepository',
      `    name: ${v.cfg.flux.sourceName}`,
    ].join('\n'),
  );
  md.p(
    `Existing Flux: commit the same file next to your other Flux Kustomizations. Bootstrapping with ${c(`--path=${clusterPath}`)} instead puts Flux's own files into the synthesized folder: they must then be listed with ${c("flux.extraRootResources: ['flux-system']")} (${v.cfg.flux.extraRootResources.includes('flux-system') ? 'this config does' : 'this config does not'}) and restored after every synth, which replaces the folder.`,
  );

  md.h(2, '4. Watch the Kustomizations come up');
  md.p('Flux applies them in this order (each waits for its `dependsOn` to be ready; "waits" = Flux checks the health of every object before dependants start):');
  md.table(
    ['#', 'Kustomization', 'Depends on', 'Waits', 'Applies'],
    ks.map((k, i) => {
      const comp = v.components.find((x) => x.fluxName === k.metadata.name);
      return [
        String(i + 1),
        c(k.metadata.name),
        (k.spec.dependsOn ?? []).map((d: { name: string }) => c(d.name)).join(', ') || '—',
        k.spec.wait ? 'yes' : k.spec.healthChecks?.length ? 'health checks' : 'no',
        `${c(k.spec.path)}${comp ? `: ${comp.description}` : ''}`,
      ];
    }),
  );
  md.sh([
    `flux reconcile source git ${v.cfg.flux.sourceName} -n ${fluxNs}`,
    `flux get kustomizations -n ${fluxNs} --watch`,
    ...(ks[0] ? [`flux reconcile kustomization ${ks[0].metadata.name} -n ${fluxNs} --with-source   # nudges the first one; the rest follow`] : []),
  ]);
  md.p('A Kustomization that stays `False`:');
  md.sh([
    `flux logs --kind=Kustomization --name=<name> -n ${fluxNs}`,
    `kubectl describe kustomizations.kustomize.toolkit.fluxcd.io <name> -n ${fluxNs}`,
    `kubectl get events -n ${f.ns} --sort-by=.lastTimestamp | tail -30`,
  ]);
  if (sopsSecret)
    md.p(
      `${c('decryption failed')} / ${c('no identity matched')} means ${c(`${fluxNs}/${sopsSecret}`)} does not hold the identity of a recipient in ${c('.sops.yaml')}: see [secrets.md](secrets.md).`,
    );
  md.p("Then: [post-deploy.md](post-deploy.md) for the settings only the apps' UIs take, and [verification.md](verification.md).");
  return md.toString();
}

export const bootstrapPage: RunbookPage = { path: 'docs/bootstrap.md', title: () => 'Bootstrap: nodes, age key, Flux', render: bootstrap };
