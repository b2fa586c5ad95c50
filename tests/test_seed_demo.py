"""seed_demo --items: a benchmark centre made in bulk, with the shapes the services give."""

import pytest
from django.core.management import CommandError, call_command

from assessments.models import Judgement
from evidence.models import EvidenceItem, EvidenceMapping, EvidenceVersion
from notifications.models import Notification
from people.models import Enrolment, User


def test_it_gives_each_generated_learner_a_portfolio(db, catalogue, tmp_path):
    call_command("seed_demo", learners=5, items=6, verbosity=0)

    generated = Enrolment.objects.filter(learner__username__in=["learner3", "learner4", "learner5"])
    assert generated.count() == 3
    for enrolment in generated:
        items = EvidenceItem.objects.filter(enrolment=enrolment)
        assert items.count() == 6
        assert EvidenceMapping.objects.filter(item__enrolment=enrolment).count() >= 12
        submitted = items.exclude(status=EvidenceItem.Status.DRAFT)
        versions = EvidenceVersion.objects.filter(item__enrolment=enrolment)
        assert versions.count() == submitted.count()
    accepted = EvidenceMapping.objects.filter(
        item__enrolment__in=generated, item__status=EvidenceItem.Status.ACCEPTED
    )
    assert set(accepted.values_list("decision", flat=True)) <= {"accepted"}
    assert Judgement.objects.filter(enrolled_unit__enrolment__in=generated).exists() or (
        not accepted.exists()
    )
    assert Notification.objects.filter(recipient__username="assessor").exists()
    # One shared hash, still a working password.
    assert User.objects.get(username="learner4").check_password("portfolio-demo-2026")

    # Run again, it adds nothing (one test: the demo itself takes seconds to make).
    items = EvidenceItem.objects.count()
    call_command("seed_demo", learners=5, items=6, verbosity=0)
    assert EvidenceItem.objects.count() == items


def test_it_refuses_a_negative_number_of_items(db, catalogue):
    with pytest.raises(CommandError, match="--items cannot be negative"):
        call_command("seed_demo", learners=3, items=-1, verbosity=0)
