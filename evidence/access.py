"""The one place that decides who may see or change an evidence item or its files.

An external quality assurer reads submitted evidence only, never a draft: an item never
submitted does not exist for them, and an item the learner is revising shows them its last
submitted version, with that version's files, instead of the working copy.
"""

from django.http import Http404
from django.shortcuts import get_object_or_404

from people.access import Role, role_on_enrolment, units_in_scope

from .models import EvidenceFile, EvidenceItem

# Who may change what, by role on the item's enrolment. Everyone else with a role may read.
LEARNER_CHANGES = {Role.LEARNER}
MAPPING_CHANGES = {Role.LEARNER, Role.ASSESSOR}
# Marks "whoever owns the item": the learner for their evidence, the assessor for their records.
OWNER = object()


def evidence_item_for_user(user, pk, *, change=False, roles=LEARNER_CHANGES):
    """The item, or 404 for outsiders; 403 when `change` and the user's role is not in `roles`."""
    item = get_object_or_404(
        EvidenceItem.objects.select_related(
            "enrolment__learner",
            "enrolment__assessor",
            "enrolment__iqa",
            "enrolment__qualification",
        ),
        pk=pk,
    )
    if roles is OWNER:
        roles = {Role.ASSESSOR} if item.is_assessor_record else LEARNER_CHANGES
    item.viewer_role = role_on_enrolment(
        user, item.enrolment, change=change, roles=roles, what="evidence item"
    )
    _require_in_scope(user, item.viewer_role, item)
    if item.viewer_role == Role.EQA and item.is_draft and not item.versions.exists():
        raise Http404("No such evidence item.")
    return item


def reads_working_copy(item):
    """Whether the viewer reads the item as it is now; an EQA does not while it is a draft."""
    return not (item.viewer_role == Role.EQA and item.is_draft)


def last_submitted_version(item):
    return item.versions.order_by("-number").first()


def _require_in_scope(user, role, item):
    """An EQA reads only items mapped to a unit their grant names."""
    units = units_in_scope(user, role, item.enrolment_id)
    if units is not None and not item.mappings.filter(criterion__outcome__unit_id__in=units):
        raise Http404("No such evidence item.")


def evidence_file_for_user(user, pk):
    """A stored file, for anyone who may read its item; 404 for everyone else. An EQA reads a
    file only as submitted: in a version, or current on an item that is not a draft."""
    evidence_file = get_object_or_404(EvidenceFile.objects.select_related("item__enrolment"), pk=pk)
    item = evidence_file.item
    role = role_on_enrolment(user, item.enrolment, what="file")
    _require_in_scope(user, role, item)
    if role == Role.EQA:
        current = evidence_file.removed_at is None and not item.is_draft
        if not current and not evidence_file.versions.exists():
            raise Http404("No such file.")
    return evidence_file
