/**
 * Bad input the CLI must refuse (issue 9 §4): every case runs the real `npm run synth` entry —
 * `main()` of src/cli/synth.ts in this process where only the config differs, scripts/synth.mjs
 * in a child process where loading or the project folder matters — into a --out that holds a
 * previous output, and asserts the exit code, the field (dotted path) and fix in the message, an
 * output folder byte-identical to before, and no secret value (the previous output's decrypted
 * values, the operator's) on stdout or stderr.
 */
import { execFile, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ApiObject } from 'cdk8s';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { main as keysMain } from '../../src/cli/keys.js';
import { main as synthMain } from '../../src/cli/synth.js';
import { buildStack } from '../../src/apps/stack.js';
import { MAX_INSTANCE_NAME, staticServiceBand } from '../../src/config/cross-field.js';
import { DEFAULT_CONFIG, resolveConfig, type StackConfigInput } from '../../src/stack-config.js';
import { MAX_EXTRA_INSTANCES } from '../../src/apps/servarr/config.js';
import { decryptYaml, newIdentity } from '../../src/sops/index.js';
import { objectsOf } from '../helpers.js';
import { mount } from '../output/support.js';
import { DEMO_KEY, PROJECT, readTree } from '../stack/support.js';

const run = promisify(execFile);
const SYNTH = join(PROJECT, 'scripts/synth.mjs');
const root = mkdtempSync(join(tmpdir(), 'bad-input-'));
const demoIdentity = () =>
  readFileSync(DEMO_KEY, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('AGE-SECRET-KEY-'));

/** Plaintext of every Secret in the committed previous output (dist/, readable with the demo key). */
const previousSecretValues: string[] = [];
let previousTree: Map<string, string>;
beforeAll(async () => {
  previousTree = readTree(join(PROJECT, 'dist'));
  for (const [path, text] of previousTree) {
    if (!path.endsWith('.sops.yaml') || !/^sops:/m.test(text)) continue;
    const { plain } = await decryptYaml(text, demoIdentity());
    for (const v of Object.values({ ...(plain.stringData as object), ...(plain.data as object) })) {
      if (typeof v === 'string' && v.length >= 8) previousSecretValues.push(v);
    }
  }
  expect(previousSecretValues.length).toBeGreaterThan(5);
});

let n = 0;
/** A --out holding the previous output (a copy of dist/). */
function previousOutput(): string {
  const out = join(root, `out-${n++}`);
  cpSync(join(PROJECT, 'dist'), out, { recursive: true });
  return out;
}

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** A CLI's main() in this process, its stdout and stderr captured. */
async function inProcess(main: () => Promise<number>): Promise<Outcome> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((c) => ((stdout += String(c)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((c) => ((stderr += String(c)), true));
  try {
    const code = await main();
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

/** `npm run synth -- --config <file> --out <out>`, in this process (the CLI's own main()). */
const synthInProcess = (args: string[]) => inProcess(() => synthMain(args));
afterEach(() => vi.restoreAllMocks());

/** `npm run synth` as a person runs it (scripts/synth.mjs), in `cwd` as the project folder. */
async function synthChild(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Outcome> {
  const env = { PATH: process.env.PATH, HOME: mkdtempSync(join(root, 'home-')), SOPS_AGE_KEY_FILE: DEMO_KEY, ...opts.env };
  try {
    const { stdout, stderr } = await run(process.execPath, [SYNTH, ...args], { cwd: opts.cwd ?? PROJECT, env, encoding: 'utf8' });
    return { code: 0, stdout, stderr };
  } catch (e: any) {
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** The assertions every refused input shares. */
function expectRefused(r: Outcome, out: string, field: string, fix: RegExp | undefined, secrets: readonly string[] = []) {
  expect(r.code, r.stderr).not.toBe(0);
  expect(r.stdout).toBe('');
  expect(r.stderr).toContain(field);
  if (fix) expect(r.stderr).toMatch(fix);
  expect(r.stderr).not.toMatch(/TypeError| {4}at /); // a message, not a stack trace
  for (const v of [...previousSecretValues, ...secrets]) {
    expect(r.stderr.includes(v), 'a secret value reached stderr').toBe(false);
    expect(r.stdout.includes(v), 'a secret value reached stdout').toBe(false);
  }
  expect(readTree(out)).toEqual(previousTree);
}

function configFile(content: string, name = 'config.json'): string {
  const dir = mkdtempSync(join(root, 'cfg-'));
  writeFileSync(join(dir, name), content);
  return join(dir, name);
}

type Case = [title: string, config: unknown, field: string, fix?: RegExp];
const CASES: readonly Case[] = [
  ['a bogus timezone', { timezone: 'Mars/Olympus' }, 'timezone:', /not an IANA time zone.*Europe\/Berlin/],
  ['a timezone in the wrong case (the zoneinfo file names are case-sensitive)', { timezone: 'europe/berlin' }, 'timezone:', /did you mean 'Europe\/Berlin'/],
  [
    'an instance name longer than a StatefulSet may be',
    { apps: { sonarr: { extraInstances: ['a'.repeat(MAX_INSTANCE_NAME - 'sonarr-'.length + 1)] } } },
    'apps.sonarr.extraInstances[0]',
    /controller-revision-hash.*at most 52/,
  ],
  [
    'an instance whose Service takes the headless Service name of the app',
    { apps: { radarr: { extraInstances: ['headless'] } } },
    'apps.radarr.extraInstances[0]',
    /headless Service/,
  ],
  [
    'an instance whose Service takes the headless Service name of another instance',
    { apps: { sonarr: { extraInstances: ['4k', '4k-headless'] } } },
    'apps.sonarr.extraInstances[1]',
    /headless Service of apps\.sonarr\.extraInstances\[0\]/,
  ],
  ['an instance named like its app', { apps: { sonarr: { extraInstances: ['sonarr'] } } }, 'apps.sonarr.extraInstances[0]', /repeat the app name/],
  [
    '10,000 instances',
    { apps: { sonarr: { extraInstances: Array.from({ length: 10_000 }, (_, i) => `i${i}`) } } },
    'apps.sonarr.extraInstances',
    new RegExp(`10000 items, at most ${MAX_EXTRA_INSTANCES}`),
  ],
  [
    'a ClusterIP outside the service CIDR',
    { apps: { decypharr: { nfsClusterIP: '10.44.0.49' } } },
    'apps.decypharr.nfsClusterIP',
    /outside network\.serviceCidr '10\.43\.0\.0\/16'.*static band 10\.43\.0\.1–10\.43\.1\.0/,
  ],
  ['a ClusterIP in the dynamic band (the old default)', { apps: { decypharr: { nfsClusterIP: '10.43.200.49' } } }, 'apps.decypharr.nfsClusterIP', /dynamic band.*KEP-3070/],
  ['a ClusterIP of the kubernetes Service', { apps: { decypharr: { nfsClusterIP: '10.43.0.1' } } }, 'apps.decypharr.nfsClusterIP', /`kubernetes` Service/],
  ['a ClusterIP of cluster DNS', { apps: { decypharr: { nfsClusterIP: '10.43.0.10' } } }, 'apps.decypharr.nfsClusterIP', /cluster DNS/],
  [
    'a ClusterIP in the dynamic band of a small custom range',
    { network: { serviceCidr: '10.96.0.0/24' }, apps: { decypharr: { nfsClusterIP: '10.96.0.17' } } },
    'apps.decypharr.nfsClusterIP',
    /static band 10\.96\.0\.1–10\.96\.0\.16/,
  ],
  ['overlapping pod and service CIDRs', { network: { podCidr: '10.42.0.0/15' } }, 'network.serviceCidr', /overlaps network\.podCidr/],
  ['a CIDR with host bits set', { network: { podCidr: '10.42.0.1/16' } }, 'network.podCidr', /host bits zero/],
  ['namespace kube-system', { namespace: 'kube-system' }, 'namespace:', /system namespace.*CoreDNS/],
  ['namespace default', { namespace: 'default' }, 'namespace:', /system namespace/],
  ['namespace flux-system', { namespace: 'flux-system' }, 'namespace:', /system namespace/],
  ['the Flux namespace', { namespace: 'gitops', flux: { namespace: 'gitops' } }, 'namespace:', /also flux\.namespace/],
  ['namespace kube-anything', { namespace: 'kube-extra' }, 'namespace:', /system namespace/],
  ["the ingress controller's namespace", { namespace: 'traefik', ingress: { controllerNamespace: 'traefik' } }, 'namespace:', /ingress\.controllerNamespace/],
  [
    'gateway mode without a parent Gateway',
    { ingress: { mode: 'gateway' } },
    'ingress.gateway',
    /needs the parent Gateway.*gateway: \{ name: 'envoy-internal', namespace: 'network' \}/,
  ],
  [
    'a parent Gateway without its namespace',
    { ingress: { mode: 'gateway', gateway: { name: 'envoy-internal' } } },
    'ingress.gateway.namespace',
    /is required.*Gateway's namespace/,
  ],
  ['a parent Gateway in ingress mode', { ingress: { gateway: { name: 'envoy-internal', namespace: 'network' } } }, 'ingress.gateway', /only used in mode 'gateway'/],
  [
    'an Ingress TLS Secret in gateway mode',
    { ingress: { mode: 'gateway', gateway: { name: 'envoy-internal', namespace: 'network' }, tlsSecretName: 'wildcard-tls' } },
    'ingress.tlsSecretName',
    /TLS ends at the Gateway.*set ingress\.tls/,
  ],
  [
    'a forward-auth Middleware of another namespace in gateway mode',
    { ingress: { mode: 'gateway', gateway: { name: 'envoy-internal', namespace: 'network' }, auth: { mode: 'forward-auth', middleware: 'auth-authelia@kubernetescrd' } } },
    'ingress.auth.middleware',
    /ExtensionRef filter.*create the forwardAuth Middleware in 'media' and set middleware: 'media-<name>@kubernetescrd'/,
  ],
  ['cert-manager TLS without an issuer', { ingress: { tls: { issuerKind: 'Issuer' } } }, 'ingress.tls.issuerName', /is required.*cert-manager issuer/],
  ['both a TLS Secret and cert-manager TLS', { ingress: { tlsSecretName: 'wildcard-tls', tls: { issuerName: 'letsencrypt-production' } } }, 'ingress.tlsSecretName', /not both/],
  [
    "the Gateway's namespace",
    { namespace: 'network', ingress: { mode: 'gateway', gateway: { name: 'envoy-internal', namespace: 'network' } } },
    'namespace:',
    /ingress\.gateway\.namespace/,
  ],
  ['dfsHostPath /', { apps: { decypharr: { dfsHostPath: '/' } } }, 'apps.decypharr.dfsHostPath', /system directory.*\/mnt\/k8s/],
  ['dfsHostPath in /etc', { apps: { decypharr: { dfsHostPath: '/etc/dfs' } } }, 'apps.decypharr.dfsHostPath', /inside the system directory \/etc/],
  ['dfsHostPath in kubelet state', { apps: { decypharr: { dfsHostPath: '/var/lib/kubelet/pods' } } }, 'apps.decypharr.dfsHostPath', /\/var\/lib\/kubelet/],
  ['dfsHostPath with ..', { apps: { decypharr: { dfsHostPath: '/mnt/k8s/../../etc' } } }, 'apps.decypharr.dfsHostPath', /without "\.\."/],
  ['hostPathRoot /', { storage: { mode: 'hostPath', hostPathRoot: '/' } }, 'storage.hostPathRoot', /system directory/],
  ['hostPathRoot /var', { storage: { mode: 'hostPath', hostPathRoot: '/var' } }, 'storage.hostPathRoot', /system directory/],
  ['hostPathRoot with a trailing /', { storage: { mode: 'hostPath', hostPathRoot: '/data/' } }, 'storage.hostPathRoot', /trailing/],
  ['an NFS export path with ..', { storage: { media: { path: '/mnt/user/../..' } } }, 'storage.media.path', /without "\.\."/],
  ['extraRootResources leaving the tree', { flux: { extraRootResources: ['../other-cluster'] } }, 'flux.extraRootResources', /leaves the output tree/],
  ['extraRootResources absolute', { flux: { extraRootResources: ['/etc/kustomization'] } }, 'flux.extraRootResources', /is absolute/],
  ['repoPath leaving the repository', { flux: { repoPath: './../elsewhere' } }, 'flux.repoPath', /leaves the output tree/],
  ['a config size of 0Gi', { apps: { sonarr: { configSize: '0Gi' } } }, 'apps.sonarr.configSize', /must be more than 0/],
  ['a backup size of 0Mi', { apps: { postgres: { enabled: true, backupSize: '0Mi' } } }, 'apps.postgres.backupSize', /must be more than 0/],
  ['an NFS size that is no quantity', { storage: { transcode: { size: 'lots' } } }, 'storage.transcode.size', /Kubernetes quantity/],
  [
    'a memory request above its limit',
    { apps: { sonarr: { resources: { memoryRequest: '4Gi', memoryLimit: '2Gi' } } } },
    'apps.sonarr.resources.memoryRequest',
    /above the memory limit '2Gi'/,
  ],
  [
    "a memory request above the app's default limit",
    { apps: { radarr: { resources: { memoryRequest: '8Gi' } } } },
    'apps.radarr.resources.memoryRequest',
    /above the memory limit '2Gi'/,
  ],
  ["a memory limit below the app's default request", { apps: { plex: { resources: { memoryLimit: '256Mi' } } } }, 'apps.plex.resources.memoryLimit', /default request is 512Mi/],
  ['memory in millibytes', { apps: { sonarr: { resources: { memoryRequest: '512m' } } } }, 'apps.sonarr.resources.memoryRequest', /thousandths of a byte/],
  ['CPU with a binary suffix', { apps: { sonarr: { resources: { cpuRequest: '1Gi' } } } }, 'apps.sonarr.resources.cpuRequest', /millicores/],
  ['a zero CPU request', { apps: { sonarr: { resources: { cpuRequest: '0m' } } } }, 'apps.sonarr.resources.cpuRequest', /more than 0/],
  ['cron minute 61', { apps: { arrWiring: { schedule: '61 * * * *' } } }, 'apps.arrWiring.schedule', /minute field 61 is out of range \(0-59\)/],
  ['cron hour 24', { apps: { postgres: { enabled: true, backupSchedule: '0 24 * * *' } } }, 'apps.postgres.backupSchedule', /hour field 24 is out of range/],
  ['cron day of month 0', { apps: { arrWiring: { schedule: '0 0 0 * *' } } }, 'apps.arrWiring.schedule', /day of month field 0 is out of range \(1-31\)/],
  ['cron month 13', { apps: { arrWiring: { schedule: '0 0 1 13 *' } } }, 'apps.arrWiring.schedule', /month field 13 is out of range/],
  [
    'cron day of week 7 (robfig/cron knows 0-6 only)',
    { apps: { arrWiring: { schedule: '0 0 * * 7' } } },
    'apps.arrWiring.schedule',
    /day of week field 7 is out of range \(0-6 or SUN-SAT\)/,
  ],
  ['cron step 0', { apps: { configarr: { enabled: true, schedule: '*/0 * * * *' } } }, 'apps.configarr.schedule', /step '\/0'/],
  ['cron range backwards', { apps: { arrWiring: { schedule: '50-10 * * * *' } } }, 'apps.arrWiring.schedule', /runs backwards/],
  ['cron with 4 fields', { apps: { arrWiring: { schedule: '0 * * *' } } }, 'apps.arrWiring.schedule', /4 fields, not 5/],
  ['cron with a time zone', { apps: { arrWiring: { schedule: 'TZ=UTC 0 * * * *' } } }, 'apps.arrWiring.schedule', /time zone in the schedule/],
  [
    'a Prowlarr indexer without a definition',
    { apps: { prowlarr: { indexers: [{ name: 'x' }] } } },
    'apps.prowlarr.indexers',
    /\[0\]\.definition must be Prowlarr's definition name \(definitionName in GET \/api\/v1\/indexer\/schema/,
  ],
  [
    'a Prowlarr indexer tag with capitals',
    { apps: { prowlarr: { indexers: [{ definition: '1337x', tags: ['Streaming'] }] } } },
    'apps.prowlarr.indexers',
    /'Streaming' is not a Prowlarr tag: use lower-case letters, digits and "-"/,
  ],
  [
    'a Prowlarr indexer priority of 0',
    { apps: { prowlarr: { indexers: [{ definition: '1337x', priority: 0 }] } } },
    'apps.prowlarr.indexers',
    /priority must be an integer from 1 \(used first\) to 50/,
  ],
  [
    'a Prowlarr credential that is no Secret key',
    { apps: { prowlarr: { indexers: [{ definition: 'FileList.io', secrets: { passkey: 'my passkey' } }] } } },
    'apps.prowlarr.indexers',
    /secrets\.passkey must name a key of the Secret prowlarr-indexer-secrets \(letters, digits, '-', '_', '\.'\)/,
  ],
  [
    'the same Prowlarr indexer twice',
    { apps: { prowlarr: { indexers: [{ definition: 'eztv' }, { definition: 'EZTV', name: 'b' }] } } },
    'apps.prowlarr.indexers',
    /the definition 'EZTV' is listed twice/,
  ],
  [
    'a notification of an unknown kind',
    { apps: { arrWiring: { notifications: [{ name: 'Chat', kind: 'slack' }] } } },
    'apps.arrWiring.notifications',
    /\[0\]\.kind must be one of 'discord', 'ntfy', 'webhook', got 'slack'/,
  ],
  [
    'a notification event the Arrs do not have',
    { apps: { arrWiring: { notifications: [{ name: 'Discord', kind: 'discord', events: ['grab', 'deleted'] }] } } },
    'apps.arrWiring.notifications',
    /\[0\]\.events: 'deleted' is not an event: use 'grab', 'importFailed', 'imported', 'health'/,
  ],
  [
    'a server for a Discord notification',
    { apps: { arrWiring: { notifications: [{ name: 'Discord', kind: 'discord', server: 'https://discord.com' }] } } },
    'apps.arrWiring.notifications',
    /\[0\]\.server is for kind 'ntfy' only .*remove it/,
  ],
  [
    'two notifications of the same name',
    {
      apps: {
        arrWiring: {
          notifications: [
            { name: 'Alerts', kind: 'discord' },
            { name: 'alerts', kind: 'ntfy' },
          ],
        },
      },
    },
    'apps.arrWiring.notifications',
    /the name 'alerts' is listed twice .*give each connection its own name/,
  ],
  [
    'two notification names that differ only in punctuation (they would share one variable)',
    {
      apps: {
        arrWiring: {
          notifications: [
            { name: 'Team.Alerts', kind: 'discord' },
            { name: 'Team-Alerts', kind: 'webhook' },
          ],
        },
      },
    },
    'apps.arrWiring.notifications',
    /the name 'Team-Alerts' is listed twice \(names are compared in lower case, with "\.", "_" and spaces as "-"\)/,
  ],
  [
    'a notification named like the Plex connection',
    { apps: { arrWiring: { notifications: [{ name: 'plex', kind: 'ntfy' }] } } },
    'apps.arrWiring.notifications',
    /\[0\]\.name 'Plex' is the name of the job's Plex Media Server connection: pick another/,
  ],
  [
    'a notification name with a quote',
    { apps: { arrWiring: { notifications: [{ name: 'My "chat"', kind: 'webhook' }] } } },
    'apps.arrWiring.notifications',
    /\[0\]\.name must be 1 to 63 letters, digits, spaces/,
  ],
  ['a Prowlarr setup schedule that is no cron', { apps: { prowlarr: { setupSchedule: 'hourly' } } }, 'apps.prowlarr.setupSchedule', /has 1 field, not 5/],
  ['a Flux interval of 0s', { flux: { interval: '0s' } }, 'flux.interval', /at least "1m"/],
  ['a Flux interval of 30s', { flux: { interval: '30s' } }, 'flux.interval', /at least "1m"/],
  ['a Flux interval that is no duration', { flux: { interval: '1 hour' } }, 'flux.interval', /Go duration/],
  ['loadBalancerIP 0.0.0.0', { apps: { plex: { loadBalancerIP: '0.0.0.0' } } }, 'apps.plex.loadBalancerIP', /"this network"/],
  ['loadBalancerIP broadcast', { apps: { plex: { loadBalancerIP: '255.255.255.255' } } }, 'apps.plex.loadBalancerIP', /reserved/],
  ['loadBalancerIP loopback', { apps: { plex: { loadBalancerIP: '127.0.0.1' } } }, 'apps.plex.loadBalancerIP', /loopback/],
  ['loadBalancerIP multicast', { apps: { plex: { loadBalancerIP: '239.1.1.1' } } }, 'apps.plex.loadBalancerIP', /multicast/],
  [
    'a taint without a value',
    { nodes: { gpu: { taint: { key: 'gpu', effect: 'NoSchedule' } } } },
    'nodes.gpu.taint.value',
    /is required when nodes\.gpu\.taint is given.*'' for a taint without one/,
  ],
  ['a taint without a key', { nodes: { storage: { taint: { value: 'x' } } } }, 'nodes.storage.taint.key', /is required/],
  ['an http Infisical API', { secrets: { backend: 'external-secrets', infisical: { hostAPI: 'http://infisical.lan' } } }, 'secrets.infisical.hostAPI', /https URL/],
  ['a field named __proto__', JSON.parse('{"__proto__": {"polluted": true}}'), '__proto__: unknown field', /known fields here/],
  ['a field named constructor', { apps: { constructor: { enabled: false } } }, 'apps.constructor: unknown field', undefined],
  ['a field named toString in a section', { flux: { toString: 'x' } }, 'flux.toString: unknown field', undefined],
  ['a node selector key __proto__', { nodes: { gpu: { nodeSelector: JSON.parse('{"__proto__": "x"}') } } }, 'nodes.gpu.nodeSelector.__proto__', /label key/],
];

describe('bad config input: refused with the field, the fix, and the previous output untouched', () => {
  it.each(CASES)('%s', async (_title, config, field, fix) => {
    const out = previousOutput();
    const started = Date.now();
    const r = await synthInProcess(['--config', configFile(JSON.stringify(config)), '--out', out]);
    expectRefused(r, out, field, fix);
    expect(r.stderr).toContain(`nothing was written; ${out} is unchanged`);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('the cases are refused because of their field: each input without it synthesizes objects', () => {
    // Guards the table against cases that fail for an unrelated reason: the default config passes.
    expect(() => resolveConfig({})).not.toThrow();
    expect(buildStack(resolveConfig({})).components.length).toBeGreaterThan(5);
  });
});

describe('the edges of those rules are accepted', () => {
  it.each<[string, StackConfigInput]>([
    ['a time zone link name', { timezone: 'US/Eastern' }],
    ['Etc/UTC', { timezone: 'Etc/UTC' }],
    ['the last address of the static band', { apps: { decypharr: { nfsClusterIP: '10.43.1.0' } } }],
    ['a taint without a value, spelled out', { nodes: { gpu: { taint: { key: 'gpu', value: '' } } } }],
    ['cron names, lists, steps and ?', { apps: { arrWiring: { schedule: '*/15 1-5,22 ? JAN-MAR,dec sun-sat' } } }],
    ['a cron step from a value', { apps: { arrWiring: { schedule: '5/20 * * * 0' } } }],
    ['a cron descriptor', { apps: { arrWiring: { schedule: '@daily' } } }],
    ['a memory request equal to the limit', { apps: { sonarr: { resources: { memoryRequest: '2Gi' } } } }],
    ['a Flux interval of 1m30s', { flux: { interval: '1m30s' } }],
    ['a LAN LoadBalancer IP', { apps: { plex: { loadBalancerIP: '192.168.1.50' } } }],
    ['20 instances', { apps: { sonarr: { extraInstances: Array.from({ length: 20 }, (_, i) => `i${i}`) } } }],
  ])('%s', (_title, input) => {
    const cfg = resolveConfig(input);
    expect(() => objectsOf(input)).not.toThrow();
    expect(cfg).toBeTruthy();
  });

  it(`${MAX_EXTRA_INSTANCES} instances pass validation (the benchmark's largest stack), one more does not`, () => {
    const names = (n: number) => Array.from({ length: n }, (_, i) => `i${i}`);
    expect(resolveConfig({ apps: { sonarr: { extraInstances: names(MAX_EXTRA_INSTANCES) } } }).apps.sonarr.extraInstances).toHaveLength(MAX_EXTRA_INSTANCES);
    expect(() => resolveConfig({ apps: { sonarr: { extraInstances: names(MAX_EXTRA_INSTANCES + 1) } } })).toThrow(`at most ${MAX_EXTRA_INSTANCES}`);
  });

  it('a taint given replaces the default taint whole: the value is never taken from the default', () => {
    const { find } = objectsOf({ nodes: { gpu: { taint: { key: 'gpu', value: '' } } } });
    const worker = find('StatefulSet', 'clusterplex-worker');
    expect(worker.spec.template.spec.tolerations).toEqual([{ key: 'gpu', operator: 'Equal', value: '', effect: 'NoSchedule' }]);
  });

  it('the default ClusterIP is in the static band of the default service CIDR (KEP-3070)', () => {
    const band = staticServiceBand(DEFAULT_CONFIG.network.serviceCidr);
    expect([band.first, band.last]).toEqual(['10.43.0.1', '10.43.1.0']);
    expect(staticServiceBand('10.96.0.0/24')).toMatchObject({ first: '10.96.0.1', last: '10.96.0.16' }); // the docs' example 1
    expect(staticServiceBand('10.96.0.0/20')).toMatchObject({ last: '10.96.1.0' }); // 4096/16 = 256
    expect(DEFAULT_CONFIG.apps.decypharr.nfsClusterIP).toBe('10.43.0.49');
  });

  it('instance suffixes that are refused really collide, and accepted ones never do', () => {
    const duplicates = (objects: readonly { kind: string; metadata: { name: string; namespace?: string } }[]) => {
      const keys = objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`);
      return keys.filter((k, i) => keys.indexOf(k) !== i);
    };
    const unvalidated = (extraInstances: string[]) => {
      const cfg = { ...DEFAULT_CONFIG, apps: { ...DEFAULT_CONFIG.apps, sonarr: { ...DEFAULT_CONFIG.apps.sonarr, extraInstances } } };
      const stack = buildStack(cfg);
      return stack.node
        .findAll()
        .filter((c): c is ApiObject => c instanceof ApiObject)
        .map((o) => o.toJson());
    };
    expect(duplicates(unvalidated(['headless']))).toEqual(['Service/media/sonarr-headless']);
    expect(duplicates(unvalidated(['4k', '4k-headless']))).toEqual(['Service/media/sonarr-4k-headless']);
    const accepted = ['secrets', 'config', 'main', 'log', 'wiring', '0', 'nfs', 'dfs', 'api', '4k', '4k-secrets', 'radarr', 'library'];
    const { objects } = objectsOf({
      apps: {
        sonarr: { extraInstances: accepted },
        radarr: { extraInstances: [...accepted.filter((x) => x !== 'radarr'), 'sonarr'] },
        postgres: { enabled: true },
        configarr: { enabled: true },
      },
    });
    expect(duplicates(objects)).toEqual([]);
  });

  it('the longest accepted instance name yields only names and labels Kubernetes accepts', () => {
    const suffix = 'a'.repeat(MAX_INSTANCE_NAME - 'radarr-'.length);
    const { objects } = objectsOf({ apps: { radarr: { extraInstances: [suffix] }, postgres: { enabled: true } } });
    const instance = `radarr-${suffix}`;
    const problems: string[] = [];
    const labelValues = (o: any, where: string): void => {
      if (!o || typeof o !== 'object') return;
      for (const key of ['labels', 'matchLabels']) {
        for (const [k, v] of Object.entries((o[key] ?? {}) as Record<string, string>)) if (v.length > 63) problems.push(`${where} ${key} ${k}`);
      }
      for (const [k, v] of Object.entries(o)) labelValues(v, `${where}.${k}`);
    };
    for (const o of objects as any[]) {
      const name: string = o.metadata.name;
      const limit = o.kind === 'Service' ? 63 : o.kind === 'StatefulSet' ? 52 : 253;
      if (name.length > limit) problems.push(`${o.kind}/${name}: ${name.length} > ${limit}`);
      if (o.kind === 'Service' && !/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(name)) problems.push(`Service ${name} is not DNS-1035`);
      // the pods: `<sts>-<ordinal>` is their hostname and a label; `<sts>-<10-char hash>` their controller-revision-hash
      if (o.kind === 'StatefulSet' && `${name}-${'0'.repeat(10)}`.length > 63) problems.push(`StatefulSet ${name}: controller-revision-hash too long`);
      for (const rule of o.spec?.rules ?? []) for (const label of String(rule.host ?? '').split('.')) if (label.length > 63) problems.push(`host ${rule.host}`);
      labelValues(o, `${o.kind}/${name}`);
    }
    expect(objects.some((o) => o.kind === 'StatefulSet' && o.metadata.name === instance)).toBe(true);
    expect(`${instance}-main`.length).toBeLessThanOrEqual(63); // PostgreSQL identifiers (NAMEDATALEN 64)
    expect(problems).toEqual([]);
  });
});

// Concurrent: each case is its own process, project folder and output.
describe.concurrent('bad input the CLI meets while loading (child process, as `npm run synth` runs)', () => {
  /** A project folder (the CLI's working directory) with the repo's .sops.yaml and a previous output. */
  function project(files: Record<string, string> = {}): { dir: string; out: string } {
    const dir = mkdtempSync(join(root, 'proj-'));
    cpSync(join(PROJECT, '.sops.yaml'), join(dir, '.sops.yaml'));
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(join(dir, name, '..'), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
    const out = join(dir, 'dist');
    cpSync(join(PROJECT, 'dist'), out, { recursive: true });
    return { dir, out };
  }

  it('a secrets.local.yaml naming a Secret or key that does not exist: refused with the closest name', async () => {
    const secrets = ['PLAIN-VALUE-typo-1a2b3c', 'PLAIN-VALUE-typo-4d5e6f'];
    const p = project({ 'secrets.local.yaml': `plex-secrets:\n  claimm: ${secrets[0]}\ndecypharr-secret:\n  realdebrid-api-key: ${secrets[1]}\n` });
    const r = await synthChild(['--out', p.out], { cwd: p.dir });
    expectRefused(r, p.out, 'secrets.local.yaml: plex-secrets/claimm', /did you mean plex-secrets\/claim\?/, secrets);
    expect(r.stderr).toContain('secrets.local.yaml: decypharr-secret/realdebrid-api-key is not a Secret this config requests; did you mean decypharr-secrets/realdebrid-api-key?');
  });

  it('an environment variable naming a Secret or key that does not exist: refused with the closest name, without the value', async () => {
    const secrets = ['PLAIN-VALUE-env-7a8b9c', 'PLAIN-VALUE-env-0d1e2f'];
    const p = project();
    const env = { MEDIA_STACK_SECRET__PLEX_SECRETS__CLAM: secrets[0], MEDIA_STACK_SECRET__PLEX_SECRET__CLAIM: secrets[1] };
    const r = await synthChild(['--out', p.out], { cwd: p.dir, env });
    expectRefused(r, p.out, 'env MEDIA_STACK_SECRET__PLEX_SECRETS__CLAM is not a value this config requests', /did you mean MEDIA_STACK_SECRET__PLEX_SECRETS__CLAIM\?/, secrets);
    expect(r.stderr).toContain('env MEDIA_STACK_SECRET__PLEX_SECRET__CLAIM is not a value this config requests; did you mean MEDIA_STACK_SECRET__PLEX_SECRETS__CLAIM?');
  });

  it('a whitespace-only secret value: refused by name, without the value', async () => {
    const p = project({ 'secrets.local.yaml': 'decypharr-secrets:\n  usenet-pass: "  \\t  "\n' });
    const r = await synthChild(['--out', p.out], { cwd: p.dir });
    expectRefused(r, p.out, 'secrets.local.yaml: decypharr-secrets/usenet-pass is only whitespace', /put the real value there/);
  });

  it.each(['secrets.local.yaml', 'secrets.sops.yaml'])('a YAML alias bomb in %s: refused, naming the file', async (file) => {
    const rows = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (const [prev, name] of [
      ['a', 'b'],
      ['b', 'c'],
      ['c', 'd'],
      ['d', 'e'],
      ['e', 'f'],
      ['f', 'g'],
    ])
      rows.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    const p = project({ [file]: `${rows.join('\n')}\n${file === 'secrets.sops.yaml' ? 'sops:\n  version: 3.9.0\n' : ''}` });
    const r = await synthChild(['--out', p.out], { cwd: p.dir });
    expectRefused(r, p.out, `${file}: refused`, /resource exhaustion.*YAML aliases/);
  });

  it("a config whose own import fails: names the module that failed, not 'file not found'", async () => {
    const p = project({ 'lab.ts': "import { shared } from './shared-settings.js';\nexport default { cluster: shared };\n" });
    const r = await synthChild(['--config', join(p.dir, 'lab.ts'), '--out', p.out], { cwd: p.dir });
    expectRefused(r, p.out, `cannot load ${join(p.dir, 'lab.ts')}`, /shared-settings\.js.*imported from .*lab\.ts: fix the import path/);
    expect(r.stderr).not.toContain('file not found');
  });

  it('top-level await in a .ts config compiled as CommonJS: the fix is named', async () => {
    const p = project({ 'gitops/lab.ts': "const cluster = await Promise.resolve('lab');\nexport default { cluster };\n" });
    const r = await synthChild(['--config', join(p.dir, 'gitops/lab.ts'), '--out', p.out], { cwd: p.dir });
    expectRefused(r, p.out, `cannot load ${join(p.dir, 'gitops/lab.ts')}`, /lab\.ts:1:\d+: ERROR: Top-level await.*rename it to \.mts or add that package\.json/);
  });

  it.each([
    ['a .ts config compiled as CommonJS (no "type": "module" next to it)', 'gitops/lab.ts'],
    ['an .mts config', 'gitops/lab.mts'],
  ])('named exports but no default export in %s: says so, not `config: unknown field`', async (_title, name) => {
    const p = project({ [name]: "export const config = { cluster: 'lab' };\nexport const note = 'x';\n" });
    const file = join(p.dir, name);
    const r = await synthChild(['--config', file, '--out', p.out], { cwd: p.dir });
    expectRefused(r, p.out, `${file} has no default export (it exports only config, note)`, /write `export default defineConfig\(\{ … \}\)` \(or `export default \{ … \}`\)/);
    expect(r.stderr).not.toContain('unknown field');
  });

  it('export default null: refused instead of the default config', async () => {
    const p = project({ 'lab.ts': 'export default null;\n' });
    const r = await synthChild(['--config', join(p.dir, 'lab.ts'), '--out', p.out], { cwd: p.dir });
    expectRefused(r, p.out, '(root)', /default export is null.*`\{\}` for the embedded defaults/);
  });

  it('an empty YAML config: refused instead of the default config', async () => {
    const p = project({ 'lab.yaml': '# to do\n' });
    const r = await synthChild(['--config', join(p.dir, 'lab.yaml'), '--out', p.out], { cwd: p.dir });
    expectRefused(r, p.out, '(root)', /is empty/);
  });

  it('a .ts config outside an ESM package (an operator GitOps repo) loads, and a bad field in it is named', async () => {
    const configSource = (cluster: string, extra = '') =>
      `import { defineConfig } from ${JSON.stringify(join(PROJECT, 'src/stack-config.js'))};\nexport const note = 'cjs';\nexport default defineConfig({ cluster: '${cluster}'${extra} });\n`;
    // No package.json anywhere up to the temp dir: tsx compiles the file as CommonJS.
    const good = project({ 'gitops/lab.ts': configSource('homelab') });
    const ok = await synthChild(['--config', join(good.dir, 'gitops/lab.ts'), '--out', good.out], { cwd: good.dir });
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/files: 0 written, \d+ unchanged, 0 removed/); // the same config as dist/: not `default: unknown field`
    const bad = project({ 'gitops/lab.ts': configSource('homelab', ", timezone: 'Mars/Base'") });
    const r = await synthChild(['--config', join(bad.dir, 'gitops/lab.ts'), '--out', bad.out], { cwd: bad.dir });
    expectRefused(r, bad.out, 'timezone:', /not an IANA time zone/);
    expect(r.stderr).not.toContain('default: unknown field');
  });
});

/**
 * The keys commands rewrite .sops.yaml and the output's Secret files in place: a path that cannot
 * be the output folder, or a folder they cannot write, is refused before anything changes.
 */
describe('bad input to `npm run keys`: one line naming the path and the fix, nothing changed', () => {
  interface KeysProject {
    dir: string;
    out: string;
    home: string;
    keyFile: string;
    mounts: string[];
  }
  /** A project folder (the repo's .sops.yaml, a previous output in dist/, a file), optionally on a tmpfs made read-only. */
  function keysProject(readOnly?: 'output' | 'project'): KeysProject {
    const base = mkdtempSync(join(root, 'keys-'));
    const dir = join(base, 'repo');
    const home = join(base, 'home');
    mkdirSync(dir);
    mkdirSync(home);
    const mounts: string[] = [];
    const onTmpfs = (path: string) => {
      mkdirSync(path, { recursive: true });
      mount(['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', path]);
      mounts.push(path);
    };
    if (readOnly === 'project') onTmpfs(dir);
    const out = join(dir, 'dist');
    if (readOnly === 'output') onTmpfs(out);
    cpSync(join(PROJECT, '.sops.yaml'), join(dir, '.sops.yaml'));
    cpSync(join(PROJECT, 'dist'), out, { recursive: true });
    writeFileSync(join(dir, 'notes.txt'), 'not a folder\n');
    for (const m of mounts) mount(['-o', 'remount,ro', m]);
    return { dir, out, home, keyFile: join(home, 'new.agekey'), mounts };
  }
  const unmount = (p: KeysProject) => {
    for (const m of [...p.mounts].reverse()) spawnSync('umount', [m]);
  };
  const keys = (p: KeysProject, args: string[]) => inProcess(() => keysMain(args, { HOME: p.home }, p.dir)); // the demo identity is found by the command itself
  let recipient: string;
  beforeAll(async () => {
    recipient = (await newIdentity()).recipient;
  });

  const readOnlyLine = (path: string) => new RegExp(`^error: cannot write ${path}/\\S+: the file system is read-only: remount it read-write \\(EROFS\\); nothing was changed\\n$`);
  type KeysCase = [title: string, args: (p: KeysProject) => string[], message: (p: KeysProject) => string | RegExp, readOnly?: 'output' | 'project'];
  const KEYS_CASES: readonly KeysCase[] = [
    [
      'add with a mistyped --out',
      () => ['add', recipient, '--out', 'dsit'],
      (p) => `error: --out ${p.dir}/dsit does not exist: pass --out the folder \`npm run synth\` wrote (default: dist); nothing was changed\n`,
    ],
    [
      'rotate with a --out that does not exist',
      (p) => ['rotate', '--key-file', p.keyFile, '--out', '/nonexistent'],
      () => 'error: --out /nonexistent does not exist: pass --out the folder `npm run synth` wrote (default: dist); nothing was changed\n',
    ],
    [
      'add with --out a file',
      () => ['add', recipient, '--out', 'notes.txt'],
      (p) => `error: refusing to write into ${p.dir}/notes.txt: it is a file, not a folder; move it away or pass --out a folder; nothing was changed\n`,
    ],
    [
      'init with --out a file',
      (p) => ['init', '--key-file', p.keyFile, '--out', 'notes.txt'],
      (p) => `error: refusing to write into ${p.dir}/notes.txt: it is a file, not a folder; move it away or pass --out a folder; nothing was changed\n`,
    ],
    [
      'rotate with --out /',
      (p) => ['rotate', '--key-file', p.keyFile, '--out', '/'],
      () => 'error: refusing to write into /: it is the file system root; pass --out a folder of its own, e.g. ./dist; nothing was changed\n',
    ],
    ['add into a read-only output folder', () => ['add', recipient], (p) => readOnlyLine(p.out), 'output'],
    ['rotate into a read-only output folder', (p) => ['rotate', '--key-file', p.keyFile], (p) => readOnlyLine(p.out), 'output'],
    ['init in a read-only project folder', (p) => ['init', '--key-file', p.keyFile], (p) => readOnlyLine(p.dir), 'project'],
  ];

  it.each(KEYS_CASES)('%s', async (_title, args, message, readOnly) => {
    const p = keysProject(readOnly);
    try {
      const before = readTree(p.dir);
      const r = await keys(p, args(p));
      expect(r.code, r.stderr).toBe(1);
      expect(r.stdout).toBe('');
      const expected = message(p);
      if (typeof expected === 'string') expect(r.stderr).toBe(expected);
      else expect(r.stderr).toMatch(expected);
      expect(readTree(p.dir)).toEqual(before); // .sops.yaml, the output folder, everything
      expect(existsSync(p.keyFile), 'a new identity nothing is encrypted to was left behind').toBe(false);
    } finally {
      unmount(p);
    }
  });

  it('the rows are refused because of their path: the same project and command with its own output folder succeed', async () => {
    const p = keysProject();
    const before = readTree(p.dir);
    const r = await keys(p, ['add', recipient]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Re-encrypted [1-9]\d* file\(s\)/);
    expect(readFileSync(join(p.dir, '.sops.yaml'), 'utf8')).toContain(recipient);
    expect(readTree(p.dir)).not.toEqual(before);
  });
});

describe('npm run keys -- <command> --help', () => {
  it.each(['init', 'add', 'remove', 'rotate', 'recipient'])('%s --help prints its own usage and exits 0', async (cmd) => {
    let stdout = '';
    let stderr = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((c) => ((stdout += String(c)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((c) => ((stderr += String(c)), true));
    const code = await keysMain([cmd, '--help'], {}, mkdtempSync(join(root, 'keys-')));
    vi.restoreAllMocks();
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout.split('\n')[0]).toMatch(new RegExp(`^usage: npm run keys -- ${cmd}( |$)`));
    for (const other of ['init', 'add', 'remove', 'rotate', 'recipient'].filter((c) => c !== cmd)) {
      expect(stdout).not.toMatch(new RegExp(`^\\s*${other} `, 'm'));
    }
  });

  it('the package script runs that same entry', () => {
    expect(JSON.parse(readFileSync(join(PROJECT, 'package.json'), 'utf8')).scripts.keys).toBe('node --import tsx src/cli/keys.ts');
  });
});
