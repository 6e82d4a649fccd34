#!/usr/bin/env python
"""Check that the generated data is consistent (run after generate_cases.py, same DATABASE_URL).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/minsheng_bench .venv/bin/python bench/check_data.py

Checks, in SQL over every case (or a sample with --sample N):
- every transition event is allowed by `complaints.workflow.TRANSITIONS`, its from_state is the
  previous event's to_state, times never go backwards, and the last to_state is the case's state;
- a case with a lead department has exactly one active lead assignment, to that department;
  a case without one has no assignment;
- numbers are YYYYMMDD + 5 digits, the date is the local registration date, and DailySequence.last
  is at least the highest sequence of each day;
- the mix of states, kinds and events per case.
"""

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sample", type=int, default=0, help="check the timelines of N random cases only")
    args = parser.parse_args()
    import django

    django.setup()
    from django.db import connection

    from complaints.workflow import TRANSITIONS

    allowed = {(a, b) for a, targets in TRANSITIONS.items() for b in targets}
    failures = 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT max(id) FROM complaints_case")
        (max_id,) = cursor.fetchone()
        where = ""
        if args.sample:
            where = (
                f"WHERE e.case_id IN (SELECT id FROM complaints_case TABLESAMPLE SYSTEM_ROWS({args.sample}))"
            )
            cursor.execute("CREATE EXTENSION IF NOT EXISTS tsm_system_rows")
        # Transitions not in the table.
        cursor.execute(
            f"SELECT e.from_state, e.to_state, count(*) FROM complaints_caseevent e {where} "
            f"{'AND' if where else 'WHERE'} e.type = 'transition' GROUP BY 1, 2"
        )
        pairs = cursor.fetchall()
        for from_state, to_state, count in pairs:
            if (from_state, to_state) not in allowed:
                print(f"FAIL transition {from_state} -> {to_state} not allowed ({count} events)")
                failures += 1
        if all((from_state, to_state) in allowed for from_state, to_state, _count in pairs):
            print(f"ok   transitions not in the workflow's table: 0 (of {len(pairs)} kinds seen)")
        # Chains: from_state = previous to_state, times non-decreasing, last to_state = case state.
        state_events = "e.type IN ('transition', 'registered')"
        cursor.execute(
            f"""
            WITH chain AS (
                SELECT e.case_id, e.from_state, e.to_state, e.created_at, e.type,
                       lag(e.to_state) OVER w AS previous_state,
                       lag(e.created_at) OVER w AS previous_at,
                       row_number() OVER (PARTITION BY e.case_id ORDER BY e.created_at DESC, e.id DESC) AS from_end
                FROM complaints_caseevent e {where} {"AND" if where else "WHERE"} {state_events}
                WINDOW w AS (PARTITION BY e.case_id ORDER BY e.created_at, e.id)
            )
            SELECT
              count(*) FILTER (WHERE type = 'transition' AND from_state IS DISTINCT FROM previous_state),
              count(*) FILTER (WHERE previous_at > created_at),
              count(*) FILTER (WHERE type = 'registered' AND previous_state IS NOT NULL)
            FROM chain
            """
        )
        broken, backwards, late_register = cursor.fetchone()
        for label, value in (
            ("from_state differs from the previous to_state", broken),
            ("event earlier than the one before", backwards),
            ("registration not first", late_register),
        ):
            print(f"{'FAIL' if value else 'ok  '} {label}: {value}")
            failures += bool(value)
        cursor.execute(
            f"""
            SELECT count(*) FROM complaints_case c
            JOIN LATERAL (
                SELECT e.to_state FROM complaints_caseevent e
                WHERE e.case_id = c.id AND e.to_state <> '' ORDER BY e.created_at DESC, e.id DESC LIMIT 1
            ) last ON true
            WHERE last.to_state <> c.state {"AND c.id IN (SELECT case_id FROM complaints_caseevent e " + where + ")" if where else ""}
            """
        )
        (mismatch,) = cursor.fetchone()
        print(
            f"{'FAIL' if mismatch else 'ok  '} last event's to_state differs from the case's state: {mismatch}"
        )
        failures += bool(mismatch)
        # Assignments.
        cursor.execute(
            """
            SELECT
              count(*) FILTER (WHERE c.lead_department_id IS NOT NULL AND coalesce(a.active_leads, 0) <> 1),
              count(*) FILTER (WHERE c.lead_department_id IS NOT NULL AND a.active_lead_department <> c.lead_department_id),
              count(*) FILTER (WHERE c.lead_department_id IS NULL AND a.case_id IS NOT NULL)
            FROM complaints_case c
            LEFT JOIN (
                SELECT case_id,
                       count(*) FILTER (WHERE role = 'lead' AND is_active) AS active_leads,
                       max(department_id) FILTER (WHERE role = 'lead' AND is_active) AS active_lead_department
                FROM complaints_caseassignment GROUP BY case_id
            ) a ON a.case_id = c.id
            """
        )
        for label, value in zip(
            (
                "cases with a lead but not exactly one active lead assignment",
                "active lead assignment to another department than the case's lead",
                "assignments on a case without a lead",
            ),
            cursor.fetchone(),
            strict=True,
        ):
            print(f"{'FAIL' if value else 'ok  '} {label}: {value}")
            failures += bool(value)
        # Numbers and DailySequence.
        cursor.execute(
            """
            SELECT
              count(*) FILTER (WHERE number !~ '^[0-9]{13}$'),
              count(*) FILTER (WHERE left(number, 8) <> to_char(created_at AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD'))
            FROM complaints_case
            """
        )
        bad_format, bad_day = cursor.fetchone()
        cursor.execute(
            """
            SELECT count(*) FROM (
                SELECT to_date(left(number, 8), 'YYYYMMDD') AS day, max(right(number, 5)::int) AS last
                FROM complaints_case GROUP BY 1
            ) n LEFT JOIN complaints_dailysequence s ON s.day = n.day
            WHERE s.last IS NULL OR s.last < n.last
            """
        )
        (bad_sequence,) = cursor.fetchone()
        for label, value in (
            ("numbers not 13 digits", bad_format),
            ("number's date differs from the registration date", bad_day),
            ("days whose DailySequence is behind the numbers", bad_sequence),
        ):
            print(f"{'FAIL' if value else 'ok  '} {label}: {value}")
            failures += bool(value)
        # Mix.
        cursor.execute("SELECT count(*), min(created_at), max(created_at) FROM complaints_case")
        total, first, last = cursor.fetchone()
        print(f"\n{total:,} cases from {first:%Y-%m-%d} to {last:%Y-%m-%d %H:%M} (max id {max_id})")
        for column in ("state", "kind", "channel", "priority"):
            cursor.execute(f"SELECT {column}, count(*) FROM complaints_case GROUP BY 1 ORDER BY 2 DESC")
            print(f"{column:>8}: " + ", ".join(f"{v} {n / total:.1%}" for v, n in cursor.fetchall()))
        cursor.execute(
            "SELECT n, count(*) FROM (SELECT count(*) n FROM complaints_caseevent GROUP BY case_id) x "
            "GROUP BY n ORDER BY n"
        )
        print("  events per case: " + ", ".join(f"{n}: {c / total:.1%}" for n, c in cursor.fetchall()))
        cursor.execute(
            "SELECT count(*) FROM complaints_case WHERE state IN ('registered','dispatched','return_requested',"
            "'signed','in_progress','extension_requested','reply_submitted','replied','reopened') "
            "AND stage_deadline < now()"
        )
        print(f"  overdue (open, clock running, past the stage deadline): {cursor.fetchone()[0]:,}")
    print(f"\n{'FAILED: ' + str(failures) + ' check(s)' if failures else 'all checks passed'}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
