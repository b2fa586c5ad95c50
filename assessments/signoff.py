"""Signing a unit off, countersigning it and reopening it: the only place these rules live.

A sign-off stores `covered`, a manifest of every judgement of the unit and every file of the
evidence each relies on, and `digest`, the SHA-256 of that manifest in canonical JSON:

    sha256(json.dumps(covered, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
           .encode()).hexdigest()

`sign_off_verify` rebuilds the manifest from the database, so anything changed after signing
(a file's bytes, a rationale) shows. A sign-off is never edited or deleted: it ends by a
recorded reopening, after which judgements may change and the unit may be signed again.
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

from evidence.models import EvidenceFile, EvidenceVersion
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


def _frozen_evidence(item_ids):
    """{item pk: (title, version number or None, [(file name, sha256)])}: two or three queries.

    The latest submitted version is what the learner declared; an item never submitted (an
    assessor's own record) is covered by the files of its working copy.
    """
    latest = EvidenceVersion.objects.filter(item=OuterRef("item")).order_by("-number")
    files = Prefetch("files", queryset=EvidenceFile.objects.order_by("pk"))
    versions = EvidenceVersion.objects.filter(
        item_id__in=item_ids, pk=Subquery(latest.values("pk")[:1])
    ).prefetch_related(files)
    frozen = {
        version.item_id: (
            version.title,
            version.number,
            [(f.original_name, f.sha256) for f in version.files.all()],
        )
        for version in versions
    }
    unversioned = [pk for pk in item_ids if pk not in frozen]
    if unversioned:
        working = defaultdict(list)
        for f in EvidenceFile.objects.filter(
            item_id__in=unversioned, removed_at__isnull=True
        ).order_by("pk"):
            working[f.item_id].append((f.original_name, f.sha256))
        frozen.update({pk: (None, None, working[pk]) for pk in unversioned})
    return frozen


def sign_off_manifest(enrolled_unit):
    """What a sign-off covers, as plain JSON-able data in numeric order: five or six queries."""
    unit = enrolled_unit.unit
    judgements = sorted(
        judgements_for_unit(enrolled_unit).select_related("criterion__outcome", "part"),
        key=_numeric_order,
    )
    item_ids = sorted({je.item_id for j in judgements for je in j.relied_on.all()})
    frozen = _frozen_evidence(item_ids) if item_ids else {}
    entries = []
    for judgement in judgements:
        evidence = []
        for je in judgement.relied_on.all():
            title, version, files = frozen[je.item_id]
            evidence.append(
                {
                    "item": je.item_id,
                    "title": title or je.item.title,
                    "version": version,
                    "files": [{"name": name, "sha256": sha256} for name, sha256 in files],
                    "vacsr": {name: getattr(je, name) for name in VACSR},
                }
            )
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
    return {
        "unit": {"reference": unit.reference, "slug": unit.slug, "title": unit.title},
        "learner": enrolled_unit.enrolment.learner.username,
        "judgements": entries,
    }


# Verifying ---------------------------------------------------------------------------------


def sign_off_verify(sign_off):
    """(intact, differences): whether the unit is still as signed, and what changed, in words."""
    current = sign_off_manifest(sign_off.enrolled_unit)
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
    unit = enrolled_unit.unit
    notify(
        recipient=enrolment.assessor,
        kind=Notification.Kind.UNIT_SIGNED,
        message=f"{by.display_name} countersigned unit {unit.display_reference} {unit.title}.",
        url=unit_url(enrolled_unit),
    )
    return sign_off


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
    unit = enrolled_unit.unit
    # There is no notice kind for a reopening; a reopened unit is about judgements changing.
    for person in (enrolment.learner, enrolment.assessor, enrolment.iqa):
        if person is not None and person.pk != by.pk:
            notify(
                recipient=person,
                kind=Notification.Kind.JUDGEMENT_CHANGED,
                message=(
                    f"{by.display_name} reopened unit {unit.display_reference} "
                    f"for {enrolment.learner.display_name}: {reason}"
                ),
                url=unit_url(enrolled_unit),
            )
    return sign_off
