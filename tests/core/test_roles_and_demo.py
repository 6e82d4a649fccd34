import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command

from core.models import Department, User
from core.roles import ROLE_PERMISSIONS, Role
from core.services import roles_sync


@pytest.mark.django_db
def test_roles_sync_makes_one_group_per_role_with_its_permissions():
    roles_sync()
    roles_sync()  # idempotent

    assert set(Group.objects.values_list("name", flat=True)) == set(Role.values)
    admin_group = Group.objects.get(name=Role.ADMIN)
    codes = {f"{p.content_type.app_label}.{p.codename}" for p in admin_group.permissions.all()}
    assert codes == set(ROLE_PERMISSIONS[Role.ADMIN])


@pytest.mark.django_db
def test_roles_sync_fails_loudly_on_an_unknown_permission(monkeypatch):
    monkeypatch.setitem(ROLE_PERMISSIONS, Role.CLERK, ["core.fly_to_the_moon"])

    with pytest.raises(ImproperlyConfigured, match="core.fly_to_the_moon"):
        roles_sync()


@pytest.mark.django_db
def test_demo_is_idempotent_and_gives_every_role_an_account(settings):
    settings.DEBUG = True
    call_command("demo")
    call_command("demo")

    assert User.objects.count() == len(Role.values)
    for role in Role.values:
        user = User.objects.get(username=role)
        assert user.check_password("minsheng-demo")
        assert user.role_codes == {role}
        assert user.memberships.filter(is_primary=True).count() == 1
    handler_department = User.objects.get(username="handler").primary_membership.department
    assert handler_department.kind == Department.Kind.BUSINESS
    assert User.objects.get(username="head").primary_membership.department == handler_department
    assert handler_department.head.username == "head"
    assert Department.objects.filter(kind=Department.Kind.BUSINESS).count() == 4
    for name in ("客服部", "行政部", "法务部", "纪检监察室"):
        assert Department.objects.filter(name=name).exists()
    assert Department.objects.get(name="行政部").kind == Department.Kind.LEADERSHIP_OFFICE
    assert User.objects.get(username="admin").is_staff


@pytest.mark.django_db
def test_demo_refuses_with_debug_off_unless_forced(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="--force"):
        call_command("demo")
    assert not User.objects.exists()

    call_command("demo", "--force")
    assert User.objects.filter(username="clerk").exists()


@pytest.mark.django_db
def test_every_demo_account_can_sign_in(client, settings):
    settings.DEBUG = True
    call_command("demo")

    for role in Role.values:
        response = client.post("/accounts/login/", {"username": role, "password": "minsheng-demo"})
        assert response.status_code == 302, role
        assert response["Location"] == "/"
        client.post("/accounts/logout/")
