import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command

from complaints.models import Case, CaseKind
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
def test_demo_is_idempotent_and_gives_every_role_an_account_and_true_cases(settings, client):
    """One test, because loading the demo takes seconds: accounts, departments, cases, sign-in."""
    settings.DEBUG = True
    call_command("demo")
    call_command("demo")  # the second run changes nothing and adds no cases

    assert User.objects.filter(username__in=Role.values).count() == len(Role.values)
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
    check_demo_cases()
    for role in Role.values:
        response = client.post("/accounts/login/", {"username": role, "password": "minsheng-demo"})
        assert response.status_code == 302, role
        assert response["Location"] == "/"
        client.post("/accounts/logout/")


@pytest.mark.django_db
def test_demo_refuses_with_debug_off_unless_forced(settings, monkeypatch):
    settings.DEBUG = False
    monkeypatch.setattr("complaints.demo.STATE_MIX", {"registered": 1})  # a small demo is enough here

    with pytest.raises(CommandError, match="--force"):
        call_command("demo")
    assert not User.objects.exists()

    call_command("demo", "--force")
    assert User.objects.filter(username="clerk").exists()


def check_demo_cases():
    cases = Case.objects.all()
    assert (
        200 <= cases.count() <= 230
    )  # about 200 walked cases, and the hotline's calls and portal submissions
    assert set(cases.values_list("kind", flat=True)) == set(CaseKind.values)
    assert len(set(cases.values_list("channel", flat=True))) >= 4
    assert cases.exclude(lead_department=None).values("lead_department").distinct().count() >= 4
    assert len(set(cases.values_list("state", flat=True))) >= 15
    assert cases.overdue().exists()
    for case in cases.prefetch_related("events"):
        events = list(case.events.all())
        assert events[0].action == "register"
        moves = [event for event in events if event.to_state]
        assert moves[-1].to_state == case.state, case.number
        for earlier, later in zip(moves, moves[1:], strict=False):
            assert later.from_state in ("", earlier.to_state), case.number
