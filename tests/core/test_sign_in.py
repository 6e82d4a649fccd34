"""Signing in: failed attempts limited per account and address with a logged lockout an administrator
lifts, Argon2 hashes, two-factor sign-in for the roles that may reveal personal data, and sessions that
end when idle."""

import time

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from config import settings as configured
from core.middleware import AUTOMATIC_REQUEST_HEADER, LAST_ACTIVITY_KEY
from core.models import AuditEntry
from core.services import recovery_codes_issue
from tests.factories import TEST_PASSWORD

LOGIN = "/accounts/login/"
HOME_ADDRESS = "10.0.0.7"
OTHER_ADDRESS = "10.0.0.8"


@pytest.fixture(autouse=True)
def _pages_in_english(client):
    """Pages in English (the language cookie), so the tests can read their messages."""
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"


def sign_in(client, username, password=TEST_PASSWORD, address=HOME_ADDRESS, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address, **extra)


def test_the_sixth_wrong_password_locks_the_account_for_that_address_and_the_lockout_is_logged(
    client, handler, english
):
    for _attempt in range(5):
        response = sign_in(client, "handler", "wrong password")
        assert response.status_code == 200
        assert "_auth_user_id" not in client.session

    locked = sign_in(client, "handler", "sixth wrong password")
    then = sign_in(client, "handler")  # the right password, once locked

    assert locked.status_code == then.status_code == 429
    assert "signing in is locked for 30 minutes" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    lockouts = AuditEntry.objects.filter(action=AuditEntry.Action.LOCKOUT)
    assert [(entry.actor, entry.object_label, entry.client_address) for entry in lockouts] == [
        (handler, "handler", HOME_ADDRESS)
    ]
    sign_in(client, "handler", "still wrong")
    assert lockouts.count() == 1  # logged once, not once per further attempt
    # The same account from another desk still signs in.
    assert sign_in(client, "handler", address=OTHER_ADDRESS).status_code == 302


def test_an_administrator_lifts_the_lock_and_the_lifting_is_logged(client, handler, admin, english):
    for _attempt in range(6):
        sign_in(client, "handler", "wrong password")
    client.force_login(admin)
    page = client.get(reverse("core:lockouts"))
    assert "handler" in page.content.decode() and HOME_ADDRESS in page.content.decode()

    client.post(reverse("core:lockouts"), {"username": "handler", "address": HOME_ADDRESS})

    assert AuditEntry.objects.filter(action=AuditEntry.Action.UNLOCK, object_label="handler").exists()
    client.logout()
    assert sign_in(client, "handler").status_code == 302


def test_only_an_administrator_may_see_and_lift_lockouts(client_as, office):
    assert client_as(office).get(reverse("core:lockouts")).status_code == 403


def test_passwords_are_hashed_with_argon2_and_older_hashes_are_upgraded_at_sign_in(client, handler):
    # The suite hashes with MD5 for speed (tests/conftest.py); the project's first hasher is Argon2, and
    # signing in with a hash of another hasher rewrites it.

    assert configured.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert get_user_model().objects.get(pk=handler.pk).password.startswith("md5$")
    older = "django.contrib.auth.hashers.MD5PasswordHasher"
    with override_settings(PASSWORD_HASHERS=[*configured.PASSWORD_HASHERS, older]):
        assert sign_in(client, "handler").status_code == 302
    assert get_user_model().objects.get(pk=handler.pk).password.startswith("argon2")


@pytest.fixture
def second_factor(settings):
    settings.TWO_FACTOR_REQUIRED = True


def current_code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():06d}"


def test_a_role_that_may_reveal_cannot_sign_in_without_the_second_factor(client, handler, second_factor):
    assert sign_in(client, "handler").status_code == 302
    for page in ("/", "/cases/", "/cases/inbox/", "/admin/"):
        response = client.get(page)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("two_factor"))
    # htmx requests are sent to the same page rather than swapped in.
    partial = client.post("/cases/history/", {"citizen_phone": "13812345678"}, HTTP_HX_REQUEST="true")
    assert partial["HX-Redirect"].startswith(reverse("two_factor"))


def test_setting_up_the_authenticator_shows_recovery_codes_once_and_opens_the_pages(
    client, handler, second_factor
):
    sign_in(client, "handler")
    setup = client.get(reverse("two_factor") + "?next=/cases/").content.decode()
    # Nothing of the site until the sign-in is confirmed: no sections, no notices.
    assert 'href="/cases/inbox/"' not in setup and 'data-testid="notices-link"' not in setup
    assert 'data-testid="qr-code"' in setup
    # An SVG a page draws inline: one path, no namespaced elements (<svg:rect> is not drawn).
    assert '<path d="M' in setup and "<svg:" not in setup
    device = TOTPDevice.objects.get(user=handler, confirmed=False)

    wrong = client.post(reverse("two_factor"), {"code": "000000", "next": "/cases/"})
    assert wrong.status_code == 200 and not TOTPDevice.objects.filter(confirmed=True).exists()
    confirmed = client.post(reverse("two_factor"), {"code": current_code(device), "next": "/cases/"})

    assert confirmed.status_code == 200
    codes = StaticToken.objects.filter(device__user=handler).values_list("token", flat=True)
    assert len(codes) == 10
    assert all(code in confirmed.content.decode() for code in codes)
    assert client.get("/cases/").status_code == 200
    assert AuditEntry.objects.filter(action=AuditEntry.Action.SECOND_FACTOR, object_label="handler").exists()


def test_the_next_sign_in_asks_for_a_code_and_a_recovery_code_works_once(client, handler, second_factor):
    device = TOTPDevice.objects.create(user=handler, name="authenticator", confirmed=True)
    codes = recovery_codes_issue(user=handler)
    sign_in(client, "handler")
    verify = client.get(reverse("two_factor")).content.decode()
    assert 'name="code"' in verify and 'data-testid="qr-code"' not in verify

    client.post(reverse("two_factor"), {"code": codes[0]})
    assert client.get("/cases/").status_code == 200
    client.logout()

    sign_in(client, "handler")
    client.post(reverse("two_factor"), {"code": codes[0]})  # used already
    assert client.get("/cases/").status_code == 302
    client.post(reverse("two_factor"), {"code": current_code(device)})
    assert client.get("/cases/").status_code == 200


def test_roles_that_may_not_reveal_sign_in_with_the_password_alone(client, leader, trainer, second_factor):
    for user in (leader, trainer):
        client.logout()
        sign_in(client, user.username)
        assert client.get("/").status_code == 200


def test_administrators_need_the_second_factor_too(client, admin, second_factor):
    sign_in(client, "admin")
    assert client.get("/admin/").status_code == 302


def test_the_sign_in_page_says_when_two_factor_sign_in_is_off(client, settings, english):
    settings.TWO_FACTOR_REQUIRED = False
    assert 'data-testid="two-factor-off"' in client.get(LOGIN).content.decode()
    settings.TWO_FACTOR_REQUIRED = True
    assert 'data-testid="two-factor-off"' not in client.get(LOGIN).content.decode()


def test_an_administrator_resets_a_lost_second_factor(client, handler, admin, second_factor):
    TOTPDevice.objects.create(user=handler, name="authenticator", confirmed=True)
    admin_device = TOTPDevice.objects.create(user=admin, name="authenticator", confirmed=True)
    sign_in(client, "admin")
    client.post(reverse("two_factor"), {"code": current_code(admin_device)})

    client.post(
        reverse("admin:core_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [handler.pk]},
    )

    assert not TOTPDevice.objects.filter(user=handler).exists()
    entry = AuditEntry.objects.get(action=AuditEntry.Action.SECOND_FACTOR, object_label="handler")
    assert entry.actor == admin and entry.detail == {"change": "reset"}


def test_a_session_ends_after_the_idle_time_and_the_sign_in_page_says_why(client, handler, settings, english):
    settings.SESSION_IDLE_MINUTES = 30
    client.force_login(handler)
    assert client.get("/").status_code == 200
    session = client.session
    session[LAST_ACTIVITY_KEY] = int(time.time()) - 29 * 60
    session.save()
    # The reception board's refreshes do not count as activity...
    assert (
        client.get("/", **{f"HTTP_{AUTOMATIC_REQUEST_HEADER.upper().replace('-', '_')}": "1"}).status_code
        == 200
    )
    assert client.session[LAST_ACTIVITY_KEY] < int(time.time()) - 28 * 60
    session = client.session
    session[LAST_ACTIVITY_KEY] = int(time.time()) - 31 * 60
    session.save()

    response = client.get("/cases/", follow=True)

    assert response.redirect_chain[0][0].startswith(LOGIN)
    assert "signed out after 30 minutes without activity" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_an_overlong_user_name_is_refused_by_the_form_not_by_the_database(client, handler, english):
    response = sign_in(client, "x" * 400, "whatever")

    assert response.status_code == 200
    assert response.context["form"].errors


def test_a_lock_spread_over_two_browsers_is_listed_and_the_list_keeps_its_queries(client, admin, handler):
    for attempt in range(6):
        agent = "Firefox" if attempt % 2 else "Chrome"
        sign_in(client, "handler", "wrong password", HTTP_USER_AGENT=agent)
    assert sign_in(client, "handler", HTTP_USER_AGENT="Safari").status_code == 429
    client.force_login(admin)

    def page():
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("core:lockouts"))
        return response, len(captured)

    response, one = page()
    assert [(lock.username, lock.failures) for lock in response.context["locked"]] == [("handler", 7)]
    client.logout()
    for number in range(4):
        for _attempt in range(6):
            sign_in(client, f"someone{number}", "wrong", address=f"10.0.1.{number}")
    client.force_login(admin)
    response, more = page()
    assert len(response.context["locked"]) == 5 and more == one
