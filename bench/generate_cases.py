#!/usr/bin/env python
"""Fill a PostgreSQL database with N realistic cases and their timelines, as fast as PostgreSQL allows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/minsheng_bench \
        .venv/bin/python bench/generate_cases.py --cases 1000000

Phases (each timed, and the total):

1. create the database if it is missing (``--reset`` drops it first);
2. ``migrate``;
3. ``demo`` once (departments, accounts, categories, ~200 cases walked through the real services);
4. drop the secondary indexes, unique and foreign-key constraints of the three big tables
   (complaints_case, complaints_caseevent, complaints_caseassignment), remembering their exact
   definitions (``pg_get_indexdef`` / ``pg_get_constraintdef``); primary keys stay;
5. generate the cases in Python and stream them with ``COPY ... FROM STDIN`` in batches (a second
   thread copies batch k while the main thread generates batch k+1);
6. rebuild the indexes (two connections at once: the machine has two cores);
7. re-add the unique constraint (``USING INDEX``) and the foreign keys (``NOT VALID`` then
   ``VALIDATE``, so that every row is checked);
8. advance the id sequences (``setval``) and write ``DailySequence``;
9. ``VACUUM (ANALYZE)`` (what autovacuum would do shortly after such a load; it also sets the
   visibility map that index-only scans and ``count(*)`` rely on).

The generated data follows the workflow of ``complaints.services``: each case's timeline is a
sequence of events that the transition table allows, with increasing times, and the case's fields
(state, stage and deadlines, lead department, reply, satisfaction, closed_at, version ...) are what
replaying those events through the services would leave. Deadlines use an approximation of the
working calendar (a working day = 1.4 calendar days, a working hour = one hour) rather than
``core.working_time``, which would cost milliseconds per case. Handling proposals and rectification
items of complaints are not generated (their events neither); return and extension requests are.

The state of a case follows from its age: a full timeline is simulated from its registration time
and cut at "now", so old cases are closed or archived, recent ones are spread over the open states,
and about 1.5% of cases stop for good in an open state (they are the overdue ones).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import queue
import random
import re
import sys
import threading
import time
from bisect import bisect
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import unquote, urlparse
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

LOCAL = ZoneInfo("Asia/Shanghai")
BIG_TABLES = ("complaints_case", "complaints_caseevent", "complaints_caseassignment")

# ---------------------------------------------------------------------------------------------
# Timing


class Phases:
    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.rows: list[tuple[str, float]] = []

    def run(self, name: str, function, *args, **kwargs):
        print(f"\n== {name} ...", flush=True)
        start = time.perf_counter()
        result = function(*args, **kwargs)
        elapsed = time.perf_counter() - start
        self.rows.append((name, elapsed))
        print(f"== {name}: {elapsed:.1f} s", flush=True)
        return result

    def report(self) -> None:
        total = time.perf_counter() - self.started
        print("\nPhase                                   seconds")
        print("-" * 50)
        for name, elapsed in self.rows:
            print(f"{name:<40}{elapsed:>8.1f}")
        print("-" * 50)
        print(f"{'total':<40}{total:>8.1f}   ({total / 60:.1f} min)")


# ---------------------------------------------------------------------------------------------
# Database creation (before Django touches the database)


def connection_parameters(url: str) -> dict:
    parsed = urlparse(url)
    if parsed.scheme not in ("postgres", "postgresql", "pgsql", "postgis"):
        sys.exit(f"DATABASE_URL must point to PostgreSQL (got {parsed.scheme!r}): COPY needs it.")
    return {
        "host": parsed.hostname or "127.0.0.1",
        "port": parsed.port or 5432,
        "user": unquote(parsed.username or "postgres"),
        "password": unquote(parsed.password) if parsed.password else None,
        "dbname": unquote(parsed.path.lstrip("/")),
    }


def ensure_database(params: dict, *, reset: bool) -> str:
    import psycopg2
    from psycopg2 import sql

    admin = psycopg2.connect(**{**params, "dbname": "postgres"})
    admin.autocommit = True
    with admin.cursor() as cursor:
        if reset:
            cursor.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(params["dbname"]))
            )
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [params["dbname"]])
        if cursor.fetchone():
            state = "exists"
        else:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(params["dbname"])))
            state = "created"
    admin.close()
    print(f"database {params['dbname']}: {state}")
    return state


def connect(params: dict):
    import psycopg2

    return psycopg2.connect(**params)


# ---------------------------------------------------------------------------------------------
# Text pools


# fmt: off
OPENERS = [
    "", "", "", "", "您好，", "你好，我想反映个问题。", "我是{community}的住户，", "本人住在{street}{n}号，", "{when}，",
    "我家在{community}{b}栋，", "我是一名个体商户，店铺在{street}，", "我代表{community}的几户居民反映：", "我母亲家在{street}{n}号，", "打扰了，",
    "我是{community}业主，", "我在{street}附近上班，",
]
# fmt: on
# fmt: off
WHENS = [
    "昨天下午", "今天早上", "上周三", "本月初", "前天晚上", "这几天", "最近一个月", "连续三天", "上个月", "春节前后", "这个周末", "前几天", "今天中午",
    "上周五晚上",
]
# fmt: on
# fmt: off
COMMUNITIES = [
    "幸福里小区", "江景花园", "翠苑小区", "锦绣家园", "阳光新城", "和平里社区", "东湖名苑", "长青小区", "梧桐苑", "金色港湾", "滨江一号", "南湖雅园", "紫荆花园",
    "百步亭社区", "新村三区", "水岸星城", "万松园", "钢花新村",
]
# fmt: on
# fmt: off
CLOSERS = [
    "", "", "", "", "", "希望尽快处理。", "请尽快派人来看看。", "已经反映过好几次了，一直没有结果。", "麻烦给个答复。", "希望有关部门重视。", "谢谢！",
    "请电话联系我。", "家里有老人和小孩，比较着急。", "如果再不解决，我只能向上级部门反映。", "希望给个明确的处理时间。", "之前打过热线，说会有人联系，但一直没人联系。",
    "附近好几户都是这个情况。",
]
# fmt: on
NOTES = None  # filled from demo_content at start
# fmt: off
REJECT_REASONS = [
    ("不属于本单位受理范围。", "请向区市场监管局反映"), ("诉求事项属于物业管理纠纷。", "请向所在街道办事处或住建部门反映"), ("诉求地址不在本公司供水范围内。", "请向属地供水单位反映"),
    ("诉求涉及司法程序，不予受理。", "请通过司法途径解决"),
]
# fmt: on
# fmt: off
DIRECT_ANSWERS = [
    "已向诉求人解释相关政策，诉求人表示理解。", "已告知办理流程和所需材料。", "已告知停水原因及预计恢复时间。", "已告知缴费方式和发票开具渠道。", "已查询账户信息并当场答复。",
    "已记录诉求人的表扬并转达相关部门。",
]
# fmt: on
SUSPEND_REASONS = ["等待诉求人补充材料。", "需等待第三方检测结果。", "诉求人暂时无法配合现场核查。"]
# fmt: off
REOPEN_NOTES = [
    "诉求人不满意，重新办理。", "诉求人认为问题未解决，要求重办。", "诉求人反映问题依旧，重新派办。",
]
# fmt: on
# fmt: off
FINAL_ANSWERS = [
    "经复核，原处理结果符合规定，维持原答复。", "已按政策作出最终答复，并告知诉求人其他救济渠道。",
]
# fmt: on
REVISIT_NOTES = None  # from demo_content
RETURN_REASONS = None
EXTENSION_REASONS = None


def _sentences(text: str) -> list[str]:
    """The sentences of a text, each with its closing punctuation."""
    return [part for part in re.findall(r"[^。！？]+[。！？]?", text) if part.strip()]


def _check_copy_safe(texts) -> None:
    for text in texts:
        if any(character in text for character in "\t\n\r\\"):
            raise ValueError(f"text not safe for COPY text format: {text!r}")


# ---------------------------------------------------------------------------------------------
# The generator

OPEN_STATES = frozenset(
    {
        "registered",
        "dispatched",
        "return_requested",
        "signed",
        "in_progress",
        "extension_requested",
        "suspended",
        "reply_submitted",
        "replied",
        "reopened",
    }
)
# fmt: off
KIND_WEIGHTS = {
    "consultation": 33, "help": 20, "complaint": 23, "report": 3, "suggestion": 8, "praise": 5, "other": 8,
}
# fmt: on
# fmt: off
CHANNEL_WEIGHTS = {
    "phone": 55, "wechat": 17, "web": 12, "visit": 8, "api": 4, "email": 2, "letter": 1,
    "suggestion_box": 1,
}
# fmt: on
# Share of each kind answered at first contact (直接答复) rather than dispatched.
# fmt: off
DIRECT_SHARE = {
    "consultation": 0.55, "help": 0.12, "complaint": 0.03, "report": 0.0, "suggestion": 0.05,
    "praise": 0.45, "other": 0.4,
}
# fmt: on
HOUR_WEIGHTS = [1, 1, 0.5, 0.5, 0.5, 1, 2, 4, 8, 10, 10, 9, 6, 6, 9, 10, 9, 8, 6, 5, 4, 3, 2, 1]
HOUR = 3600.0
DAY = 86400.0
WORKING_DAY = 1.4 * DAY  # approximation of one working day in calendar time
# Handling deadlines (working days) by kind; urgent / very urgent by priority (clock hours).
HANDLE_DAYS = {"consultation": 3, "help": 7, "suggestion": 7, "complaint": 15, "report": 15}
DEFAULT_HANDLE_DAYS = 7


def ts(epoch: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S+00", time.gmtime(epoch))


def b(value: bool) -> str:
    return "t" if value else "f"


class Reference:
    """Departments, users and categories of the demo, read once."""

    def __init__(self) -> None:
        from complaints import demo_content
        from complaints.models import Category
        from core.models import Department, User

        self.content = demo_content
        departments = {d.code: d for d in Department.objects.all()}
        users = {u.username: u.pk for u in User.objects.all()}
        self.department_name = {d.pk: d.name for d in departments.values()}
        self.business = [departments[code].pk for code in ("YY", "GC", "JL", "AQ", "KF")]
        # The handler and head of each department that handles cases.
        self.staff = {departments["YY"].pk: (users["handler"], users["head"])}
        for code in ("GC", "JL", "AQ", "KF"):
            self.staff[departments[code].pk] = (
                users[f"{code.lower()}_handler"],
                users[f"{code.lower()}_head"],
            )
        self.agent, self.clerk, self.dispatcher = users["agent"], users["clerk"], users["dispatcher"]
        self.office, self.leader = users["office"], users["leader"]
        self.leaves = []  # (category id, code, default department id)
        for category in Category.objects.filter(parent__isnull=False).order_by("pk"):
            if category.code in demo_content.CASE_TEMPLATES:
                self.leaves.append((category.pk, category.code, category.default_department_id))
        if not self.leaves:
            raise SystemExit("No leaf categories with templates: did the demo command run?")


class Generator:
    def __init__(self, ref: Reference, *, seed: int, now: float, first_ids: dict[str, int]) -> None:
        global NOTES, REVISIT_NOTES, RETURN_REASONS, EXTENSION_REASONS
        self.ref = ref
        self.rng = random.Random(seed)
        self.now = now
        self.ids = dict(first_ids)
        content = ref.content
        NOTES = content.INVESTIGATION_NOTES
        REVISIT_NOTES = content.REVISIT_NOTES
        RETURN_REASONS = content.RETURN_REASONS
        EXTENSION_REASONS = content.EXTENSION_REASONS
        self.citizen = content.citizen
        from core.encryption import encrypt
        from core.personal_data import lookup_hash

        # The personal columns hold AES-GCM tokens (core.fields.EncryptedTextField) and the look-ups go
        # through keyed hashes (core.fields.LookupHashField): written here as the models would write them.
        self.encrypt = encrypt
        self.lookup_hash = lookup_hash
        self.alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
        # Templates by kind: (category id, default department, template, sentences of the leaf).
        self.by_kind: dict[str, list] = {kind: [] for kind in KIND_WEIGHTS}
        everything = []
        for category_id, code, default_department in ref.leaves:
            templates = content.CASE_TEMPLATES[code]
            sentences = [s for t in templates for s in _sentences(t["description"])]
            for template in templates:
                entry = (category_id, code, default_department, template, sentences)
                everything.append(entry)
                if template["kind"] in self.by_kind:
                    self.by_kind[template["kind"]].append(entry)
        for kind, entries in self.by_kind.items():
            if len(entries) < 3:
                self.by_kind[kind] = everything  # "other": any subject
        self.kinds = list(KIND_WEIGHTS)
        self.kind_cum = _cumulative(KIND_WEIGHTS.values())
        self.channels = list(CHANNEL_WEIGHTS)
        self.channel_cum = _cumulative(CHANNEL_WEIGHTS.values())
        all_texts = [
            *OPENERS,
            *WHENS,
            *COMMUNITIES,
            *CLOSERS,
            *NOTES,
            *DIRECT_ANSWERS,
            *SUSPEND_REASONS,
            *REOPEN_NOTES,
            *FINAL_ANSWERS,
            *RETURN_REASONS,
            *EXTENSION_REASONS,
            *(n for notes in REVISIT_NOTES.values() for n in notes),
            *(t for r in REJECT_REASONS for t in r),
            *content.STREETS,
        ]
        for entry in everything:
            template = entry[3]
            all_texts += [
                template["description"],
                template["request"],
                template["location"],
                template["reply"],
            ]
        _check_copy_safe(all_texts)
        self.reset_buffers()

    def reset_buffers(self) -> None:
        self.cases: list[str] = []
        self.events: list[str] = []
        self.assignments: list[str] = []
        # Return and extension requests stay lists until the batch is written: a later act of the same
        # case fills in the decision.
        self.returns_rows: list[list] = []
        self.extension_rows: list[list] = []

    def next_id(self, table: str) -> int:
        value = self.ids[table]
        self.ids[table] = value + 1
        return value

    # -- text ------------------------------------------------------------------------------

    def description(self, template, sentences) -> str:
        r = self.rng
        own = _sentences(template["description"])
        if len(own) > 1 and r.random() < 0.35:
            own = own[: r.randint(1, len(own) - 1)]
        parts = [r.choice(OPENERS)]
        parts += own
        if r.random() < 0.3:
            parts.append(r.choice(sentences))
        parts.append(r.choice(CLOSERS))
        text = "".join(parts)
        if "{" in text:
            text = text.format(
                community=r.choice(COMMUNITIES),
                street=r.choice(self.ref.content.STREETS),
                n=r.randint(1, 999),
                b=r.randint(1, 30),
                when=r.choice(WHENS),
            )
        return text

    # -- one case --------------------------------------------------------------------------

    def case(self, case_id: int, number: str, t0: float, duplicate_candidate: int | None) -> None:
        """One case: its subject and citizen drawn, its timeline walked up to now, its rows buffered.

        The random draws must stay in this order (the data of a seed is reproducible): subject, citizen,
        flags, description, timeline, and the query code last."""
        r = self.rng
        subject = self._subject()
        registrar = self.ref.clerk if subject["channel"] == "visit" else self.ref.agent
        tl = self._register(case_id, t0, subject, registrar)
        x = r.random()
        if x < 0.01 and duplicate_candidate is not None:
            self._merge(tl, duplicate_candidate)
        elif x < 0.03:
            self._reject(tl)
        elif r.random() < DIRECT_SHARE[subject["kind"]]:
            self._direct_path(tl, registrar)
        else:
            self._dispatched_path(
                tl,
                subject["kind"],
                subject["default_department"],
                subject["template"],
                subject["sign_d"],
                subject["handle"],
            )
        for row in tl.assignments:
            self.assignments.append(
                f"{row[0]}\t{row[1]}\t{b(row[2])}\t{ts(row[3])}\t{ts(row[4]) if row[4] else NULL}\t"
                f"{row[5]}\t{case_id}\t{row[6]}"
            )
        self.cases.append(self._case_row(case_id, number, t0, subject, registrar, tl))

    def _subject(self) -> dict:
        """Kind, category and template, channel, priority, the citizen (sealed as the models store it),
        the flags, the description and the deadlines of a new case."""
        r = self.rng
        kind = self.kinds[_pick(r, self.kind_cum)]
        category_id, code, default_department, template, sentences = r.choice(self.by_kind[kind])
        channel = self.channels[_pick(r, self.channel_cum)]
        urgent_share = 0.2 if code.startswith(("safety", "engineering_pipe")) else 0.05
        x = r.random()
        priority = "very_urgent" if x < 0.01 else "urgent" if x < urgent_share else "ordinary"
        is_report = kind == "report"
        is_petition = kind in ("complaint", "report") and r.random() < 0.02
        anonymous = is_report and r.random() < 0.4
        subject = {
            "kind": kind,
            "category_id": category_id,
            "default_department": default_department,
            "template": template,
            "channel": channel,
            "priority": priority,
            "is_report": is_report,
            "is_petition": is_petition,
            "anonymous": anonymous,
            **self._citizen(anonymous),
        }
        subject["confidential"] = is_report or anonymous or r.random() < 0.04
        subject["misconduct"] = is_report or (code.startswith("conduct") and r.random() < 0.3)
        subject["group_size"] = r.randint(3, 30) if r.random() < 0.04 else 1
        subject["description"] = self.description(template, sentences)
        subject["handle"], subject["dispatch_d"], subject["sign_d"] = _deadlines(kind, priority, is_petition)
        return subject

    def _citizen(self, anonymous: bool) -> dict:
        """Name, phone, ID number (half of them) and address as AES-GCM tokens, with the keyed hashes of
        the phone and the ID number; empty for an anonymous report."""
        if anonymous:
            return dict.fromkeys(("name", "phone", "phone_lookup", "id_number", "id_lookup", "address"), "")
        r = self.rng
        person = self.citizen(r)
        name, phone, address = person["name"], person["phone"], person["address"]
        id_number = person["id_number"] if r.random() < 0.5 else ""
        if r.random() < 0.1:
            address = ""
        seal = self.encrypt
        return {
            "name": seal(name),
            "phone": seal(phone),
            "phone_lookup": self.lookup_hash("phone", phone),
            "id_number": seal(id_number) if id_number else "",
            "id_lookup": self.lookup_hash("id_number", id_number),
            "address": seal(address) if address else "",
        }

    def _register(self, case_id: int, t0: float, subject: dict, registrar: int) -> Timeline:
        """The timeline's first events: the registration, and the copy to inspection of reports and
        misconduct complaints."""
        tl = Timeline(self, case_id, t0, subject["dispatch_d"], subject["handle"])
        tl.event("register", "registered", "", "registered", registrar, None)
        if subject["is_report"] or subject["misconduct"]:
            tl.event("copy_to_inspection", "copied_to_inspection", "", "", registrar, None)
        return tl

    def _merge(self, tl: Timeline, duplicate_candidate: int) -> None:
        """1%: merged into the citizen's previous case (the case registered just before)."""
        if tl.go(tl.exp(1 * HOUR)):
            tl.duplicate_of = duplicate_candidate
            tl.closed_at = tl.t
            tl.leave()
            tl.move("merge", "merged", self.ref.dispatcher, note="同一诉求人重复反映。", department=False)

    def _reject(self, tl: Timeline) -> None:
        """2%: not accepted (with the proper channel), archived a few weeks later."""
        r, ref = self.rng, self.ref
        if tl.go(tl.exp(2 * HOUR)):
            reason, proper = r.choice(REJECT_REASONS)
            tl.rejection_reason, tl.proper_channel, tl.closed_at = reason, proper, tl.t
            tl.leave()
            tl.move("reject", "rejected", ref.dispatcher, note=reason, department=False)
            if tl.go(r.uniform(20, 45) * DAY):
                tl.move("archive", "archived", ref.office, department=False)

    def _case_row(self, case_id: int, number: str, t0: float, s: dict, registrar: int, tl: Timeline) -> str:
        """The COPY line of complaints_case (columns in the order of COLUMNS), from the subject and the
        fields the timeline left."""
        return "\t".join(
            (
                str(case_id),
                number,
                "".join(self.rng.choices(self.alphabet, k=8)),
                s["kind"],
                s["channel"],
                s["priority"],
                tl.state,
                b(tl.invalid),
                b(s["is_petition"]),
                s["name"],
                s["phone"],
                s["phone_lookup"],
                s["id_number"],
                s["id_lookup"],
                s["address"],
                b(s["anonymous"]),
                str(s["group_size"]),
                b(s["confidential"]),
                b(s["misconduct"]),
                s["description"],
                s["template"]["request"],
                s["template"]["location"],
                b(tl.arbitrated),
                tl.stage,
                _ts_or_null(tl.stage_started_at),
                _ts_or_null(tl.stage_deadline),
                _ts_or_null(tl.return_deadline),
                _ts_or_null(tl.overall_deadline),
                _ts_or_null(tl.suspended_at),
                str(tl.extension_count),
                tl.reply,
                tl.reply_channel,
                "f",
                b(tl.is_head_approved),
                tl.adoption,
                tl.satisfaction,
                NULL if tl.is_resolved is None else b(tl.is_resolved),
                str(tl.reopen_count),
                tl.final_answer,
                tl.rejection_reason,
                tl.proper_channel,
                str(tl.version),
                ts(t0),
                ts(tl.updated_at),
                _ts_or_null(tl.closed_at),
                _ts_or_null(tl.archived_at),
                str(registrar),
                str(tl.duplicate_of) if tl.duplicate_of else NULL,
                str(tl.lead) if tl.lead else NULL,
                NULL,
                str(s["category_id"]),
            )
        )

    def _direct_path(self, tl: Timeline, registrar: int) -> None:
        r, ref = self.rng, self.ref
        if not tl.go(tl.exp(0.2 * HOUR)):
            return
        tl.reply, tl.reply_channel = r.choice(DIRECT_ANSWERS), "phone"
        tl.invalid = r.random() < 0.01
        tl.leave()
        tl.move("answer_directly", "answered_directly", registrar, note=tl.reply, department=False)
        if r.random() < 0.3:
            if not tl.go(tl.exp(20 * HOUR)):
                return
            verdict = r.choices(["satisfied", "basically_satisfied", "unreachable"], [75, 15, 10])[0]
            tl.satisfaction, tl.is_resolved = verdict, (True if verdict != "unreachable" else None)
            tl.move(
                "revisit",
                "revisited",
                ref.agent,
                note=r.choice(REVISIT_NOTES[verdict]),
                payload=json.dumps({"verdict": verdict, "resolved": tl.is_resolved}),
                department=False,
            )
        if not tl.go(tl.exp(10 * HOUR)):
            return
        tl.closed_at = tl.t
        tl.move("close", "closed", ref.agent, department=False)
        if tl.go(r.uniform(20, 45) * DAY):
            tl.move("archive", "archived", ref.office, department=False)

    def _assign(self, tl: Timeline, department: int) -> None:
        """End the current assignments and give the case to `department` (now and then with help)."""
        r, ref = self.rng, self.ref
        for row in tl.assignments:
            if row[2]:
                row[2], row[4] = False, tl.t
        tl.assignments.append(
            [self.next_id("complaints_caseassignment"), "lead", True, tl.t, None, ref.dispatcher, department]
        )
        if r.random() < 0.05:
            other = r.choice([d for d in ref.business if d != department])
            tl.assignments.append(
                [
                    self.next_id("complaints_caseassignment"),
                    "assisting",
                    True,
                    tl.t,
                    None,
                    ref.dispatcher,
                    other,
                ]
            )
        tl.lead = department

    def _dispatch_payload(self, tl: Timeline) -> str:
        names = [
            self.ref.department_name[row[6]] for row in tl.assignments if row[2] and row[1] == "assisting"
        ]
        return json.dumps({"lead": self.ref.department_name[tl.lead], "assisting": names}, ensure_ascii=False)

    def _dispatched_path(self, tl: Timeline, kind, default_department, template, sign_d, handle) -> None:
        """Dispatched to a department: [a return request], signed, handled in rounds (an unsatisfied
        revisit may reopen it, twice at most), closed, archived. Stops wherever the clock reaches now."""
        if not self._dispatch(tl, default_department, sign_d):
            return
        if self.rng.random() < 0.03 and not self._return_request(tl, sign_d, handle):
            return
        handler, head = self.ref.staff[tl.lead]
        if tl.state == "dispatched":
            if not tl.go(tl.exp(4 * HOUR, 300)):
                return
            tl.enter_stage("handle", handle)
            tl.move("sign", "signed", handler)
        while True:  # signed or reopened -> in progress -> ... -> revisited
            outcome = self._handling_round(tl, kind, template, handle, handler, head)
            if outcome == "stopped":
                return
            if outcome != "reopened":
                break
        self._close(tl)

    def _dispatch(self, tl: Timeline, default_department, sign_d: float) -> bool:
        """To the category's department (88%) or another; False if the case stops before."""
        r, ref = self.rng, self.ref
        lead = default_department if (default_department and r.random() < 0.88) else r.choice(ref.business)
        urgent = sign_d < 3600
        if not tl.go(tl.exp(0.3 * HOUR if urgent else 1.5 * HOUR)):
            return False
        self._assign(tl, lead)
        tl.enter_stage("sign", sign_d)
        tl.return_deadline = tl.t + WORKING_DAY
        tl.move("dispatch", "dispatched", ref.dispatcher, payload=self._dispatch_payload(tl))
        return True

    def _return_request(self, tl: Timeline, sign_d: float, handle: float) -> bool:
        """3%: the department asks to return the case within the window; the dispatcher reassigns it (60%)
        or refuses (the case is then signed). False if the case stops on the way."""
        r, ref = self.rng, self.ref
        handler, _head = ref.staff[tl.lead]
        if not tl.go(tl.exp(3 * HOUR)):
            return False
        reason = r.choice(RETURN_REASONS)
        row = [self.next_id("complaints_returnrequest"), tl.case_id, tl.lead, reason, handler, tl.t]
        row += ["pending", None, None, ""]
        self.returns_rows.append(row)
        tl.move("request_return", "return_requested", handler, note=reason)
        if not tl.go(tl.exp(4 * HOUR)):
            return False
        row[7], row[8] = ref.dispatcher, tl.t
        tl.arbitrated = True
        if r.random() < 0.6:
            note = "改派相关部门办理。"
            row[6], row[9] = "reassigned", note
            self._assign(tl, r.choice([d for d in ref.business if d != tl.lead]))
            tl.enter_stage("sign", sign_d)
            tl.return_deadline = tl.t + WORKING_DAY
            tl.move("reassign", "dispatched", ref.dispatcher, note=note, payload=self._dispatch_payload(tl))
        else:
            note = "该事项属于本部门职责，请按时办理。"
            row[6], row[9] = "refused", note
            tl.enter_stage("handle", handle)
            tl.move("refuse_return", "signed", ref.dispatcher, note=note)
        return True

    def _handling_round(self, tl: Timeline, kind, template, handle: float, handler: int, head: int) -> str:
        """Start, [a note] [an extension] [a suspension] [the adoption of a suggestion], the reply and its
        approval, the revisit: "stopped" where the clock reaches now, "reopened", or "revisited"."""
        r = self.rng
        if not tl.go(tl.exp(1 * HOUR)):
            return "stopped"
        tl.move("start", "in_progress", handler)
        if r.random() < 0.2:
            if not tl.go(tl.exp(1 * DAY)):
                return "stopped"
            tl.record("add_note", "note", handler, note=r.choice(NOTES), payload='{"kind": "note"}')
        if r.random() < 0.04 and not self._extension(tl, handler, head):
            return "stopped"
        if r.random() < 0.02 and not self._suspension(tl, handler):
            return "stopped"
        if kind == "suggestion" and not tl.adoption:
            if not tl.go(tl.exp(1 * DAY)):
                return "stopped"
            tl.adoption = template.get("adoption") or r.choice(["adopted", "partly_adopted", "not_adopted"])
            tl.record("decide_adoption", "adoption", handler, payload=json.dumps({"adoption": tl.adoption}))
        if not self._reply(tl, template, handle, handler, head):
            return "stopped"
        return self._revisit(tl, handle)

    def _extension(self, tl: Timeline, handler: int, head: int) -> bool:
        """4% of rounds: 1-5 working days more, approved by the head. False if the case stops on the way."""
        r = self.rng
        if not tl.go(tl.exp(2 * DAY)):
            return False
        amount = r.randint(1, 5)
        reason = r.choice(EXTENSION_REASONS)
        row = [self.next_id("complaints_extensionrequest"), tl.case_id, amount, "working_days", reason]
        row += [handler, tl.t, "pending", None, None, ""]
        self.extension_rows.append(row)
        tl.move(
            "request_extension",
            "extension_requested",
            handler,
            note=reason,
            payload=json.dumps({"amount": amount, "unit": "working_days"}),
        )
        if not tl.go(tl.exp(6 * HOUR)):
            return False
        row[7], row[8], row[9] = "approved", head, tl.t
        tl.stage_deadline += amount * WORKING_DAY
        tl.overall_deadline += amount * WORKING_DAY
        tl.extension_count += 1
        payload = {"approved": True, "amount": amount, "unit": "working_days"}
        payload["stage_deadline"] = _iso(tl.stage_deadline)
        tl.move("approve_extension", "in_progress", head, payload=json.dumps(payload))
        return True

    def _suspension(self, tl: Timeline, handler: int) -> bool:
        """2% of rounds: suspended, then resumed with the deadlines moved by the pause. False if the case
        stops on the way."""
        if not tl.go(tl.exp(2 * DAY)):
            return False
        tl.suspended_at = tl.t
        tl.move("suspend", "suspended", handler, note=self.rng.choice(SUSPEND_REASONS))
        if not tl.go(tl.exp(4 * DAY)):
            return False
        paused = tl.t - tl.suspended_at
        tl.stage_deadline += paused
        tl.overall_deadline += paused
        tl.suspended_at = None
        payload = json.dumps({"paused_working_seconds": int(paused * 0.3)})
        tl.move("resume", "in_progress", handler, payload=payload)
        return True

    def _reply(self, tl: Timeline, template, handle: float, handler: int, head: int) -> bool:
        """The reply, submitted (mostly well within the handling deadline; a few late) and approved by the
        head. False if the case stops on the way."""
        length = (tl.stage_deadline - tl.stage_started_at) if tl.stage_deadline else handle
        if not tl.go(tl.exp(length * 0.35, 1800)):
            return False
        tl.reply, tl.reply_channel, tl.is_head_approved = template["reply"], "phone", False
        tl.move("submit_reply", "reply_submitted", handler, note=tl.reply)
        if not tl.go(tl.exp(5 * HOUR)):
            return False
        tl.is_head_approved = True
        tl.enter_stage("revisit", 2 * WORKING_DAY)
        tl.move("approve_reply", "replied", head)
        return True

    def _revisit(self, tl: Timeline, handle: float) -> str:
        """The citizen's verdict; an unsatisfied one reopens the case (60%, twice at most): "stopped",
        "reopened" or "revisited"."""
        r, ref = self.rng, self.ref
        if not tl.go(tl.exp(20 * HOUR)):
            return "stopped"
        verdict = r.choices(
            ["satisfied", "basically_satisfied", "unsatisfied", "unreachable"], [70, 18, 7, 5]
        )[0]
        tl.satisfaction = verdict
        tl.is_resolved = {"satisfied": True, "basically_satisfied": True, "unsatisfied": False}.get(verdict)
        tl.leave()
        tl.move(
            "revisit",
            "revisited",
            ref.agent,
            note=r.choice(REVISIT_NOTES[verdict]),
            payload=json.dumps({"verdict": verdict, "resolved": tl.is_resolved}),
        )
        if verdict == "unsatisfied" and tl.reopen_count < 2 and r.random() < 0.6:
            if not tl.go(tl.exp(2 * HOUR)):
                return "stopped"
            tl.reopen_count += 1
            tl.is_head_approved = False
            tl.enter_stage("handle", handle)
            tl.overall_deadline = tl.stage_deadline
            tl.move("reopen", "reopened", ref.agent, note=r.choice(REOPEN_NOTES))
            return "reopened"
        return "revisited"

    def _close(self, tl: Timeline) -> None:
        """Closed (with a final answer after an unsatisfied revisit), archived a few weeks later."""
        r, ref = self.rng, self.ref
        if not tl.go(tl.exp(2 * HOUR)):
            return
        tl.closed_at = tl.t
        if tl.satisfaction == "unsatisfied":
            tl.final_answer = r.choice(FINAL_ANSWERS)
            tl.move("final_answer", "closed", ref.leader, note=tl.final_answer)
        else:
            tl.suspended_at = None
            tl.move("close", "closed", ref.agent)
        if tl.go(r.uniform(20, 45) * DAY):
            tl.move("archive", "archived", ref.office)


NULL = "\\N"


def _deadlines(kind: str, priority: str, is_petition: bool) -> tuple[float, float, float]:
    """(handling, dispatch, signing) deadlines of a case in seconds, after the default policies of
    migration 0002 (working days approximated)."""
    if priority == "very_urgent":
        handle, dispatch_d, sign_d = 2 * HOUR, 1800.0, 1800.0
    elif priority == "urgent":
        handle, dispatch_d, sign_d = 24 * HOUR, 1800.0, 1800.0
    else:
        handle = HANDLE_DAYS.get(kind, DEFAULT_HANDLE_DAYS) * WORKING_DAY
        dispatch_d, sign_d = 4 * HOUR, WORKING_DAY
    if is_petition:
        handle = 60 * DAY
    return handle, dispatch_d, sign_d


def _ts_or_null(epoch: float | None) -> str:
    return ts(epoch) if epoch else NULL


class Timeline:
    """One case being walked from its registration: its clock, its fields and its events.

    `go(gap)` advances the clock for the next act and says False when that act would lie in the
    future (the case stays where it is) or when the case is one of the few that stop for good in an
    open state."""

    __slots__ = (
        "gen",
        "case_id",
        "t",
        "moves",
        "stop_after",
        "state",
        "stage",
        "stage_started_at",
        "stage_deadline",
        "return_deadline",
        "overall_deadline",
        "suspended_at",
        "extension_count",
        "reply",
        "reply_channel",
        "is_head_approved",
        "adoption",
        "satisfaction",
        "is_resolved",
        "reopen_count",
        "final_answer",
        "rejection_reason",
        "proper_channel",
        "closed_at",
        "archived_at",
        "lead",
        "duplicate_of",
        "arbitrated",
        "version",
        "updated_at",
        "invalid",
        "assignments",
        "standing",
    )

    def __init__(self, gen: Generator, case_id: int, t0: float, dispatch_d: float, handle: float) -> None:
        self.gen, self.case_id, self.t, self.moves = gen, case_id, t0, 0
        self.stop_after = gen.rng.randint(1, 7) if gen.rng.random() < 0.015 else 10**6
        self.state = "registered"
        self.stage, self.stage_started_at, self.stage_deadline = "dispatch", t0, t0 + dispatch_d
        self.standing = self.stage_deadline
        self.return_deadline, self.overall_deadline, self.suspended_at = None, t0 + handle, None
        self.extension_count = self.reopen_count = 0
        self.reply = self.reply_channel = self.adoption = self.satisfaction = ""
        self.final_answer = self.rejection_reason = self.proper_channel = ""
        self.is_head_approved = self.arbitrated = self.invalid = False
        self.is_resolved = self.closed_at = self.archived_at = self.lead = self.duplicate_of = None
        self.version, self.updated_at = 1, t0
        self.assignments: list[list] = []

    def exp(self, mean: float, least: float = 60.0) -> float:
        return max(least, self.gen.rng.expovariate(1.0 / mean))

    def go(self, gap: float) -> bool:
        if self.state in OPEN_STATES and self.moves >= self.stop_after:
            return False
        if self.t + gap >= self.gen.now:
            return False
        self.t += gap
        return True

    def event(
        self, action, etype, from_state, to_state, actor, department, note="", payload="{}", due=None
    ) -> None:
        self.gen.events.append(
            f"{self.gen.next_id('complaints_caseevent')}\t{etype}\t{action}\t{from_state}\t{to_state}\t{note}\t"
            f"{payload}\t{ts(self.t)}\t{actor}\t{self.case_id}\t{department or NULL}\t{_ts_or_null(due)}"
        )

    def move(self, action, to_state, actor, note="", payload="{}", department=True) -> None:
        """A state change, as `complaints.services.base.move` records it (department = the lead; due =
        the stage deadline that stood when the action began)."""
        from_state, self.state = self.state, to_state
        if to_state == "archived":
            self.archived_at = self.t  # as complaints.services.lifecycle.archive sets it
        self.version += 1
        self.updated_at = self.t
        self.moves += 1
        self.event(
            action,
            "transition",
            from_state,
            to_state,
            actor,
            self.lead if department else None,
            note,
            payload,
            due=self.standing,
        )
        self.standing = self.stage_deadline

    def record(self, action, etype, actor, note="", payload="{}") -> None:
        """An event without a state change (a note, an adoption decision); the case's version moves."""
        self.version += 1
        self.updated_at = self.t
        self.event(action, etype, "", "", actor, None, note, payload)

    def enter_stage(self, name: str, length: float) -> None:
        self.stage, self.stage_started_at, self.stage_deadline = name, self.t, self.t + length

    def leave(self) -> None:
        self.stage, self.stage_started_at, self.stage_deadline = "", None, None


def _row(values) -> str:
    out = []
    for value in values:
        if value is None:
            out.append("\\N")
        elif isinstance(value, float):
            out.append(ts(value))
        else:
            out.append(str(value))
    return "\t".join(out)


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, LOCAL).isoformat()


def _cumulative(weights) -> list[float]:
    total, out = 0.0, []
    for weight in weights:
        total += weight
        out.append(total)
    return out


def _pick(r: random.Random, cumulative: list[float]) -> int:
    return bisect(cumulative, r.random() * cumulative[-1])


# ---------------------------------------------------------------------------------------------
# COPY columns (checked against the database before loading)

# fmt: off
COLUMNS = {
    "complaints_case": (
        "id", "number", "query_code", "kind", "channel", "priority", "state", "is_invalid", "is_petition",
        "citizen_name", "citizen_phone", "citizen_phone_lookup", "citizen_id_number", "citizen_id_lookup",
        "citizen_address",
        "is_anonymous", "group_size", "is_confidential", "is_misconduct", "description", "request",
        "location", "is_return_arbitrated", "stage", "stage_started_at", "stage_deadline",
        "return_deadline", "overall_deadline", "suspended_at", "extension_count", "reply", "reply_channel",
        "legal_review_required", "is_head_approved", "adoption", "satisfaction", "is_resolved",
        "reopen_count", "final_answer", "rejection_reason", "proper_channel", "version", "created_at",
        "updated_at", "closed_at", "archived_at", "created_by_id", "duplicate_of_id", "lead_department_id", "repeat_of_id",
        "category_id",
    ),
    "complaints_caseevent": (
        "id", "type", "action", "from_state", "to_state", "note", "payload", "created_at", "actor_id",
        "case_id", "department_id", "due_at",
    ),
    "complaints_caseassignment": (
        "id", "role", "is_active", "assigned_at", "ended_at", "assigned_by_id", "case_id", "department_id",
    ),
    "complaints_returnrequest": (
        "id", "case_id", "department_id", "reason", "requested_by_id", "requested_at", "decision",
        "decided_by_id", "decided_at", "decision_note",
    ),
    "complaints_extensionrequest": (
        "id", "case_id", "amount", "unit", "reason", "requested_by_id", "requested_at", "decision",
        "decided_by_id", "decided_at", "decision_note",
    ),
}
# fmt: on


def check_columns(cursor) -> None:
    for table, columns in COLUMNS.items():
        cursor.execute(
            "SELECT column_name, is_nullable, column_default, is_identity FROM information_schema.columns "
            "WHERE table_schema = 'public' AND table_name = %s",
            [table],
        )
        found = {row[0]: row for row in cursor.fetchall()}
        missing = [column for column in columns if column not in found]
        required = [
            name
            for name, (_n, nullable, default, identity) in found.items()
            if nullable == "NO" and default is None and identity != "YES" and name not in columns
        ]
        if missing or required:
            raise SystemExit(
                f"{table}: the schema changed (columns not in the table: {missing}; "
                f"NOT NULL columns this script does not fill: {required}). Update COLUMNS in {__file__}."
            )


# ---------------------------------------------------------------------------------------------
# Indexes and constraints


def capture_and_drop(cursor) -> dict:
    tables = list(BIG_TABLES)
    cursor.execute(
        "SELECT c.conname, c.conrelid::regclass::text, c.contype, pg_get_constraintdef(c.oid), "
        "       CASE WHEN c.contype = 'u' THEN pg_get_indexdef(c.conindid) END "
        "FROM pg_constraint c WHERE c.conrelid = ANY(%s::regclass[]) AND c.contype IN ('f', 'u') "
        "ORDER BY c.conname",
        [tables],
    )
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT i.indexrelid::regclass::text, i.indrelid::regclass::text, pg_get_indexdef(i.indexrelid), "
        "       pg_relation_size(i.indexrelid) "
        "FROM pg_index i WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid "
        "                AND c.contype IN ('p', 'u', 'x')) ORDER BY 1",
        [tables],
    )
    indexes = cursor.fetchall()
    saved = {
        "foreign_keys": [
            (name, table, definition) for name, table, kind, definition, _i in constraints if kind == "f"
        ],
        "uniques": [(name, table, index) for name, table, kind, _d, index in constraints if kind == "u"],
        "indexes": [(name, table, definition) for name, table, definition, _size in indexes],
    }
    state_file = Path(__file__).with_name(".dropped_indexes.json")
    state_file.write_text(json.dumps(saved, indent=1, ensure_ascii=False))
    for name, table, _definition in saved["foreign_keys"]:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, table, _index in saved["uniques"]:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _table, _definition in saved["indexes"]:
        cursor.execute(f"DROP INDEX {name}")
    print(
        f"dropped {len(saved['indexes'])} indexes, {len(saved['uniques'])} unique and "
        f"{len(saved['foreign_keys'])} foreign-key constraints (definitions kept in {state_file.name})"
    )
    for _name, _table, definition in saved["indexes"]:
        print(f"   {definition}")
    return saved


def run_parallel(
    params: dict, statements: list[str], *, workers: int = 2, setup: tuple[str, ...] = ()
) -> None:
    """Run independent statements over `workers` connections, longest first (the given order)."""
    jobs: queue.Queue = queue.Queue()
    for statement in statements:
        jobs.put(statement)
    errors: list[BaseException] = []

    def worker() -> None:
        connection = connect(params)
        connection.autocommit = True
        cursor = connection.cursor()
        for statement in setup:
            cursor.execute(statement)
        while True:
            try:
                statement = jobs.get_nowait()
            except queue.Empty:
                break
            start = time.perf_counter()
            try:
                cursor.execute(statement)
            except BaseException as error:
                errors.append(error)
                print(f"   FAILED {statement}: {error}", flush=True)
                continue
            print(f"   {time.perf_counter() - start:6.1f} s  {statement[:150]}", flush=True)
        connection.close()

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


def rebuild_indexes(params: dict, saved: dict) -> None:
    # The GIN trigram index is by far the longest (and not built in parallel by PostgreSQL): start it
    # first on one connection while the other connection builds the b-trees.
    def cost(item):
        _name, table, definition = item
        return (
            0 if "gin" in definition.lower() else 1,
            {"complaints_case": 1, "complaints_caseevent": 0}.get(table, 2),
        )

    statements = [definition for _name, _table, definition in sorted(saved["indexes"], key=cost)]
    statements += [index for _name, _table, index in saved["uniques"]]
    run_parallel(
        params,
        statements,
        setup=("SET maintenance_work_mem = '1GB'", "SET max_parallel_maintenance_workers = 0"),
    )


def restore_constraints(params: dict, saved: dict) -> None:
    connection = connect(params)
    connection.autocommit = True
    cursor = connection.cursor()
    for name, table, _index in saved["uniques"]:
        cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" UNIQUE USING INDEX "{name}"')
    for name, table, definition in saved["foreign_keys"]:
        cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition} NOT VALID')
    connection.close()
    # VALIDATE takes only SHARE UPDATE EXCLUSIVE on the referencing table: two at a time.
    statements = [
        f'ALTER TABLE {table} VALIDATE CONSTRAINT "{name}"' for name, table, _d in saved["foreign_keys"]
    ]
    statements.sort(key=lambda s: 0 if "caseevent" in s else 1)
    run_parallel(params, statements, setup=("SET work_mem = '256MB'",))
    Path(__file__).with_name(".dropped_indexes.json").unlink(missing_ok=True)


# ---------------------------------------------------------------------------------------------
# Loading


def plan_days(count: int, days: int, now_local: datetime, rng: random.Random) -> list[tuple[date, int]]:
    """How many cases each day gets: weekdays busier than weekends, a slow growth over the period."""
    today = now_local.date()
    first = today - timedelta(days=days)
    span = [first + timedelta(days=offset) for offset in range(days + 1)]
    weights = []
    for position, day in enumerate(span):
        weight = (0.8 + 0.4 * position / days) * rng.uniform(0.85, 1.15)
        weight *= 0.6 if day.weekday() >= 5 else 1.0
        if day == today:
            seconds = now_local.hour * 3600 + now_local.minute * 60
            weight *= max(seconds / 86400.0, 0.01)
        weights.append(weight)
    total = sum(weights)
    exact = [count * w / total for w in weights]
    counts = [int(x) for x in exact]
    remainder = count - sum(counts)
    for index in sorted(range(len(span)), key=lambda i: exact[i] - counts[i], reverse=True)[:remainder]:
        counts[index] += 1
    return list(zip(span, counts, strict=True))


def day_times(day: date, count: int, now: float, rng: random.Random) -> list[float]:
    start = datetime(day.year, day.month, day.day, tzinfo=LOCAL).timestamp()
    end = min(start + DAY, now - 60)
    hours = list(range(24))
    cumulative = _cumulative(HOUR_WEIGHTS)
    out = []
    for _ in range(count):
        for _attempt in range(20):
            moment = start + hours[_pick(rng, cumulative)] * HOUR + rng.random() * HOUR
            if moment < end:
                break
        else:
            moment = start + rng.random() * max(end - start, 1)
        out.append(moment)
    out.sort()
    return out


class Copier:
    """The second thread: COPY each batch the main thread hands over (a transaction a batch), so that
    generating batch k+1 overlaps copying batch k."""

    def __init__(self, params: dict) -> None:
        self.params = params
        self.batches: queue.Queue = queue.Queue(maxsize=2)
        self.failure: list[BaseException] = []
        self.seconds = 0.0
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self) -> None:
        connection = connect(self.params)
        cursor = connection.cursor()
        cursor.execute("SET synchronous_commit = off")
        try:
            while True:
                item = self.batches.get()
                if item is None:
                    break
                start = time.perf_counter()
                for table, payload in item:
                    columns = ", ".join(COLUMNS[table])
                    cursor.copy_expert(
                        f"COPY {table} ({columns}) FROM STDIN", io.BytesIO(payload), size=1 << 20
                    )
                connection.commit()
                self.seconds += time.perf_counter() - start
        except BaseException as error:
            self.failure.append(error)
            while self.batches.get() is not None:  # drain so that the producer never blocks
                pass
        finally:
            connection.close()

    def put(self, item: list) -> None:
        """Hand a batch over, unless the copier has failed (then its error is raised here)."""
        if self.failure:
            raise self.failure[0]
        self.batches.put(item)

    def finish(self) -> None:
        self.batches.put(None)
        self.thread.join()
        if self.failure:
            raise self.failure[0]


def take_batch(generator: Generator, totals: dict) -> list:
    """The generator's buffered rows as COPY payloads (table, bytes), counted in `totals`; the buffers
    are emptied."""
    item = []
    for table, rows in (
        ("complaints_case", generator.cases),
        ("complaints_caseevent", generator.events),
        ("complaints_caseassignment", generator.assignments),
        ("complaints_returnrequest", [_row(row) for row in generator.returns_rows]),
        ("complaints_extensionrequest", [_row(row) for row in generator.extension_rows]),
    ):
        if rows:
            totals[table] += len(rows)
            item.append((table, ("\n".join(rows) + "\n").encode()))
    generator.reset_buffers()
    return item


def load(params: dict, generator: Generator, plan, batch_size: int, sequences: dict[date, int]) -> dict:
    """Generate and COPY. The main thread generates; a second thread copies the previous batch."""
    totals = {table: 0 for table in COLUMNS}
    copier = Copier(params)
    started = time.perf_counter()
    made = in_batch = 0
    total = sum(count for _day, count in plan)
    rng = generator.rng
    generate_seconds = 0.0
    tick = time.perf_counter()
    for day, count in plan:
        if not count:
            continue
        prefix = f"{day:%Y%m%d}"
        sequence = sequences.get(day, 0)
        previous_id = None
        for moment in day_times(day, count, generator.now, rng):
            sequence += 1
            case_id = generator.next_id("complaints_case")
            candidate = previous_id if previous_id and rng.random() < 0.5 else None
            generator.case(case_id, f"{prefix}{sequence:05d}", moment, candidate)
            previous_id = case_id
            made += 1
            in_batch += 1
            if in_batch >= batch_size:
                generate_seconds += time.perf_counter() - tick
                copier.put(take_batch(generator, totals))
                in_batch = 0
                tick = time.perf_counter()
                rate = made / (time.perf_counter() - started)
                print(
                    f"   {made:>9,} / {total:,} cases  ({rate:,.0f}/s, eta {(total - made) / rate:.0f} s)",
                    flush=True,
                )
        sequences[day] = sequence
    generate_seconds += time.perf_counter() - tick
    if in_batch:
        copier.put(take_batch(generator, totals))
    copier.finish()
    print(f"   python generation {generate_seconds:.1f} s, COPY (overlapped) {copier.seconds:.1f} s")
    for table, rows in totals.items():
        print(f"   {table:<30} {rows:>11,} rows")
    return totals


def finish_sequences(params: dict, sequences: dict[date, int]) -> None:
    connection = connect(params)
    cursor = connection.cursor()
    for table in COLUMNS:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT max(id) FROM {table}), 1))"
        )
    rows = "".join(f"{day.isoformat()}\t{last}\n" for day, last in sorted(sequences.items()) if last)
    cursor.execute("CREATE TEMP TABLE bench_sequence (day date, last integer)")
    cursor.copy_expert("COPY bench_sequence FROM STDIN", io.StringIO(rows))
    cursor.execute(
        "INSERT INTO complaints_dailysequence (day, last) SELECT day, last FROM bench_sequence "
        "ON CONFLICT (day) DO UPDATE SET last = GREATEST(complaints_dailysequence.last, EXCLUDED.last)"
    )
    connection.commit()
    connection.close()
    print(f"   sequences advanced; DailySequence: {len(sequences)} days")


def vacuum_analyze(params: dict) -> None:
    cursor_tables = [
        *BIG_TABLES,
        "complaints_returnrequest",
        "complaints_extensionrequest",
        "complaints_dailysequence",
    ]
    run_parallel(
        params,
        [f"VACUUM (ANALYZE) {table}" for table in cursor_tables],
        setup=("SET maintenance_work_mem = '512MB'",),
    )
    connection = connect(params)
    connection.autocommit = True
    connection.cursor().execute("ANALYZE")
    connection.close()


# ---------------------------------------------------------------------------------------------


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000, help="cases to generate (besides the demo's)")
    parser.add_argument("--days", type=int, default=730, help="spread them over this many days before today")
    parser.add_argument("--batch", type=int, default=50_000, help="cases per COPY batch")
    parser.add_argument("--seed", type=int, default=20260101)
    parser.add_argument("--reset", action="store_true", help="drop and recreate the database first")
    parser.add_argument(
        "--keep-indexes", action="store_true", help="load with every index and constraint in place (slower)"
    )
    return parser.parse_args()


def starting_point(cursor) -> tuple[dict[str, int], dict[date, int]]:
    """The first free id of each loaded table and the daily sequences so far: the load appends after
    what the demo (or an earlier run) left. Checks first that COLUMNS still matches the schema."""
    check_columns(cursor)
    first_ids = {}
    for table in COLUMNS:
        cursor.execute(f"SELECT COALESCE(max(id), 0) + 1 FROM {table}")
        first_ids[table] = cursor.fetchone()[0]
    cursor.execute("SELECT day, last FROM complaints_dailysequence")
    sequences = dict(cursor.fetchall())
    cursor.execute("SELECT count(*) FROM complaints_case")
    print(f"cases before loading: {cursor.fetchone()[0]:,}")
    return first_ids, sequences


def drop_for_loading(phases: Phases, cursor) -> dict:
    """Drop the big tables' indexes and constraints (their definitions saved), unless a killed run left
    some dropped: then refuse, rather than save the incomplete set over the file that holds them."""
    leftover = Path(__file__).with_name(".dropped_indexes.json")
    if leftover.exists():
        sys.exit(
            f"{leftover} exists: a previous run stopped before rebuilding its indexes. "
            "Run with --reset (or restore them from that file)."
        )
    return phases.run("drop indexes and constraints", capture_and_drop, cursor)


def print_outcome(params: dict) -> None:
    """The states the timelines ended in, the overdue open cases and the database's size."""
    connection = connect(params)
    cursor = connection.cursor()
    cursor.execute("SELECT state, count(*) FROM complaints_case GROUP BY state ORDER BY count(*) DESC")
    print("\ncases by state:", ", ".join(f"{state} {count:,}" for state, count in cursor.fetchall()))
    cursor.execute(
        "SELECT count(*) FROM complaints_case WHERE state IN %s AND state <> 'suspended' AND stage_deadline < now()",
        [tuple(OPEN_STATES)],
    )
    print(f"overdue open cases: {cursor.fetchone()[0]:,}")
    cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
    print(f"database size: {cursor.fetchone()[0]}")
    connection.close()


def main() -> None:
    args = parse_arguments()
    url = os.environ.get("DATABASE_URL")
    if not url:
        sys.exit("Set DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/minsheng_bench")
    params = connection_parameters(url)
    phases = Phases()
    phases.run("create database", ensure_database, params, reset=args.reset)

    import django

    django.setup()
    from django.core.management import call_command

    phases.run("migrate", call_command, "migrate", interactive=False, verbosity=0)
    # The demo refuses with DEBUG off unless forced; a benchmark database is never a live system.
    phases.run("demo command", call_command, "demo", force=True)

    connection = connect(params)
    connection.autocommit = True
    cursor = connection.cursor()
    first_ids, sequences = starting_point(cursor)
    saved = None if args.keep_indexes else drop_for_loading(phases, cursor)
    connection.close()

    reference = Reference()
    now = time.time()
    rng = random.Random(args.seed)
    plan = plan_days(args.cases, args.days, datetime.now(LOCAL), rng)
    generator = Generator(reference, seed=args.seed + 1, now=now, first_ids=first_ids)
    try:
        phases.run("generate + COPY", load, params, generator, plan, args.batch, sequences)
    finally:
        if saved is not None:
            phases.run("rebuild indexes", rebuild_indexes, params, saved)
            phases.run("restore constraints (validated)", restore_constraints, params, saved)
    phases.run("sequences + DailySequence", finish_sequences, params, sequences)
    phases.run("VACUUM ANALYZE", vacuum_analyze, params)
    print_outcome(params)
    phases.report()


if __name__ == "__main__":
    main()
