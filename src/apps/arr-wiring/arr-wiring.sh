#!/bin/sh
# media-stack Arr wiring (src/apps/arr-wiring/arr-wiring.sh), run by the arr-wiring CronJob.
# Idempotent: reads what exists and creates only what is missing (matched by name, host/URL or
# path); never updates or deletes anything. What to wire is data: the JSON document given as $1
# (arr-wiring.json, built by src/apps/arr-wiring/data.ts). The API keys are never in it: it names
# the environment variables that hold them.
# POSIX sh, curl and busybox awk (the curl image has no JSON tool): JSON is read by json_flat.
set -eu
DATA=${1:-/scripts/arr-wiring.json}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
FAILED=0

log() { echo "arr-wiring: $*"; }
fail() {
  log "ERROR: $*"
  FAILED=1
}

# JSON on stdin -> one `path<TAB>value` line per scalar (`[0].name`, `.apps[1].api`, ...), in
# POSIX awk (busybox, mawk, gawk). JSON strings never span lines, so each line is split on `"` on
# its own (escaped quotes and backslashes masked first): strings are never scanned char by char
# and the input is never concatenated, so large answers (root folders with thousands of unmapped
# folders) stay linear. Only the escapes \" and \\ are decoded.
json_flat() {
  awk '
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
END { lit() }'
}

# ─── the data ───────────────────────────────────────────────────────────────────────────────

if ! json_flat < "$DATA" > "$TMP/data"; then
  log "ERROR: cannot read the wiring data $DATA"
  exit 1
fi

# The variables whose values never reach the log: every key, URL and token the data names.
MASKED=$(awk -F '\t' '$1 ~ /[.]keyEnv$|[.](secrets|urls)[[][0-9]+[]]$|[.]skipWithout[.]env$/ && $2 ~ /^[A-Z][A-Z0-9_]*$/ { printf "%s ", $2 }' "$TMP/data")

# get PATH: the value at PATH in the data ('' when absent).
get() {
  awk -F '\t' -v p="$1" '$1 == p { print $2; exit }' "$TMP/data"
}

# count PATH: the number of elements of the array at PATH (0 when absent).
count() {
  awk -F '\t' -v p="$1[" 'index($1, p) == 1 { r = substr($1, length(p) + 1); sub(/[]].*/, "", r); if (r + 1 > n) n = r + 1 } END { print n + 0 }' "$TMP/data"
}

# The awk function both masking and rendering use: swap(s, from, to) replaces every `from` in
# `s` by `to` literally (index/substr: no regex, no "&" in a replacement string); an empty `from`
# changes nothing.
AWK_SWAP='function swap(s, from, to,  i, out) { out = ""; while (from != "" && (i = index(s, from)) > 0) { out = out substr(s, 1, i - 1) to; s = substr(s, i + length(from)) } return out s }
'

# ─── the APIs ───────────────────────────────────────────────────────────────────────────────

# api METHOD URL KEY [BODY]: sets STATUS; the answer is in $TMP/body. The key goes to curl in a
# header file (printf is a builtin), never on its command line, where the process list shows it.
api() {
  printf 'X-Api-Key: %s\n' "$3" > "$TMP/key-header"
  if [ $# -ge 4 ]; then
    STATUS=$(printf '%s' "$4" | curl -q -sS -o "$TMP/body" -w '%{http_code}' --max-time 60 -X "$1" \
      -H @"$TMP/key-header" -H 'Content-Type: application/json' --data-binary @- "$2") || STATUS=000
  else
    STATUS=$(curl -q -sS -o "$TMP/body" -w '%{http_code}' --max-time 60 -H @"$TMP/key-header" "$2") || STATUS=000
  fi
}

# list URL KEY NAME: GETs a list into $TMP/NAME (flattened); non-zero when it failed.
list() {
  api GET "$1" "$2"
  case "$STATUS" in
    200) json_flat < "$TMP/body" > "$TMP/$3" ;;
    *)
      fail "GET $1 answered HTTP $STATUS: $(answer 300)"
      return 1
      ;;
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

# answer [BYTES]: the start of the last answer for a log line (500 bytes), with the value of every
# variable the data names (API keys, URLs, tokens: $MASKED) and every URL outside the cluster
# replaced by [masked] before it is cut: an Arr's validation error echoes what it was sent
# (attemptedValue), in JSON that escapes & ' + < > ` as \u00XX, which is decoded first.
answer() {
  [ -f "$TMP/body" ] || return 0
  MASKED="$MASKED" awk "$AWK_SWAP"'
    BEGIN {
      n = split(ENVIRON["MASKED"], names, " "); hex = "0123456789abcdef"
      # Longest first: a value inside another (a key in a URL) must not leave the rest of that one.
      for (k = 1; k <= n; k++) { v = ENVIRON[names[k]]; for (j = k - 1; j >= 1 && length(secret[j]) < length(v); j--) secret[j + 1] = secret[j]; secret[j + 1] = v }
    }
    {
      s = $0
      # \u0020-\u007e back to the character (either case of hex digits).
      out = ""
      while (match(s, /\\u00[2-7][0-9A-Fa-f]/)) {
        c = 16 * (index(hex, tolower(substr(s, RSTART + 4, 1))) - 1) + index(hex, tolower(substr(s, RSTART + 5, 1))) - 1
        out = out substr(s, 1, RSTART - 1) (c < 127 ? sprintf("%c", c) : substr(s, RSTART, 6))
        s = substr(s, RSTART + 6)
      }
      s = out s
      for (k = 1; k <= n; k++) s = swap(s, secret[k], "[masked]")
      # Any URL outside the cluster too: an Arr echoes the URL it rebuilt (a webhook failure says
      # "at [<url>]" without an empty query, "//" collapsed), which no exact match finds.
      out = ""
      while (match(s, /https?:\/\/[^] \t"<>\\[]+/)) {
        u = substr(s, RSTART, RLENGTH); h = u
        sub(/^https?:\/\//, "", h); sub(/[\/:?#].*$/, "", h)
        out = out substr(s, 1, RSTART - 1) (h ~ /[.]svc([.]cluster[.]local)?$/ ? u : "[masked]")
        s = substr(s, RSTART + RLENGTH)
      }
      print out s
    }' "$TMP/body" | head -c "${1:-500}"
}

# create WHAT URL KEY BODY
create() {
  api POST "$2" "$3" "$4"
  case "$STATUS" in
    2??) log "$1: created" ;;
    *) fail "$1: not created, HTTP $STATUS: $(answer)" ;;
  esac
}

# read_var VAR: sets v to the value of the variable VAR names ('' when unset); non-zero when VAR
# is no variable name the data may use (upper case, digits, '_').
read_var() {
  v=''
  case "$1" in '' | *[!A-Z0-9_]*) return 1 ;; esac
  eval "v=\${$1-}"
}

# need_key VAR: the variable holds a plain token (keys are pasted into JSON bodies).
need_key() {
  if ! read_var "$1"; then
    fail "the wiring data names no valid key variable: '$1'"
    return 1
  fi
  case "$v" in
    '' | *[!A-Za-z0-9._-]*)
      fail "$1 is empty or not a plain API key or token (letters, digits, '.', '_', '-')"
      return 1
      ;;
  esac
}

# need_url VAR: the variable holds an http(s) URL of characters that are safe in a JSON string
# (no quote, backslash, space or control character) and without "@@" (the placeholder mark).
need_url() {
  if ! read_var "$1"; then
    fail "the wiring data names no valid URL variable: '$1'"
    return 1
  fi
  case "$v" in
    http://?* | https://?*) ;;
    *)
      fail "$1 is empty or not an http(s) URL"
      return 1
      ;;
  esac
  case "$v" in
    *@@* | *[!A-Za-z0-9._~:/?#@!\$\&\'\(\)*+,\;=%-]*)
      fail "$1 holds a character a URL here must not have (allowed: letters, digits and . _ ~ : / ? # @ ! \$ & ' ( ) * + , ; = % -; no \"@@\")"
      return 1
      ;;
  esac
}

# env_set VAR: the variable (a valid name) is set and not empty.
env_set() {
  read_var "$1" && [ -n "$v" ]
}

# render BODY: "@@NAME@@" replaced by the ids in $IDS ("NAME=1 NAME=2"), then @@NAME@@ by the
# variables in $SECRETS (names; values from the environment, never on a command line).
render() {
  printf '%s\n' "$1" | IDS="$IDS" SECRETS="$SECRETS" awk "$AWK_SWAP"'
    {
      s = $0
      n = split(ENVIRON["IDS"], ids, " ")
      for (k = 1; k <= n; k++) { eq = index(ids[k], "="); s = swap(s, "\"@@" substr(ids[k], 1, eq - 1) "@@\"", substr(ids[k], eq + 1)) }
      n = split(ENVIRON["SECRETS"], names, " ")
      for (k = 1; k <= n; k++) s = swap(s, "@@" names[k] "@@", ENVIRON[names[k]])
      if (index(s, "@@")) exit 1
      print s
    }'
}

# ─── lookups (ids the body needs) ───────────────────────────────────────────────────────────

# tag_id LABEL: sets ID to the id of the tag LABEL, created when missing; non-zero when it failed.
tag_id() {
  list "$APP_API/tag" "$APP_KEY" tags || return 1
  ID=$(awk -F '\t' -v label="$1" '$1 ~ /^[[][0-9]+[]][.]label$/ && $2 == label { k = $1; sub(/label$/, "id", k); want = k } { v[$1] = $2 } END { if (want != "") print v[want] }' "$TMP/tags")
  if [ -z "$ID" ]; then
    api POST "$APP_API/tag" "$APP_KEY" "{\"label\":\"$1\"}"
    ID=$(json_flat < "$TMP/body" | awk -F '\t' '$1 == ".id" { print $2 }')
    case "$STATUS" in 2??) log "$APP: tag $1: created" ;; esac
  fi
  case "$ID" in
    '' | *[!0-9]*)
      fail "$APP: tag $1: not created, HTTP $STATUS"
      return 1
      ;;
  esac
}

# first_id RESOURCE EXCEPT: sets ID to the id of the first listed entry not named EXCEPT.
first_id() {
  list "$APP_API/$1" "$APP_KEY" lookup || return 1
  ID=$(awk -F '\t' -v skip="$2" '
    $1 ~ /^[[][0-9]+[]][.](id|name)$/ { i = $1; sub(/^[[]/, "", i); sub(/[]].*/, "", i); f = $1; sub(/^.*[.]/, "", f); v[i, f] = $2; if (i + 1 > n) n = i + 1 }
    END { for (i = 0; i < n; i++) if (skip == "" || v[i, "name"] != skip) { print v[i, "id"]; exit } }' "$TMP/lookup")
  case "$ID" in
    '' | *[!0-9]*)
      fail "$WHAT: not created: $APP has no $1 to use"
      return 1
      ;;
  esac
}

# ─── entries, collections, apps ─────────────────────────────────────────────────────────────

# present ENTRY: a listed entry ($TMP/listing) matches one of the entry's rules.
present() {
  m=0
  nm=$(count "$1.match")
  while [ "$m" -lt "$nm" ]; do
    re=$(get "$1.match[$m].regex")
    prop=$(get "$1.match[$m].property")
    if [ -n "$prop" ]; then
      if top_has listing "$prop" "$re"; then return 0; fi
    elif field_has listing "$(get "$1.match[$m].field")" "$re"; then
      return 0
    fi
    m=$((m + 1))
  done
  return 1
}

# take_values LIST SHAPE: every variable the data LIST names holds a value of SHAPE (key: need_key,
# url: need_url) and joins $SECRETS, the variables render pastes; non-zero at the first that does not.
take_values() {
  t=0
  nt=$(count "$1")
  while [ "$t" -lt "$nt" ]; do
    name=$(get "$1[$t]")
    case "$2" in
      url) need_url "$name" || return 1 ;;
      *) need_key "$name" || return 1 ;;
    esac
    SECRETS="$SECRETS $name"
    t=$((t + 1))
  done
}

# wire_entry ENTRY: creates the entry unless it is present.
wire_entry() {
  WHAT="$APP: $(get "$1.what")"
  dir=$(get "$1.folder.path")
  if [ -n "$dir" ]; then
    if [ "$(get "$1.folder.create")" = true ]; then
      if ! mkdir -p "$dir"; then
        fail "cannot create $dir"
        return 0
      fi
    elif [ ! -d "$dir" ]; then
      log "$WHAT skipped: $(get "$1.folder.ifMissing")"
      return 0
    fi
  fi
  if present "$1"; then
    log "$WHAT: present"
    return 0
  fi
  # A value another app fills in later (e.g. a token): the entry waits while it is empty.
  wait_env=$(get "$1.skipWithout.env")
  if [ -n "$wait_env" ] && ! env_set "$wait_env"; then
    log "$WHAT skipped: $(get "$1.skipWithout.why")"
    return 0
  fi
  SECRETS=''
  take_values "$1.secrets" key || return 0
  take_values "$1.urls" url || return 0
  IDS=''
  l=0
  nl=$(count "$1.lookups")
  while [ "$l" -lt "$nl" ]; do
    tag=$(get "$1.lookups[$l].tag")
    if [ -n "$tag" ]; then
      tag_id "$tag" || return 0
    else
      first_id "$(get "$1.lookups[$l].resource")" "$(get "$1.lookups[$l].except")" || return 0
    fi
    IDS="$IDS $(get "$1.lookups[$l].placeholder")=$ID"
    l=$((l + 1))
  done
  if ! body=$(render "$(get "$1.body")"); then
    fail "$WHAT: the wiring data leaves a placeholder in the body unfilled"
    return 0
  fi
  create "$WHAT" "$COLLECTION_URL$CREATE_QUERY" "$APP_KEY" "$body"
  case "$STATUS" in
    2??)
      note=$(get "$1.note")
      if [ -n "$note" ]; then log "$APP: $note"; fi
      ;;
  esac
}

# wire_collection COLLECTION: lists it once, then each entry.
wire_collection() {
  COLLECTION_URL="$APP_API/$(get "$1.resource")"
  CREATE_QUERY=$(get "$1.createQuery")
  list "$COLLECTION_URL" "$APP_KEY" listing || return 0
  e=0
  ne=$(count "$1.entries")
  while [ "$e" -lt "$ne" ]; do
    wire_entry "$1.entries[$e]"
    e=$((e + 1))
  done
}

a=0
na=$(count .apps)
while [ "$a" -lt "$na" ]; do
  APP=$(get ".apps[$a].instance")
  APP_API=$(get ".apps[$a].api")
  key_env=$(get ".apps[$a].keyEnv")
  if need_key "$key_env"; then
    eval "APP_KEY=\${$key_env}"
    c=0
    nc=$(count ".apps[$a].collections")
    while [ "$c" -lt "$nc" ]; do
      wire_collection ".apps[$a].collections[$c]"
      c=$((c + 1))
    done
  fi
  a=$((a + 1))
done

exit "$FAILED"
