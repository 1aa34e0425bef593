import type { IConstruct } from 'constructs';
import { Component, type HostPeer } from './component.js';

/**
 * Facts a component publishes about what it deploys, as typed data, for the generated docs. The
 * docs read these instead of reading them back out of env-var names or embedded shell scripts;
 * the component builds its env and scripts from the same values, so the two cannot drift.
 * Every fact names the app instance (`app.kubernetes.io/instance`) of the workload it is about.
 */
export type PublishedFact =
  | SecretInputFact
  | DatabaseFact
  | DfsWaitFact
  | LoginFact
  | BackupFact
  | SeededSettingFact
  | PrivilegeDropFact
  | CacheDirectoryFact
  | ConfigClaimFact
  | PlexSetupFact
  | SetupStepFact
  | ConfigBackupFact
  | ComposeFileFact
  | NotificationFact;

/** A value a process reads from a Secret through an env var. */
export interface SecretInputFact {
  readonly kind: 'secret-input';
  readonly instance: string;
  /**
   * What the value is: the instance's own API key, Plex's claim token, a Plex token for a client,
   * the host of a usenet provider.
   */
  readonly purpose: 'api-key' | 'plex-claim' | 'plex-token' | 'usenet-provider';
  /** The env var that carries it. */
  readonly env: string;
  readonly secret: string;
  readonly key: string;
}

/** The role and databases an instance uses in the stack's PostgreSQL. */
interface DatabaseFact {
  readonly kind: 'database';
  readonly instance: string;
  readonly role: string;
  readonly mainDatabase: string;
  readonly logDatabase: string;
  /** The env var that names the main database (where a reader finds the setting). */
  readonly env: string;
}

/** An init container that holds the pod until the Decypharr DFS is served, and what it logs. */
interface DfsWaitFact {
  readonly kind: 'dfs-wait';
  readonly instance: string;
  readonly container: string;
  /** The shell condition it polls. */
  readonly condition: string;
  /** Logged once at the start. */
  readonly waiting: string;
  /** Logged when the DFS is served. */
  readonly ready: string;
  /** Logged to stderr when it gives up. */
  readonly timeout: string;
}

/** A user account of a service, with the Secret key that holds its password. */
interface LoginFact {
  readonly kind: 'login';
  readonly instance: string;
  readonly user: string;
  readonly secret: string;
  readonly key: string;
  /** What gives the account its password: an init container at pod start, or a setup job's name. */
  readonly setBy: string;
}

/** A CronJob that backs up the instance's data, and where its container writes the backups. */
interface BackupFact {
  readonly kind: 'backup';
  readonly instance: string;
  readonly cronJob: string;
  readonly container: string;
  /** The container's mount path the backups are written to. */
  readonly directory: string;
}

/** A setting an init container writes into the app's own config before its first start, if missing. */
interface SeededSettingFact {
  readonly kind: 'seeded-setting';
  readonly instance: string;
  readonly container: string;
  /** The app's name of the setting, e.g. `BitTorrent/Session/DefaultSavePath`. */
  readonly setting: string;
  readonly value: string;
}

/**
 * A container that runs as root while its image's entrypoint drops to the app's user itself: a
 * check run with `kubectl exec` (root) must drop the same way, or `test -w` always succeeds.
 */
interface PrivilegeDropFact {
  readonly kind: 'privilege-drop';
  readonly instance: string;
  readonly container: string;
  /** The command prefix that runs a command as the app's user, e.g. `su-exec 1000:1000`. */
  readonly command: string;
}

/** A directory where the app keeps a cache between runs (safe to lose: it is fetched again). */
interface CacheDirectoryFact {
  readonly kind: 'cache-directory';
  readonly instance: string;
  readonly container: string;
  /** The container's mount path of the cache. */
  readonly path: string;
}

/** The claim that holds an app instance's own config (Longhorn mode; none on host paths). */
interface ConfigClaimFact {
  readonly kind: 'config-claim';
  readonly instance: string;
  readonly claim: string;
}

/** What the Plex setup does: the plex-setup CronJob's settings and libraries, and where the server's token goes. */
interface PlexSetupFact {
  readonly kind: 'plex-setup';
  readonly instance: string;
  /** The CronJob and its container. @default - none when apps.plex.setupJob is off */
  readonly job?: { readonly cronJob: string; readonly container: string };
  /** The preferences it sets while Plex's value is empty / the transcoder untouched, for the docs. */
  readonly settings: readonly { readonly what: string; readonly id: string; readonly value: string }[];
  readonly libraries: readonly { readonly name: string; readonly type: string; readonly folders: readonly string[] }[];
  /** The Secret key Flux creates empty and the token writer fills. */
  readonly token: { readonly secret: string; readonly key: string };
  /** The token writer sidecar of the Plex pod and its ServiceAccount. @default - none when apps.plex.tokenWriter is off */
  readonly tokenWriter?: { readonly container: string; readonly serviceAccount: string };
}

/** One part of what a first-boot setup job (src/lib/setup-job.ts) adds to the instance through its API. */
interface SetupStepFact {
  readonly kind: 'setup-step';
  readonly instance: string;
  /** The CronJob's name. */
  readonly job: string;
  /** What it adds while missing, in words, e.g. "the Sonarr/Radarr connections". */
  readonly adds: string;
  /** The names of what it adds (the runbook prints them as code), e.g. the instances. */
  readonly items: readonly string[];
  /** The config field that turns this part off, e.g. `apps.profilarr.setup.connections`. */
  readonly offSwitch: string;
}

/** A config-backups CronJob of an instance (src/apps/backups): where its container writes this instance's backups. */
interface ConfigBackupFact {
  readonly kind: 'config-backup';
  readonly instance: string;
  readonly cronJob: string;
  readonly container: string;
  /** The container's mount path of the backup target. */
  readonly mount: string;
  /** The folder below `mount` that holds this instance's backups. */
  readonly directory: string;
}

/** A Docker Compose project for a machine outside the cluster, written below `docs/<cluster>/` (Flux never applies it). */
interface ComposeFileFact {
  readonly kind: 'compose-file';
  /** The Compose service (the worker's instance). */
  readonly instance: string;
  /** File name below `docs/<cluster>/`. */
  readonly file: string;
  /** The compose-spec document. */
  readonly project: Readonly<Record<string, unknown>>;
  /** The machine in the call graph: the calls from it are what the NetworkPolicies admit. @default - it calls nothing in the cluster */
  readonly peer?: HostPeer;
}

/** A notification the stack sends: who posts what, where to, and the Secret key holding the address. */
export interface NotificationFact {
  readonly kind: 'notification';
  /** Who sends it: an Arr instance (the docs render a Flux Alert, read from its object, as `alert/<name>`). */
  readonly instance: string;
  /** The connection's (or Provider's) name. */
  readonly name: string;
  /** Where it posts, as the sender names it: `Discord`, `Ntfy`, `Webhook`, a Flux Provider type. */
  readonly target: string;
  /** What sends a message, as the sender's UI names it: `On Grab`, `On Import Failure`, … */
  readonly events: readonly string[];
  /** What sets it up: the job that adds it to the app, or `Flux`. */
  readonly setBy: string;
  /** The Secret key with its URL (or ntfy topic). */
  readonly secret: string;
  readonly key: string;
}

const published = new WeakMap<Component, PublishedFact[]>();

/** Publishes a fact on the Component enclosing `scope`. */
export function publishFact(scope: IConstruct, fact: PublishedFact): void {
  const component = Component.of(scope);
  if (!component) throw new Error(`publishFact: ${scope.node.path} is not inside a Component, so the fact '${fact.kind}' of ${fact.instance} has no owner`);
  const list = published.get(component);
  if (list) list.push(fact);
  else published.set(component, [fact]);
}

/** The facts a component published, in publishing order. */
export function publishedFacts(component: Component): readonly PublishedFact[] {
  return published.get(component) ?? [];
}
