"""The assessor's own records as evidence (observation, professional discussion, questioning)
and the learner's acknowledgement of them. The only place these rules are written.

A record is an EvidenceItem marked as the assessor's: the assessor writes it, maps it to the
criteria it covers and accepts those mappings as they write it, and it is frozen as version 1.
The record is the assessor's alone (evidence.rules): they revise it through later versions, and
never while a standing sign-off relies on it. The learner acknowledges each version as an
accurate account instead of declaring it their own work; an acknowledgement covers the
version it was given for, not a later one.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.hooks import audited
from audit.models import AuditRecord
from evidence import rules
from evidence.models import EvidenceItem
from evidence.services import evidence_mapping_add, evidence_submit
from evidence.typed import TEMPLATES, typed_content_validate
from notifications.models import Notification
from notifications.services import notify
from people.versions import changes_portfolio, of_enrolment, of_item

ASSESSOR_TEMPLATES = {key: t for key, t in TEMPLATES.items() if t.author == "assessor"}
ACKNOWLEDGEMENT = "I have read this record and agree it is an accurate account."
MAX_COMMENT_LENGTH = 2000


@audited(AuditRecord.Kind.ASSESSOR_RECORD, summary="Assessor's record written.")
@transaction.atomic
@changes_portfolio(of_enrolment)
def assessor_record_create(*, enrolment, by, kind, title, activity_date, typed_content, targets):
    """Write the assessor's record of `kind` and map it, accepted, to `targets`.

    `targets` is [(criterion, part or None)], the criteria and parts the record covers. The
    record is saved as version 1 as it is written, and the learner is asked to acknowledge it.
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

    item = EvidenceItem(
        enrolment=enrolment,
        created_by=by,
        title=(title or "").strip(),
        activity_date=activity_date,
        evidence_type=template.evidence_type,
        assessment_method=template.assessment_method,
        template=kind,
        typed_content=typed_content,
        status=EvidenceItem.Status.DRAFT,
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
    # The assessor wrote the record, so saving it accepts what it shows and freezes version 1.
    evidence_submit(item=item, by=by, declaration=True)
    item.refresh_from_db()
    return item


@audited(
    AuditRecord.Kind.ASSESSOR_RECORD,
    obj="item",
    summary="Assessor's record acknowledged by the learner.",
)
@transaction.atomic
@changes_portfolio(of_item)
def assessor_record_acknowledge(*, item, by, comment=""):
    """The learner confirms the latest version of the assessor's record is an accurate
    account: once per version, and only them. Returns the version acknowledged."""
    item = (
        EvidenceItem.objects.select_for_update(of=("self",))
        .select_related("enrolment__learner", "enrolment__assessor")
        .get(pk=item.pk)
    )
    rules.require(item, by, rules.ACKNOWLEDGE)
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT_LENGTH:
        raise ValidationError(f"Keep the comment to {MAX_COMMENT_LENGTH} characters or fewer.")
    version = item.versions.order_by("-number").first()
    version.acknowledged_by = by
    version.acknowledged_at = timezone.now()
    version.acknowledgement = f"{ACKNOWLEDGEMENT}\n\n{comment}" if comment else ACKNOWLEDGEMENT
    version.full_clean()
    version.save(update_fields=["acknowledged_by", "acknowledged_at", "acknowledgement"])
    notify(
        recipient=item.enrolment.assessor,
        kind=Notification.Kind.RECORD_ACKNOWLEDGED,
        message=(
            f"{by.display_name} acknowledged version {version.number} of your record "
            f"“{item.title}”."
        ),
        url=item.get_absolute_url(),
    )
    return version
