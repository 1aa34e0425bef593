"""Failback's import guard: the init step of every descheduler run (src/apps/descheduler).

Asks each Sonarr/Radarr instance's queue (GET /api/v3/queue) whether an import is pending or
running. While one is, it writes the hold policy (no profile: the descheduler evicts nothing
this run); otherwise the failback policy. An instance that does not answer fails the step, so
the descheduler does not run at all (an unknown queue is not a quiet one) and the Job shows it.
"""

import os

import setup_lib

PAGE_SIZE = 100


def busy_items(job: setup_lib.Job, instance: dict, states: list) -> list:
    api = setup_lib.Api(job, instance["api"], {"X-Api-Key": setup_lib.secret(instance["keyEnv"])})
    found = []
    page = 1
    while True:
        body = api.get_json("/queue", query={"page": page, "pageSize": PAGE_SIZE})
        records = body.get("records") or []
        for r in records:
            state = r.get("trackedDownloadState")
            if state in states:
                found.append(f"{instance['instance']}: {r.get('title', '?')} ({state})")
        if not records or page * PAGE_SIZE >= int(body.get("totalRecords") or 0):
            return found
        page += 1


def write(path: str, text: str) -> None:
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def main(job: setup_lib.Job, data: dict) -> None:
    busy = []
    for instance in data["instances"]:
        busy += busy_items(job, instance, data["busyStates"])
    if busy:
        for item in busy:
            job.log(f"import in progress: {item}")
        job.log("skipping this run: the descheduler evicts nothing until the imports are done")
        write(data["out"], data["holdPolicy"])
        return
    with open(data["policy"], encoding="utf-8") as f:
        write(data["out"], f.read())
    job.log(f"no import pending or running in {', '.join(i['instance'] for i in data['instances'])}: failback may evict")


setup_lib.run("import-guard", main)
