"""The learner's audit extract in the manifest: each record's hashed content exactly as the
audit app hashes it (audit/chain.py), so a reader can check every record's own hash, with the
actor's username and the personal details kept apart from the hash. Client addresses are left
out: they locate people, and the extract travels to another centre."""

from people.models import User


def records_as_json(records):
    from audit.chain import hashed_content

    records = list(records)
    usernames = dict(
        User.objects.filter(pk__in={r.actor_id for r in records if r.actor_id}).values_list(
            "pk", "username"
        )
    )
    extract = []
    for record in records:
        personal = getattr(record, "personal", None)
        extract.append(
            {
                "hashed": hashed_content(record),
                "record_hash": record.record_hash,
                "kind": record.kind,
                "actor": usernames.get(record.actor_id),
                "actor_name": personal.actor_name if personal else "",
                "object_name": personal.object_name if personal else "",
                "detail": personal.detail if personal else "",
            }
        )
    return extract
