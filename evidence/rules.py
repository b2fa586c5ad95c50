"""Who may do what with an evidence item, and why not: the one rule the services enforce and
the pages ask, so a page never offers what its service would refuse.

Every item has one owner: the learner for their own evidence, the enrolment's assessor for the
assessor's records (observations, discussions, questioning). Only the owner changes an item,
and only through versions: a draft is edited, mapped and given files, then submitted as the
next frozen version; a submitted item is revised back into a draft. The learner reads an
assessor's record and acknowledges each version of it. Nothing a standing sign-off relies on
changes until the unit is reopened with a recorded reason.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.text import get_text_list

from assessments.models import Feedback, JudgementEvidence, UnitSignOff

from .models import EvidenceItem

EDIT = "edit"
MAP = "map"
FILES = "files"
SUBMIT = "submit"
REVISE = "revise"
DELETE = "delete"
ACKNOWLEDGE = "acknowledge"
ITEM_ACTIONS = (EDIT, MAP, FILES, SUBMIT, REVISE, DELETE, ACKNOWLEDGE)

LEARNER_REVISABLE = {EvidenceItem.Status.SUBMITTED, EvidenceItem.Status.NEEDS_MORE_WORK}


# What standing sign-offs rely on ----------------------------------------------------------


@dataclass(frozen=True)
class SignOffLock:
    """The signed-off units that rely on an item, and what each of their judgements judged."""

    units: tuple = ()
    # {(criterion pk, part pk or None)}: a judgement of a whole criterion relies on every
    # mapping of the item to it or to its parts; a judgement of a part on that part's mapping.
    targets: frozenset = field(default_factory=frozenset)

    def __bool__(self):
        return bool(self.units)

    def covers(self, criterion_id, part_id):
        return (criterion_id, None) in self.targets or (criterion_id, part_id) in self.targets

    def refusal(self, what):
        units = get_text_list([f"unit {unit}" for unit in self.units], "and")
        verb = "is" if len(self.units) == 1 else "are"
        return (
            f"{what} cannot change: {units} {verb} signed off and relies on it. "
            "It can change only after the unit is reopened with a recorded reason."
        )


def sign_off_lock(item):
    """What standing sign-offs rely on `item` for: one query."""
    standing = UnitSignOff.objects.filter(
        enrolled_unit=OuterRef("judgement__enrolled_unit"), reopened_at__isnull=True
    )
    rows = (
        JudgementEvidence.objects.filter(item=item)
        .filter(Exists(standing))
        .values_list(
            "judgement__criterion_id",
            "judgement__part_id",
            "judgement__enrolled_unit__unit__reference",
            "judgement__enrolled_unit__unit__title",
        )
    )
    targets, units = set(), {}
    for criterion_id, part_id, reference, title in rows:
        targets.add((criterion_id, part_id))
        units.setdefault(reference or title, None)
    return SignOffLock(units=tuple(units), targets=frozenset(targets))


# Items ------------------------------------------------------------------------------------


def owner_id(item):
    return item.enrolment.assessor_id if item.is_assessor_record else item.enrolment.learner_id


def _not_owner(item):
    if item.is_assessor_record:
        assessor = item.enrolment.assessor
        return (
            f"This is the assessor’s record: only {assessor.display_name} changes it, "
            "through a new version."
        )
    return "Only the learner can do this with their evidence."


def _not_draft(item):
    if item.status == EvidenceItem.Status.DRAFT:
        return None
    return (
        f"This item is {item.get_status_display().lower()}, so it cannot be changed. "
        "Revise it to start a new version."
    )


def _map_refusal(item, lock):
    if item.is_assessor_record:
        return "An assessor’s record is mapped with the assessor’s own mappings on its page."
    return _not_draft(item)


def _revise_refusal(item, lock):
    if item.is_assessor_record:
        if item.status == EvidenceItem.Status.DRAFT:
            return "This record is already being revised."
    elif item.status not in LEARNER_REVISABLE:
        return (
            f"This item is {item.get_status_display().lower()}; "
            "it can be revised only once submitted and before your assessor accepts it."
        )
    lock = lock() if callable(lock) else lock
    if lock:
        return lock.refusal(f"“{item.title}”")
    return None


def _delete_refusal(item, lock):
    if refusal := _not_draft(item):
        return refusal
    if item.is_assessor_record:
        return "A record is kept once written, so it stays. Revise it to change it."
    if item.versions.exists():
        return (
            "This item has been submitted before, so it stays in your portfolio. "
            "You can change it and submit a new version instead."
        )
    judged = sorted(
        {
            je.judgement.code
            for je in JudgementEvidence.objects.filter(item=item).select_related(
                "judgement__criterion__outcome", "judgement__part__criterion__outcome"
            )
        }
    )
    if judged:
        return (
            f"The judgement of {get_text_list(judged, 'and')} relies on it, so it stays. "
            "Ask your assessor to judge without it first."
        )
    if Feedback.objects.filter(item=item).exists():
        return "It has a feedback thread with your assessor, so it stays."
    return None


def _acknowledge_refusal(item, user):
    if not item.is_assessor_record:
        return "Only an assessor's record is acknowledged."
    if user.pk != item.enrolment.learner_id:
        return "Only the learner can acknowledge their assessor's record."
    if item.status == EvidenceItem.Status.DRAFT:
        return (
            "Your assessor is revising this record. Acknowledge it once they save the new version."
        )
    version = item.versions.order_by("-number").first()
    if version is None:
        return "This record has no version to acknowledge yet."
    if version.acknowledged_at is not None:
        return (
            f"Version {version.number} of this record was already acknowledged on "
            f"{timezone.localtime(version.acknowledged_at):%d/%m/%Y}."
        )
    return None


_OWNER_CHECKS = {
    EDIT: lambda item, lock: _not_draft(item),
    FILES: lambda item, lock: _not_draft(item),
    SUBMIT: lambda item, lock: _not_draft(item),
    MAP: _map_refusal,
    REVISE: _revise_refusal,
    DELETE: _delete_refusal,
}


def item_refusal(item, user, action, *, lock=None):
    """Why `user` may not take `action` on `item` now, in words; None when they may.

    `lock` is the item's SignOffLock if the caller has it; otherwise it is read when needed.
    """
    if action == ACKNOWLEDGE:
        return _acknowledge_refusal(item, user)
    if user.pk != owner_id(item):
        return _not_owner(item)
    return _OWNER_CHECKS[action](item, lock if lock is not None else lambda: sign_off_lock(item))


def require(item, user, action, *, lock=None):
    """Raise the refusal as a ValidationError, as the services do before they change anything."""
    refusal = item_refusal(item, user, action, lock=lock)
    if refusal:
        raise ValidationError(refusal)


@dataclass(frozen=True)
class ItemActions:
    """What a page may offer: `"revise" in actions`; `actions.refusals["revise"]` says why not."""

    allowed: frozenset
    refusals: dict
    lock: SignOffLock

    def __contains__(self, action):
        return action in self.allowed


def item_actions(item, user):
    lock = sign_off_lock(item)
    refusals = {action: item_refusal(item, user, action, lock=lock) for action in ITEM_ACTIONS}
    allowed = frozenset(action for action, refusal in refusals.items() if refusal is None)
    return ItemActions(allowed=allowed, refusals=refusals, lock=lock)


# Mappings ---------------------------------------------------------------------------------


def _mapping_locked(lock, item, criterion_id, part_id, code):
    lock = lock if lock is not None else sign_off_lock(item)
    if lock.covers(criterion_id, part_id):
        return lock.refusal(f"The mapping of “{item.title}” to {code}")
    return None


def mapping_add_refusal(item, user, *, criterion_id, part_id, code, as_assessor, lock=None):
    """Why `user` may not map `item` to a criterion or part now; None when they may."""
    if item.is_assessor_record or not as_assessor:
        # The owner's own mappings, which change only in a draft.
        return item_refusal(item, user, MAP if not item.is_assessor_record else EDIT, lock=lock)
    if user.pk != item.enrolment.assessor_id:
        return "Only the learner's assessor can add an assessor's mapping."
    return _mapping_locked(lock, item, criterion_id, part_id, code)


def mapping_remove_refusal(mapping, user, *, lock=None):
    """Why `user` may not remove `mapping` now; None when they may."""
    item = mapping.item
    if item.is_assessor_record or not mapping.added_by_assessor:
        # The owner's own mapping: theirs alone, and it changes only in a draft.
        if user.pk != owner_id(item):
            return _not_owner(item)
    elif user.pk != item.enrolment.assessor_id:
        return "Only the assessor can remove a mapping the assessor added."
    if refusal := _mapping_locked(lock, item, mapping.criterion_id, mapping.part_id, mapping.code):
        return refusal
    if item.is_assessor_record:
        return _not_draft(item)
    if not mapping.added_by_assessor:
        return item_refusal(item, user, MAP, lock=lock)
    return None


def mapping_decision_refusal(mapping, *, lock=None):
    """Whether the assessor's decision on this mapping is frozen by a standing sign-off."""
    item = mapping.item
    return _mapping_locked(lock, item, mapping.criterion_id, mapping.part_id, mapping.code)
