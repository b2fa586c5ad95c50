"""Checking a standing sign-off's seal, allowing for a documented retention redaction.

A seal's manifest names the learner by username. Once retention has pseudonymised a learner
(an audit record of kind RETENTION says so), the rebuilt manifest would name the pseudonym:
for those learners only, the username the seal was made with is put back before comparing, so
every judgement, version and file hash is still checked and nothing else is excused.
"""

from assessments.signoff import manifest_digest, sign_off_manifest, sign_off_verify


def seal_check(sign_off, pseudonymised_ids):
    """(intact, differences) as sign_off_verify gives them."""
    if sign_off.enrolled_unit.enrolment.learner_id not in pseudonymised_ids:
        return sign_off_verify(sign_off)
    covered = sign_off.covered
    current = sign_off_manifest(sign_off.enrolled_unit, manifest_format=covered.get("format", 1))
    current["learner"] = covered.get("learner")
    if manifest_digest(covered) != sign_off.digest:
        return False, ["The stored record of what was signed no longer matches its digest."]
    if manifest_digest(current) != sign_off.digest:
        return False, ["The judgements or evidence have changed since signing."]
    return True, []
