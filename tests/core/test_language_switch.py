from django.conf import settings
from django.urls import reverse


def test_switching_to_english_sets_cookie_and_account(clerk, client_as):
    client = client_as(clerk)

    response = client.post(reverse("core:language_switch"), {"language": "en", "next": "/"})

    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    clerk.refresh_from_db()
    assert clerk.language == "en"
    assert "Welcome" in client.get(reverse("core:workspace")).content.decode()


def test_the_accounts_language_wins_over_another_users_cookie(clerk, client_as):
    clerk.language = "zh-hans"
    clerk.save()
    client = client_as(clerk)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    content = client.get(reverse("core:workspace")).content.decode()

    assert "欢迎" in content


def test_anonymous_switch_uses_the_cookie(client, db):
    client.post(reverse("core:language_switch"), {"language": "en", "next": reverse("login")})

    assert "Sign in to Minsheng" in client.get(reverse("login")).content.decode()


def test_unknown_language_changes_nothing(clerk, client_as):
    client = client_as(clerk)

    response = client.post(reverse("core:language_switch"), {"language": "xx", "next": "/"})

    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    clerk.refresh_from_db()
    assert clerk.language == ""


def test_it_does_not_redirect_to_another_site(client, db):
    response = client.post(
        reverse("core:language_switch"), {"language": "en", "next": "https://evil.example/"}
    )

    assert response["Location"] == "/"


def test_it_rejects_get(client, db):
    assert client.get(reverse("core:language_switch")).status_code == 405
