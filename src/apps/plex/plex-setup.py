"""plex-setup: Plex's first setup through its HTTP API, with the claimed server's own token.

The data document (plex-setup.json, built by src/apps/plex/setup.ts) lists the server, the
environment variable with the token (Secret plex-token, filled by the token writer once the
server is claimed), the preferences and the libraries. Endpoints and ids: docs/app-facts-verified.md
("Plex setup"). The rule: add what is missing, keep what the operator chose.

- A text preference is set only while Plex reports it empty (its default); any other value is
  the operator's and stays.
- A yes/no preference (hardware acceleration) is switched on only in the run that sets the
  transcoder directory, i.e. on a server whose transcoder settings were never touched; after
  that an "off" is the operator's choice.
- A library is present when a section of the same type has one of its folders (a renamed or
  extended library is kept); a missing one is added with the folders Plex can browse.
"""

import base64

import setup_lib
from setup_lib import SetupError, ensure

CLIENT_HEADERS = {"X-Plex-Client-Identifier": "media-stack-plex-setup", "X-Plex-Product": "media-stack plex-setup"}


def media_container(answer: dict, what: str) -> dict:
    container = answer.get("MediaContainer") if isinstance(answer, dict) else None
    if not isinstance(container, dict):
        raise SetupError(f"{what}: the answer has no MediaContainer")
    return container


def set_prefs(job, plex, prefs: list) -> None:
    # By id without regard to case (the open sources spell some ids with a lower first letter);
    # the PUT uses the server's own spelling.
    settings = {str(s.get("id", "")).lower(): s for s in media_container(plex.get_json("/:/prefs"), "GET /:/prefs").get("Setting", [])}
    changes = {}
    transcoder_fresh = False
    for pref in prefs:
        setting = settings.get(pref["id"].lower())
        if setting is None:
            job.fail(f"{pref['what']}: Plex has no preference {pref['id']} (a Plex version that renamed it?)")
            continue
        current = str(setting.get("value", ""))
        if pref.get("bool"):
            on = current.lower() in ("1", "true")
            if on:
                job.log(f"{pref['what']}: present")
            elif str(setting.get("default", "")).lower() in ("1", "true"):
                job.log(f"{pref['what']}: kept off (switched off on the server)")
            elif pref.get("withTranscoderDirectory") and transcoder_fresh:
                changes[setting["id"]] = "1"
            else:
                job.log(f"{pref['what']}: kept off (the transcoder was set up before; switch it on in Settings > Transcoder)")
            continue
        if current == pref["value"]:
            job.log(f"{pref['what']}: present")
        elif current:
            job.log(f"{pref['what']}: kept {current!r} (set on the server)")
        else:
            changes[setting["id"]] = pref["value"]
            if pref.get("transcoderDirectory"):
                transcoder_fresh = True
    if not changes:
        return
    changed = {i.lower() for i in changes}
    what = ", ".join(p["what"] for p in prefs if p["id"].lower() in changed)
    answer = plex.call("PUT", "/:/prefs", query=changes)
    if answer.ok:
        job.log(f"{what}: set")
    else:
        job.fail(f"{what}: not set, {answer.describe()}")


def browsable(plex, folder: str, listings: dict) -> bool:
    """Plex lists the folder in its parent (what python-plexapi's isBrowsable asks)."""
    parent = folder.rstrip("/").rsplit("/", 1)[0] or "/"
    if parent not in listings:
        key = base64.b64encode(parent.encode("utf-8")).decode("ascii")
        answer = plex.call("GET", f"/services/browse/{key}", query={"includeFiles": "0"})
        paths = media_container(answer.json(), f"browse {parent}").get("Path", []) if answer.ok else []
        listings[parent] = {p.get("path", "").rstrip("/") for p in paths}
    return folder.rstrip("/") in listings[parent]


def add_libraries(job, plex, libraries: list) -> None:
    sections = media_container(plex.get_json("/library/sections"), "GET /library/sections").get("Directory", [])
    listings: dict = {}
    for lib in libraries:
        what = f"library {lib['name']!r} ({lib['type']})"
        folders = [f.rstrip("/") for f in lib["folders"]]
        same = [s for s in sections if s.get("type") == lib["type"] and any(loc.get("path", "").rstrip("/") in folders for loc in s.get("Location", []))]
        if same:
            job.log(f"{what}: present as {same[0].get('title')!r}")
            continue
        found = [f for f in folders if browsable(plex, f, listings)]
        if not found:
            job.log(f"{what}: waiting, Plex sees none of {', '.join(folders)} yet (next run)")
            continue
        query = [("name", lib["name"]), ("type", lib["type"]), ("agent", lib["agent"]), ("scanner", lib["scanner"]), ("language", lib["language"])]
        query += [("location", f) for f in found]
        missing = [f for f in folders if f not in found]
        created = ensure(job, what, False, lambda: plex.call("POST", "/library/sections", query=query))
        if created and missing:
            job.log(f"{what}: without {', '.join(missing)} (not there yet; add it in the library's settings)")


def main(job, data) -> None:
    token = setup_lib.secret(data["tokenEnv"], optional=True)
    if not token:
        job.log(f"the Plex token ({data['tokenSecret']}) is empty: the server is not claimed yet, nothing to do")
        return
    plex = setup_lib.Api(job, data["server"], {"X-Plex-Token": token, **CLIENT_HEADERS})
    plex.wait_ready("/identity", attempts=data.get("readyAttempts", 30), delay=data.get("readyDelay", 10))
    if data["prefs"]:
        set_prefs(job, plex, data["prefs"])
    if data["libraries"]:
        add_libraries(job, plex, data["libraries"])


setup_lib.run("plex-setup", main)
