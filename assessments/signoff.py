"""Signing a unit off, countersigning it and reopening it: the only place these rules live.

A sign-off stores `covered`, a manifest of everything the decision rests on, and `digest`, the
SHA-256 of that manifest in canonical JSON:

    sha256(json.dumps(covered, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
           .encode()).hexdigest()

The manifest names every judgement of the unit (outcome, rationale, methods, version) and, for
each item a judgement relies on, the VACSR checks, the item's latest frozen version (number,
title, a SHA-256 of its content, its files with their SHA-256) and the item's mappings to what
was judged with the assessor's decision on each. `sign_off_verify` rebuilds the manifest from
the database, so anything changed after signing shows, and the learner cannot countersign it.

The manifest has a format number, kept in it: format 1 (before mappings and version content
were covered) has none. A sign-off is verified in the format it was made in, so one made
before a format change still reads intact when nothing it covered has changed.

A sign-off is never edited or deleted: it ends by a recorded reopening, after which judgements
may change and the unit may be signed again. While it stands, the services refuse to change
what it covers (evidence.rules); a change made some other way breaks the seal.
"""

import datetime
import hashlib
import json
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Prefetch, Subquery
from django.utils import timezone
from django.utils.text import get_text_list

from audit.hooks import audited
from audit.models import AuditRecord
from credentials.services import credential_issue_on_countersign, credential_revoke
from evidence.models import EvidenceFile, EvidenceMapping, EvidenceVersion
from notifications.models import Notification
from notifications.services import notify
from people.versions import changes_portfolio, of_enrolled_unit, of_sign_off

from .judgements import VACSR, lock_enrolled_unit, unit_url
from .models import Judgement, UnitSignOff
from .selectors import judgements_for_unit, unit_assessment

ASSESSOR_DECLARATION = (
    "I confirm that the evidence is valid, authentic, current, sufficient and reliable, "
    "and that the learner has met every criterion of this unit."
)
LEARNER_DECLARATION = (
    "I confirm that the evidence is my own work and that I agree with this assessment."
)
ALREADY_SIGNED = (
    "This unit is already signed off. It can be signed again only after a recorded reopening."
)


# The manifest and its digest ---------------------------------------------------------------


def manifest_digest(covered):
    canonical = json.dumps(covered, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _iso(moment):
    return moment.astimezone(datetime.UTC).isoformat()


def _code(judgement):
    code = f"{judgement.criterion.outcome.number}.{judgement.criterion.number}"
    return f"{code} {judgement.part.letter}" if judgement.part_id else code


def _numeric_order(judgement):
    criterion, part = judgement.criterion, judgement.part
    return (criterion.outcome.number, criterion.number, part.letter if part else "")


MANIFEST_FORMAT = 2
MANIFEST_FORMATS = {1, 2}


def _version_content_digest(version):
    """A SHA-256 of what a frozen version says, apart from its files (covered one by one)."""
    return manifest_digest(
        {
            "title": version.title,
            "description": version.description,
            "activity_date": version.activity_date.isoformat(),
            "evidence_type": version.evidence_type,
            "assessment_method": version.assessment_method,
            "template": version.template,
            "typed_content": version.typed_content,
            "mappings": version.mappings,
            "declaration": version.declaration,
            "declared_by": version.declared_by_id,
            "declared_at": _iso(version.declared_at),
        }
    )


def _frozen_evidence(items, manifest_format):
    """{item pk: {title, version, files[, content]}}: two or three queries.

    The latest frozen version is what the learner declared, or the assessor's record as they
    saved it. Format 1 covered an assessor's record, which had no versions then, by the files of
    its working copy, and an item with no version at all is covered that way in any format.
    """
    by_working_copy = {pk for pk, item in items.items() if item.is_assessor_record}
    by_working_copy = by_working_copy if manifest_format == 1 else set()
    latest = EvidenceVersion.objects.filter(item=OuterRef("item")).order_by("-number")
    files = Prefetch("files", queryset=EvidenceFile.objects.order_by("pk"))
    versions = EvidenceVersion.objects.filter(
        item_id__in=[pk for pk in items if pk not in by_working_copy],
        pk=Subquery(latest.values("pk")[:1]),
    ).prefetch_related(files)
    frozen = {}
    for version in versions:
        frozen[version.item_id] = {
            "title": version.title,
            "version": version.number,
            "files": [(f.original_name, f.sha256) for f in version.files.all()],
        }
        if manifest_format >= 2:
            frozen[version.item_id]["content"] = _version_content_digest(version)
    unversioned = [pk for pk in items if pk not in frozen]
    if unversioned:
        working = defaultdict(list)
        for f in EvidenceFile.objects.filter(
            item_id__in=unversioned, removed_at__isnull=True
        ).order_by("pk"):
            working[f.item_id].append((f.original_name, f.sha256))
        for pk in unversioned:
            frozen[pk] = {"title": items[pk].title, "version": None, "files": working[pk]}
            if manifest_format >= 2:
                frozen[pk]["content"] = None
    return frozen


def _mapping_order(mapping):
    criterion, part = mapping.criterion, mapping.part
    return (criterion.outcome.number, criterion.number, part.letter if part else "")


def _relied_on_mappings(item_ids):
    """{(item pk, criterion pk): [mapping, ...]} in numeric order: one query."""
    mappings = EvidenceMapping.objects.filter(item_id__in=item_ids).select_related(
        "criterion__outcome", "part", "decided_by"
    )
    found = defaultdict(list)
    for mapping in sorted(mappings, key=_mapping_order):
        found[(mapping.item_id, mapping.criterion_id)].append(mapping)
    return found


def _mapping_entry(mapping):
    code = f"{mapping.criterion.outcome.number}.{mapping.criterion.number}"
    return {
        "code": f"{code} {mapping.part.letter}" if mapping.part_id else code,
        "decision": mapping.decision,
        "comment": mapping.decision_comment,
        "decided_by": mapping.decided_by.username if mapping.decided_by_id else None,
        "decided_at": _iso(mapping.decided_at) if mapping.decided_at else None,
    }


def sign_off_manifest(enrolled_unit, *, manifest_format=MANIFEST_FORMAT):
    """What a sign-off covers, as plain JSON-able data in numeric order: six or seven queries.

    `manifest_format` builds an older format, to verify a sign-off made in it.
    """
    unit = enrolled_unit.unit
    judgements = sorted(
        judgements_for_unit(enrolled_unit).select_related("criterion__outcome", "part"),
        key=_numeric_order,
    )
    items = {je.item_id: je.item for j in judgements for je in j.relied_on.all()}
    frozen = _frozen_evidence(items, manifest_format) if items else {}
    mappings = _relied_on_mappings(list(items)) if items and manifest_format >= 2 else {}
    entries = []
    for judgement in judgements:
        evidence = []
        for je in judgement.relied_on.all():
            entry = frozen[je.item_id]
            covered = {
                "item": je.item_id,
                "title": entry["title"],
                "version": entry["version"],
                "files": [{"name": name, "sha256": sha256} for name, sha256 in entry["files"]],
                "vacsr": {name: getattr(je, name) for name in VACSR},
            }
            if manifest_format >= 2:
                # A judgement of a part relies on the mapping to that part; one of a whole
                # criterion on every mapping to it or its parts.
                covered["content"] = entry["content"]
                covered["mappings"] = [
                    _mapping_entry(m)
                    for m in mappings.get((je.item_id, judgement.criterion_id), [])
                    if judgement.part_id is None or m.part_id == judgement.part_id
                ]
            evidence.append(covered)
        entries.append(
            {
                "code": _code(judgement),
                "outcome": judgement.outcome,
                "rationale": judgement.rationale,
                "methods": list(judgement.methods),
                "version": judgement.version,
                "judged_by": judgement.judged_by.username,
                "judged_at": _iso(judgement.judged_at),
                "evidence": evidence,
            }
        )
    manifest = {
        "unit": {"reference": unit.reference, "slug": unit.slug, "title": unit.title},
        "learner": enrolled_unit.enrolment.learner.username,
        "judgements": entries,
    }
    if manifest_format >= 2:
        manifest["format"] = manifest_format
    return manifest


# Verifying ---------------------------------------------------------------------------------


def sign_off_verify(sign_off):
    """(intact, differences): whether the unit is still as signed, and what changed, in words.

    The unit is rebuilt in the manifest format the sign-off was made in."""
    manifest_format = sign_off.covered.get("format", 1)
    if manifest_format not in MANIFEST_FORMATS:
        unknown = f"The record of what was signed is in an unknown format ({manifest_format})."
        return False, [unknown]
    current = sign_off_manifest(sign_off.enrolled_unit, manifest_format=manifest_format)
    differences = []
    if manifest_digest(sign_off.covered) != sign_off.digest:
        differences.append(
            "The stored record of what was signed no longer matches its digest: "
            "it was altered after signing."
        )
    differences.extend(_manifest_differences(sign_off.covered, current))
    intact = not differences and manifest_digest(current) == sign_off.digest
    if not intact and not differences:
        differences.append("The judgements or evidence have changed since signing.")
    return intact, differences


def _outcome_label(value):
    return dict(Judgement.Outcome.choices).get(value, value)


def _manifest_differences(signed, current):
    differences = []
    if signed.get("unit") != current["unit"]:
        differences.append("The unit's reference or title has changed.")
    if signed.get("learner") != current["learner"]:
        differences.append("The learner's username has changed.")
    before = {entry["code"]: entry for entry in signed.get("judgements", [])}
    after = {entry["code"]: entry for entry in current["judgements"]}
    # A file relied on for many criteria changes once: say so once, naming every code.
    item_changes = defaultdict(list)
    for code in [*before, *(code for code in after if code not in before)]:
        if code not in after:
            differences.append(f"{code}: its judgement is no longer recorded.")
        elif code not in before:
            differences.append(f"{code}: a judgement was recorded after signing.")
        else:
            differences.extend(_judgement_differences(code, before[code], after[code]))
            differences.extend(_evidence_differences(code, before[code], after[code], item_changes))
    for sentence, codes in item_changes.items():
        differences.append(f"{sentence} Relied on for {get_text_list(codes, 'and')}.")
    return differences


def _judgement_differences(code, before, after):
    differences = []
    if before.get("outcome") != after["outcome"]:
        differences.append(
            f"{code}: the outcome changed from {_outcome_label(before.get('outcome'))} "
            f"to {_outcome_label(after['outcome'])}."
        )
    if before.get("rationale") != after["rationale"]:
        differences.append(f"{code}: the rationale has changed.")
    if before.get("methods") != after["methods"]:
        differences.append(f"{code}: the assessment methods have changed.")
    recorded = ("version", "judged_by", "judged_at")
    if any(before.get(name) != after[name] for name in recorded):
        differences.append(
            f"{code}: the judgement was recorded again (version {before.get('version')} "
            f"then, version {after['version']} now)."
        )
    return differences


def _evidence_differences(code, before, after, item_changes):
    """Sentences about what this judgement relies on; changes to an item go to item_changes."""
    old = {entry["item"]: entry for entry in before.get("evidence", [])}
    new = {entry["item"]: entry for entry in after["evidence"]}
    differences = []
    for pk, entry in old.items():
        if pk not in new:
            differences.append(f"{code}: no longer relies on “{entry['title']}”.")
    for pk, entry in new.items():
        if pk not in old:
            differences.append(f"{code}: now relies on “{entry['title']}”.")
            continue
        if old[pk].get("vacsr") != entry["vacsr"]:
            differences.append(f"{code}: the VACSR checks of “{entry['title']}” have changed.")
        if "mappings" in entry:
            differences.extend(_mapping_differences(code, old[pk], entry))
        for sentence in _item_differences(old[pk], entry):
            item_changes[sentence].append(code)
    return differences


def _item_differences(was, now):
    title = f"“{was.get('title')}”"
    sentences = []
    if was.get("title") != now["title"]:
        sentences.append(f"{title} is now called “{now['title']}”.")
    if was.get("version") != now["version"]:
        sentences.append(
            f"{title} has a new submitted version (version {was.get('version')} then, "
            f"version {now['version']} now)."
        )
        return sentences
    if was.get("content") != now.get("content"):
        sentences.append(
            f"The content of version {was.get('version')} of {title} has changed since signing."
        )
    files_then = {f["name"]: f["sha256"] for f in was.get("files", [])}
    files_now = {f["name"]: f["sha256"] for f in now["files"]}
    for name, sha256 in files_then.items():
        if name not in files_now:
            sentences.append(f"The file “{name}” of {title} is no longer there.")
        elif files_now[name] != sha256:
            sentences.append(f"The file “{name}” of {title} has changed: its SHA-256 differs.")
    for name in files_now:
        if name not in files_then:
            sentences.append(f"The file “{name}” was added to {title}.")
    return sentences


def _decision_label(value):
    return dict(EvidenceMapping.Decision.choices).get(value, value)


def _mapping_differences(code, was, now):
    """Sentences about the mappings of one relied-on item to what `code` judged."""
    title = f"“{was.get('title')}”"
    then = {m["code"]: m for m in was.get("mappings", [])}
    current = {m["code"]: m for m in now["mappings"]}
    differences = []
    for mapped, mapping in then.items():
        if mapped not in current:
            differences.append(f"{code}: {title} is no longer mapped to {mapped}.")
        elif mapping["decision"] != current[mapped]["decision"]:
            differences.append(
                f"{code}: the mapping of {title} to {mapped} changed from "
                f"{_decision_label(mapping['decision'])} to "
                f"{_decision_label(current[mapped]['decision'])}."
            )
        elif mapping != current[mapped]:
            differences.append(f"{code}: the mapping of {title} to {mapped} was decided again.")
    for mapped in current:
        if mapped not in then:
            differences.append(f"{code}: {title} was mapped to {mapped} after signing.")
    return differences


# Signing, countersigning and reopening -----------------------------------------------------


def _evidence_still_accepted(assessment):
    """Problems where a met judgement relies on an item whose mapping is no longer accepted."""
    problems = []
    for row in assessment.rows:
        if not row.is_met:
            continue
        accepted = {item.pk for item in row.evidence}
        for je in row.judgement.relied_on.all():
            if je.item_id not in accepted:
                problems.append(
                    f"{row.code} relies on “{je.item.title}”, whose mapping to it is no longer "
                    f"accepted: judge {row.code} again."
                )
    return problems


@audited(AuditRecord.Kind.SIGNED_OFF, summary="Unit signed off by the assessor.")
@transaction.atomic
@changes_portfolio(of_enrolled_unit)
def unit_sign_off(*, enrolled_unit, by, declaration_confirmed):
    """The assessor's signature on a unit whose every criterion and part is met."""
    enrolled_unit = lock_enrolled_unit(enrolled_unit)
    enrolment = enrolled_unit.enrolment
    unit = enrolled_unit.unit
    if by.pk != enrolment.assessor_id:
        raise ValidationError("Only the learner's assessor can sign off a unit.")
    if UnitSignOff.objects.filter(enrolled_unit=enrolled_unit, reopened_at__isnull=True).exists():
        raise ValidationError(ALREADY_SIGNED)
    assessment = unit_assessment(enrolled_unit)
    if not assessment.criteria_loaded:
        raise ValidationError(
            "This unit is an outline: its assessment criteria have not been loaded yet, "
            "so it cannot be signed off."
        )
    problems = []
    if assessment.not_yet_met:
        problems.append(f"Not yet met: {assessment.not_yet_met_text}.")
    problems.extend(_evidence_still_accepted(assessment))
    if declaration_confirmed is not True:
        problems.append("Tick the declaration to sign off the unit.")
    if problems:
        raise ValidationError(problems)

    covered = sign_off_manifest(enrolled_unit)
    sign_off = UnitSignOff(
        enrolled_unit=enrolled_unit,
        assessor=by,
        assessor_declaration=ASSESSOR_DECLARATION,
        assessor_signed_at=timezone.now(),
        digest=manifest_digest(covered),
        covered=covered,
    )
    sign_off.full_clean()
    try:
        # The constraint is the last word when the lock is unavailable (SQLite ignores it).
        with transaction.atomic():
            sign_off.save()
    except IntegrityError:
        raise ValidationError(ALREADY_SIGNED) from None
    url = unit_url(enrolled_unit)
    notify(
        recipient=enrolment.learner,
        kind=Notification.Kind.UNIT_SIGNED,
        message=(
            f"{by.display_name} signed off unit {unit.display_reference} {unit.title}. "
            "Please read the judgements and countersign."
        ),
        url=url,
    )
    notify(
        recipient=enrolment.iqa,
        kind=Notification.Kind.UNIT_SIGNED,
        message=(
            f"{by.display_name} signed off unit {unit.display_reference} for "
            f"{enrolment.learner.display_name}."
        ),
        url=url,
    )
    return sign_off


def _lock_sign_off(sign_off):
    return (
        UnitSignOff.objects.select_for_update(of=("self",))
        .select_related(
            "enrolled_unit__unit",
            "enrolled_unit__enrolment__learner",
            "enrolled_unit__enrolment__assessor",
            "enrolled_unit__enrolment__iqa",
        )
        .get(pk=sign_off.pk)
    )


@audited(
    AuditRecord.Kind.COUNTERSIGNED, obj="sign_off", summary="Unit countersigned by the learner."
)
@transaction.atomic
@changes_portfolio(of_sign_off)
def unit_countersign(*, sign_off, by, declaration_confirmed):
    """The learner's signature under the assessor's: once, and only on what was signed."""
    sign_off = _lock_sign_off(sign_off)
    enrolled_unit = sign_off.enrolled_unit
    enrolment = enrolled_unit.enrolment
    if by.pk != enrolment.learner_id:
        raise ValidationError("Only the learner countersigns their unit.")
    if not sign_off.is_standing:
        raise ValidationError("This sign-off was reopened, so there is nothing to countersign.")
    if sign_off.is_countersigned:
        raise ValidationError("You have already countersigned this unit.")
    if declaration_confirmed is not True:
        raise ValidationError("Tick the declaration to countersign the unit.")
    intact, _ = sign_off_verify(sign_off)
    if not intact:
        raise ValidationError(
            "The judgements or evidence have changed since your assessor signed, so there is "
            "nothing sound to countersign. Ask your assessor to reopen the unit and sign again."
        )
    sign_off.learner = by
    sign_off.learner_declaration = LEARNER_DECLARATION
    sign_off.learner_signed_at = timezone.now()
    sign_off.full_clean()
    sign_off.save(update_fields=["learner", "learner_declaration", "learner_signed_at"])
    # The unit's Open Badges credential; without a signing key it waits for issue_credentials.
    credential_issue_on_countersign(sign_off=sign_off, by=by)
    unit = enrolled_unit.unit
    notify(
        recipient=enrolment.assessor,
        kind=Notification.Kind.UNIT_COUNTERSIGNED,
        message=f"{by.display_name} countersigned unit {unit.display_reference} {unit.title}.",
        url=unit_url(enrolled_unit),
    )
    return sign_off


@audited(AuditRecord.Kind.REOPENED, obj="sign_off", summary="Unit sign-off reopened.")
@transaction.atomic
@changes_portfolio(of_sign_off)
def unit_reopen(*, sign_off, by, reason):
    """End a standing sign-off with a recorded reason; the assessor's or the IQA's decision."""
    sign_off = _lock_sign_off(sign_off)
    enrolled_unit = sign_off.enrolled_unit
    enrolment = enrolled_unit.enrolment
    if by.pk not in {enrolment.assessor_id, enrolment.iqa_id}:
        raise ValidationError(
            "Only the assessor or the internal quality assurer can reopen a signed-off unit."
        )
    if not sign_off.is_standing:
        raise ValidationError("This sign-off has already been reopened.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Give the reason for reopening the unit."})
    sign_off.reopened_at = timezone.now()
    sign_off.reopened_by = by
    sign_off.reopen_reason = reason
    sign_off.full_clean()
    sign_off.save(update_fields=["reopened_at", "reopened_by", "reopen_reason"])
    credential_revoke(sign_off=sign_off, by=by, reason=reason)
    unit = enrolled_unit.unit
    for person in (enrolment.learner, enrolment.assessor, enrolment.iqa):
        if person is not None and person.pk != by.pk:
            notify(
                recipient=person,
                kind=Notification.Kind.UNIT_REOPENED,
                message=(
                    f"{by.display_name} reopened unit {unit.display_reference} "
                    f"for {enrolment.learner.display_name}: {reason}"
                ),
                url=unit_url(enrolled_unit),
            )
    return sign_off
