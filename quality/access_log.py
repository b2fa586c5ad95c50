"""The object an EQA's request names, in words a centre admin reads in the access log.

"Evidence item “Post room log” of Priya Shah", not "pk 7": worked out from the URL's
arguments when the request is logged, in one query at most. A page that names no object is
described by nothing; an object that does not exist is named by its kind and number.
"""

from django.core.exceptions import ObjectDoesNotExist

from assessments.models import Target
from criteria.models import Qualification, Unit
from evidence.models import EvidenceFile, EvidenceItem
from jobs.models import Job
from notifications.models import Notification
from people.models import Enrolment, EnrolmentUnit, User

from .models import (
    EqaGrant,
    QualityAction,
    SampleEntry,
    SampleReview,
    SamplingPlan,
    StandardisationDocument,
    StandardisationRecord,
)


def _learner(enrolment):
    return enrolment.learner.display_name


def _item_words(item):
    return f"evidence item “{item.title}” of {_learner(item.enrolment)}"


def _sample_words(entry):
    enrolled_unit = entry.enrolled_unit
    stage = entry.get_stage_display().lower()
    return (
        f"{stage} sample of unit {enrolled_unit.unit.display_reference} "
        f"for {_learner(enrolled_unit.enrolment)}, in plan “{entry.plan.title}”"
    )


def _capital(words):
    return words[:1].upper() + words[1:]


def evidence_item(pk, **_):
    item = EvidenceItem.objects.select_related("enrolment__learner").get(pk=pk)
    return _capital(_item_words(item))


def evidence_version(pk, number, **_):
    item = EvidenceItem.objects.select_related("enrolment__learner").get(pk=pk)
    return f"Version {number} of {_item_words(item)}"


def evidence_file(pk, **_):
    found = EvidenceFile.objects.select_related("item__enrolment__learner").get(pk=pk)
    return f"File “{found.original_name}” of {_item_words(found.item)}"


def enrolment(enrolment_pk=None, pk=None, **_):
    found = Enrolment.objects.select_related("learner", "qualification").get(pk=enrolment_pk or pk)
    return f"{_learner(found)}, {found.qualification.title}"


def enrolled_unit(enrolment_pk, unit_slug, **_):
    found = EnrolmentUnit.objects.select_related("enrolment__learner", "unit").get(
        enrolment_id=enrolment_pk, unit__slug=unit_slug
    )
    return f"Unit {found.unit.display_reference} {found.unit.title} of {_learner(found.enrolment)}"


def target(pk, **_):
    found = Target.objects.select_related("enrolment__learner").get(pk=pk)
    return f"Target “{found}” of {_learner(found.enrolment)}"


def person(pk, **_):
    return f"Person {User.objects.get(pk=pk).display_name}"


def qualification(code, **_):
    return f"Qualification {Qualification.objects.get(code=code).title}"


def unit(slug, **_):
    found = Unit.objects.get(slug=slug)
    return f"Unit {found.display_reference} {found.title}"


def notification(pk, **_):
    return f"Notice “{Notification.objects.get(pk=pk)}”"


def plan(pk, **_):
    return f"Sampling plan “{SamplingPlan.objects.get(pk=pk).title}”"


def sample(pk, **_):
    entry = SampleEntry.objects.select_related(
        "plan", "enrolled_unit__unit", "enrolled_unit__enrolment__learner"
    ).get(pk=pk)
    return _capital(_sample_words(entry))


def review(pk, **_):
    found = SampleReview.objects.select_related(
        "entry__plan", "entry__enrolled_unit__unit", "entry__enrolled_unit__enrolment__learner"
    ).get(pk=pk)
    return f"IQA review of the {_sample_words(found.entry)}"


def action(pk, **_):
    found = QualityAction.objects.select_related("assessor").get(pk=pk)
    return f"IQA action “{found}” for {found.assessor.display_name}"


def standardisation(pk, **_):
    return f"{StandardisationRecord.objects.get(pk=pk)}"


def standardisation_document(pk, **_):
    return f"Standardisation document “{StandardisationDocument.objects.get(pk=pk)}”"


def job(token, **_):
    found = Job.objects.select_related("requested_by").get(token=token)
    return f"{found.get_kind_display()} asked for by {found.requested_by.display_name}"


def grant(pk, **_):
    return f"{EqaGrant.objects.select_related('eqa').get(pk=pk)}"


def confirmation(pk, **_):
    from confirmations.models import Confirmation

    found = Confirmation.objects.select_related("item__enrolment__learner").get(pk=pk)
    return f"{found.get_kind_display()} asked of {found.witness_name} for {_item_words(found.item)}"


def confirmation_link(token, **_):
    return "A witness's confirmation page, reached by its emailed link"  # never looked up


def credential(public_id, **_):
    from credentials.models import Credential

    found = Credential.objects.select_related(
        "sign_off__enrolled_unit__unit", "sign_off__enrolled_unit__enrolment__learner"
    ).get(public_id=public_id)
    unit = found.sign_off.enrolled_unit
    return f"Credential for unit {unit.unit.display_reference} of {_learner(unit.enrolment)}"


DESCRIBE = {
    **dict.fromkeys(
        [
            "evidence:item",
            "evidence:edit",
            "evidence:delete",
            "evidence:mappings",
            "evidence:assessor_mapping_add",
            "evidence:mapping_remove",
            "evidence:submit",
            "evidence:revise",
            "evidence:upload",
            "assessments:review",
            "assessments:feedback",
            "assessments:send_back",
            "assessments:accept",
            "assessments:record_acknowledge",
            "confirmations:create",
            "suggestions:accept",
            "suggestions:dismiss",
        ],
        evidence_item,
    ),
    "evidence:version": evidence_version,
    **dict.fromkeys(["evidence:file", "evidence:file_remove"], evidence_file),
    **dict.fromkeys(
        [
            "evidence:progress",
            "evidence:create",
            "assessments:targets",
            "assessments:record_create",
            "assessments:report_pdf",
            "assessments:report_prepare",
            "assessments:matrix_csv",
            "portability:export_prepare",
            "portability:export_zip",
            "people:enrolment",
            "people:enrolment_edit",
            "audit:timeline",
            "audit:timeline_csv",
            "evidence:leap2a",
        ],
        enrolment,
    ),
    **dict.fromkeys(
        [
            "assessments:unit",
            "assessments:judge",
            "assessments:judge_unit",
            "assessments:history",
            "assessments:sign_off",
            "assessments:countersign",
            "assessments:reopen",
        ],
        enrolled_unit,
    ),
    **dict.fromkeys(["assessments:target_close", "assessments:target_reopen"], target),
    **dict.fromkeys(
        ["people:person_edit", "people:person_password_link", "portability:subject_access"],
        person,
    ),
    "criteria:qualification": qualification,
    "criteria:unit": unit,
    "notifications:read": notification,
    **dict.fromkeys(
        [
            "quality:plan",
            "quality:plan_accept",
            "quality:entry_add",
            "quality:plan_report",
            "quality:plan_report_prepare",
        ],
        plan,
    ),
    **dict.fromkeys(["quality:entry", "quality:entry_drop"], sample),
    "quality:review": review,
    **dict.fromkeys(["quality:action_respond", "quality:action_close"], action),
    "quality:standardisation": standardisation,
    "quality:standardisation_document": standardisation_document,
    **dict.fromkeys(["quality:grant", "quality:grant_revoke"], grant),
    **dict.fromkeys(["jobs:detail", "jobs:status", "jobs:download", "jobs:retry"], job),
    **dict.fromkeys(["confirmations:cancel", "confirmations:resend"], confirmation),
    "confirmations:respond": confirmation_link,
    **dict.fromkeys(
        ["credentials:download", "credentials:status", "credentials:verify_stored"], credential
    ),
}


def object_named(match):
    """What the resolved URL `match` names, in words; empty when it names nothing we know."""
    describe = DESCRIBE.get(match.view_name) if match else None
    if describe is None:
        return ""
    try:
        return describe(**match.kwargs)
    except ObjectDoesNotExist:
        asked = ", ".join(str(value) for _, value in sorted(match.kwargs.items()))
        return f"Nothing found for {asked}"
