"""Judging a whole unit on one page: every row through judgement_record, in one transaction,
unchanged rows left alone, refusals beside their rows and nothing saved if any is refused."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.forms import unit_row_forms
from assessments.judgements import judgement_record
from assessments.models import Judgement, JudgementHistory
from assessments.selectors import target_key, unit_assessment
from assessments.signoff import ASSESSOR_DECLARATION, unit_sign_off
from evidence.models import EvidenceItem
from notifications.models import Notification

from .test_judgements import (
    criterion,
    enrolled,
    evidence_for,
    fully_met,
    judge,
    part,
)

RATIONALE = "The log shows each complaint handled the same day."


def page_url(enrolment, unit):
    return reverse("assessments:judge_unit", args=[enrolment.pk, unit.slug])


def as_sent(enrolled_unit):
    """What the page sends when nothing on it is touched: each row's standing decision."""
    data = {}
    for form in unit_row_forms(unit_assessment(enrolled_unit)):
        for name, field in form.fields.items():
            value = form.get_initial_for_field(field, name)
            if value in (None, "", [], False):
                continue
            data[form.add_prefix(name)] = (
                [str(v) for v in value] if isinstance(value, list) else str(value)
            )
    return data


def row(target, *, outcome="met", items=(), methods=("work_product",), vacsr=True, **more):
    """POST fields for one row, addressed as the page addresses it."""
    is_part = hasattr(target, "letter")
    key = target_key(target.criterion_id if is_part else target.pk, target.pk if is_part else None)
    data = {
        f"{key}-outcome": outcome,
        f"{key}-rationale": more.get("rationale", RATIONALE),
        f"{key}-methods": list(methods),
        f"{key}-evidence": [str(item.pk) for item in items],
    }
    if vacsr:
        data[f"{key}-vacsr"] = "on"
    return data


@pytest.fixture
def alice_unit(alice_enrolment, unit):
    return enrolled(alice_enrolment, unit)


@pytest.fixture
def item(alice_enrolment, unit):
    """Accepted evidence of 1.1 and of 9.1 a, b and c."""
    targets = [(criterion(unit, "1.1"), None)]
    targets += [(None, part(unit, "9.1", letter)) for letter in "abc"]
    return evidence_for(alice_enrolment, targets)


def test_it_offers_each_row_only_the_evidence_accepted_for_it(
    client, carol, alice_enrolment, unit, alice_unit, item
):
    pending = evidence_for(
        alice_enrolment, [(criterion(unit, "1.1"), None)], title="Pending log", accept=False
    )
    other = evidence_for(alice_enrolment, [(criterion(unit, "2.1"), None)], title="Survey")
    client.force_login(carol)
    forms = {form.row.code: form for form in unit_row_forms(unit_assessment(alice_unit))}

    assert forms["1.1"].fields["evidence"].choices == [(str(item.pk), item.title)]
    assert forms["2.1"].fields["evidence"].choices == [(str(other.pk), "Survey")]
    assert forms["9.1 b"].fields["evidence"].choices == [(str(item.pk), item.title)]
    page = client.get(page_url(alice_enrolment, unit))
    assert page.status_code == 200
    assert "Pending log" not in page.text and pending.pk


def test_it_records_many_rows_together_parts_before_their_whole(
    client, carol, alice_enrolment, unit, alice_unit, item
):
    client.force_login(carol)
    data = as_sent(alice_unit)
    # The whole comes first on the page; the service records its parts first.
    data |= row(criterion(unit, "9.1"), items=[item])
    for letter in "abc":
        data |= row(part(unit, "9.1", letter), items=[item])
    data |= row(criterion(unit, "1.1"), items=[item])
    data |= row(criterion(unit, "2.1"), outcome="not_yet", methods=(), vacsr=False)

    response = client.post(page_url(alice_enrolment, unit), data)

    assert response.status_code == 302
    judged = {j.code: j.outcome for j in Judgement.objects.all()}
    assert judged == {
        "1.1": "met",
        "2.1": "not_yet",
        "9.1": "met",
        "9.1 a": "met",
        "9.1 b": "met",
        "9.1 c": "met",
    }
    relied = Judgement.objects.get(criterion=criterion(unit, "1.1"), part=None).relied_on.get()
    assert relied.item == item and relied.vacsr_complete
    assert Judgement.objects.get(criterion=criterion(unit, "2.1")).methods == []
    assert JudgementHistory.objects.count() == 6
    # One notice for the lot, not one per row.
    notice = Notification.objects.get(kind="judgement_changed")
    assert notice.message == (
        "Carol Carter judged 6 criteria and parts of unit A/601/2550: "
        "1.1, 9.1, 9.1 a, 9.1 b and 9.1 c met; 2.1 not yet met."
    )
    assert "6 judgements recorded." in client.get(response.url).text


def test_one_refused_row_saves_nothing_and_is_shown_beside_its_row_and_in_the_summary(
    client, carol, alice_enrolment, unit, alice_unit, item
):
    client.force_login(carol)
    data = as_sent(alice_unit)
    data |= row(criterion(unit, "1.1"), items=[item])
    data |= row(criterion(unit, "2.1"), outcome="met")  # nothing to rely on
    data |= row(criterion(unit, "3.1"), outcome="not_yet", rationale=" ")

    response = client.post(page_url(alice_enrolment, unit), data)

    assert response.status_code == 400
    assert not Judgement.objects.exists()
    page = response.text
    assert "2 rows could not be recorded, so nothing was saved." in page
    key21 = target_key(criterion(unit, "2.1").pk)
    key31 = target_key(criterion(unit, "3.1").pk)
    summary = page.split('id="error-summary"')[1].split("</div>")[0]
    assert "There is a problem" in summary
    assert f'href="#div_id_{key21}-evidence"' in summary
    assert "rely on at least one item of accepted evidence" in summary
    assert f'href="#id_{key31}-rationale"' in summary
    assert "Give the reasons for this judgement." in summary
    # Each anchor is a real place on the page, inside the row it is about.
    for anchor in (f'id="div_id_{key21}-evidence"', f'id="id_{key31}-rationale"'):
        assert anchor in page
    row21 = page.split(f'id="row-{key21}"')[1].split("</tr>")[0]
    assert "rely on at least one item of accepted evidence" in row21


def test_rows_left_as_they_were_are_not_recorded_again(
    client, carol, alice_enrolment, unit, alice_unit, item
):
    judge(alice_unit, criterion(unit, "1.1"), items=[item])
    judge(alice_unit, criterion(unit, "2.1"), outcome="not_yet", methods=[])
    client.force_login(carol)
    data = as_sent(alice_unit) | row(criterion(unit, "3.1"), outcome="not_yet", vacsr=False)

    response = client.post(page_url(alice_enrolment, unit), data)

    assert response.status_code == 302
    assert JudgementHistory.objects.count() == 3
    assert set(Judgement.objects.values_list("version", flat=True)) == {1}
    assert "1 judgement recorded." in client.get(response.url).text


def test_not_yet_met_needs_a_method_only_when_it_relies_on_evidence(alice_unit, unit, item):
    c11 = criterion(unit, "1.1")
    assert judge(alice_unit, criterion(unit, "2.1"), outcome="not_yet", methods=[]).methods == []
    with pytest.raises(Exception, match="Tick at least one assessment method"):
        judge(alice_unit, c11, outcome="not_yet", methods=[], items=[item])
    with pytest.raises(Exception, match="Tick at least one assessment method"):
        judge(alice_unit, c11, methods=[], items=[item])


def test_a_signed_off_unit_is_read_only_on_the_page(client, carol, alice_enrolment, unit):
    enrolled_unit, item = fully_met(alice_enrolment, unit)
    unit_sign_off(enrolled_unit=enrolled_unit, by=carol, declaration_confirmed=True)
    client.force_login(carol)

    page = client.get(page_url(alice_enrolment, unit))
    assert page.status_code == 200
    assert "This unit is signed off" in page.text
    assert 'name="submission_token"' not in page.text and "<textarea" not in page.text
    assert ASSESSOR_DECLARATION

    before = JudgementHistory.objects.count()
    data = row(criterion(unit, "2.1"), outcome="not_yet", vacsr=False)
    response = client.post(page_url(alice_enrolment, unit), data, follow=True)
    assert "This unit is signed off" in response.text
    assert JudgementHistory.objects.count() == before


def test_only_the_assessor_opens_the_page(client, alice, erin, dave, alice_enrolment, unit):
    for person, status in ((alice, 403), (erin, 403), (dave, 404)):
        client.force_login(person)
        assert client.get(page_url(alice_enrolment, unit)).status_code == status


@pytest.mark.parametrize("items", [5, 40])
def test_the_page_costs_the_same_with_5_items_as_with_40(
    client, carol, alice_enrolment, unit, alice_unit, items
):
    """Pinned at one number for both sizes: the page's reads and the save's do not grow."""
    for number in range(items):
        evidence_for(
            alice_enrolment,
            [(criterion(unit, "1.1"), None), (criterion(unit, "2.1"), None)],
            title=f"Log {number}",
        )
    chosen = list(EvidenceItem.objects.filter(enrolment=alice_enrolment))
    client.force_login(carol)
    url = page_url(alice_enrolment, unit)
    with CaptureQueriesContext(connection) as page_reads:
        assert client.get(url).status_code == 200
    # session, user, enrolled unit, sign-off, judgements, relied on, accepted items, criteria,
    # parts, navigation
    assert len(page_reads) == 9
    data = as_sent(alice_unit) | row(criterion(unit, "1.1"), items=chosen)
    with CaptureQueriesContext(connection) as save:
        assert client.post(url, data).status_code == 302
    assert Judgement.objects.get().relied_on.count() == items
    # the claim, versions before, one row's checks and writes, notice, its audit record (and on
    # PostgreSQL the lock that keeps the audit trail in order), and the versions of the eight
    # tables it wrote moved on (page_cache: one statement each here, where a test's transaction
    # never commits; one for them all after a real commit)
    assert len(save) == 46 + 8 + (connection.vendor == "postgresql")


def test_the_service_refuses_anyone_but_the_assessor(alice_unit, unit, erin):
    with pytest.raises(Exception, match="Only the learner's assessor"):
        judgement_record(
            enrolled_unit=alice_unit,
            by=erin,
            criterion=criterion(unit, "2.1"),
            outcome="not_yet",
            rationale=RATIONALE,
            methods=[],
        )
