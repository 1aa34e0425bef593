"""servarr-setup: the first UI user of every Servarr instance (src/apps/servarr/servarr-setup.py).

Sonarr, Radarr, Lidarr and Prowlarr require their Forms login from every address, and nobody can
sign in, or create a user in the UI, before one exists. Their API (with the API key) can:
GET <api>/config/host answers the whole host config with `username` empty while the Users table
has no user (HostConfigController.GetHostConfig: `user?.Username ?? string.Empty`); PUT
<api>/config/host/<id> with that config plus `username`, `password` and `passwordConfirmation`
creates it (SaveHostConfig → UserService.Upsert). An instance that has a user keeps it: the job
never sends a PUT there, so a user or password the operator set stays as it is.

The data (servarr-setup.json) lists the instances: their API base URL, the environment variables
of their API key and of the generated password, and the user name.
"""

import setup_lib


def first_user(job: setup_lib.Job, instance: dict) -> None:
    name = instance["instance"]
    api = setup_lib.Api(job, instance["api"], {"X-Api-Key": setup_lib.secret(instance["keyEnv"])})
    host = api.get_json("/config/host")
    if not isinstance(host, dict):
        raise setup_lib.SetupError(f"{name}: GET /config/host did not answer the host config")
    existing = (host.get("username") or "").strip()
    if existing:
        job.log(f"{name}: login user {existing}: present, kept")
        return
    password = setup_lib.secret(instance["passwordEnv"])
    user = instance["username"]
    # The whole config goes back unchanged: the PUT saves every field it carries.
    body = {**host, "username": user, "password": password, "passwordConfirmation": password}
    setup_lib.ensure(job, f"{name}: login user {user}", False, lambda: api.call("PUT", f"/config/host/{host.get('id') or 1}", json_body=body))


def main(job: setup_lib.Job, data: dict) -> None:
    for instance in data["instances"]:
        # One instance that does not answer yet must not keep the others without a user.
        try:
            first_user(job, instance)
        except setup_lib.SetupError as e:
            job.fail(str(e) if str(e).startswith(instance["instance"]) else f"{instance['instance']}: {e}")


setup_lib.run("servarr-setup", main)
