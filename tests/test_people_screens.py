"""The enrolment and people screens, walked with every role: alice and bob learn, carol assesses
alice, dave assesses bob, erin quality-assures both, frank is the centre admin."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse

from criteria.models import Unit
from people.models import Enrolment, User

from .factories import EnrolmentFactory, QualificationFactory, UnitFactory, UserFactory

L3 = "ocr-l3-nvq-diploma-business-admin"


def enrolment_urls(enrolment):
    return [
        reverse("people:enrolment", args=[enrolment.pk]),
        reverse("people:enrolment_edit", args=[enrolment.pk]),
    ]


def admin_only_urls(person):
    return [
        reverse("people:people"),
        reverse("people:person_add"),
        reverse("people:person_edit", args=[person.pk]),
        reverse("people:enrolment_add"),
        reverse("people:enrolment_add") + f"?qualification={L3}",
        reverse("people:import_enrolments"),
        reverse("people:import_template"),
    ]


# Who may reach what


def test_it_sends_anonymous_visitors_to_sign_in_from_every_screen(client, alice_enrolment):
    urls = [reverse("people:enrolments"), *enrolment_urls(alice_enrolment)]
    urls += admin_only_urls(alice_enrolment.learner)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith("/accounts/login/"), url
    response = client.post(
        reverse("people:person_password_link", args=[alice_enrolment.learner.pk])
    )
    assert response.url.startswith("/accounts/login/")


@pytest.mark.parametrize("name", ["alice", "carol", "erin"])
def test_it_refuses_admin_screens_to_people_who_are_not_centre_admins(
    client, request, name, alice_enrolment
):
    client.force_login(request.getfixturevalue(name))
    for url in admin_only_urls(alice_enrolment.learner):
        assert client.get(url).status_code == 403, url
    url = reverse("people:person_password_link", args=[alice_enrolment.learner.pk])
    assert client.post(url).status_code == 403
    assert mail.outbox == []


@pytest.mark.parametrize("name", ["alice", "carol", "erin"])
def test_it_shows_an_enrolment_to_its_readers_but_refuses_them_its_edit_screen(
    client, request, name, alice_enrolment
):
    client.force_login(request.getfixturevalue(name))
    detail, edit = enrolment_urls(alice_enrolment)
    assert client.get(detail).status_code == 200
    assert client.get(edit).status_code == 403
    assert client.post(edit, {"status": "withdrawn"}).status_code == 403
    alice_enrolment.refresh_from_db()
    assert alice_enrolment.status == Enrolment.Status.ACTIVE


@pytest.mark.parametrize("name", ["bob", "dave"])
def test_it_hides_an_enrolment_from_outsiders(client, request, name, alice_enrolment, bob):
    client.force_login(request.getfixturevalue(name))
    for url in enrolment_urls(alice_enrolment):
        assert client.get(url).status_code == 404, url


def test_it_answers_404_for_an_enrolment_that_does_not_exist(client, frank):
    client.force_login(frank)
    assert client.get(reverse("people:enrolment", args=[999999])).status_code == 404
    assert client.get(reverse("people:enrolment_edit", args=[999999])).status_code == 404
    assert client.get(reverse("people:person_edit", args=[999999])).status_code == 404


def test_it_opens_every_screen_to_a_centre_admin(client, frank, alice_enrolment):
    client.force_login(frank)
    urls = [reverse("people:enrolments"), *enrolment_urls(alice_enrolment)]
    for url in urls + admin_only_urls(alice_enrolment.learner):
        assert client.get(url).status_code == 200, url


# Enrolment list


def test_it_lists_only_the_enrolments_a_person_holds_a_role_on(
    client, carol, alice_enrolment, bob_enrolment
):
    client.force_login(carol)
    response = client.get(reverse("people:enrolments"))
    assert list(response.context["page"].object_list) == [alice_enrolment]
    assert "Bob Baker" not in response.text


def test_it_gives_a_learner_who_is_only_a_learner_a_list_of_their_own(
    client, alice, alice_enrolment, bob_enrolment
):
    client.force_login(alice)
    response = client.get(reverse("people:enrolments"))
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == [alice_enrolment]
    assert "Enrol a learner" not in response.text


def test_it_lists_every_enrolment_for_a_centre_admin(client, frank, alice_enrolment, bob_enrolment):
    client.force_login(frank)
    response = client.get(reverse("people:enrolments"))
    assert list(response.context["page"].object_list) == [alice_enrolment, bob_enrolment]
    assert "2 enrolments" in response.text
    assert 'th scope="col">Learner</th>' in response.text
    assert "<caption" in response.text


def test_it_filters_the_list_by_status_qualification_assessor_and_learner_name(
    client, frank, alice_enrolment, bob_enrolment, dave
):
    other = EnrolmentFactory(status=Enrolment.Status.WITHDRAWN)
    client.force_login(frank)
    url = reverse("people:enrolments")

    def listed(**params):
        return list(client.get(url, params).context["page"].object_list)

    assert listed(status="withdrawn") == [other]
    assert listed(qualification=alice_enrolment.qualification.pk) == [
        alice_enrolment,
        bob_enrolment,
    ]
    assert listed(assessor=dave.pk) == [bob_enrolment]
    assert listed(q="ARCH") == [alice_enrolment]
    assert listed(q="bob") == [bob_enrolment]
    assert listed(q="alice archer") == [alice_enrolment]
    assert listed(q="nobody") == []


def test_it_ignores_a_filter_naming_something_that_does_not_exist(client, frank, alice_enrolment):
    client.force_login(frank)
    response = client.get(reverse("people:enrolments"), {"qualification": 999999, "page": "x"})
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == [alice_enrolment]


def test_it_offers_an_assessor_only_the_assessors_of_enrolments_they_can_see(
    client, erin, carol, dave, alice_enrolment, bob_enrolment
):
    client.force_login(carol)
    choices = client.get(reverse("people:enrolments")).context["form"].fields["assessor"]
    assert list(choices.queryset) == [carol]
    client.force_login(erin)
    choices = client.get(reverse("people:enrolments")).context["form"].fields["assessor"]
    assert set(choices.queryset) == {carol, dave}


def test_it_pages_the_list_fifty_at_a_time_and_keeps_the_filters(client, frank, qualification):
    assessor = UserFactory()
    EnrolmentFactory.create_batch(
        51, qualification=qualification, assessor=assessor, iqa=None, units=[]
    )
    client.force_login(frank)
    response = client.get(reverse("people:enrolments"), {"assessor": assessor.pk})
    assert len(response.context["page"].object_list) == 50
    assert f"?assessor={assessor.pk}&amp;page=2" in response.text
    response = client.get(reverse("people:enrolments"), {"assessor": assessor.pk, "page": 2})
    assert len(response.context["page"].object_list) == 1


@pytest.mark.parametrize("count", [2, 30])
def test_it_lists_any_number_of_enrolments_in_the_same_number_of_queries(
    client, frank, qualification, unit, count, django_assert_num_queries
):
    EnrolmentFactory.create_batch(count, qualification=qualification, units=[unit])
    client.force_login(frank)
    # session, user, nav roles, qualification and assessor choices, count, page, units
    with django_assert_num_queries(8):
        response = client.get(reverse("people:enrolments"))
    assert len(response.context["page"].object_list) == count


# Enrolment detail


def test_it_shows_an_enrolment_with_its_people_dates_and_units(client, erin, alice_enrolment):
    outline = UnitFactory(criteria_complete=False, qualifications=[alice_enrolment.qualification])
    alice_enrolment.enrolled_units.create(unit=outline)
    client.force_login(erin)
    response = client.get(alice_enrolment.get_absolute_url())
    text = response.text
    assert "Alice Archer" in text and "Carol Carter" in text and "Erin Evans" in text
    assert "1 September 2026" in text and "31 August 2027" in text
    assert "Active" in text
    assert f'href="{reverse("criteria:unit", args=["a-601-2550"])}"' in text
    assert f'href="{outline.get_absolute_url()}"' in text
    assert text.count("criteria not yet loaded") == 1
    assert "Internal quality assurer" in text
    assert reverse("people:enrolment_edit", args=[alice_enrolment.pk]) not in text


def test_it_offers_a_centre_admin_the_edit_button(client, frank, alice_enrolment):
    client.force_login(frank)
    response = client.get(alice_enrolment.get_absolute_url())
    assert reverse("people:enrolment_edit", args=[alice_enrolment.pk]) in response.text


# Enrolling and editing


def enrolment_data(learner, assessor, iqa=None, units=(), **changes):
    data = {
        "learner": learner.pk,
        "units": [unit.pk for unit in units],
        "assessor": assessor.pk,
        "iqa": iqa.pk if iqa else "",
        "start_date": "23/11/2026",
        "planned_end_date": "2027-11-22",
        "status": "active",
    }
    data.update(changes)
    return data


def test_it_asks_for_the_qualification_before_the_rest(client, frank, qualification):
    client.force_login(frank)
    response = client.get(reverse("people:enrolment_add"))
    assert response.templates[0].name == "people/enrolment_choose_qualification.html"
    response = client.get(reverse("people:enrolment_add"), {"qualification": "no-such-thing"})
    assert response.templates[0].name == "people/enrolment_choose_qualification.html"
    assert 'role="alert"' in response.text


def test_it_offers_exactly_the_units_of_the_chosen_qualification(client, frank, qualification):
    client.force_login(frank)
    response = client.get(reverse("people:enrolment_add"), {"qualification": L3})
    assert list(response.context["form"].fields["units"].queryset) == list(
        qualification.units.all()
    )
    assert 'name="units" value=' in response.text


def test_it_enrols_a_learner_and_accepts_both_date_forms(client, frank, alice, carol, erin, unit):
    client.force_login(frank)
    url = reverse("people:enrolment_add") + f"?qualification={L3}"
    response = client.post(url, enrolment_data(alice, carol, erin, units=[unit]))
    enrolment = Enrolment.objects.get(learner=alice)
    assert response.status_code == 302
    assert response.url == enrolment.get_absolute_url()
    assert enrolment.start_date == datetime.date(2026, 11, 23)
    assert enrolment.planned_end_date == datetime.date(2027, 11, 22)
    assert list(enrolment.units.all()) == [unit]
    assert (enrolment.assessor, enrolment.iqa) == (carol, erin)


def test_it_preselects_the_learner_when_enrolling_from_their_page(
    client, frank, alice, qualification
):
    client.force_login(frank)
    url = reverse("people:enrolment_add")
    response = client.get(url, {"qualification": L3, "learner": alice.pk})
    assert f'value="{alice.pk}" selected>Alice Archer (alice)' in response.text


def test_it_refuses_the_assessor_as_iqa_on_the_form_with_a_clear_message(
    client, frank, alice, carol, unit
):
    client.force_login(frank)
    url = reverse("people:enrolment_add") + f"?qualification={L3}"
    response = client.post(url, enrolment_data(alice, carol, carol, units=[unit]))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["iqa"] == [
        "The assessor and the internal quality assurer must be different people."
    ]
    assert 'role="alert"' in response.text
    assert not Enrolment.objects.exists()


def test_it_shows_every_rule_broken_beside_its_field(client, frank, alice, carol, unit):
    client.force_login(frank)
    url = reverse("people:enrolment_add") + f"?qualification={L3}"
    data = enrolment_data(alice, alice, units=[], planned_end_date="01/01/2026")
    response = client.post(url, data)
    errors = response.context["form"].errors
    assert errors["units"] == ["This field is required."]
    data = enrolment_data(alice, alice, units=[unit], planned_end_date="01/01/2026")
    errors = client.post(url, data).context["form"].errors
    assert errors["assessor"] == ["A learner cannot be their own assessor."]
    assert errors["planned_end_date"] == ["The planned end date cannot be before the start date."]
    assert not Enrolment.objects.exists()


def test_it_refuses_a_second_enrolment_on_the_same_qualification(
    client, frank, alice_enrolment, carol, unit
):
    client.force_login(frank)
    url = reverse("people:enrolment_add") + f"?qualification={L3}"
    response = client.post(url, enrolment_data(alice_enrolment.learner, carol, units=[unit]))
    assert response.context["form"].errors["learner"] == [
        "This learner is already enrolled on this qualification."
    ]
    assert Enrolment.objects.count() == 1


def test_it_refuses_dates_that_are_not_dates(client, frank, alice, carol, unit):
    client.force_login(frank)
    url = reverse("people:enrolment_add") + f"?qualification={L3}"
    data = enrolment_data(alice, carol, units=[unit], start_date="31/02/2026")
    response = client.post(url, data)
    assert response.context["form"].errors["start_date"] == ["Enter a valid date."]


def test_it_refuses_a_unit_of_another_qualification(client, frank, alice, carol, qualification):
    foreign = UnitFactory(qualifications=[QualificationFactory()])
    client.force_login(frank)
    url = reverse("people:enrolment_add") + f"?qualification={L3}"
    response = client.post(url, enrolment_data(alice, carol, units=[foreign]))
    assert "units" in response.context["form"].errors
    assert not Enrolment.objects.exists()


def test_it_edits_an_enrolment(client, frank, alice_enrolment, dave, unit):
    client.force_login(frank)
    url = reverse("people:enrolment_edit", args=[alice_enrolment.pk])
    response = client.get(url)
    assert response.context["form"].initial["assessor"] == alice_enrolment.assessor
    data = enrolment_data(
        alice_enrolment.learner,
        dave,
        alice_enrolment.iqa,
        units=[unit],
        status="on_break",
        planned_end_date="30/11/2027",
    )
    response = client.post(url, data)
    assert response.status_code == 302
    alice_enrolment.refresh_from_db()
    assert alice_enrolment.assessor == dave
    assert alice_enrolment.status == Enrolment.Status.ON_BREAK
    assert alice_enrolment.planned_end_date == datetime.date(2027, 11, 30)


def test_it_refuses_on_edit_to_make_the_iqa_the_assessor(client, frank, alice_enrolment, unit):
    client.force_login(frank)
    url = reverse("people:enrolment_edit", args=[alice_enrolment.pk])
    iqa = alice_enrolment.iqa
    response = client.post(url, enrolment_data(alice_enrolment.learner, iqa, iqa, units=[unit]))
    assert response.context["form"].errors["iqa"] == [
        "The assessor and the internal quality assurer must be different people."
    ]
    alice_enrolment.refresh_from_db()
    assert alice_enrolment.assessor.username == "carol"


# People


def test_it_lists_people_with_their_enrolment_counts_in_each_role(
    client, frank, alice_enrolment, bob_enrolment
):
    client.force_login(frank)
    response = client.get(reverse("people:people"))
    people = {person.username: person for person in response.context["page"].object_list}
    assert (people["alice"].learner_count, people["alice"].assessor_count) == (1, 0)
    assert (people["carol"].assessor_count, people["carol"].iqa_count) == (1, 0)
    assert (people["erin"].iqa_count, people["erin"].learner_count) == (2, 0)
    assert people["frank"].is_centre_admin
    assert "<caption" in response.text and 'scope="col"' in response.text


def test_it_searches_people(client, frank, alice, bob):
    client.force_login(frank)
    response = client.get(reverse("people:people"), {"q": "archer"})
    assert list(response.context["page"].object_list) == [alice]


@pytest.mark.parametrize(
    "role, expected",
    [
        ("learner", {"alice", "bob"}),
        ("assessor", {"carol", "dave"}),
        ("iqa", {"erin"}),
        ("centre_admin", {"frank"}),
        ("none", {"frank", "outsider"}),
    ],
)
def test_it_lists_the_people_holding_a_role(
    client, frank, alice_enrolment, bob_enrolment, role, expected
):
    UserFactory(username="outsider")
    client.force_login(frank)
    response = client.get(reverse("people:people"), {"role": role})
    assert {person.username for person in response.context["page"].object_list} == expected
    assert f"{len(expected)} {'person' if len(expected) == 1 else 'people'} match" in response.text


def test_an_unknown_role_lists_everyone_and_says_why(client, frank, alice):
    client.force_login(frank)
    response = client.get(reverse("people:people"), {"role": "wizard"})
    assert {"alice", "frank"} <= {p.username for p in response.context["page"].object_list}
    assert "Select a valid choice" in response.text


@pytest.mark.parametrize("count", [2, 30])
def test_people_of_one_role_cost_the_same_queries_however_many(
    client, frank, qualification, unit, count, django_assert_max_num_queries
):
    for _ in range(count):
        EnrolmentFactory(qualification=qualification, units=[unit])
    client.force_login(frank)
    with django_assert_max_num_queries(5):
        response = client.get(reverse("people:people"), {"role": "learner", "q": "a"})
    assert response.status_code == 200


@pytest.mark.parametrize("count", [2, 30])
def test_it_lists_any_number_of_people_in_the_same_number_of_queries(
    client, frank, count, django_assert_num_queries
):
    UserFactory.create_batch(count)
    client.force_login(frank)
    # session, user, nav roles, count, page with its three counts as subqueries
    with django_assert_num_queries(5):
        client.get(reverse("people:people"))


def person_data(**changes):
    data = {
        "username": "gina",
        "first_name": "Gina",
        "last_name": "Green",
        "email": "gina@example.org",
        "is_active": "on",
    }
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def test_it_adds_a_person_with_no_usable_password_and_says_how_they_get_one(client, frank):
    client.force_login(frank)
    response = client.post(reverse("people:person_add"), person_data(), follow=True)
    gina = User.objects.get(username="gina")
    assert not gina.has_usable_password()
    assert gina.is_active and not gina.is_centre_admin
    assert response.redirect_chain[-1][0] == reverse("people:person_edit", args=[gina.pk])
    assert "no password yet" in response.text
    assert "Email a link to choose a password" in response.text


def test_it_refuses_a_username_taken_in_another_case(client, frank, alice):
    client.force_login(frank)
    response = client.post(reverse("people:person_add"), person_data(username="ALICE"))
    assert response.context["form"].errors["username"] == [
        "The username ALICE is already taken (usernames are not case-sensitive). Choose "
        "another, for example with a number or initial added."
    ]
    assert User.objects.filter(username__iexact="alice").count() == 1


def test_it_refuses_a_person_without_an_email_address(client, frank):
    client.force_login(frank)
    response = client.post(reverse("people:person_add"), person_data(email=""))
    assert "email" in response.context["form"].errors
    assert not User.objects.filter(username="gina").exists()


def test_it_edits_a_person_and_shows_their_enrolments(client, frank, carol, alice_enrolment):
    client.force_login(frank)
    url = reverse("people:person_edit", args=[carol.pk])
    response = client.get(url)
    assert list(response.context["enrolments"]) == [alice_enrolment]
    assert response.context["form"].initial["email"] == "carol@example.org"
    data = person_data(username="carol", first_name="Caroline", email="caroline@example.org")
    response = client.post(url, data)
    assert response.status_code == 302
    carol.refresh_from_db()
    assert (carol.first_name, carol.email, carol.is_centre_admin) == (
        "Caroline",
        "caroline@example.org",
        False,
    )


def test_it_stops_a_centre_admin_removing_their_own_access(client, frank):
    client.force_login(frank)
    url = reverse("people:person_edit", args=[frank.pk])
    response = client.post(url, person_data(username="frank", is_active=None))
    errors = response.context["form"].errors
    assert errors["is_active"] == ["You cannot make your own account inactive."]
    assert "is_centre_admin" in errors
    frank.refresh_from_db()
    assert frank.is_active and frank.is_centre_admin


def test_it_emails_a_new_person_a_link_that_lets_them_choose_a_password(client, frank):
    client.force_login(frank)
    client.post(reverse("people:person_add"), person_data())
    gina = User.objects.get(username="gina")
    response = client.post(reverse("people:person_password_link", args=[gina.pk]), follow=True)
    assert "Emailed gina@example.org" in response.text
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["gina@example.org"]
    assert "Your username is: gina" in message.body
    link = next(line for line in message.body.splitlines() if "/accounts/reset/" in line)
    client.logout()
    response = client.get(link.strip(), follow=True)
    assert response.status_code == 200
    password = "a-long-new-password-2026"
    response = client.post(
        response.redirect_chain[-1][0],
        {"new_password1": password, "new_password2": password},
    )
    assert response.status_code == 302
    gina.refresh_from_db()
    assert gina.check_password(password)


def test_it_refuses_to_email_a_link_to_an_inactive_person(client, frank):
    gina = UserFactory(username="gina", is_active=False)
    client.force_login(frank)
    response = client.post(reverse("people:person_password_link", args=[gina.pk]), follow=True)
    assert "inactive" in response.text
    assert mail.outbox == []


def test_it_refuses_the_password_link_by_get(client, frank, alice):
    client.force_login(frank)
    response = client.get(reverse("people:person_password_link", args=[alice.pk]))
    assert response.status_code == 405


# Import screen (the service itself is tested in test_enrolment_import.py)


def test_it_offers_a_template_with_the_header_row(client, frank):
    client.force_login(frank)
    response = client.get(reverse("people:import_template"))
    assert response["Content-Type"].startswith("text/csv")
    header = response.content.decode().splitlines()[0]
    assert header == (
        "username,first_name,last_name,email,qualification,units,assessor,iqa,"
        "start_date,planned_end_date"
    )


def test_it_ticks_dry_run_by_default(client, frank):
    client.force_login(frank)
    response = client.get(reverse("people:import_enrolments"))
    assert response.context["form"]["dry_run"].value() is True
    assert 'enctype="multipart/form-data"' in response.text


def test_it_keeps_unit_outlines_visible_in_the_enrolment_table(client, carol, alice_enrolment):
    Unit.objects.filter(slug="a-601-2550").update(criteria_complete=False)
    client.force_login(carol)
    response = client.get(reverse("people:enrolments"))
    assert "criteria not yet loaded" in response.text
