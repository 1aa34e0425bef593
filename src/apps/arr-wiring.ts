import * as k8s from '../../imports/k8s.js';
import type { Construct } from 'constructs';
import type { StackConfig } from '../config/types.js';
import { arrEndpoint, enabledArrs, type ArrEndpoint } from '../lib/arr.js';
import { Component, setFileName } from '../lib/component.js';
import { IMAGES } from '../lib/images.js';
import { appLabels, container, podSpec, withOverrides, type EnvValue, type Mount } from '../lib/pod.js';
import { storageNodePlacement } from '../lib/placement.js';
import { PORTS } from '../lib/ports.js';
import { CLAIMS, mediaVolume, PATHS, symlinkVolume } from '../lib/storage.js';
import { addCronJob, scratchVolume } from '../lib/workload.js';
import { SOLVER_PORT } from './flaresolverr.js';

export const ARR_WIRING_CONFIG_MAP = 'arr-wiring-script';
export const ARR_WIRING_SCRIPT = 'arr-wiring.sh';

/** `sonarr-4k` → `SONARR_4K_API_KEY` (the env var holding the instance's API key). */
export function wiringKeyEnv(instance: string): string {
  return `${instance.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_API_KEY`;
}

/**
 * The permanent library folder of an instance: `/mnt/media/tv` (Sonarr) and `/mnt/media/movies`
 * (Radarr); extra instances get their suffix (`/mnt/media/tv-4k`), so two instances never share
 * a root folder.
 */
export function permanentRootFolder(arr: ArrEndpoint): string {
  const base = arr.kind === 'sonarr' ? 'tv' : 'movies';
  const suffix = arr.instance === arr.kind ? '' : arr.instance.slice(arr.kind.length);
  return `${PATHS.media}/${base}${suffix}`;
}

/**
 * The streaming library folder of an instance: `/mnt/streaming-media/<instance>`, the path the
 * generated runbooks name (src/docs/runbooks.ts, "Root folders").
 */
export function streamingRootFolder(arr: ArrEndpoint): string {
  return `${PATHS.symlinks}/${arr.instance}`;
}

/** What the reconciler makes sure exists (for tests and docs). */
export interface WiringPlan {
  readonly prowlarr?: { readonly url: string; readonly keyEnv: string; readonly apps: readonly ArrEndpoint[]; readonly proxies: readonly { name: string; title: string; url: string }[] };
  readonly arrs: readonly {
    readonly arr: ArrEndpoint;
    readonly keyEnv: string;
    readonly downloadClients: readonly { name: string; host: string; port: number; priority: number }[];
    /** Created (mkdir) by the job when missing: the stack owns the streaming library. */
    readonly streamingRoot?: string;
    /** Added only when the folder exists on the library (never created on the NAS). */
    readonly permanentRoot: string;
  }[];
}

export function wiringPlan(cfg: StackConfig): WiringPlan {
  const a = cfg.apps;
  const ns = cfg.namespace;
  const svc = (name: string) => `${name}.${ns}.svc.cluster.local`;
  const arrs = enabledArrs(cfg);
  const prowlarr = a.prowlarr.enabled ? arrEndpoint(cfg, 'prowlarr') : undefined;
  const proxies = (['flaresolverr', 'byparr'] as const)
    .filter((s) => a[s].enabled)
    .map((s) => ({ name: s, title: s === 'flaresolverr' ? 'FlareSolverr' : 'Byparr', url: `http://${svc(s)}:${SOLVER_PORT}/` }));
  return {
    ...(prowlarr ? { prowlarr: { url: prowlarr.url, keyEnv: wiringKeyEnv(prowlarr.instance), apps: arrs, proxies } } : {}),
    arrs: arrs.map((arr) => ({
      arr,
      keyEnv: wiringKeyEnv(arr.instance),
      downloadClients: [
        ...(a.decypharr.enabled ? [{ name: 'Decypharr', host: svc('decypharr'), port: PORTS.decypharr, priority: 1 }] : []),
        ...(a.qbittorrent.enabled ? [{ name: 'qBittorrent', host: svc('qbittorrent'), port: a.qbittorrent.webUiPort, priority: 2 }] : []),
      ],
      ...(a.decypharr.enabled ? { streamingRoot: streamingRootFolder(arr) } : {}),
      permanentRoot: permanentRootFolder(arr),
    })),
  };
}

// ─── the script ─────────────────────────────────────────────────────────────────────────────

/**
 * JSON → one `path<TAB>value` line per scalar (`[0].name`, `[0].fields[2].value`, …), in POSIX
 * awk (busybox, mawk, gawk). JSON strings never span lines, so each line is split on `"` on its
 * own (escaped quotes and backslashes masked first): strings are never scanned char by char and
 * the input is never concatenated, so large answers (root folders with thousands of unmapped
 * folders) stay linear.
 */
const JSON_FLAT_AWK = String.raw`
function cur(  p, d) { p = ""; for (d = 1; d <= depth; d++) p = p (typ[d] == "o" ? "." key[d] : "[" idx[d] "]"); return p }
function lit() { if (litv != "") { print cur() "\t" litv; litv = "" } }
BEGIN { depth = 0; expkey = 0; litv = "" }
{
  line = $0; gsub(/\\\\/, "\001", line); gsub(/\\"/, "\002", line)
  n = split(line, part, "\"")
  for (i = 1; i <= n; i++) {
    if (i % 2 == 0) {
      v = part[i]; gsub("\002", "\"", v)
      # Backslashes back without a replacement string (awks disagree on "\\\\" there).
      if (index(v, "\001")) { k = split(v, bs, "\001"); v = bs[1]; for (b = 2; b <= k; b++) v = v "\\" bs[b] }
      if (depth > 0 && typ[depth] == "o" && expkey) { key[depth] = v; expkey = 0 } else print cur() "\t" v
      continue
    }
    t = part[i]; m = length(t)
    for (j = 1; j <= m; j++) {
      c = substr(t, j, 1)
      if (c == "{") { depth++; typ[depth] = "o"; expkey = 1 }
      else if (c == "[") { depth++; typ[depth] = "a"; idx[depth] = 0; expkey = 0 }
      else if (c == "}" || c == "]") { lit(); depth--; expkey = 0 }
      else if (c == ":") expkey = 0
      else if (c == ",") { lit(); if (typ[depth] == "o") expkey = 1; else idx[depth]++ }
      else if (c != " " && c != "\t" && c != "\r") litv = litv c
    }
    # A literal never runs into a string: it ends here (also at the end of the line).
    lit()
  }
}
END { lit() }`;

const PRELUDE = String.raw`#!/bin/sh
# Generated by media-stack (src/apps/arr-wiring.ts). Idempotent: reads what exists and creates
# only what is missing (matched by name, host/URL or path); never updates or deletes anything.
set -u
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
FAILED=0

log() { echo "arr-wiring: $*"; }
fail() { log "ERROR: $*"; FAILED=1; }

# api METHOD URL KEY [BODY]: sets STATUS; the answer is in $TMP/body.
api() {
  if [ $# -ge 4 ]; then
    STATUS=$(printf '%s' "$4" | curl -q -sS -o "$TMP/body" -w '%{http_code}' --max-time 60 -X "$1" \
      -H "X-Api-Key: $3" -H 'Content-Type: application/json' --data-binary @- "$2") || STATUS=000
  else
    STATUS=$(curl -q -sS -o "$TMP/body" -w '%{http_code}' --max-time 60 -H "X-Api-Key: $3" "$2") || STATUS=000
  fi
}

json_flat() {
  awk '${JSON_FLAT_AWK}'
}

# list URL KEY NAME: GETs a list into $TMP/NAME (flattened); non-zero when it failed.
list() {
  api GET "$1" "$2"
  case "$STATUS" in
    200) json_flat < "$TMP/body" > "$TMP/$3" ;;
    *) fail "GET $1 answered HTTP $STATUS: $(head -c 300 "$TMP/body" 2>/dev/null)"; return 1 ;;
  esac
}

# top_has NAME KEY REGEX: an entry whose KEY matches REGEX (compared in lower case).
top_has() {
  awk -F '\t' -v k="$2" -v re="$3" '{ p = $1; sub(/^[[][0-9]+[]][.]/, "", p) } $1 ~ /^[[][0-9]+[]][.]/ && p == k && tolower($2) ~ re { f = 1 } END { exit !f }' "$TMP/$1"
}

# field_has NAME FIELD REGEX: an entry with fields[].name == FIELD and a value matching REGEX.
field_has() {
  awk -F '\t' -v f="$2" -v re="$3" '
    $1 ~ /^[[][0-9]+[]][.]fields[[][0-9]+[]][.]name$/ { k = $1; sub(/[.]name$/, "", k); nm[k] = $2; next }
    $1 ~ /^[[][0-9]+[]][.]fields[[][0-9]+[]][.]value$/ { k = $1; sub(/[.]value$/, "", k); va[k] = tolower($2) }
    END { for (k in nm) if (nm[k] == f && (k in va) && va[k] ~ re) found = 1; exit !found }' "$TMP/$1"
}

# create WHAT URL KEY BODY
create() {
  api POST "$2" "$3" "$4"
  case "$STATUS" in
    2??) log "$1: created" ;;
    *) fail "$1: not created, HTTP $STATUS: $(head -c 500 "$TMP/body" 2>/dev/null)" ;;
  esac
}

# The keys are pasted into JSON bodies: refuse anything but a plain token.
need_key() {
  v='' # assigned by the eval below (shellcheck cannot see through it)
  eval "v=\${$1-}"
  case "$v" in
    '' | *[!A-Za-z0-9._-]*) fail "$1 is empty or not a plain API key (letters, digits, '.', '_', '-')"; return 1 ;;
  esac
}
`;

/** A POSIX ERE (no backslashes: awk -v would eat them) for a Service's in-cluster names, optionally as a URL. */
export function hostRegex(name: string, namespace: string, port?: number): string {
  const dots = (s: string) => s.replace(/\./g, '[.]');
  const portPart = port === undefined ? '' : `(:${port})?`;
  return `^(https?://)?${dots(name)}([.]${dots(namespace)}([.]svc([.]cluster[.]local)?)?)?${portPart}/?$`;
}

/** A literal value as an anchored, lower-case POSIX ERE. */
function exactRegex(s: string): string {
  return `^${s.toLowerCase().replace(/[.[\]()*+?^$|{}]/g, (c) => (c === '^' ? '\\^' : `[${c}]`))}/?$`;
}

/** `'…'` for sh; the values are generated by us and never contain a quote. */
function q(s: string): string {
  if (s.includes("'")) throw new Error(`arr-wiring: unexpected quote in ${s}`);
  return `'${s}'`;
}

/**
 * A JSON body as a single-quoted sh word; `{ $env: 'X' }` becomes the value of $X (a string) and
 * `{ $raw: 'X' }` its bare value (a number).
 */
function body(obj: unknown): string {
  const json = JSON.stringify(obj, (_k, v) => {
    if (v && typeof v === 'object' && '$env' in v) return `@@S:${v.$env}@@`;
    if (v && typeof v === 'object' && '$raw' in v) return `@@R:${v.$raw}@@`;
    return v;
  });
  return q(json).replace(/"@@S:([A-Z0-9_]+)@@"/g, `"'"$$$1"'"`).replace(/"@@R:([A-Z0-9_]+)@@"/g, `'"$$$1"'`);
}

const field = (name: string, value: unknown) => ({ name, value });

/** The reconciler script for a config. */
export function arrWiringScript(cfg: StackConfig): string {
  const plan = wiringPlan(cfg);
  const ns = cfg.namespace;
  const out: string[] = [PRELUDE];
  const arrTitle = (a: ArrEndpoint) => (a.kind === 'sonarr' ? 'Sonarr' : 'Radarr');

  for (const w of plan.arrs) {
    const { arr, keyEnv } = w;
    const url = `${arr.url}/api/v3`;
    const key = `"$${keyEnv}"`;
    const tag = arr.instance;
    out.push(`# ─── ${arr.instance} (${arrTitle(arr)}) ───`, `if need_key ${keyEnv}; then`);
    if (w.downloadClients.length) {
      out.push(`  if list ${q(`${url}/downloadclient`)} ${key} ${tag}-clients; then`);
      for (const dc of w.downloadClients) {
        const svcName = dc.host.split('.')[0]!;
        const fields = [
          field('host', dc.host),
          field('port', dc.port),
          field('useSsl', false),
          field('urlBase', ''),
          // Decypharr: the Arr's own URL and API key (app-facts §3); qBittorrent: set in its UI.
          field('username', dc.name === 'Decypharr' ? arr.url : ''),
          field('password', dc.name === 'Decypharr' ? { $env: keyEnv } : ''),
          field(arr.kind === 'sonarr' ? 'tvCategory' : 'movieCategory', arr.instance),
        ];
        const what = `${arr.instance}: download client ${dc.name}`;
        out.push(
          `    if top_has ${tag}-clients name ${q(exactRegex(dc.name))} || field_has ${tag}-clients host ${q(hostRegex(svcName, ns))}; then`,
          `      log ${q(`${what}: present`)}`,
          '    else',
          `      create ${q(what)} ${q(`${url}/downloadclient?forceSave=true`)} ${key} ${body({
            name: dc.name,
            enable: true,
            protocol: 'torrent',
            priority: dc.priority,
            removeCompletedDownloads: true,
            removeFailedDownloads: true,
            implementation: 'QBittorrent',
            configContract: 'QBittorrentSettings',
            fields,
            tags: [],
          })}`,
          '    fi',
        );
      }
      out.push('  fi');
    }
    out.push(`  if list ${q(`${url}/rootfolder`)} ${key} ${tag}-roots; then`);
    const ensureRoot = (path: string, indent: string) => {
      const what = `${arr.instance}: root folder ${path}`;
      out.push(
        `${indent}if top_has ${tag}-roots path ${q(exactRegex(path))}; then`,
        `${indent}  log ${q(`${what}: present`)}`,
        `${indent}else`,
        `${indent}  create ${q(what)} ${q(`${url}/rootfolder`)} ${key} ${body({ path })}`,
        `${indent}fi`,
      );
    };
    if (w.streamingRoot) {
      // The stack owns the streaming library: create the folder the Arr requires to exist.
      out.push(`    if mkdir -p ${q(w.streamingRoot)}; then`);
      ensureRoot(w.streamingRoot, '      ');
      out.push('    else', `      fail ${q(`cannot create ${w.streamingRoot}`)}`, '    fi');
    }
    out.push(`    if [ -d ${q(w.permanentRoot)} ]; then`);
    ensureRoot(w.permanentRoot, '      ');
    out.push(
      '    else',
      `      log ${q(`${arr.instance}: root folder ${w.permanentRoot} skipped: create the folder in the media library to have it added`)}`,
      '    fi',
      '  fi',
      'fi',
    );
  }

  const p = plan.prowlarr;
  if (p) {
    const url = `${p.url}/api/v1`;
    const key = `"$${p.keyEnv}"`;
    out.push('# ─── prowlarr ───', `if need_key ${p.keyEnv}; then`);
    if (p.apps.length) {
      out.push(`  if list ${q(`${url}/applications`)} ${key} prowlarr-apps; then`);
      for (const arr of p.apps) {
        const what = `prowlarr: application ${arr.instance}`;
        const keyEnv = wiringKeyEnv(arr.instance);
        out.push(
          `    if top_has prowlarr-apps name ${q(exactRegex(arr.instance))} || field_has prowlarr-apps baseUrl ${q(hostRegex(arr.instance, ns, arr.port))}; then`,
          `      log ${q(`${what}: present`)}`,
          `    elif need_key ${keyEnv}; then`,
          `      create ${q(what)} ${q(`${url}/applications?forceSave=true`)} ${key} ${body({
            name: arr.instance,
            syncLevel: 'fullSync',
            implementation: arrTitle(arr),
            configContract: `${arrTitle(arr)}Settings`,
            // Sync categories: the app's defaults (omitted fields keep the settings' defaults).
            fields: [field('prowlarrUrl', p.url), field('baseUrl', arr.url), field('apiKey', { $env: keyEnv })],
            tags: [],
          })}`,
          '    fi',
        );
      }
      out.push('  fi');
    }
    for (const px of p.proxies) {
      // A proxy serves only indexers sharing one of its tags (Prowlarr IndexerHttpClient).
      const what = `prowlarr: indexer proxy ${px.title}`;
      out.push(
        `  if list ${q(`${url}/indexerProxy`)} ${key} prowlarr-proxies; then`,
        `    if top_has prowlarr-proxies name ${q(exactRegex(px.title))} || field_has prowlarr-proxies host ${q(hostRegex(px.name, ns, SOLVER_PORT))}; then`,
        `      log ${q(`${what}: present`)}`,
        `    elif list ${q(`${url}/tag`)} ${key} prowlarr-tags; then`,
        `      TAG_ID=$(awk -F '\\t' '$1 ~ /^[[][0-9]+[]][.]label$/ && $2 == ${JSON.stringify(px.name)} { k = $1; sub(/label$/, "id", k); want = k } { v[$1] = $2 } END { if (want != "") print v[want] }' "$TMP/prowlarr-tags")`,
        '      if [ -z "$TAG_ID" ]; then',
        `        api POST ${q(`${url}/tag`)} ${key} ${body({ label: px.name })}`,
        `        TAG_ID=$(json_flat < "$TMP/body" | awk -F '\\t' '$1 == ".id" { print $2 }')`,
        `        case "$STATUS" in 2??) log ${q(`prowlarr: tag ${px.name}: created`)} ;; esac`,
        '      fi',
        '      case "$TAG_ID" in',
        `        '' | *[!0-9]*) fail ${q(`prowlarr: tag ${px.name}: not created, HTTP`)}" $STATUS" ;;`,
        `        *) create ${q(what)} ${q(`${url}/indexerProxy?forceSave=true`)} ${key} ${body({
          name: px.title,
          implementation: 'FlareSolverr',
          configContract: 'FlareSolverrSettings',
          // Request timeout: the settings' default (60 s).
          fields: [field('host', px.url)],
          tags: [{ $raw: 'TAG_ID' }],
        })}`,
        `          log ${q(`prowlarr: tag the indexers behind Cloudflare with the tag ${px.name} to route them through ${px.title}`)} ;;`,
        '      esac',
        '    fi',
        '  fi',
      );
    }
    out.push('fi');
  }
  out.push('', 'exit "$FAILED"', '');
  return out.join('\n');
}

// ─── the component ──────────────────────────────────────────────────────────────────────────

/**
 * The reconciler that removes the manual wiring steps: Sonarr/Radarr as Prowlarr applications,
 * Decypharr (and qBittorrent) as their download clients, their root folders, and FlareSolverr /
 * Byparr as Prowlarr indexer proxies. A CronJob (hourly by default, never two at once) running a
 * POSIX sh + curl script from a ConfigMap against the apps' REST APIs, with the API keys from the
 * same Secrets the apps read. Idempotent: it creates what is missing and leaves everything that
 * exists — including the operator's own edits — alone.
 */
export class ArrWiring extends Component {
  constructor(scope: Construct, id: string, cfg: StackConfig, props: { dependsOn?: Component[] } = {}) {
    const c = cfg.apps.arrWiring;
    const plan = wiringPlan(cfg);
    // Names only what is deployed (the docs must not mention disabled apps).
    const what = [
      ...(plan.arrs.length ? ['download clients and root folders of the Arrs'] : []),
      ...(plan.prowlarr ? ['applications and indexer proxies in Prowlarr'] : []),
    ].join('; ');
    super(scope, id, {
      dir: `apps/${cfg.namespace}/arr-wiring`,
      fluxName: 'arr-wiring',
      namespace: cfg.namespace,
      dependsOn: props.dependsOn,
      description: `Arr wiring CronJob (${c.schedule}): adds missing ${what}`,
    });
    setFileName(
      new k8s.KubeConfigMap(this, 'script', {
        metadata: { name: ARR_WIRING_CONFIG_MAP, namespace: cfg.namespace, labels: appLabels('arr-wiring') },
        data: { [ARR_WIRING_SCRIPT]: arrWiringScript(cfg) },
      }),
      'configmap.yaml',
    );

    const env: Record<string, EnvValue> = { TZ: cfg.timezone };
    const called: ArrEndpoint[] = [...plan.arrs.map((w) => w.arr), ...(cfg.apps.prowlarr.enabled ? [arrEndpoint(cfg, 'prowlarr')] : [])];
    for (const a of called) env[wiringKeyEnv(a.instance)] = a.apiKey;

    const mounts: Mount[] = [
      { volume: 'script', path: '/scripts', readOnly: true },
      { volume: 'tmp', path: '/tmp' },
    ];
    const volumes: k8s.Volume[] = [{ name: 'script', configMap: { name: ARR_WIRING_CONFIG_MAP } }, scratchVolume('tmp', '64Mi')];
    if (plan.arrs.length) {
      // Same paths as in the Arrs: the permanent library only to look, the streaming library to
      // create the instances' folders.
      volumes.push(mediaVolume(cfg));
      mounts.push({ volume: CLAIMS.media, path: PATHS.media, readOnly: true });
      if (plan.arrs.some((w) => w.streamingRoot)) {
        volumes.push(symlinkVolume(cfg));
        mounts.push({ volume: CLAIMS.symlinks, path: PATHS.symlinks });
      }
    }

    const spec = podSpec(cfg, {
      ...storageNodePlacement(cfg),
      containers: [
        container({
          name: 'arr-wiring',
          image: IMAGES.curl,
          command: ['sh', `/scripts/${ARR_WIRING_SCRIPT}`],
          env,
          mounts,
          resources: withOverrides({ cpuRequest: '10m', memoryRequest: '32Mi', memoryLimit: '128Mi' }, c.resources),
        }),
      ],
      volumes,
    });
    addCronJob(this, cfg, { name: 'arr-wiring', schedule: c.schedule, pod: spec, backoffLimit: 1, activeDeadlineSeconds: 900 });

    const self = { app: 'arr-wiring' };
    for (const a of called) {
      this.addCall({ from: self, to: { app: a.kind, instance: a.instance }, ports: [a.port], why: a.kind === 'prowlarr' ? 'adds applications and indexer proxies through the API' : 'adds download clients and root folders through the API' });
    }
  }
}
