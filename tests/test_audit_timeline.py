"""A learner's audit timeline: newest first, paginated, filtered by kind and dates, as CSV;
for the learner, their assessor and IQA, centre admins, and an EQA only within their grant."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditPersonal, AuditRecord
from audit.selectors import records_for_enrolment
from audit.services import audit_record
from criteria.models import AssessmentCriterion
from evidence.services import evidence_item_update
from people.models import EnrolmentUnit
from quality.services import eqa_grant_create

from .evidence_factories import EvidenceItemFactory
from .factories import AssessmentCriterionFactory, UnitFactory, UserFactory
from .test_judgements import evidence_for, judge

Kind = AuditRecord.Kind
TODAY = timezone.localdate


@pytest.fixture
def draft(alice_enrolment):
    return EvidenceItemFactory(enrolment=alice_enrolment, title="Complaints log")


def timeline(client, enrolment, **params):
    return client.get(reverse("audit:timeline", args=[enrolment.pk]), params)


def grant_for(frank, alice_enrolment, unit, *, covers_from, covers_to):
    gina = UserFactory(username="gina", is_external_verifier=True)
    eqa_grant_create(
        by=frank,
        eqa=gina,
        enrolments=[alice_enrolment],
        units=[unit],
        covers_from=covers_from,
        covers_to=covers_to,
        expires_at=timezone.now() + datetime.timedelta(days=7),
    )
    return gina


@pytest.mark.parametrize("person", ["alice", "carol", "erin", "frank"])
def test_it_lists_the_portfolio_changes_newest_first(
    client, request, person, draft, alice, alice_enrolment
):
    evidence_item_update(item=draft, by=alice, title="Complaints log, November")
    client.force_login(request.getfixturevalue(person))
    response = timeline(client, alice_enrolment)
    assert response.status_code == 200
    kinds = [record.kind for record in response.context["page"]]
    assert kinds[:2] == [Kind.EVIDENCE_EDITED, Kind.EVIDENCE_CREATED]
    assert "Alice Archer (alice)" in response.content.decode()


def test_outsiders_learn_nothing(client, bob, dave, draft, alice_enrolment):
    for outsider in (bob, dave):
        client.force_login(outsider)
        assert timeline(client, alice_enrolment).status_code == 404
        url = reverse("audit:timeline_csv", args=[alice_enrolment.pk])
        assert client.get(url).status_code == 404


def test_it_filters_by_kind(client, alice, draft, alice_enrolment):
    evidence_item_update(item=draft, by=alice, title="Complaints log, November")
    client.force_login(alice)
    response = timeline(client, alice_enrolment, kind=Kind.EVIDENCE_EDITED)
    assert [record.kind for record in response.context["page"]] == [Kind.EVIDENCE_EDITED]


def test_it_filters_by_date(client, alice, draft, alice_enrolment):
    client.force_login(alice)
    yesterday = TODAY() - datetime.timedelta(days=1)
    assert len(timeline(client, alice_enrolment, since=TODAY()).context["page"]) >= 1
    response = timeline(client, alice_enrolment, until=yesterday)
    assert response.status_code == 200 and len(response.context["page"]) == 0
    assert "Nothing is recorded for these filters." in response.content.decode()


def test_a_range_that_ends_before_it_starts_is_refused_clearly(client, alice, alice_enrolment):
    client.force_login(alice)
    response = timeline(client, alice_enrolment, since="2026-11-30", until="2026-11-01")
    assert response.status_code == 400
    assert "cannot be before its start" in response.content.decode()


def test_only_centre_admins_see_addresses(client, alice, frank, alice_enrolment):
    audit_record(
        kind=Kind.ENROLMENT_CHANGED,
        actor=frank,
        obj=alice_enrolment,
        enrolment=alice_enrolment,
        summary="Enrolment changed.",
    )
    AuditPersonal.objects.filter(pk=AuditRecord.objects.last().pk).update(
        client_address="192.0.2.44"
    )
    client.force_login(alice)
    assert "192.0.2.44" not in timeline(client, alice_enrolment).content.decode()
    client.force_login(frank)
    assert "192.0.2.44" in timeline(client, alice_enrolment).content.decode()


def test_it_downloads_the_filtered_timeline_as_csv(client, alice, draft, alice_enrolment):
    evidence_item_update(item=draft, by=alice, title="=HYPERLINK(1)")
    client.force_login(alice)
    url = reverse("audit:timeline_csv", args=[alice_enrolment.pk])
    response = client.get(url, {"kind": Kind.EVIDENCE_EDITED})
    assert response.streaming and response["Content-Type"].startswith("text/csv")
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0] == "Sequence,When,What,Object,Summary,Who,Record hash"
    assert len(lines) == 2 and "Evidence edited" in lines[1] and "Alice Archer" in lines[1]
    record = AuditRecord.objects.get(kind=Kind.EVIDENCE_EDITED)
    assert lines[1].endswith(record.record_hash)


@pytest.fixture
def two_units(alice_enrolment, unit, qualification):
    """Alice's enrolment with a second unit, and a submitted item mapped to each unit alone;
    a judgement recorded on each. Returns (granted item, other item, other unit)."""
    other = UnitFactory(title="Principles of team leading", qualifications=[qualification])
    AssessmentCriterionFactory(outcome__unit=other, text="Explain how to brief a team")
    EnrolmentUnit.objects.create(enrolment=alice_enrolment, unit=other)
    items = []
    for u, title in ((unit, "Feedback summary"), (other, "Team briefing notes")):
        criterion = AssessmentCriterion.objects.filter(outcome__unit=u, parts__isnull=True).first()
        items.append(evidence_for(alice_enrolment, [(criterion, None)], title=title))
        judge(alice_enrolment.enrolled_units.get(unit=u), criterion, items=[items[-1]])
    return items[0], items[1], other


def test_an_eqa_sees_only_the_dates_their_grant_covers(
    client, frank, unit, two_units, alice_enrolment, bob_enrolment
):
    covering = grant_for(frank, alice_enrolment, unit, covers_from=TODAY(), covers_to=TODAY())
    client.force_login(covering)
    assert len(timeline(client, alice_enrolment).context["page"]) >= 1
    assert timeline(client, bob_enrolment).status_code == 404


def test_an_eqa_reads_only_the_records_of_the_units_their_grant_names(
    client, frank, unit, draft, two_units, alice_enrolment
):
    granted, other_item, other_unit = two_units
    gina = grant_for(frank, alice_enrolment, unit, covers_from=TODAY(), covers_to=TODAY())
    client.force_login(gina)
    seen = list(timeline(client, alice_enrolment).context["page"])
    everything = list(records_for_enrolment(alice_enrolment))
    # What is about the granted unit, or about evidence submitted against it: all of it.
    about_granted = [
        r
        for r in everything
        if r.item_id in (None, granted.pk)
        and r.unit_id in (None, unit.pk)
        and (r.item_id or r.unit_id)
    ]
    assert {r.kind for r in about_granted} >= {
        Kind.EVIDENCE_CREATED,
        Kind.EVIDENCE_MAPPED,
        Kind.EVIDENCE_SUBMITTED,
        Kind.MAPPING_DECIDED,
        Kind.JUDGEMENT,
    }
    assert {r.pk for r in seen} == {r.pk for r in about_granted}
    # Not the other unit's judgement, its evidence, nor a draft never submitted.
    assert not [
        r for r in seen if r.unit_id == other_unit.pk or r.item_id in (other_item.pk, draft.pk)
    ]
    assert any(r.unit_id == other_unit.pk for r in everything)
    page = timeline(client, alice_enrolment).content.decode()
    assert "Feedback summary" in page
    assert "Team briefing notes" not in page and "Complaints log" not in page
    csv = b"".join(
        client.get(reverse("audit:timeline_csv", args=[alice_enrolment.pk])).streaming_content
    ).decode()
    assert len(csv.splitlines()) == len(seen) + 1
    assert f"Evidence item {other_item.pk}," not in csv


def test_a_grant_over_both_units_reads_both(client, frank, unit, two_units, alice_enrolment):
    granted, other_item, other_unit = two_units
    gina = UserFactory(username="gina", is_external_verifier=True)
    eqa_grant_create(
        by=frank,
        eqa=gina,
        enrolments=[alice_enrolment],
        units=[unit, other_unit],
        covers_from=TODAY(),
        covers_to=TODAY(),
        expires_at=timezone.now() + datetime.timedelta(days=7),
    )
    client.force_login(gina)
    seen = timeline(client, alice_enrolment).context["page"].paginator.count
    submitted = [r for r in records_for_enrolment(alice_enrolment) if r.unit_id or r.item_id]
    assert seen == len(submitted) and any(r.item_id == other_item.pk for r in submitted)


def test_records_say_what_they_are_about(unit, two_units, alice_enrolment):
    granted, _, _ = two_units
    records = {r.kind: r for r in records_for_enrolment(alice_enrolment, newest_first=False)}
    assert records[Kind.EVIDENCE_CREATED].item_id is not None
    assert records[Kind.EVIDENCE_CREATED].unit_id is None
    judgement = [r for r in records_for_enrolment(alice_enrolment) if r.kind == Kind.JUDGEMENT]
    assert {r.unit_id for r in judgement} == set(
        alice_enrolment.enrolled_units.values_list("unit_id", flat=True)
    )
    decided = [r for r in records_for_enrolment(alice_enrolment) if r.kind == Kind.MAPPING_DECIDED]
    assert granted.pk in {r.item_id for r in decided}


def test_an_eqa_whose_grant_covers_other_dates_sees_nothing(
    client, frank, unit, draft, alice_enrolment
):
    last_year = datetime.date(TODAY().year - 1, 1, 1)
    gina = grant_for(frank, alice_enrolment, unit, covers_from=last_year, covers_to=last_year)
    client.force_login(gina)
    response = timeline(client, alice_enrolment)
    assert response.status_code == 200 and len(response.context["page"]) == 0
    url = reverse("audit:timeline_csv", args=[alice_enrolment.pk])
    assert len(b"".join(client.get(url).streaming_content).decode().splitlines()) == 1


def test_the_progress_and_enrolment_pages_link_to_the_timeline(
    client, alice, frank, alice_enrolment
):
    url = reverse("audit:timeline", args=[alice_enrolment.pk])
    client.force_login(alice)
    assert (
        url in client.get(reverse("evidence:progress", args=[alice_enrolment.pk])).content.decode()
    )
    client.force_login(frank)
    assert (
        url in client.get(reverse("people:enrolment", args=[alice_enrolment.pk])).content.decode()
    )


def test_the_selector_the_export_reads_gives_every_record_oldest_first_when_asked(
    alice, draft, alice_enrolment
):
    evidence_item_update(item=draft, by=alice, title="Second")
    records = list(records_for_enrolment(alice_enrolment, newest_first=False))
    assert [r.sequence for r in records] == sorted(r.sequence for r in records)


@pytest.mark.parametrize("items", [2, 60])
def test_a_page_costs_the_same_however_long_the_timeline(
    client, alice, alice_enrolment, items, django_assert_num_queries
):
    for number in range(items):
        EvidenceItemFactory(enrolment=alice_enrolment, title=f"Log {number}")
    client.force_login(alice)
    timeline(client, alice_enrolment)  # the session's first reads
    with django_assert_num_queries(6):
        response = timeline(client, alice_enrolment)
    assert response.status_code == 200
