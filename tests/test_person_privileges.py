"""Privilege boundaries between people: who may change whose account, on every route in.

frank is a centre admin who is not a superuser; hana is another centre admin; root is a
superuser; stan is Django admin staff (not superuser) allowed to change people there; carol
assesses alice. A centre admin never changes a superuser's or staff account, nor another
centre admin's credentials; a changed email address is told to the old one; a password link
goes to the address on record.
"""

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from people.models import User
from people.services import person_password_link_send, person_update

from .factories import UserFactory

SITE = "https://portfolio.example.org"


@pytest.fixture
def root(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True, is_centre_admin=True)


@pytest.fixture
def hana(db):
    return UserFactory(username="hana", first_name="Hana", is_centre_admin=True)


@pytest.fixture
def stan(db):
    stan = UserFactory(username="stan", first_name="Stan", is_staff=True)
    stan.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="people", codename__in=["view_user", "change_user"]
        )
    )
    return stan


# The service: the rule holds whatever screen, import or command calls it.


@pytest.mark.parametrize("target", ["root", "stan"])
def test_it_refuses_a_centre_admin_any_change_to_a_superuser_or_staff(request, frank, target):
    person = request.getfixturevalue(target)
    with pytest.raises(PermissionDenied, match="Only a superuser can change"):
        person_update(person=person, by=frank, first_name="Changed")
    with pytest.raises(PermissionDenied):
        person_update(person=person, by=frank, email="attacker@example.net")
    person.refresh_from_db()
    assert (person.first_name, person.email) == (target.capitalize(), f"{target}@example.org")


@pytest.mark.parametrize(
    ("field", "value"), [("email", "attacker@example.net"), ("username", "hana2")]
)
def test_it_refuses_a_centre_admin_another_admins_credentials(frank, hana, field, value):
    with pytest.raises(PermissionDenied, match="centre admin's username, email address"):
        person_update(person=hana, by=frank, **{field: value})
    hana.refresh_from_db()
    assert (hana.username, hana.email) == ("hana", "hana@example.org")


def test_it_lets_a_centre_admin_change_another_admins_name(frank, hana):
    person_update(person=hana, by=frank, first_name="Hannah", email="hana@example.org")
    hana.refresh_from_db()
    assert hana.first_name == "Hannah"


def test_it_refuses_a_password_link_for_another_admin_or_a_superuser(frank, hana, root):
    for person in (hana, root):
        with pytest.raises(PermissionDenied):
            person_password_link_send(person=person, by=frank, site_url=SITE)
    assert mail.outbox == []


def test_it_lets_a_superuser_change_anyone(root, hana, stan, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        person_update(person=hana, by=root, email="hana@new.example.org")
        person_update(person=stan, by=root, first_name="Stanley")
    person_password_link_send(person=hana, by=root, site_url=SITE)
    assert mail.outbox[-1].to == ["hana@new.example.org"]


def test_it_lets_a_centre_admin_change_their_own_email(frank, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        person_update(person=frank, by=frank, email="frank@new.example.org")
    frank.refresh_from_db()
    assert frank.email == "frank@new.example.org"
    assert mail.outbox[0].to == ["frank@example.org"]


def test_it_tells_the_old_address_when_an_email_changes(
    frank, carol, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        person_update(person=carol, by=frank, email="carol@elsewhere.example.net")
    assert len(mail.outbox) == 1
    notice = mail.outbox[0]
    assert notice.to == ["carol@example.org"]
    assert notice.subject == "Your email address on NVQ Portfolio has changed"
    assert "by Frank Foster from carol@example.org to carol@elsewhere.example.net" in notice.body
    assert "If you did not, someone may be trying to take over your account" in notice.body


def test_it_tells_nobody_when_the_email_stays_the_same(
    frank, carol, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        person_update(person=carol, by=frank, first_name="Caroline", email="Carol@Example.org")
    assert mail.outbox == []


def test_it_sends_a_password_link_to_the_address_on_record_not_one_set_in_memory(frank, carol):
    carol.email = "attacker@example.net"  # e.g. a form that set it but was never saved
    person_password_link_send(person=carol, by=frank, site_url=SITE)
    assert mail.outbox[0].to == ["carol@example.org"]


# The people screens: what the service would refuse is shown read-only, never offered.


def test_it_shows_a_superusers_page_read_only_to_a_centre_admin(client, frank, root):
    client.force_login(frank)
    response = client.get(reverse("people:person_edit", args=[root.pk]))
    assert response.status_code == 200
    assert "Only a superuser can change" in response.text
    assert "Save changes" not in response.text
    assert "Email a link to choose a password" not in response.text
    assert all(field.disabled for field in response.context["form"].fields.values())


def test_it_refuses_a_posted_change_to_a_superuser(client, frank, root):
    client.force_login(frank)
    url = reverse("people:person_edit", args=[root.pk])
    response = client.post(url, {"username": "root", "email": "attacker@example.net"})
    assert response.status_code == 403
    root.refresh_from_db()
    assert root.email == "root@example.org"


def test_it_locks_another_admins_credentials_on_the_form_and_ignores_them_if_posted(
    client, frank, hana, django_capture_on_commit_callbacks
):
    client.force_login(frank)
    url = reverse("people:person_edit", args=[hana.pk])
    page = client.get(url)
    form = page.context["form"]
    assert form.fields["email"].disabled and form.fields["username"].disabled
    assert not form.fields["first_name"].disabled
    assert "Email a link to choose a password" not in page.text
    data = {
        "username": "hana",
        "first_name": "Hannah",
        "last_name": "Tester",
        "email": "attacker@example.net",
        "is_centre_admin": "on",
        "is_active": "on",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data)
    assert response.status_code == 302
    hana.refresh_from_db()
    assert (hana.first_name, hana.email) == ("Hannah", "hana@example.org")
    assert mail.outbox == []


def test_it_refuses_a_posted_password_link_for_another_admin(client, frank, hana):
    client.force_login(frank)
    response = client.post(reverse("people:person_password_link", args=[hana.pk]))
    assert response.status_code == 403
    assert mail.outbox == []


def test_it_tells_the_old_address_when_a_centre_admin_changes_an_assessors_email(
    client, frank, carol, django_capture_on_commit_callbacks
):
    client.force_login(frank)
    data = {
        "username": "carol",
        "first_name": "Carol",
        "last_name": "Carter",
        "email": "carol@elsewhere.example.net",
        "is_active": "on",
    }
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("people:person_edit", args=[carol.pk]), data)
    client.post(reverse("people:person_password_link", args=[carol.pk]))
    assert [message.to for message in mail.outbox] == [
        ["carol@example.org"],  # the notice, to the address carol still reads
        ["carol@elsewhere.example.net"],  # the link, to the address now on record
    ]


# Django admin follows the same rule.


def test_admin_staff_do_not_see_superusers_or_other_staff(client, stan, root):
    other_staff = UserFactory(username="sid", is_staff=True)
    client.force_login(stan)
    response = client.get(reverse("admin:people_user_changelist"))
    listed = set(response.context["cl"].result_list)
    assert root not in listed and other_staff not in listed and stan in listed
    response = client.get(reverse("admin:people_user_change", args=[root.pk]))
    assert response.status_code == 302  # Django admin's "does not exist" redirect
    response = client.get(reverse("admin:auth_user_password_change", args=[root.pk]))
    assert response.status_code == 404


def test_admin_staff_cannot_give_themselves_superuser_rights(client, stan):
    client.force_login(stan)
    url = reverse("admin:people_user_change", args=[stan.pk])
    page = client.get(url)
    assert 'name="is_superuser"' not in page.text and 'name="is_staff"' not in page.text
    data = {
        "username": "stan",
        "first_name": "Stan",
        "last_name": "Tester",
        "email": "stan@example.org",
        "is_active": "on",
        "is_staff": "on",
        "is_superuser": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "09:00:00",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    stan.refresh_from_db()
    assert not stan.is_superuser


def test_admin_staff_cannot_change_another_admins_email_or_password(client, stan, hana):
    client.force_login(stan)
    url = reverse("admin:people_user_change", args=[hana.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="email"' not in page.text and 'name="first_name"' in page.text
    response = client.get(reverse("admin:auth_user_password_change", args=[hana.pk]))
    assert response.status_code == 403


def test_admin_tells_the_old_address_when_a_superuser_changes_an_email(
    client, root, carol, django_capture_on_commit_callbacks
):
    client.force_login(root)
    url = reverse("admin:people_user_change", args=[carol.pk])
    data = {
        "username": "carol",
        "first_name": "Carol",
        "last_name": "Carter",
        "email": "carol@elsewhere.example.net",
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "09:00:00",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data)
    assert response.status_code == 302
    assert User.objects.get(pk=carol.pk).email == "carol@elsewhere.example.net"
    assert mail.outbox[0].to == ["carol@example.org"]
    assert "by Root Tester" in mail.outbox[0].body
