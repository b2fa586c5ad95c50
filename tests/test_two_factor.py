"""Two-factor sign-in: an authenticator app's code after the password, recovery codes, and the
roles that must use it (centre admins, superusers and staff, assessors and IQAs).

alice is a learner; carol assesses her; erin is her IQA; frank is a centre admin.
"""

import importlib
import re

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from people.services import two_factor_device_confirm, two_factor_device_start

from .factories import TEST_PASSWORD, UserFactory

LOGIN = "/accounts/login/"


def current_code(device):
    """The app's code now, or the next one if this one was used (each is accepted only once;
    the device allows one step of clock drift, so the next one is accepted too)."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if totp.t() <= device.last_t:
        totp.time = device.t0 + (device.last_t + 1) * device.step
    return f"{totp.token():0{device.digits}d}"


def enrol(person):
    """`person` with an authenticator set up; returns (device, recovery codes)."""
    device = two_factor_device_start(person=person)
    return two_factor_device_confirm(person=person, code=current_code(device))


def sign_in(client, username, next_url=""):
    data = {"username": username, "password": TEST_PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post(LOGIN, data)


@pytest.fixture
def required(settings):
    settings.TWO_FACTOR_REQUIRED = True


# Setting it up


def test_it_sets_up_an_authenticator_with_a_qr_code_and_gives_recovery_codes(client, alice):
    client.force_login(alice)
    page = client.get(reverse("two_factor_setup"))
    assert page.status_code == 200
    assert 'src="data:image/svg+xml;base64,' in page.text
    assert "<script" not in page.text.split("<footer")[0]  # no script of its own
    device = TOTPDevice.objects.get(user=alice)
    assert not device.confirmed
    key = re.search(r'id="totp-key">([A-Z2-7 ]+)<', page.text)[1].replace(" ", "")
    assert key and page["Cache-Control"].startswith("max-age=0")
    response = client.post(reverse("two_factor_setup"), {"code": current_code(device)})
    assert response.status_code == 200
    codes = re.findall(r"<li>([a-z2-7]{8})</li>", response.text)
    assert len(codes) == 10
    assert "this is the only time they are shown" in response.text
    device.refresh_from_db()
    assert device.confirmed
    assert StaticToken.objects.filter(device__user=alice).count() == 10


def test_it_refuses_a_wrong_code_when_setting_up(client, alice):
    client.force_login(alice)
    client.get(reverse("two_factor_setup"))
    response = client.post(reverse("two_factor_setup"), {"code": "000000"})
    assert "That code is not right" in response.text
    assert not TOTPDevice.objects.get(user=alice).confirmed
    assert not StaticToken.objects.exists()


def test_every_person_is_offered_it_from_the_home_page(client, alice):
    client.force_login(alice)
    home = client.get("/")
    assert reverse("two_factor") in home.text
    page = client.get(reverse("two_factor"))
    assert "Two-factor sign-in is off" in page.text
    assert reverse("two_factor_setup") in page.text


# Signing in with it


def test_after_the_password_every_page_waits_for_the_code(client, alice, alice_enrolment):
    device, _ = enrol(alice)
    progress = reverse("evidence:progress", args=[alice_enrolment.pk])
    response = sign_in(client, "alice", next_url=progress)
    assert response.status_code == 302
    for url in ["/", progress, reverse("two_factor"), reverse("two_factor_setup")]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("two_factor_verify"))
    page = client.get(response["Location"])
    assert "Enter your code" in page.text
    assert reverse("notifications:list") not in page.text  # nothing else on offer yet
    response = client.post(
        reverse("two_factor_verify"), {"code": current_code(device), "next": progress}
    )
    assert response["Location"] == progress
    assert client.get(progress).status_code == 200


def test_signing_in_through_django_admin_also_waits_for_the_code(client, db):
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    enrol(root)
    client.post(reverse("admin:login"), {"username": "root", "password": TEST_PASSWORD})
    response = client.get(reverse("admin:index"))
    assert response["Location"].startswith(reverse("two_factor_verify"))


def test_signing_out_is_open_before_the_code(client, alice):
    enrol(alice)
    sign_in(client, "alice")
    response = client.post(reverse("logout"))
    assert response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session


def test_it_refuses_a_wrong_code_and_throttles_guessing(client, alice, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 600  # ten minutes after one wrong code: no race here
    device, _ = enrol(alice)
    sign_in(client, "alice")
    response = client.post(reverse("two_factor_verify"), {"code": "000000"})
    assert "That code is not right" in response.text
    response = client.post(reverse("two_factor_verify"), {"code": current_code(device)})
    assert response.status_code == 200
    assert "Too many wrong codes" in response.text
    assert client.get("/").status_code == 302


def test_a_recovery_code_works_once(client, alice):
    _, codes = enrol(alice)
    sign_in(client, "alice")
    response = client.post(reverse("two_factor_verify"), {"code": codes[0].upper()}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    assert "You used a recovery code; 9 left" in response.text
    client.post(reverse("logout"))
    sign_in(client, "alice")
    response = client.post(reverse("two_factor_verify"), {"code": codes[0]})
    assert "That code is not right" in response.text
    assert client.get("/").status_code == 302


def test_new_recovery_codes_replace_the_old(client, alice):
    device, old_codes = enrol(alice)
    client.force_login(alice)
    client.post(reverse("two_factor_verify"), {"code": current_code(device)})
    response = client.post(reverse("two_factor_recovery_codes"))
    new_codes = re.findall(r"<li>([a-z2-7]{8})</li>", response.text)
    assert len(new_codes) == 10
    assert not StaticToken.objects.filter(token__in=old_codes).exists()


def test_it_never_sends_someone_elses_page_as_the_next_step(client, alice):
    device, _ = enrol(alice)
    sign_in(client, "alice")
    response = client.post(
        reverse("two_factor_verify"),
        {"code": current_code(device), "next": "https://evil.example.net/"},
    )
    assert response["Location"] == reverse("home")


# Who must use it


@pytest.mark.parametrize("name", ["carol", "erin", "frank"])
def test_assessors_iqas_and_centre_admins_must_set_it_up_first(
    client, request, required, alice_enrolment, name
):
    request.getfixturevalue(name)
    sign_in(client, name)
    response = client.get("/")
    assert response["Location"].startswith(reverse("two_factor_setup"))
    page = client.get(response["Location"])
    assert "Set it up now to go on" in page.text
    assert client.get(reverse("people:enrolments"))["Location"].startswith(
        reverse("two_factor_setup")
    )
    device = TOTPDevice.objects.get(user__username=name)
    response = client.post(reverse("two_factor_setup"), {"code": current_code(device), "next": "/"})
    assert "Your recovery codes" in response.text
    assert client.get("/").status_code == 200


def test_a_superuser_must_set_it_up_too(client, db, required):
    UserFactory(username="root", is_staff=True, is_superuser=True)
    sign_in(client, "root")
    assert client.get("/")["Location"].startswith(reverse("two_factor_setup"))


def test_a_learner_is_not_made_to_use_it(client, required, alice_enrolment):
    sign_in(client, "alice")
    assert client.get("/").status_code == 200


def test_nobody_is_made_to_use_it_in_development(client, settings, alice_enrolment, frank):
    settings.TWO_FACTOR_REQUIRED = False
    for name in ["carol", "frank"]:
        sign_in(client, name)
        assert client.get("/").status_code == 200


def test_it_is_required_by_default_only_outside_development(monkeypatch):
    module = importlib.import_module("nvq_portfolio.settings")
    monkeypatch.delenv("TWO_FACTOR_REQUIRED", raising=False)
    monkeypatch.setenv("DJANGO_SECRET_KEY", "a-production-key-for-this-test-only")
    try:
        monkeypatch.setenv("DJANGO_DEBUG", "on")
        assert importlib.reload(module).TWO_FACTOR_REQUIRED is False
        monkeypatch.setenv("DJANGO_DEBUG", "off")
        assert importlib.reload(module).TWO_FACTOR_REQUIRED is True
        monkeypatch.setenv("TWO_FACTOR_REQUIRED", "off")
        assert importlib.reload(module).TWO_FACTOR_REQUIRED is False
    finally:
        monkeypatch.undo()
        importlib.reload(module)


# Turning it off


def test_a_learner_may_turn_it_off(client, required, alice):
    device, _ = enrol(alice)
    client.force_login(alice)
    client.post(reverse("two_factor_verify"), {"code": current_code(device)})
    page = client.get(reverse("two_factor"))
    assert "Turn two-factor sign-in off" in page.text
    client.post(reverse("two_factor_disable"))
    assert not TOTPDevice.objects.filter(user=alice).exists()
    assert not StaticToken.objects.filter(device__user=alice).exists()


def test_an_assessor_may_not_turn_it_off_where_it_is_required(
    client, required, carol, alice_enrolment
):
    device, _ = enrol(carol)
    client.force_login(carol)
    client.post(reverse("two_factor_verify"), {"code": current_code(device)})
    page = client.get(reverse("two_factor"))
    assert "Turn two-factor sign-in off" not in page.text
    assert "cannot be turned off" in page.text
    response = client.post(reverse("two_factor_disable"), follow=True)
    assert "is required for centre admins, assessors and IQAs" in response.text
    assert TOTPDevice.objects.filter(user=carol, confirmed=True).exists()


def test_an_external_quality_assurer_may_set_it_up(client, db):
    gina = UserFactory(username="gina", is_external_verifier=True)
    client.force_login(gina)
    client.get(reverse("two_factor_setup"))
    device = TOTPDevice.objects.get(user=gina)
    response = client.post(reverse("two_factor_setup"), {"code": current_code(device)})
    assert response.status_code == 200
    device.refresh_from_db()
    assert device.confirmed
