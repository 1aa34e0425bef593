"""plex-token: copies the claimed server's token into the Secret its clients read.

A sidecar of the Plex pod (it reads the RWO config volume where Plex runs). Plex keeps its token
as the PlexOnlineToken attribute of Preferences.xml once the server is claimed; this loop writes
it as key `token` of the Secret named in the data (Flux creates it empty once and never applies
it again, annotation kustomize.toolkit.fluxcd.io/ssa: IfNotPresent) whenever the Secret's value
differs, e.g. after a new claim. Its ServiceAccount may only get and patch that one Secret.
The token never appears in a log line.
"""

import base64
import json
import os
import ssl
import sys
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET

import setup_lib
from setup_lib import SetupError

SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"


def server_token(preferences: str) -> str:
    """PlexOnlineToken from Preferences.xml; '' while the server is unclaimed (or not started yet)."""
    try:
        root = ET.parse(preferences).getroot()
    except FileNotFoundError:
        return ""
    except ET.ParseError as e:
        raise SetupError(f"{preferences} is not readable XML ({e}); Plex may be writing it, next round")
    return root.get("PlexOnlineToken", "")


def mask(token: str) -> None:
    """The token and its base64 form (the Secret's data) are masked in every log line."""
    setup_lib._SECRETS.extend([token, base64.b64encode(token.encode()).decode()])  # noqa: SLF001 (the library's redaction list)


def merge_patch(api, path: str, body: dict) -> setup_lib.Response:
    """A JSON merge patch (setup_lib's JSON bodies are application/json, which PATCH refuses)."""
    headers = {**api.headers, "Accept": "application/json", "Content-Type": "application/merge-patch+json"}
    req = urllib.request.Request(api.base + path, data=json.dumps(body).encode("utf-8"), method="PATCH", headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=60) as answer:
            return setup_lib.Response(answer.status, answer.read())
    except urllib.error.HTTPError as e:
        return setup_lib.Response(e.code, e.read() if e.fp else b"")
    except (urllib.error.URLError, OSError) as e:
        return setup_lib.Response(0, b"", str(getattr(e, "reason", e)))


def write_once(job, data, state: dict) -> None:
    token = server_token(data["preferences"])
    if not token:
        if state.get("last") != "unclaimed":
            job.log(f"no PlexOnlineToken in {data['preferences']} yet: the server is not claimed, waiting")
        state["last"] = "unclaimed"
        return
    mask(token)
    with open(data.get("tokenFile", f"{SA_DIR}/token"), encoding="utf-8") as f:
        api = setup_lib.Api(job, data["apiServer"], {"Authorization": f"Bearer {f.read().strip()}"})
    path = f"/api/v1/namespaces/{data['namespace']}/secrets/{data['secret']}"
    secret = api.get_json(path)
    current = base64.b64decode((secret.get("data") or {}).get(data["key"], "")).decode("utf-8", "replace")
    if current == token:
        if state.get("last") != "same":
            job.log(f"Secret {data['secret']} key {data['key']} holds the server's token")
        state["last"] = "same"
        return
    body = {"data": {data["key"]: base64.b64encode(token.encode()).decode()}}
    answer = merge_patch(api, path, body)
    if not answer.ok:
        raise SetupError(f"PATCH Secret {data['secret']}: {answer.describe()}")
    job.log(f"Secret {data['secret']} key {data['key']}: {'written' if not current else 'updated (the server has a new token)'}")
    state["last"] = "same"


def main(job, data) -> None:
    ca = data.get("caFile", f"{SA_DIR}/ca.crt")
    if data["apiServer"].startswith("https://"):
        # setup_lib's requests go through the default opener: trust the cluster's CA there.
        urllib.request.install_opener(urllib.request.build_opener(urllib.request.HTTPSHandler(context=ssl.create_default_context(cafile=ca))))
    once = os.environ.get("PLEX_TOKEN_ONCE") == "1"
    state: dict = {}
    while True:
        try:
            write_once(job, data, state)
        except SetupError as e:
            if once:
                raise
            job.log(f"ERROR: {e} (next round in {data['intervalSeconds']}s)")
            state["last"] = "error"
        if once:
            return
        # The liveness probe: a fresh file after every round.
        with open(data["heartbeat"], "w", encoding="utf-8") as f:
            f.write(str(int(time.time())))
        sys.stdout.flush()
        time.sleep(data["intervalSeconds"])


setup_lib.run("plex-token", main)
