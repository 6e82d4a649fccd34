from django.urls import reverse

from tests.factories import TEST_PASSWORD


def test_login_with_a_wrong_password_says_so_and_stays(client, clerk):
    response = client.post(reverse("login"), {"username": "clerk", "password": "wrong"})

    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()


def test_logout_is_a_post_and_ends_the_session(client_as, clerk):
    client = client_as(clerk)

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert client.get(reverse("core:workspace")).status_code == 302


def test_password_change_works(client_as, clerk):
    client = client_as(clerk)

    response = client.post(
        reverse("password_change"),
        {
            "old_password": TEST_PASSWORD,
            "new_password1": "a-new-long-passphrase",
            "new_password2": "a-new-long-passphrase",
        },
    )

    assert response.status_code == 302
    clerk.refresh_from_db()
    assert clerk.check_password("a-new-long-passphrase")


def test_admin_site_opens_for_the_administrator_only(client_as, admin, clerk):
    assert client_as(admin).get(reverse("admin:core_department_changelist")).status_code == 200
    client_as(clerk)
    assert client_as(clerk).get(reverse("admin:index")).status_code == 302
