"""Profilarr's first run: the admin account from the generated Secret, then the Sonarr/Radarr
connections with the API keys from the Arrs' own Secrets.

Profilarr v2 has no JSON API for either: both are SvelteKit form actions (POST /auth/setup,
POST /arr/new) behind its CSRF check, which compares the Origin header with its ORIGIN. The
job signs in with the account it created (POST /auth/login answers 303 with the `session`
cookie), lists the connections through GET /api/v1/arr, adds the missing ones and signs out.
"""

import time
import urllib.parse

import setup_lib

SESSION = "session"


def session_cookie(answer: setup_lib.Response) -> str:
    """The `session` cookie a form login's 303 sets ('' when none)."""
    for header in (answer.headers.get_all("Set-Cookie") or []) if answer.headers else []:
        name, _, rest = header.partition("=")
        if name.strip() == SESSION:
            return rest.split(";", 1)[0]
    return ""


def redirected_to(answer: setup_lib.Response, path: str) -> bool:
    """A form action's success: 303 to `path` (relative or absolute Location)."""
    location = answer.headers.get("Location", "") if answer.headers else ""
    return answer.status == 303 and urllib.parse.urlsplit(location).path == path


def form(api: setup_lib.Api, path: str, fields: dict, cookie: str = "") -> setup_lib.Response:
    headers = {"Cookie": f"{SESSION}={cookie}"} if cookie else {}
    return api.call("POST", path, form=fields, headers=headers, follow_redirects=False)


def wait_for_setup_page(api: setup_lib.Api, wait: dict) -> setup_lib.Response:
    """GET /auth/setup: 200 while no account exists, 303 once one does (the app may still be starting)."""
    for attempt in range(wait["attempts"]):
        answer = api.call("GET", "/auth/setup", follow_redirects=False)
        if answer.status:
            return answer
        if attempt + 1 < wait["attempts"]:
            time.sleep(wait["delaySeconds"])
    raise setup_lib.SetupError(f"{api.base}/auth/setup is not ready: {answer.describe()}")


def main(job: setup_lib.Job, data: dict) -> None:
    user = data["user"]
    password = setup_lib.secret(data["passwordEnv"])
    # Every form action checks the Origin against ORIGIN (Profilarr rewrites the request URL to it).
    api = setup_lib.Api(job, data["url"], headers={"Origin": data["origin"]})
    page = wait_for_setup_page(api, data["wait"])
    credentials = {"username": user, "password": password}
    if page.status == 200:
        if not data["account"]:
            job.log("admin account: none yet, and creating it is off (apps.profilarr.setup.account): open Profilarr to create it")
            return
        answer = form(api, "/auth/setup", {**credentials, "confirmPassword": password})
        cookie = session_cookie(answer)
        if not (redirected_to(answer, "/") and cookie):
            job.fail(f"admin account {user}: not created, POST /auth/setup {answer.describe()}")
            return
        job.log(f"admin account {user}: created (password: {data['passwordSecret']})")
    elif page.status in (302, 303):
        job.log("admin account: present (kept as it is)")
        if not data["arrs"]:
            return
        answer = form(api, "/auth/login", credentials)
        cookie = session_cookie(answer)
        if not (redirected_to(answer, "/") and cookie):
            job.log(f"connections: not checked, signing in as {user} with {data['passwordSecret']} failed ({answer.describe()}): the account was changed in Profilarr, so add them there")
            return
    else:
        raise setup_lib.SetupError(f"GET /auth/setup: {page.describe()}")
    try:
        add_connections(job, api, data["arrs"], cookie)
    finally:
        api.call("POST", "/auth/logout", headers={"Cookie": f"{SESSION}={cookie}"}, follow_redirects=False)


def add_connections(job: setup_lib.Job, api: setup_lib.Api, arrs: list, cookie: str) -> None:
    instances = api.get_json("/api/v1/arr", headers={"Cookie": f"{SESSION}={cookie}"})
    for arr in arrs:
        what = f"{arr['type']} connection {arr['name']}"
        # Same name or same target: an operator's edit (URL, key, name) is theirs to keep.
        if any(i.get("name") == arr["name"] or (i.get("type") == arr["type"] and i.get("url", "").rstrip("/") == arr["url"].rstrip("/")) for i in instances):
            job.log(f"{what}: present")
            continue
        key = setup_lib.secret(arr["apiKeyEnv"], optional=True)
        if not key:
            job.log(f"{what}: skipped, {arr['apiKeyEnv']} is empty ({arr['apiKeySecret']} not generated yet)")
            continue
        answer = form(api, "/arr/new", {"name": arr["name"], "type": arr["type"], "url": arr["url"], "api_key": key}, cookie)
        if redirected_to(answer, "/arr"):
            job.log(f"{what}: created")
        else:
            job.fail(f"{what}: not created, {answer.describe()}")


if __name__ == "__main__":
    setup_lib.run("profilarr-setup", main)
