"""An IQA's sample review: verdicts on each decision, feedback, actions, a signature with a
digest; a disagreement reopens a signed unit through the recorded route."""

import datetime
import importlib

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from assessments.models import Judgement, UnitSignOff
from assessments.signoff import unit_countersign, unit_sign_off
from notifications.models import Notification
from quality.models import QualityAction, SampleEntry, SampleReview, Verdict
from quality.services import (
    judgements_sampled,
    quality_action_close,
    quality_action_respond,
    sample_review_sign,
    sample_review_verify,
)

from .factories import EnrolmentFactory, UserFactory
from .quality_factories import judged_unit, make_entry, make_plan, sign_review
from .test_judgements import criterion, fully_met, judge

TODAY = datetime.date(2026, 11, 23)


@pytest.fixture
def entry(alice_enrolment, unit, erin, qualification):
    return make_entry(make_plan(erin, qualification), judged_unit(alice_enrolment, unit))


def review_url(entry):
    return reverse("quality:entry", args=[entry.pk])


def test_an_agreeing_review_is_signed_with_a_digest_that_verifies(entry, carol):
    review = sign_review(entry)
    assert review.agreed
    assert review.verdicts.count() == 2 and review.actions.count() == 0
    assert len(review.digest) == 64
    assert sample_review_verify(review)[0]
    notice = Notification.objects.get(recipient=carol, kind=Notification.Kind.SAMPLE_REVIEWED)
    assert "agreed with every decision" in notice.message


def test_changing_a_verdict_after_signing_shows_in_the_check(entry):
    review = sign_review(entry)
    Verdict.objects.filter(review=review).update(agreed=False)
    intact, _ = sample_review_verify(review)
    assert not intact


def test_a_disagreement_without_an_action_is_refused_and_nothing_is_written(entry):
    with pytest.raises(ValidationError, match="set the assessor at least one action"):
        sign_review(entry, disagree=("1.1",), actions=[])
    assert not SampleReview.objects.exists() and not Verdict.objects.exists()


def test_every_problem_is_named_at_once(entry, erin):
    judgements = judgements_sampled(entry)
    with pytest.raises(ValidationError) as error:
        sample_review_sign(
            entry=entry,
            by=erin,
            verdicts={judgements[0].pk: (False, "")},
            feedback="",
            actions=[("", datetime.date(2026, 12, 1)), ("Do it", datetime.date(2020, 1, 1))],
            declaration_confirmed=False,
            today=TODAY,
        )
    messages = error.value.messages
    assert "1.1: say why you disagree; the assessor needs to know." in messages
    assert "2.1: say whether you agree with the judgement." in messages
    assert "Action 1: say what the assessor should do." in messages
    assert "Action 2: the due date 01/01/2020 has passed." in messages
    assert "Write your feedback to the assessor." in messages
    assert "Confirm the declaration to sign the review." in messages


def test_a_sample_is_reviewed_once(entry):
    sign_review(entry)
    with pytest.raises(ValidationError, match="already been reviewed"):
        sign_review(entry)
    assert SampleReview.objects.count() == 1


def test_a_double_clicked_review_form_signs_once(client, entry, erin):
    client.force_login(erin)
    data = {"feedback": "Fine.", "declaration": "on"}
    for judgement in judgements_sampled(entry):
        data[f"verdict_{judgement.pk}"] = "agree"
    first = client.post(review_url(entry), data)
    second = client.post(review_url(entry), data)
    assert first.status_code == 302 and second.status_code == 302
    assert SampleReview.objects.count() == 1


def test_a_disagreement_on_a_signed_unit_reopens_it_with_the_iqas_reason(
    alice_enrolment, unit, erin, qualification, alice
):
    enrolled_unit, _ = fully_met(alice_enrolment, unit)
    sign_off = unit_sign_off(
        enrolled_unit=enrolled_unit, by=alice_enrolment.assessor, declaration_confirmed=True
    )
    unit_countersign(sign_off=sign_off, by=alice, declaration_confirmed=True)
    entry = make_entry(make_plan(erin, qualification), enrolled_unit, SampleEntry.Stage.SUMMATIVE)
    review = sign_review(entry, disagree=("5.1",))
    sign_off.refresh_from_db()
    assert not review.agreed
    assert sign_off.reopened_by == erin
    assert (
        sign_off.reopen_reason == "IQA sample review disagreed with 5.1; see the review's actions."
    )
    assert not UnitSignOff.objects.filter(reopened_at__isnull=True).exists()
    assert review.actions.get().status == QualityAction.Status.OPEN


def test_a_summative_sample_needs_a_signed_unit(alice_enrolment, unit, erin, qualification):
    entry = make_entry(
        make_plan(erin, qualification),
        judged_unit(alice_enrolment, unit),
        SampleEntry.Stage.SUMMATIVE,
    )
    with pytest.raises(ValidationError, match="summative sample is of a signed-off unit"):
        sign_review(entry)


def test_an_iqa_cannot_sample_decisions_they_made(entry, erin):
    judgement = judgements_sampled(entry)[0]
    type(judgement).objects.filter(pk=judgement.pk).update(judged_by=erin)
    with pytest.raises(ValidationError, match="You made some of these judgements yourself"):
        sign_review(entry)


def test_an_iqa_who_is_the_learners_assessor_is_refused(erin, qualification, unit):
    # grace's assessor is erin; erin makes a plan (she is IQA of others) and tries to add her.
    other_iqa = UserFactory(username="henry")
    learner = UserFactory(username="grace")
    enrolment = EnrolmentFactory(
        learner=learner, assessor=erin, iqa=other_iqa, qualification=qualification, units=[unit]
    )
    EnrolmentFactory(
        learner=UserFactory(username="ivy"),
        assessor=UserFactory(username="jack"),
        iqa=erin,
        qualification=qualification,
        units=[unit],
    )
    plan = make_plan(erin, qualification)
    with pytest.raises(ValidationError, match="You are Grace Tester's assessor"):
        make_entry(plan, enrolment.enrolled_units.get())
    assert not plan.entries.exists()


def test_an_iqa_cannot_add_another_iqas_learner(erin, qualification, unit, alice_enrolment):
    other = UserFactory(username="henry")
    alice_enrolment.iqa = other
    alice_enrolment.save()
    EnrolmentFactory(
        learner=UserFactory(username="ivy"),
        assessor=UserFactory(username="jack"),
        iqa=erin,
        qualification=qualification,
        units=[unit],
    )
    plan = make_plan(erin, qualification)
    with pytest.raises(ValidationError, match="not Alice Archer's IQA"):
        make_entry(plan, alice_enrolment.enrolled_units.get())


def test_an_iqa_who_is_not_the_learners_iqa_gets_404(client, entry, dave):
    client.force_login(dave)
    assert client.get(review_url(entry)).status_code == 404
    assert client.post(review_url(entry), {"feedback": "x"}).status_code == 404
    assert not SampleReview.objects.exists()


def test_the_assessor_responds_and_the_iqa_closes_the_action(entry, carol, erin, dave):
    review = sign_review(entry, disagree=("1.1",))
    action = review.actions.get()
    with pytest.raises(ValidationError, match="has not responded yet"):
        quality_action_close(action=action, by=erin)
    with pytest.raises(ValidationError, match="Only the assessor"):
        quality_action_respond(action=action, by=dave, response="Done")
    quality_action_respond(action=action, by=carol, response="Asked for the resolution entry.")
    with pytest.raises(ValidationError, match="Only the IQA"):
        quality_action_close(action=action, by=carol)
    quality_action_close(action=action, by=erin, note="Seen the new evidence.")
    action.refresh_from_db()
    assert action.status == QualityAction.Status.CLOSED
    assert action.closed_by == erin and action.response == "Asked for the resolution entry."
    assert Notification.objects.get(recipient=erin).get_kind_display() == "IQA action answered"
    assert Notification.objects.get(recipient=carol, kind="action_closed")


def test_the_review_page_shows_verdicts_and_lets_the_assessor_respond(client, entry, carol):
    review = sign_review(entry, disagree=("2.1",))
    client.force_login(carol)
    page = client.get(reverse("quality:review", args=[review.pk])).content.decode()
    assert "Disagreed with some decisions" in page and "Check: <strong>intact</strong>" in page
    assert "Send your response" in page
    action = review.actions.get()
    response = client.post(
        reverse("quality:action_respond", args=[action.pk]), {"response": "Re-judged 2.1."}
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == QualityAction.Status.RESPONDED


def test_the_review_form_shows_what_is_wrong_and_writes_nothing(client, entry, erin):
    client.force_login(erin)
    judgements = judgements_sampled(entry)
    data = {"feedback": "", f"verdict_{judgements[0].pk}": "disagree"}
    response = client.post(review_url(entry), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page
    assert "Comment on 1.1</a>: Say why you disagree; the assessor needs to know." in page
    assert "Your verdict on 2.1</a>: Say whether you agree with the judgement." in page
    assert 'aria-invalid="true"' in page
    assert not SampleReview.objects.exists()


def test_an_entry_naming_criteria_samples_only_their_judgements(
    client, alice_enrolment, unit, erin, qualification
):
    enrolled_unit = judged_unit(alice_enrolment, unit)
    plan = make_plan(erin, qualification)
    client.force_login(erin)
    criterion = unit.outcomes.get(number=2).criteria.get()
    response = client.post(
        reverse("quality:entry_add", args=[plan.pk]),
        {
            "enrolled_unit": enrolled_unit.pk,
            "stage": "interim",
            "planned_for": "2026-12-01",
            "reason": "Concern about 2.1 raised at standardisation",
            "criteria": [criterion.pk],
        },
    )
    assert response.status_code == 302
    entry = plan.entries.get()
    assert [j.code for j in judgements_sampled(entry)] == ["2.1"]
    review = sign_review(entry)
    assert [v.judgement.code for v in review.verdicts.all()] == ["2.1"]


def test_an_entry_adding_nothing_says_what_is_missing(
    client, alice_enrolment, unit, erin, qualification
):
    judged_unit(alice_enrolment, unit)
    plan = make_plan(erin, qualification)
    client.force_login(erin)
    response = client.post(reverse("quality:entry_add", args=[plan.pk]), {"stage": "interim"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page and "This field is required." in page
    assert not plan.entries.exists()


def test_action_reminders_reach_the_assessor_and_once_overdue_the_iqa(entry, carol, erin):
    from django.core.management import call_command

    from quality.services import quality_action_reminders_send

    review = sign_review(entry, disagree=("1.1",))  # action due 07/12/2026
    Notification.objects.all().delete()
    assert quality_action_reminders_send(today=datetime.date(2026, 11, 20)) == 0  # not yet due
    assert quality_action_reminders_send(today=datetime.date(2026, 12, 5)) == 1
    [notice] = Notification.objects.filter(kind="quality_action")
    assert notice.recipient == carol
    assert "due in 2 days (07/12/2026)" in notice.message
    assert notice.url == reverse("quality:review", args=[review.pk])
    assert quality_action_reminders_send(today=datetime.date(2026, 12, 5)) == 0  # once a day
    assert quality_action_reminders_send(today=datetime.date(2026, 12, 9)) == 2  # overdue
    assert Notification.objects.filter(recipient=erin, kind="quality_action").count() == 1
    quality_action_respond(action=review.actions.get(), by=carol, response="Done.")
    Notification.objects.all().delete()
    call_command("send_action_reminders", verbosity=0)
    assert not Notification.objects.filter(message__startswith="IQA action on").exists()


def _at(day, hour=10):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _verdict_cell(client, review, code):
    page = client.get(reverse("quality:review", args=[review.pk])).content.decode()
    row = page.split(f'<span class="criterion-code">{code}</span>')[1]
    return row.split("<td>")[1].split("</td>")[0]


def test_the_review_shows_the_outcome_sampled_beside_the_one_after_a_reopening(
    client, alice_enrolment, unit, erin, qualification, alice
):
    enrolled_unit, _ = fully_met(alice_enrolment, unit)
    sign_off = unit_sign_off(
        enrolled_unit=enrolled_unit, by=alice_enrolment.assessor, declaration_confirmed=True
    )
    unit_countersign(sign_off=sign_off, by=alice, declaration_confirmed=True)
    entry = make_entry(make_plan(erin, qualification), enrolled_unit, SampleEntry.Stage.SUMMATIVE)
    review = sign_review(entry, disagree=("5.1",))
    changed = judge(enrolled_unit, criterion(unit, "5.1"), outcome="not_yet")
    SampleReview.objects.filter(pk=review.pk).update(signed_at=_at(datetime.date(2026, 11, 23)))
    UnitSignOff.objects.filter(pk=sign_off.pk).update(reopened_at=_at(datetime.date(2026, 12, 3)))
    Judgement.objects.filter(pk=changed.pk).update(judged_at=_at(datetime.date(2026, 12, 4)))
    client.force_login(erin)
    assert _verdict_cell(client, review, "5.1") == (
        "Met in version 1, disagreed; now Not yet met in version 2 after reopening on "
        "3 December 2026"
    )
    assert _verdict_cell(client, review, "5.2") == "Met in version 1"


def test_a_judgement_changed_since_an_interim_sample_says_when(client, entry, erin, unit):
    review = sign_review(entry)
    enrolled_unit = entry.enrolled_unit
    changed = judge(enrolled_unit, criterion(unit, "1.1"), outcome="not_yet")
    Judgement.objects.filter(pk=changed.pk).update(judged_at=_at(datetime.date(2026, 12, 5)))
    client.force_login(erin)
    assert _verdict_cell(client, review, "1.1") == (
        "Met in version 1, agreed; now Not yet met in version 2, recorded on 5 December 2026"
    )


def test_the_verdict_keeps_the_outcome_it_was_given_on(entry, unit):
    review = sign_review(entry)
    judge(entry.enrolled_unit, criterion(unit, "1.1"), outcome="not_yet")
    verdict = review.verdicts.get(judgement__criterion=criterion(unit, "1.1"))
    assert (verdict.judgement_version, verdict.judgement_outcome) == (1, "met")


def test_existing_verdicts_take_the_outcome_sampled_from_the_judgements_history(entry, unit):
    review = sign_review(entry)
    judge(entry.enrolled_unit, criterion(unit, "1.1"), outcome="not_yet")
    Verdict.objects.update(judgement_outcome="")
    migration = importlib.import_module("quality.migrations.0002_verdict_judgement_outcome")
    migration.outcome_as_sampled(django_apps, None)
    assert set(review.verdicts.values_list("judgement_outcome", flat=True)) == {"met"}


@pytest.mark.parametrize("codes", [("1.1",), ("1.1", "2.1", "3.1", "4.1", "5.1", "6.1")])
def test_the_review_page_costs_the_same_for_one_verdict_as_for_six(
    client, alice_enrolment, unit, erin, qualification, codes, django_assert_num_queries
):
    entry = make_entry(make_plan(erin, qualification), judged_unit(alice_enrolment, unit, codes))
    review = sign_review(entry, disagree=codes[-1:])
    for code in codes:
        judge(entry.enrolled_unit, criterion(unit, code), outcome="not_yet")
    client.force_login(erin)
    with django_assert_num_queries(8):
        client.get(reverse("quality:review", args=[review.pk]))
