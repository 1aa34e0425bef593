"""pulsarr-setup: Pulsarr's first run (src/apps/pulsarr/pulsarr-setup.py).

1. The admin user. POST /v1/users/create-admin is open to anyone until an admin exists (it then
   answers 409), so the job claims it first with the generated password: it signs in
   (POST /v1/users/login, a session cookie) and only when that fails creates the admin. An admin
   it cannot sign in as is the operator's: kept, and nothing else is done.
2. The Sonarr/Radarr instances (GET/POST /v1/{sonarr,radarr}/instances). Pulsarr seeds its first
   instance of each from its environment (name, URL, API key, no root folder or quality profile);
   the job adds every missing instance and fills a seeded instance's empty root folder or quality
   profile from the Arr's own API. An instance is the same when its URL names the same Service and
   port; what is set there already (by the operator in the UI, or a second instance) is kept.
3. The Plex token: while Pulsarr has none and Plex's token Secret holds one, it is set through
   PUT /v1/config/config. An empty token means Plex is not claimed yet: skipped.
"""

import urllib.parse

import setup_lib
from setup_lib import Api, Job, SetupError, ensure, secret


def same_service(url: str, arr: dict) -> bool:
    """Whether `url` reaches the Arr's Service: its first host label and port (any namespace spelling)."""
    parts = urllib.parse.urlsplit(url.strip().lower())
    host = (parts.hostname or "").split(".")[0]
    return host == arr["instance"] and (parts.port or (443 if parts.scheme == "https" else 80)) == arr["port"]


def session(job: Job, pulsarr: Api, admin: dict) -> str | None:
    """The session cookie of the admin user, created first when none exists; None when the admin is someone else's."""
    password = secret(admin["passwordEnv"])
    credentials = {"email": admin["email"], "password": password}

    def login():
        answer = pulsarr.call("POST", "/v1/users/login", json_body=credentials)
        if answer.ok:
            cookies = [c.split(";", 1)[0] for c in answer.headers.get_all("Set-Cookie") or []]
            if not cookies:
                raise SetupError("POST /v1/users/login: signed in, but the answer sets no session cookie")
            return "; ".join(cookies)
        if answer.status == 401:
            return None
        raise SetupError(f"POST /v1/users/login: {answer.describe()}")

    cookie = login()
    if cookie:
        job.log(f"admin user {admin['email']}: present")
        return cookie
    created = pulsarr.call("POST", "/v1/users/create-admin", json_body={"email": admin["email"], "username": admin["username"], "password": password})
    if created.status == 409:
        job.log("an admin user exists that the generated password does not sign in as (yours): kept; add the instances and the Plex token in the UI")
        return None
    if not created.ok:
        raise SetupError(f"admin user {admin['email']}: not created, {created.describe()}")
    job.log(f"admin user {admin['email']}: created")
    cookie = login()
    if not cookie:
        raise SetupError(f"admin user {admin['email']}: created, but signing in with its password fails")
    return cookie


def profile_and_folder(job: Job, arr: dict) -> tuple[int | None, str | None]:
    """The Arr's first quality profile and first root folder (the streaming library when the wiring job added one)."""
    api = Api(job, arr["api"], {"X-Api-Key": secret(arr["keyEnv"])})
    profiles = api.get_json("/qualityprofile")
    folders = sorted((f for f in api.get_json("/rootfolder") if f.get("path")), key=lambda f: f.get("id", 0))
    profile = min((p["id"] for p in profiles if isinstance(p.get("id"), int)), default=None)
    return profile, folders[0]["path"] if folders else None


def instances(job: Job, pulsarr: Api, arrs: list) -> None:
    listed = {kind: pulsarr.get_json(f"/v1/{kind}/instances") for kind in sorted({a["kind"] for a in arrs})}
    for arr in arrs:
        kind = arr["kind"]
        what = f"{kind} instance {arr['instance']}"
        known = next((i for i in listed[kind] if same_service(i.get("baseUrl") or "", arr)), None)
        missing = [f for f in ("rootFolder", "qualityProfile") if known is None or known.get(f) in (None, "")]
        if known is not None and not missing:
            job.log(f"{what}: present")
            continue
        profile, folder = profile_and_folder(job, arr)
        if folder is None or profile is None:
            job.log(f"{what}: {arr['instance']} has no {'root folder' if folder is None else 'quality profile'} yet (the arr-wiring job adds the root folders): skipped until the next run")
            continue
        if known is not None:
            update = {"rootFolder": folder, "qualityProfile": profile}
            body = {f: update[f] for f in missing}
            ensure(job, f"{what}: {', '.join(f'{k} {v}' for k, v in body.items())}", False, lambda: pulsarr.call("PUT", f"/v1/{kind}/instances/{known['id']}", json_body=body))
            continue
        body = {
            "name": arr["instance"],
            "baseUrl": arr["url"],
            "apiKey": secret(arr["keyEnv"]),
            "qualityProfile": profile,
            "rootFolder": folder,
            "isDefault": False,
        }
        if ensure(job, what, False, lambda: pulsarr.call("POST", f"/v1/{kind}/instances", json_body=body)):
            listed[kind].append({**body, "id": 0})


def plex_token(job: Job, pulsarr: Api, env: str) -> None:
    token = secret(env, optional=True)
    if not token:
        job.log("Plex token: Plex is not claimed yet (its token Secret is empty): skipped until the next run")
        return
    config = pulsarr.get_json("/v1/config/config")
    tokens = (config or {}).get("config", {}).get("plexTokens") or []
    ensure(job, "Plex token", any(t for t in tokens), lambda: pulsarr.call("PUT", "/v1/config/config", json_body={"plexTokens": [token]}))


def main(job: Job, data: dict) -> None:
    pulsarr = Api(job, data["url"])
    pulsarr.wait_ready("/health", attempts=data.get("readyAttempts", 30))
    cookie = session(job, pulsarr, data["admin"])
    if cookie is None:
        return
    pulsarr.headers["Cookie"] = cookie
    if data.get("arrs"):
        instances(job, pulsarr, data["arrs"])
    if data.get("plexTokenEnv"):
        plex_token(job, pulsarr, data["plexTokenEnv"])


setup_lib.run("pulsarr-setup", main)
