import pytest
from django.urls import reverse

from core.roles import Role


def test_it_sends_anonymous_users_to_login(client, db):
    response = client.get(reverse("core:workspace"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", Role.values)
def test_each_role_sees_who_they_are_and_their_role(role, request, client_as):
    user = request.getfixturevalue(role)

    response = client_as(user).get(reverse("core:workspace"))

    assert response.status_code == 200
    content = response.content.decode()
    assert user.display_name in content
    assert str(Role(role).label) in content
    assert user.primary_membership.department.name in content


def test_administrator_can_reach_the_admin_site_and_clerk_cannot(admin, clerk, client_as):
    admin_page = client_as(admin).get(reverse("core:workspace")).content.decode()
    clerk_page = client_as(clerk).get(reverse("core:workspace")).content.decode()

    assert reverse("admin:index") in admin_page
    assert reverse("admin:index") not in clerk_page


def test_workspace_query_count_does_not_grow_with_memberships(
    handler, organisation, client_as, django_assert_num_queries
):
    client = client_as(handler)
    client.get(reverse("core:workspace"))
    # Expect: session, user, the user's groups (roles), the user's department ids (visibility scope
    # for the navigation), user and group permissions (navigation), primary membership (navigation
    # bar), the memberships listed on the page.
    with django_assert_num_queries(9):
        client.get(reverse("core:workspace"))

    for code in ("other_business", "office", "legal"):
        handler.memberships.create(department=organisation[code])
    with django_assert_num_queries(9):
        response = client.get(reverse("core:workspace"))
    assert organisation["legal"].name in response.content.decode()


def test_login_page_is_chinese_by_default_and_ignores_the_browser_language(client, db):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")

    assert response["Content-Language"] == "zh-hans"
    assert "登录民声" in response.content.decode()
