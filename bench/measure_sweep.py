#!/usr/bin/env python
"""Time the deadline sweep (``complaints.escalation.escalation_sweep``) with 1,000,000 open cases.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/minsheng_bench .venv/bin/python bench/measure_sweep.py

The issue: "With 1,000,000 open cases of which 1,000 come due, one sweep takes under 2 seconds."

The sweep locks the ``complaints.CaseSchedule`` rows whose ``next_at`` has come (the narrow table of
the next threshold's moment, one row per case, partial index ``complaints_schedule_due``), loads their
cases, acts, and upserts the rows with the next moments.

Data (run generate_cases.py first, then ``manage.py migrate``):

- ``--prepare`` (automatic when needed): the 1,000,000 highest case ids (``--open``; the generated cases,
  not the demo's) become open with a running clock, in one UPDATE of ``complaints_case``: state
  ``in_progress``, stage ``handle``, a lead department that has a handler and a head (the case's own if
  it is one of them, otherwise one of ``--departments`` in turn), the stage started 0-2 days before, its
  deadline 3-6 weeks after, ``closed_at`` and ``suspended_at`` cleared. Then ``complaints_caseschedule``
  is emptied and refilled with one row per prepared case in one ``INSERT ... SELECT``: ``next_at``
  half-way through the stage (9.5 days ahead or more: not due). The rows of other cases (the demo's open
  cases, due since migration 0008) are thus left out: only the benchmark's cases ever come due. The case
  columns it changes are first copied to ``bench_sweep_saved`` and the whole schedule table to
  ``bench_sweep_saved_schedule``, so that ``--restore`` puts the data the other benchmarks expect back.
  Then ``VACUUM (ANALYZE)`` of both tables (autovacuum is off on the benchmark server). About 4 minutes
  on 2 cores (run it under nohup).
- Each round takes ``--due`` cases never used before (random ids across the table) and makes them due:
  stage times computed by the app's own ``complaints.escalation.Clock`` from each case's deadline policy
  (an UPDATE of the 1,000 case rows) and ``CaseSchedule.next_at`` set to the moment ``schedule()`` would
  have stored (an UPDATE of their schedule rows): 50 % a warning (50 % of the stage time passed a few
  minutes ago; the stage started at the moment that makes it so, the deadline is what the policy gives),
  20 % urging (the deadline was the last 18:00 of a working day), 20 % one working day overdue (reminder
  + supervision notice: a ``Supervision`` document), 10 % three working days overdue (reminder + listed
  supervision) (``--mix``). Every case is checked with ``Clock.plan()`` before the sweep (exactly the
  intended thresholds are due, the next one is in the future), and afterwards the notices, supervision
  documents, timeline events and deliveries stored are checked against the expected numbers (computed
  from the departments' members, independently of the sweep's ``Recipients``), and every swept case's
  schedule row against the next moment ``Clock.plan()`` gave.
- A run starts by re-arming (not due) the cases earlier runs used, deleting the notices, supervision
  documents and their timeline events of earlier runs (``--keep-notices`` keeps them) and
  ``VACUUM (ANALYZE)`` of the case and schedule tables (what autovacuum would do; ``--no-vacuum``:
  ANALYZE only). Within a run nothing is cleared between rounds: the tables grow by ~1,900 notices a
  round, as they would.

Timing: ``--warmup`` untimed rounds (the first sweep of a process compiles templates, loads the calendar
and the rules), then ``--rounds`` timed ones, ``time.perf_counter()`` around ``escalation_sweep()``, the
SQL captured with ``CaptureQueriesContext``. Median / min / max, PASS/FAIL against ``--target`` (2 s) for
every round. Then a sweep with nothing due (``--idle`` times) to show the cost does not grow with the
open cases.

Deliveries (email for urging and supervision) are handed to Celery after commit. With no
``CELERY_BROKER_URL`` the app uses kombu's filesystem broker under ``var/broker``; the benchmark points it
to a private folder instead (``--broker fs``, the default: one file per task, as in development) so that
no worker of the shared tree sees its messages, or uses ``--broker memory`` (kombu's in-memory
transport) or ``--broker none`` (``hand_to_worker`` replaced by a no-op) to isolate that cost.

``--explain``: EXPLAIN (ANALYZE, BUFFERS) of the due selection (the sweep's own SQL, captured from a dry
run over one more set of due cases) and of the same query when nothing is due.
``--profile``: one more round under cProfile: where the time goes.
``--experiment NAME``: monkeypatch the app inside this process (nothing is edited) to measure a change;
see EXPERIMENTS.
``--restore``: put the saved case columns and the saved schedule table back, delete the benchmark's
notices, drop the bench_sweep_* tables, ``VACUUM (FULL, ANALYZE)`` both tables (about 5 minutes in all).
"""

import argparse
import cProfile
import io
import os
import pstats
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from common import (  # noqa: E402  (bench/common.py)
    code_fingerprint,
    load_text,
    print_header,
    require_postgresql,
    save_json,
    setup_django,
    unapplied_migrations,
    warn_pending,
)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

KINDS_OF_DUE = ("warning", "urging", "supervision", "listed")
# The rules each kind of due case must fire, and nothing else (complaints 0007_default_escalation_rules).
EXPECTED_RULES = {
    "warning": {"warning_50"},
    "urging": {"urging"},
    "supervision": {"overdue_daily", "supervision"},
    "listed": {"overdue_daily", "listed"},
}
EXPERIMENTS = {
    "none": "the code as it is",
    "python_texts": "the sweep's notice texts (case_warning/urging/overdue/supervision/listed) built with "
    "gettext() and the same msgids instead of rendering two Django templates per notice (checked to give "
    "the same subject and body before the rounds)",
}
# The case columns the preparation changes (saved first, put back by --restore).
# Vacuumed (or only analyzed, --no-vacuum) at the start of every run.
VACUUMED = (
    "complaints_case",
    "complaints_caseschedule",
    "complaints_caseevent",
    "complaints_supervision",
    "core_notice",
    "core_noticedelivery",
)
SAVED_COLUMNS = (
    "state",
    "stage",
    "lead_department_id",
    "stage_started_at",
    "stage_deadline",
    "closed_at",
    "suspended_at",
)


def table_exists(cursor, name: str) -> bool:
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
    return cursor.fetchone()[0]


def log(message: str = "") -> None:
    print(message, flush=True)


# Preparing the million open cases


def business_departments(cursor, codes: list[str]) -> list[int]:
    """The ids of the departments of `codes` that have an active handler and an active head."""
    cursor.execute(
        """
        SELECT d.id, d.code,
               count(*) FILTER (WHERE g.name = 'handler') AS handlers,
               count(*) FILTER (WHERE g.name = 'head') AS heads
        FROM core_department d
        JOIN core_departmentmembership m ON m.department_id = d.id
        JOIN core_user u ON u.id = m.user_id AND u.is_active
        JOIN core_user_groups ug ON ug.user_id = u.id
        JOIN auth_group g ON g.id = ug.group_id
        WHERE d.code = ANY(%s)
        GROUP BY d.id, d.code
        """,
        [codes],
    )
    found = {code: (pk, handlers, heads) for pk, code, handlers, heads in cursor.fetchall()}
    ids = []
    for code in codes:
        if code not in found or not found[code][1] or not found[code][2]:
            sys.exit(f"department {code} has no active handler and head (run the demo command)")
        ids.append(found[code][0])
    return ids


def prepare_state(cursor) -> dict | None:
    if not table_exists(cursor, "bench_sweep_state"):
        return None
    cursor.execute("SELECT prepared_at, pool_min, pool_max, departments FROM bench_sweep_state")
    row = cursor.fetchone()
    if row is None:
        return None
    return {"prepared_at": row[0], "pool_min": row[1], "pool_max": row[2], "departments": row[3]}


# The not-due pattern, relative to %(t0)s (the preparation's moment), from the case id alone: the stage
# started 0-47.5 hours before, the deadline 21-41 days after, the next threshold half-way between.
STARTED = "(%(t0)s - make_interval(mins => ({id} %% 96)::int * 30))"
DEADLINE = "(%(t0)s + make_interval(days => 21 + ({id} %% 21)::int))"
HALF_WAY = f"({STARTED} + ({DEADLINE} - {STARTED}) / 2)"


def not_due(sql: str, id_column: str = "id") -> str:
    return sql.format(id=id_column)


def save_originals(cursor, pool_min: int, pool_max: int) -> None:
    """Copy the case columns the preparation changes, and the whole schedule table, once (a second
    preparation must not save prepared data over the originals): --restore puts them back."""
    if not table_exists(cursor, "bench_sweep_saved"):
        log("saving the columns the preparation changes to bench_sweep_saved ...")
        cursor.execute(
            f"""
            CREATE TABLE bench_sweep_saved AS
            SELECT id, {", ".join(SAVED_COLUMNS)}
            FROM complaints_case WHERE id BETWEEN %s AND %s
            """,
            [pool_min, pool_max],
        )
        cursor.execute("ALTER TABLE bench_sweep_saved ADD PRIMARY KEY (id)")
    else:
        cursor.execute("SELECT min(id), max(id) FROM bench_sweep_saved")
        saved_min, saved_max = cursor.fetchone()
        if (saved_min, saved_max) != (pool_min, pool_max):
            sys.exit(
                f"bench_sweep_saved holds ids {saved_min}-{saved_max}, not {pool_min}-{pool_max}: "
                "--restore first"
            )
    if not table_exists(cursor, "bench_sweep_saved_schedule"):
        cursor.execute("CREATE TABLE bench_sweep_saved_schedule AS SELECT * FROM complaints_caseschedule")
        log(f"saved the schedule table ({cursor.rowcount:,} rows) to bench_sweep_saved_schedule")


def open_pool(cursor, t0: datetime, pool_min: int, pool_max: int, departments: list[int]) -> None:
    """One UPDATE makes the pool's cases open with a running clock; the schedule table is refilled with
    their next moments (none due), and nothing else."""
    log(f"UPDATE of {pool_max - pool_min + 1:,} cases (ids {pool_min}-{pool_max}) ...")
    step = time.perf_counter()
    cursor.execute(
        not_due(
            f"""
            UPDATE complaints_case SET
                state = 'in_progress', stage = 'handle', closed_at = NULL, suspended_at = NULL,
                lead_department_id = CASE WHEN lead_department_id = ANY(%(departments)s)
                    THEN lead_department_id
                    ELSE (%(departments)s::bigint[])[(id %% %(count)s)::int + 1] END,
                stage_started_at = {STARTED},
                stage_deadline = {DEADLINE}
            WHERE id BETWEEN %(low)s AND %(high)s
            """
        ),
        {"t0": t0, "low": pool_min, "high": pool_max, "departments": departments, "count": len(departments)},
    )
    log(f"  {cursor.rowcount:,} rows in {time.perf_counter() - step:.1f} s")
    step = time.perf_counter()
    cursor.execute("TRUNCATE complaints_caseschedule")
    cursor.execute(
        not_due(
            f"""
            INSERT INTO complaints_caseschedule (case_id, next_at)
            SELECT id, {HALF_WAY} FROM complaints_case WHERE id BETWEEN %(low)s AND %(high)s
            ORDER BY id
            """
        ),
        {"t0": t0, "low": pool_min, "high": pool_max},
    )
    log(f"INSERT of {cursor.rowcount:,} schedule rows in {time.perf_counter() - step:.1f} s")


def prepare(connection, *, open_cases: int, department_codes: list[str]) -> dict:
    """Make `open_cases` cases open with a running clock, none of them due (see the module docstring)."""
    from django.utils import timezone

    started = time.perf_counter()
    t0 = timezone.now().replace(microsecond=0)
    with connection.cursor() as cursor:
        departments = business_departments(cursor, department_codes)
        cursor.execute("SELECT max(id) FROM complaints_case")
        (max_id,) = cursor.fetchone()
        pool_min, pool_max = max_id - open_cases + 1, max_id
        if pool_min < 1:
            sys.exit(f"only {max_id:,} cases: run generate_cases.py first")
        save_originals(cursor, pool_min, pool_max)
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_sweep_used (id bigint PRIMARY KEY)")
        cursor.execute("TRUNCATE bench_sweep_used")
        open_pool(cursor, t0, pool_min, pool_max, departments)
        cursor.execute(
            """
            CREATE TABLE IF NOT EXISTS bench_sweep_state (
                prepared_at timestamptz, pool_min bigint, pool_max bigint, departments bigint[])
            """
        )
        cursor.execute("TRUNCATE bench_sweep_state")
        cursor.execute(
            "INSERT INTO bench_sweep_state VALUES (%s, %s, %s, %s)", [t0, pool_min, pool_max, departments]
        )
    # The statements above ran in autocommit mode; VACUUM cannot run inside a transaction.
    for table in ("complaints_case", "complaints_caseschedule"):
        step = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM (ANALYZE) {table}")
        log(f"VACUUM (ANALYZE) {table}: {time.perf_counter() - step:.1f} s")
    log(f"prepared in {time.perf_counter() - started:.1f} s")
    with connection.cursor() as cursor:
        return prepare_state(cursor)


def needs_prepare(cursor, state: dict | None, open_cases: int) -> str:
    """Why the data must be prepared (again), or ''."""
    from django.utils import timezone

    if state is None:
        return "not prepared yet"
    if state["pool_max"] - state["pool_min"] + 1 != open_cases:
        return f"prepared for {state['pool_max'] - state['pool_min'] + 1:,} cases, not {open_cases:,}"
    cursor.execute(
        "SELECT count(*) FROM complaints_case c JOIN complaints_caseschedule s ON s.case_id = c.id "
        "WHERE c.id BETWEEN %s AND %s AND c.state = 'in_progress' AND s.next_at IS NOT NULL",
        [state["pool_min"], state["pool_max"]],
    )
    (armed,) = cursor.fetchone()
    if armed != open_cases:
        return f"only {armed:,} of the {open_cases:,} cases are open with a scheduled next threshold"
    # The not-due pattern is relative to the preparation: at least 10 days ahead then.
    if state["prepared_at"] + timedelta(days=9) < timezone.now():
        return f"prepared on {state['prepared_at']:%Y-%m-%d}: the cases start coming due"
    return ""


def rearm_used(connection, state: dict) -> int:
    """Cases of earlier rounds back in the not-due pattern (their next thresholds come in hours or days)."""
    with connection.cursor() as cursor:
        # Only those the sweep moved (each is re-armed once: rewriting case rows costs index entries).
        moved = (
            "SELECT case_id FROM complaints_caseschedule WHERE case_id IN (SELECT id FROM bench_sweep_used) "
            "AND (next_at IS NULL OR next_at < %(t0)s + interval '9 days')"
        )
        parameters = {"t0": state["prepared_at"]}
        cursor.execute(
            not_due(
                f"UPDATE complaints_case SET stage_started_at = {STARTED}, stage_deadline = {DEADLINE} "
                f"WHERE id IN ({moved})"
            ),
            parameters,
        )
        cursor.execute(
            not_due(
                f"UPDATE complaints_caseschedule SET next_at = {HALF_WAY} WHERE case_id IN ({moved})",
                "case_id",
            ),
            parameters,
        )
        return cursor.rowcount


def delete_bench_notices(connection) -> tuple[int, int]:
    """The notices (and deliveries) and supervision documents the benchmark's sweeps made."""
    from django.db.models import Q

    from complaints.models import Supervision
    from core.models import Notice

    used = "SELECT id FROM bench_sweep_used"
    with connection.cursor() as cursor:
        if not table_exists(cursor, "bench_sweep_used"):
            return 0, 0
    notices = Notice.objects.filter(
        Q(dedupe_key__startswith="escalation:") | Q(dedupe_key__startswith="supervision-escalated:")
    ).extra(where=[f"target_id ~ '^[0-9]+$' AND target_id::bigint IN ({used})"])
    supervisions = Supervision.objects.filter(dedupe_key__startswith="supervision:").extra(
        where=[f"case_id IN ({used})"]
    )
    deleted_notices = notices.delete()[0]
    deleted_supervisions = supervisions.delete()[0]
    # The sweep writes each supervision document it issues on the case's timeline too.
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM complaints_caseevent WHERE type = 'supervision' AND action LIKE 'issue%%' "
            f"AND (payload ->> 'automatic')::boolean AND case_id IN ({used})"
        )
    return deleted_notices, deleted_supervisions


def restore(connection) -> None:
    started = time.perf_counter()
    with connection.cursor() as cursor:
        if not table_exists(cursor, "bench_sweep_saved"):
            sys.exit("nothing to restore: bench_sweep_saved does not exist")
        cursor.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'bench_sweep_saved'"
        )
        saved = {row[0] for row in cursor.fetchall()}
        columns = [column for column in SAVED_COLUMNS if column in saved]
        if columns != list(SAVED_COLUMNS):
            # bench_sweep_saved of an older version of this script (no suspended_at).
            log(f"bench_sweep_saved lacks {', '.join(sorted(set(SAVED_COLUMNS) - saved))}: not restored")
    log(f"deleted the benchmark's notices and supervision documents: {delete_bench_notices(connection)}")
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE complaints_case c SET {', '.join(f'{column} = s.{column}' for column in columns)} "
            "FROM bench_sweep_saved s WHERE c.id = s.id"
        )
        log(
            f"restored {cursor.rowcount:,} cases ({', '.join(columns)}) in {time.perf_counter() - started:.1f} s"
        )
        if table_exists(cursor, "bench_sweep_saved_schedule"):
            cursor.execute("TRUNCATE complaints_caseschedule")
            cursor.execute("INSERT INTO complaints_caseschedule SELECT * FROM bench_sweep_saved_schedule")
            log(f"restored the schedule table: {cursor.rowcount:,} rows")
        # The saved copies are dropped only once the data is checked equal to them.
        cursor.execute(
            f"SELECT count(*) FROM complaints_case c JOIN bench_sweep_saved s ON s.id = c.id "
            f"WHERE ({', '.join(f'c.{column}' for column in columns)}) "
            f"IS DISTINCT FROM ({', '.join(f's.{column}' for column in columns)})"
        )
        (different,) = cursor.fetchone()
        if table_exists(cursor, "bench_sweep_saved_schedule"):
            cursor.execute(
                "SELECT count(*) FROM (SELECT * FROM complaints_caseschedule EXCEPT "
                "SELECT * FROM bench_sweep_saved_schedule) AS extra"
            )
            different += cursor.fetchone()[0]
        if different:
            sys.exit(f"{different} rows differ from the saved copies: bench_sweep_saved* kept, not dropped")
        log("checked: the cases and the schedule table equal the saved copies")
        cursor.execute(
            "DROP TABLE IF EXISTS bench_sweep_saved, bench_sweep_saved_schedule, bench_sweep_used, "
            "bench_sweep_state"
        )
    # The preparation and the restore each wrote a new version of a million case rows and of their index
    # entries: give the space back (the table and its indexes were twice their size), so that the other
    # benchmarks scan what they scanned before. Takes an exclusive lock, ~5 minutes.
    for table in ("complaints_case", "complaints_caseschedule"):
        step = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM (FULL, ANALYZE) {table}")
        log(f"VACUUM (FULL, ANALYZE) {table}: {time.perf_counter() - step:.1f} s")


# Making cases due


class DueMaker:
    """Stage times that make a case due for exactly one kind of threshold, computed with the app's Clock."""

    def __init__(self, now: datetime):
        from django.utils import timezone

        from complaints.escalation import Clock, clear_rules_cache
        from core.working_time import DurationUnit, clear_working_calendar_cache

        clear_rules_cache()
        clear_working_calendar_cache()
        self.clock = Clock()
        self.calendar = self.clock.calendar
        self.units = DurationUnit
        self.now = now
        local = timezone.localtime(now, self.calendar.zone)
        self.day_end = datetime.strptime(self.calendar.working_periods[-1][1], "%H:%M").time()
        # The last working day whose working time has ended by now: thresholds counted in working days
        # fall at its end (18:00).
        day = local.date()
        while not (self.calendar.is_working_day(day) and self._end_of(day) <= now):
            day -= timedelta(days=1)
        self.last_day = day

    def _end_of(self, day):
        return datetime.combine(day, self.day_end, tzinfo=self.calendar.zone)

    def _working_day_before(self, day, count: int):
        while count:
            day -= timedelta(days=1)
            if self.calendar.is_working_day(day):
                count -= 1
        return day

    def _rule(self, case):
        return self.clock.policy(case).rules["handle"]

    def _start_before(self, case, deadline: datetime, rng: random.Random) -> datetime:
        """A stage start that the policy would turn into (about) `deadline`."""
        rule = self._rule(case)
        if rule.unit == self.units.WORKING_DAYS:
            day = self._working_day_before(deadline.date(), rule.amount)
            return datetime.combine(day, datetime.min.time(), tzinfo=self.calendar.zone) + timedelta(
                hours=9, minutes=rng.randrange(0, 8 * 60)
            )
        if rule.unit == self.units.CALENDAR_DAYS:
            return deadline - timedelta(days=rule.amount, hours=rng.randrange(1, 12))
        if rule.unit == self.units.CLOCK_MINUTES:
            return deadline - timedelta(minutes=rule.amount)
        if rule.unit == self.units.CLOCK_HOURS:
            return deadline - timedelta(hours=rule.amount)
        return deadline - timedelta(days=rule.amount * 1.4)  # working hours: roughly

    def make(self, case, kind: str, rng: random.Random) -> datetime:
        """Set the case's stage_started_at and stage_deadline for `kind`; returns the moment of its due
        threshold, what `schedule()` stored (its CaseSchedule.next_at)."""
        if kind == "warning":
            return self._warning(case, rng)
        else:
            if kind == "urging":
                deadline = self._end_of(self.last_day)
                due_at = deadline
            else:
                late = 1 if kind == "supervision" else 3
                deadline = self._end_of(self._working_day_before(self.last_day, late))
                due_at = self._end_of(self.last_day)
            case.stage_deadline = deadline
            case.stage_started_at = self._start_before(case, deadline, rng)
            return due_at

    def _warning(self, case, rng: random.Random) -> datetime:
        """The latest stage start (to the second) whose 50 % moment is at or before now - a few minutes;
        the deadline is the policy's."""
        rule = self._rule(case)
        target = self.now - timedelta(minutes=rng.randrange(1, 30))

        def half_way(start: datetime) -> datetime:
            case.stage_started_at = start
            case.stage_deadline = self.calendar.add(start, rule.amount, rule.unit)
            return self.clock.next_at(case, after=start)

        base = self.now.replace(microsecond=0)
        low, high = 200 * 86400, 0  # seconds before now: half-way(low) <= target < half-way(high)
        while low - high > 1:
            middle = (low + high) // 2
            if half_way(base - timedelta(seconds=middle)) <= target:
                low = middle
            else:
                high = middle
        return half_way(base - timedelta(seconds=low))

    def check(self, case, kind: str, next_at: datetime, margin: timedelta) -> tuple[str, datetime | None]:
        """('', the next moment after now) if exactly the kind's rules are due now (`Clock.plan()` from
        `next_at` to now), the next threshold is after now + margin, and `next_at` is what `schedule()`
        would have stored; else (what is wrong, None)."""
        due, following = self.clock.plan(case, since=next_at, until=self.now)
        fired = {threshold.rule.code for threshold in due}
        if fired != EXPECTED_RULES[kind]:
            return f"{kind}: fires {sorted(fired)}", None
        if following is None or following <= self.now + margin:
            return f"{kind}: next threshold {following} too soon", None
        stored = self.clock.next_at(case, after=next_at - timedelta(microseconds=1))
        if stored != next_at:
            return f"{kind}: schedule() would store {stored}, not {next_at}", None
        return "", following


def pick_fresh(cursor, state: dict, count: int, rng: random.Random) -> list[int]:
    cursor.execute("SELECT id FROM bench_sweep_used")
    used = {row[0] for row in cursor.fetchall()}
    chosen: set[int] = set()
    while len(chosen) < count:
        candidate = rng.randint(state["pool_min"], state["pool_max"])
        if candidate not in used:
            chosen.add(candidate)
    return sorted(chosen)


def make_due(connection, state: dict, count: int, mix: list[float], rng: random.Random) -> dict:
    """`count` fresh cases made due now; returns what was made (ids, kinds, departments, moments)."""
    from django.utils import timezone

    from complaints.models import Case

    now = timezone.now()
    maker = DueMaker(now)
    with connection.cursor() as cursor:
        ids = pick_fresh(cursor, state, count, rng)
    cases = list(
        Case.objects.filter(pk__in=ids).only(
            "pk", "kind", "priority", "is_petition", "state", "stage", "lead_department_id"
        )
    )
    rng.shuffle(cases)
    bounds, total = [], 0.0
    for share in mix:
        total += share
        bounds.append(round(total / sum(mix) * len(cases)))
    kinds, due_at, following, problems = {}, {}, {}, []
    for index, case in enumerate(cases):
        kind = KINDS_OF_DUE[next(position for position, bound in enumerate(bounds) if index < bound)]
        due_at[case.pk] = maker.make(case, kind, rng)
        problem, following[case.pk] = maker.check(case, kind, due_at[case.pk], margin=timedelta(minutes=5))
        if problem:
            problems.append(f"case {case.pk} ({case.kind}/{case.priority}): {problem}")
        kinds[case.pk] = kind
    if problems:
        sys.exit("cannot make the cases due as intended:\n  " + "\n  ".join(problems[:10]))
    rows = [(case.pk, case.stage_started_at, case.stage_deadline) for case in cases]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE complaints_case c SET stage_started_at = v.s, stage_deadline = v.d FROM (VALUES "
            + ", ".join(["(%s::bigint, %s::timestamptz, %s::timestamptz)"] * len(rows))
            + ") AS v(id, s, d) WHERE c.id = v.id",
            [value for row in rows for value in row],
        )
        cursor.execute(
            "UPDATE complaints_caseschedule s SET next_at = v.n FROM (VALUES "
            + ", ".join(["(%s::bigint, %s::timestamptz)"] * len(cases))
            + ") AS v(id, n) WHERE s.case_id = v.id",
            [value for case in cases for value in (case.pk, due_at[case.pk])],
        )
        if cursor.rowcount != len(cases):
            sys.exit(f"only {cursor.rowcount} of {len(cases)} cases have a schedule row: --prepare")
        cursor.execute(
            "INSERT INTO bench_sweep_used SELECT unnest(%s::bigint[]) ON CONFLICT DO NOTHING",
            [[case.pk for case in cases]],
        )
    return {
        "now": now,
        "ids": [case.pk for case in cases],
        "kinds": kinds,
        "departments": {case.pk: case.lead_department_id for case in cases},
        "counts": {kind: sum(1 for value in kinds.values() if value == kind) for kind in KINDS_OF_DUE},
        "last_working_day": maker.last_day,
        "following": following,
    }


def staff(cursor) -> dict:
    """Who a rule reaches, read from the database directly (not through the sweep's Recipients)."""
    cursor.execute(
        """
        SELECT m.department_id, g.name, u.id FROM core_departmentmembership m
        JOIN core_user u ON u.id = m.user_id AND u.is_active
        JOIN core_user_groups ug ON ug.user_id = u.id JOIN auth_group g ON g.id = ug.group_id
        WHERE g.name IN ('handler', 'head')
        """
    )
    departments: dict[int, dict[str, set[int]]] = {}
    for department, group, user in cursor.fetchall():
        departments.setdefault(department, {"handler": set(), "head": set()})[group].add(user)
    roles = {}
    for role in ("office", "leader"):
        cursor.execute(
            "SELECT u.id FROM core_user u JOIN core_user_groups ug ON ug.user_id = u.id "
            "JOIN auth_group g ON g.id = ug.group_id WHERE g.name = %s AND u.is_active",
            [role],
        )
        roles[role] = {row[0] for row in cursor.fetchall()}
    return {"departments": departments, **roles}


def expected_notices(made: dict, people: dict) -> int:
    total = 0
    for pk, kind in made["kinds"].items():
        members = people["departments"].get(made["departments"][pk], {"handler": set(), "head": set()})
        responsible = members["handler"] or members["head"]
        heads = members["head"]
        if kind == "warning":
            total += len(responsible)
        elif kind == "urging":
            total += len(responsible | heads)
        elif kind == "supervision":
            total += len(responsible) + len(heads | people["office"])
        else:
            total += len(responsible) + len(heads | people["office"] | people["leader"])
    return total


def stored_for(made: dict) -> dict:
    from complaints.models import CaseEvent, CaseSchedule, Supervision
    from core.models import Notice, NoticeDelivery

    keys = [str(pk) for pk in made["ids"]]
    notices = Notice.objects.filter(dedupe_key__startswith="escalation:", target_id__in=keys)
    stored_next = dict(CaseSchedule.objects.filter(case_id__in=made["ids"]).values_list("case_id", "next_at"))
    return {
        "notices": notices.count(),
        "deliveries": NoticeDelivery.objects.filter(notice__in=notices).count(),
        "supervisions": Supervision.objects.filter(case_id__in=made["ids"], dedupe_key__isnull=False).count(),
        "events": CaseEvent.objects.filter(case_id__in=made["ids"], type=CaseEvent.Type.SUPERVISION).count(),
        "still_due": sum(1 for at in stored_next.values() if at is None or at <= made["now"]),
        "not_as_planned": sum(1 for pk, at in made["following"].items() if stored_next.get(pk) != at),
    }


# Broker


def use_broker(kind: str) -> str:
    """Point Celery at a private broker (or none): the sweep hands each email delivery to a task."""
    from django.conf import settings

    from config.celery import app
    from core import notices

    if kind == "none":
        notices.hand_to_worker = lambda delivery_ids: None
        return "none (hand_to_worker replaced by a no-op)"
    if kind == "memory":
        app.conf.broker_url = "memory://"
        return "memory:// (kombu in-memory transport)"
    if not settings.CELERY_BROKER_URL.startswith("filesystem://"):
        return f"{settings.CELERY_BROKER_URL.split('@')[-1]} (CELERY_BROKER_URL from the environment)"
    folder = Path(tempfile.mkdtemp(prefix="minsheng_sweep_broker_"))
    (folder / "queue").mkdir()
    (folder / "processed").mkdir()
    options = {
        "data_folder_in": str(folder / "queue"),
        "data_folder_out": str(folder / "queue"),
        "processed_folder": str(folder / "processed"),
        "store_processed": False,
    }
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = options
    app.conf.broker_url = "filesystem://"
    app.conf.broker_transport_options = options
    return f"filesystem:// in {folder} (private; removed at the end)"


def broker_folder() -> Path | None:
    from config.celery import app

    options = app.conf.broker_transport_options or {}
    folder = options.get("data_folder_in")
    return Path(folder).parent if folder and "minsheng_sweep_broker_" in folder else None


def empty_broker() -> int:
    folder = broker_folder()
    if folder is None:
        return 0
    files = list((folder / "queue").iterdir())
    for path in files:
        path.unlink()
    return len(files)


# Experiments: app changes tried inside this process only


def apply_experiment(names: str) -> None:
    """Monkeypatch the app in this process (comma-separated names of EXPERIMENTS); nothing is edited."""
    for name in names.split(","):
        if name == "none":
            continue
        if name == "python_texts":
            _python_texts()
        else:
            sys.exit(f"unknown experiment {name}; choose from {', '.join(EXPERIMENTS)}")


# The msgids of templates/notices/case_*.txt as blocktranslate builds them ({{ x }} -> %(x)s, % -> %%).
PYTHON_TEXTS = {
    "case_warning": (
        "Case %(number)s: %(percent)s%% of the time has passed",
        "%(percent)s%% of the time for “%(stage)s” of case %(number)s has passed. The deadline is %(deadline)s.",
    ),
    "case_urging": (
        "Urging: case %(number)s has reached its deadline",
        "The deadline for “%(stage)s” of case %(number)s was %(deadline)s. Complete it now; one working day "
        "late, the leadership office issues a supervision notice.",
    ),
    "case_overdue": (
        "Case %(number)s is %(days)s working days overdue",
        "“%(stage)s” of case %(number)s was due %(deadline)s and is now %(days)s working days overdue.",
    ),
    "case_supervision": (
        "Supervision notice: case %(number)s",
        "Case %(number)s of %(department)s is overdue (deadline %(deadline)s). The leadership office "
        "supervises it: answer in writing on the case page with the reason for the delay and the new "
        "completion date.",
    ),
    "case_listed": (
        "Listed supervision: case %(number)s",
        "Case %(number)s of %(department)s is listed for supervision by the leadership (deadline "
        "%(deadline)s). The department answers in writing on the case page.",
    ),
}


def _python_render(original):
    from django.utils import dateformat, timezone, translation
    from django.utils.formats import localize
    from django.utils.translation import gettext

    def value(item) -> str:
        # What blocktranslate does with each variable: localize (the .txt templates turn autoescaping
        # off: the notice texts are plain text).
        return str(localize(item))

    def render(kind_code: str, context: dict, language: str) -> tuple[str, str]:
        if kind_code not in PYTHON_TEXTS or context.get("supervision"):
            return original(kind_code, context, language)
        case = context["case"]
        subject_id, body_id = PYTHON_TEXTS[kind_code]
        with translation.override(language):
            data = {
                "number": value(case.number),
                "stage": value(case.get_stage_display()),
                "deadline": dateformat.format(timezone.localtime(case.stage_deadline), "Y-m-d H:i"),
                "department": value(case.lead_department),
                "percent": value(context["rule"].percent_of_stage),
                "days": value(context.get("overdue_days")),
            }
            subject, body = gettext(subject_id) % data, gettext(body_id) % data
        return " ".join(subject.split())[:200], body.strip()

    return render


_template_render = None


def _python_texts() -> None:
    global _template_render
    from core import notices

    _template_render = notices.render
    notices.render = _python_render(notices.render)


def check_python_texts(sample: int = 60) -> int:
    """The experiment's texts against the templates', for real cases, every kind, both languages."""
    from complaints.escalation import NOTICE_KINDS, Threshold, active_rules, clear_rules_cache
    from complaints.models import Case
    from core import notices

    clear_rules_cache()
    rules = active_rules()
    original, python_render = _template_render, notices.render
    ids = random.Random(sample).sample(
        range(1, Case.objects.order_by("-pk").values_list("pk", flat=True)[0]), sample
    )
    cases = list(
        Case.objects.filter(pk__in=ids, stage="handle", lead_department__isnull=False).select_related(
            "lead_department", "category"
        )
    )
    compared = 0
    for case in cases:
        for rule in rules:
            for days in (1, 3):
                context = {
                    "case": case,
                    "rule": rule,
                    "threshold": Threshold(rule, days, case.stage_deadline),
                }
                context["overdue_days"] = days
                for language in ("zh-hans", "en"):
                    kind = NOTICE_KINDS[rule.action]
                    expected = original(kind, context, language)
                    got = python_render(kind, context, language)
                    if expected != got:
                        sys.exit(f"python_texts differs for {kind} {language}:\n{expected}\n{got}")
                    compared += 1
    return compared


# Measuring


def timed_sweep(connection):
    from django.test.utils import CaptureQueriesContext

    from complaints.escalation import escalation_sweep

    with CaptureQueriesContext(connection) as captured:
        start = time.perf_counter()
        result = escalation_sweep()
        elapsed = time.perf_counter() - start
    queries = list(captured.captured_queries)
    return elapsed, result, queries


def sql_seconds(queries) -> float:
    return sum(float(query["time"]) for query in queries)


def explain(connection, sql: str) -> list[str]:
    from django.db import transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        plan = [line for (line,) in cursor.fetchall()]
        transaction.set_rollback(True)  # it locked the rows (FOR UPDATE)
    return plan


def selection_sql(connection) -> str:
    """The sweep's due-case selection as it runs, captured from a dry run (which rolls back)."""
    from django.test.utils import CaptureQueriesContext

    from complaints.escalation import escalation_sweep

    with CaptureQueriesContext(connection) as captured:
        escalation_sweep(dry_run=True)
    for query in captured.captured_queries:
        if "SKIP LOCKED" in query["sql"]:
            return query["sql"]
    sys.exit("the dry run did not select due cases FOR UPDATE SKIP LOCKED")


def profile_round(connection, state, args, rng, people) -> dict:
    from django.test.utils import CaptureQueriesContext

    from complaints.escalation import escalation_sweep

    made = make_due(connection, state, args.due, args.mix, rng)
    profiler = cProfile.Profile()
    with CaptureQueriesContext(connection) as captured:
        start = time.perf_counter()
        profiler.enable()
        result = escalation_sweep()
        profiler.disable()
        elapsed = time.perf_counter() - start
    stored = stored_for(made)
    empty_broker()
    stats = pstats.Stats(profiler)
    totals = {}
    # Inclusive time of the parts worth naming (cProfile's cumulative time of these functions).
    named = {
        "SQL (cursor execute, client side)": ("django/db/backends/utils.py", "_execute"),
        "notice texts (core.notices.render)": ("core/notices.py", "render"),
        "hand deliveries to Celery (hand_to_worker)": ("core/notices.py", "hand_to_worker"),
        "Clock.plan (thresholds and next moment)": ("complaints/escalation.py", "plan"),
        "WorkingCalendar.add": ("core/working_time.py", "add"),
        "supervision instructions": ("complaints/escalation.py", "_supervision_instructions"),
        "answer_due (calendar)": ("complaints/escalation.py", "answer_due"),
        "send_many": ("complaints/escalation.py", "send_many"),
        "_store_supervisions": ("complaints/escalation.py", "_store_supervisions"),
        "bulk_create (notices, deliveries, supervisions, events, schedule upsert)": (
            "django/db/models/query.py",
            "bulk_create",
        ),
        "_act_on (a batch of 500, all of it)": ("complaints/escalation.py", "_act_on"),
        "QuerySet._fetch_all (reads: due rows, cases, users, keys)": (
            "django/db/models/query.py",
            "_fetch_all",
        ),
        "Recipients.load_departments": ("complaints/escalation.py", "load_departments"),
        "notice URL (get_absolute_url)": ("complaints/models.py", "get_absolute_url"),
        "channels_of (preferences)": ("core/notices.py", "channels_of"),
        "supervisions_escalate": ("complaints/escalation.py", "supervisions_escalate"),
        "model __init__ (Notice, Supervision, Case, CaseSchedule rows)": (
            "django/db/models/base.py",
            "__init__",
        ),
    }
    for label, (suffix, function) in named.items():
        seconds, calls = 0.0, 0
        for (filename, _line, name), (_cc, count, _tt, cumulative, _callers) in stats.stats.items():
            if name == function and filename.endswith(suffix):
                seconds += cumulative
                calls += count
        totals[label] = (seconds, calls)
    out = io.StringIO()
    stats.stream = out
    stats.sort_stats("cumulative").print_stats(35)
    stats.sort_stats("tottime").print_stats(25)
    return {
        "elapsed": elapsed,
        "result": result,
        "stored": stored,
        "expected_notices": expected_notices(made, people),
        "queries": len(captured.captured_queries),
        "sql": sql_seconds(captured.captured_queries),
        "totals": totals,
        "text": out.getvalue(),
    }


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds")
    parser.add_argument("--warmup", type=int, default=1, help="untimed rounds first")
    parser.add_argument("--due", type=int, default=1000, help="cases made due each round")
    parser.add_argument("--open", type=int, default=1_000_000, help="open cases (the highest ids)")
    parser.add_argument(
        "--mix",
        type=lambda text: [float(part) for part in text.split(",")],
        default=[50, 20, 20, 10],
        help="shares of warning, urging, 1 day overdue, 3 days overdue (default 50,20,20,10)",
    )
    parser.add_argument(
        "--departments", default="YY,GC,JL,AQ,KF", help="lead departments (codes) for cases without one"
    )
    parser.add_argument("--target", type=float, default=2.0, help="seconds, median of the timed rounds")
    parser.add_argument("--idle", type=int, default=10, help="sweeps timed with nothing due")
    parser.add_argument("--broker", choices=("fs", "memory", "none"), default="fs")
    parser.add_argument("--keep-notices", action="store_true", help="keep the notices of earlier runs")
    parser.add_argument(
        "--no-vacuum", action="store_true", help="only ANALYZE complaints_case before the rounds"
    )
    parser.add_argument("--prepare", action="store_true", help="prepare the data even if it looks ready")
    parser.add_argument("--prepare-only", action="store_true", help="prepare (if needed) and stop")
    parser.add_argument("--restore", action="store_true", help="put the original case data back and stop")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the due-case selection")
    parser.add_argument("--profile", action="store_true", help="one more round under cProfile")
    parser.add_argument("--experiment", default="none", help=f"one of: {', '.join(EXPERIMENTS)}")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: from the clock)")
    parser.add_argument("--save", help="write the results as JSON to this file")
    parser.add_argument("--label", default="")
    return parser.parse_args()


def check_schema(connection) -> list[str]:
    """The sweep and its tables must be those of the code: refuse to measure before `migrate`."""
    require_postgresql(connection)
    pending = unapplied_migrations(connection)
    if any(name.startswith(("complaints.", "core.")) for name in pending):
        sys.exit(f"migrate first: {', '.join(pending)}")
    return pending


def ensure_prepared(connection, args) -> dict:
    """The open cases of the pool, prepared now if they are not (or no longer) as the rounds need."""
    with connection.cursor() as cursor:
        state = prepare_state(cursor)
        reason = "--prepare" if args.prepare else needs_prepare(cursor, state, args.open)
    if reason:
        log(f"preparing the data ({reason}) ...")
        state = prepare(connection, open_cases=args.open, department_codes=args.departments.split(","))
    return state


def reset_earlier_runs(connection, state: dict, args) -> dict:
    """Every run starts from the same state: the cases of earlier runs re-armed, their notices deleted,
    the tables vacuumed; returns what was done and what the tables hold now."""
    from django.utils import timezone

    from complaints.models import CaseSchedule

    step = time.perf_counter()
    rearmed = rearm_used(connection, state)
    deleted = (0, 0) if args.keep_notices else delete_bench_notices(connection)
    with connection.cursor() as cursor:
        for table in VACUUMED:
            # What autovacuum does in production (it is off on the benchmark server): dead row versions
            # and index entries of earlier runs go, and the GIN index's pending list is merged, so
            # that every run starts from the same state.
            cursor.execute(f"{'ANALYZE' if args.no_vacuum else 'VACUUM (ANALYZE)'} {table}")
        cursor.execute("SELECT count(*), count(*) FILTER (WHERE state = 'in_progress') FROM complaints_case")
        total_cases, open_cases = cursor.fetchone()
        cursor.execute("SELECT count(*), count(next_at), min(next_at) FROM complaints_caseschedule")
        schedule_rows, scheduled, earliest = cursor.fetchone()
        cursor.execute("SHOW server_version")
        (server_version,) = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM core_notice")
        (notices_before,) = cursor.fetchone()
        people = staff(cursor)
    return {
        "rearmed": rearmed,
        "deleted": deleted,
        "seconds": time.perf_counter() - step,
        "total_cases": total_cases,
        "open_cases": open_cases,
        "schedule_rows": schedule_rows,
        "scheduled": scheduled,
        "earliest": earliest,
        "server_version": server_version,
        "notices_before": notices_before,
        "people": people,
        "already_due": CaseSchedule.objects.filter(next_at__lte=timezone.now()).count(),
    }


def print_run_header(connection, state: dict, facts: dict, run: dict, args) -> None:
    """What the numbers below depend on: the data, what was reset, the rounds, the code and the load."""
    from django.conf import settings

    log(
        f"database: {connection.settings_dict['NAME']} (PostgreSQL {facts['server_version']})  cases: {facts['total_cases']:,}  "
        f"in progress: {facts['open_cases']:,}  schedule rows: {facts['schedule_rows']:,}, {facts['scheduled']:,} with next_at "
        f"(earliest {facts['earliest']:%Y-%m-%d %H:%M} UTC)"
    )
    deleted = facts["deleted"]
    log(
        f"prepared {state['prepared_at']:%Y-%m-%d %H:%M} UTC; re-armed {facts['rearmed']:,} cases of earlier runs, "
        f"deleted {deleted[0]:,} notices and {deleted[1]:,} supervision documents of earlier runs "
        f"and ran {'ANALYZE' if args.no_vacuum else 'VACUUM (ANALYZE)'} of {', '.join(VACUUMED)} "
        f"({facts['seconds']:.1f} s); notices in the table now: {facts['notices_before']:,}; due before the "
        f"rounds: {facts['already_due']}"
    )
    log(
        f"rounds: {args.warmup} untimed + {args.rounds} timed, {args.due:,} fresh due cases each "
        f"(mix warning/urging/1 day/3 days = {'/'.join(f'{share:g}' for share in args.mix)}), notices kept "
        f"between rounds; seed {run['seed']}; DEBUG={settings.DEBUG}; broker {run['broker']}; experiment {args.experiment}"
    )
    log(
        f"code fingerprint {run['fingerprint']}; load average {load_text(run['load'][0])}; {os.cpu_count()} cores  {args.label}"
    )
    warn_pending(run["pending"], write=log)
    if facts["already_due"]:
        log(f"WARNING: {facts['already_due']} cases were due before the first round")
    log()


ROUND_HEADER = (
    f"{'round':<7} {'seconds':>8} {'sql s':>7} {'py s':>6} {'queries':>7} {'cases':>6} {'notices':>8} "
    f"{'expected':>8} {'superv.':>7} {'deliv.':>6} {'queued':>6} {'load':>5} {'< 2 s':>5}  "
    "slowest queries (ms)"
)


def round_problems(result, stored: dict, made: dict, expected: int, due: int) -> list[str]:
    """What the sweep did not do as it should: every due case swept, the notices and supervision
    documents each department's members should get, no case left due, the next moments as planned."""
    problems = []
    if result.cases != due:
        problems.append(f"swept {result.cases} cases")
    if stored["notices"] != expected or result.notices != expected:
        problems.append(f"notices: result {result.notices}, stored {stored['notices']}, expected {expected}")
    expected_supervisions = made["counts"]["supervision"] + made["counts"]["listed"]
    if stored["supervisions"] != expected_supervisions or result.supervisions != expected_supervisions:
        problems.append(
            f"supervisions {result.supervisions}/{stored['supervisions']} != {expected_supervisions}"
        )
    if stored["events"] != stored["supervisions"]:
        problems.append(
            f"{stored['events']} timeline events for {stored['supervisions']} supervision documents"
        )
    if stored["still_due"]:
        problems.append(f"{stored['still_due']} cases still due")
    if stored["not_as_planned"]:
        problems.append(f"{stored['not_as_planned']} schedule rows not at the next moment Clock.plan() gave")
    return problems


def sweep_round(connection, state: dict, people: dict, number: int, rng: random.Random, args):
    """Make `--due` fresh cases due, sweep them (timed), check what was stored; returns the round's row,
    its wall time and its queries."""
    made = make_due(connection, state, args.due, args.mix, rng)
    elapsed, result, queries = timed_sweep(connection)
    stored = stored_for(made)
    queued = empty_broker()
    expected = expected_notices(made, people)
    timed = number >= args.warmup
    slowest = sorted(queries, key=lambda query: -float(query["time"]))[:4]
    row = {
        "round": number + 1 - args.warmup if timed else f"w{number + 1}",
        "timed": timed,
        "seconds": round(elapsed, 4),
        "under_target": elapsed < args.target,
        "sql_seconds": round(sql_seconds(queries), 4),
        "queries": len(queries),
        "cases": result.cases,
        "notices": result.notices,
        "expected_notices": expected,
        "supervisions": result.supervisions,
        "escalated": result.escalated,
        "deliveries": stored["deliveries"],
        "queued": queued,
        "mix": made["counts"],
        "load": round(os.getloadavg()[0], 2),
        "problems": round_problems(result, stored, made, expected, args.due),
        "slowest_queries": [
            [round(float(query["time"]) * 1000), " ".join(query["sql"].split())[:70]] for query in slowest
        ],
    }
    return row, elapsed, queries


def print_round(row: dict, elapsed: float) -> None:
    problems = row["problems"]
    log(
        f"{row['round']!s:<7} {elapsed:>8.3f} {row['sql_seconds']:>7.3f} {elapsed - row['sql_seconds']:>6.3f} {row['queries']:>7} {row['cases']:>6} "
        f"{row['notices']:>8} {row['expected_notices']:>8} {row['supervisions']:>7} {row['deliveries']:>6} "
        f"{row['queued']:>6} {row['load']:>5.2f} {'PASS' if row['under_target'] else 'FAIL':>5}  "
        + "  ".join(f"{ms} {' '.join(sql.split()[:3])[:40]}" for ms, sql in row["slowest_queries"][:3])
        + (f"  PROBLEM: {'; '.join(problems)}" if problems else "")
    )


def run_rounds(
    connection, state: dict, people: dict, rng: random.Random, args
) -> tuple[list[dict], list[str]]:
    """`--warmup` untimed then `--rounds` timed rounds; returns their rows and the first round's queries."""
    print_header(ROUND_HEADER, write=log)
    rounds = []
    for number in range(args.warmup + args.rounds):
        row, elapsed, queries = sweep_round(connection, state, people, number, rng, args)
        rounds.append(row)
        print_round(row, elapsed)
        if number == 0:
            query_lines = [
                f"    {float(query['time']) * 1000:7.1f} ms  {' '.join(query['sql'].split())[:160]}"
                for query in queries
            ]
    return rounds, query_lines


def summarize_rounds(rounds: list[dict], query_lines: list[str], open_cases: int, args) -> dict:
    """The verdict (median, and every round, under `--target`, every round correct) and the medians."""
    timed_rounds = [row for row in rounds if row["timed"]]
    seconds = [row["seconds"] for row in timed_rounds]
    median = statistics.median(seconds)
    correct = all(not row["problems"] for row in rounds)
    verdict = "PASS" if median < args.target and correct else "FAIL"
    every_round = "PASS" if max(seconds) < args.target and correct else "FAIL"
    log()
    log(
        f"sweep of {args.due:,} due cases among {open_cases:,} open: median {median:.3f} s, min {min(seconds):.3f}, "
        f"max {max(seconds):.3f} (target < {args.target:g} s): median {verdict}, every round {every_round}; "
        f"{sum(value >= args.target for value in seconds)} of {len(seconds)} rounds took {args.target:g} s or more"
        + ("" if correct else "  (notices or supervision documents not as expected)")
    )
    log(
        f"per round: {statistics.median(row['queries'] for row in timed_rounds):g} queries, "
        f"SQL {statistics.median(row['sql_seconds'] for row in timed_rounds):.3f} s, "
        f"Python (wall - SQL) {statistics.median(row['seconds'] - row['sql_seconds'] for row in timed_rounds):.3f} s "
        "(medians), "
        f"{statistics.median(row['notices'] for row in timed_rounds):g} notices, "
        f"{statistics.median(row['supervisions'] for row in timed_rounds):g} supervision documents, "
        f"{statistics.median(row['deliveries'] for row in timed_rounds):g} email deliveries"
    )
    log("queries of the first round:")
    for line in query_lines:
        log(line)
    return {
        "target_seconds": args.target,
        "median_seconds": round(median, 4),
        "median_sql_seconds": round(statistics.median(row["sql_seconds"] for row in timed_rounds), 4),
        "median_python_seconds": round(
            statistics.median(row["seconds"] - row["sql_seconds"] for row in timed_rounds), 4
        ),
        "min_seconds": round(min(seconds), 4),
        "max_seconds": round(max(seconds), 4),
        "pass": verdict == "PASS",
        "every_round_pass": every_round == "PASS",
        "rounds_over_target": sum(value >= args.target for value in seconds),
    }


def time_idle(connection, count: int) -> list[tuple[float, int, int]]:
    """Sweeps with nothing due: their cost must not grow with the open cases."""
    idle = []
    for _ in range(count):
        elapsed, result, queries = timed_sweep(connection)
        idle.append((elapsed, len(queries), result.cases))
    idle_median = statistics.median(elapsed for elapsed, _count, _cases in idle)
    log(
        f"\nsweep with nothing due ({count} times): median {idle_median * 1000:.2f} ms, "
        f"min {min(e for e, _c, _n in idle) * 1000:.2f}, max {max(e for e, _c, _n in idle) * 1000:.2f}, "
        f"{idle[0][1]} queries, {sum(n for _e, _c, n in idle)} cases"
    )
    return idle


def explain_selection(connection, state: dict, rng: random.Random, args) -> dict:
    """The plan of the sweep's due selection with `--due` cases due, and with nothing due."""
    explained = {}
    make_due(connection, state, args.due, args.mix, rng)
    sql = selection_sql(connection)
    log(f"\n=== EXPLAIN (ANALYZE, BUFFERS) of the due-case selection, {args.due:,} cases due:\n{sql}\n")
    explained["due"] = explain(connection, sql)
    for line in explained["due"]:
        log("  " + line)
    timed_sweep(connection)  # act on them (untimed), so that nothing stays due
    empty_broker()
    sql = selection_sql(connection)
    log("\n=== the same with nothing due:\n")
    explained["idle"] = explain(connection, sql)
    for line in explained["idle"]:
        log("  " + line)
    return explained


def print_profile(profile: dict, due: int) -> None:
    """Where one sweep's time goes: the named parts (inclusive, so they overlap), then cProfile's lists."""
    log(
        f"\n=== cProfile of one more sweep ({due:,} due): {profile['elapsed']:.3f} s under the profiler, "
        f"{profile['queries']} queries, SQL {profile['sql']:.3f} s (client side), "
        f"{profile['result'].notices} notices (expected {profile['expected_notices']}), "
        f"{profile['result'].supervisions} supervision documents"
    )
    log(f"{'part (inclusive, overlapping)':<50} {'seconds':>8} {'share':>6} {'calls':>7}")
    for label, (part, calls) in sorted(profile["totals"].items(), key=lambda item: -item[1][0]):
        log(f"{label:<50} {part:>8.3f} {part / profile['elapsed']:>6.0%} {calls:>7}")
    log(profile["text"])


def save_results(path: str, args, run: dict, facts: dict, summary: dict, measured: dict) -> None:
    profile = measured["profile"]
    idle = measured["idle"]
    save_json(
        path,
        {
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "label": args.label,
            "experiment": args.experiment,
            "code": run["fingerprint"],
            "pending_migrations": run["pending"],
            "load": run["load"],
            "postgresql": facts["server_version"],
            "cores": os.cpu_count(),
            "cases": facts["total_cases"],
            "open_cases": facts["open_cases"],
            "due_per_round": args.due,
            "mix": args.mix,
            "broker": run["broker"],
            "seed": run["seed"],
            "notices_cleared_between_rounds": False,
            **summary,
            "rounds": measured["rounds"],
            "idle_ms": [round(elapsed * 1000, 3) for elapsed, _count, _cases in idle],
            "idle_queries": idle[0][1],
            "explain": measured["explained"],
            "profile": None
            if profile is None
            else {
                "seconds": round(profile["elapsed"], 4),
                "sql_seconds": round(profile["sql"], 4),
                "queries": profile["queries"],
                "parts": {label: round(part, 4) for label, (part, _calls) in profile["totals"].items()},
            },
        },
    )
    log(f"saved {path}")


def main() -> None:
    args = parse_arguments()
    setup_django()
    from django.db import connection

    pending = check_schema(connection)
    if args.restore:
        restore(connection)
        return
    state = ensure_prepared(connection, args)
    if args.prepare_only:
        return

    seed = args.seed if args.seed is not None else int(time.time())
    rng = random.Random(seed)
    run = {"seed": seed, "pending": pending, "broker": use_broker(args.broker)}
    apply_experiment(args.experiment)
    if "python_texts" in args.experiment.split(","):
        log(f"python_texts: {check_python_texts()} texts compared with the templates', all the same")
    facts = reset_earlier_runs(connection, state, args)
    run["fingerprint"] = code_fingerprint(suffixes=(".py", ".html", ".txt"))
    run["load"] = [os.getloadavg()]
    print_run_header(connection, state, facts, run, args)

    rounds, query_lines = run_rounds(connection, state, facts["people"], rng, args)
    summary = summarize_rounds(rounds, query_lines, facts["open_cases"], args)
    measured = {"rounds": rounds, "idle": time_idle(connection, args.idle), "explained": {}, "profile": None}
    if args.explain:
        measured["explained"] = explain_selection(connection, state, rng, args)
    if args.profile:
        measured["profile"] = profile_round(connection, state, args, rng, facts["people"])
        print_profile(measured["profile"], args.due)

    load_after = os.getloadavg()
    run["load"].append(load_after)
    log(f"load average now {load_after[0]:.2f}")
    folder = broker_folder()
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)
    if args.save:
        save_results(args.save, args, run, facts, summary, measured)


if __name__ == "__main__":
    main()
