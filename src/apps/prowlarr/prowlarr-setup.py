"""media-stack prowlarr-setup (src/apps/prowlarr/prowlarr-setup.py), run by the prowlarr-setup CronJob.

Adds the config's indexers to Prowlarr through its API (v1): an indexer is present when Prowlarr
has one of the same definition (`definitionName`), whatever its name and settings now, so an
indexer the operator renamed or edited is kept as it is. A missing one is created from its
template in GET /indexer/schema (what Prowlarr's "Add indexer" dialog starts from): its name,
the first app profile, the priority, the tags (created when missing) and the credentials, whose
values come from environment variables (secretKeyRefs) named by the data document.
"""

import difflib

import setup_lib

JOB = "prowlarr-setup"


def tag_ids(job, api, labels, cache):
    """The ids of the tags `labels`, each created when Prowlarr has none of that label."""
    if "tags" not in cache:
        cache["tags"] = {t["label"].lower(): t["id"] for t in api.get_json("/tag")}
    ids = []
    for label in labels:
        if label not in cache["tags"]:
            answer = api.call("POST", "/tag", json_body={"label": label})
            if not answer.ok:
                raise setup_lib.SetupError(f"tag {label}: not created, {answer.describe()}")
            cache["tags"][label] = answer.json()["id"]
            job.log(f"tag {label}: created")
        ids.append(cache["tags"][label])
    return ids


def template_of(api, definition, cache):
    """The schema entry of `definition` (compared without regard to case)."""
    if "schema" not in cache:
        cache["schema"] = api.get_json("/indexer/schema")
    for entry in cache["schema"]:
        if (entry.get("definitionName") or "").lower() == definition.lower():
            return entry
    names = [e.get("definitionName") or "" for e in cache["schema"]]
    close = difflib.get_close_matches(definition, names, n=3)
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    raise setup_lib.SetupError(
        f"indexer {definition}: Prowlarr has no definition {definition!r}{hint}: "
        "fix apps.prowlarr.indexers[].definition (Prowlarr's definitionName, see Indexers › Add)"
    )


def indexer_body(job, api, wanted, cache):
    """The POST body for `wanted`: its template with the config's settings filled in."""
    body = dict(template_of(api, wanted["definition"], cache))
    fields = [dict(f) for f in body.get("fields", [])]
    by_name = {f["name"]: f for f in fields}
    for field_name, ref in wanted.get("secrets", {}).items():
        if field_name not in by_name:
            raise setup_lib.SetupError(
                f"indexer {wanted['definition']}: its settings have no field {field_name!r} "
                f"(they are {', '.join(sorted(by_name))}): fix apps.prowlarr.indexers[].secrets"
            )
        value = setup_lib.secret(ref["env"], optional=True)
        if not value:
            raise setup_lib.SetupError(
                f"indexer {wanted['definition']}: the credential {field_name} is empty: "
                f"put it into the key {ref['key']} of the Secret {ref['secret']} (docs/secrets.md)"
            )
        by_name[field_name]["value"] = value
    if "profiles" not in cache:
        cache["profiles"] = api.get_json("/appprofile")
    if not cache["profiles"]:
        raise setup_lib.SetupError("Prowlarr lists no app profile (Settings › Profiles): add one")
    body.update(
        {
            "name": wanted.get("name") or body["name"],
            "enable": True,
            "appProfileId": cache["profiles"][0]["id"],
            "priority": wanted.get("priority") or body.get("priority") or 25,
            "tags": tag_ids(job, api, wanted.get("tags", []), cache),
            "fields": fields,
        }
    )
    # Templates come with presets; an indexer has none.
    body.pop("presets", None)
    return body


def main(job, data):
    api = setup_lib.Api(job, data["api"], {"X-Api-Key": setup_lib.secret(data["keyEnv"])})
    # Every credential is read first, so each is masked in every line, whatever answer echoes it.
    for wanted in data["indexers"]:
        for ref in wanted.get("secrets", {}).values():
            setup_lib.secret(ref["env"], optional=True)
    existing = api.get_json("/indexer")
    present = {(i.get("definitionName") or "").lower(): i["name"] for i in existing}
    cache = {}
    for wanted in data["indexers"]:
        what = f"indexer {wanted['definition']}"
        have = present.get(wanted["definition"].lower())
        if have is not None:
            renamed = have.lower() not in (wanted.get("name", "").lower(), wanted["definition"].lower())
            job.log(f"{what}: present" + (f" (as {have})" if renamed else ""))
            continue
        try:
            body = indexer_body(job, api, wanted, cache)
        except setup_lib.SetupError as e:
            # One indexer's problem does not stop the others.
            job.fail(str(e))
            continue
        # forceSave: Prowlarr's warnings do not block; a failing connection test still does.
        setup_lib.ensure(job, f"{what} ({body['name']})", False, lambda: api.call("POST", "/indexer", query={"forceSave": "true"}, json_body=body))


setup_lib.run(JOB, main)
