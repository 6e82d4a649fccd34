#!/usr/bin/env python
"""Bulk-load N reception visits (``reception_visit``) into a database made by generate_cases.py.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/minsheng_bench .venv/bin/python bench/generate_visits.py --visits 500000

Run generate_cases.py first (it migrates, so the reception tables exist, and its ``demo`` puts
today's demo visits on the board). This script appends; it never deletes (run it again with another
``--seed`` to add more: cases that already have a visit are not anchored twice). Steps:

1. read the reference data: the active reception rooms (rooms are added until there are three), the demo ``clerk``, ``leader`` and ``office`` accounts, the leaf categories with case
   templates, the last ticket of every day already in the register;
2. build the visitors: a share of them (``--from-cases``) are the citizens of existing cases (name,
   phone, ID number and address read from the case and decrypted); of those, ``--anchored`` are citizens
   of cases registered at reception (channel ``visit``, registered by the clerk), and one of their
   visits is the visit that registered that case (same day, finished a minute after the case's
   registration time, ``case_id`` set, outcome from the case). The others are made up with
   ``complaints.demo_content.citizen()``. Each person gets 1 to 40 visits (about half come once, a
   few come dozens of times), spread over a window of weeks to months inside the last ``--days``
   days (today excluded: today's board is the demo's);
3. plan past leaders' reception days (one a week, Thursday morning, the ``leader`` account, capacity
   20; created with the ORM) and book some of that day's visitors onto them: room of the day, received
   by the leader, booked one to fourteen days ahead, 15% of the bookings cancelled;
4. sort every visit by day and arrival, number the tickets of each day after the existing ones
   (unique (visit_date, ticket)), count each person's earlier visits (``earlier_visits``) and set
   ``is_repeat`` (earlier visits, or a case registered before, or ``repeat_of``); half the visits after
   the person's case are about it (``repeat_of``);
5. write the rows as the models would: the visitor's name, ID number, phone and address sealed with
   ``core.encryption.encrypt`` (a fresh token each row), ``phone_lookup`` and ``id_lookup`` the keyed
   hashes of ``core.personal_data.lookup_hash``; a cancelled booking gets ``cancelled_at``/``cancelled_by``
   and a visitor who left ``left_recorded_by`` (the clerk), as ``reception.services`` sets them;
6. drop the secondary indexes, the unique constraint and the foreign keys of ``reception_visit``
   (definitions kept in ``bench/.dropped_visit_indexes.json``), ``COPY ... FROM STDIN`` in batches,
   rebuild the indexes (two connections), re-add the unique constraint ``USING INDEX`` and the foreign
   keys ``NOT VALID`` + ``VALIDATE``, ``setval`` the id sequence, ``VACUUM (ANALYZE)``. All timed.

States of the walk-in visits: finished 86% (outcome answered 55%, referred 30%, complaint 15%), left
without reception 14%; booked visits are finished, left or cancelled. Only the anchored visits carry a
``case_id``: the others' cases would have to be generated too (a finished visit always makes a case in
``reception.services``), which this script does not do.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import sys
import time
from bisect import bisect
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
for folder in (ROOT, BENCH):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import generate_cases as gc  # noqa: E402  (the conventions and helpers of the case generator)

TABLE = "reception_visit"
STATE_FILE = BENCH / ".dropped_visit_indexes.json"
LOCAL = gc.LOCAL
DAY = gc.DAY
MINUTE = 60.0
NULL = "\\N"

# fmt: off
COLUMNS = (
    "id", "visit_date", "ticket", "state", "visitor_name", "gender", "id_number", "id_lookup", "phone",
    "phone_lookup", "address", "group_size", "reason", "is_repeat", "earlier_visits", "statement", "outcome",
    "arrived_at", "called_at", "departed_at", "created_at", "case_id", "category_id", "clerk_id",
    "leader_day_id", "receiver_id", "repeat_of_id", "room_id", "cancelled_at", "cancelled_by_id",
    "left_recorded_by_id",
)
# fmt: on

# Visits per person: (count, weight). About half come once; mean about 2.9.
VISIT_COUNTS = [(1, 50), (2, 20), (3, 12), (4, 5), (5, 3)] + [(n, 1.4) for n in range(6, 11)]
VISIT_COUNTS += [(n, 0.1) for n in range(11, 41)]
# Arrival times at reception, half hours from 08:30 to 17:30 (the rooms are closed at lunch).
HALF_HOURS = [(8.5, 6), (9, 10), (9.5, 10), (10, 9), (10.5, 8), (11, 6), (11.5, 2), (12, 0.5), (12.5, 0.5)]
HALF_HOURS += [(13, 1), (13.5, 3), (14, 8), (14.5, 9), (15, 8), (15.5, 7), (16, 5), (16.5, 3), (17, 1)]
# fmt: off
LEADER_TOPICS = [
    "水费与计量争议", "供水服务质量", "管网改造与施工扰民", "二次供水与水压", "营业窗口服务", "历史遗留问题",
]
CLOSERS = [
    "", "", "", "希望尽快处理。", "已经反映过好几次了，一直没有结果。", "麻烦给个答复。", "请电话联系我。",
    "家里有老人和小孩，比较着急。", "希望给个明确的处理时间。", "之前打过热线，说会有人联系，但一直没人联系。",
]
# fmt: on
EXTRA_ROOMS = [("第二接待室", "一楼东侧", 20), ("第三接待室", "一楼西侧", 30), ("第四接待室", "二楼", 40)]


def esc(text: str) -> str:
    """A value for COPY's text format."""
    if not text:
        return ""
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def cumulative(pairs) -> tuple[list, list[float]]:
    values = [value for value, _weight in pairs]
    return values, gc._cumulative([weight for _value, weight in pairs])


def pick(rng: random.Random, table: tuple[list, list[float]]):
    values, cum = table
    return values[bisect(cum, rng.random() * cum[-1])]


def local_day_start(day: date) -> float:
    return datetime(day.year, day.month, day.day, tzinfo=LOCAL).timestamp()


def local_date(epoch: float) -> date:
    return datetime.fromtimestamp(epoch, LOCAL).date()


# ---------------------------------------------------------------------------------------------
# Reference data


class Reference:
    def __init__(self) -> None:
        from complaints import demo_content
        from complaints.models import Category
        from core.models import User
        from reception.models import ReceptionRoom

        self.content = demo_content
        rooms = list(ReceptionRoom.objects.filter(is_active=True).order_by("sort_order", "pk"))
        names = {room.name for room in ReceptionRoom.objects.all()}
        for name, location, order in EXTRA_ROOMS:
            if len(rooms) >= 3:
                break
            if name not in names:
                rooms.append(ReceptionRoom.objects.create(name=name, location=location, sort_order=order))
                print(f"   created room {name}")
        self.rooms = [room.pk for room in rooms]
        # The first room (the main one) gets the most visitors.
        self.room_table = cumulative([(pk, 3 if i == 0 else 1) for i, pk in enumerate(self.rooms)])
        users = {
            user.username: user.pk for user in User.objects.filter(username__in=["clerk", "leader", "office"])
        }
        self.clerk, self.leader, self.office = users["clerk"], users["leader"], users["office"]
        self.templates = []  # (category id, template)
        for category in Category.objects.filter(parent__isnull=False).order_by("pk"):
            for template in demo_content.CASE_TEMPLATES.get(category.code, []):
                self.templates.append((category.pk, template))
        if not self.templates:
            raise SystemExit("No leaf categories with templates: did the demo command run?")
        print(
            f"   rooms {self.rooms}; clerk {self.clerk}, leader {self.leader}; {len(self.templates)} templates"
        )


# ---------------------------------------------------------------------------------------------
# People and their visits


class Person:
    """A visitor, with plain values (sealed when each row is written) and the keyed hashes that find them."""

    __slots__ = (
        "name",
        "phone",
        "id_number",
        "address",
        "gender",
        "phone_lookup",
        "id_lookup",
        "case",
        "case_t",
        "anchor",
    )

    def __init__(self, name, phone, id_number, address, gender, case=None, case_t=None, anchor=None):
        from core.personal_data import lookup_hash

        self.name, self.phone, self.id_number = name, phone, id_number
        self.address, self.gender = address, gender
        self.phone_lookup = lookup_hash("phone", phone)
        self.id_lookup = lookup_hash("id_number", id_number)
        self.case, self.case_t = case, case_t  # the person's earlier case (id) and its registration time
        # For a case registered at reception: (kind, referred, category, description, group size).
        self.anchor = anchor


def case_people(cursor, *, anchored: int, others: int, before: float, seed: int, clerk: int) -> list[Person]:
    """Citizens of existing cases: `anchored` of cases registered at reception by the clerk, `others`
    of cases from the other channels. Random but repeatable (ordered by a hash of the id). The citizen's
    columns hold tokens: they are decrypted here (`core.encryption.decrypt`, as the model field would)."""
    from core.encryption import decrypt
    from core.personal_data import id_number_gender

    def opened(value):
        return decrypt(value) if value else ""

    people = []
    cursor.execute(
        "SELECT id, extract(epoch FROM created_at), citizen_name, citizen_phone, citizen_id_number, "
        "citizen_address, kind, lead_department_id IS NOT NULL, category_id, "
        "description, group_size FROM complaints_case "
        "WHERE channel = 'visit' AND created_by_id = %s AND NOT is_anonymous AND citizen_phone <> '' "
        "AND citizen_name <> '' AND created_at < to_timestamp(%s) "
        "AND NOT EXISTS (SELECT 1 FROM reception_visit v WHERE v.case_id = complaints_case.id) "
        "ORDER BY md5(id::text || %s) LIMIT %s",
        [clerk, before, str(seed), anchored],
    )
    for cid, t, name, phone, number, address, kind, referred, category, description, group in cursor:
        name, phone, number, address = opened(name), opened(phone), opened(number), opened(address)
        people.append(
            Person(
                name,
                phone,
                number,
                address,
                (id_number_gender(number) or "") if number else "",
                cid,
                float(t),
                (kind, referred, category, description, group),
            )
        )
    found_anchored = len(people)
    cursor.execute(
        "SELECT id, extract(epoch FROM created_at), citizen_name, citizen_phone, citizen_id_number, "
        "citizen_address FROM complaints_case "
        "WHERE channel <> 'visit' AND NOT is_anonymous AND citizen_phone <> '' AND citizen_name <> '' "
        "AND created_at < to_timestamp(%s) ORDER BY md5(id::text || %s) LIMIT %s",
        [before, str(seed), others],
    )
    for cid, t, name, phone, number, address in cursor:
        name, phone, number, address = opened(name), opened(phone), opened(number), opened(address)
        gender = (id_number_gender(number) or "") if number else ""
        people.append(Person(name, phone, number, address, gender, cid, float(t)))
    print(
        f"   citizens of cases: {found_anchored:,} registered at reception, {len(people) - found_anchored:,} others"
    )
    return people


class Visit:
    __slots__ = (
        "person",
        "t",
        "anchored",
        "state",
        "outcome",
        "leader_day",
        "booked_t",
        "room",
        "ticket",
        "day",
    )

    def __init__(self, person: Person, t: float, anchored: bool = False) -> None:
        self.person, self.t, self.anchored = person, t, anchored
        self.state = self.outcome = ""
        self.leader_day = self.booked_t = self.room = self.ticket = None
        self.day = local_date(t)


class Planner:
    def __init__(self, ref: Reference, *, seed: int, first_day: date, last_day: date) -> None:
        from core.personal_data import id_number_gender

        self.ref = ref
        self.rng = random.Random(seed)
        self.first_day, self.last_day = first_day, last_day
        self.start = local_day_start(first_day)
        self.end = local_day_start(last_day + timedelta(days=1))
        self.counts = cumulative(VISIT_COUNTS)
        self.half_hours = cumulative(HALF_HOURS)
        self.gender_of = id_number_gender

    def new_person(self) -> Person:
        r = self.rng
        citizen = self.ref.content.citizen(r)
        number = citizen["id_number"] if r.random() < 0.92 else ""
        phone = citizen["phone"] if r.random() < 0.97 else ""
        address = citizen["address"] if (r.random() < 0.85 or not phone) else ""
        gender = (self.gender_of(number) or "") if number else ""
        return Person(citizen["name"], phone, number, address, gender)

    def office_time(self, t: float) -> float:
        """Move a moment to the office hours of the same (or the nearest working) day."""
        r = self.rng
        day = local_date(t)
        if day.weekday() >= 5 and r.random() < 0.9:  # mostly closed at weekends: a weekday of that week
            day += timedelta(days=r.randint(0, 4) - day.weekday())
            if day > self.last_day:
                day -= timedelta(days=7)
        day = min(max(day, self.first_day), self.last_day)
        hour = pick(r, self.half_hours) + r.random() / 2
        return local_day_start(day) + hour * 3600

    def visits_of(self, person: Person) -> list[Visit]:
        r = self.rng
        count = pick(r, self.counts)
        span = self.end - self.start
        length = min(span, count * r.uniform(15, 90) * DAY)
        visits = []
        if person.anchor is not None:
            # The visit that registered the case; the others around it, mostly after.
            visits.append(Visit(person, person.case_t, anchored=True))
            low = max(self.start, person.case_t - 0.3 * length)
            high = min(self.end - 1, low + length)
            for _ in range(count - 1):
                visits.append(Visit(person, self.office_time(r.uniform(low, high))))
        else:
            low = self.start
            if person.case_t is not None and r.random() < 0.8:
                low = min(person.case_t + DAY, self.end - DAY)  # came after calling the hotline
            first = r.uniform(low, max(low, self.end - length))
            high = min(self.end - 1, first + length)
            for _ in range(count):
                visits.append(Visit(person, self.office_time(r.uniform(first, high))))
        return visits


# ---------------------------------------------------------------------------------------------
# Leaders' reception days


def plan_leader_days(ref: Reference, first_day: date, last_day: date) -> dict[date, tuple[int, int, int]]:
    """One leader reception day a week (Thursday morning) over the period; existing ones are kept.
    Returns {date: (leader day id, room id, capacity)}."""
    from reception.models import LeaderReceptionDay

    existing = set(LeaderReceptionDay.objects.filter(leader_id=ref.leader).values_list("date", flat=True))
    day = first_day + timedelta(days=(3 - first_day.weekday()) % 7)
    rows = []
    rng = random.Random(7)
    while day <= last_day:
        if day not in existing:
            rows.append(
                LeaderReceptionDay(
                    leader_id=ref.leader,
                    date=day,
                    starts_at="09:00",
                    ends_at="12:00",
                    room_id=ref.rooms[0],
                    topic=rng.choice(LEADER_TOPICS),
                    capacity=20,
                    created_by_id=ref.office,
                )
            )
        day += timedelta(days=7)
    LeaderReceptionDay.objects.bulk_create(rows, batch_size=1000)
    days = {
        d.date: (d.pk, d.room_id, d.capacity)
        for d in LeaderReceptionDay.objects.filter(
            leader_id=ref.leader, date__gte=first_day, date__lte=last_day, is_cancelled=False
        )
    }
    print(f"   leader reception days: {len(rows)} created, {len(days)} in the period")
    return days


# ---------------------------------------------------------------------------------------------
# Rows


class RowMaker:
    def __init__(self, ref: Reference, rng: random.Random, first_id: int) -> None:
        from core.encryption import encrypt

        self.ref, self.rng = ref, rng
        self.seal = lambda value: encrypt(value) if value else ""
        self.next_id = first_id
        self.stats: Counter = Counter()

    def text_of(self, template: dict) -> tuple[str, str]:
        """(reason, statement) for a visit about `template`."""
        description = template["description"]
        first = description.split("。")[0]
        reason = (first[:58] + "…") if len(first) > 60 else first
        statement = description + self.rng.choice(CLOSERS) + template["request"]
        return reason, statement

    def row(self, visit: Visit, earlier: int, has_case_before: bool) -> str:
        r, ref, person = self.rng, self.ref, visit.person
        visit_id = self.next_id
        self.next_id += 1
        t = visit.t
        case_id = repeat_of = receiver = called = departed = cancelled = None
        arrived: float | None = t
        created = t
        category, template = r.choice(ref.templates)
        reason, statement = self.text_of(template)
        group = r.randint(3, 30) if r.random() < 0.04 else 1
        if visit.anchored:
            kind, referred, category, description, group = person.anchor
            first = description.split("。")[0]
            reason = (first[:58] + "…") if len(first) > 60 else first
            statement = description
            case_id = person.case
            outcome = (
                "complaint" if kind in ("complaint", "report") else "referred" if referred else "answered"
            )
            state = "finished"
            departed = t + r.uniform(0.5, 2) * MINUTE  # the case is registered as the reception ends
            midnight = local_day_start(visit.day)
            called = max(midnight, t - r.uniform(8, 40) * MINUTE)
            arrived = max(midnight, called - r.uniform(0, 50) * MINUTE)
            created = arrived
            receiver = ref.clerk
        else:
            state = visit.state
            outcome = ""
            if state == "finished":
                x = r.random()
                outcome = "answered" if x < 0.55 else "referred" if x < 0.85 else "complaint"
                called = t + r.uniform(0, 60) * MINUTE
                departed = called + r.uniform(8, 45) * MINUTE
                receiver = ref.leader if visit.leader_day else ref.clerk
            elif state == "left":
                departed = t + r.uniform(10, 120) * MINUTE
                statement = ""
                if r.random() < 0.4:
                    category = None
            else:  # cancelled booking
                arrived = None
                statement = ""
                # Half-way between booking and the day (no random draw: the rest of the data stays the same).
                cancelled = (visit.booked_t + t) / 2 if visit.booked_t is not None else t
            if visit.booked_t is not None:
                created = visit.booked_t
            if person.case is not None and person.case_t < t and r.random() < 0.5:
                repeat_of = person.case
        if state != "finished":
            statement = ""
        is_repeat = bool(earlier or has_case_before or repeat_of)
        self.stats[state] += 1
        self.stats[f"outcome {outcome or '-'}"] += 1
        self.stats["with case_id"] += case_id is not None
        self.stats["repeat_of"] += repeat_of is not None
        self.stats["is_repeat"] += is_repeat
        self.stats["leader day"] += visit.leader_day is not None
        return "\t".join(
            (
                str(visit_id),
                visit.day.isoformat(),
                str(visit.ticket),
                state,
                self.seal(person.name),
                person.gender,
                self.seal(person.id_number),
                person.id_lookup,
                self.seal(person.phone),
                person.phone_lookup,
                self.seal(person.address),
                str(group),
                esc(reason),
                gc.b(is_repeat),
                str(earlier),
                esc(statement),
                outcome,
                gc.ts(arrived) if arrived is not None else NULL,
                gc.ts(called) if called is not None else NULL,
                gc.ts(departed) if departed is not None else NULL,
                gc.ts(created),
                str(case_id) if case_id else NULL,
                str(category) if category else NULL,
                str(ref.clerk),
                str(visit.leader_day) if visit.leader_day else NULL,
                str(receiver) if receiver else NULL,
                str(repeat_of) if repeat_of else NULL,
                str(visit.room),
                gc.ts(cancelled) if cancelled is not None else NULL,
                str(ref.clerk) if cancelled is not None else NULL,
                str(ref.clerk) if state == "left" else NULL,
            )
        )


# ---------------------------------------------------------------------------------------------
# Indexes and constraints of reception_visit


def check_columns(cursor) -> None:
    cursor.execute(
        "SELECT column_name, is_nullable, column_default, is_identity FROM information_schema.columns "
        "WHERE table_schema = 'public' AND table_name = %s",
        [TABLE],
    )
    found = {row[0]: row for row in cursor.fetchall()}
    if not found:
        raise SystemExit(f"{TABLE} does not exist: are the reception migrations applied?")
    missing = [column for column in COLUMNS if column not in found]
    required = [
        name
        for name, (_n, nullable, default, identity) in found.items()
        if nullable == "NO" and default is None and identity != "YES" and name not in COLUMNS
    ]
    if missing or required:
        raise SystemExit(
            f"{TABLE}: the schema changed (columns not in the table: {missing}; NOT NULL columns this "
            f"script does not fill: {required}). Update COLUMNS in {__file__}."
        )


def capture_and_drop(cursor) -> dict:
    cursor.execute(
        "SELECT c.conname, c.contype, pg_get_constraintdef(c.oid), "
        "       CASE WHEN c.contype = 'u' THEN pg_get_indexdef(c.conindid) END "
        "FROM pg_constraint c WHERE c.conrelid = %s::regclass AND c.contype IN ('f', 'u') ORDER BY 1",
        [TABLE],
    )
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid = %s::regclass AND NOT i.indisprimary AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
        "WHERE c.conindid = i.indexrelid AND c.contype IN ('p', 'u', 'x')) ORDER BY 1",
        [TABLE],
    )
    saved = {
        "foreign_keys": [
            (name, TABLE, definition) for name, kind, definition, _i in constraints if kind == "f"
        ],
        "uniques": [(name, TABLE, index) for name, kind, _d, index in constraints if kind == "u"],
        "indexes": [(name, TABLE, definition) for name, definition in cursor.fetchall()],
    }
    STATE_FILE.write_text(json.dumps(saved, indent=1, ensure_ascii=False))
    for name, _table, _definition in saved["foreign_keys"] + saved["uniques"]:
        cursor.execute(f'ALTER TABLE {TABLE} DROP CONSTRAINT "{name}"')
    for name, _table, _definition in saved["indexes"]:
        cursor.execute(f"DROP INDEX {name}")
    print(
        f"dropped {len(saved['indexes'])} indexes, {len(saved['uniques'])} unique and "
        f"{len(saved['foreign_keys'])} foreign-key constraints (definitions kept in {STATE_FILE.name})"
    )
    for _name, _table, definition in saved["indexes"] + saved["uniques"]:
        print(f"   {definition}")
    return saved


def rebuild_indexes(params: dict, saved: dict) -> None:
    statements = [definition for _n, _t, definition in saved["indexes"]]
    statements += [index for _n, _t, index in saved["uniques"]]
    gc.run_parallel(
        params,
        statements,
        setup=("SET maintenance_work_mem = '512MB'", "SET max_parallel_maintenance_workers = 0"),
    )


def restore_constraints(params: dict, saved: dict) -> None:
    connection = gc.connect(params)
    connection.autocommit = True
    cursor = connection.cursor()
    for name, table, _index in saved["uniques"]:
        cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" UNIQUE USING INDEX "{name}"')
    for name, table, definition in saved["foreign_keys"]:
        cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition} NOT VALID')
    connection.close()
    statements = [f'ALTER TABLE {t} VALIDATE CONSTRAINT "{name}"' for name, t, _d in saved["foreign_keys"]]
    gc.run_parallel(params, statements, setup=("SET work_mem = '256MB'",))
    STATE_FILE.unlink(missing_ok=True)


# ---------------------------------------------------------------------------------------------


def build(args, ref: Reference, params: dict, cursor) -> tuple[list[str], RowMaker, dict]:
    now = time.time()
    today = local_date(now)
    last_day = today - timedelta(days=1)
    first_day = today - timedelta(days=args.days)
    planner = Planner(ref, seed=args.seed, first_day=first_day, last_day=last_day)
    rng = planner.rng
    mean_count = sum(v * w for v, w in VISIT_COUNTS) / sum(w for _v, w in VISIT_COUNTS)
    expected_people = int(args.visits / mean_count)
    from_cases = int(expected_people * args.from_cases * 1.1)  # a margin: the draw is random
    anchored = int(from_cases * args.anchored)
    people = case_people(
        cursor,
        anchored=anchored,
        others=from_cases - anchored,
        before=local_day_start(today),
        seed=args.seed,
        clerk=ref.clerk,
    )
    rng.shuffle(people)
    # Each next visitor is a citizen of a case with probability --from-cases (while there are some left).
    visits: list[Visit] = []
    taken = iter(people)
    while len(visits) < args.visits:
        person = next(taken, None) if rng.random() < args.from_cases else None
        visits.extend(planner.visits_of(person or planner.new_person()))
    del visits[args.visits :]
    persons = Counter(id(v.person) for v in visits)
    print(
        f"   {len(visits):,} visits of {len(persons):,} people "
        f"({sum(1 for v in visits if v.person.case is not None):,} visits by citizens of cases, "
        f"{sum(v.anchored for v in visits):,} of them the visit that registered the case)"
    )

    leader_days = plan_leader_days(ref, first_day, last_day)
    visits.sort(key=lambda v: v.t)
    booked_on: Counter = Counter()
    for visit in visits:
        if visit.anchored:
            visit.state, visit.room = "finished", pick(rng, ref.room_table)
            continue
        day = leader_days.get(visit.day)
        hour = datetime.fromtimestamp(visit.t, LOCAL).hour
        if day and 9 <= hour < 12 and booked_on[visit.day] < day[2] and rng.random() < 0.1:
            visit.leader_day, visit.room = day[0], day[1]
            visit.booked_t = visit.t - rng.uniform(1, 14) * DAY
            x = rng.random()
            visit.state = "cancelled" if x < 0.15 else "left" if x < 0.2 else "finished"
            if visit.state != "cancelled":
                booked_on[visit.day] += 1
        else:
            visit.room = pick(rng, ref.room_table)
            visit.state = "finished" if rng.random() < 0.86 else "left"

    # Tickets of each day in arrival order, after the register's existing ones.
    cursor.execute(f"SELECT visit_date, max(ticket) FROM {TABLE} GROUP BY visit_date")
    last_ticket = dict(cursor.fetchall())
    # A booking takes its ticket when it is made: booked visits come first in their day's numbers.
    visits.sort(key=lambda v: (v.day, v.booked_t if v.booked_t is not None else v.t))
    for visit in visits:
        last_ticket[visit.day] = visit.ticket = last_ticket.get(visit.day, 0) + 1

    cursor.execute(f"SELECT COALESCE(max(id), 0) + 1 FROM {TABLE}")
    maker = RowMaker(ref, rng, cursor.fetchone()[0])
    earlier: Counter = Counter()
    rows = []
    for visit in visits:
        person = visit.person
        has_case_before = person.case_t is not None and person.case_t < visit.t
        rows.append(maker.row(visit, earlier[id(person)], has_case_before))
        if visit.state != "cancelled":
            earlier[id(person)] += 1
    per_person = Counter(persons.values())
    summary = {
        "people": len(persons),
        "visits_per_person": {str(k): per_person[k] for k in sorted(per_person)},
        "people_with_case": len({id(v.person) for v in visits if v.person.case is not None}),
    }
    return rows, maker, summary


def copy_rows(params: dict, rows: list[str], batch: int) -> None:
    connection = gc.connect(params)
    cursor = connection.cursor()
    cursor.execute("SET synchronous_commit = off")
    columns = ", ".join(COLUMNS)
    for start in range(0, len(rows), batch):
        payload = ("\n".join(rows[start : start + batch]) + "\n").encode()
        cursor.copy_expert(f"COPY {TABLE} ({columns}) FROM STDIN", io.BytesIO(payload), size=1 << 20)
        connection.commit()
        print(f"   {min(start + batch, len(rows)):>9,} / {len(rows):,} visits", flush=True)
    connection.close()


def finish(params: dict) -> None:
    connection = gc.connect(params)
    connection.autocommit = True
    cursor = connection.cursor()
    for table in (TABLE, "reception_leaderreceptionday", "reception_receptionroom"):
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT max(id) FROM {table}), 1))"
        )
    cursor.execute("SET maintenance_work_mem = '512MB'")
    cursor.execute(f"VACUUM (ANALYZE) {TABLE}")
    cursor.execute("ANALYZE reception_leaderreceptionday")
    connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--visits", type=int, default=500_000, help="visits to generate")
    parser.add_argument("--days", type=int, default=730, help="spread them over this many days before today")
    parser.add_argument(
        "--from-cases", type=float, default=0.5, help="share of the visitors taken from cases"
    )
    parser.add_argument(
        "--anchored", type=float, default=0.7, help="share of those whose case was registered at reception"
    )
    parser.add_argument("--batch", type=int, default=100_000, help="visits per COPY batch")
    parser.add_argument("--seed", type=int, default=20260301)
    parser.add_argument(
        "--keep-indexes", action="store_true", help="load with every index and constraint in place (slower)"
    )
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL")
    if not url:
        sys.exit("Set DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/minsheng_bench")
    params = gc.connection_parameters(url)
    phases = gc.Phases()

    import django

    django.setup()
    connection = gc.connect(params)
    connection.autocommit = True
    cursor = connection.cursor()
    check_columns(cursor)
    cursor.execute(f"SELECT count(*) FROM {TABLE}")
    print(f"visits before loading: {cursor.fetchone()[0]:,}")
    if STATE_FILE.exists() and not args.keep_indexes:
        sys.exit(
            f"{STATE_FILE} exists: a previous run stopped before rebuilding the indexes of {TABLE}. "
            "Restore them from that file (or regenerate the database)."
        )

    ref = phases.run("reference data", Reference)
    rows, maker, summary = phases.run("plan visits (Python)", build, args, ref, params, cursor)
    saved = None
    if not args.keep_indexes:
        saved = phases.run("drop indexes and constraints", capture_and_drop, cursor)
    connection.close()
    try:
        phases.run("COPY", copy_rows, params, rows, args.batch)
    finally:
        if saved is not None:
            phases.run("rebuild indexes", rebuild_indexes, params, saved)
            phases.run("restore constraints (validated)", restore_constraints, params, saved)
    phases.run("sequences + VACUUM ANALYZE", finish, params)

    stats = maker.stats
    total = len(rows)
    print(f"\n{total:,} visits of {summary['people']:,} people ({summary['people_with_case']:,} with a case)")
    print("visits per person:", ", ".join(f"{k}: {v:,}" for k, v in summary["visits_per_person"].items()))
    for key in sorted(stats):
        print(f"   {key:<20} {stats[key]:>9,}  ({stats[key] / total:.1%})")
    connection = gc.connect(params)
    cursor = connection.cursor()
    cursor.execute(f"SELECT count(*), count(DISTINCT visit_date), max(ticket) FROM {TABLE}")
    count, days, top = cursor.fetchone()
    print(f"{TABLE}: {count:,} rows over {days} days, highest ticket {top}")
    cursor.execute(
        f"SELECT pg_size_pretty(pg_total_relation_size('{TABLE}')), "
        "pg_size_pretty(pg_database_size(current_database()))"
    )
    table_size, database_size = cursor.fetchone()
    print(f"table with indexes: {table_size}; database size: {database_size}")
    connection.close()
    phases.report()


if __name__ == "__main__":
    main()
