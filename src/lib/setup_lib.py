"""media-stack setup jobs: the shared part (src/lib/setup_lib.py).

Every first-boot job (plex-setup, prowlarr-setup, ...) is a static Python script in its app's
folder that imports this module. What to set up is data: the JSON document whose path is the
script's first argument, built by the app's TypeScript. Secrets are never in the data: it names
the environment variables that hold them (secretKeyRef), and `secret()` reads them.

The rule every job follows: read what exists, add only what is missing, never change or delete
what is there (the operator's edits win). Standard library only (the job image is the official
python image) and Python 3.11+, so the tests run the same file with Debian's python3.
"""

import email.message
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

_SECRETS: list[str] = []


class Job:
    """Log lines prefixed with the job's name; failures counted, the exit code says if any."""

    def __init__(self, name: str):
        self.name = name
        self.failed = False

    def log(self, message: str) -> None:
        print(f"{self.name}: {redact(message)}", flush=True)

    def fail(self, message: str) -> None:
        self.log(f"ERROR: {message}")
        self.failed = True

    def done(self) -> None:
        sys.exit(1 if self.failed else 0)


def redact(text: str) -> str:
    """Every secret value read through secret() is masked in anything logged."""
    for value in _SECRETS:
        text = text.replace(value, "***")
    return text


def load_data() -> dict:
    """The job's data document (the script's first argument)."""
    if len(sys.argv) < 2:
        raise SystemExit("usage: <script> <data.json>")
    with open(sys.argv[1], encoding="utf-8") as f:
        return json.load(f)


def secret(env: str, *, optional: bool = False) -> str:
    """The value of the environment variable `env` (a secretKeyRef); masked in logs from now on."""
    value = os.environ.get(env, "")
    if not value and not optional:
        raise SetupError(f"the environment variable {env} is empty (its Secret key is missing)")
    if value:
        _SECRETS.append(value)
    return value


class SetupError(Exception):
    """A step that cannot go on; the message names what is missing."""


class Response:
    def __init__(self, status: int, body: bytes, error: str = "", headers=None):
        self.status = status
        self.body = body
        self.error = error
        # The answer's headers (an email.message.Message: get_all("Set-Cookie")); empty without an answer.
        self.headers = headers if headers is not None else email.message.Message()

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def json(self):
        try:
            return json.loads(self.body.decode("utf-8") or "null")
        except ValueError as e:
            raise SetupError(f"the answer is not JSON: {self.text(120)!r}") from e

    def text(self, limit: int = 300) -> str:
        return self.error or self.body.decode("utf-8", "replace")[:limit]

    def describe(self) -> str:
        return f"HTTP {self.status}: {self.text()}" if self.status else f"no answer: {self.error}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


# Form logins answer 303 with the session cookie: a caller that needs it reads the 303 itself.
_NO_REDIRECT = urllib.request.build_opener(_NoRedirect)


def request(method: str, url: str, *, headers: dict | None = None, query: dict | None = None, json_body=None, form: dict | None = None, timeout: float = 60, follow_redirects: bool = True) -> Response:
    """One HTTP request; never raises for an HTTP status or a connection failure (status 0).
    follow_redirects=False answers a redirect itself (status 3xx, its Location and Set-Cookie)."""
    if query:
        url += ("&" if "?" in url else "?") + urllib.parse.urlencode(query, doseq=True)
    data = None
    all_headers = {"Accept": "application/json", **(headers or {})}
    if json_body is not None:
        data = json.dumps(json_body).encode("utf-8")
        all_headers["Content-Type"] = "application/json"
    elif form is not None:
        data = urllib.parse.urlencode(form).encode("utf-8")
        all_headers["Content-Type"] = "application/x-www-form-urlencoded"
    req = urllib.request.Request(url, data=data, method=method, headers=all_headers)
    open_url = urllib.request.urlopen if follow_redirects else _NO_REDIRECT.open
    try:
        with open_url(req, timeout=timeout) as answer:
            return Response(answer.status, answer.read(), headers=answer.headers)
    except urllib.error.HTTPError as e:
        return Response(e.code, e.read() if e.fp else b"", headers=e.headers)
    except (urllib.error.URLError, OSError) as e:
        return Response(0, b"", str(getattr(e, "reason", e)))


class Api:
    """An app's API: a base URL and the headers every call sends (e.g. its key)."""

    def __init__(self, job: Job, base: str, headers: dict | None = None):
        self.job = job
        self.base = base.rstrip("/")
        self.headers = headers or {}

    def call(self, method: str, path: str, **kw) -> Response:
        return request(method, self.base + path, headers={**self.headers, **kw.pop("headers", {})}, **kw)

    def get_json(self, path: str, **kw):
        """GET path as JSON; a SetupError naming the call when it fails."""
        answer = self.call("GET", path, **kw)
        if not answer.ok:
            raise SetupError(f"GET {path}: {answer.describe()}")
        return answer.json()

    def wait_ready(self, path: str, *, attempts: int = 30, delay: float = 10) -> None:
        """Until GET path answers 2xx (the app may still be starting after a deployment)."""
        for attempt in range(attempts):
            answer = self.call("GET", path)
            if answer.ok:
                return
            if attempt + 1 < attempts:
                time.sleep(delay)
        raise SetupError(f"{self.base}{path} is not ready: {answer.describe()}")


def ensure(job: Job, what: str, present: bool, create) -> bool:
    """Adds `what` with create() (a Response) unless present; True when it was created."""
    if present:
        job.log(f"{what}: present")
        return False
    answer = create()
    if answer.ok:
        job.log(f"{what}: created")
        return True
    job.fail(f"{what}: not created, {answer.describe()}")
    return False


def run(name: str, main) -> None:
    """Runs main(job, data); a SetupError ends the job with its message and exit code 1."""
    job = Job(name)
    try:
        main(job, load_data())
    except SetupError as e:
        job.fail(str(e))
    job.done()
