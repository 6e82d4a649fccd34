"""Bad input never answers 5xx (STYLE.md: a bad value is a message on the page, not a 500).

A property-based walk with Hypothesis over what a browser, a careless user or an attacker can send:

- `test_query_parameters`: every list page's query parameters (the ledger with every CaseFilter field,
  its export, the inbox, supervision, the call log, the revisit queue, the knowledge base and its search,
  the reception board, registration and history, leader days, notices, the dashboards and the report with
  `month`, the public statistics, the audit log and its export, the retention runs, the portal's `?case=`);
- `test_forms`: every form's POST fields, the forms found on the pages themselves (each <form method=post>
  or hx-post, its action and the names of its inputs, selects, textareas and named buttons, as the roles
  that open the page see it, and the action pages the case pages link to); file inputs get random bytes;
- `test_path_parameters`: case numbers of random text, ids of huge integers, unknown actions and documents;

as every role and as an anonymous citizen (the portal). Values are random text, empty, huge (10k-100k
characters), bytes that are not UTF-8 (`%ff%fe` in the raw query string or body), lone surrogates, NUL,
control characters, RTL marks, emoji, letters for ids and dates, negative and 2**70 numbers, a parameter
given several times, missing fields, dates that do not exist (2026-02-30) or that no calendar can shift
(0001-01-01, 9999-12-31), and half of the time a value the field expects, so that the valid paths (and
the services behind them) run too. The client builds the raw query string and body itself, so that what
cannot be encoded as UTF-8 still reaches the server, which decodes it with replacement characters.

Each Hypothesis example is a sweep: one request to every target, each with its own drawn role and values,
so that every page, form and route is tried in every run (Hypothesis's own choice of a target from a list
repeats a few and leaves half of them out). The data (cases in several states, a supervision notice, an
attachment, a visit in each state, a leader's day, a call, an article, a retention run, an audit entry,
a locked sign-in) is built once per test through the shared fixtures; each request runs in a savepoint
that is rolled back and with its client's cookies put back, so that no request depends on another (a
random POST that succeeds or signs the user out changes nothing for the next). A 5xx, or an exception
while a streamed response is read, fails the test with the role, the method, the URL, the data and the
server's traceback.

No example database and no fixed seed: every run explores afresh. FUZZ_SCALE=10 runs ten times the
examples for a deeper look; the default keeps the file under a minute on PostgreSQL.
"""

import copy
import logging
import os
import re
import traceback
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from html.parser import HTMLParser
from urllib.parse import quote, quote_plus, urlsplit

import pytest
from axes.models import AccessAttempt
from django import forms
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from complaints import retention
from complaints import services as case_services
from complaints.filters import CaseFilter
from complaints.models import Case, CaseKind, Category, State, Supervision
from complaints.selectors import INBOX_BUCKETS
from complaints.workflow import ACTIONS
from core import clock, spreadsheets
from core.audit import KIND_CHOICES
from core.models import AuditEntry, Department
from core.roles import Role
from core.services import audit_record
from dashboard.figures import months_refresh
from hotline import services as hotline_services
from hotline.models import Call, KnowledgeArticle
from reception import services as reception_services
from reception.models import ReceptionRoom, Visit

ANONYMOUS = "anonymous"
ROLES = [role.value for role in Role]

# More examples for a deeper look: `FUZZ_SCALE=10 make test`.
SCALE = float(os.environ.get("FUZZ_SCALE", "1"))
GUARD = {
    "deadline": None,
    "database": None,  # no example database: every run explores afresh
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    # No shrinking: an example is a sweep of many requests, and the failure already names the one request
    # that failed with its data and traceback; shrinking would repeat the sweep hundreds of times.
    "phases": [Phase.explicit, Phase.generate],
}

# ----------------------------------------------------------------------------------------------------
# Values


# Texts that have broken web applications before.
NASTY_TEXT = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\x00" * 3,
    "\u202e\u202d",  # right-to-left and left-to-right overrides
    "\u200f\u200e",  # RTL and LTR marks
    "\u200b\ufeff",  # zero-width space, byte order mark
    "\ud800",  # lone surrogates: they reach the server as replacement characters
    "x\udfffy",
    "\U0001f600\U0001f469\u200d\U0001f469\u200d\U0001f467",  # emoji, a joined family
    "\x07\x08\x1b[31m\x7f",
    "\r\n\r\nSet-Cookie: x=1",
    "\t",
    "'",
    '"',
    "\\",
    "<script>alert(1)</script>",
    "{{ 7*7 }}{% now 'Y' %}",
    "%",
    "%00",
    "%ff%fe",
    "../../../etc/passwd",
    "/\\evil.example",
    "//evil.example",
    "javascript:alert(1)",
    "true",
    "on",
    "off",
    "null",
    "None",
    "[]",
    "{}",
    "1' OR '1'='1",
    "1;DROP TABLE complaints_case",
    "ʇsǝʇ",
    "İı",
    "ß",
    "\u0301" * 5,
    "中文搜索",
]

# What each kind of field is tried with besides random text: the edges of its type.
NUMBER_EDGES = [
    "0",
    "-1",
    "-0",
    "1.5",
    "1e3",
    "1e309",
    "NaN",
    "Infinity",
    "-inf",
    str(2**31),
    str(2**63 - 1),
    str(2**63),
    str(2**64),
    str(2**70),
    str(-(2**70)),
    "99999999999999999999",
    "00000000000000000001",
    "0x1F",
    "1_000",
    " 7 ",
    "\uff11\uff12",  # full-width digits
    "\u0663\u0664",  # Arabic-Indic digits
    "\u00b2",  # superscript two: isdigit() but not a decimal digit
]
DATE_EDGES = [
    "0001-01-01",
    "0001-01-02",
    "1900-01-01",
    "2024-02-29",
    "2026-02-29",
    "2026-02-30",
    "2026-13-01",
    "2026-00-10",
    "0000-00-00",
    "9999-12-30",
    "9999-12-31",
    "10000-01-01",
    "-2026-01-01",
    "2026-1-1",
    "26-01-01",
    "2026/01/01",
    "01/02/2026",
    "2026-01-01 12:00",
]
MONTH_EDGES = [
    "0001-01",
    "0001-02",
    "0002-01",
    "0000-01",
    "1900-01",
    "9999-11",
    "9999-12",
    "10000-01",
    "2026-13",
    "2026-00",
    "2026-1",
    "-2026-01",
    "2026-02-30",
]
DATETIME_EDGES = [
    "0001-01-01T00:00",
    "0001-01-01 00:00:00",
    "9999-12-31T23:59",
    "9999-12-31 23:59:59.999999",
    "2026-02-30T10:00",
    "2026-01-01T25:61",
    "2026-01-01T10:00+99:00",
    "2026-01-01T10:00:00+14:00",
    "2026-03-29T02:30",
    "2026-11-30",
]
TIME_EDGES = ["00:00", "23:59", "24:00", "23:59:60", "99:99", "-01:00", "12:00:00.000001", "9"]
EDGES = [*NUMBER_EDGES, *DATE_EDGES, *MONTH_EDGES, *DATETIME_EDGES, *TIME_EDGES]

# Bytes that are not UTF-8, sent percent-encoded as they are.
RAW_BYTES = [
    b"\xff\xfe",
    b"\xff",
    b"\xc3\x28",
    b"\xed\xa0\x80",  # a surrogate in UTF-8's form
    b"\xc0\x80",  # an overlong NUL
    b"\xe4\xb8",  # a truncated Chinese character
    b"\xf4\x90\x80\x80",  # past U+10FFFF
]


class Huge(str):
    """A long text whose repr stays short in Hypothesis's report of a failing example."""

    def __repr__(self):
        return f"<{len(self)} characters: {str.__repr__(self[:24])}...>"


def _huge(piece: str, length: int) -> Huge:
    return Huge((piece * (length // len(piece) + 1))[:length])


# Every code point, surrogates and control characters included.
any_character = st.characters(codec=None, categories=None)

huge_text = st.builds(
    _huge,
    st.text(any_character, min_size=1, max_size=8) | st.sampled_from(["x", "\x00", "中", "9"]),
    st.integers(10_000, 100_000),
)
numbers = st.one_of(
    st.integers(-(2**80), 2**80),
    st.integers(-3, 3),
    st.sampled_from([2**31, 2**63 - 1, 2**63, 2**64, 2**70, -(2**70)]),
).map(str)
dates_like = st.one_of(
    st.dates().map(date.isoformat),
    st.builds(
        "{:04d}-{:02d}-{:02d}".format, st.integers(-1, 10_001), st.integers(-1, 14), st.integers(-1, 33)
    ),
    st.builds("{:04d}-{:02d}".format, st.integers(-1, 10_001), st.integers(-1, 14)),
    st.builds(
        "{}T{:02d}:{:02d}".format, st.dates().map(date.isoformat), st.integers(0, 99), st.integers(0, 99)
    ),
)
random_value = st.one_of(
    st.sampled_from(NASTY_TEXT),
    st.sampled_from(EDGES),
    st.sampled_from(RAW_BYTES),
    st.text(any_character, max_size=40),
    st.binary(max_size=24),
    numbers,
    dates_like,
    huge_text,
    st.tuples(st.sampled_from(NASTY_TEXT), st.text(max_size=10), st.sampled_from(NASTY_TEXT)).map("".join),
)


def value(expected=()):
    """A random value, or half of the time one of the `expected` ones (valid values and the edges of
    the field's type)."""
    if not expected:
        return random_value
    # Not one_of: it would flatten random_value's branches and make the expected values rare.
    chosen = st.sampled_from(list(expected))
    return st.booleans().flatmap(lambda pick: chosen if pick else random_value)


@st.composite
def parameters(draw, names: dict):
    """A query or a body for `names` (each with the values it expects): the name in focus gets a random
    or edge value, now and then several (a list where one value is expected); each other name is left
    out, given a value it expects or a random one; now and then a name the page does not know."""
    pairs = []
    focus = draw(st.sampled_from(sorted(names))) if names else None
    for name, expected in names.items():
        if name == focus:
            for _ in range(draw(st.sampled_from([1, 1, 1, 1, 2, 3]))):
                pairs.append((name, draw(value(expected))))
        elif draw(st.integers(0, 2)) == 0:
            pairs.append((name, draw(value(expected))))
        elif expected and draw(st.booleans()):
            pairs.append((name, draw(st.sampled_from(expected))))
    if not names or draw(st.integers(0, 7)) == 0:
        pairs.append((draw(st.sampled_from(NASTY_TEXT) | st.text(any_character, max_size=10)), draw(value())))
    return draw(st.permutations(pairs)) if len(pairs) > 1 else pairs


@st.composite
def role_for(draw, roles):
    """Mostly one of the roles the target is for; now and then anyone, signed in or not (who must be
    refused, not answered with a 500)."""
    if draw(st.integers(0, 4)):
        return draw(st.sampled_from(roles))
    return draw(st.sampled_from([*ROLES, ANONYMOUS]))


# ----------------------------------------------------------------------------------------------------
# Requests and what counts as a failure


def _raw(text) -> bytes:
    return text if isinstance(text, bytes) else str(text).encode("utf-8", "surrogatepass")


def urlencoded(pairs) -> str:
    """A query string or form body of (name, value) pairs, percent-encoding bytes as they are."""
    return "&".join(f"{quote_plus(_raw(name))}={quote_plus(_raw(text))}" for name, text in pairs)


def segment(text) -> str:
    """A path segment, its bytes percent-encoded (a slash in it stays a slash: another route)."""
    return quote(_raw(text), safe="/")


BOUNDARY = "----minsheng-fuzz-7d1f0c2a"


def multipart(pairs, files) -> bytes:
    """A multipart body built by hand: the values' bytes as they are (Django's client refuses text that
    cannot be encoded)."""
    parts = [
        b'--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n'
        % (BOUNDARY.encode(), _raw(name), _raw(text))
        for name, text in pairs
    ]
    parts += [
        b'--%s\r\nContent-Disposition: form-data; name="%s"; filename="%s"\r\n'
        b"Content-Type: application/octet-stream\r\n\r\n%s\r\n"
        % (BOUNDARY.encode(), _raw(name), _raw(filename), content)
        for name, filename, content in files
    ]
    return b"".join([*parts, b"--%s--\r\n" % BOUNDARY.encode()])


def _shorten(thing, limit: int = 300):
    if isinstance(thing, list):
        return [tuple(_shorten(part) for part in pair) for pair in thing]
    text = repr(thing)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


class _Collect(logging.Handler):
    """The server's errors as `django.request` logs them (for a 5xx answered without an exception)."""

    def __init__(self, errors: list):
        super().__init__(logging.ERROR)
        self.errors = errors

    def emit(self, record):
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + "".join(traceback.format_exception(*record.exc_info))
        self.errors.append(text)


@dataclass(repr=False)
class Requester:
    """One signed-in client per role and an anonymous one; every request in a savepoint rolled back,
    with the client's cookies as they were after sign-in."""

    clients: dict[str, Client]
    cookies: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)

    def keep_cookies(self) -> None:
        self.cookies = {role: copy.deepcopy(client.cookies) for role, client in self.clients.items()}

    def send(self, role: str, method: str, path: str, *, query=(), body=(), files=(), htmx=False):
        client = self.clients[role]
        client.cookies = copy.deepcopy(self.cookies[role])
        url = f"{path}?{urlencoded(query)}" if query else path
        headers = {"HX-Request": "true"} if htmx else {}
        cache.clear()  # rate limits and the portal's count of guesses start afresh
        self.errors.clear()
        problem = None
        with transaction.atomic():
            if method == "GET":
                response = client.get(url, headers=headers)
            elif files:
                content_type = f"multipart/form-data; boundary={BOUNDARY}"
                response = client.post(
                    url, multipart(body, files), content_type=content_type, headers=headers
                )
            else:
                content_type = "application/x-www-form-urlencoded"
                response = client.post(url, urlencoded(body), content_type=content_type, headers=headers)
            # The client closes a streamed response once it is read (closing any response again here
            # would close the database connection: Django's request_finished handler).
            if response.streaming:
                try:
                    for _piece in response.streaming_content:
                        pass
                except Exception:
                    problem = "reading the streamed response raised:\n" + traceback.format_exc()
            transaction.set_rollback(True)
        if response.status_code >= 500 and problem is None:
            if response.exc_info:
                problem = "".join(traceback.format_exception(*response.exc_info))
            else:
                problem = "\n".join(self.errors) or "(no traceback: the view answered 5xx itself)"
        if problem is not None:
            data = {
                "body": _shorten(list(body)),
                "files": [(name, _shorten(filename), len(content)) for name, filename, content in files],
            }
            raise AssertionError(
                f"{response.status_code} for {role} {method} {_shorten(url, 600)}\n"
                f"data: {data}\nhtmx: {htmx}\n{problem}"
            )
        return response


# ----------------------------------------------------------------------------------------------------
# The world the requests are made in


@dataclass(repr=False)
class World:
    requester: Requester
    cases: dict[str, Case]
    ids: dict[str, list[int]]
    numbers: list[str]
    months: list[str]


@pytest.fixture
def world(
    settings,
    clerk,
    agent,
    dispatcher,
    handler,
    head,
    office,
    leader,
    legal,
    inspector,
    trainer,
    emergency,
    admin,
    register,
    case_in,
    category,
    business_department,
):
    """Cases in several states and what hangs off them, visits, a call..., and a client per role."""
    settings.TWO_FACTOR_REQUIRED = False
    users = {
        "clerk": clerk,
        "agent": agent,
        "dispatcher": dispatcher,
        "handler": handler,
        "head": head,
        "office": office,
        "leader": leader,
        "legal": legal,
        "inspector": inspector,
        "trainer": trainer,
        "emergency": emergency,
        "admin": admin,
    }
    cases = {
        "registered": register(),
        "report": register(kind=CaseKind.REPORT, is_confidential=True, is_misconduct=True),
        "dispatched": case_in(State.DISPATCHED),
        "complaint": case_in(State.IN_PROGRESS, kind=CaseKind.COMPLAINT),
        "extension": case_in(State.EXTENSION_REQUESTED),
        "reply_submitted": case_in(State.REPLY_SUBMITTED),
        "replied": case_in(State.REPLIED),
        "closed": case_in(State.CLOSED),
    }
    supervision = case_services.supervision_issue(
        case_id=cases["complaint"].pk,
        actor=office,
        kind=Supervision.Kind.SUPERVISION,
        instructions="请说明未按期办结的原因。",
    )
    attachment = case_services.case_add_attachment(
        case_id=cases["complaint"].pk,
        actor=handler,
        file=SimpleUploadedFile("现场.pdf", b"%PDF-1.4 fuzz", content_type="application/pdf"),
    )
    room = ReceptionRoom.objects.filter(is_active=True).first() or ReceptionRoom.objects.create(name="接待室")
    visitor = {
        "visitor_name": "李四",
        "id_number": "11010519491231002X",
        "phone": "13812345678",
        "address": "江城市硚口区中山大道100号",
        "reason": "水费突然变高",
    }
    waiting = reception_services.visit_register(clerk=clerk, room=room, **visitor)
    receiving = reception_services.visit_register(clerk=clerk, room=room, **visitor)
    reception_services.visit_call_in(visit_id=receiving.pk, actor=clerk)
    finished = reception_services.visit_register(clerk=clerk, room=room, **visitor)
    reception_services.visit_call_in(visit_id=finished.pk, actor=clerk)
    finished = reception_services.visit_finish(
        visit_id=finished.pk,
        actor=clerk,
        outcome=Visit.Outcome.REFERRED,
        statement="来访人反映水费问题。",
        lead_department=business_department,
        category=category,
    )
    leader_day = reception_services.leader_day_create(
        actor=office,
        leader=leader,
        date=timezone.localdate(clock.now()) + timedelta(days=1),
        starts_at=time(9, 0),
        ends_at=time(12, 0),
        room=room,
        topic="水费争议",
        capacity=5,
    )
    call = hotline_services.call_log(
        agent=agent, number="13700000000", started_at=clock.now(), outcome=Call.Outcome.HANG_UP
    )
    article = KnowledgeArticle.objects.create(title="停水查询", answer="关注公众号。", category=category)
    run = retention.retention_run()
    audit_record(actor=office, action=AuditEntry.Action.REVEAL, target=cases["registered"], reason="核实")
    # A locked sign-in, so that the lockouts page shows its form.
    AccessAttempt.objects.create(
        username="clerk",
        ip_address="10.0.0.1",
        user_agent="fuzz",
        http_accept="*/*",
        path_info="/accounts/login/",
        get_data="",
        post_data="",
        failures_since_start=django_settings.AXES_FAILURE_LIMIT,
    )
    # The dashboards read stored figures; without them every request would count the months again.
    months_refresh(months_back=1)

    clients = {role: Client(raise_request_exception=False) for role in [*ROLES, ANONYMOUS]}
    for role, user in users.items():
        clients[role].force_login(user)
    # The citizen's browser has opened the replied case on the portal (its rating form shows).
    clients[ANONYMOUS].post(
        reverse("portal:track"),
        {"number": cases["replied"].number, "query_code": cases["replied"].query_code},
    )
    requester = Requester(clients=clients)
    requester.keep_cookies()
    collect = _Collect(requester.errors)
    logging.getLogger("django.request").addHandler(collect)
    this_month = timezone.localdate(clock.now()).replace(day=1)
    yield World(
        requester=requester,
        cases=cases,
        ids={
            "case": [case.pk for case in cases.values()],
            "visit": [waiting.pk, receiving.pk, finished.pk],
            "leader_day": [leader_day.pk],
            "call": [call.pk],
            "article": [article.pk],
            "attachment": [attachment.pk],
            "run": [run.pk],
            "supervision": [supervision.pk],
            "category": list(Category.objects.values_list("pk", flat=True)),
            "department": list(Department.objects.values_list("pk", flat=True)),
            "room": [room.pk],
        },
        numbers=[case.number for case in cases.values()],
        months=[f"{this_month:%Y-%m}", f"{this_month - timedelta(days=1):%Y-%m}", "2025-01"],
    )
    logging.getLogger("django.request").removeHandler(collect)


# ----------------------------------------------------------------------------------------------------
# 1. Query parameters of the list pages


@dataclass(frozen=True)
class Page:
    """Pages read with GET (one of them in each sweep: the dashboards cost ten lists), their query
    parameters (each with the values it expects) and the roles that may open them. The intake look-ups
    are posted (a phone or ID number never stands in a URL): their parameters go in the body."""

    paths: tuple[str, ...]
    parameters: dict
    roles: tuple[str, ...]
    htmx: bool = False
    method: str = "GET"


EVERYONE = tuple(ROLES)
INTAKE = ("clerk", "agent", "dispatcher", "office")
VISITS = ("clerk", "agent", "dispatcher", "office", "leader")
LEADERSHIP = ("office", "leader")
AUDITORS = ("inspector", "admin")
BOOLEAN_VALUES = ["on", "true", "True", "1", "false", "0", "off", "yes", "no"]


def filter_parameters(filterset_class, queryset) -> dict:
    """Every parameter of a FilterSet (both of a range's), each with the values its form offers."""
    form = filterset_class(queryset=queryset).form
    names = {}
    for name, form_field in form.fields.items():
        choices = [str(key) for key, _label in getattr(form_field, "choices", []) if key not in ("", None)]
        if isinstance(form_field, forms.ModelChoiceField):
            choices += NUMBER_EDGES
        widget = form_field.widget
        if hasattr(widget, "suffixes"):
            for suffix in widget.suffixes:
                names[widget.suffixed(name, suffix)] = choices
        else:
            names[name] = choices or (BOOLEAN_VALUES if "Checkbox" in type(widget).__name__ else [])
    return names


def list_pages(world: World) -> list[Page]:
    today = timezone.localdate(clock.now())
    days = [today.isoformat(), (today - timedelta(days=40)).isoformat(), *DATE_EDGES]
    months = [*world.months, *MONTH_EDGES]
    page_numbers = ["1", "2", "last", *NUMBER_EDGES]
    ids = {name: [*map(str, values), *NUMBER_EDGES] for name, values in world.ids.items()}
    ledger = filter_parameters(CaseFilter, Case.objects.all())
    ledger.update(
        registered_after=days,
        registered_before=days,
        month=months,
        q=[*world.numbers, "停水", "13812345678", "ab", world.numbers[0][:9]],
        page=page_numbers,
    )
    audit = {
        "person": ["office", "admin", "行"],
        "target": [world.numbers[0], "case_ledger", *NUMBER_EDGES],
        "kind": [code for code, _label in KIND_CHOICES],
        "since": days,
        "until": days,
        "page": page_numbers,
    }
    formats = [*spreadsheets.FORMATS, "pdf", ""]
    history = {
        "citizen_phone": ["13812345678", "1381234"],
        "citizen_id_number": ["11010519491231002X", "110105"],
        "category": ids["category"],
        "description": ["小区停水两天"],
    }
    visitor = {
        "id_number": ["11010519491231002X", "110105"],
        "phone": ["13812345678"],
        "category": ids["category"],
        "reason": ["水费"],
        "group_size": ["1", "5", "10000", "10001", *NUMBER_EDGES],
    }
    month = {"month": months}
    return [
        Page(("/cases/",), ledger, EVERYONE),
        Page(("/cases/export/",), {**ledger, "format": formats}, EVERYONE),
        Page(("/cases/inbox/",), {"bucket": list(INBOX_BUCKETS), "page": page_numbers}, ("handler", "head")),
        Page(
            ("/cases/supervision/",),
            {"status": ["open", "answered"], "kind": Supervision.Kind.values, "page": page_numbers},
            ("head", "office", "leader"),
        ),
        Page(
            ("/cases/retention/",),
            {"run": ids["run"], "page": page_numbers},
            ("office", "inspector", "admin"),
        ),
        Page(("/cases/history/",), history, INTAKE, htmx=True, method="POST"),
        Page(("/hotline/calls/",), {"outcome": Call.Outcome.values, "page": page_numbers}, ("agent",)),
        Page(("/hotline/revisits/",), {"page": page_numbers}, ("agent", "dispatcher", "office")),
        Page(("/hotline/knowledge/",), {"q": ["停水", "公众号"]}, EVERYONE),
        Page(("/hotline/knowledge/search/",), {"q": ["停水"], "pick": BOOLEAN_VALUES}, EVERYONE, htmx=True),
        Page(("/reception/",), {"date": days, "room": ids["room"]}, VISITS, htmx=True),
        Page(("/reception/register/",), {"room": ids["room"]}, ("clerk", "office")),
        Page(("/reception/history/",), visitor, VISITS, htmx=True, method="POST"),
        Page(("/reception/leader-days/", "/notices/", "/notices/settings/"), {"page": page_numbers}, VISITS),
        Page(("/dashboard/", "/dashboard/report/", "/dashboard/report/xlsx/"), month, LEADERSHIP),
        Page(("/dashboard/department/", "/dashboard/indicators/"), month, ("head",)),
        Page(("/portal/stats/",), month, (ANONYMOUS,)),
        Page(("/audit/",), audit, AUDITORS),
        Page(("/audit/export/",), {**audit, "format": formats}, AUDITORS),
        Page(("/portal/track/",), {"case": [str(pk) for pk in world.ids["case"]]}, (ANONYMOUS,)),
        Page(("/portal/", "/portal/submitted/", "/", "/cases/new/", "/hotline/"), {}, (ANONYMOUS, "agent")),
    ]


@hypothesis_settings(max_examples=max(1, int(10 * SCALE)), **GUARD)
@given(data=st.data())
def test_query_parameters(world, data):
    for page in list_pages(world):
        path = data.draw(st.sampled_from(page.paths))
        role = data.draw(role_for(page.roles))
        query = data.draw(parameters(page.parameters))
        htmx = page.htmx and data.draw(st.booleans())
        if page.method == "POST":
            world.requester.send(role, "POST", path, body=query, htmx=htmx)
        else:
            world.requester.send(role, "GET", path, query=query, htmx=htmx)


# ----------------------------------------------------------------------------------------------------
# 2. The forms on the pages, posted with random values


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # the input's type, "select", "textarea" or "button"
    value: str = ""
    options: tuple[str, ...] = ()


@dataclass(frozen=True)
class Form:
    roles: tuple[str, ...]  # who saw it
    actions: tuple[str, ...]  # where it was seen to post (one case's, another's...)
    multipart: bool
    fields: tuple[Field, ...]
    htmx: bool = False


class FormParser(HTMLParser):
    """The forms of a page, with the names their fields send (and the buttons' other actions)."""

    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.page = page
        self.forms: list[dict] = []
        self.current: dict | None = None
        self.select: dict | None = None
        self.textarea: dict | None = None

    def handle_starttag(self, tag, attrs):
        attributes = {name: text or "" for name, text in attrs}
        if tag == "form":
            self.current = {
                "post": attributes.get("method", "").lower() == "post" or "hx-post" in attributes,
                "actions": [attributes.get("hx-post") or attributes.get("action") or self.page],
                "htmx": "hx-post" in attributes,
                "multipart": attributes.get("enctype", "") == "multipart/form-data",
                "fields": [],
            }
            self.forms.append(self.current)
            return
        if self.current is None:
            return
        name = attributes.get("name")
        fields = self.current["fields"]
        if tag == "input" and name:
            fields.append(Field(name, attributes.get("type", "text").lower(), attributes.get("value", "")))
        elif tag == "select" and name:
            self.select = {"name": name, "options": []}
        elif tag == "option" and self.select is not None:
            self.select["options"].append(attributes.get("value", ""))
        elif tag == "textarea" and name:
            self.textarea = {"name": name, "text": ""}
        elif tag == "button":
            if name:
                fields.append(Field(name, "button", attributes.get("value", "")))
            if attributes.get("formaction"):
                self.current["actions"].append(attributes["formaction"])

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea["text"] += data

    def handle_endtag(self, tag):
        if self.current is None:
            return
        if tag == "form":
            self.current = None
        elif tag == "select" and self.select is not None:
            self.current["fields"].append(
                Field(self.select["name"], "select", "", tuple(self.select["options"]))
            )
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            self.current["fields"].append(Field(self.textarea["name"], "textarea", self.textarea["text"]))
            self.textarea = None


def forms_on(role: str, page: str, html: str) -> list[Form]:
    """The page's post forms, one for each action its buttons send it to."""
    parser = FormParser(page)
    parser.feed(html)
    return [
        Form(
            (role,), (urlsplit(action).path or page,), form["multipart"], tuple(form["fields"]), form["htmx"]
        )
        for form in parser.forms
        if form["post"]
        for action in form["actions"]
    ]


# Who acts on the world's cases (the leader acts only on proposals and final answers, which none of
# them waits for: the leader's case pages show no form the others' do not).
CASE_ACTORS = ("agent", "dispatcher", "handler", "head", "office")
CASE_ROLES = (*CASE_ACTORS, "leader")
ACTION_LINK = re.compile(r'href="(/cases/[^/"]+/([a-z_]+)/)"')


def form_pages(world: World) -> list[tuple[str, tuple[str, ...]]]:
    """The pages whose forms are posted, each with the roles that open it to find them."""
    cases, ids = world.cases, world.ids
    return [
        *[(f"/cases/{case.number}/", CASE_ACTORS) for case in cases.values()],
        (f"/cases/{cases['report'].number}/", ("inspector",)),
        *[(f"/reception/visits/{pk}/", ("clerk",)) for pk in ids["visit"]],
        ("/cases/new/", ("agent",)),
        ("/cases/", ("office",)),
        ("/hotline/", ("agent",)),
        ("/hotline/calls/", ("agent",)),
        (f"/hotline/revisits/{cases['replied'].number}/", ("agent",)),
        ("/hotline/suggestions/", ("dispatcher",)),
        ("/hotline/knowledge/new/", ("office",)),
        (f"/hotline/knowledge/{ids['article'][0]}/", ("office",)),
        ("/reception/", ("clerk",)),
        ("/reception/register/", ("clerk",)),
        ("/reception/leader-days/", ("office",)),
        (f"/reception/leader-days/{ids['leader_day'][0]}/book/", ("clerk",)),
        ("/notices/", ("handler",)),
        ("/notices/settings/", ("handler",)),
        ("/audit/lockouts/", ("admin",)),
        ("/accounts/password/", ("handler",)),
        ("/accounts/two-factor/", ("handler",)),
        ("/accounts/login/", (ANONYMOUS,)),
        ("/portal/", (ANONYMOUS,)),
        ("/portal/track/", (ANONYMOUS,)),
        (f"/portal/track/?case={cases['replied'].pk}", (ANONYMOUS,)),
    ]


@pytest.fixture
def page_forms(world) -> list[Form]:
    """Every post form on the pages as their roles see them, and on the action pages the case pages
    link to (an action's form is the same whoever opens it: one look per link). One of each kind: the
    same action of another case or visit with the same field names is the same form, posted to any of
    the places it was seen, by any of the roles that saw it."""
    found: dict[tuple, Form] = {}
    opened: set[str] = set()

    def look(role: str, path: str) -> None:
        response = world.requester.send(role, "GET", path)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            return
        html = response.content.decode()
        for form in forms_on(role, path, html):
            key = (re.sub(r"/\d+/", "/*/", form.actions[0]), tuple(each.name for each in form.fields))
            seen = found.get(key)
            found[key] = Form(
                tuple(sorted({*form.roles, *(seen.roles if seen else ())})),
                tuple(sorted({*form.actions, *(seen.actions if seen else ())})),
                form.multipart,
                form.fields,
                form.htmx,
            )
        for link, code in ACTION_LINK.findall(html):
            if code in ACTIONS and link not in opened:
                opened.add(link)
                look(role, link)

    for path, roles in form_pages(world):
        for role in roles:
            look(role, path)
    return list(found.values())


# Values a field expects, by its name: so that a form is valid now and then and the service behind it
# runs on the random rest.
EXPECTED_BY_NAME = {
    "citizen_phone": ["13812345678", "02788886666"],
    "phone": ["13812345678"],
    "mobile": ["13812345678"],
    "number": ["13812345678"],
    "citizen_id_number": ["11010519491231002X", "110105198001010016"],
    "id_number": ["11010519491231002X"],
    "citizen_name": ["张三"],
    "visitor_name": ["李四"],
    "description": ["小区停水两天，没有任何通知。"],
    "reason": ["需要核实。"],
    "username": ["clerk", "nobody"],
    "address": ["10.0.0.1", "::1", "江城市中山大道100号"],
}
EXPECTED_BY_KIND = {
    "date": DATE_EDGES,
    "datetime-local": DATETIME_EDGES,
    "time": TIME_EDGES,
    "number": NUMBER_EDGES,
    "select": NUMBER_EDGES,
    "radio": NUMBER_EDGES,
    "checkbox": NUMBER_EDGES,
}
FILE_NAMES = [
    "a.pdf",
    "photo.jpg",
    "x.exe",
    "../../etc/passwd",
    "",
    "中文.png",
    "a\x00.pdf",
    "n" * 300 + ".jpg",
]


@st.composite
def form_body(draw, form: Form, world: World):
    """The form's fields, some left out, some given twice, with random values; files of random bytes;
    hidden fields mostly as the page wrote them (the CSRF token, the case's version, signed times)."""
    pairs, files = [], []
    by_name: dict[str, list[Field]] = {}
    for each in form.fields:
        by_name.setdefault(each.name, []).append(each)
    for name, group in by_name.items():
        kind = group[0].kind
        if draw(st.integers(0, 7)) == 0:
            continue  # a missing field
        if kind == "file":
            for _ in range(draw(st.integers(1, 2))):
                filename = draw(st.sampled_from(FILE_NAMES) | st.text(any_character, max_size=30))
                files.append((name, filename, draw(st.binary(max_size=4096))))
            continue
        if kind == "hidden" and draw(st.integers(0, 3)):
            pairs.append((name, group[0].value))
            continue
        expected = [option for each in group for option in (*each.options, each.value) if option]
        expected += EXPECTED_BY_NAME.get(name, []) + EXPECTED_BY_KIND.get(kind, [])
        if name in ("into_number", "repeat_of", "number"):
            expected += world.numbers
        if name == "query_code":
            expected += [case.query_code for case in world.cases.values()]
        for _ in range(draw(st.sampled_from([1, 1, 1, 1, 2]))):
            pairs.append((name, draw(value(expected))))
    if draw(st.integers(0, 9)) == 0:
        pairs.append((draw(st.sampled_from(NASTY_TEXT)), draw(value())))
    return pairs, files


@hypothesis_settings(max_examples=max(1, int(4 * SCALE)), **GUARD)
@given(data=st.data())
def test_forms(world, page_forms, data):
    for form in page_forms:
        role = data.draw(role_for(form.roles))
        action = data.draw(st.sampled_from(form.actions))
        case_action = re.fullmatch(r"/cases/[^/]+/([a-z_]+)/", action)
        if case_action and data.draw(st.integers(0, 3)) == 0:
            # The form of one case's action sent for another case (in another state).
            action = f"/cases/{data.draw(st.sampled_from(world.numbers))}/{case_action.group(1)}/"
        pairs, files = data.draw(form_body(form, world))
        if files or (form.multipart and data.draw(st.booleans())):
            world.requester.send(role, "POST", action, body=pairs, files=files, htmx=form.htmx)
        else:
            world.requester.send(role, "POST", action, body=pairs, htmx=form.htmx)


# ----------------------------------------------------------------------------------------------------
# 3. Path parameters


ROUTES = [
    # (method, URL with {number}, {id}, {action} or {word} holes, roles)
    ("GET", "/cases/{number}/", CASE_ROLES),
    ("POST", "/cases/{number}/reveal/", CASE_ROLES),
    ("POST", "/cases/{number}/supervise/", ("office",)),
    ("POST", "/cases/{number}/hold/", ("office",)),
    ("GET", "/cases/{number}/attachments/{id}/", CASE_ROLES),
    ("GET", "/cases/{number}/{action}/", CASE_ROLES),
    ("POST", "/cases/{number}/{action}/", CASE_ROLES),
    ("POST", "/cases/supervision/{id}/answer/", ("head",)),
    ("POST", "/hotline/calls/{id}/reveal/", ("agent",)),
    ("GET", "/hotline/revisits/{number}/", ("agent", "dispatcher")),
    ("GET", "/hotline/knowledge/{id}/", ("office",)),
    ("GET", "/reception/visits/{id}/", ("clerk", "office")),
    ("GET", "/reception/visits/{id}/print/{word}/", ("clerk", "office")),
    ("POST", "/reception/visits/{id}/print/{word}/", ("clerk", "office")),
    ("POST", "/reception/visits/{id}/{word}/", ("clerk",)),
    ("GET", "/reception/leader-days/{id}/book/", ("clerk",)),
    ("GET", "/notices/{id}/", ("handler",)),
    ("POST", "/portal/track/{id}/rate/", (ANONYMOUS,)),
    ("GET", "/{word}/", (ANONYMOUS, "clerk")),
    ("GET", "/cases/{word}/{word}/{word}/", CASE_ROLES),
]


@hypothesis_settings(max_examples=max(1, int(10 * SCALE)), **GUARD)
@given(data=st.data())
def test_path_parameters(world, data):
    ids = [str(pk) for values in world.ids.values() for pk in values]
    holes = {
        "number": value([*world.numbers, "2026113000001", "0", "-1", *NUMBER_EDGES]),
        "id": value([*ids, "0", "99999999999999999999", str(2**63), str(2**64), str(2**70)]),
        "action": value(list(ACTIONS)),
        "word": value(
            ["arrive", "call_in", "leave", "cancel", "registration", "complaint", "notice", "admin"]
        ),
    }
    for method, template, roles in ROUTES:
        role = data.draw(role_for(roles))
        path = template
        for hole, strategy in holes.items():
            while "{" + hole + "}" in path:
                path = path.replace("{" + hole + "}", segment(data.draw(strategy)), 1)
        body = data.draw(parameters({"reason": ["核实"], "version": ["1"]})) if method == "POST" else ()
        world.requester.send(role, method, path, body=body)
