"""Reads about people and enrolments, shaped for the pages that show them."""

from django.db.models import Count, Exists, Func, IntegerField, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from criteria.models import Qualification

from .access import enrolments_visible_to, eqa_condition
from .models import Enrolment, EnrolmentUnit, User

# The navigation counts unread notices up to this many and then says "99+": a busy assessor
# has tens of thousands, and counting them all on every page cost more than the page.
UNREAD_SHOWN = 99


def navigation_facts(user, counts=None):
    """The roles `user` holds, how many notices they have not read (a number, or "99+" past
    UNREAD_SHOWN) and the sum of `counts` ({name: capped count expression}, what waits for
    them): one query per page, each part answered from an index."""
    counts = counts or {}
    # Reverse relation, so people need not import the notifications app.
    unread = user.notifications.model.objects.filter(recipient=OuterRef("pk"), read_at__isnull=True)
    facts = (
        User.objects.filter(pk=user.pk)
        .annotate(
            learner=Exists(Enrolment.objects.filter(learner=OuterRef("pk"))),
            assessor=Exists(Enrolment.objects.filter(assessor=OuterRef("pk"))),
            iqa=Exists(Enrolment.objects.filter(iqa=OuterRef("pk"))),
            # Counted only as far as one more than is shown: (recipient, read_at) answers it.
            unread=Func(
                Subquery(unread.order_by().values("pk")[: UNREAD_SHOWN + 1]),
                function="SELECT COUNT(*) FROM",
                template="(%(function)s (%(expressions)s) AS unread_shown)",
                output_field=IntegerField(),
            ),
            **counts,
        )
        .values("learner", "assessor", "iqa", "unread", *counts)
        .get()
    )
    roles = {role for role in ("learner", "assessor", "iqa") if facts[role]}
    if user.is_centre_admin:
        roles.add("centre_admin")
    if user.is_external_verifier:
        roles.add("eqa")
    unread_count = facts["unread"]
    waiting = sum(facts[name] for name in counts)
    return roles, f"{UNREAD_SHOWN}+" if unread_count > UNREAD_SHOWN else unread_count, waiting


def enrolments_for_list(user):
    """Enrolments `user` may see, with the people, qualification and units a list shows: each
    has `enrolled_units_shown`, the units `user` may see of it, with their unit."""
    return (
        enrolments_visible_to(user)
        .select_related("learner", "qualification", "assessor", "iqa")
        .prefetch_related(
            Prefetch(
                "enrolled_units",
                queryset=enrolled_units_visible_to(user).select_related("unit"),
                to_attr="enrolled_units_shown",
            )
        )
    )


def enrolled_units_visible_to(user):
    """Learners' units `user` may see: an EQA only those one of their grants names."""
    enrolled_units = EnrolmentUnit.objects.all()
    if user.is_external_verifier:
        condition = eqa_condition(user, enrolment="enrolment_id", unit="unit_id")
        enrolled_units = enrolled_units.filter(condition)
    return enrolled_units


def units_of_enrolment(user, enrolment):
    """The units of one enrolment that `user` may see, in the enrolment's order."""
    return [
        eu.unit
        for eu in enrolled_units_visible_to(user).filter(enrolment=enrolment).select_related("unit")
    ]


def learner_enrolments(user):
    return enrolments_for_list(user).filter(learner=user)


def caseload_for_assessor(user):
    return enrolments_for_list(user).filter(assessor=user)


def enrolments_for_iqa(user):
    return enrolments_for_list(user).filter(iqa=user)


def centre_counts():
    """Headline numbers for a centre admin's home page."""
    people = User.objects.aggregate(
        people=Count("pk", filter=Q(is_active=True)),
        admins=Count("pk", filter=Q(is_active=True, is_centre_admin=True)),
    )
    enrolments = Enrolment.objects.aggregate(
        total=Count("pk"),
        **{status: Count("pk", filter=Q(status=status)) for status in Enrolment.Status.values},
    )
    return {"people": people, "enrolments": enrolments}


def name_matches(prefix, query):
    """A condition matching every word of `query` in a person's names, username or email."""
    condition = Q()
    for word in query.split():
        condition &= (
            Q(**{f"{prefix}first_name__icontains": word})
            | Q(**{f"{prefix}last_name__icontains": word})
            | Q(**{f"{prefix}username__icontains": word})
            | Q(**{f"{prefix}email__icontains": word})
        )
    return condition


def enrolments_matching(user, *, status="", qualification=None, assessor=None, query=""):
    """The enrolment list: what `user` may see, narrowed by the list's filters."""
    enrolments = enrolments_for_list(user)
    if status:
        enrolments = enrolments.filter(status=status)
    if qualification is not None:
        enrolments = enrolments.filter(qualification=qualification)
    if assessor is not None:
        enrolments = enrolments.filter(assessor=assessor)
    if query:
        enrolments = enrolments.filter(name_matches("learner__", query))
    return enrolments


def assessors_visible_to(user):
    """People who assess at least one enrolment `user` may see: the list's assessor filter."""
    visible = enrolments_visible_to(user).values("assessor")
    return User.objects.filter(pk__in=visible)


def qualifications_for_choice():
    return Qualification.objects.all()


def people_for_choice():
    """Active people, for choosing a learner, assessor or IQA."""
    return User.objects.filter(is_active=True)


def staff_for_choice(*, keep=()):
    """People who can assess or quality-assure a learner: active, not an EQA (from the awarding
    body, outside the centre) and not a learner here. `keep` stays on offer whatever, so an
    enrolment's current assessor and IQA can be kept when the rest of it changes."""
    fits = Q(is_active=True, is_external_verifier=False) & ~Q(
        pk__in=Enrolment.objects.values("learner_id")
    )
    return User.objects.filter(fits | Q(pk__in=[pk for pk in keep if pk]))


def _enrolment_count(role):
    """How many enrolments name the outer person in `role`, as a subquery.

    Three joined Counts would multiply rows (an assessor who is also an IQA for a hundred
    learners makes ten thousand); a subquery per role counts each once, still in one query.
    """
    counts = (
        Enrolment.objects.filter(**{role: OuterRef("pk")})
        .order_by()
        .values(role)
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(counts), 0)


def people_for_list(*, query="", role=""):
    """Everyone (or those holding `role`), with how many enrolments they hold as learner,
    assessor and IQA."""
    people = User.objects.annotate(
        learner_count=_enrolment_count("learner"),
        assessor_count=_enrolment_count("assessor"),
        iqa_count=_enrolment_count("iqa"),
    )
    if query:
        people = people.filter(name_matches("", query))
    # Semi-joins on the enrolments' indexed columns, not filters on the counts above, so
    # the database finds the page's people without counting for everyone first.
    holds = {
        role: Exists(Enrolment.objects.filter(**{role: OuterRef("pk")}))
        for role in ("learner", "assessor", "iqa")
    }
    if role in holds:
        people = people.filter(holds[role])
    elif role == "centre_admin":
        people = people.filter(is_centre_admin=True)
    elif role == "eqa":
        people = people.filter(is_external_verifier=True)
    elif role == "none":
        people = people.exclude(holds["learner"] | holds["assessor"] | holds["iqa"])
    return people


def enrolments_of_person(person):
    """Every enrolment `person` holds a role on, for their page; a centre admin reads it."""
    return (
        Enrolment.objects.filter(Q(learner=person) | Q(assessor=person) | Q(iqa=person))
        .select_related("learner", "qualification", "assessor", "iqa")
        .prefetch_related("units")
    )


def two_factor_status(person):
    """Whether `person` signs in with an authenticator app, and how many recovery codes remain."""
    return {
        "enrolled": TOTPDevice.objects.filter(user=person, confirmed=True).exists(),
        "recovery_codes_left": StaticToken.objects.filter(
            device__user=person, device__confirmed=True
        ).count(),
    }
