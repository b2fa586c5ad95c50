"""What waits for a person: the to-do lists at the top of the home page, and their count in
the navigation.

Each list is a queryset narrowed to the person, oldest first. Their counts come in one query
(each counted only as far as one more than is shown in the navigation), and each list that is
not empty shows its first few entries in one more query, so the home page costs the same for an
assessor of 1,000 learners as for one of 10.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import (
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from assessments.caseload import ON_CASELOAD, WAITING_FOR_REVIEW, due_text, waiting_text
from assessments.models import Judgement, Target, UnitSignOff
from criteria.models import AssessmentCriterion
from evidence.models import EvidenceItem, EvidenceVersion
from people.models import Enrolment, EnrolmentUnit, User
from quality.models import EqaGrant, QualityAction, SampleEntry, SamplingPlan

SHOWN = 5  # entries of each list on the home page; the rest are one link away
COUNT_CAP = 99  # the navigation says "99+" past this
TARGETS_DUE_WITHIN_DAYS = 7
SAMPLES_DUE_WITHIN_DAYS = 14
PLANS_ENDING_WITHIN_DAYS = 30
GRANTS_ENDING_WITHIN_DAYS = 14


@dataclass
class Entry:
    text: str
    url: str
    action: str  # what the link does, in a verb: "Countersign", "Review"
    when: str = ""  # "waiting 9 days", "due in 3 days"


@dataclass
class TodoList:
    key: str
    title: str
    count: int
    entries: list[Entry] = field(default_factory=list)
    more_url: str = ""

    @property
    def count_text(self):
        """The count as shown: counted only as far as one more than COUNT_CAP."""
        return f"{COUNT_CAP}+" if self.count > COUNT_CAP else str(self.count)

    @property
    def more(self):
        """How many are not shown, in words: '3' or, past the count's cap, '94+'."""
        hidden = max(min(self.count, COUNT_CAP) - len(self.entries), 0)
        return f"{hidden}+" if self.count > COUNT_CAP else (str(hidden) if hidden else "")


@dataclass
class TodoSection:
    role: str
    title: str
    lists: list[TodoList]

    @property
    def count(self):
        return sum(todo.count for todo in self.lists)


def _days(moment, today):
    return (today - timezone.localdate(moment)).days if moment else 0


# The lists: (key, title, queryset, entry maker, link to the rest) for each role ---------------


def _learner_lists(user, today):
    mine = Q(enrolment__learner=user)
    latest = EvidenceVersion.objects.filter(item=OuterRef("item")).order_by("-number")
    return [
        (
            "sent_back",
            "Evidence sent back to you",
            EvidenceItem.objects.filter(
                mine, status=EvidenceItem.Status.NEEDS_MORE_WORK, is_assessor_record=False
            ).order_by("updated_at", "pk"),
            lambda item: Entry(
                f"“{item.title}”: your assessor asked for more work",
                item.get_absolute_url(),
                "Read the feedback and revise",
                f"sent back {timezone.localtime(item.updated_at):%-d %B %Y}",
            ),
            reverse("evidence:list") + "?status=needs_more_work",
        ),
        (
            "acknowledge",
            "Records to acknowledge",
            EvidenceVersion.objects.filter(
                item__enrolment__learner=user,
                item__is_assessor_record=True,
                acknowledged_at__isnull=True,
                number=Subquery(latest.values("number")[:1]),
            )
            .exclude(item__status=EvidenceItem.Status.DRAFT)
            .select_related("item", "declared_by")
            .order_by("declared_at", "pk"),
            lambda version: Entry(
                f"{version.declared_by.display_name}’s record “{version.item.title}”",
                version.item.get_absolute_url() + "#acknowledge",
                "Read and acknowledge",
                f"written {timezone.localtime(version.declared_at):%-d %B %Y}",
            ),
            "",
        ),
        (
            "countersign",
            "Units to countersign",
            UnitSignOff.objects.filter(
                enrolled_unit__enrolment__learner=user,
                reopened_at__isnull=True,
                learner_signed_at__isnull=True,
            )
            .select_related("enrolled_unit__unit", "assessor")
            .order_by("assessor_signed_at", "pk"),
            lambda sign_off: Entry(
                f"{sign_off.enrolled_unit.unit}: signed off by {sign_off.assessor.display_name}",
                _unit_url(sign_off.enrolled_unit) + "#sign-off-heading",
                "Countersign",
                f"signed {timezone.localtime(sign_off.assessor_signed_at):%-d %B %Y}",
            ),
            "",
        ),
        (
            "targets_due",
            "Targets due",
            Target.objects.filter(
                mine,
                status=Target.Status.OPEN,
                due_date__lte=today + datetime.timedelta(days=TARGETS_DUE_WITHIN_DAYS),
            ).order_by("due_date", "pk"),
            lambda target: Entry(
                target.description,
                reverse("assessments:targets", args=[target.enrolment_id]),
                "See your action plan",
                due_text(target.due_date, today),
            ),
            "",
        ),
        (
            "drafts",
            "Drafts not yet submitted",
            EvidenceItem.objects.filter(
                mine, status=EvidenceItem.Status.DRAFT, is_assessor_record=False
            ).order_by("created_at", "pk"),
            lambda item: Entry(
                f"“{item.title}”",
                item.get_absolute_url(),
                "Finish and submit",
                f"started {timezone.localtime(item.created_at):%-d %B %Y}",
            ),
            reverse("evidence:list") + "?status=draft",
        ),
    ]


def _units_ready_to_sign(user):
    """Units on the caseload with every criterion judged met and no standing sign-off."""
    criteria = (
        AssessmentCriterion.objects.filter(outcome__unit=OuterRef("unit"))
        .order_by()
        .values("outcome__unit")
        .annotate(n=Count("pk"))
        .values("n")
    )
    met = Judgement.objects.filter(
        enrolled_unit=OuterRef("pk"), part__isnull=True, outcome=Judgement.Outcome.MET
    )
    met_count = met.order_by().values("enrolled_unit").annotate(n=Count("pk")).values("n")
    last_judged = met.order_by().values("enrolled_unit").annotate(at=Max("judged_at"))
    standing = UnitSignOff.objects.filter(enrolled_unit=OuterRef("pk"), reopened_at__isnull=True)
    return (
        EnrolmentUnit.objects.filter(
            enrolment__assessor=user,
            enrolment__status__in=ON_CASELOAD,
            unit__criteria_complete=True,
        )
        .annotate(
            criteria_count=Coalesce(Subquery(criteria, output_field=IntegerField()), 0),
            met_count=Coalesce(Subquery(met_count, output_field=IntegerField()), 0),
            last_judged=Subquery(last_judged.values("at")),
        )
        .filter(~Exists(standing), criteria_count__gt=0, met_count=F("criteria_count"))
        .select_related("unit", "enrolment__learner")
        .order_by("last_judged", "pk")
    )


def _assessor_lists(user, today):
    on_caseload = Q(enrolment__assessor=user, enrolment__status__in=ON_CASELOAD)
    return [
        (
            "waiting",
            "Evidence waiting for your review",
            EvidenceItem.objects.filter(
                on_caseload, status__in=WAITING_FOR_REVIEW, is_assessor_record=False
            )
            .annotate(waiting_from=Coalesce("submitted_at", "updated_at"))
            .select_related("enrolment__learner")
            .order_by(F("submitted_at").asc(nulls_last=True), "pk"),
            lambda item: Entry(
                f"{item.enrolment.learner.display_name}: “{item.title}”",
                reverse("assessments:review", args=[item.pk]),
                "Review",
                waiting_text(_days(item.waiting_from, today)),
            ),
            reverse("assessments:caseload"),
        ),
        (
            "ready_to_sign",
            "Units ready to sign off",
            _units_ready_to_sign(user),
            lambda enrolled_unit: Entry(
                f"{enrolled_unit.enrolment.learner.display_name}: {enrolled_unit.unit}",
                _unit_url(enrolled_unit) + "#sign-off-heading",
                "Sign off",
                "every criterion met",
            ),
            "",
        ),
        (
            "iqa_actions",
            "IQA actions to respond to",
            QualityAction.objects.filter(assessor=user, status=QualityAction.Status.OPEN)
            .select_related("review")
            .order_by("due_date", "pk"),
            lambda action: Entry(
                action.description,
                f"{action.review.get_absolute_url()}#action-{action.pk}",
                "Respond",
                due_text(action.due_date, today),
            ),
            "",
        ),
        (
            "targets_overdue",
            "Targets overdue",
            Target.objects.filter(on_caseload, status=Target.Status.OPEN, due_date__lt=today)
            .select_related("enrolment__learner")
            .order_by("due_date", "pk"),
            lambda target: Entry(
                f"{target.enrolment.learner.display_name}: {target.description}",
                reverse("assessments:targets", args=[target.enrolment_id]),
                "See the action plan",
                due_text(target.due_date, today),
            ),
            "",
        ),
    ]


def _iqa_lists(user, today):
    return [
        (
            "samples_due",
            "Samples to review",
            SampleEntry.objects.filter(
                plan__iqa=user,
                review__isnull=True,
                planned_for__lte=today + datetime.timedelta(days=SAMPLES_DUE_WITHIN_DAYS),
            )
            .select_related("enrolled_unit__unit", "enrolled_unit__enrolment__learner")
            .order_by("planned_for", "pk"),
            lambda entry: Entry(
                f"{entry.get_stage_display()} sample: "
                f"{entry.enrolled_unit.enrolment.learner.display_name}, {entry.enrolled_unit.unit}",
                reverse("quality:entry", args=[entry.pk]),
                "Review the sample",
                f"sample by {entry.planned_for:%-d %B %Y}",
            ),
            reverse("quality:home"),
        ),
        (
            "actions_to_close",
            "Actions the assessor has answered",
            QualityAction.objects.filter(review__iqa=user, status=QualityAction.Status.RESPONDED)
            .select_related("review", "assessor")
            .order_by("responded_at", "pk"),
            lambda action: Entry(
                f"{action.assessor.display_name}: {action.description}",
                f"{action.review.get_absolute_url()}#action-{action.pk}",
                "Read the response and close",
                f"answered {timezone.localtime(action.responded_at):%-d %B %Y}",
            ),
            "",
        ),
        (
            "plans_ending",
            "Sampling plans ending soon",
            SamplingPlan.objects.filter(
                iqa=user,
                period_end__gte=today,
                period_end__lte=today + datetime.timedelta(days=PLANS_ENDING_WITHIN_DAYS),
            )
            .select_related("qualification")
            .order_by("period_end", "pk"),
            lambda plan: Entry(
                str(plan),
                reverse("quality:plan", args=[plan.pk]),
                "Open the plan",
                f"ends {plan.period_end:%-d %B %Y}",
            ),
            "",
        ),
    ]


def _admin_lists(user, today):
    now = timezone.now()
    # Three NOT EXISTS, not one NOT (a OR b OR c): each becomes an anti-join on its own index,
    # where the OR made PostgreSQL scan every enrolment once for each person (bench/RESULTS.md).
    in_no_enrolment = [
        ~Exists(Enrolment.objects.filter(**{role: OuterRef("pk")}))
        for role in ("learner", "assessor", "iqa")
    ]
    return [
        (
            "unenrolled",
            "People without an enrolment",
            User.objects.filter(
                is_active=True,
                is_centre_admin=False,
                is_external_verifier=False,
                is_superuser=False,
            )
            .filter(*in_no_enrolment)
            .order_by("date_joined", "pk"),
            lambda person: Entry(
                person.display_name,
                reverse("people:person_edit", args=[person.pk]),
                "Open their record",
                f"added {timezone.localtime(person.date_joined):%-d %B %Y}",
            ),
            reverse("people:people"),
        ),
        (
            "unstaffed",
            # Every enrolment has an assessor (the database insists); the IQA may be missing.
            "Enrolments without an IQA",
            Enrolment.objects.filter(status__in=ON_CASELOAD, iqa__isnull=True)
            .select_related("learner", "qualification")
            .order_by("start_date", "pk"),
            lambda enrolment: Entry(
                f"{enrolment.learner.display_name}: {enrolment.qualification}",
                reverse("people:enrolment_edit", args=[enrolment.pk]),
                "Choose their IQA",
                f"started {enrolment.start_date:%-d %B %Y}",
            ),
            reverse("people:enrolments"),
        ),
        (
            "grants_ending",
            "EQA access ending soon",
            EqaGrant.objects.filter(
                revoked_at__isnull=True,
                expires_at__gt=now,
                expires_at__lte=now + datetime.timedelta(days=GRANTS_ENDING_WITHIN_DAYS),
            )
            .select_related("eqa")
            .order_by("expires_at", "pk"),
            lambda grant: Entry(
                f"{grant.eqa.display_name}’s access",
                reverse("quality:grant", args=[grant.pk]),
                "Open the grant",
                f"ends {timezone.localtime(grant.expires_at):%-d %B %Y}",
            ),
            reverse("quality:grants"),
        ),
    ]


def _unit_url(enrolled_unit):
    return reverse("assessments:unit", args=[enrolled_unit.enrolment_id, enrolled_unit.unit.slug])


ROLE_LISTS = [
    ("learner", "For your learning", _learner_lists),
    ("assessor", "For your learners", _assessor_lists),
    ("iqa", "For quality assurance", _iqa_lists),
    ("centre_admin", "For your centre", _admin_lists),
]


def roles_possible(user):
    """Every role whose lists may hold something for `user`, before their roles are known."""
    return {"learner", "assessor", "iqa"} | ({"centre_admin"} if user.is_centre_admin else set())


def _lists_by_role(user, today, roles):
    """The lists of the roles `user` holds: building every role's querysets for everyone cost
    a learner's page more Python than the page itself (bench/RESULTS.md)."""
    return [(role, title, make(user, today)) for role, title, make in ROLE_LISTS if role in roles]


def capped_count(queryset, cap=COUNT_CAP):
    """How many rows `queryset` has, counted only as far as `cap` + 1: a scalar subquery."""
    return Func(
        Subquery(queryset.order_by().values("pk")[: cap + 1]),
        function="SELECT COUNT(*) FROM",
        template="(%(function)s (%(expressions)s) AS counted)",
        output_field=IntegerField(),
    )


def count_expressions(user, roles, today=None):
    """{name: capped count} of every list that waits for `user` in `roles` (from
    `people.selectors.navigation_facts`), to annotate one query with."""
    today = today or timezone.localdate()
    counts = {
        f"todo_{role}_{key}": capped_count(queryset)
        for role, _, lists in _lists_by_role(user, today, roles)
        for key, _, queryset, _, _ in lists
    }
    if user.is_external_verifier:
        # An EQA's list is their grants in force: what each covers and when it ends.
        grants = EqaGrant.objects.filter(
            eqa=user, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )
        counts["todo_eqa_grants"] = capped_count(grants)
    return counts


def todo_for(user, roles, today=None):
    """The sections of `user`'s to-do lists for the roles they hold, with the first entries of
    each, oldest first: one query for the counts and one for each list that is not empty."""
    today = today or timezone.localdate()
    by_role = _lists_by_role(user, today, roles)
    expressions = count_expressions(user, roles, today)
    expressions.pop("todo_eqa_grants", None)  # an EQA's grants are listed by the home page
    if not expressions:
        return []
    counts = User.objects.filter(pk=user.pk).values(**expressions).get()
    sections = []
    for role, title, lists in by_role:
        todo_lists = []
        for key, list_title, queryset, make_entry, more_url in lists:
            count = counts[f"todo_{role}_{key}"]
            if not count:
                continue
            entries = [make_entry(row) for row in queryset[:SHOWN]]
            todo_lists.append(TodoList(key, list_title, count, entries, more_url))
        if todo_lists:
            sections.append(TodoSection(role, title, todo_lists))
    return sections
