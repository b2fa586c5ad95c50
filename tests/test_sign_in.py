"""Signing in, throttled failures, password reset, and the login wall in front of every page."""

import re

from axes.models import AccessAttempt
from django.core import mail
from django.urls import reverse

from people.services import person_create

from .factories import TEST_PASSWORD, UserFactory

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


# The address a sign-in comes from: the trusted proxy's header only behind the proxy.


def fail_sign_ins(client, settings, username="alice", **meta):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        client.post(LOGIN, {"username": username, "password": "guess"}, **meta)


def test_it_ignores_a_forwarded_address_when_not_behind_the_proxy(client, alice, settings):
    settings.BEHIND_HTTPS_PROXY = False
    for n in range(settings.LOGIN_FAILURE_LIMIT):
        # Anyone can write this header: a new address each time must not dodge the lock.
        client.post(
            LOGIN,
            {"username": "alice", "password": "guess"},
            REMOTE_ADDR="198.51.100.20",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        )
    response = client.post(
        LOGIN,
        {"username": "alice", "password": TEST_PASSWORD},
        REMOTE_ADDR="198.51.100.20",
        HTTP_X_FORWARDED_FOR="203.0.113.99",
    )
    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.20"}


def test_behind_the_proxy_it_locks_the_client_not_everyone_behind_the_proxy(
    client, alice, settings
):
    settings.BEHIND_HTTPS_PROXY = True
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    # Someone else guesses alice's password; the client wrote its own X-Forwarded-For entry,
    # which the proxy keeps on the left before appending the address it saw.
    fail_sign_ins(client, settings, HTTP_X_FORWARDED_FOR="192.0.2.1, 203.0.113.5", **proxy)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.5"}
    attacker = sign_in_from(client, "alice", TEST_PASSWORD, "203.0.113.5", **proxy)
    assert attacker.status_code == 429
    # Alice, from her own address through the same proxy, still signs in.
    alice_signs_in = sign_in_from(client, "alice", TEST_PASSWORD, "198.51.100.7", **proxy)
    assert alice_signs_in.status_code == 302


def sign_in_from(client, username, password, address, **meta):
    return client.post(
        LOGIN, {"username": username, "password": password}, HTTP_X_FORWARDED_FOR=address, **meta
    )


def test_a_lockout_from_one_address_leaves_the_same_username_free_from_another(
    client, alice, settings
):
    fail_sign_ins(client, settings, REMOTE_ADDR="203.0.113.5")
    assert sign_in(client, "alice", TEST_PASSWORD).status_code == 302  # from 127.0.0.1


def test_a_new_password_from_an_emailed_link_lifts_the_lockout(client, alice, settings):
    fail_sign_ins(client, settings)
    assert sign_in(client, "alice", TEST_PASSWORD).status_code == 429
    client.post(reverse("password_reset"), {"email": "alice@example.org"})
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body)[1]
    form_page = client.get(link, follow=True)
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a-brand-new-passphrase", "new_password2": "a-brand-new-passphrase"},
    )
    assert not AccessAttempt.objects.filter(username="alice").exists()
    assert sign_in(client, "alice", "a-brand-new-passphrase").status_code == 302


# Password reset requests are limited per address and per account.


def test_it_limits_reset_requests_from_one_address(client, db, settings):
    settings.PASSWORD_RESET_LIMIT_PER_ADDRESS = 2
    UserFactory(username="ann")
    for email in ["one@example.org", "two@example.org"]:
        assert client.post(reverse("password_reset"), {"email": email}).status_code == 302
    response = client.post(reverse("password_reset"), {"email": "ann@example.org"})
    assert response.status_code == 429
    assert "Too many password reset requests" in response.text
    assert mail.outbox == []
    # Another address is not held back by this one.
    other = client.post(
        reverse("password_reset"), {"email": "ann@example.org"}, REMOTE_ADDR="198.51.100.7"
    )
    assert other.status_code == 302 and len(mail.outbox) == 1


def test_it_limits_reset_requests_for_one_account_from_any_address(client, alice, settings):
    settings.PASSWORD_RESET_LIMIT_PER_ACCOUNT = 2
    for n in range(2):
        client.post(
            reverse("password_reset"), {"email": "alice@example.org"}, REMOTE_ADDR=f"192.0.2.{n}"
        )
    assert len(mail.outbox) == 2
    response = client.post(
        reverse("password_reset"), {"email": "ALICE@example.org"}, REMOTE_ADDR="192.0.2.50"
    )
    assert response.status_code == 429
    assert len(mail.outbox) == 2


def test_the_limit_page_is_the_same_whether_or_not_the_account_exists(client, alice, settings):
    settings.PASSWORD_RESET_LIMIT_PER_ACCOUNT = 1
    pages = []
    for email in ["alice@example.org", "nobody@example.org"]:
        client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR="192.0.2.1")
        pages.append(
            client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR="192.0.2.2")
        )
    assert [page.status_code for page in pages] == [429, 429]
    assert pages[0].text == pages[1].text
