"""Signing in, throttled failures, password reset, and the login wall in front of every page."""

import re

from django.core import mail
from django.urls import reverse

from people.services import person_create

from .factories import TEST_PASSWORD

LOGIN = "/accounts/login/"


def sign_in(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password})


def test_it_signs_in_with_the_right_password_and_goes_home(client, alice):
    response = sign_in(client, "alice", TEST_PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_it_refuses_a_wrong_password_with_a_clear_message(client, alice):
    response = sign_in(client, "alice", "not-the-password")
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.text
    assert "_auth_user_id" not in client.session


def test_it_locks_out_after_repeated_failures_even_with_the_right_password(client, alice, settings):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        sign_in(client, "alice", "guess")
    response = sign_in(client, "alice", TEST_PASSWORD)
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.text
    assert f"locked for {settings.LOGIN_LOCKOUT_MINUTES} minutes" in response.text
    assert "_auth_user_id" not in client.session


def test_a_lockout_of_one_person_leaves_others_alone(client, alice, bob, settings):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        sign_in(client, "alice", "guess")
    assert sign_in(client, "bob", TEST_PASSWORD).status_code == 302


def test_every_page_sends_anonymous_visitors_to_sign_in(client, db):
    for url in ["/", "/catalogue/", "/catalogue/search/?q=x", "/people/enrolments/", "/admin/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(LOGIN) or "/admin/login/" in response["Location"]


def test_the_login_and_password_reset_pages_are_open(client, db):
    assert client.get(LOGIN).status_code == 200
    assert client.get(reverse("password_reset")).status_code == 200


def test_it_emails_a_password_reset_link_that_sets_a_new_password(client, alice):
    response = client.post(reverse("password_reset"), {"email": "alice@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "Reset your NVQ Portfolio password"
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body)[1]
    form_page = client.get(link, follow=True)
    assert "Choose a new password" in form_page.text
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a-brand-new-passphrase", "new_password2": "a-brand-new-passphrase"},
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password("a-brand-new-passphrase")


def test_it_refuses_a_weak_new_password(client, alice):
    client.post(reverse("password_reset"), {"email": "alice@example.org"})
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body)[1]
    form_page = client.get(link, follow=True)
    response = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": "12345", "new_password2": "12345"}
    )
    assert response.status_code == 200
    assert "This password is too short" in response.text
    alice.refresh_from_db()
    assert alice.check_password(TEST_PASSWORD)


def test_it_says_the_same_for_an_unknown_email_so_nobody_learns_who_has_an_account(client, db):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.org"}, follow=True)
    assert "Check your email" in response.text
    assert mail.outbox == []


def test_signing_out_needs_a_post_and_ends_the_session(client, alice):
    client.force_login(alice)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_a_new_person_without_a_password_can_choose_one_by_reset(client, db):
    newcomer = person_create(
        username="newcomer", first_name="New", last_name="Comer", email="new@example.org"
    )
    assert not newcomer.has_usable_password()
    client.post(reverse("password_reset"), {"email": "NEW@example.org"})
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["new@example.org"]
