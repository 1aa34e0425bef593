import type { Phase } from './check.js';

/**
 * The phases of the first design's "Success Criteria", as what a running cluster shows. The design
 * names manual steps this stack no longer has (API keys are generated, not extracted; indexers,
 * download clients, profiles and libraries are added by setup jobs), and tests it cannot run from
 * kubectl (a download, a playback, a failover): those phases check what proves them ready, and
 * the runbook keeps the manual test. Its Success Criteria start at Phase 2; Phase 1 is the plan's
 * "Foundation" verification.
 */
export const PHASES = {
  foundation: { id: 'foundation', title: 'Phase 1 — Foundation: Flux applied every folder, SOPS key, namespace, storage Bound' },
  arrs: { id: 'arrs', title: 'Phase 2 — Sonarr/Radarr running and answering their API' },
  indexers: { id: 'indexers', title: 'Phase 3 — Prowlarr running and synced to the Arr apps' },
  dfs: { id: 'dfs', title: 'Phase 4 — Decypharr DFS mounted, exported and seen by every reader' },
  wiring: { id: 'wiring', title: 'Phase 5 — Download clients wired (the download+import test stays manual)' },
  profiles: { id: 'profiles', title: 'Phase 6 — Profilarr running and its profiles synced' },
  plex: { id: 'plex', title: 'Phase 7 — Plex library visible, ClusterPlex workers registered on the GPU' },
  watchlist: { id: 'watchlist', title: 'Phase 8 — Pulsarr running and set up for the watchlist sync' },
  ha: { id: 'ha', title: 'HA — the streaming stack together on one node (the failover test stays manual)' },
  other: { id: 'other', title: 'Other apps of this config running' },
} as const satisfies Record<string, Phase>;

/** The phase an app (`app.kubernetes.io/name`) belongs to; apps the design did not have go to `other`. */
const PHASE_OF_APP: Readonly<Record<string, Phase>> = {
  sonarr: PHASES.arrs,
  radarr: PHASES.arrs,
  servarr: PHASES.arrs,
  prowlarr: PHASES.indexers,
  decypharr: PHASES.dfs,
  'arr-wiring': PHASES.wiring,
  profilarr: PHASES.profiles,
  plex: PHASES.plex,
  'intel-gpu-plugin': PHASES.plex,
  'clusterplex-orchestrator': PHASES.plex,
  'clusterplex-worker': PHASES.plex,
  pulsarr: PHASES.watchlist,
};

/**
 * The phase of an app, or of a job named after one: `prowlarr-setup` checks what Phase 3 needs.
 * Decypharr's setup connects it to the Arr apps, the wiring of Phase 5.
 */
export function phaseOf(app: string): Phase {
  if (app === 'decypharr-setup') return PHASES.wiring;
  return PHASE_OF_APP[app] ?? PHASE_OF_APP[app.replace(/-setup$/, '')] ?? PHASES.other;
}

/** The phases in the design's order. */
export const PHASE_ORDER: readonly Phase[] = Object.values(PHASES);
