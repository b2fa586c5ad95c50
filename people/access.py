"""Who may see or change what: the one place every view asks.

Roles are per enrolment. An outsider gets 404 (they learn nothing, not even that the object
exists); someone who may read but not change gets 403 when they try to change. An external
quality assurer holds the read-only EQA role on the enrolments and units a standing grant names,
until it expires.
"""

import datetime
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from .models import Enrolment, User


class Role(StrEnum):
    LEARNER = "learner"
    ASSESSOR = "assessor"
    IQA = "iqa"
    CENTRE_ADMIN = "centre_admin"
    EQA = "eqa"


@dataclass(frozen=True)
class GrantScope:
    """What one standing EQA grant covers: its learners' enrolments, its units and the dates of
    the IQA records it opens. Grants never mix: another grant's dates never reach these learners.
    """

    grant_id: int
    pairs: frozenset  # (enrolment pk, unit pk): a granted unit the granted learner is enrolled on
    covers_from: datetime.date
    covers_to: datetime.date

    def units_by_enrolment(self):
        units = {}
        for enrolment_id, unit_id in sorted(self.pairs):
            units.setdefault(enrolment_id, []).append(unit_id)
        return units


def eqa_grant_scopes(user):
    """One GrantScope per EQA grant in force for `user`, oldest first; empty for others.

    Worked out once per request (it is kept on the user object) in one query.
    """
    if not getattr(user, "is_external_verifier", False):
        return []
    if not hasattr(user, "_eqa_grant_scopes"):
        # Reverse relations, so people need not import the quality app. One filter() call, so
        # the grant, its units and its enrolments are the same grant in every row.
        rows = (
            Enrolment.objects.filter(
                eqa_grants__eqa=user,
                eqa_grants__revoked_at__isnull=True,
                eqa_grants__expires_at__gt=timezone.now(),
                eqa_grants__units__enrolled_units__enrolment_id=models.F("pk"),
            )
            .values_list(
                "eqa_grants",
                "eqa_grants__covers_from",
                "eqa_grants__covers_to",
                "pk",
                "eqa_grants__units",
            )
            .order_by()
            .distinct()
        )
        grants = {}
        for grant_id, covers_from, covers_to, enrolment_id, unit_id in rows:
            grant = grants.setdefault(grant_id, (covers_from, covers_to, set()))
            grant[2].add((enrolment_id, unit_id))
        user._eqa_grant_scopes = [
            GrantScope(grant_id, frozenset(pairs), covers_from, covers_to)
            for grant_id, (covers_from, covers_to, pairs) in sorted(grants.items())
        ]
    return user._eqa_grant_scopes


def scope_condition(scopes, *, enrolment, unit=None, on=None, period=None):
    """A Q for rows inside one of `scopes`: an OR over grants of (learner AND unit AND dates).

    `enrolment` and `unit` name the row's enrolment and unit ids; `on` a date that must fall in
    the grant's range; `period` the (start, end) of a period that must overlap it. A grant's
    dates go only with that grant's learners and units: merging grants is the union of their
    scopes, never the product.
    """
    condition = Q(pk__in=[])
    for scope in scopes:
        dates = {}
        if on is not None:
            dates = {f"{on}__gte": scope.covers_from, f"{on}__lte": scope.covers_to}
        if period is not None:
            start, end = period
            dates.update({f"{start}__lte": scope.covers_to, f"{end}__gte": scope.covers_from})
        for enrolment_id, unit_ids in scope.units_by_enrolment().items():
            terms = {enrolment: enrolment_id, **dates}
            if unit is not None:
                terms[f"{unit}__in"] = unit_ids
            condition |= Q(**terms)
    return condition


def eqa_condition(user, **lookups):
    """scope_condition over the grants in force for `user`: every EQA query is built with it."""
    return scope_condition(eqa_grant_scopes(user), **lookups)


def eqa_scope(user):
    """{enrolment pk: {unit pk}} that `user`'s standing EQA grants cover; empty for others.

    The union of the grants' scopes, for what has no dates (evidence, judgements, progress).
    """
    if not getattr(user, "is_external_verifier", False):
        return {}
    if not hasattr(user, "_eqa_scope"):
        scope = {}
        for grant in eqa_grant_scopes(user):
            for enrolment_id, unit_id in grant.pairs:
                scope.setdefault(enrolment_id, set()).add(unit_id)
        user._eqa_scope = scope
    return user._eqa_scope


def units_in_scope(user, role, enrolment_id):
    """The unit pks of the enrolment a role may see: None means all of them."""
    if role != Role.EQA:
        return None
    return eqa_scope(user).get(enrolment_id, set())


def require_unit_in_scope(user, role, enrolment_id, unit_id, what="record"):
    """404 for an EQA asking for a unit of the enrolment that their grant does not name."""
    units = units_in_scope(user, role, enrolment_id)
    if units is not None and unit_id not in units:
        raise Http404(f"No such {what}.")


def enrolment_role(user, enrolment):
    """The role `user` holds on `enrolment`, most specific first, or None for an outsider."""
    if not user.is_authenticated:
        return None
    if enrolment.learner_id == user.pk:
        return Role.LEARNER
    if enrolment.assessor_id == user.pk:
        return Role.ASSESSOR
    if enrolment.iqa_id is not None and enrolment.iqa_id == user.pk:
        return Role.IQA
    if user.is_centre_admin:
        return Role.CENTRE_ADMIN
    if enrolment.pk in eqa_scope(user):
        return Role.EQA
    return None


def role_on_enrolment(user, enrolment, *, change=False, roles=frozenset(), what="record"):
    """The user's role on the enrolment of an object: 404 for outsiders, 403 when `change` is
    asked by a role not in `roles`. Every object's access helper comes through here."""
    role = enrolment_role(user, enrolment)
    if role is None:
        raise Http404(f"No such {what}.")
    if change and role not in roles:
        raise PermissionDenied(f"You can read this {what} but not change it.")
    return role


def enrolments_visible_to(user):
    """Every enrolment `user` holds a role on, as a queryset to filter further."""
    enrolments = Enrolment.objects.all()
    if user.is_centre_admin:
        return enrolments
    if user.is_external_verifier:
        return enrolments.filter(pk__in=eqa_scope(user))
    return enrolments.filter(Q(learner=user) | Q(assessor=user) | Q(iqa=user))


def enrolment_for_user(user, pk, *, change=False):
    """The enrolment, or 404 for outsiders; 403 when `change` and only a centre admin may."""
    enrolment = get_object_or_404(
        Enrolment.objects.select_related("learner", "qualification", "assessor", "iqa"), pk=pk
    )
    role = enrolment_role(user, enrolment)
    if role is None:
        raise Http404("No such enrolment.")
    if change and not user.is_centre_admin:
        raise PermissionDenied("Only a centre admin can change an enrolment.")
    return enrolment


def require_centre_admin(user):
    if not (user.is_authenticated and user.is_centre_admin):
        raise PermissionDenied("Only a centre admin can do this.")


def person_for_admin(user, pk):
    """A person's record, for centre admins only."""
    require_centre_admin(user)
    return get_object_or_404(User, pk=pk)


# Whoever changes these can sign in as the person: a password link goes to the email address.
CREDENTIAL_FIELDS = frozenset({"username", "email", "password"})


def person_change_refusal(actor, person, fields):
    """Why `actor` may not change `fields` of `person` ("password" for a password link), or None.

    A superuser may change anyone, and anyone their own record. Otherwise nobody changes a
    superuser or a Django admin (staff) account, nor another centre admin's credentials: taking
    over an account that signs, quality-assures or manages people must not be one edit away.
    """
    if not fields or actor.is_superuser or actor.pk == person.pk:
        return None
    if person.is_superuser or person.is_staff:
        return f"Only a superuser can change {person}: they are a superuser or use Django admin."
    if person.is_centre_admin and CREDENTIAL_FIELDS & set(fields):
        return (
            f"Only a superuser or {person} can change a centre admin's username, email address "
            "or password."
        )
    return None


def person_locked_fields(actor, person, fields):
    """Those of `fields` that `actor` may not change on `person`, for forms to show read-only."""
    return {name for name in fields if person_change_refusal(actor, person, {name})}


def two_factor_required(user):
    """Whether `user` must sign in with a second factor: those who manage people or accounts,
    and anyone who signs off (assessor) or quality-assures (IQA) on any enrolment."""
    if not settings.TWO_FACTOR_REQUIRED:
        return False
    if user.is_superuser or user.is_staff or user.is_centre_admin:
        return True
    return Enrolment.objects.filter(Q(assessor=user) | Q(iqa=user)).exists()
