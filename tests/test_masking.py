"""Personal data is masked on every page of every role (DOMAIN.md §1).

Realistic data is made through the app's own services: cases of several kinds and states (confidential,
anonymous, reports, a supervision notice, a legal review), reception visits in every state, hotline
calls with and without cases, a revisit attempt, a portal submission; every citizen has a distinct
mobile and a valid ID number. The data is made once for the module and each test runs in a savepoint
of it (made for each test, it took most of the time budget on PostgreSQL).

Each role's user then crawls the site from the workspace and its sections, breadth-first, following
every same-site link and htmx GET endpoint (GET only: a reveal is a POST), a few URLs per URL pattern,
exports included (CSV decoded, Excel opened cell by cell). No response may contain a full mobile
number or a full ID number, known or not, and none may fail with a 5xx. The public portal is crawled
without signing in.
"""

import io
import re
import traceback
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import Client
from django.urls import Resolver404, resolve, reverse

from complaints import services
from complaints.demo import Cast, walk
from complaints.models import Case, CaseKind, Category, Channel, Priority, State, Supervision
from core import clock, navigation, policy
from core.audit import KIND_CHOICES
from core.models import Department
from core.personal_data import id_number_check_character, validate_id_number
from core.roles import STAFF_ROLES, Role
from core.services import roles_sync
from hotline import services as hotline_services
from hotline.models import Call, KnowledgeArticle
from reception import services as reception_services
from reception.models import ReceptionRoom, Visit
from tests.conftest import ROLE_DEPARTMENT
from tests.factories import DepartmentFactory, UserFactory

# A Tuesday morning of an ordinary working week: "today" for the reception board and every deadline.
MOMENT = datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))

# How many URLs of one URL pattern each role fetches (the admin site's patterns: fewer).
PER_PATTERN = 3
ADMIN_PER_PATTERN = 2
# Action forms and printed documents: this many of each code (the case pages are pinned anyway).
PER_VARIANT = 1

MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
ID_NUMBER_SHAPED = re.compile(r"(?<![0-9A-Za-z])[1-9][0-9]{16}[0-9Xx](?![0-9A-Za-z])")

SKIPPED_PREFIXES = ("/static/", "/media/")
SKIPPED_VIEWS = {"logout", "core:language_switch"}

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# The pages each role must have reached (view names), so the test cannot pass by crawling nothing.
MUST_REACH = {
    "clerk": {
        "core:workspace",
        "complaints:list",
        "complaints:detail",
        "complaints:export",
        "complaints:citizen_history",
        "reception:board",
        "reception:visit",
        "reception:print",
        "reception:register",
        "reception:history",
        "reception:leader_days",
    },
    "agent": {
        "core:workspace",
        "complaints:list",
        "complaints:detail",
        "complaints:action",
        "complaints:export",
        "complaints:citizen_history",
        "hotline:console",
        "hotline:calls",
        "hotline:revisit_queue",
        "hotline:revisit",
        "reception:board",
        "reception:visit",
    },
    "dispatcher": {"core:workspace", "complaints:list", "complaints:detail", "complaints:action"},
    "handler": {
        "core:workspace",
        "complaints:inbox",
        "complaints:detail",
        "complaints:action",
        "core:notices",
    },
    "head": {
        "core:workspace",
        "complaints:inbox",
        "complaints:detail",
        "complaints:action",
        "complaints:supervision",
        "dashboard:department",
    },
    "office": {
        "core:workspace",
        "complaints:list",
        "complaints:detail",
        "complaints:action",
        "complaints:supervision",
        "complaints:export",
        "reception:board",
        "reception:visit",
        "reception:print",
        "hotline:revisit_queue",
        "dashboard:leadership",
        "dashboard:report",
        "dashboard:report_xlsx",
    },
    "leader": {"core:workspace", "complaints:list", "complaints:detail", "dashboard:leadership"},
    "legal": {"core:workspace", "complaints:detail"},
    "inspector": {"core:workspace", "complaints:detail", "core:audit", "core:audit_export"},
    "trainer": {"core:workspace"},
    "emergency": {"core:workspace"},
    "admin": {
        "core:workspace",
        "core:audit",
        "core:audit_export",
        "admin:index",
        "admin:core_user_changelist",
        "admin:core_user_change",
        "admin:core_user_delete",
    },
}
PORTAL_MUST_REACH = {"portal:submit", "portal:track", "public_statistics"}


# The citizens: a distinct mobile and a valid ID number each.


def mobile(index: int) -> str:
    return f"1{3 + index % 7}{(20261124 + index * 7_654_321) % 10**9:09d}"


def id_number(index: int) -> str:
    region = ["110105", "420104", "310115", "440303", "510107", "330106"][index % 6]
    birth = date(1950, 3, 1) + timedelta(days=index * 397)
    first_seventeen = f"{region}{birth:%Y%m%d}{(index * 37 + 11) % 1000:03d}"
    return first_seventeen + id_number_check_character(first_seventeen)


SURNAMES = "李王张刘陈杨赵黄周吴"
GIVEN_NAMES = ["明华", "秀英", "建国", "芳", "志强", "丽", "军", "海燕", "涛", "桂兰", "晓东"]


@dataclass
class World:
    """What the data fixture made: the full numbers that must never show, and the objects to visit."""

    phones: set[str] = field(default_factory=set)
    id_numbers: set[str] = field(default_factory=set)
    cases: dict[str, Case] = field(default_factory=dict)
    visits: dict[str, Visit] = field(default_factory=dict)
    lookup: dict[str, str] = field(default_factory=dict)
    next_person: int = 0

    def person(self) -> dict:
        index = self.next_person
        self.next_person += 1
        person = {
            "name": SURNAMES[index % len(SURNAMES)] + GIVEN_NAMES[index % len(GIVEN_NAMES)],
            "phone": mobile(index),
            "id_number": id_number(index),
            "address": f"江城市硚口区中山大道{100 + index}号{index + 1}栋",
        }
        validate_id_number(person["id_number"])
        self.phones.add(person["phone"])
        self.id_numbers.add(person["id_number"])
        return person

    @property
    def known(self) -> list[str]:
        """Every full number, as stored and as a person might format a mobile (138 1234 5678)."""
        spaced = [f"{p[:3]} {p[3:7]} {p[7:]}" for p in self.phones]
        dashed = [f"{p[:3]}-{p[3:7]}-{p[7:]}" for p in self.phones]
        return sorted(self.phones | self.id_numbers) + spaced + dashed


@pytest.fixture(autouse=True)
def _at_the_moment():
    with clock.travel_to(MOMENT):
        yield


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The data, made once for the module inside a transaction that is rolled back at its end; each
    test runs in a savepoint of it (pytest-django's `db`), so what a crawl changes is undone."""
    with django_db_blocker.unblock(), transaction.atomic():
        cache.clear()
        with clock.travel_to(MOMENT):
            made = _make_world()
        yield made
        transaction.set_rollback(True)


def _staff() -> dict:
    """The organisation and one user per role, as `tests/conftest.py` makes them (same codes and
    usernames, so that its per-test role fixtures find these rows)."""
    roles_sync()
    kind = Department.Kind
    organisation = {
        "leadership": DepartmentFactory(code="LD", name="领导班子", kind=kind.LEADERSHIP),
        "office": DepartmentFactory(code="XZ", name="行政部", kind=kind.LEADERSHIP_OFFICE),
        "customer_service": DepartmentFactory(code="KF", name="客服部", kind=kind.CUSTOMER_SERVICE),
        "legal": DepartmentFactory(code="FW", name="法务部", kind=kind.LEGAL),
        "discipline": DepartmentFactory(code="JJ", name="纪检监察室", kind=kind.DISCIPLINE_INSPECTION),
        "business": DepartmentFactory(code="YY", name="营业服务部", kind=kind.BUSINESS),
        "other_business": DepartmentFactory(code="GC", name="工程管理部", kind=kind.BUSINESS),
        "safety": DepartmentFactory(code="AQ", name="安全生产部", kind=kind.BUSINESS),
    }
    users = {
        role.value: UserFactory(
            username=role.value,
            display_name=f"{role.label}{index}",
            roles=[role.value],
            department=organisation[ROLE_DEPARTMENT[role]],
            is_staff=role in STAFF_ROLES,
        )
        for index, role in enumerate(Role)
    }
    organisation["business"].head = users["head"]
    organisation["business"].save(update_fields=["head"])
    return {**users, "organisation": organisation}


def _make_world() -> World:
    staff = _staff()
    agent, clerk, dispatcher = staff["agent"], staff["clerk"], staff["dispatcher"]
    handler, head, office, leader = staff["handler"], staff["head"], staff["office"], staff["leader"]
    business_department = staff["organisation"]["business"]
    other_department = staff["organisation"]["other_business"]
    cast = Cast(
        agent=agent,
        dispatcher=dispatcher,
        handler=handler,
        head=head,
        leader=leader,
        office=office,
        legal=staff["legal"],
    )
    world = World()
    parent = Category.objects.create(name="供水服务", code="masking_water")
    category = Category.objects.create(
        name="停水与水压", code="masking_outage", parent=parent, default_department=business_department
    )
    other_category = Category.objects.create(
        name="管网维修", code="masking_repair", parent=parent, default_department=other_department
    )

    def register(kind=CaseKind.HELP, *, channel=Channel.PHONE, cat=category, **fields):
        person = world.person()
        values = {
            "kind": kind,
            "channel": channel,
            "category": cat,
            "description": "小区停水两天，没有任何通知，老人用水困难。",
            "request": "尽快恢复供水并说明原因。",
            "citizen_name": person["name"],
            "citizen_phone": person["phone"],
            "citizen_id_number": person["id_number"],
            "citizen_address": person["address"],
        }
        values.update(fields)
        return services.case_register(actor=agent, **values)

    def to_state(case, state, department=business_department):
        return walk(case, state, cast, department=department)

    cases = world.cases
    cases["registered"] = register(priority=Priority.URGENT)
    cases["answered"] = to_state(register(CaseKind.CONSULTATION), State.ANSWERED_DIRECTLY)
    cases["rejected"] = to_state(register(CaseKind.OTHER), State.REJECTED)
    cases["dispatched"] = to_state(register(), State.DISPATCHED)
    cases["other_department"] = to_state(register(cat=other_category), State.DISPATCHED, other_department)
    cases["complaint"] = to_state(register(CaseKind.COMPLAINT), State.IN_PROGRESS)
    cases["confidential"] = to_state(register(is_confidential=True), State.IN_PROGRESS)
    cases["report"] = to_state(
        register(CaseKind.REPORT, is_confidential=True, is_misconduct=True), State.IN_PROGRESS
    )
    cases["anonymous_report"] = to_state(
        register(CaseKind.REPORT, is_anonymous=True, is_misconduct=True), State.DISPATCHED, other_department
    )
    cases["extension"] = to_state(register(), State.EXTENSION_REQUESTED)
    cases["suspended"] = to_state(register(), State.SUSPENDED)
    cases["suggestion"] = to_state(register(CaseKind.SUGGESTION), State.REPLY_SUBMITTED)
    cases["replied"] = to_state(register(), State.REPLIED)
    cases["reopened"] = to_state(register(CaseKind.COMPLAINT), State.REOPENED)
    cases["closed"] = to_state(register(CaseKind.PRAISE), State.CLOSED)
    cases["legal"] = services.case_submit_reply(
        case_id=to_state(register(), State.IN_PROGRESS).pk,
        actor=handler,
        reply="经核实，已按供水合同约定处理。",
        reply_channel="phone",
        legal_review_required=True,
    )
    duplicate = register()
    cases["merged"] = services.case_merge(
        case_id=duplicate.pk, actor=dispatcher, into_number=cases["dispatched"].number, note="重复来电。"
    )
    cases["repeat"] = register(repeat_of=cases["closed"], citizen_phone=cases["closed"].citizen_phone)

    # A supervision notice answered by the head, one waiting, and a listed case for the leadership.
    answered = services.supervision_issue(
        case_id=cases["complaint"].pk,
        actor=office,
        kind=Supervision.Kind.SUPERVISION,
        instructions="请说明逾期原因并报送办结时间。",
    )
    services.supervision_answer(
        supervision_id=answered.pk,
        actor=head,
        reason="需现场复核，已安排。",
        new_completion_date=MOMENT.date() + timedelta(days=5),
    )
    services.supervision_issue(
        case_id=cases["confidential"].pk,
        actor=office,
        kind=Supervision.Kind.SUPERVISION,
        instructions="请尽快办理。",
    )
    services.supervision_issue(
        case_id=cases["report"].pk, actor=office, kind=Supervision.Kind.LISTED, instructions="挂牌督办。"
    )

    # The hotline: calls with cases (answered, dispatched), calls without, a revisit attempt, an article.
    article = hotline_services.article_save(
        article=KnowledgeArticle(
            title="停水了怎么查询原因？",
            answer="计划停水会提前24小时公告。",
            keywords="停水 没水",
            category=category,
        ),
        actor=office,
    )
    for outcome, extra in [
        (hotline_services.Outcome.ANSWER, {"answer": article.answer, "article": article}),
        (hotline_services.Outcome.DISPATCH, {"lead_department": business_department}),
        (hotline_services.Outcome.REGISTER, {}),
    ]:
        person = world.person()
        case, _call = hotline_services.console_intake(
            agent=agent,
            number=person["phone"],
            call_started_at=MOMENT - timedelta(minutes=5),
            outcome=outcome,
            case_fields={
                "kind": CaseKind.CONSULTATION if outcome == "answer" else CaseKind.HELP,
                "category": category,
                "description": "来电反映水费突然变高。",
                "request": "核查水表。",
                "citizen_name": person["name"],
                "citizen_phone": person["phone"],
                "citizen_id_number": person["id_number"],
                "citizen_address": person["address"],
            },
            **extra,
        )
        cases[f"call_{outcome}"] = case
    for outcome in (Call.Outcome.HANG_UP, Call.Outcome.HARASSMENT):
        hotline_services.call_log(
            agent=agent,
            number=world.person()["phone"],
            started_at=MOMENT - timedelta(minutes=30),
            outcome=outcome,
            note="来电未说明诉求。",
        )
    hotline_services.revisit_record(
        case_id=cases["replied"].pk,
        agent=agent,
        is_reached=False,
        next_try_at=MOMENT + timedelta(hours=3),
        note="无人接听。",
    )

    # A citizen's own submission on the portal.
    person = world.person()
    cases["portal"] = hotline_services.portal_submit(
        address="198.51.100.7",
        case_fields={
            "kind": CaseKind.HELP,
            "category": category,
            "description": "网上反映：楼道水管漏水。",
            "request": "尽快维修。",
            "citizen_name": person["name"],
            "citizen_phone": person["phone"],
            "citizen_id_number": person["id_number"],
            "is_anonymous": False,
        },
    )

    # Reception: waiting, receiving, finished (answered, referred, complaint), left, booked, arrived.
    room = ReceptionRoom.objects.order_by("sort_order", "pk").first() or ReceptionRoom.objects.create(
        name="公民接待室", sort_order=10
    )
    today_day = reception_services.leader_day_create(
        actor=office,
        leader=leader,
        date=MOMENT.date(),
        starts_at=time(9, 0),
        ends_at=time(17, 0),
        room=room,
        topic="水费争议",
        capacity=5,
    )
    next_week = reception_services.leader_day_create(
        actor=office,
        leader=leader,
        date=MOMENT.date() + timedelta(days=7),
        starts_at=time(14, 30),
        ends_at=time(17, 30),
        room=room,
        topic="供水服务质量",
        capacity=5,
    )

    def visitor(reason="水费突然变高，要求核查", **fields):
        person = world.person()
        return {
            "visitor_name": person["name"],
            "id_number": person["id_number"],
            "phone": person["phone"],
            "address": person["address"],
            "reason": reason,
            **fields,
        }

    def visit(name, **fields):
        world.visits[name] = reception_services.visit_register(clerk=clerk, room=room, **visitor(**fields))
        return world.visits[name]

    def receive(name, **fields):
        registered = visit(name, **fields)
        return reception_services.visit_call_in(visit_id=registered.pk, actor=clerk)

    def finish(name, outcome, **fields):
        received = receive(name)
        world.visits[name] = reception_services.visit_finish(
            visit_id=received.pk, actor=clerk, outcome=outcome, statement="来访人反映水表读数异常。", **fields
        )
        cases[f"visit_{name}"] = world.visits[name].case

    visit("waiting")
    visit("group", group_size=8, reason="小区多户反映自来水发黄")
    world.visits["receiving"] = receive("receiving")
    reception_services.visit_record_statement(
        visit_id=world.visits["receiving"].pk, actor=clerk, statement="来访人要求核查水费。"
    )
    finish("answered", Visit.Outcome.ANSWERED, answer="已当面解释阶梯水价。")
    finish("referred", Visit.Outcome.REFERRED, kind=CaseKind.HELP, lead_department=business_department)
    finish("complaint", Visit.Outcome.COMPLAINT, kind=CaseKind.COMPLAINT, lead_department=business_department)
    world.visits["left"] = reception_services.visit_leave(visit_id=visit("left").pk, actor=clerk)
    world.visits["booked"] = reception_services.visit_book(clerk=clerk, leader_day=next_week, **visitor())
    arrived = reception_services.visit_book(clerk=clerk, leader_day=today_day, **visitor())
    world.visits["arrived"] = reception_services.visit_arrive(visit_id=arrived.pk, actor=clerk)
    referred = world.visits["referred"]
    world.visits["repeat"] = reception_services.visit_register(
        clerk=clerk,
        room=room,
        visitor_name=referred.visitor_name,
        id_number=referred.id_number,
        phone=referred.phone,
        reason="问题仍未解决，再次来访",
    )

    # Reveals and a revealed export, so the audit log has entries to show (not part of any crawl).
    revealer = Client()
    revealer.force_login(agent)
    revealer.post(reverse("complaints:reveal", args=[cases["dispatched"].number]), {"reason": "回电核实"})
    revealer.post(reverse("hotline:call_reveal", args=[Call.objects.first().pk]), {"reason": "回拨"})
    # An export of the ledger searched by a caller's number, revealed with a reason: the audit log
    # records what was exported.
    revealer.post(
        reverse("complaints:export"),
        {"format": "csv", "reason": "报送上级", "q": cases["dispatched"].citizen_phone},
    )

    # What an intake page sends while the citizen's phone or ID number is typed (hx-include).
    world.lookup = {
        "citizen_phone": referred.phone,
        "citizen_id_number": referred.id_number,
        "phone": referred.phone,
        "id_number": referred.id_number,
    }
    assert len(world.phones) == world.next_person and len(world.id_numbers) == world.next_person
    return world


# The crawl.


class _Links(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, bool, bool]] = []  # (url, is_htmx, includes a form)
        # htmx look-ups that post the intake form's phone and ID number (never in a URL, hence POST).
        self.lookups: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "a" and attributes.get("href"):
            self.links.append((attributes["href"], False, False))
        if attributes.get("hx-get"):
            self.links.append((attributes["hx-get"], True, bool(attributes.get("hx-include"))))
        if attributes.get("hx-post") and attributes.get("hx-include"):
            self.lookups.append(attributes["hx-post"])


@dataclass
class Crawl:
    who: str
    client: Client
    lookup: dict
    known: list[str]
    per_pattern: int = PER_PATTERN
    fetched: list[tuple[str, str, int]] = field(default_factory=list)  # (view name, url, status)
    problems: list[str] = field(default_factory=list)
    _queue: deque = field(default_factory=deque)
    _seen: set = field(default_factory=set)
    _counts: Counter = field(default_factory=Counter)

    def run(self, seeds, *, pinned=()):
        """Fetch the seeds and every page they lead to; `pinned` URLs are fetched whatever the cap."""
        for url in pinned:
            self._queue.append((url, False, True, None))
        for url in seeds:
            self._queue.append((url, False, False, None))
        while self._queue:
            url, htmx, is_pinned, posted = self._queue.popleft()
            self._visit(url, htmx=htmx, pinned=is_pinned, posted=posted)
        return self

    @property
    def reached(self) -> set[str]:
        return {name for name, _url, status in self.fetched if status == 200}

    def _normalise(self, url: str, base: str) -> str | None:
        parts = urlsplit(urljoin(base, url.strip()))
        if parts.scheme not in ("", "http") or parts.netloc not in ("", "testserver"):
            return None
        if parts.path.startswith(SKIPPED_PREFIXES):
            return None
        return urlunsplit(("", "", parts.path, parts.query, ""))

    def _key(self, match, url: str) -> tuple[tuple, int]:
        """The URL's pattern and how many URLs of it to fetch. An action form or a printed document of
        each code counts as a pattern of its own (each shows different data), as does each export format."""
        query = dict(pair.partition("=")[::2] for pair in urlsplit(url).query.split("&") if pair)
        variant = tuple(sorted((k, v) for k, v in match.kwargs.items() if k in ("code", "document")))
        key = (match.route, variant, query.get("format", ""))
        if match.route.startswith("admin/"):
            # An empty form or an empty history shows no citizen: one of each is enough.
            return key, 1 if match.route.endswith(("/add/", "/history/")) else ADMIN_PER_PATTERN
        return key, PER_VARIANT if variant else self.per_pattern

    def _visit(self, url: str, *, htmx: bool, pinned: bool, posted: dict | None = None) -> None:
        if (url, htmx, bool(posted)) in self._seen:
            return
        self._seen.add((url, htmx, bool(posted)))
        try:
            match = resolve(urlsplit(url).path)
        except Resolver404:
            return
        if match.view_name in SKIPPED_VIEWS:
            return
        key, cap = self._key(match, url)
        if not pinned and self._counts[key] >= cap:
            return
        self._counts[key] += 1
        headers = {"HX-Request": "true"} if htmx else {}
        try:
            if posted is not None:
                response = self.client.post(url, posted, headers=headers)
            else:
                response = self.client.get(url, headers=headers)
        except Exception as error:  # The test client re-raises a view's exception: a 500.
            frame = traceback.extract_tb(error.__traceback__)[-1]
            self.problems.append(f"{self.who}: 500 at {url}: {error!r} ({frame.filename}:{frame.lineno})")
            self.fetched.append((match.view_name, url, 500))
            return
        self.fetched.append((match.view_name, url, response.status_code))
        if response.status_code >= 500:
            self.problems.append(f"{self.who}: {response.status_code} at {url}")
        if response.status_code in (301, 302, 303, 307, 308):
            target = self._normalise(response["Location"], url)
            if target:
                self._queue.append((target, htmx, False, None))
            return
        text = self._text(response, url)
        if text is None:
            return
        self._scan(text, url)
        if "html" in response.get("Content-Type", ""):
            self._follow(text, url)

    def _text(self, response, url: str) -> str | None:
        content_type = response.get("Content-Type", "")
        body = b"".join(response.streaming_content) if response.streaming else response.content
        if content_type.startswith(XLSX):
            workbook = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
            cells = [
                str(value)
                for sheet in workbook.worksheets
                for row in sheet.iter_rows(values_only=True)
                for value in row
                if value is not None
            ]
            workbook.close()
            return "\n".join(cells)
        if content_type.startswith(("text/", "application/json", "application/javascript")):
            return body.decode("utf-8-sig", errors="replace")
        if body:
            self.problems.append(f"{self.who}: unscanned content type {content_type!r} at {url}")
        return None

    def _scan(self, text: str, url: str) -> None:
        def snippet(start: int, end: int) -> str:
            return " ".join(text[max(0, start - 60) : end + 60].split())

        for number in self.known:
            at = text.find(number)
            if at >= 0:
                self.problems.append(
                    f"{self.who}: full number {number} at {url}: …{snippet(at, at + len(number))}…"
                )
        for found in MOBILE.finditer(text):
            if found.group() not in self.known:
                self.problems.append(f"{self.who}: a mobile number at {url}: …{snippet(*found.span())}…")
        for found in ID_NUMBER_SHAPED.finditer(text):
            try:
                validate_id_number(found.group())
            except ValidationError:
                continue
            if found.group().upper() not in self.known:
                self.problems.append(f"{self.who}: an ID number at {url}: …{snippet(*found.span())}…")

    def _follow(self, html: str, base: str) -> None:
        parser = _Links()
        parser.feed(html)
        for href, htmx, includes_form in parser.links:
            if href.startswith(("#", "mailto:", "tel:", "javascript:")):
                continue
            url = self._normalise(href, base)
            if url is None:
                continue
            self._queue.append((url, htmx, False, None))
            if includes_form:
                # What the endpoint answers once a phone and ID number are typed into the form.
                separator = "&" if urlsplit(url).query else "?"
                self._queue.append((url + separator + urlencode(self.lookup), True, False, None))
        for href in parser.lookups:
            url = self._normalise(href, base)
            if url is not None:
                # What the look-up answers once a phone and ID number are typed into the form.
                self._queue.append((url, True, False, self.lookup))


def seeds_for(user) -> list[str]:
    """The workspace, the user's sections and the admin site for staff."""
    seeds = ["/"] + [reverse(item.url_name) for item in navigation.items_for(user)]
    if user.is_staff:
        seeds.append(reverse("admin:index"))
    return seeds


# The cases whose pages every role opens, whatever the cap: one of each kind that shows data differently.
PINNED_CASES = [
    "registered",
    "answered",
    "complaint",
    "confidential",
    "report",
    "anonymous_report",
    "legal",
    "replied",
    "merged",
    "repeat",
    "call_dispatch",
    "portal",
    "visit_complaint",
]
PINNED_VISITS = ["waiting", "receiving", "referred", "complaint", "left", "booked", "repeat"]


def pinned_for(world: World, user) -> list[str]:
    """The pages of the user's cases and visits of every kind, whatever the cap: each must be seen
    masked. (Pages the user may not open answer 403 or 404 and show nothing.) For auditors, the audit
    log filtered by each kind of entry: unfiltered, its newest rows are this test's own users and
    categories, and the reveals and exports are further down."""
    visible = set(Case.objects.visible_to(user).values_list("pk", flat=True))
    cases = [world.cases[name] for name in PINNED_CASES if world.cases[name].pk in visible]
    visits = [world.visits[name] for name in PINNED_VISITS] if policy.sees_visits(user) else []
    pinned = [reverse("complaints:detail", args=[case.number]) for case in cases] + [
        reverse("reception:visit", args=[visit.pk]) for visit in visits
    ]
    if user.has_perm("core.view_auditentry"):
        pinned += [f"{reverse('core:audit')}?kind={kind}" for kind, _label in KIND_CHOICES]
    return pinned


def report(crawl: Crawl) -> str:
    pages = Counter(name for name, _url, _status in crawl.fetched)
    return f"{crawl.who}: {len(crawl.fetched)} responses over {len(pages)} views"


@pytest.mark.parametrize("role", Role.values)
def test_no_page_of_any_role_shows_a_full_phone_or_id_number(role, world, db, request, client_as):
    user = request.getfixturevalue(role)
    client = client_as(user)
    crawl = Crawl(role, client, world.lookup, world.known).run(
        seeds_for(user), pinned=pinned_for(world, user)
    )

    print(report(crawl))
    assert not crawl.problems, "\n".join(crawl.problems)
    missing = MUST_REACH[role] - crawl.reached
    assert not missing, f"{role} never reached {sorted(missing)}"


def test_the_public_portal_shows_no_full_phone_or_id_number(world, db, client):
    """Without signing in: the portal, tracking a case the citizen looked up (its session), the statistics."""
    tracked = [world.cases["portal"], world.cases["replied"], world.cases["closed"]]
    session = client.session
    session["portal_cases"] = [case.pk for case in tracked]
    session["portal_submitted"] = world.cases["portal"].pk
    session.save()
    seeds = ["/portal/", "/portal/track/", "/portal/stats/", "/portal/submitted/"]
    pinned = [f"/portal/track/?case={case.pk}" for case in tracked]

    crawl = Crawl("citizen", client, world.lookup, world.known).run(seeds, pinned=pinned)

    print(report(crawl))
    assert not crawl.problems, "\n".join(crawl.problems)
    missing = PORTAL_MUST_REACH - crawl.reached
    assert not missing, f"the portal never reached {sorted(missing)}"
