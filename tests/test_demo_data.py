"""The demo data, as `make run` seeds it: what it promises on the first sign-in.

Seeding costs about 3 s of CPU, so the checks of one seeding share one test.
"""

import pytest
from django.core.management import call_command

from assessments.models import UnitSignOff
from assessments.signoff import sign_off_verify
from evidence.models import EvidenceItem


@pytest.fixture
def seeded(db):
    call_command("seed_demo", verbosity=0)


def test_it_seeds_a_signed_unit_whose_seal_reads_intact_and_the_records_as_versions(seeded):
    [sign_off] = UnitSignOff.objects.filter(enrolled_unit__enrolment__learner__username="learner2")
    assert sign_off.is_countersigned
    assert sign_off_verify(sign_off) == (True, [])

    records = EvidenceItem.objects.filter(is_assessor_record=True).order_by("title")
    assert [(r.status, r.versions.count()) for r in records] == [("submitted", 1)] * 2
    observation = records.get(template="observation")
    assert observation.versions.get().acknowledged_by.username == "learner"
