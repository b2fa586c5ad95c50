"""Demo people, enrolments and portfolios for `make run`, screenshots and benchmarks.

Idempotent: it creates what is missing and leaves everything else as it finds it, so running
it twice changes nothing (a password someone changed stays changed).
"""

import datetime
import random

from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from assessments.demo import seed_demo_assessments
from criteria.models import Qualification, Unit
from evidence.demo import seed_demo_evidence
from people.bulk_demo import seed_bulk_portfolios
from people.models import Enrolment, EnrolmentUnit, User
from people.services import enrolment_create
from quality.demo import seed_demo_quality

DEMO_PASSWORD = "portfolio-demo-2026"
L3_QUALIFICATION = "ocr-l3-nvq-diploma-business-admin"
L3_UNIT = "a-601-2550"

# username, first name, last name, what they do in the demo
DEMO_PEOPLE = [
    ("learner", "Priya", "Shah", "learner on the Level 3 diploma"),
    ("learner2", "Tom", "Walker", "second learner on the Level 3 diploma"),
    ("assessor", "Sarah", "Jones", "assessor of both learners"),
    ("iqa", "David", "Okafor", "internal quality assurer of both learners"),
    ("eqa", "Helen", "Price", "external quality assurer from the awarding body"),
    ("admin", "Mark", "Ellis", "centre admin (and Django admin)"),
]
FIRST_NAMES = ["Aisha", "Ben", "Chloe", "Dan", "Ella", "Femi", "Grace", "Harry", "Isla", "Jack"]
LAST_NAMES = ["Brown", "Clarke", "Davies", "Evans", "Hughes", "Khan", "Patel", "Roberts", "Wood"]


class Command(BaseCommand):
    help = "Create the demo users and enrolments (idempotent). Prints the demo logins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--learners",
            type=int,
            default=2,
            help="How many learners in all (at least 2); extra ones are learner3, learner4...",
        )
        parser.add_argument(
            "--items",
            type=int,
            default=0,
            help=(
                "Evidence items for each generated learner (learner3 on), with mappings, "
                "decisions, judgements and notices: a benchmark centre. Default 0."
            ),
        )
        parser.add_argument("--seed", type=int, default=2550, help="Seed for generated names.")

    def handle(self, *args, learners, items, seed, **options):
        if learners < 2:
            raise CommandError("--learners must be at least 2 (learner and learner2).")
        if items < 0:
            raise CommandError("--items cannot be negative.")
        if not Unit.objects.filter(slug=L3_UNIT).exists():
            call_command("loaddata", "units", verbosity=0)
        # The demo's notices stay in the app: emailing made-up addresses helps nobody.
        quiet_mail = override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend")
        with quiet_mail, transaction.atomic():
            created = seed_demo(learners=learners, items=items, seed=seed)
        self.stdout.write(f"Demo data ready ({created} new records).")
        self.stdout.write(f"Demo logins at /accounts/login/, password for all: {DEMO_PASSWORD}")
        for username, first, last, role in DEMO_PEOPLE:
            self.stdout.write(f"  {username:<9} {first} {last}, {role}")


def _person(username, first_name, last_name, **flags):
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "first_name": first_name,
            "last_name": last_name,
            "email": f"{username}@demo.nvq-portfolio.test",
            **flags,
        },
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user, created


def _generated_learners(learners, rng):
    """learner3, learner4... up to `learners`: the missing ones made in one insert, all with
    one password hash worked out once (hashing is deliberately slow: 1,000 took 25 minutes)."""
    names = [
        (f"learner{n}", rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES))
        for n in range(3, learners + 1)
    ]
    existing = set(
        User.objects.filter(username__in=[name for name, _, _ in names]).values_list(
            "username", flat=True
        )
    )
    password = make_password(DEMO_PASSWORD) if len(existing) < len(names) else ""
    missing = [
        User(
            username=username,
            first_name=first,
            last_name=last,
            email=f"{username}@demo.nvq-portfolio.test",
            password=password,
        )
        for username, first, last in names
        if username not in existing
    ]
    User.objects.bulk_create(missing, batch_size=1000)
    by_name = User.objects.in_bulk([name for name, _, _ in names], field_name="username")
    return [by_name[name] for name, _, _ in names], len(missing)


def _enrol_generated(learners, qualification, unit, people, rng):
    """Enrol the generated learners not yet enrolled, in two inserts; returns their enrolled
    units. The demo's own learners go through enrolment_create; these are made in bulk, with
    the same valid shape (their assessor and IQA are never themselves)."""
    enrolled = set(
        Enrolment.objects.filter(qualification=qualification).values_list("learner_id", flat=True)
    )
    term_start = datetime.date(2026, 9, 7)
    enrolments = []
    for learner in learners:
        if learner.pk in enrolled:
            continue
        start = term_start - datetime.timedelta(weeks=rng.randint(0, 20))
        enrolments.append(
            Enrolment(
                learner=learner,
                qualification=qualification,
                assessor=people["assessor"],
                iqa=people["iqa"],
                start_date=start,
                planned_end_date=start + datetime.timedelta(weeks=52),
            )
        )
    Enrolment.objects.bulk_create(enrolments, batch_size=1000)
    enrolled_units = EnrolmentUnit.objects.bulk_create(
        [EnrolmentUnit(enrolment=enrolment, unit=unit) for enrolment in enrolments],
        batch_size=1000,
    )
    for enrolled_unit in enrolled_units:
        enrolled_unit.unit = unit
    return enrolled_units


def seed_demo(*, learners=2, items=0, seed=2550):
    """Create what is missing of the demo; return how many records were new."""
    rng = random.Random(seed)
    new = 0
    people = {}
    for username, first, last, _ in DEMO_PEOPLE:
        flags = (
            {"is_centre_admin": True, "is_staff": True, "is_superuser": True}
            if username == "admin"
            else {}
        )
        people[username], created = _person(username, first, last, **flags)
        new += created
    learner_people = [people["learner"], people["learner2"]]
    generated, created = _generated_learners(learners, rng)
    new += created

    qualification = Qualification.objects.get(code=L3_QUALIFICATION)
    unit = Unit.objects.get(slug=L3_UNIT)
    enrolled = set(
        Enrolment.objects.filter(qualification=qualification).values_list("learner_id", flat=True)
    )
    term_start = datetime.date(2026, 9, 7)
    for index, learner in enumerate(learner_people):
        if learner.pk in enrolled:
            continue
        start = term_start - datetime.timedelta(weeks=index)
        enrolment_create(
            learner=learner,
            qualification=qualification,
            units=[unit],
            assessor=people["assessor"],
            iqa=people["iqa"],
            start_date=start,
            planned_end_date=start + datetime.timedelta(weeks=52),
        )
        new += 1
    enrolments = {
        e.learner.username: e
        for e in Enrolment.objects.filter(
            qualification=qualification, learner__username__in=["learner", "learner2"]
        ).select_related("learner", "assessor")
    }
    new += seed_demo_evidence(enrolments, today=timezone.localdate())
    new += seed_demo_assessments(enrolments, today=timezone.localdate())
    new += seed_demo_quality(people, enrolments, qualification, today=timezone.localdate())
    enrolled_units = _enrol_generated(generated, qualification, unit, people, rng)
    new += len(enrolled_units)
    new += seed_bulk_portfolios(enrolled_units, items=items, seed=seed)
    return new
