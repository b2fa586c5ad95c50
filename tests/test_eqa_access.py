"""External quality assurers: read-only access scoped to a sample, ending by itself, with every
page they open logged."""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter
from django.utils import timezone

from evidence.models import EvidenceItem
from evidence.services import evidence_item_update, evidence_mapping_add, evidence_revise
from people.two_factor import OWN_PAGES as TWO_FACTOR_PAGES
from quality.access_log import DESCRIBE
from quality.models import EqaAccessLog, EqaGrant, SampleReview
from quality.services import eqa_grant_create, eqa_grant_revoke, sampling_plan_create

from .evidence_factories import EvidenceItemFactory, add_file, pdf_bytes, submit
from .factories import UnitFactory, UserFactory
from .quality_factories import judged_unit, make_entry, make_plan, sign_review
from .test_judgements import criterion


@pytest.fixture
def gina(db):
    return UserFactory(
        username="gina", first_name="Gina", last_name="Grant", is_external_verifier=True
    )


@pytest.fixture
def grant(gina, frank, alice_enrolment, bob_enrolment, unit):
    return eqa_grant_create(
        by=frank,
        eqa=gina,
        enrolments=[alice_enrolment],
        units=[unit],
        covers_from=datetime.date(2026, 9, 1),
        covers_to=datetime.date(2027, 1, 31),
        expires_at=timezone.now() + datetime.timedelta(days=7),
        purpose="EQA visit",
    )


@pytest.fixture
def sampled(alice_enrolment, bob_enrolment, unit, erin, qualification):
    """A plan with a signed review of alice's unit and an entry for bob's."""
    plan = make_plan(erin, qualification)
    alice_entry = make_entry(plan, judged_unit(alice_enrolment, unit))
    review = sign_review(alice_entry)
    bob_entry = make_entry(plan, judged_unit(bob_enrolment, unit))
    return {"plan": plan, "review": review, "bob_entry": bob_entry}


def test_the_eqa_reads_the_granted_learners_portfolio(client, gina, grant, alice_enrolment, unit):
    client.force_login(gina)
    for url in (
        reverse("quality:home"),
        reverse("evidence:progress", args=[alice_enrolment.pk]),
        reverse("assessments:unit", args=[alice_enrolment.pk, unit.slug]),
        reverse("people:enrolment", args=[alice_enrolment.pk]),
        reverse("evidence:list"),
    ):
        assert client.get(url).status_code == 200, url


def test_the_eqa_finds_no_control_that_changes_anything(
    client, gina, grant, alice_enrolment, unit, sampled
):
    item = EvidenceItem.objects.filter(enrolment=alice_enrolment).first()
    client.force_login(gina)
    for url in (
        reverse("home"),
        reverse("quality:home"),
        reverse("quality:plan", args=[sampled["plan"].pk]),
        reverse("quality:review", args=[sampled["review"].pk]),
        reverse("evidence:progress", args=[alice_enrolment.pk]),
        reverse("evidence:list"),
        reverse("evidence:item", args=[item.pk]),
        reverse("assessments:review", args=[item.pk]),
        reverse("assessments:unit", args=[alice_enrolment.pk, unit.slug]),
        reverse("assessments:history", args=[alice_enrolment.pk, unit.slug]),
        reverse("assessments:targets", args=[alice_enrolment.pk]),
        reverse("people:enrolment", args=[alice_enrolment.pk]),
    ):
        page = client.get(url).content.decode()
        forms = re.findall(r'<form[^>]*method="post"[^>]*>', page, flags=re.IGNORECASE)
        assert forms == [f'<form method="post" action="{reverse("logout")}">'], url
        assert "<textarea" not in page and 'type="file"' not in page, url


def test_a_learner_outside_the_grant_answers_404(client, gina, grant, bob_enrolment, unit):
    judged_unit(bob_enrolment, unit)
    client.force_login(gina)
    item = EvidenceItem.objects.get(enrolment=bob_enrolment)
    for url in (
        reverse("evidence:progress", args=[bob_enrolment.pk]),
        reverse("assessments:unit", args=[bob_enrolment.pk, unit.slug]),
        reverse("evidence:item", args=[item.pk]),
        reverse("assessments:report_pdf", args=[bob_enrolment.pk]),
    ):
        assert client.get(url).status_code == 404, url
    listed = client.get(reverse("evidence:list")).content.decode()
    assert reverse("evidence:item", args=[item.pk]) not in listed


def test_a_unit_outside_the_grant_answers_404(
    client, gina, frank, alice_enrolment, qualification, unit
):
    other_unit = UnitFactory(qualifications=[qualification])
    alice_enrolment.enrolled_units.create(unit=other_unit)
    eqa_grant_create(
        by=frank,
        eqa=gina,
        enrolments=[alice_enrolment],
        units=[other_unit],
        covers_from=datetime.date(2026, 9, 1),
        covers_to=datetime.date(2027, 1, 31),
        expires_at=timezone.now() + datetime.timedelta(days=7),
    )
    judged_unit(alice_enrolment, unit)
    client.force_login(gina)
    progress = client.get(reverse("evidence:progress", args=[alice_enrolment.pk]))
    assert [coverage.unit for coverage in progress.context["units"]] == [other_unit]
    url = reverse("assessments:unit", args=[alice_enrolment.pk, unit.slug])
    assert client.get(url).status_code == 404
    item = EvidenceItem.objects.get(enrolment=alice_enrolment)
    assert client.get(reverse("evidence:item", args=[item.pk])).status_code == 404
    report = reverse("assessments:report_pdf", args=[alice_enrolment.pk])
    assert client.get(report, {"unit": unit.slug}).status_code == 404


def test_after_expiry_everything_answers_404(client, gina, grant, alice_enrolment, sampled):
    EqaGrant.objects.filter(pk=grant.pk).update(expires_at=timezone.now())
    client.force_login(gina)
    for url in (
        reverse("evidence:progress", args=[alice_enrolment.pk]),
        reverse("quality:home"),
        reverse("quality:plan", args=[sampled["plan"].pk]),
        reverse("quality:review", args=[sampled["review"].pk]),
        reverse("criteria:qualifications"),
        reverse("evidence:list"),
        reverse("notifications:list"),
    ):
        assert client.get(url).status_code == 404, url
    home = client.get(reverse("home"))
    assert home.status_code == 200
    assert reverse("evidence:list") not in home.content.decode()


def test_a_revoked_grant_ends_access_at_once(client, gina, grant, frank, alice_enrolment):
    eqa_grant_revoke(grant=grant, by=frank)
    client.force_login(gina)
    url = reverse("evidence:progress", args=[alice_enrolment.pk])
    assert client.get(url).status_code == 404


def _every_url(resolver=None, namespace=""):
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _every_url(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield namespace + pattern.name, pattern


def _example_path(name, pattern):
    arguments = {
        key: ("1" if isinstance(conv, IntConverter) else "x")
        for key, conv in pattern.pattern.converters.items()
    }
    try:
        return reverse(name, kwargs=arguments)
    except Exception:
        return None


def test_every_post_an_eqa_makes_is_refused_and_logged(client, gina, grant, sampled):
    client.force_login(gina)
    # Their own two-factor sign-in is theirs to manage (tests/test_two_factor.py).
    open_to_them = {"logout", *TWO_FACTOR_PAGES}
    paths = {
        path
        for name, pattern in _every_url()
        if name not in open_to_them and (path := _example_path(name, pattern))
    }
    assert len(paths) > 40
    for path in sorted(paths):
        response = client.post(path, {"anything": "1"})
        assert response.status_code == 403, path
    assert EqaAccessLog.objects.filter(eqa=gina, method="POST", status_code=403).count() == len(
        paths
    )
    # Not even their own password changes, and nothing changed in the plan.
    assert sampled["plan"].entries.count() == 2


def test_each_page_is_logged_with_time_and_object(client, gina, grant, alice_enrolment, unit):
    client.force_login(gina)
    client.get(reverse("assessments:unit", args=[alice_enrolment.pk, unit.slug]))
    entry = EqaAccessLog.objects.get(eqa=gina)
    assert entry.view_name == "assessments:unit"
    assert entry.object_ref == f"Unit A/601/2550 {unit.title} of Alice Archer"
    assert entry.status_code == 200 and entry.method == "GET"
    assert abs(entry.at - timezone.now()) < datetime.timedelta(minutes=1)


def test_the_centre_admin_sees_the_log_on_the_grant(client, gina, grant, frank, alice_enrolment):
    item = EvidenceItemFactory(enrolment=alice_enrolment, title="Post room log")
    submit(item)
    client.force_login(gina)
    client.get(reverse("evidence:progress", args=[alice_enrolment.pk]))
    client.get(reverse("evidence:item", args=[item.pk]))
    client.get(reverse("evidence:item", args=[item.pk + 1000]))
    client.force_login(frank)
    page = client.get(reverse("quality:grant", args=[grant.pk])).content.decode()
    assert f"/evidence/enrolments/{alice_enrolment.pk}/progress/" in page
    assert "evidence:progress" in page
    assert "Evidence item “Post room log” of Alice Archer" in page
    assert f"Nothing found for {item.pk + 1000}" in page
    assert f"pk {item.pk}" not in page


def test_every_page_naming_an_object_is_logged_by_a_description(client, gina, grant):
    unnamed = {
        name
        for name, pattern in _every_url()
        if pattern.pattern.converters
        and not name.startswith("admin:")
        and name not in {"password_reset_confirm"}
        and name not in DESCRIBE
    }
    assert unnamed == set()


def test_the_eqa_reads_iqa_plans_and_reviews_within_the_grant(client, gina, grant, sampled):
    client.force_login(gina)
    plan_page = client.get(reverse("quality:plan", args=[sampled["plan"].pk]))
    assert plan_page.status_code == 200
    text = plan_page.content.decode()
    assert "Alice Archer" in text and "Bob Baker" not in text
    assert "Suggested sample" not in text and "Take out" not in text
    assert client.get(reverse("quality:review", args=[sampled["review"].pk])).status_code == 200
    assert client.get(reverse("quality:entry", args=[sampled["bob_entry"].pk])).status_code == 404
    csv = client.get(reverse("quality:plan_report", args=[sampled["plan"].pk, "csv"]))
    assert csv.status_code == 200
    assert "Alice Archer" in csv.content.decode() and "Bob Baker" not in csv.content.decode()


def test_reviews_outside_the_grants_dates_answer_404(
    client, gina, frank, alice_enrolment, unit, sampled
):
    eqa_grant_create(
        by=frank,
        eqa=gina,
        enrolments=[alice_enrolment],
        units=[unit],
        covers_from=datetime.date(2025, 1, 1),
        covers_to=datetime.date(2025, 6, 30),
        expires_at=timezone.now() + datetime.timedelta(days=7),
    )
    client.force_login(gina)
    assert client.get(reverse("quality:review", args=[sampled["review"].pk])).status_code == 404
    assert client.get(reverse("quality:plan", args=[sampled["plan"].pk])).status_code == 404


def test_a_grant_is_refused_for_someone_not_marked_as_eqa(frank, dave, alice_enrolment, unit):
    with pytest.raises(ValidationError) as error:
        eqa_grant_create(
            by=frank,
            eqa=dave,
            enrolments=[alice_enrolment],
            units=[unit],
            covers_from=datetime.date(2026, 9, 1),
            covers_to=datetime.date(2026, 8, 1),
            expires_at=timezone.now() - datetime.timedelta(hours=1),
        )
    assert "not marked as an external quality assurer" in str(error.value)
    assert "Access must end in the future." in str(error.value)
    assert not EqaGrant.objects.exists()


def test_only_a_centre_admin_grants_access(erin, gina, alice_enrolment, unit):
    with pytest.raises(ValidationError, match="Only a centre admin"):
        eqa_grant_create(
            by=erin,
            eqa=gina,
            enrolments=[alice_enrolment],
            units=[unit],
            covers_from=datetime.date(2026, 9, 1),
            covers_to=datetime.date(2026, 12, 1),
            expires_at=timezone.now() + datetime.timedelta(days=1),
        )


def test_an_eqa_cannot_be_given_a_role_on_an_enrolment(gina, carol, qualification, unit):
    from people.services import enrolment_create

    with pytest.raises(ValidationError, match="external quality assurer and cannot hold a role"):
        enrolment_create(
            learner=UserFactory(username="kim"),
            qualification=qualification,
            units=[unit],
            assessor=carol,
            iqa=gina,
            start_date=datetime.date(2026, 9, 1),
            planned_end_date=datetime.date(2027, 9, 1),
        )


def test_someone_with_a_role_here_cannot_be_marked_as_eqa(carol, frank, alice_enrolment):
    from people.services import person_update

    with pytest.raises(ValidationError, match="is a learner, assessor or IQA here"):
        person_update(person=carol, by=frank, is_external_verifier=True)
    carol.refresh_from_db()
    assert not carol.is_external_verifier


def test_a_centre_admin_marks_a_new_person_as_eqa_on_the_person_form(client, frank):
    client.force_login(frank)
    response = client.post(
        reverse("people:person_add"),
        {
            "username": "hpr",
            "first_name": "Helen",
            "last_name": "Price",
            "email": "h.price@awarding.example",
            "is_external_verifier": "on",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    from people.models import User

    assert User.objects.get(username="hpr").is_external_verifier


def _plan(iqa, qualification, title, start, end):
    return sampling_plan_create(
        iqa=iqa, qualification=qualification, title=title, period_start=start, period_end=end
    )


def _review_signed_on(entry, day):
    review = sign_review(entry)
    signed_at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))
    SampleReview.objects.filter(pk=review.pk).update(signed_at=signed_at)
    return review


@pytest.fixture
def two_grants(gina, frank, alice_enrolment, bob_enrolment, unit):
    """Grant A: alice's unit, IQA records of January to March; grant B: bob's, July to
    September."""
    expires_at = timezone.now() + datetime.timedelta(days=7)
    for enrolment, covers_from, covers_to in (
        (alice_enrolment, datetime.date(2026, 1, 1), datetime.date(2026, 3, 31)),
        (bob_enrolment, datetime.date(2026, 7, 1), datetime.date(2026, 9, 30)),
    ):
        eqa_grant_create(
            by=frank,
            eqa=gina,
            enrolments=[enrolment],
            units=[unit],
            covers_from=covers_from,
            covers_to=covers_to,
            expires_at=expires_at,
        )


def test_each_grants_dates_open_only_that_grants_learners(
    client, gina, two_grants, alice_enrolment, bob_enrolment, unit, erin, qualification
):
    alice_unit, bob_unit = judged_unit(alice_enrolment, unit), judged_unit(bob_enrolment, unit)
    spring = _plan(
        erin, qualification, "Spring", datetime.date(2026, 1, 1), datetime.date(2026, 6, 30)
    )
    summer = _plan(
        erin, qualification, "Summer", datetime.date(2026, 7, 1), datetime.date(2026, 12, 31)
    )
    bob_in_february = _review_signed_on(make_entry(spring, bob_unit), datetime.date(2026, 2, 10))
    bob_in_august = _review_signed_on(make_entry(summer, bob_unit), datetime.date(2026, 8, 10))
    alice_in_august = _review_signed_on(make_entry(summer, alice_unit), datetime.date(2026, 8, 12))
    client.force_login(gina)

    def status(name, pk):
        return client.get(reverse(name, args=[pk])).status_code

    assert status("quality:review", bob_in_february.pk) == 404
    assert status("quality:entry", bob_in_february.entry.pk) == 404
    assert status("quality:plan", spring.pk) == 404
    assert status("quality:review", bob_in_august.pk) == 200
    assert status("quality:review", alice_in_august.pk) == 404
    summer_page = client.get(reverse("quality:plan", args=[summer.pk])).content.decode()
    assert "Bob Baker" in summer_page and "Alice Archer" not in summer_page
    csv = client.get(reverse("quality:plan_report", args=[summer.pk, "csv"])).content.decode()
    assert "Bob Baker" in csv and "Alice Archer" not in csv
    home = client.get(reverse("quality:home")).content.decode()
    assert "Summer" in home and "Spring" not in home


def test_the_eqa_sees_only_the_granted_units_names_on_an_enrolment(
    client, gina, frank, alice_enrolment, qualification, unit
):
    other_unit = UnitFactory(qualifications=[qualification], title="Manage a budget")
    alice_enrolment.enrolled_units.create(unit=other_unit)
    eqa_grant_create(
        by=frank,
        eqa=gina,
        enrolments=[alice_enrolment],
        units=[other_unit],
        covers_from=datetime.date(2026, 9, 1),
        covers_to=datetime.date(2027, 1, 31),
        expires_at=timezone.now() + datetime.timedelta(days=7),
    )
    client.force_login(gina)
    for url in (
        reverse("people:enrolment", args=[alice_enrolment.pk]),
        reverse("people:enrolments"),
    ):
        page = client.get(url).content.decode()
        assert "Manage a budget" in page, url
        assert unit.title not in page, url
    detail = client.get(reverse("people:enrolment", args=[alice_enrolment.pk])).content.decode()
    assert "Centre admin" not in detail


@pytest.fixture
def drafts(alice_enrolment, unit):
    """Alice's item never submitted, and one submitted as "Post room log" then being revised."""
    learner = alice_enrolment.learner
    never = EvidenceItemFactory(enrolment=alice_enrolment, title="Half-written reflection")
    never_file = add_file(never, "reflection.pdf")
    evidence_mapping_add(item=never, by=learner, criterion=criterion(unit, "1.1"))
    revising = EvidenceItemFactory(enrolment=alice_enrolment, title="Post room log")
    submitted_file = add_file(revising, "post-room-log.pdf")
    submit(revising)
    evidence_revise(item=revising, by=learner)
    evidence_item_update(item=revising, by=learner, title="Post room log, rewriting")
    working_file = add_file(revising, "rewrite.pdf", pdf_bytes("Rewrite"))
    return {
        "never": never,
        "never_file": never_file,
        "revising": revising,
        "submitted_file": submitted_file,
        "working_file": working_file,
    }


def test_the_eqa_reads_submitted_evidence_only_never_a_draft(
    client, gina, grant, alice_enrolment, drafts
):
    never, revising = drafts["never"], drafts["revising"]
    client.force_login(gina)

    def get(name, pk):
        return client.get(reverse(name, args=[pk]))

    assert get("evidence:item", never.pk).status_code == 404
    assert get("assessments:review", never.pk).status_code == 404
    assert get("evidence:file", drafts["never_file"].pk).status_code == 404
    version_url = reverse("evidence:version", args=[revising.pk, 1])
    assert get("evidence:item", revising.pk).url == version_url
    assert get("assessments:review", revising.pk).url == version_url
    version_page = client.get(version_url).content.decode()
    assert "Post room log" in version_page and "rewriting" not in version_page
    assert get("evidence:file", drafts["submitted_file"].pk).status_code == 200
    assert get("evidence:file", drafts["working_file"].pk).status_code == 404
    for name in ("evidence:list", "evidence:progress"):
        args = [] if name == "evidence:list" else [alice_enrolment.pk]
        page = client.get(reverse(name, args=args)).content.decode()
        assert "Post room log" in page, name
        assert "rewriting" not in page and "Half-written" not in page, name


def test_the_learner_still_reads_their_working_copy(client, alice, alice_enrolment, drafts):
    client.force_login(alice)
    page = client.get(reverse("evidence:item", args=[drafts["revising"].pk]))
    assert page.status_code == 200 and "Post room log, rewriting" in page.content.decode()
    listed = client.get(reverse("evidence:list")).content.decode()
    assert "Half-written reflection" in listed and "Post room log, rewriting" in listed


def test_the_eqa_home_lists_each_grant_with_what_it_opens(
    client, gina, two_grants, alice_enrolment, bob_enrolment, unit, erin, qualification
):
    summer = _plan(
        erin, qualification, "Summer", datetime.date(2026, 7, 1), datetime.date(2026, 12, 31)
    )
    make_entry(summer, judged_unit(bob_enrolment, unit))
    make_entry(summer, judged_unit(alice_enrolment, unit))
    client.force_login(gina)
    page = client.get(reverse("home")).content.decode()
    spring_grant, summer_grant = page.split("IQA records from ")[1:]
    assert spring_grant.startswith("1 January 2026 to 31 March 2026")
    assert reverse("evidence:progress", args=[alice_enrolment.pk]) in spring_grant
    assert reverse("assessments:unit", args=[alice_enrolment.pk, unit.slug]) in spring_grant
    assert "Bob Baker" not in spring_grant and "Summer" not in spring_grant
    assert summer_grant.startswith("1 July 2026 to 30 September 2026")
    assert reverse("assessments:unit", args=[bob_enrolment.pk, unit.slug]) in summer_grant
    assert reverse("quality:plan", args=[summer.pk]) in summer_grant
    assert "Alice Archer" not in summer_grant
    assert "You have no enrolments yet" not in page


def test_the_eqa_home_costs_the_same_queries_for_one_grant_as_for_two(
    client, gina, frank, grant, bob_enrolment, unit
):
    client.force_login(gina)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("home"))
    eqa_grant_create(
        by=frank,
        eqa=gina,
        enrolments=[bob_enrolment],
        units=[unit],
        covers_from=datetime.date(2026, 1, 1),
        covers_to=datetime.date(2026, 3, 31),
        expires_at=timezone.now() + datetime.timedelta(days=3),
    )
    with CaptureQueriesContext(connection) as two:
        page = client.get(reverse("home")).content.decode()
    assert page.count("IQA records from ") == 2
    assert len(two) == len(one)


def test_ending_access_asks_first_then_ends_it(client, gina, grant, frank, alice_enrolment):
    url = reverse("quality:grant_revoke", args=[grant.pk])
    client.force_login(frank)
    assert f'href="{url}"' in client.get(grant.get_absolute_url()).text
    question = client.get(url)
    assert question.status_code == 200
    assert "no longer be able to open the portfolios" in question.text
    grant.refresh_from_db()
    assert grant.revoked_at is None
    assert client.post(url).status_code == 302
    grant.refresh_from_db()
    assert grant.revoked_by == frank
    # Asked again once it has ended, the page goes back to the grant.
    assert client.get(url).status_code == 302
