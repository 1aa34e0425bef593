"""Decypharr's first run: registers its UI login from the generated Secret while none exists.

Decypharr v2.4 keeps the login in /app/auth.json (user name, bcrypt hash, API token); only its
own POST /register writes the hash, so the job registers through it. That route never checks
whether a user exists, so the job registers only while the API answers 401 "Authentication
setup required" (no user yet) and otherwise leaves the login, whoever set it, as it is.
"""

import setup_lib

# What Decypharr's auth middleware answers an API call while auth is on and no user exists.
NO_USER_YET = "Authentication setup required"


def login_state(api: setup_lib.Api) -> tuple[str, str]:
    """(state, detail) from an unauthenticated API call: its setup check runs before its auth check."""
    answer = api.call("GET", "/api/arrs")
    if answer.ok:
        return "auth-off", ""
    if answer.status == 503:
        return "setup-incomplete", str(answer.json().get("error", answer.text()))
    if answer.status == 401:
        error = str(answer.json().get("error", ""))
        return ("no-user" if error == NO_USER_YET else "user"), error
    raise setup_lib.SetupError(f"GET /api/arrs: {answer.describe()}")


def main(job: setup_lib.Job, data: dict) -> None:
    user = data["user"]
    password = setup_lib.secret(data["passwordEnv"])
    api = setup_lib.Api(job, data["url"])
    api.wait_ready("/version", attempts=data["wait"]["attempts"], delay=data["wait"]["delaySeconds"])
    state, detail = login_state(api)
    if state == "setup-incomplete":
        job.log(f"login: not registered yet, Decypharr's setup is incomplete ({detail}): put the provider credentials into {data['providerSecret']}; the next run registers it")
        return
    if state == "auth-off":
        job.log("login: Decypharr's auth is off (use_auth false), nothing to register")
        return
    if state == "user":
        job.log("login: present (a user is registered; kept as it is)")
        return
    answer = api.call("POST", "/register", form={"username": user, "password": password, "confirmPassword": password}, follow_redirects=False)
    # It answers 303 whether or not it saved the login: the API says whether a user exists now.
    after, detail = login_state(api)
    if after == "user":
        job.log(f"login {user}: registered (password: {data['passwordSecret']})")
    else:
        job.fail(f"login {user}: not registered, POST /register {answer.describe()}; the API still answers {detail!r}")


if __name__ == "__main__":
    setup_lib.run("decypharr-setup", main)
