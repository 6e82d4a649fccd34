"""Writes of the shared kernel: roles, users and departments."""

from collections.abc import Iterable

from axes.utils import reset as axes_reset
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.models import AuditEntry, Department, DepartmentMembership, User
from core.personal_data import mask_in_text
from core.roles import ROLE_PERMISSIONS, STAFF_ROLES, SYSTEM_PERMISSIONS, SYSTEM_ROLES, Role


@transaction.atomic
def roles_sync() -> dict[str, int]:
    """Make one group per role carry exactly the permissions of `ROLE_PERMISSIONS`.

    Idempotent. Raises `ImproperlyConfigured` if the table names a permission that does not exist
    (run migrations first). Returns the number of permissions per role.
    """
    wanted = {code for codes in ROLE_PERMISSIONS.values() for code in codes}
    found = {
        f"{app_label}.{codename}": pk
        for pk, app_label, codename in Permission.objects.values_list(
            "pk", "content_type__app_label", "codename"
        )
        if f"{app_label}.{codename}" in wanted
    }
    missing = sorted(wanted - found.keys())
    if missing:
        raise ImproperlyConfigured(
            f"Role permissions that do not exist (migrate first?): {', '.join(missing)}"
        )
    counts = {}
    for role in Role:
        group, _created = Group.objects.get_or_create(name=role.value)
        group.permissions.set([found[code] for code in ROLE_PERMISSIONS[role]])
        counts[role.value] = len(ROLE_PERMISSIONS[role])
    system = User.objects.filter(username=SYSTEM_USERNAME).first()
    if system is not None:
        _system_rights_set(system)
    return counts


def _system_rights_set(user: User) -> None:
    user.groups.set(Group.objects.filter(name__in=SYSTEM_ROLES))
    user.user_permissions.set(
        Permission.objects.filter(
            pk__in=[
                pk
                for pk, app_label, codename in Permission.objects.values_list(
                    "pk", "content_type__app_label", "codename"
                )
                if f"{app_label}.{codename}" in SYSTEM_PERMISSIONS
            ]
        )
    )


@transaction.atomic
def user_upsert(
    *,
    username: str,
    display_name: str,
    roles: Iterable[str],
    departments: Iterable[Department] = (),
    password: str | None = None,
    email: str = "",
) -> User:
    """Create or update a staff account with exactly these roles and department memberships.

    The first department is the primary one. Staff roles (administrators) may open the admin site.
    Existing passwords are kept unless `password` is given for a new account.
    """
    roles = list(roles)
    departments = list(departments)
    user, created = User.objects.get_or_create(username=username, defaults={"display_name": display_name})
    user.display_name = display_name
    user.email = email
    user.is_staff = any(role in STAFF_ROLES for role in roles)
    if created and password:
        user.set_password(password)
    elif created:
        user.set_unusable_password()
    user.save()
    user.groups.set(Group.objects.filter(name__in=roles))
    user.memberships.exclude(department__in=departments).delete()
    for position, department in enumerate(departments):
        DepartmentMembership.objects.update_or_create(
            user=user, department=department, defaults={"is_primary": position == 0}
        )
    return user


def department_upsert(
    *, code: str, name: str, kind: str, parent: Department | None = None, sort_order: int = 100
) -> Department:
    """Create or update the department with this code (idempotent; used by the demo data)."""
    department, _created = Department.objects.update_or_create(
        code=code, defaults={"name": name, "kind": kind, "parent": parent, "sort_order": sort_order}
    )
    return department


def department_set_head(*, department: Department, head: User | None) -> Department:
    department.head = head
    department.save(update_fields=["head"])
    return department


def audit_record(
    *,
    actor: User | None,
    action: str,
    target,
    label: str = "",
    reason: str = "",
    detail: dict | None = None,
    client_address: str | None = None,
) -> AuditEntry:
    """Log an audited act (a reveal of personal data, an export, a lockout) on `target`, a model
    instance or a description of what was acted on, from `client_address`. Never edited afterwards.
    A phone or ID number written into the reason or the detail's texts (a search an export was made
    with) is stored masked: the audit log must not become a copy of what it guards."""
    is_model = hasattr(target, "_meta")
    return AuditEntry.objects.create(
        actor=actor,
        action=action,
        object_type=target._meta.label_lower if is_model else str(target),
        object_id=str(target.pk) if is_model else "",
        object_label=label[:150],
        reason=mask_in_text(reason),
        detail={
            key: mask_in_text(value) if isinstance(value, str) else value
            for key, value in (detail or {}).items()
        },
        client_address=client_address or None,
    )


SYSTEM_USERNAME = "minsheng-system"


def system_user() -> User:
    """The account that acts for scheduled jobs and for citizens on the portal (forwarding suggestion
    batches, recording a portal rating as the revisit, archiving closed cases). It cannot sign in; its
    rights are `core.roles.SYSTEM_ROLES` and `SYSTEM_PERMISSIONS` (kept by `roles_sync()` too)."""
    user, created = User.objects.get_or_create(
        username=SYSTEM_USERNAME, defaults={"display_name": "系统", "is_active": True}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
        _system_rights_set(user)
    return user


# Two-factor sign-in (django-otp): an authenticator app (TOTP) and single-use recovery codes.

RECOVERY_CODE_COUNT = 10


def second_factor_start(*, user: User) -> TOTPDevice:
    """The authenticator a user is setting up: the same unconfirmed one until they confirm it with a
    code, so reloading the page shows the same QR code."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)


@transaction.atomic
def second_factor_confirm(*, user: User, device: TOTPDevice, code: str, client_address: str) -> list[str]:
    """Confirm the authenticator with the first code it shows; returns the recovery codes (shown once).
    Raises ValueError when the code is wrong. Any older authenticator of the user is removed."""
    if device.user_id != user.pk or not device.verify_token(code):
        raise ValueError("wrong code")
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    codes = recovery_codes_issue(user=user)
    audit_record(
        actor=user,
        action=AuditEntry.Action.SECOND_FACTOR,
        target=user,
        label=user.username,
        detail={"change": "enrolled"},
        client_address=client_address,
    )
    return codes


@transaction.atomic
def recovery_codes_issue(*, user: User) -> list[str]:
    """New single-use recovery codes for the user (the old ones stop working)."""
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name="recovery", defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def second_factor_reset(*, user: User, actor: User, client_address: str) -> None:
    """Remove a user's authenticator and recovery codes (a lost phone): they set up a new one at their
    next sign-in. Logged."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    audit_record(
        actor=actor,
        action=AuditEntry.Action.SECOND_FACTOR,
        target=user,
        label=user.username,
        detail={"change": "reset"},
        client_address=client_address,
    )


def sign_in_lockout_lift(*, actor: User, username: str, address: str | None, client_address: str) -> int:
    """Lift the lock on an account for an address (every address when none is given); logged.
    Returns the number of failed-attempt records removed."""
    lifted = axes_reset(ip=address or None, username=username)
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UNLOCK,
        target="sign_in",
        label=username,
        detail={"address": address or "", "attempts": lifted},
        client_address=client_address,
    )
    return lifted
