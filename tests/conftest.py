"""Shared fixtures: fast hashing, the organisation, and one signed-in persona per role.

Every role of `core.roles.Role` has a fixture of the same name (`clerk`, `agent`, ..., `admin`) that
returns a user holding that role in a fitting department; `handler` and `head` share the business
department `business_department`, and `other_handler` works in `other_department`.
"""

import importlib

import pytest
from django.utils import translation

from complaints.escalation import clear_rules_cache
from core.models import Department
from core.roles import STAFF_ROLES, Role
from core.services import roles_sync
from core.working_time import clear_working_calendar_cache
from tests.factories import DepartmentFactory, UserFactory

# Cases for the lifecycle, page and browser tests: `category`, `cast`, `register`, `case_in`.
pytest_plugins = ["tests.case_fixtures"]


@pytest.fixture(autouse=True)
def _fast_and_quiet(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SMS_BACKEND = "core.sms.LocmemSmsBackend"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ERASURE_LEDGER_PATH = tmp_path / "erasure-ledger.jsonl"


@pytest.fixture(autouse=True)
def _tasks_run_at_once():
    """Tasks queued by the code under test run in the test's process (no broker), as a worker would;
    the fault tests switch this off to see what happens without a worker."""
    from config.celery import app

    app.conf.task_always_eager = True
    yield app
    app.conf.task_always_eager = False


@pytest.fixture(autouse=True)
def _fresh_working_calendar():
    """The calendar is cached per process; each test reads the database's own."""
    clear_working_calendar_cache()
    clear_rules_cache()
    yield
    clear_working_calendar_cache()
    clear_rules_cache()


@pytest.fixture
def english():
    """Messages raised by services in English, so tests can match their wording."""
    with translation.override("en"):
        yield


@pytest.fixture
def reference_data(db):
    """The rows the data migrations write (the holiday calendar, the default deadline policies, the
    reception room), put back by the migrations' own functions after a transactional test emptied the
    database. (Django's serialized rollback would do it, but left the permissions table empty after
    some tests.)"""
    from django.apps import apps

    for module, function in [
        ("core.migrations.0004_seed_working_calendar", "seed_working_calendar"),
        ("complaints.migrations.0002_default_deadline_policies", "create_policies"),
        ("complaints.migrations.0007_default_escalation_rules", "create_rules"),
        ("complaints.migrations.0010_default_indicator_weights", "create"),
        ("complaints.migrations.0015_default_retention_periods", "create_policies"),
        ("reception.migrations.0002_default_reception_room", "create_default_room"),
    ]:
        getattr(importlib.import_module(module), function)(apps, None)


@pytest.fixture
def roles(db):
    roles_sync()


@pytest.fixture
def organisation(db):
    """The departments of a small organisation, by role of the people who work there."""
    kind = Department.Kind
    return {
        "leadership": DepartmentFactory(code="LD", name="领导班子", kind=kind.LEADERSHIP),
        "office": DepartmentFactory(code="XZ", name="行政部", kind=kind.LEADERSHIP_OFFICE),
        "customer_service": DepartmentFactory(code="KF", name="客服部", kind=kind.CUSTOMER_SERVICE),
        "legal": DepartmentFactory(code="FW", name="法务部", kind=kind.LEGAL),
        "discipline": DepartmentFactory(code="JJ", name="纪检监察室", kind=kind.DISCIPLINE_INSPECTION),
        "business": DepartmentFactory(code="YY", name="营业服务部", kind=kind.BUSINESS),
        "other_business": DepartmentFactory(code="GC", name="工程管理部", kind=kind.BUSINESS),
        "safety": DepartmentFactory(code="AQ", name="安全生产部", kind=kind.BUSINESS),
    }


ROLE_DEPARTMENT = {
    Role.CLERK: "customer_service",
    Role.AGENT: "customer_service",
    Role.DISPATCHER: "customer_service",
    Role.HANDLER: "business",
    Role.HEAD: "business",
    Role.OFFICE: "office",
    Role.LEADER: "leadership",
    Role.LEGAL: "legal",
    Role.INSPECTOR: "discipline",
    Role.TRAINER: "office",
    Role.EMERGENCY: "safety",
    Role.ADMIN: "office",
}


def _role_fixture(role: Role):
    @pytest.fixture(name=role.value)
    def persona(roles, organisation):
        user = UserFactory(
            username=role.value,
            roles=[role.value],
            department=organisation[ROLE_DEPARTMENT[role]],
            is_staff=role in STAFF_ROLES,
        )
        if role == Role.HEAD:
            organisation["business"].head = user
            organisation["business"].save(update_fields=["head"])
        return user

    return persona


for _role in Role:
    globals()[f"{_role.value}_persona"] = _role_fixture(_role)


@pytest.fixture
def business_department(organisation):
    return organisation["business"]


@pytest.fixture
def other_department(organisation):
    return organisation["other_business"]


@pytest.fixture
def other_handler(roles, organisation):
    return UserFactory(
        username="other_handler", roles=[Role.HANDLER.value], department=organisation["other_business"]
    )


@pytest.fixture
def client_as(client):
    """`client_as(user)` signs the test client in as `user` and returns it."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in
