import { gpuResource, type Facts } from '../../docs/facts.js';
import { c, type Md } from '../../docs/md.js';
import { RUNBOOK_PAGE_PATHS, type RunbookSection } from '../../docs/page.js';

/** Plex's first setup (post-deploy.md): the claim, the transcoder directory, the libraries. */
function plexSetup(f: Facts, md: Md): void {
  const plex = f.one('plex');
  if (!plex) return;
  const ctr = f.main(plex);
  const transcode = f.claimPath(plex, 'transcode-cache') ?? ctr.volumeMounts?.find((m) => m.mountPath.includes('transcode'))?.mountPath;
  const media = f.claimPath(plex, 'media-library');
  const links = f.claimPath(plex, 'symlink-library');
  const svc = f.svc(plex);
  const claim = f.secretRef(plex, 'plex-claim');
  const pulsarr = f.one('pulsarr');
  const pulsarrToken = pulsarr && f.secretRef(pulsarr, 'plex-token');
  md.h(2, 'Plex');
  md.ol([
    svc
      ? `Claim the server as a local client: run ${c(`kubectl port-forward -n ${plex.namespace} svc/${svc.name} ${svc.port}:${svc.port}`)} on your workstation, open ${c(`http://localhost:${svc.port}/web`)} and sign in — through the port-forward Plex sees a connection from localhost, which may claim an unclaimed server.${claim ? ` A claim token as ${c(`${claim.secret}/${claim.key}`)} is optional: a token (https://www.plex.tv/claim) lives 4 minutes and is only read when an unclaimed server starts, so it must still be fresh when the pod (re)starts — less time than synth, commit and a Flux reconcile usually take; the port-forward has no such deadline.` : ''}`
      : 'Claim the server in the Plex web app.',
    ...(transcode
      ? [
          `Settings › Transcoder › Transcoder temporary directory: ${c(transcode)} (the linuxserver image has no default; ${f.has('clusterplex-orchestrator') ? 'ClusterPlex needs the same path in Plex and every worker' : 'a path on the shared transcode volume'}).`,
        ]
      : []),
    ...(f.gpuConsumers(gpuResource(f.v) ?? '').some((x) => x.w === plex)
      ? ['Settings › Transcoder › "Use hardware acceleration when available" (needs Plex Pass), see [gpu-transcoding.md](gpu-transcoding.md).']
      : []),
    `Libraries: one library per type with ${[links, media]
      .filter(Boolean)
      .map((p) => c(`${p}/<folder>`))
      .join(' and ')} as folders${links ? ` (the ${c(links)} entries are symlinks into ${c(f.dfs?.path ?? 'the DFS')})` : ''}.`,
    ...(pulsarrToken
      ? [`Pulsarr needs a Plex token (${c('X-Plex-Token')}): supply it as ${c(`${pulsarrToken.secret}/${pulsarrToken.key}`)} (see [secrets.md](secrets.md)) and restart Pulsarr.`]
      : []),
  ]);
}

export const plexPostDeploySection: RunbookSection = { page: RUNBOOK_PAGE_PATHS.postDeploy, order: 10, render: plexSetup };
