"""The assessor's review of an item: decisions per mapping, the feedback thread, sending an item
back and accepting it; who may do what; and what the review screen costs."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments import review
from assessments.models import Feedback
from criteria.models import AssessmentCriterion, CriterionPart
from evidence import services as evidence_services
from evidence.models import EvidenceItem, EvidenceMapping
from notifications.models import Notification
from people.models import EnrolmentUnit

from .evidence_factories import EvidenceItemFactory, add_file
from .factories import AssessmentCriterionFactory, LearningOutcomeFactory, UnitFactory

Status = EvidenceItem.Status
Decision = EvidenceMapping.Decision


def criterion(unit, code):
    outcome, number = code.split(".")
    return AssessmentCriterion.objects.get(
        outcome__unit=unit, outcome__number=outcome, number=number
    )


def review_url(item):
    return reverse("assessments:review", args=[item.pk])


@pytest.fixture
def item(alice, alice_enrolment, unit):
    """Alice's item, with a file, mapped to 5.1 and 9.1 a, and submitted to carol."""
    draft = EvidenceItemFactory(enrolment=alice_enrolment, title="Complaints log, October")
    add_file(draft)
    evidence_services.evidence_mapping_add(
        item=draft, by=alice, criterion=criterion(unit, "5.1"), note="Types of problem"
    )
    part = CriterionPart.objects.get(criterion=criterion(unit, "9.1"), letter="a")
    evidence_services.evidence_mapping_add(item=draft, by=alice, part=part, note="Same day")
    evidence_services.evidence_submit(item=draft, by=alice, declaration=True)
    draft.refresh_from_db()
    return draft


def decide_data(item, **by_code):
    """The decisions form's POST: by_code maps '5.1' or '9.1 a' to (decision, comment)."""
    data = {"action": "decide"}
    for mapping in item.mappings.select_related("criterion__outcome", "part__criterion__outcome"):
        decision, comment = by_code.get(mapping.code, (Decision.PENDING, ""))
        data[f"mapping-{mapping.pk}-decision"] = decision
        data[f"mapping-{mapping.pk}-comment"] = comment
    return data


def decide_all(item, carol, decision=Decision.ACCEPTED):
    for mapping in item.mappings.all():
        review.mapping_decide(mapping=mapping, by=carol, decision=decision, comment="Shown")


def mapping_by_code(item, code):
    for mapping in item.mappings.select_related("criterion__outcome", "part__criterion__outcome"):
        if mapping.code == code:
            return mapping
    raise AssertionError(f"no mapping to {code}")


class TestDecidingMappings:
    def test_it_accepts_and_rejects_mappings_from_one_form(self, client, carol, item):
        client.force_login(carol)
        data = decide_data(
            item,
            **{"5.1": (Decision.ACCEPTED, ""), "9.1 a": (Decision.REJECTED, "No dates shown")},
        )
        response = client.post(review_url(item), data)
        assert response.status_code == 302 and response["Location"] == review_url(item)
        accepted, rejected = mapping_by_code(item, "5.1"), mapping_by_code(item, "9.1 a")
        assert accepted.decision == Decision.ACCEPTED and accepted.decided_by == carol
        assert accepted.decided_at is not None
        assert rejected.decision == Decision.REJECTED
        assert rejected.decision_comment == "No dates shown"
        item.refresh_from_db()
        assert item.status == Status.IN_REVIEW

    def test_it_refuses_a_rejection_without_a_comment_and_saves_none(self, client, carol, item):
        client.force_login(carol)
        data = decide_data(
            item, **{"5.1": (Decision.ACCEPTED, ""), "9.1 a": (Decision.REJECTED, "  ")}
        )
        response = client.post(review_url(item), data)
        assert response.status_code == 200
        assert "Say why the mapping to 9.1 a is rejected." in response.text
        assert not item.mappings.exclude(decision=Decision.PENDING).exists()
        item.refresh_from_db()
        assert item.status == Status.SUBMITTED

    def test_the_service_refuses_a_rejection_without_a_comment(self, carol, item):
        mapping = mapping_by_code(item, "5.1")
        with pytest.raises(ValidationError, match="Say why the mapping to 5.1 is rejected"):
            review.mapping_decide(mapping=mapping, by=carol, decision=Decision.REJECTED)

    def test_not_yet_clears_who_decided(self, carol, item):
        mapping = mapping_by_code(item, "5.1")
        review.mapping_decide(mapping=mapping, by=carol, decision=Decision.ACCEPTED)
        review.mapping_decide(mapping=mapping, by=carol, decision=Decision.PENDING)
        mapping.refresh_from_db()
        assert (mapping.decision, mapping.decided_by, mapping.decided_at) == (
            Decision.PENDING,
            None,
            None,
        )

    def test_only_the_assessor_decides(self, alice, erin, item):
        mapping = mapping_by_code(item, "5.1")
        for person in (alice, erin):
            with pytest.raises(ValidationError, match="Only the learner's assessor"):
                review.mapping_decide(mapping=mapping, by=person, decision=Decision.ACCEPTED)

    def test_it_refuses_to_decide_on_a_draft(self, alice, carol, item):
        evidence_services.evidence_revise(item=item, by=alice)
        with pytest.raises(ValidationError, match="only submitted evidence is reviewed"):
            review.mapping_decide(
                mapping=mapping_by_code(item, "5.1"), by=carol, decision=Decision.ACCEPTED
            )

    def test_the_assessor_adds_a_mapping_and_accepts_it_at_once(self, client, carol, item, unit):
        client.force_login(carol)
        target = f"c{criterion(unit, '6.1').pk}"
        response = client.post(
            review_url(item),
            {"action": "add_mapping", "target": target, "note": "Also shows", "accept": "on"},
        )
        assert response.status_code == 302
        added = mapping_by_code(item, "6.1")
        assert added.added_by_assessor and added.added_by == carol
        assert added.decision == Decision.ACCEPTED and added.decided_by == carol
        item.refresh_from_db()
        assert item.status == Status.IN_REVIEW


class TestStartingTheReview:
    def test_opening_the_page_changes_nothing(self, client, carol, item):
        client.force_login(carol)
        response = client.get(review_url(item))
        assert response.status_code == 200
        assert "Start review" in response.text
        item.refresh_from_db()
        assert item.status == Status.SUBMITTED

    def test_it_starts_on_a_post_and_again_is_harmless(self, client, carol, item):
        client.force_login(carol)
        for _ in range(2):
            response = client.post(review_url(item), {"action": "start"})
            assert response.status_code == 302
        item.refresh_from_db()
        assert item.status == Status.IN_REVIEW

    def test_a_learner_cannot_start_a_review(self, alice, item):
        with pytest.raises(ValidationError):
            review.review_start(item=item, by=alice)


class TestSendingBack:
    def test_it_refuses_to_send_back_without_saying_what_is_missing(self, client, carol, item):
        client.force_login(carol)
        response = client.post(reverse("assessments:send_back", args=[item.pk]), {"text": " "})
        assert response.status_code == 200
        assert "Say what is missing" in response.text
        item.refresh_from_db()
        assert item.status == Status.SUBMITTED
        assert not Feedback.objects.exists()

    def test_the_learner_revises_and_resubmits_what_was_sent_back(
        self, client, alice, carol, item, django_capture_on_commit_callbacks
    ):
        client.force_login(carol)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("assessments:send_back", args=[item.pk]),
                {"text": "Add the dates each complaint was closed."},
            )
        assert response.status_code == 302
        item.refresh_from_db()
        assert item.status == Status.NEEDS_MORE_WORK
        sent_back = Feedback.objects.get()
        assert (sent_back.kind, sent_back.author) == (Feedback.Kind.SENT_BACK, carol)
        notice = Notification.objects.get(recipient=alice)
        assert notice.kind == Notification.Kind.ITEM_SENT_BACK
        assert notice.url == item.get_absolute_url()
        assert [m.to for m in mail.outbox] == [["alice@example.org"]]

        evidence_services.evidence_revise(item=item, by=alice)
        evidence_services.evidence_item_update(item=item, by=alice, description="With dates now")
        evidence_services.evidence_submit(item=item, by=alice, declaration=True)
        item.refresh_from_db()
        assert item.status == Status.SUBMITTED
        assert item.versions.count() == 2
        submitted = Notification.objects.filter(kind=Notification.Kind.ITEM_SUBMITTED)
        assert [n.recipient for n in submitted] == [carol, carol]

    def test_it_cannot_send_back_an_accepted_item(self, carol, item):
        decide_all(item, carol)
        review.item_accept(item=item, by=carol)
        with pytest.raises(ValidationError, match="accepted, so it cannot be reviewed"):
            review.item_send_back(item=item, by=carol, text="More please")


class TestAccepting:
    def test_it_refuses_with_undecided_mappings_naming_them(self, client, carol, item):
        review.mapping_decide(
            mapping=mapping_by_code(item, "5.1"), by=carol, decision=Decision.ACCEPTED
        )
        client.force_login(carol)
        response = client.post(reverse("assessments:accept", args=[item.pk]), follow=True)
        assert "Not yet decided: 9.1 a." in response.text
        item.refresh_from_db()
        assert item.status == Status.IN_REVIEW

    def test_it_refuses_when_every_mapping_is_rejected(self, carol, item):
        decide_all(item, carol, Decision.REJECTED)
        with pytest.raises(ValidationError, match="Accept at least one mapping"):
            review.item_accept(item=item, by=carol)

    def test_a_double_click_accepts_once(
        self, client, alice, carol, item, django_capture_on_commit_callbacks
    ):
        decide_all(item, carol)
        client.force_login(carol)
        url = reverse("assessments:accept", args=[item.pk])
        with django_capture_on_commit_callbacks(execute=True):
            first = client.post(url, {"comment": "Clear and dated."}, follow=True)
            second = client.post(url, {"comment": "Clear and dated."}, follow=True)
        assert "Item accepted." in first.text
        assert "This item has already been accepted." in second.text
        item.refresh_from_db()
        assert item.status == Status.ACCEPTED
        accepted = Feedback.objects.get(kind=Feedback.Kind.ACCEPTED)
        assert accepted.text == "Clear and dated."
        assert Notification.objects.filter(recipient=alice).count() == 1
        assert len(mail.outbox) == 1

    def test_it_says_what_was_accepted_when_no_comment_is_given(self, carol, item):
        decide_all(item, carol)
        feedback = review.item_accept(item=item, by=carol)
        assert feedback.text == "Accepted as evidence of 5.1, 9.1 a."


class TestFeedbackThread:
    def test_the_learner_replies_and_the_assessor_is_told(
        self, client, alice, carol, item, django_capture_on_commit_callbacks
    ):
        client.force_login(alice)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("assessments:feedback", args=[item.pk]),
                {"text": "The dates are in column C.", "next": item.get_absolute_url()},
            )
        assert response.status_code == 302
        assert response["Location"] == item.get_absolute_url()
        reply = Feedback.objects.get()
        assert (reply.kind, reply.author, reply.text) == (
            Feedback.Kind.REPLY,
            alice,
            "The dates are in column C.",
        )
        notice = Notification.objects.get(recipient=carol, kind=Notification.Kind.REPLY)
        assert notice.url == review_url(item)
        assert "Alice Archer replied" in notice.message
        assert [m.to for m in mail.outbox] == [["carol@example.org"]]
        assert "Alice Archer replied" in mail.outbox[0].body

    def test_the_assessors_comment_tells_the_learner_and_starts_the_review(
        self, alice, carol, item
    ):
        review.feedback_add(item=item, by=carol, text="Which team is this?")
        notice = Notification.objects.get(recipient=alice)
        assert notice.kind == Notification.Kind.FEEDBACK
        item.refresh_from_db()
        assert item.status == Status.IN_REVIEW

    def test_it_refuses_a_blank_message(self, client, alice, item):
        client.force_login(alice)
        response = client.post(
            reverse("assessments:feedback", args=[item.pk]), {"text": "   "}, follow=True
        )
        assert "Write a message before sending it." in response.text
        assert not Feedback.objects.exists()
        assert not Notification.objects.filter(kind=Notification.Kind.FEEDBACK).exists()

    def test_it_goes_back_to_the_item_rather_than_another_site(self, client, alice, item):
        client.force_login(alice)
        response = client.post(
            reverse("assessments:feedback", args=[item.pk]),
            {"text": "Thanks", "next": "https://elsewhere.example/"},
        )
        assert response["Location"] == item.get_absolute_url()

    def test_the_thread_reads_oldest_first_with_author_role_and_time(
        self, client, alice, carol, item
    ):
        review.feedback_add(item=item, by=carol, text="First, from the assessor")
        review.feedback_add(item=item, by=alice, text="Second, from the learner")
        Feedback.objects.filter(author=carol).update(
            created_at=datetime.datetime(2026, 11, 20, 14, 5, tzinfo=datetime.UTC)
        )
        client.force_login(alice)
        page = client.get(item.get_absolute_url()).text
        assert page.index("First, from the assessor") < page.index("Second, from the learner")
        assert "<strong>Carol Carter</strong>" in page and "<strong>Alice Archer</strong>" in page
        assert "(assessor)" in page and "(learner)" in page
        assert "20 November 2026, 14:05" in page  # UK time: GMT in November
        assert "Learner&#x27;s reply" in page
        assert "Reply to your assessor" in page

    def test_readers_see_the_thread_without_a_reply_box(self, client, carol, erin, item):
        review.feedback_add(item=item, by=carol, text="Looks good so far")
        client.force_login(erin)
        page = client.get(item.get_absolute_url()).text
        assert "Looks good so far" in page
        assert reverse("assessments:feedback", args=[item.pk]) not in page

    def test_the_assessor_finds_the_review_from_the_item_page(self, client, alice, carol, item):
        client.force_login(carol)
        assert review_url(item) in client.get(item.get_absolute_url()).text
        client.force_login(alice)
        assert review_url(item) not in client.get(item.get_absolute_url()).text


ACTIONS = [
    ("assessments:review", {"action": "start"}),
    ("assessments:feedback", {"text": "Hello"}),
    ("assessments:send_back", {"text": "More please"}),
    ("assessments:accept", {}),
]


class TestWhoMay:
    def test_another_assessor_gets_404_everywhere(self, client, dave, item):
        client.force_login(dave)
        assert client.get(review_url(item)).status_code == 404
        for name, data in ACTIONS:
            assert client.post(reverse(name, args=[item.pk]), data).status_code == 404

    @pytest.mark.parametrize("person", ["erin", "frank"])
    def test_readers_see_the_page_read_only_and_cannot_act(self, client, request, person, item):
        client.force_login(request.getfixturevalue(person))
        response = client.get(review_url(item))
        assert response.status_code == 200
        assert "Complaints log, October" in response.text
        assert "Types of problem" in response.text
        for absent in ("Save decisions", "Accept item", "Send back: needs more work", "<textarea"):
            assert absent not in response.text
        for name, data in ACTIONS:
            assert client.post(reverse(name, args=[item.pk]), data).status_code == 403
        item.refresh_from_db()
        assert item.status == Status.SUBMITTED
        assert not Feedback.objects.exists()

    def test_the_learner_gets_403_on_the_review_page(self, client, alice, item):
        client.force_login(alice)
        assert client.get(review_url(item)).status_code == 403
        for name, data in ACTIONS[0::2] + ACTIONS[3:]:
            assert client.post(reverse(name, args=[item.pk]), data).status_code == 403

    def test_an_outsider_learner_gets_404(self, client, bob, item):
        client.force_login(bob)
        assert client.get(review_url(item)).status_code == 404
        assert client.post(reverse("assessments:feedback", args=[item.pk]), {}).status_code == 404

    def test_signing_in_comes_first(self, client, item):
        response = client.get(review_url(item))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]

    def test_the_assessor_sees_the_forms(self, client, carol, item):
        client.force_login(carol)
        page = client.get(review_url(item)).text
        for present in ("Save decisions", "Accept item", "Send back: needs more work"):
            assert present in page
        assert "Decision on 9.1 a" in page and "Comment on 5.1" in page


@pytest.fixture
def wide_unit(alice_enrolment):
    """A second unit with 30 criteria on alice's enrolment, so an item can map to 30."""
    unit = UnitFactory(criteria_complete=True)
    outcome = LearningOutcomeFactory(unit=unit, number=1)
    AssessmentCriterionFactory.create_batch(30, outcome=outcome)
    EnrolmentUnit.objects.create(enrolment=alice_enrolment, unit=unit)
    return unit


def test_the_review_screen_costs_the_same_for_30_mappings_as_for_2(
    client, alice, carol, alice_enrolment, wide_unit, django_assert_num_queries
):
    criteria = list(AssessmentCriterion.objects.filter(outcome__unit=wide_unit))

    def item_of(size):
        draft = EvidenceItemFactory(enrolment=alice_enrolment)
        for number in range(size):
            add_file(draft, name=f"page-{number}.pdf")
            evidence_services.evidence_mapping_add(
                item=draft, by=alice, criterion=criteria[number], note=f"Note {number}"
            )
        evidence_services.evidence_submit(item=draft, by=alice, declaration=True)
        for number in range(size):
            review.feedback_add(item=draft, by=carol if number % 2 else alice, text=f"M{number}")
        decide_all(draft, carol)
        return draft

    client.force_login(carol)

    def count_for(item):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(review_url(item))
        assert response.status_code == 200
        assert response.text.count("Decision on ") == item.mappings.count()
        return len(captured)

    small, large = item_of(2), item_of(30)
    assert count_for(small) == count_for(large)
    # session, user, item with its people, mappings, four for the add-a-mapping list,
    # navigation (roles and unread count), files, versions, thread, and the sign-offs that rely
    # on the item (their mappings are not offered for a decision), and the witness and
    # employer confirmations of its versions
    with django_assert_num_queries(14):
        client.get(review_url(large))
