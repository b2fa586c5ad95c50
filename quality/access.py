"""Who may see or change quality records: the one place quality views ask.

A plan, its entries and reviews belong to the plan's IQA; centre admins read them all; the
assessor whose decisions were sampled reads the review and answers its actions; an external
quality assurer reads those inside a standing grant: its learners and units, and plans and
reviews within its date range. Everyone else gets 404.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from people.access import eqa_condition

from .models import (
    EqaGrant,
    QualityAction,
    SampleEntry,
    SampleReview,
    SamplingPlan,
    StandardisationDocument,
    StandardisationRecord,
)
from .services import is_assessor, is_iqa

IQA = "iqa"
ASSESSOR = "assessor"
READER = "reader"  # a centre admin or an EQA: reads, changes nothing


def standing_grants(user):
    """The EQA's grants that are in force now, with their ranges: cached per request."""
    if not getattr(user, "is_external_verifier", False):
        return []
    if not hasattr(user, "_standing_grants"):
        user._standing_grants = list(
            EqaGrant.objects.filter(
                eqa=user, revoked_at__isnull=True, expires_at__gt=timezone.now()
            )
        )
    return user._standing_grants


def eqa_entry_condition(user, prefix=""):
    """A Q for sample entries inside one of the EQA's grants: that grant's learners and units,
    in a plan overlapping that grant's dates."""
    return eqa_condition(user, **_entry_lookups(prefix))


def _entry_lookups(prefix):
    return {
        "enrolment": f"{prefix}enrolled_unit__enrolment_id",
        "unit": f"{prefix}enrolled_unit__unit_id",
        "period": (f"{prefix}plan__period_start", f"{prefix}plan__period_end"),
    }


def eqa_review_condition(user):
    """A Q for signed reviews inside one of the EQA's grants: as for their entry, and signed
    within that same grant's dates."""
    return eqa_condition(user, on="signed_at__date", **_entry_lookups("entry__"))


def _refuse(change, what):
    if change:
        raise PermissionDenied(f"You can read this {what} but not change it.")


def plan_for_user(user, pk, *, change=False):
    plan = get_object_or_404(SamplingPlan.objects.select_related("iqa", "qualification"), pk=pk)
    if plan.iqa_id == user.pk:
        plan.viewer_role = IQA
        return plan
    if user.is_centre_admin or (
        user.is_external_verifier
        and SampleEntry.objects.filter(eqa_entry_condition(user), plan=plan).exists()
    ):
        _refuse(change, "sampling plan")
        plan.viewer_role = READER
        return plan
    raise Http404("No such sampling plan.")


def entry_for_user(user, pk, *, change=False):
    entry = get_object_or_404(
        SampleEntry.objects.select_related(
            "plan__iqa",
            "plan__qualification",
            "enrolled_unit__unit",
            "enrolled_unit__enrolment__learner",
            "enrolled_unit__enrolment__assessor",
        ),
        pk=pk,
    )
    if entry.plan.iqa_id == user.pk:
        entry.viewer_role = IQA
        return entry
    if user.is_centre_admin or (
        user.is_external_verifier
        and SampleEntry.objects.filter(eqa_entry_condition(user), pk=entry.pk).exists()
    ):
        _refuse(change, "sample")
        entry.viewer_role = READER
        return entry
    raise Http404("No such sample.")


def reviews_visible_to(user):
    reviews = SampleReview.objects.all()
    if user.is_centre_admin:
        return reviews
    condition = Q(iqa=user) | Q(assessor=user)
    if user.is_external_verifier:
        condition = eqa_review_condition(user)
    return reviews.filter(condition)


def review_for_user(user, pk):
    review = get_object_or_404(
        reviews_visible_to(user).select_related(
            "iqa",
            "assessor",
            "entry__plan__qualification",
            "entry__enrolled_unit__unit",
            "entry__enrolled_unit__enrolment__learner",
        ),
        pk=pk,
    )
    review.viewer_role = (
        IQA if review.iqa_id == user.pk else ASSESSOR if review.assessor_id == user.pk else READER
    )
    return review


def action_for_user(user, pk, *, change=False, roles=frozenset()):
    action = get_object_or_404(QualityAction.objects.select_related("review"), pk=pk)
    review = review_for_user(user, action.review_id)
    if change and review.viewer_role not in roles:
        raise PermissionDenied("You can read this action but not change it.")
    action.review = review
    return action


def may_see_standardisation(user):
    return bool(user.is_centre_admin or standing_grants(user) or is_iqa(user) or is_assessor(user))


def standardisation_visible_to(user):
    records = StandardisationRecord.objects.all()
    if user.is_external_verifier:
        condition = Q(pk__in=[])
        for grant in standing_grants(user):
            condition |= Q(held_on__gte=grant.covers_from, held_on__lte=grant.covers_to)
        return records.filter(condition)
    if may_see_standardisation(user):
        return records
    return records.none()


def standardisation_for_user(user, pk):
    return get_object_or_404(standardisation_visible_to(user), pk=pk)


def document_for_user(user, pk):
    document = get_object_or_404(StandardisationDocument, pk=pk)
    standardisation_for_user(user, document.record_id)
    return document
