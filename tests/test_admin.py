"""Django admin for people, enrolments and the catalogue: for superusers, not centre admins."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from criteria.models import AssessmentCriterion, LearningOutcome, Qualification
from people.models import Enrolment, User

from .factories import EnrolmentFactory, QualificationFactory, UnitFactory, UserFactory


@pytest.fixture
def root(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def enrolment_admin_form(enrolment, *, units=(), **changes):
    """The admin form of `enrolment` as it is saved, its units kept and `units` added, with
    `changes` (field name to value) over it."""
    enrolled = list(enrolment.enrolled_units.all())
    rows = [(e.pk, e.unit_id) for e in enrolled] + [("", unit.pk) for unit in units]
    data = {
        "learner": enrolment.learner.pk,
        "qualification": enrolment.qualification.pk,
        "assessor": enrolment.assessor.pk,
        "iqa": enrolment.iqa.pk,
        "start_date": enrolment.start_date.strftime("%d/%m/%Y"),
        "planned_end_date": enrolment.planned_end_date.strftime("%d/%m/%Y"),
        "status": enrolment.status,
        "enrolled_units-TOTAL_FORMS": str(len(rows)),
        "enrolled_units-INITIAL_FORMS": str(len(enrolled)),
    }
    for number, (pk, unit_id) in enumerate(rows):
        data[f"enrolled_units-{number}-id"] = pk
        data[f"enrolled_units-{number}-enrolment"] = enrolment.pk
        data[f"enrolled_units-{number}-unit"] = unit_id
    return {**data, **changes}


def test_it_keeps_people_who_are_not_staff_out_of_django_admin(client, frank):
    client.force_login(frank)
    response = client.get(reverse("admin:people_enrolment_changelist"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_it_opens_every_list_and_change_page_to_a_superuser(client, root, alice_enrolment):
    unit = alice_enrolment.units.get()
    outcome = LearningOutcome.objects.filter(unit=unit).first()
    criterion = AssessmentCriterion.objects.filter(outcome=outcome).first()
    client.force_login(root)
    pages = [
        reverse("admin:people_user_changelist"),
        reverse("admin:people_user_add"),
        reverse("admin:people_user_change", args=[alice_enrolment.learner.pk]),
        reverse("admin:people_enrolment_changelist"),
        reverse("admin:people_enrolment_add"),
        reverse("admin:people_enrolment_change", args=[alice_enrolment.pk]),
        reverse("admin:criteria_qualification_changelist"),
        reverse("admin:criteria_qualification_change", args=[alice_enrolment.qualification.pk]),
        reverse("admin:criteria_unit_changelist"),
        reverse("admin:criteria_unit_change", args=[unit.pk]),
        reverse("admin:criteria_learningoutcome_changelist"),
        reverse("admin:criteria_learningoutcome_change", args=[outcome.pk]),
        reverse("admin:criteria_assessmentcriterion_changelist"),
        reverse("admin:criteria_assessmentcriterion_change", args=[criterion.pk]),
    ]
    for page in pages:
        assert client.get(page).status_code == 200, page


def test_it_shows_and_filters_by_the_centre_admin_flag(client, root, frank, alice):
    client.force_login(root)
    url = reverse("admin:people_user_changelist")
    response = client.get(url)
    assert "column-is_centre_admin" in response.text
    response = client.get(url, {"is_centre_admin__exact": "1"})
    assert list(response.context["cl"].result_list) == [frank]
    response = client.get(reverse("admin:people_user_change", args=[alice.pk]))
    assert 'name="is_centre_admin"' in response.text


def test_it_shows_an_enrolment_with_its_units_inline_and_people_by_autocomplete(
    client, root, alice_enrolment
):
    client.force_login(root)
    response = client.get(reverse("admin:people_enrolment_change", args=[alice_enrolment.pk]))
    assert "enrolled_units-TOTAL_FORMS" in response.text
    assert "admin-autocomplete" in response.text
    response = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "people",
            "model_name": "enrolment",
            "field_name": "learner",
            "term": "archer",
        },
    )
    assert [result["text"] for result in response.json()["results"]] == ["Alice Archer"]


@pytest.mark.parametrize("count", [2, 20])
def test_it_lists_enrolments_in_the_same_number_of_queries_however_many(
    client, root, count, django_assert_num_queries
):
    EnrolmentFactory.create_batch(count)
    client.force_login(root)
    # list_select_related: the people and qualification come with the enrolments
    with django_assert_num_queries(9):
        response = client.get(reverse("admin:people_enrolment_changelist"))
    assert len(response.context["cl"].result_list) == count


def test_it_refuses_in_admin_a_unit_of_another_qualification(client, root, alice_enrolment):
    foreign = UnitFactory(qualifications=[QualificationFactory()])
    client.force_login(root)
    url = reverse("admin:people_enrolment_change", args=[alice_enrolment.pk])
    data = enrolment_admin_form(alice_enrolment, units=[foreign])
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Not a unit of" in response.text
    assert alice_enrolment.units.count() == 1


def test_it_refuses_in_admin_the_assessor_as_iqa(client, root, alice_enrolment):
    client.force_login(root)
    url = reverse("admin:people_enrolment_change", args=[alice_enrolment.pk])
    data = enrolment_admin_form(alice_enrolment, iqa=alice_enrolment.assessor.pk)
    response = client.post(url, data)
    assert "must be different people" in response.text
    assert Enrolment.objects.get().iqa.username == "erin"


def test_it_lists_units_with_reference_level_and_criteria_status(client, root, catalogue):
    client.force_login(root)
    response = client.get(reverse("admin:criteria_unit_changelist"))
    for column in ("reference", "level", "criteria_complete"):
        assert f"column-{column}" in response.text
    response = client.get(
        reverse("admin:criteria_unit_changelist"), {"criteria_complete__exact": "0"}
    )
    assert [unit.slug for unit in response.context["cl"].result_list] == [
        "plan-organise-control-customer-service-operations"
    ]


def test_it_keeps_the_natural_keys_of_the_catalogue_fixed_once_saved(client, root, catalogue):
    client.force_login(root)
    response = client.get(reverse("admin:criteria_unit_change", args=[catalogue.pk]))
    assert 'name="slug"' not in response.text
    assert "a-601-2550" in response.text
    qualification = Qualification.objects.get(code="ocr-l3-nvq-diploma-business-admin")
    response = client.get(reverse("admin:criteria_qualification_change", args=[qualification.pk]))
    assert 'name="code"' not in response.text
    assert 'name="Unit_qualifications-0-unit"' in response.text


def test_it_shows_a_unit_with_its_outcomes_and_a_criterion_with_its_parts(client, root, catalogue):
    client.force_login(root)
    response = client.get(reverse("admin:criteria_unit_change", args=[catalogue.pk]))
    assert response.text.count("outcomes-") > 10
    criterion = AssessmentCriterion.objects.filter(parts__isnull=False).first()
    response = client.get(reverse("admin:criteria_assessmentcriterion_change", args=[criterion.pk]))
    assert "parts-TOTAL_FORMS" in response.text


def test_it_adds_a_user_with_the_centre_admin_flag(client, root):
    client.force_login(root)
    response = client.post(
        reverse("admin:people_user_add"),
        {
            "username": "gina",
            "first_name": "Gina",
            "last_name": "Green",
            "email": "gina@example.org",
            "is_centre_admin": "on",
            "usable_password": "false",
            "password1": "",
            "password2": "",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    gina = User.objects.get(username="gina")
    assert gina.is_centre_admin
    assert not gina.has_usable_password()


def test_it_keeps_peoples_authenticators_from_staff_who_are_not_superusers(client, root, alice):
    device = TOTPDevice.objects.create(user=alice, name="Phone", confirmed=True)
    StaticDevice.objects.create(user=alice, name="Recovery codes")
    # Every permission there is, yet not a superuser.
    staff = UserFactory(username="stella", is_staff=True)
    staff.user_permissions.set(Permission.objects.all())
    client.force_login(staff)
    for path in (
        "/admin/otp_totp/totpdevice/",
        f"/admin/otp_totp/totpdevice/{device.pk}/delete/",
        "/admin/otp_static/staticdevice/",
    ):
        assert client.get(path).status_code == 403, path
    assert client.post(f"/admin/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"})
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    client.force_login(root)
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 200


def test_an_enrolment_changed_in_admin_forgets_the_roles_its_people_were_counted_with(
    client, root, alice_enrolment, dave
):
    from nvq_portfolio import todo_count

    carol = alice_enrolment.assessor
    for person in (carol, dave):
        todo_count.remember_roles(person.pk, {"learner"})
    client.force_login(root)
    response = client.post(
        reverse("admin:people_enrolment_change", args=[alice_enrolment.pk]),
        enrolment_admin_form(alice_enrolment, assessor=dave.pk),
    )
    assert response.status_code == 302
    assert Enrolment.objects.get().assessor == dave
    # The old assessor and the new one are counted afresh, with the roles they hold now.
    assert todo_count.recall_roles(carol.pk) is None
    assert todo_count.recall_roles(dave.pk) is None
