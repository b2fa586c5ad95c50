"""Every URL walked by every kind of person: deny by default, 404 to outsiders, 403 to readers.
Every answer is also checked for the site's Content-Security-Policy, nothing inline that it
would refuse, and no caching of a signed-in person's page (tests/page_checks.py).

The table must name every URL the project has (bar Django's own admin and sign-in views), so a
new page cannot be added without saying who may open it.
"""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from assessments.models import UnitSignOff
from assessments.records import assessor_record_create
from assessments.targets import target_set
from confirmations.models import Confirmation
from confirmations.services import confirmation_request, token_digest
from credentials.keys import key_create
from credentials.services import credential_issue
from evidence import services as evidence_services
from evidence.uploads import evidence_file_add
from jobs.models import Job
from notifications.models import Notification
from notifications.services import notify
from quality.models import SampleEntry
from quality.services import eqa_grant_create, standardisation_record_create

from .factories import UserFactory
from .page_checks import assert_page_is_locked_down
from .quality_factories import judged_unit, make_entry, make_plan, sign_review

PEOPLE = ["anonymous", "alice", "bob", "carol", "dave", "erin", "frank"]
LOGIN = "login"  # expected: redirected to the sign-in page
OK = "ok"  # expected: allowed (200, or a redirect after a POST that acted)

READ = {"alice": 200, "bob": 404, "carol": 200, "dave": 404, "erin": 200, "frank": 200}
LEARNER_CHANGES = {"alice": OK, "bob": 404, "carol": 403, "dave": 404, "erin": 403, "frank": 403}
ASSESSOR_CHANGES = {"alice": 403, "bob": 404, "carol": OK, "dave": 404, "erin": 403, "frank": 403}
ADMIN_CHANGES = {"alice": 403, "bob": 404, "carol": 403, "dave": 404, "erin": 403, "frank": OK}
ADMIN_ONLY = {"alice": 403, "bob": 403, "carol": 403, "dave": 403, "erin": 403, "frank": OK}
EVERYONE = dict.fromkeys(PEOPLE[1:], 200)
EVERYONE_ACTS = dict.fromkeys(PEOPLE[1:], OK)
REVIEW = {**READ, "alice": 403}  # learners have their item page, not the review screen
THREAD = {**LEARNER_CHANGES, "carol": OK}  # the item's learner and assessor write in it
REOPEN = {**ASSESSOR_CHANGES, "erin": OK}  # the assessor or the IQA reopens a signed unit
OWN_ONLY = {**dict.fromkeys(PEOPLE[1:], 404), "alice": OK}
NOBODY = dict.fromkeys(PEOPLE[1:], 404)
IQA_READS = {**NOBODY, "erin": 200, "frank": 200}  # the plan's IQA; centre admins read
IQA_CHANGES = {**NOBODY, "erin": OK, "frank": 403}
QUALITY_STAFF = {**NOBODY, "carol": 200, "dave": 200, "erin": 200, "frank": 200}
ADMIN_ONLY_PAGE = {**dict.fromkeys(PEOPLE[1:], 403), "frank": 200}
READ_ACTS = {person: OK if status == 200 else status for person, status in READ.items()}
IQA_READS_ACT = {**NOBODY, "erin": OK, "frank": OK}
ASKER_ONLY = {**NOBODY, "alice": 200}  # a job is seen by the person who asked for it
PUBLIC = {**EVERYONE, "anonymous": 200}  # no sign-in: a credential's verifier has no account

# (url name, method, how to build its arguments, expected outcome for each signed-in person)
WALK = [
    ("home", "get", lambda o: [], EVERYONE),
    ("criteria:qualifications", "get", lambda o: [], EVERYONE),
    ("criteria:qualification", "get", lambda o: [o["qualification"].code], EVERYONE),
    ("criteria:unit", "get", lambda o: [o["unit"].slug], EVERYONE),
    ("criteria:search", "get", lambda o: [], EVERYONE),
    ("people:enrolments", "get", lambda o: [], EVERYONE),
    ("people:enrolment", "get", lambda o: [o["enrolment"].pk], READ),
    ("people:enrolment_edit", "get", lambda o: [o["enrolment"].pk], ADMIN_CHANGES),
    ("people:enrolment_add", "get", lambda o: [], ADMIN_ONLY),
    ("people:people", "get", lambda o: [], ADMIN_ONLY),
    ("people:person_add", "get", lambda o: [], ADMIN_ONLY),
    ("people:person_edit", "get", lambda o: [o["enrolment"].learner_id], ADMIN_ONLY),
    ("people:person_password_link", "post", lambda o: [o["enrolment"].learner_id], ADMIN_ONLY),
    ("people:import_enrolments", "get", lambda o: [], ADMIN_ONLY),
    ("people:import_template", "get", lambda o: [], ADMIN_ONLY),
    # No token: the admin is sent back to the import page to check the file again.
    ("people:import_confirm", "post", lambda o: [], ADMIN_ONLY),
    ("evidence:list", "get", lambda o: [], EVERYONE),
    ("evidence:progress", "get", lambda o: [o["enrolment"].pk], READ),
    (
        "evidence:leap2a",
        "get",
        lambda o: [o["enrolment"].pk],
        {**READ, "erin": 403, "frank": 403},  # the learner and their assessor export it
    ),
    ("evidence:create", "get", lambda o: [o["enrolment"].pk], LEARNER_CHANGES),
    ("evidence:item", "get", lambda o: [o["draft"].pk], READ),
    ("evidence:edit", "get", lambda o: [o["draft"].pk], LEARNER_CHANGES),
    ("evidence:delete", "get", lambda o: [o["draft"].pk], LEARNER_CHANGES),
    ("evidence:delete", "post", lambda o: [o["draft"].pk], LEARNER_CHANGES),
    ("evidence:mappings", "get", lambda o: [o["draft"].pk], LEARNER_CHANGES),
    ("evidence:assessor_mapping_add", "post", lambda o: [o["draft"].pk], ASSESSOR_CHANGES),
    # No target chosen: the learner is sent back to the mapping page with a message.
    ("suggestions:accept", "post", lambda o: [o["draft"].pk], LEARNER_CHANGES),
    ("suggestions:dismiss", "post", lambda o: [o["draft"].pk], LEARNER_CHANGES),
    (
        "evidence:mapping_remove",
        "post",
        lambda o: [o["draft"].pk, o["mapping"].pk],
        {**LEARNER_CHANGES, "carol": OK},  # the assessor may reach it; the service refuses
    ),
    ("evidence:submit", "post", lambda o: [o["draft"].pk], LEARNER_CHANGES),
    ("evidence:revise", "post", lambda o: [o["submitted"].pk], LEARNER_CHANGES),
    ("evidence:version", "get", lambda o: [o["submitted"].pk, 1], READ),
    ("evidence:upload", "post", lambda o: [o["draft"].pk], LEARNER_CHANGES),
    ("evidence:file", "get", lambda o: [o["file"].pk], READ),
    ("evidence:file_remove", "get", lambda o: [o["file"].pk], LEARNER_CHANGES),
    ("evidence:file_remove", "post", lambda o: [o["file"].pk], LEARNER_CHANGES),
    ("confirmations:create", "get", lambda o: [o["submitted"].pk], LEARNER_CHANGES),
    ("confirmations:resend", "post", lambda o: [o["confirmation"].pk], LEARNER_CHANGES),
    ("confirmations:cancel", "post", lambda o: [o["confirmation"].pk], LEARNER_CHANGES),
    # The witness's link: open to anyone holding it, signed in or not.
    ("confirmations:respond", "get", lambda o: [o["link_token"]], {**EVERYONE, "anonymous": 200}),
    ("assessments:caseload", "get", lambda o: [], EVERYONE),
    ("assessments:targets", "get", lambda o: [o["enrolment"].pk], READ),
    ("assessments:target_close", "get", lambda o: [o["target"].pk], ASSESSOR_CHANGES),
    ("assessments:target_close", "post", lambda o: [o["target"].pk], ASSESSOR_CHANGES),
    ("assessments:target_reopen", "get", lambda o: [o["target"].pk], ASSESSOR_CHANGES),
    ("assessments:target_reopen", "post", lambda o: [o["target"].pk], ASSESSOR_CHANGES),
    ("assessments:record_create", "get", lambda o: [o["enrolment"].pk], ASSESSOR_CHANGES),
    ("assessments:record_acknowledge", "post", lambda o: [o["record"].pk], LEARNER_CHANGES),
    ("assessments:review", "get", lambda o: [o["submitted"].pk], REVIEW),
    ("assessments:feedback", "post", lambda o: [o["submitted"].pk], THREAD),
    ("assessments:send_back", "post", lambda o: [o["submitted"].pk], ASSESSOR_CHANGES),
    ("assessments:accept", "post", lambda o: [o["submitted"].pk], ASSESSOR_CHANGES),
    ("assessments:unit", "get", lambda o: [o["enrolment"].pk, o["unit"].slug], READ),
    (
        "assessments:judge",
        "get",
        lambda o: [o["enrolment"].pk, o["unit"].slug, o["key"]],
        ASSESSOR_CHANGES,
    ),
    (
        "assessments:judge_unit",
        "get",
        lambda o: [o["enrolment"].pk, o["unit"].slug],
        ASSESSOR_CHANGES,
    ),
    ("assessments:history", "get", lambda o: [o["enrolment"].pk, o["unit"].slug], READ),
    (
        "assessments:sign_off",
        "post",
        lambda o: [o["enrolment"].pk, o["unit"].slug],
        ASSESSOR_CHANGES,
    ),
    (
        "assessments:countersign",
        "post",
        lambda o: [o["enrolment"].pk, o["unit"].slug],
        LEARNER_CHANGES,
    ),
    ("assessments:reopen", "post", lambda o: [o["enrolment"].pk, o["unit"].slug], REOPEN),
    ("assessments:report_pdf", "get", lambda o: [o["enrolment"].pk], READ),
    ("assessments:matrix_csv", "get", lambda o: [o["enrolment"].pk], READ),
    ("assessments:report_prepare", "post", lambda o: [o["enrolment"].pk], READ_ACTS),
    ("portability:export_prepare", "post", lambda o: [o["enrolment"].pk], READ_ACTS),
    ("portability:export_zip", "get", lambda o: [o["enrolment"].pk], READ),
    ("portability:subject_access", "post", lambda o: [o["enrolment"].learner_id], ADMIN_ONLY),
    ("audit:timeline", "get", lambda o: [o["enrolment"].pk], READ),
    ("audit:timeline_csv", "get", lambda o: [o["enrolment"].pk], READ),
    ("audit:settings", "get", lambda o: [], ADMIN_ONLY_PAGE),
    ("audit:settings", "post", lambda o: [], {**ADMIN_ONLY_PAGE, "frank": 400}),
    ("jobs:detail", "get", lambda o: [o["job"].token], ASKER_ONLY),
    ("jobs:status", "get", lambda o: [o["job"].token], ASKER_ONLY),
    ("jobs:download", "get", lambda o: [o["job"].token], ASKER_ONLY),
    # The walk's job is ready: the asker is told it needs no retry and sent back to it.
    ("jobs:retry", "post", lambda o: [o["job"].token], OWN_ONLY),
    ("notifications:list", "get", lambda o: [], EVERYONE),
    ("quality:home", "get", lambda o: [], QUALITY_STAFF),
    ("quality:plan_create", "get", lambda o: [], {**NOBODY, "erin": 200}),
    ("quality:plan", "get", lambda o: [o["plan"].pk], IQA_READS),
    ("quality:plan_accept", "post", lambda o: [o["plan"].pk], IQA_CHANGES),
    # No data: the IQA's form comes back with its errors.
    ("quality:entry_add", "post", lambda o: [o["plan"].pk], {**IQA_CHANGES, "erin": 400}),
    ("quality:plan_report", "get", lambda o: [o["plan"].pk, "csv"], IQA_READS),
    ("quality:plan_report_prepare", "post", lambda o: [o["plan"].pk], IQA_READS_ACT),
    ("quality:entry_drop", "get", lambda o: [o["entry"].pk], IQA_CHANGES),
    ("quality:entry_drop", "post", lambda o: [o["entry"].pk], IQA_CHANGES),
    ("quality:entry", "get", lambda o: [o["entry"].pk], IQA_READS),
    ("quality:review", "get", lambda o: [o["review"].pk], {**IQA_READS, "carol": 200}),
    (
        "quality:action_respond",
        "post",
        lambda o: [o["action"].pk],
        {**NOBODY, "carol": OK, "erin": 403, "frank": 403},
    ),
    (
        "quality:action_close",
        "post",
        lambda o: [o["action"].pk],
        {**NOBODY, "carol": 403, "erin": OK, "frank": 403},
    ),
    ("quality:risk", "get", lambda o: [], IQA_READS),
    ("quality:policy", "get", lambda o: [], ADMIN_ONLY_PAGE),
    ("quality:standardisation_list", "get", lambda o: [], QUALITY_STAFF),
    ("quality:standardisation_create", "get", lambda o: [], IQA_READS),
    ("quality:standardisation", "get", lambda o: [o["meeting"].pk], QUALITY_STAFF),
    (
        "quality:standardisation_document",
        "get",
        lambda o: [o["meeting"].documents.get().pk],
        QUALITY_STAFF,
    ),
    ("quality:grants", "get", lambda o: [], ADMIN_ONLY_PAGE),
    ("quality:grant_create", "get", lambda o: [], ADMIN_ONLY_PAGE),
    ("quality:grant", "get", lambda o: [o["grant"].pk], ADMIN_ONLY_PAGE),
    ("quality:grant_revoke", "get", lambda o: [o["grant"].pk], {**ADMIN_ONLY_PAGE, "frank": OK}),
    ("quality:grant_revoke", "post", lambda o: [o["grant"].pk], {**ADMIN_ONLY_PAGE, "frank": OK}),
    ("notifications:read", "post", lambda o: [o["notification"].pk], OWN_ONLY),
    ("healthz", "get", lambda o: [], {**EVERYONE, "anonymous": 200}),
    # Each person's own two-factor sign-in (tests/test_two_factor.py covers what each does).
    ("two_factor", "get", lambda o: [], EVERYONE),
    ("two_factor_setup", "get", lambda o: [], EVERYONE),
    ("two_factor_verify", "get", lambda o: [], EVERYONE_ACTS),
    ("two_factor_recovery_codes", "post", lambda o: [], EVERYONE_ACTS),
    ("two_factor_disable", "post", lambda o: [], EVERYONE_ACTS),
    ("notice_email", "get", lambda o: [], EVERYONE),
    ("notice_email", "post", lambda o: [], EVERYONE_ACTS),
    ("session_check", "get", lambda o: [], EVERYONE),
    # A unit's credential: public to check (anyone shown one may), the learner's to download.
    ("credentials:issuer", "get", lambda o: [], PUBLIC),
    ("credentials:verify", "get", lambda o: [], PUBLIC),
    ("credentials:status", "get", lambda o: [o["credential"].public_id], PUBLIC),
    ("credentials:verify_stored", "get", lambda o: [o["credential"].public_id], PUBLIC),
    (
        "credentials:download",
        "get",
        lambda o: [o["credential"].public_id],
        {**LEARNER_CHANGES, "alice": 200},
    ),
]
# Django's own views: the admin site and sign-in, password reset and password change.
NOT_WALKED = {"login", "logout", "password_change", "password_change_done"} | {
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
}


def url_names(resolver=None, namespace=""):
    names = set()
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= url_names(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(namespace + pattern.name)
    return names


def test_the_walk_covers_every_url_of_the_project():
    assert url_names() - NOT_WALKED == {name for name, *_ in WALK}


@pytest.fixture
def quality_objects(alice_enrolment, unit, qualification, erin, carol, frank):
    """A plan of erin's with a signed review (and its action) and an entry still to review; a
    standardisation meeting with a document; an EQA grant."""
    plan = make_plan(erin, qualification)
    enrolled_unit = judged_unit(alice_enrolment, unit)
    review = sign_review(make_entry(plan, enrolled_unit), disagree=("1.1",))
    entry = make_entry(plan, enrolled_unit, SampleEntry.Stage.SUMMATIVE)
    meeting = standardisation_record_create(
        by=erin,
        kind="meeting",
        held_on=datetime.date(2026, 11, 2),
        topic="Judging 5.1",
        attendees=[carol, erin],
        evidence_looked_at="Complaints logs",
        outcomes="Agreed what 5.1 needs.",
        documents=[SimpleUploadedFile("minutes.txt", b"Minutes of the meeting")],
    )
    gina = UserFactory(username="gina", is_external_verifier=True)
    grant = eqa_grant_create(
        by=frank,
        eqa=gina,
        enrolments=[alice_enrolment],
        units=[unit],
        covers_from=datetime.date(2026, 9, 1),
        covers_to=datetime.date(2026, 12, 31),
        expires_at=timezone.now() + datetime.timedelta(days=3),
    )
    return {
        "plan": plan,
        "entry": entry,
        "review": review,
        "action": review.actions.get(),
        "meeting": meeting,
        "grant": grant,
    }


@pytest.fixture
def credential_objects(alice_enrolment, alice, carol, settings, tmp_path):
    """A credential for alice's unit, on a countersigned sign-off made directly (judging every
    criterion for each walk would take a while; tests/test_credentials.py does it for real)."""
    settings.CREDENTIAL_KEY_PATH = tmp_path / "credential.pem"
    key_create()
    now = timezone.now()
    sign_off = UnitSignOff.objects.create(
        enrolled_unit=alice_enrolment.enrolled_units.get(),
        assessor=carol,
        assessor_declaration="Signed.",
        assessor_signed_at=now,
        digest="0" * 64,
        covered={},
        learner=alice,
        learner_declaration="Countersigned.",
        learner_signed_at=now,
    )
    return {"credential": credential_issue(sign_off=sign_off)}


@pytest.fixture
def objects(alice, carol, alice_enrolment, bob_enrolment, unit, qualification):
    def make_item(title):
        item = evidence_services.evidence_item_create(
            enrolment=alice_enrolment,
            by=alice,
            title=title,
            activity_date=datetime.date(2026, 11, 2),
            evidence_type="other",
            assessment_method="work_product",
            description="Something I did.",
        )
        criterion = unit.outcomes.get(number=1).criteria.get()
        mapping = evidence_services.evidence_mapping_add(item=item, by=alice, criterion=criterion)
        return item, mapping

    draft, mapping = make_item("Draft")
    evidence_file, _ = evidence_file_add(
        item=draft, upload=SimpleUploadedFile("notes.txt", b"What I did today."), by=alice
    )
    submitted, first_mapping = make_item("Submitted")
    evidence_services.evidence_submit(item=submitted, by=alice, declaration=True)
    criterion = first_mapping.criterion
    target = target_set(
        enrolment=alice_enrolment,
        by=carol,
        description="Add a feedback survey",
        due_date=datetime.date(2099, 1, 1),
        criteria=[criterion],
    )
    record = assessor_record_create(
        enrolment=alice_enrolment,
        by=carol,
        kind="questioning",
        title="Questions on internal customers",
        activity_date=datetime.date(2026, 11, 2),
        typed_content={"questions": "Who are your internal customers?", "answers": "Finance."},
        targets=[(criterion, None)],
    )
    notification = notify(recipient=alice, kind=Notification.Kind.FEEDBACK, message="Hello")
    confirmation = confirmation_request(
        item=submitted,
        by=alice,
        kind="witness",
        witness_name="Janet Reid",
        witness_role="line manager",
        relationship="Manages my team",
        witness_email="janet.reid@example.org",
    )
    # The real token goes only into the email (sent on commit, so never here): set a known one.
    link_token = "W" * 43
    Confirmation.objects.filter(pk=confirmation.pk).update(token_hash=token_digest(link_token))
    # A finished job of alice's, as the worker leaves it (made directly: no PDF for each walk).
    job = Job.objects.create(
        kind=Job.Kind.COVERAGE_PDF,
        requested_by=alice,
        enrolment=alice_enrolment,
        status=Job.Status.READY,
        progress=100,
        result_name="report.pdf",
        result_type="application/pdf",
    )
    job.result.save("report.pdf", ContentFile(b"%PDF-1.7 a report"))
    return {
        "job": job,
        "target": target,
        "record": record,
        "notification": notification,
        "key": f"c{criterion.pk}",
        "enrolment": alice_enrolment,
        "unit": unit,
        "qualification": qualification,
        "draft": draft,
        "mapping": mapping,
        "file": evidence_file,
        "submitted": submitted,
        "confirmation": confirmation,
        "link_token": link_token,
    }


@pytest.mark.parametrize("person", PEOPLE)
@pytest.mark.parametrize(
    ("name", "method", "args", "expected"),
    WALK,
    ids=[f"{method} {name}" for name, method, *_ in WALK],
)
def test_each_person_gets_what_their_role_allows(
    client, request, objects, carol, dave, erin, frank, person, name, method, args, expected
):
    if person != "anonymous":
        client.force_login(request.getfixturevalue(person))
    if name.startswith("quality:"):
        # Built only for the quality pages: a judged unit and a signed review take a while.
        objects = {**objects, **request.getfixturevalue("quality_objects")}
    if name.startswith("credentials:"):
        objects = {**objects, **request.getfixturevalue("credential_objects")}
    url = reverse(name, args=args(objects))
    response = getattr(client, method)(url)
    outcome = expected.get(person, LOGIN)
    if outcome == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    elif outcome == OK:
        assert response.status_code < 400
        if response.status_code == 302:
            assert not response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == outcome
    assert_page_is_locked_down(response, signed_in=person != "anonymous")
