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
- the mix of states, kinds and events per case;
- personal data (issue 12), in SQL over every row: every non-empty personal column of cases, visits and
  calls is a token under the current key, every phone and ID number has its keyed hash (and no hash is
  left without its value), every archived case has ``closed_at``; then through the models, for
  ``--personal-sample`` cases and visits spread over the id range: the values decrypt, are valid phone
  and ID numbers, their hashes are ``lookup_hash()`` of them, and the application's look-ups
  (``complaints.selectors.citizen_history``, ``core.personal_data.person_match`` on visits) find the row.
"""

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def verdict(label: str, value) -> int:
    """Print one check's line ("ok" when `value` is 0); returns 1 if it failed, for the count."""
    print(f"{'FAIL' if value else 'ok  '} {label}: {value}")
    return bool(value)


def check_transitions(cursor, where: str) -> int:
    """Every transition event is one that `complaints.workflow.TRANSITIONS` allows."""
    from complaints.workflow import TRANSITIONS

    allowed = {(a, b) for a, targets in TRANSITIONS.items() for b in targets}
    cursor.execute(
        f"SELECT e.from_state, e.to_state, count(*) FROM complaints_caseevent e {where} "
        f"{'AND' if where else 'WHERE'} e.type = 'transition' GROUP BY 1, 2"
    )
    pairs = cursor.fetchall()
    failures = 0
    for from_state, to_state, count in pairs:
        if (from_state, to_state) not in allowed:
            print(f"FAIL transition {from_state} -> {to_state} not allowed ({count} events)")
            failures += 1
    if all((from_state, to_state) in allowed for from_state, to_state, _count in pairs):
        print(f"ok   transitions not in the workflow's table: 0 (of {len(pairs)} kinds seen)")
    return failures


def check_chains(cursor, where: str) -> int:
    """Each case's timeline is one chain: from_state = the previous to_state, times never go backwards,
    the registration first, and the last to_state is the case's state."""
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
    failures = 0
    for label, value in (
        ("from_state differs from the previous to_state", broken),
        ("event earlier than the one before", backwards),
        ("registration not first", late_register),
    ):
        failures += verdict(label, value)
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
    return failures + verdict("last event's to_state differs from the case's state", mismatch)


def check_assignments(cursor) -> int:
    """A case with a lead department has exactly one active lead assignment, to it; one without has none."""
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
    failures = 0
    for label, value in zip(
        (
            "cases with a lead but not exactly one active lead assignment",
            "active lead assignment to another department than the case's lead",
            "assignments on a case without a lead",
        ),
        cursor.fetchone(),
        strict=True,
    ):
        failures += verdict(label, value)
    return failures


def check_numbers(cursor) -> int:
    """Numbers are YYYYMMDD + 5 digits of the local registration day, and DailySequence is not behind."""
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
    failures = 0
    for label, value in (
        ("numbers not 13 digits", bad_format),
        ("number's date differs from the registration date", bad_day),
        ("days whose DailySequence is behind the numbers", bad_sequence),
    ):
        failures += verdict(label, value)
    return failures


def print_mix(cursor, max_id: int) -> None:
    """The mix of states, kinds, channels, priorities and events per case (to compare with the README)."""
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sample", type=int, default=0, help="check the timelines of N random cases only")
    parser.add_argument(
        "--personal-sample", type=int, default=2000, help="cases and visits read through the models (0: none)"
    )
    args = parser.parse_args()
    import django

    django.setup()
    from django.db import connection

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
        failures += check_transitions(cursor, where)
        failures += check_chains(cursor, where)
        failures += check_assignments(cursor)
        failures += check_numbers(cursor)
        print_mix(cursor, max_id)
    failures += check_personal_data(args.personal_sample)
    print(f"\n{'FAILED: ' + str(failures) + ' check(s)' if failures else 'all checks passed'}")
    sys.exit(1 if failures else 0)


PERSONAL_COLUMNS = {
    "complaints_case": {
        "columns": ("citizen_name", "citizen_phone", "citizen_id_number", "citizen_address"),
        "hashes": {"citizen_phone_lookup": "citizen_phone", "citizen_id_lookup": "citizen_id_number"},
    },
    "reception_visit": {
        "columns": ("visitor_name", "phone", "id_number", "address"),
        "hashes": {"phone_lookup": "phone", "id_lookup": "id_number"},
    },
    "hotline_call": {"columns": ("number",), "hashes": {"number_lookup": "number"}},
}


def check_personal_columns(cursor) -> int:
    """In SQL over every row: each non-empty personal value is a token under the current key, each phone
    and ID number has its keyed hash and no hash is left without its value; archived cases were closed."""
    from core import encryption

    failures = 0
    current = encryption.keyring().current_id
    print(f"\npersonal data (current key {current}):")
    for table, spec in PERSONAL_COLUMNS.items():
        checks = []
        for column in spec["columns"]:
            checks.append((f"{column}: not a token", f"{column} <> '' AND {column} !~ '^1[0-9a-f]{{8}}[$]'"))
            checks.append(
                (
                    f"{column}: another key",
                    f"{column} ~ '^1[0-9a-f]{{8}}[$]' AND left({column}, 9) <> '1{current}'",
                )
            )
        for hash_column, source in spec["hashes"].items():
            checks.append((f"{hash_column}: missing", f"{source} <> '' AND {hash_column} = ''"))
            checks.append((f"{hash_column}: without a value", f"{source} = '' AND {hash_column} <> ''"))
        selects = ", ".join(f"count(*) FILTER (WHERE {condition})" for _label, condition in checks)
        cursor.execute(f"SELECT count(*), {selects} FROM {table}")
        rows, *counts = cursor.fetchone()
        bad = [(label, count) for (label, _c), count in zip(checks, counts, strict=True) if count]
        print(
            f"{'FAIL' if bad else 'ok  '} {table}: {rows:,} rows, every personal value a token under the "
            f"current key with its hashes"
            + (": " + ", ".join(f"{label} {n:,}" for label, n in bad) if bad else "")
        )
        failures += bool(bad)
    # Cases archived before the upgrade have no archiving date (retention counts from closed_at);
    # every archived case must have been closed.
    cursor.execute("SELECT count(*) FROM complaints_case WHERE state = 'archived' AND closed_at IS NULL")
    (unclosed,) = cursor.fetchone()
    return failures + verdict("archived cases without closed_at", unclosed)


def check_row(model, row, fields: tuple[str, str, str, str], problems: dict) -> None:
    """One row read through the model: valid phone and ID number, hashes equal to lookup_hash()."""
    from core.personal_data import lookup_hash, validate_id_number, validate_phone

    phone_field, phone_hash, id_field, id_hash = fields
    phone, id_number = getattr(row, phone_field), getattr(row, id_field)
    for value, validate, label in (
        (phone, validate_phone, "invalid phone"),
        (id_number, validate_id_number, "invalid ID number"),
    ):
        if value:
            try:
                validate(value)
            except Exception:  # ValidationError: a generator bug
                problems[label] += 1
    if getattr(row, phone_hash) != lookup_hash("phone", phone) or getattr(row, id_hash) != lookup_hash(
        "id_number", id_number
    ):
        problems["wrong hash"] += 1


def found_by_lookups(model, row, fields: tuple[str, str, str, str], office) -> int:
    """How many of the look-ups by the row's phone and by its ID number miss it (the application's own
    look-ups: citizen_history for cases, person_match for visits)."""
    from complaints import selectors
    from complaints.models import Case
    from core.personal_data import person_match
    from reception.models import Visit

    phone, id_number = getattr(row, fields[0]), getattr(row, fields[2])
    missed = 0
    for query in ({"phone": phone}, {"id_number": id_number}):
        if not next(iter(query.values())):
            continue
        if model is Case:
            found = any(case.pk == row.pk for case in selectors.citizen_history(office, **query))
        else:
            condition = person_match(**query, phone_lookup="phone_lookup", id_lookup="id_lookup")
            found = Visit.objects.filter(condition, pk=row.pk).exists()
        missed += not found
    return missed


def check_through_models(model, fields: tuple[str, str, str, str], sample: int, office) -> int:
    """`sample` rows of `model` spread over the id range, read (decrypted) through the model and checked;
    the first 200 with a phone or an ID number also looked up."""
    from django.db import connection

    from core import encryption

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT min(id), max(id) FROM {model._meta.db_table}")
        low, high = cursor.fetchone()
    if low is None:
        print(f"     {model.__name__}: no rows")
        return 0
    ids = {low + (high - low) * k // sample for k in range(sample)}
    problems = dict.fromkeys(
        ("not opened", "invalid phone", "invalid ID number", "wrong hash", "not found"), 0
    )
    checked = looked_up = 0
    for pk in sorted(ids):
        try:
            row = model.objects.filter(pk__gte=pk).order_by("pk").first()
        except encryption.PersonalDataKeyError:
            problems["not opened"] += 1
            continue
        if row is None:
            continue
        checked += 1
        check_row(model, row, fields, problems)
        if looked_up < 200 and (getattr(row, fields[0]) or getattr(row, fields[2])):
            looked_up += 1
            problems["not found"] += found_by_lookups(model, row, fields, office)
    bad = {label: count for label, count in problems.items() if count}
    print(
        f"{'FAIL' if bad else 'ok  '} {model.__name__}: {checked:,} rows read through the model (decrypted), "
        f"hashes recomputed; {looked_up} looked up by phone and by ID number"
        + (": " + ", ".join(f"{label} {n}" for label, n in bad.items()) if bad else "")
    )
    return bool(bad)


def check_personal_data(sample: int) -> int:
    """The personal-data checks of the docstring; returns the number of failed checks."""
    from django.db import connection

    from complaints.models import Case
    from core.models import User
    from reception.models import Visit

    with connection.cursor() as cursor:
        failures = check_personal_columns(cursor)
    if not sample:
        return failures
    office = User.objects.get(username="office")
    for model, fields in (
        (Case, ("citizen_phone", "citizen_phone_lookup", "citizen_id_number", "citizen_id_lookup")),
        (Visit, ("phone", "phone_lookup", "id_number", "id_lookup")),
    ):
        failures += check_through_models(model, fields, sample, office)
    return failures


if __name__ == "__main__":
    main()
