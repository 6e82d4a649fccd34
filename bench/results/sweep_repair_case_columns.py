#!/usr/bin/env python
"""One-off repair (2026-11-29): `measure_sweep.py --restore` of 15:17 UTC put back only `state` of the
1,000,000 prepared cases (a bug: the list of saved columns was read with a cursor exhausted after the
first column) and then dropped its saved copy. The other columns the preparation had overwritten
(stage, stage_started_at, stage_deadline, lead_department_id, closed_at, suspended_at) are rebuilt here
from what generate_cases.py wrote alongside them and the preparation did not touch: each case's
timeline (complaints_caseevent, walked in id order with the generator's own rules: `Timeline.enter_stage`,
`leave`, extensions and pauses), its kind, priority and petition flag (the stage lengths), and the
active lead assignment.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/minsheng_bench .venv/bin/python bench/results/sweep_repair_case_columns.py [--apply]

Exact except one case: a pause (suspend -> resume) moved the float deadline by the float time between
the two events, of which only whole seconds are stored: such deadlines may be off by one second.
"""

import math
import os
import sys
import time
from datetime import datetime
from io import StringIO

import psycopg2

HOUR, DAY = 3600.0, 86400.0
WORKING_DAY = 1.4 * DAY
HANDLE_DAYS = {"consultation": 3, "help": 7, "suggestion": 7, "complaint": 15, "report": 15}
DEFAULT_HANDLE_DAYS = 7
LOW, HIGH = 221, 1_000_220


def lengths(kind, priority, is_petition):
    if priority == "very_urgent":
        handle, dispatch_d, sign_d = 2 * HOUR, 1800.0, 1800.0
    elif priority == "urgent":
        handle, dispatch_d, sign_d = 24 * HOUR, 1800.0, 1800.0
    else:
        handle = HANDLE_DAYS.get(kind, DEFAULT_HANDLE_DAYS) * WORKING_DAY
        dispatch_d, sign_d = 4 * HOUR, WORKING_DAY
    if is_petition:
        handle = 60 * DAY
    return dispatch_d, sign_d, handle


def ts(epoch):
    return time.strftime("%Y-%m-%d %H:%M:%S+00", time.gmtime(epoch)) if epoch is not None else "\\N"


def main():
    apply = "--apply" in sys.argv
    url = os.environ["DATABASE_URL"]
    connection = psycopg2.connect(url)
    cases = connection.cursor("cases")
    cases.itersize = 50000
    cases.execute(
        "SELECT id, kind, priority, is_petition, extract(epoch FROM created_at)::float8 FROM complaints_case "
        "WHERE id BETWEEN %s AND %s ORDER BY id",
        [LOW, HIGH],
    )
    events_connection = psycopg2.connect(url)
    events = events_connection.cursor("events")
    events.itersize = 200000
    events.execute(
        "SELECT case_id, action, extract(epoch FROM created_at)::float8, payload ->> 'stage_deadline' "
        "FROM complaints_caseevent WHERE type = 'transition' AND case_id BETWEEN %s AND %s "
        "ORDER BY case_id, id",
        [LOW, HIGH],
    )
    pending = next(events, None)
    out = StringIO()
    count = paused_in_stage = 0
    for case_id, kind, priority, is_petition, t0 in cases:
        dispatch_d, sign_d, handle = lengths(kind, priority, is_petition)
        # The generator's floats: an event's time is known to the second (its fraction is lost), so a
        # deadline is kept as (whole seconds of the start) + length and floored at the end; the
        # fractions of the starts are uniform, so floor(t + length) = floor(t) + round(length).
        stage, started, deadline = "dispatch", t0, t0 + round(dispatch_d)
        closed_at = suspended_at = suspend_t = None
        uncertain = False
        while pending is not None and pending[0] == case_id:
            _case, action, t, new_deadline = pending
            if action in ("merge", "reject", "answer_directly", "revisit"):
                stage, started, deadline, uncertain = "", None, None, False
            if action in ("merge", "reject", "close", "final_answer"):
                closed_at = t
            if action in ("dispatch", "reassign"):
                stage, started, deadline, uncertain = "sign", t, t + round(sign_d), False
            elif action in ("sign", "refuse_return", "reopen"):
                stage, started, deadline, uncertain = "handle", t, t + round(handle), False
            elif action == "approve_reply":
                stage, started, deadline, uncertain = "revisit", t, t + round(2 * WORKING_DAY), False
            elif action == "approve_extension":
                deadline = datetime.fromisoformat(new_deadline).timestamp()  # exact, to the microsecond
                uncertain = False
            elif action == "suspend":
                suspend_t = suspended_at = t
            elif action == "resume":
                deadline += t - suspend_t
                suspended_at = None
                uncertain = True
            pending = next(events, None)
        if uncertain and stage:
            paused_in_stage += 1
        out.write(
            f"{case_id}\t{stage}\t{ts(started)}\t{ts(math.floor(deadline) if deadline is not None else None)}"
            f"\t{ts(closed_at)}\t{ts(suspended_at)}\n"
        )
        count += 1
    print(f"rebuilt {count:,} cases; {paused_in_stage} with a pause in their current stage (deadline ±1 s)")
    out.seek(0)
    cursor = psycopg2.connect(url).cursor()
    connection = cursor.connection
    cursor.execute(
        "CREATE TEMP TABLE rebuilt (id bigint PRIMARY KEY, stage text, stage_started_at timestamptz, "
        "stage_deadline timestamptz, closed_at timestamptz, suspended_at timestamptz)"
    )
    cursor.copy_from(out, "rebuilt")
    cursor.execute(
        "SELECT r.stage, count(*), count(r.stage_deadline), count(r.closed_at), count(r.suspended_at) "
        "FROM rebuilt r GROUP BY 1 ORDER BY 2 DESC"
    )
    print("stage, cases, with a deadline, closed_at, suspended_at:", cursor.fetchall())
    cursor.execute(
        "SELECT c.state, r.stage, count(*) FROM rebuilt r JOIN complaints_case c USING (id) GROUP BY 1, 2 "
        "ORDER BY 1, 2"
    )
    print("state / rebuilt stage:", cursor.fetchall())
    cursor.execute(
        """
        SELECT count(*) FROM complaints_case c JOIN rebuilt r USING (id)
        LEFT JOIN complaints_caseassignment a ON a.case_id = r.id AND a.role = 'lead' AND a.is_active
        WHERE (c.stage, c.stage_started_at, c.stage_deadline, c.closed_at, c.suspended_at, c.lead_department_id)
            IS DISTINCT FROM (r.stage, r.stage_started_at, r.stage_deadline, r.closed_at, r.suspended_at,
                              a.department_id)
        """
    )
    print(f"cases whose stored columns differ from the rebuilt ones: {cursor.fetchone()[0]:,}")
    if not apply:
        print("dry run: nothing written (--apply)")
        connection.rollback()
        return
    started = time.perf_counter()
    cursor.execute(
        """
        UPDATE complaints_case c SET stage = r.stage, stage_started_at = r.stage_started_at,
            stage_deadline = r.stage_deadline, closed_at = r.closed_at, suspended_at = r.suspended_at,
            lead_department_id = a.department_id
        FROM rebuilt r
        LEFT JOIN complaints_caseassignment a
            ON a.case_id = r.id AND a.role = 'lead' AND a.is_active
        WHERE c.id = r.id
        """
    )
    print(f"updated {cursor.rowcount:,} cases in {time.perf_counter() - started:.1f} s")
    connection.commit()


if __name__ == "__main__":
    main()
