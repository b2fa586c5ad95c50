"""An IQA's review saved as a draft and finished later: verdicts kept, nothing signed, nobody
else sees it; 'agree with everything not yet decided'; signed only when complete."""

import pytest
from django.urls import reverse

from notifications.models import Notification
from quality.models import SampleReview, SampleReviewDraft
from quality.services import judgements_sampled, sample_review_draft_save, sample_review_verify

from .quality_factories import judged_unit, make_entry, make_plan


@pytest.fixture
def entry(alice_enrolment, unit, erin, qualification):
    return make_entry(make_plan(erin, qualification), judged_unit(alice_enrolment, unit))


@pytest.fixture
def j11_j21(entry):
    return judgements_sampled(entry)


def review_url(entry):
    return reverse("quality:entry", args=[entry.pk])


def test_a_draft_keeps_the_verdicts_and_signs_nothing(client, entry, erin, carol, j11_j21):
    j11, j21 = j11_j21
    client.force_login(erin)
    response = client.post(
        review_url(entry),
        {
            "step": "draft",
            f"verdict_{j11.pk}": "disagree",
            f"comment_{j11.pk}": "The log does not show the resolution.",
            "feedback": "Half way through.",
            "action_1": "Ask for the resolution entry.",
            "due_1": "2026-12-07",
        },
    )

    assert response.status_code == 302 and response.url == review_url(entry)
    assert not SampleReview.objects.exists()
    assert not Notification.objects.filter(recipient=carol, kind="sample_reviewed").exists()
    draft = SampleReviewDraft.objects.get()
    assert draft.verdicts == {
        str(j11.pk): {"agreed": False, "comment": "The log does not show the resolution."}
    }
    page = client.get(review_url(entry)).text
    assert "saved this review as a draft" in page
    assert f'value="disagree" id="id_verdict_{j11.pk}_1" checked' in page
    assert "The log does not show the resolution." in page
    assert "Half way through." in page and 'value="2026-12-07"' in page
    assert f'id="id_verdict_{j21.pk}_0" checked' not in page


def test_nobody_but_its_iqa_sees_the_draft(client, entry, erin, frank, carol, j11_j21):
    j11, _ = j11_j21
    sample_review_draft_save(
        entry=entry, by=erin, verdicts={j11.pk: (False, "Secret doubt")}, feedback="Draft note"
    )
    client.force_login(frank)  # a centre admin reads the sample
    page = client.get(review_url(entry))
    assert page.status_code == 200
    assert "Secret doubt" not in page.text and "draft" not in page.text.lower()
    client.force_login(carol)  # the assessor does not see the sample page at all
    assert client.get(review_url(entry)).status_code == 404


def test_agree_with_everything_not_yet_decided_keeps_the_decided(client, entry, erin, j11_j21):
    j11, j21 = j11_j21
    client.force_login(erin)
    response = client.post(
        review_url(entry),
        {"step": "agree", f"verdict_{j11.pk}": "disagree", f"comment_{j11.pk}": "Thin."},
    )
    assert response.status_code == 302
    verdicts = SampleReviewDraft.objects.get().verdicts
    assert verdicts[str(j11.pk)] == {"agreed": False, "comment": "Thin."}
    assert verdicts[str(j21.pk)] == {"agreed": True, "comment": ""}
    assert not SampleReview.objects.exists()


def test_signing_is_refused_while_a_verdict_is_missing_then_finished_later(
    client, entry, erin, j11_j21
):
    j11, j21 = j11_j21
    client.force_login(erin)
    client.post(review_url(entry), {"step": "draft", f"verdict_{j11.pk}": "agree"})
    refused = client.post(
        review_url(entry),
        {"step": "sign", f"verdict_{j11.pk}": "agree", "feedback": "Good.", "declaration": "on"},
    )
    assert refused.status_code == 400
    assert "The review is signed only when it is complete: give a verdict on 2.1" in refused.text
    assert not SampleReview.objects.exists() and SampleReviewDraft.objects.exists()

    signed = client.post(
        review_url(entry),
        {
            "step": "sign",
            f"verdict_{j11.pk}": "agree",
            f"verdict_{j21.pk}": "agree",
            "feedback": "Good.",
            "declaration": "on",
        },
    )
    review = SampleReview.objects.get()
    assert signed.status_code == 302 and signed.url == review.get_absolute_url()
    assert review.agreed and review.verdicts.count() == 2
    assert sample_review_verify(review)[0]
    assert not SampleReviewDraft.objects.exists()


def test_a_draft_cannot_be_saved_once_the_review_is_signed(entry, erin, j11_j21):
    from .quality_factories import sign_review

    sign_review(entry)
    with pytest.raises(Exception, match="already been reviewed"):
        sample_review_draft_save(entry=entry, by=erin, verdicts={}, feedback="")


def test_taking_a_sample_out_asks_first_and_warns_of_its_draft(client, entry, erin, j11_j21):
    from quality.models import SampleEntry

    sample_review_draft_save(entry=entry, by=erin, verdicts={}, feedback="Started")
    client.force_login(erin)
    url = reverse("quality:entry_drop", args=[entry.pk])
    assert f'href="{url}"' in client.get(entry.plan.get_absolute_url()).text
    question = client.get(url)
    assert question.status_code == 200
    assert "Your draft review of it is deleted" in question.text
    assert SampleEntry.objects.filter(pk=entry.pk).exists()
    assert client.post(url).status_code == 302
    assert not SampleEntry.objects.filter(pk=entry.pk).exists()
    assert not SampleReviewDraft.objects.exists()
