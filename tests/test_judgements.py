"""Judging criteria and parts: VACSR, accepted evidence, parts before the whole, history,
notices, and the pages that show and take judgements."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.criterion_state import portfolio_states
from assessments.judgements import VACSR, judgement_record
from assessments.models import Judgement, JudgementHistory
from assessments.review import mapping_decide, mappings_decide
from assessments.selectors import unit_assessment
from criteria.models import AssessmentCriterion, CriterionPart
from evidence import services as evidence_services
from evidence.models import EvidenceMapping
from notifications.models import Notification
from people.models import EnrolmentUnit

from .evidence_factories import EvidenceItemFactory, add_file
from .factories import AssessmentCriterionFactory, UnitFactory

ALL_CHECKS = dict.fromkeys(VACSR, True)


# Helpers, shared with test_sign_off.py ------------------------------------------------------


def criterion(unit, code):
    outcome, number = code.split(".")
    return AssessmentCriterion.objects.get(
        outcome__unit=unit, outcome__number=outcome, number=number
    )


def part(unit, code, letter):
    return CriterionPart.objects.get(criterion=criterion(unit, code), letter=letter)


def enrolled(enrolment, unit):
    return EnrolmentUnit.objects.select_related("unit", "enrolment").get(
        enrolment=enrolment, unit=unit
    )


def targets_in_order(enrolled_unit):
    """(code, criterion, part) for every judgement the unit needs, each part before its whole."""
    targets = []
    for row in unit_assessment(enrolled_unit).rows:
        if not row.is_part:
            targets.extend((p.code, p.criterion, p.part) for p in row.parts)
            targets.append((row.code, row.criterion, None))
    return targets


def evidence_for(enrolment, targets, *, title="Complaints log, October", accept=True):
    """A submitted item with one file, mapped to `targets` [(criterion, part)], its mappings
    accepted by the assessor through the review service."""
    learner = enrolment.learner
    item = EvidenceItemFactory(enrolment=enrolment, title=title)
    add_file(item, "complaints-log.pdf")
    evidence_services.evidence_mappings_set(
        item=item, by=learner, targets=[(c, p, "") for c, p in targets]
    )
    evidence_services.evidence_submit(item=item, by=learner, declaration=True)
    if accept:
        mappings_decide(
            item=item,
            by=enrolment.assessor,
            decisions=[(m, EvidenceMapping.Decision.ACCEPTED, "") for m in item.mappings.all()],
        )
    return item


def evidence_for_everything(enrolled_unit):
    """One item mapped to every criterion without parts and every part, all accepted."""
    rows = unit_assessment(enrolled_unit).rows
    targets = [(row.criterion, row.part) for row in rows if row.is_part or not row.has_parts]
    return evidence_for(enrolled_unit.enrolment, targets)


def judge(enrolled_unit, target, *, outcome="met", items=(), checks=None, **changes):
    """Record a judgement as the assessor; `target` is a criterion or a part."""
    is_part = isinstance(target, CriterionPart)
    arguments = {
        "enrolled_unit": enrolled_unit,
        "by": enrolled_unit.enrolment.assessor,
        "criterion": target.criterion if is_part else target,
        "part": target if is_part else None,
        "outcome": outcome,
        "rationale": "The log shows each complaint handled the same day.",
        "methods": ["work_product"],
        "evidence": [(item, ALL_CHECKS if checks is None else checks) for item in items],
    }
    return judgement_record(**{**arguments, **changes})


def judge_all_met(enrolled_unit, item, *, skip=()):
    for code, c, p in targets_in_order(enrolled_unit):
        if code not in skip:
            judge(enrolled_unit, p or c, items=[item])


def fully_met(enrolment, unit, *, skip=()):
    """Every code of the unit judged met on one accepted item, but those in `skip`.

    Returns (enrolled unit, item)."""
    enrolled_unit = enrolled(enrolment, unit)
    item = evidence_for_everything(enrolled_unit)
    judge_all_met(enrolled_unit, item, skip=skip)
    return enrolled_unit, item


@pytest.fixture
def alice_unit(alice_enrolment, unit):
    return enrolled(alice_enrolment, unit)


@pytest.fixture
def item(alice_enrolment, unit):
    """Accepted evidence of 1.1, 9.1 a, 9.1 b and 9.1 c."""
    targets = [(criterion(unit, "1.1"), None)]
    targets += [(None, part(unit, "9.1", letter)) for letter in "abc"]
    return evidence_for(alice_enrolment, targets)


def unit_url(enrolment, unit):
    return reverse("assessments:unit", args=[enrolment.pk, unit.slug])


def judge_url(enrolment, unit, key):
    return reverse("assessments:judge", args=[enrolment.pk, unit.slug, key])


# The service ------------------------------------------------------------------------------


class TestRecording:
    def test_it_records_met_on_accepted_evidence_with_all_vacsr_checks(
        self, alice_unit, unit, item, carol
    ):
        judgement = judge(alice_unit, criterion(unit, "1.1"), items=[item])

        assert judgement.outcome == Judgement.Outcome.MET
        assert judgement.version == 1 and judgement.judged_by == carol
        relied_on = judgement.relied_on.get()
        assert relied_on.item == item and relied_on.vacsr_complete

    def test_it_records_not_yet_met_relying_on_nothing(self, alice_unit, unit):
        judgement = judge(alice_unit, criterion(unit, "2.1"), outcome="not_yet")
        assert judgement.get_outcome_display() == "Not yet met"
        assert not judgement.relied_on.exists()

    def test_it_refuses_met_with_no_evidence(self, alice_unit, unit):
        with pytest.raises(ValidationError, match="rely on at least one item of accepted"):
            judge(alice_unit, criterion(unit, "1.1"))
        assert not Judgement.objects.exists()

    def test_it_refuses_met_on_a_mapping_not_yet_reviewed(self, alice_enrolment, alice_unit, unit):
        pending = evidence_for(alice_enrolment, [(criterion(unit, "1.1"), None)], accept=False)
        with pytest.raises(ValidationError, match="has not been reviewed yet"):
            judge(alice_unit, criterion(unit, "1.1"), items=[pending])

    def test_it_refuses_met_on_a_rejected_mapping(self, alice_unit, unit, item, carol):
        mapping = item.mappings.get(criterion=criterion(unit, "1.1"))
        mapping_decide(mapping=mapping, by=carol, decision="rejected", comment="Not 1.1")
        with pytest.raises(ValidationError, match="was rejected"):
            judge(alice_unit, criterion(unit, "1.1"), items=[item])

    def test_it_refuses_met_on_an_item_not_mapped_to_the_criterion(self, alice_unit, unit, item):
        with pytest.raises(ValidationError, match="is not mapped to 2.1"):
            judge(alice_unit, criterion(unit, "2.1"), items=[item])

    def test_it_refuses_met_without_all_five_vacsr_checks(self, alice_unit, unit, item):
        checks = {**ALL_CHECKS, "current": False, "reliable": False}
        with pytest.raises(ValidationError, match="current and reliable are not ticked"):
            judge(alice_unit, criterion(unit, "1.1"), items=[item], checks=checks)

    def test_it_refuses_91_met_before_its_parts(self, alice_unit, unit, item):
        judge(alice_unit, part(unit, "9.1", "a"), items=[item])
        with pytest.raises(ValidationError, match="not yet met: 9.1 b and 9.1 c"):
            judge(alice_unit, criterion(unit, "9.1"), items=[item])

    def test_it_allows_91_met_once_every_part_is_met(self, alice_unit, unit, item):
        for letter in "abc":
            judge(alice_unit, part(unit, "9.1", letter), items=[item])
        assert judge(alice_unit, criterion(unit, "9.1"), items=[item]).outcome == "met"

    def test_it_refuses_a_part_not_yet_met_under_a_met_criterion(self, alice_unit, unit, item):
        for letter in "abc":
            judge(alice_unit, part(unit, "9.1", letter), items=[item])
        judge(alice_unit, criterion(unit, "9.1"), items=[item])
        with pytest.raises(ValidationError, match="Change the judgement of 9.1 to not yet met"):
            judge(alice_unit, part(unit, "9.1", "b"), outcome="not_yet")
        judge(alice_unit, criterion(unit, "9.1"), outcome="not_yet")
        assert judge(alice_unit, part(unit, "9.1", "b"), outcome="not_yet").version == 2

    def test_it_requires_a_rationale_and_a_method(self, alice_unit, unit, item):
        # A method is needed once evidence is relied on, even for "not yet met".
        with pytest.raises(ValidationError) as refused:
            judge(
                alice_unit,
                criterion(unit, "1.1"),
                outcome="not_yet",
                rationale=" ",
                methods=[],
                items=[item],
            )
        assert refused.value.message_dict["rationale"] == ["Give the reasons for this judgement."]
        assert refused.value.message_dict["methods"] == [
            "Tick at least one assessment method you used."
        ]

    def test_it_refuses_a_criterion_of_another_unit(self, alice_unit):
        other = AssessmentCriterionFactory(outcome__unit=UnitFactory(reference="J/601/2551"))
        with pytest.raises(ValidationError, match="is not in unit A/601/2550"):
            judge(alice_unit, other, outcome="not_yet")

    def test_it_refuses_judging_an_outline_unit(self, alice_enrolment):
        outline = UnitFactory(criteria_complete=False)
        outline_unit = EnrolmentUnit.objects.create(enrolment=alice_enrolment, unit=outline)
        draft_criterion = AssessmentCriterionFactory(outcome__unit=outline)
        with pytest.raises(ValidationError, match="is an outline"):
            judge(outline_unit, draft_criterion, outcome="not_yet")

    def test_it_refuses_the_learner(self, alice_unit, unit, alice):
        with pytest.raises(ValidationError, match="Only the learner's assessor"):
            judge(alice_unit, criterion(unit, "2.1"), outcome="not_yet", by=alice)

    def test_it_refuses_the_iqa_and_another_assessor(self, alice_unit, unit, erin, dave):
        for person in (erin, dave):
            with pytest.raises(ValidationError, match="Only the learner's assessor"):
                judge(alice_unit, criterion(unit, "2.1"), outcome="not_yet", by=person)

    def test_it_changes_nothing_when_the_same_decision_is_posted_twice(
        self, alice_unit, unit, item
    ):
        first = judge(alice_unit, criterion(unit, "1.1"), items=[item])
        second = judge(alice_unit, criterion(unit, "1.1"), items=[item])

        assert first.pk == second.pk and second.version == 1
        assert JudgementHistory.objects.count() == 1
        assert Notification.objects.filter(kind="judgement_changed").count() == 1


class TestHistory:
    def test_it_records_each_change_with_who_when_and_what(self, alice_unit, unit, item, carol):
        c11 = criterion(unit, "1.1")
        judge(alice_unit, c11, outcome="not_yet", rationale="No dates on the log yet.")
        judge(alice_unit, c11, items=[item], methods=["work_product", "questioning"])
        judge(alice_unit, c11, items=[item], methods=["questioning", "work_product"], rationale="x")

        history = list(JudgementHistory.objects.order_by("version"))
        assert [h.version for h in history] == [1, 2, 3]
        assert [h.outcome for h in history] == ["not_yet", "met", "met"]
        assert history[0].change == "Judged not yet met; relies on no evidence"
        assert history[1].change == (
            "Not yet met → Met; rationale changed; methods changed; now relies on 1 item"
        )
        assert history[2].change == "Rationale changed"
        assert all(h.changed_by == carol and h.changed_at for h in history)
        assert history[1].evidence == [{"item": item.pk, "title": item.title, **ALL_CHECKS}]
        assert history[1].methods == ["work_product", "questioning"]

    def test_the_history_page_lists_every_change_newest_first(
        self, client, alice, alice_enrolment, alice_unit, unit, item
    ):
        c11 = criterion(unit, "1.1")
        judge(alice_unit, c11, outcome="not_yet", rationale="No dates on the log yet.")
        judge(alice_unit, c11, items=[item])
        client.force_login(alice)

        response = client.get(reverse("assessments:history", args=[alice_enrolment.pk, unit.slug]))

        text = response.text
        assert response.status_code == 200
        assert text.index("Not yet met → Met") < text.index("Judged not yet met")
        assert "Carol Carter" in text and "all five VACSR checks ticked" in text
        assert "Examination of work product" in text


class TestNotices:
    def test_it_tells_the_learner_of_each_change_with_a_link_to_the_unit(
        self, alice_unit, alice_enrolment, unit, alice, item
    ):
        judge(alice_unit, criterion(unit, "1.1"), outcome="not_yet")
        judge(alice_unit, criterion(unit, "2.1"), outcome="not_yet")

        notices = Notification.objects.filter(recipient=alice, kind="judgement_changed")
        assert [n.message for n in notices] == [
            "Carol Carter judged 2.1 of unit A/601/2550: not yet met.",
            "Carol Carter judged 1.1 of unit A/601/2550: not yet met.",
        ]
        assert {n.url for n in notices} == {unit_url(alice_enrolment, unit)}

    def test_edits_of_one_judgement_within_the_hour_make_one_notice(
        self, alice_unit, unit, alice, item
    ):
        judge(alice_unit, criterion(unit, "1.1"), outcome="not_yet")
        judge(alice_unit, criterion(unit, "1.1"), items=[item])

        [notice] = Notification.objects.filter(recipient=alice, kind="judgement_changed")
        assert notice.message == "Carol Carter judged 1.1 of unit A/601/2550: met."
        assert notice.get_kind_display() == "Judgement changed"

    def test_an_edit_after_the_notice_is_read_or_an_hour_later_is_a_new_notice(
        self, alice_unit, unit, alice, item
    ):
        judge(alice_unit, criterion(unit, "1.1"), outcome="not_yet")
        Notification.objects.update(read_at=timezone.now())
        judge(alice_unit, criterion(unit, "1.1"), items=[item])
        Notification.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=61))
        judge(alice_unit, criterion(unit, "1.1"), outcome="not_yet", rationale="Look again.")

        notices = Notification.objects.filter(recipient=alice, kind="judgement_changed")
        assert notices.count() == 3


class TestSelectors:
    def test_met_ids_count_real_judgements_on_the_progress_page(
        self, client, alice, alice_enrolment, unit
    ):
        fully_met(alice_enrolment, unit)
        [states] = portfolio_states(alice_enrolment).values()
        assert [row.state for row in states.rows] == ["met"] * 29

        client.force_login(alice)
        response = client.get(reverse("evidence:progress", args=[alice_enrolment.pk]))
        assert response.context["units"][0].met == 26

    def test_unit_assessment_lists_criteria_and_parts_in_numeric_order(self, alice_unit, item):
        rows = unit_assessment(alice_unit).rows
        codes = [row.code for row in rows]
        assert codes[:4] == ["1.1", "2.1", "3.1", "3.2"]
        assert codes[codes.index("9.1") : codes.index("9.1") + 4] == [
            "9.1",
            "9.1 a",
            "9.1 b",
            "9.1 c",
        ]
        assert codes[-1] == "10.3" and len(codes) == 29
        by_code = {row.code: row for row in rows}
        assert by_code["1.1"].can_be_met and not by_code["2.1"].can_be_met
        assert by_code["9.1"].blocker == "Each part must be met first: 9.1 a, 9.1 b and 9.1 c."


# The pages --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("person", "status"),
    [("alice", 200), ("carol", 200), ("erin", 200), ("frank", 200), ("bob", 404), ("dave", 404)],
)
def test_the_unit_page_is_for_people_with_a_role(
    client, request, person, status, alice_enrolment, unit
):
    client.force_login(request.getfixturevalue(person))
    assert client.get(unit_url(alice_enrolment, unit)).status_code == status
    history = reverse("assessments:history", args=[alice_enrolment.pk, unit.slug])
    assert client.get(history).status_code == status


@pytest.mark.parametrize(
    ("person", "status"),
    [("alice", 403), ("erin", 403), ("frank", 403), ("bob", 404), ("dave", 404), ("carol", 200)],
)
def test_only_the_assessor_may_open_the_judge_page(
    client, request, person, status, alice_enrolment, unit
):
    client.force_login(request.getfixturevalue(person))
    url = judge_url(alice_enrolment, unit, f"c{criterion(unit, '2.1').pk}")
    assert client.get(url).status_code == status
    posted = client.post(url, {"outcome": "not_yet", "rationale": "x", "methods": ["observation"]})
    assert posted.status_code == (302 if status == 200 else status)


def test_the_judge_page_404s_for_a_key_outside_the_unit(client, carol, alice_enrolment, unit):
    client.force_login(carol)
    for key in ("c999999", "p999999", "x1", "1"):
        assert client.get(judge_url(alice_enrolment, unit, key)).status_code == 404


def test_the_judge_page_records_met_from_its_checkboxes(
    client, carol, alice_enrolment, alice_unit, unit, item
):
    client.force_login(carol)
    key = f"p{part(unit, '9.1', 'b').pk}"
    page = client.get(judge_url(alice_enrolment, unit, key))
    assert "Rely on “Complaints log, October”" in page.text

    data = {"outcome": "met", "rationale": "Log shows it.", "methods": ["work_product"]}
    data[f"rely-{item.pk}"] = "on"
    data.update({f"{name}-{item.pk}": "on" for name in VACSR})
    response = client.post(judge_url(alice_enrolment, unit, key), data)

    assert response.status_code == 302 and response["Location"] == unit_url(alice_enrolment, unit)
    judgement = Judgement.objects.get(part__letter="b")
    assert judgement.outcome == "met" and judgement.relied_on.get().vacsr_complete


def test_the_judge_page_shows_a_refusal_on_the_form(client, carol, alice_enrolment, unit, item):
    client.force_login(carol)
    key = f"c{criterion(unit, '1.1').pk}"
    data = {"outcome": "met", "rationale": "Log shows it.", "methods": ["work_product"]}
    data[f"rely-{item.pk}"] = "on"  # relied on, but no VACSR check ticked
    response = client.post(judge_url(alice_enrolment, unit, key), data)

    assert response.status_code == 200
    assert "Tick all five VACSR checks" in response.text
    assert not Judgement.objects.exists()


def test_the_unit_page_shows_outcomes_in_words_and_judge_links_to_the_assessor(
    client, alice, carol, alice_enrolment, alice_unit, unit, item
):
    judge(alice_unit, criterion(unit, "1.1"), items=[item])
    judge(alice_unit, criterion(unit, "2.1"), outcome="not_yet")

    client.force_login(carol)
    page = client.get(unit_url(alice_enrolment, unit))
    rows = {row.code: row for row in page.context["assessment"].rows}
    assert rows["1.1"].outcome_text == "Met"
    assert rows["2.1"].outcome_text == "Not yet met"
    assert rows["3.1"].outcome_text == "Not judged"
    assert page.text.count(">Judge<span") == 29
    assert "Not yet met: 2.1, 3.1, 3.2," in page.text

    client.force_login(alice)
    assert ">Judge<span" not in client.get(unit_url(alice_enrolment, unit)).text


def test_the_unit_page_costs_the_same_queries_with_3_judgements_as_with_29(
    client, carol, alice_enrolment, alice_unit, django_assert_num_queries
):
    client.force_login(carol)
    url = unit_url(alice_enrolment, alice_unit.unit)

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    item = evidence_for_everything(alice_unit)
    later = [code for code, *_ in targets_in_order(alice_unit)[3:]]
    judge_all_met(alice_unit, item, skip=later)
    assert Judgement.objects.count() == 3
    few = count()
    judge_all_met(alice_unit, item)
    assert Judgement.objects.count() == 29
    assert count() == few
    # session, user, enrolled unit, standing sign-off, judgements, what they rely on,
    # accepted mappings, criteria, parts, navigation (roles and unread notices)
    with django_assert_num_queries(10):
        client.get(url)
