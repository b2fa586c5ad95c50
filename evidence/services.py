"""Changes to evidence items: the only place their rules are written.

Views, commands and seed_demo call these functions; each validates before it writes and
writes inside one transaction, so refused input leaves nothing half-written.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

from audit.hooks import audited, mappings_of
from audit.models import AuditRecord
from criteria.models import AssessmentCriterion
from notifications.models import Notification
from notifications.services import notify
from people.versions import changes_portfolio, of_enrolment, of_item, of_mapping

from . import rules
from .models import EvidenceFile, EvidenceItem, EvidenceMapping, EvidenceVersion
from .typed import typed_content_validate, typed_template

DECLARATION = (
    "I confirm that this evidence is my own work, that it is a true record of what I did, "
    "and that anyone named in it agreed to be named."
)
RECORD_DECLARATION = (
    "I confirm that this record is an accurate account of the assessment I carried out."
)
# An assessor's record keeps the kind it was written as: its template fixes these.
RECORD_KIND_FIELDS = {"evidence_type", "assessment_method", "template"}
EDITABLE_FIELDS = {
    "title",
    "description",
    "activity_date",
    "evidence_type",
    "assessment_method",
    "template",
    "typed_content",
}


def _require_learner(item_or_enrolment, by):
    enrolment = getattr(item_or_enrolment, "enrolment", item_or_enrolment)
    if by.pk != enrolment.learner_id:
        raise ValidationError("Only the learner can do this with their evidence.")


def declaration_for(item):
    """The words a version of this item is declared with: the learner's or the assessor's."""
    return RECORD_DECLARATION if item.is_assessor_record else DECLARATION


def _locked(item):
    return (
        EvidenceItem.objects.select_for_update(of=("self",))
        .select_related("enrolment__learner", "enrolment__assessor")
        .get(pk=item.pk)
    )


def _check_activity_date(activity_date):
    if activity_date and activity_date > timezone.localdate():
        raise ValidationError(
            {"activity_date": "The date of the activity cannot be in the future."}
        )


def criteria_open_to(enrolment):
    """Criteria that evidence on this enrolment may be mapped to: its units, criteria loaded."""
    return AssessmentCriterion.objects.filter(
        outcome__unit__enrolled_units__enrolment=enrolment,
        outcome__unit__criteria_complete=True,
    )


@audited(AuditRecord.Kind.EVIDENCE_CREATED, summary="Evidence item created.")
@transaction.atomic
@changes_portfolio(of_enrolment)
def evidence_item_create(
    *,
    enrolment,
    by,
    title,
    activity_date,
    evidence_type,
    assessment_method,
    description="",
    template="",
    typed_content=None,
):
    _require_learner(enrolment, by)
    _check_activity_date(activity_date)
    chosen = typed_template(template)
    if chosen is not None and chosen.author != "learner":
        raise ValidationError(f"“{chosen.name}” is the assessor’s record, not yours to add.")
    typed_content = typed_content_validate(
        template_key=template, content=typed_content or {}, enrolment=enrolment
    )
    item = EvidenceItem(
        enrolment=enrolment,
        created_by=by,
        title=title,
        description=description,
        activity_date=activity_date,
        evidence_type=evidence_type,
        assessment_method=assessment_method,
        template=template,
        typed_content=typed_content,
    )
    item.full_clean()
    item.save()
    return item


@audited(AuditRecord.Kind.EVIDENCE_EDITED, obj="item", summary="Evidence item edited.")
@transaction.atomic
@changes_portfolio(of_item)
def evidence_item_update(*, item, by, **fields):
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"evidence_item_update() cannot change {', '.join(sorted(unknown))}")
    item = _locked(item)
    rules.require(item, by, rules.EDIT)
    if item.is_assessor_record and any(
        fields[name] != getattr(item, name) for name in RECORD_KIND_FIELDS & set(fields)
    ):
        raise ValidationError("A record keeps its kind: write a new record for another kind.")
    _check_activity_date(fields.get("activity_date"))
    for name, value in fields.items():
        setattr(item, name, value)
    item.typed_content = typed_content_validate(
        template_key=item.template, content=item.typed_content, enrolment=item.enrolment
    )
    item.full_clean()
    item.save()
    return item


@audited(AuditRecord.Kind.EVIDENCE_DELETED, obj="item", summary="Draft evidence item deleted.")
@transaction.atomic
@changes_portfolio(of_item)
def evidence_item_delete(*, item, by):
    """Delete a draft that was never submitted, with its files; submitted work is never lost,
    and neither is a draft that a judgement or a feedback thread refers to."""
    item = _locked(item)
    rules.require(item, by, rules.DELETE)
    stored = list(item.files.values_list("file", flat=True))
    try:
        with transaction.atomic():
            item.mappings.all().delete()
            item.files.all().delete()
            item.delete()
    except ProtectedError:
        # A reference the rules do not know of yet: keep the draft rather than fail.
        raise ValidationError(
            "Something else in the portfolio refers to this draft, so it stays."
        ) from None
    storage = EvidenceFile._meta.get_field("file").storage
    transaction.on_commit(lambda: [storage.delete(name) for name in stored])


def _mapping_snapshot(item):
    mappings = item.mappings.select_related("criterion__outcome__unit", "part", "added_by")
    return [
        {
            "unit": mapping.criterion.outcome.unit.reference or mapping.criterion.outcome.unit.slug,
            "code": mapping.code,
            "text": mapping.part.text if mapping.part_id else mapping.criterion.text,
            "note": mapping.note,
            "added_by": mapping.added_by.username,
            "added_by_assessor": mapping.added_by_assessor,
        }
        for mapping in mappings
    ]


@audited(AuditRecord.Kind.EVIDENCE_SUBMITTED, obj="item", summary="Evidence item submitted.")
@transaction.atomic
@changes_portfolio(of_item)
def evidence_submit(*, item, by, declaration):
    """Freeze the working copy as the next version, declared by its owner.

    A learner's version goes to the assessor for review. An assessor's record is accepted
    against what it maps as its author saves it, and the learner is asked to acknowledge it.
    """
    item = _locked(item)
    rules.require(item, by, rules.SUBMIT)
    problems = []
    current_files = list(item.files.filter(removed_at__isnull=True))
    if not current_files and not item.typed_content and not item.description.strip():
        problems.append("Add a file, typed evidence or a description before submitting.")
    if not item.mappings.exists():
        problems.append("Map the item to at least one criterion before submitting.")
    if declaration is not True:
        problems.append(
            "Confirm that the record is an accurate account to save it."
            if item.is_assessor_record
            else "Confirm the declaration that this is your own work to submit it."
        )
    if problems:
        raise ValidationError(problems)
    now = timezone.now()
    if item.is_assessor_record:
        item.mappings.update(
            decision=EvidenceMapping.Decision.ACCEPTED,
            decision_comment="",
            decided_by=by,
            decided_at=now,
        )
    version = EvidenceVersion.objects.create(
        item=item,
        number=item.versions.count() + 1,
        title=item.title,
        description=item.description,
        activity_date=item.activity_date,
        evidence_type=item.evidence_type,
        assessment_method=item.assessment_method,
        template=item.template,
        typed_content=item.typed_content,
        mappings=_mapping_snapshot(item),
        declaration=declaration_for(item),
        declared_by=by,
        declared_at=now,
    )
    version.files.set(current_files)
    item.status = EvidenceItem.Status.SUBMITTED
    item.submitted_at = now
    item.save(update_fields=["status", "submitted_at", "updated_at"])
    if item.is_assessor_record:
        _ask_for_acknowledgement(item, version, by)
    else:
        notify(
            recipient=item.enrolment.assessor,
            kind=Notification.Kind.ITEM_SUBMITTED,
            message=f"{by.display_name} submitted “{item.title}”",
            url=item.get_absolute_url(),
        )
    return version


def _ask_for_acknowledgement(item, version, by):
    if version.number == 1:
        kind = typed_template(item.template)
        written = f"wrote a record of {kind.name.lower()}" if kind else "wrote a record"
        what = f"{written}, “{item.title}”"
    else:
        what = f"revised their record “{item.title}” as version {version.number}"
    notify(
        recipient=item.enrolment.learner,
        kind=Notification.Kind.RECORD_WRITTEN,
        message=(
            f"{by.display_name} {what}. "
            "Please read it and acknowledge that it is an accurate account."
        ),
        url=f"{item.get_absolute_url()}#acknowledge",
    )


@audited(AuditRecord.Kind.EVIDENCE_REVISED, obj="item", summary="Evidence item reopened.")
@transaction.atomic
@changes_portfolio(of_item)
def evidence_revise(*, item, by):
    """Make a submitted item its owner's draft again; its versions stay as they were.

    Refused while a standing sign-off relies on the item: what was signed must stay true.
    """
    item = _locked(item)
    rules.require(item, by, rules.REVISE)
    item.status = EvidenceItem.Status.DRAFT
    item.save(update_fields=["status", "updated_at"])
    # The evidence may change, so every mapping is decided again on resubmission.
    item.mappings.update(
        decision=EvidenceMapping.Decision.PENDING,
        decision_comment="",
        decided_by=None,
        decided_at=None,
    )
    return item


def _mapping_target(item, *, criterion, part):
    """Check a criterion or sub-part may carry evidence of this item; return (criterion, part)."""
    if part is not None:
        criterion = part.criterion
    if criterion is None:
        raise ValidationError("Choose a criterion or sub-part to map to.")
    if not criteria_open_to(item.enrolment).filter(pk=criterion.pk).exists():
        raise ValidationError(
            f"Criterion {criterion.code} is not in a unit of this enrolment, so evidence "
            "cannot be mapped to it."
        )
    if part is None and criterion.parts.exists():
        letters = ", ".join(criterion.parts.values_list("letter", flat=True))
        raise ValidationError(
            f"Criterion {criterion.code} has sub-parts ({letters}); map to each part it shows."
        )
    return criterion, part


@audited(AuditRecord.Kind.EVIDENCE_MAPPED, summary="Evidence mapped to a criterion.")
@transaction.atomic
@changes_portfolio(of_item)
def evidence_mapping_add(*, item, by, criterion=None, part=None, note="", as_assessor=False):
    item = _locked(item)
    if not as_assessor:
        rules.require(item, by, rules.MAP)
    criterion, part = _mapping_target(item, criterion=criterion, part=part)
    refusal = rules.mapping_add_refusal(
        item,
        by,
        criterion_id=criterion.pk,
        part_id=part.pk if part else None,
        code=part.code if part else criterion.code,
        as_assessor=as_assessor,
    )
    if refusal:
        raise ValidationError(refusal)
    duplicate = item.mappings.filter(criterion=criterion, part=part)
    if duplicate.exists():
        code = part.code if part else criterion.code
        raise ValidationError(f"This item is already mapped to {code}.")
    mapping = EvidenceMapping(
        item=item,
        criterion=criterion,
        part=part,
        note=note.strip(),
        added_by=by,
        added_by_assessor=as_assessor,
    )
    mapping.full_clean()
    mapping.save()
    return mapping


@audited(AuditRecord.Kind.EVIDENCE_MAPPED, obj="item", state=mappings_of, summary="Mappings set.")
@transaction.atomic
@changes_portfolio(of_item)
def evidence_mappings_set(*, item, by, targets):
    """Make the learner's own mappings of a draft exactly `targets`: [(criterion, part, note)].

    Assessors' mappings are theirs and stay. Every target is checked before anything changes.
    """
    item = _locked(item)
    rules.require(item, by, rules.MAP)
    wanted = {}
    problems = []
    for criterion, part, note in targets:
        try:
            criterion, part = _mapping_target(item, criterion=criterion, part=part)
        except ValidationError as error:
            problems.extend(error.messages)
            continue
        wanted[(criterion.pk, part.pk if part else None)] = (criterion, part, note.strip())
    if problems:
        raise ValidationError(problems)
    own = {(m.criterion_id, m.part_id): m for m in item.mappings.filter(added_by_assessor=False)}
    assessors = set(item.mappings.filter(added_by_assessor=True).values_list("criterion", "part"))
    for key, mapping in own.items():
        if key not in wanted:
            mapping.delete()
    for key, (criterion, part, note) in wanted.items():
        if key in own:
            if own[key].note != note:
                own[key].note = note
                own[key].full_clean()
                own[key].save(update_fields=["note"])
        elif key not in assessors:
            mapping = EvidenceMapping(
                item=item, criterion=criterion, part=part, note=note, added_by=by
            )
            mapping.full_clean()
            mapping.save()
    return item


@audited(AuditRecord.Kind.MAPPING_REMOVED, obj="mapping", summary="Mapping removed.")
@transaction.atomic
@changes_portfolio(of_mapping)
def evidence_mapping_remove(*, mapping, by):
    item = _locked(mapping.item)
    mapping = EvidenceMapping.objects.select_related("criterion__outcome", "part").get(
        pk=mapping.pk, item=item
    )
    mapping.item = item
    refusal = rules.mapping_remove_refusal(mapping, by)
    if refusal:
        raise ValidationError(refusal)
    mapping.delete()
