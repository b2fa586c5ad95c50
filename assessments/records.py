"""The assessor's own records as evidence (observation, professional discussion, questioning)
and the learner's acknowledgement of them. The only place these rules are written.

A record is an EvidenceItem marked as the assessor's: the assessor writes it, maps it to the
criteria it covers and accepts those mappings as they write it; the learner then acknowledges
it as an accurate account instead of declaring it their own work.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from evidence.models import EvidenceItem, EvidenceMapping
from evidence.services import evidence_mapping_add
from evidence.typed import TEMPLATES, typed_content_validate
from notifications.models import Notification
from notifications.services import notify
from people.versions import changes_portfolio, of_enrolment, of_item

ASSESSOR_TEMPLATES = {key: t for key, t in TEMPLATES.items() if t.author == "assessor"}
ACKNOWLEDGEMENT = "I have read this record and agree it is an accurate account."
MAX_COMMENT_LENGTH = 2000


@transaction.atomic
@changes_portfolio(of_enrolment)
def assessor_record_create(*, enrolment, by, kind, title, activity_date, typed_content, targets):
    """Write the assessor's record of `kind` and map it, accepted, to `targets`.

    `targets` is [(criterion, part or None)], the criteria and parts the record covers. The
    record is submitted as it is written, and the learner is asked to acknowledge it.
    """
    if by.pk != enrolment.assessor_id:
        raise ValidationError("Only the learner's assessor can write an assessor's record.")
    template = ASSESSOR_TEMPLATES.get(kind)
    if template is None:
        raise ValidationError(f"There is no kind of assessor's record called {kind!r}.")
    errors = {}
    try:
        typed_content = typed_content_validate(
            template_key=kind, content=typed_content or {}, enrolment=enrolment
        )
    except ValidationError as error:
        error.update_error_dict(errors)
    if activity_date and activity_date > timezone.localdate():
        errors["activity_date"] = ["The date of the activity cannot be in the future."]
    if not targets:
        errors["criteria"] = ["Tick at least one criterion or part the record covers."]
    if errors:
        raise ValidationError(errors)

    now = timezone.now()
    item = EvidenceItem(
        enrolment=enrolment,
        created_by=by,
        title=(title or "").strip(),
        activity_date=activity_date,
        evidence_type=template.evidence_type,
        assessment_method=template.assessment_method,
        template=kind,
        typed_content=typed_content,
        status=EvidenceItem.Status.SUBMITTED,
        submitted_at=now,
        is_assessor_record=True,
    )
    item.full_clean()
    item.save()
    problems = []
    for criterion, part in targets:
        try:
            evidence_mapping_add(item=item, by=by, criterion=criterion, part=part, as_assessor=True)
        except ValidationError as error:
            problems.extend(error.messages)
    if problems:
        # Raising rolls the whole record back: nothing is half-written.
        raise ValidationError({"criteria": problems})
    # The assessor wrote the record, so they accept what it shows as they write it.
    item.mappings.update(decision=EvidenceMapping.Decision.ACCEPTED, decided_by=by, decided_at=now)
    notify(
        recipient=enrolment.learner,
        kind=Notification.Kind.FEEDBACK,
        message=(
            f"{by.display_name} wrote a record of {template.name.lower()}, “{item.title}”. "
            "Please read it and acknowledge that it is an accurate account."
        ),
        url=item.get_absolute_url(),
    )
    return item


@transaction.atomic
@changes_portfolio(of_item)
def assessor_record_acknowledge(*, item, by, comment=""):
    """The learner confirms the assessor's record is an accurate account: once, and only them."""
    item = EvidenceItem.objects.select_for_update().get(pk=item.pk)
    if not item.is_assessor_record:
        raise ValidationError("Only an assessor's record is acknowledged.")
    if by.pk != item.enrolment.learner_id:
        raise ValidationError("Only the learner can acknowledge their assessor's record.")
    if item.acknowledged_at is not None:
        raise ValidationError(
            "This record was already acknowledged on "
            f"{timezone.localtime(item.acknowledged_at):%d/%m/%Y}."
        )
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT_LENGTH:
        raise ValidationError(f"Keep the comment to {MAX_COMMENT_LENGTH} characters or fewer.")
    item.acknowledged_at = timezone.now()
    item.acknowledgement = f"{ACKNOWLEDGEMENT}\n\n{comment}" if comment else ACKNOWLEDGEMENT
    item.full_clean()
    item.save(update_fields=["acknowledged_at", "acknowledgement", "updated_at"])
    notify(
        recipient=item.enrolment.assessor,
        kind=Notification.Kind.FEEDBACK,
        message=f"{by.display_name} acknowledged your record “{item.title}”.",
        url=item.get_absolute_url(),
    )
    return item
