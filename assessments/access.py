"""Who may see or change assessment records: the one place assessment views ask."""

from django.shortcuts import get_object_or_404

from people.access import Role, require_unit_in_scope, role_on_enrolment
from people.models import EnrolmentUnit

from .models import Target

ASSESSOR_ONLY = {Role.ASSESSOR}
LEARNER_ONLY = {Role.LEARNER}


def enrolled_unit_for_user(user, enrolment_pk, unit_slug, *, change=False, roles=ASSESSOR_ONLY):
    """A unit on an enrolment: 404 for outsiders, 403 on change for a role not in `roles`."""
    enrolled_unit = get_object_or_404(
        EnrolmentUnit.objects.select_related(
            "unit",
            "enrolment__learner",
            "enrolment__assessor",
            "enrolment__iqa",
            "enrolment__qualification",
        ),
        enrolment_id=enrolment_pk,
        unit__slug=unit_slug,
    )
    enrolled_unit.viewer_role = role_on_enrolment(
        user, enrolled_unit.enrolment, change=change, roles=roles, what="unit record"
    )
    require_unit_in_scope(
        user, enrolled_unit.viewer_role, enrolment_pk, enrolled_unit.unit_id, "unit record"
    )
    return enrolled_unit


def target_for_user(user, pk, *, change=False, roles=ASSESSOR_ONLY):
    target = get_object_or_404(Target.objects.select_related("enrolment"), pk=pk)
    target.viewer_role = role_on_enrolment(
        user, target.enrolment, change=change, roles=roles, what="target"
    )
    return target
