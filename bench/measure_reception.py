#!/usr/bin/env python
"""Time the reception desk's registration look-up (and the day board) against a generated database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/minsheng_bench .venv/bin/python bench/measure_reception.py

Run generate_cases.py and then generate_visits.py first. As the demo ``clerk`` account (``force_login``),
through Django's test ``Client`` (the whole stack: middleware, session, view, template), with DEBUG off
and 'testserver' allowed, ``--warmup`` requests untimed and then ``--repeat`` timed with
``time.perf_counter()`` around ``client.get()``, the SQL captured with ``CaptureQueriesContext``:

- both    /reception/history/?id_number=<id>&phone=<phone>&group_size=1     target 100 ms (median)
- phone   /reception/history/?phone=<phone>&group_size=1                     target 100 ms
- id      /reception/history/?id_number=<id>&group_size=1                     target 100 ms
- form    as ``both`` plus ``category`` and ``reason``: what the page's htmx sends once the category
          is chosen (``hx-include`` of the whole form); it adds the similar-description check of
          ``possible_repeats`` (the category's latest 200 cases)                report only
- board   /reception/?date=<the busiest of the last ten days with visits>    report only
- board_room  the same day, one room                                         report only
- board_today /reception/ (today: the demo's visits)                         report only

Every look-up is for a different person, chosen before timing among people who have at least two
visits (``--min-visits``) and at least one case (by phone or ID number; ID number and phone both
known), drawn evenly among such people and spread across the register. The table shows median, p90 and min server time, the median of the SQL time inside
the request, the number of queries, and PASS/FAIL for the look-ups (median under ``--target``).

``--explain`` runs EXPLAIN (ANALYZE, BUFFERS) of every SELECT of the slowest request of each look-up
(``--explain-pages`` to choose which pages), ``--show-sql`` prints those queries with their times.
"""

import argparse
import json
import os
import re
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from common import code_fingerprint, percentile, setup_django, unapplied_migrations  # noqa: E402  (bench/common.py)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

LOOKUPS = ("both", "phone", "id", "form")
BOARDS = ("board", "board_room", "board_today")
TARGETED = ("both", "phone", "id")


def pick_people(cursor, count: int, *, min_visits: int = 2) -> list[dict]:
    """`count` different people with >= `min_visits` visits and >= 1 case, spread over the register's id
    range. Each person is sampled through the one visit where they had made `min_visits` - 1 earlier
    ones, so that people are drawn evenly (sampling any visit would favour the frequent visitors).

    The visitor's phone and ID number are encrypted: visits and cases are counted through their keyed
    hashes (`phone_lookup`, `id_lookup`, `citizen_phone_lookup`, `citizen_id_lookup`), and the values
    to type are read through the `Visit` model, which decrypts them."""
    from reception.models import Visit

    cursor.execute("SELECT min(id), max(id) FROM reception_visit")
    low, high = cursor.fetchone()
    if low is None:
        sys.exit("reception_visit is empty: run generate_visits.py first.")
    people, seen = [], set()
    slots = count * 3
    for slot in range(slots):
        if len(people) >= count:
            break
        cursor.execute(
            "SELECT id, id_lookup, phone_lookup FROM reception_visit WHERE id >= %s "
            "AND earlier_visits = %s AND id_number <> '' AND phone <> '' AND state <> 'cancelled' "
            "ORDER BY id LIMIT 40",
            [low + (high - low) * slot // slots, min_visits - 1],
        )
        for visit_id, lookup, phone_lookup in cursor.fetchall():
            if lookup in seen:
                continue
            seen.add(lookup)
            cursor.execute(
                "SELECT count(*) FROM reception_visit WHERE (phone_lookup = %s OR id_lookup = %s) "
                "AND state <> 'cancelled'",
                [phone_lookup, lookup],
            )
            (visits,) = cursor.fetchone()
            cursor.execute(
                "SELECT count(*), max(category_id) FROM complaints_case "
                "WHERE citizen_phone_lookup = %s OR citizen_id_lookup = %s",
                [phone_lookup, lookup],
            )
            cases, category = cursor.fetchone()
            if visits >= min_visits and cases >= 1:
                id_number, phone = Visit.objects.values_list("id_number", "phone").get(pk=visit_id)
                people.append(
                    {
                        "id_number": id_number,
                        "phone": phone,
                        "visits": visits,
                        "cases": cases,
                        "category": category,
                    }
                )
                break
    if len(people) < count:
        sys.exit(f"only {len(people)} people with earlier visits and cases found; {count} needed")
    return people


def busiest_recent_day(cursor):
    cursor.execute(
        "SELECT visit_date, count(*) FROM reception_visit WHERE visit_date < current_date "
        "AND visit_date >= current_date - 14 GROUP BY 1 ORDER BY 2 DESC, 1 DESC LIMIT 1"
    )
    return cursor.fetchone()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--target", type=float, default=100.0, help="median target of the look-ups (ms)")
    parser.add_argument("--only", nargs="*", help=f"pages to run ({' '.join(LOOKUPS + BOARDS)})")
    parser.add_argument("--user", default="clerk")
    parser.add_argument(
        "--min-visits", type=int, default=2, help="look up people with at least this many visits (and a case)"
    )
    parser.add_argument(
        "--explain", action="store_true", help="EXPLAIN ANALYZE the queries of the slowest request"
    )
    parser.add_argument("--explain-pages", nargs="*", default=list(TARGETED), help="pages to explain")
    parser.add_argument("--show-sql", action="store_true", help="print the queries of the slowest request")
    parser.add_argument("--save", help="write the results as JSON to this file")
    parser.add_argument("--label", default="", help="a label printed with the results")
    args = parser.parse_args()

    setup_django()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from complaints import demo_content
    from complaints.models import Category
    from core.models import User

    if connection.vendor != "postgresql":
        sys.exit("Run against the PostgreSQL benchmark database (set DATABASE_URL).")

    pages = [name for name in LOOKUPS + BOARDS if not args.only or name in args.only]
    per_page = args.warmup + args.repeat
    lookups = [name for name in pages if name in LOOKUPS]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM complaints_case")
        (total_cases,) = cursor.fetchone()
        cursor.execute("SELECT count(*), count(DISTINCT visit_date) FROM reception_visit")
        total_visits, visit_days = cursor.fetchone()
        cursor.execute("SELECT min(id) FROM reception_receptionroom WHERE is_active")
        (room_id,) = cursor.fetchone()
        people = pick_people(cursor, per_page * len(lookups), min_visits=args.min_visits) if lookups else []
        day, day_visits = busiest_recent_day(cursor)
        cursor.execute(
            "SELECT count(*) FROM reception_visit WHERE visit_date = %s AND room_id = %s", [day, room_id]
        )
        (room_visits,) = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM reception_visit WHERE visit_date = current_date")
        (today_visits,) = cursor.fetchone()
        cursor.execute("SHOW server_version")
        (server_version,) = cursor.fetchone()

    codes = {category.pk: category.code for category in Category.objects.all()}
    urls: dict[str, list[str]] = {}
    for index, name in enumerate(lookups):
        chosen = people[index * per_page : (index + 1) * per_page]
        urls[name] = []
        for person in chosen:
            query = {"group_size": 1}
            if name in ("both", "id", "form"):
                query["id_number"] = person["id_number"]
            if name in ("both", "phone", "form"):
                query["phone"] = person["phone"]
            if name == "form":
                templates = demo_content.CASE_TEMPLATES.get(codes.get(person["category"]), [])
                query["category"] = person["category"] or ""
                query["reason"] = (
                    templates[0]["description"][:60] if templates else "水费阶梯计价有异议，要求当面说明"
                )
            urls[name].append("/reception/history/?" + urlencode(query))
    urls["board"] = [f"/reception/?date={day:%Y-%m-%d}"] * per_page
    urls["board_room"] = [f"/reception/?date={day:%Y-%m-%d}&room={room_id}"] * per_page
    urls["board_today"] = ["/reception/"] * per_page

    fingerprint = code_fingerprint("reception")
    pending = unapplied_migrations(connection)
    load_before = os.getloadavg()
    print(
        f"database: {connection.settings_dict['NAME']} (PostgreSQL {server_version})  cases: {total_cases:,}  "
        f"visits: {total_visits:,} over {visit_days} days"
    )
    if people:
        visits = [p["visits"] for p in people]
        cases = [p["cases"] for p in people]
        print(
            f"people looked up: {len(people)} (>= {args.min_visits} visits), visits each median {statistics.median(visits):g} (max {max(visits)}), "
            f"cases each median {statistics.median(cases):g} (max {max(cases)})"
        )
    print(
        f"board day {day} ({day_visits} visits; {room_visits} in room {room_id}); today {today_visits} visits"
    )
    print(
        f"user {args.user}; repeat {args.repeat} after {args.warmup} warm-ups; DEBUG={settings.DEBUG}  {args.label}"
    )
    print(
        f"code fingerprint {fingerprint}; load average {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}; "
        f"{os.cpu_count()} cores"
    )
    if pending:
        print(f"WARNING: migrations not applied to this database: {', '.join(pending)}")
    print()

    client = Client()
    client.force_login(User.objects.get(username=args.user))

    results = []
    header = (
        f"{'page':<12} {'median':>8} {'p90':>8} {'min':>8} {'sql med':>8} {'queries':>7} {'status':>6}  "
        f"target  result  load"
    )
    print(header)
    print("-" * len(header))
    for name in pages:
        times, sql_times, query_counts, statuses = [], [], [], set()
        slowest = None
        for index, url in enumerate(urls[name]):
            with CaptureQueriesContext(connection) as captured:
                start = time.perf_counter()
                response = client.get(url)
                elapsed = (time.perf_counter() - start) * 1000
            if index < args.warmup:
                continue
            times.append(elapsed)
            sql_times.append(sum(float(q["time"]) for q in captured.captured_queries) * 1000)
            query_counts.append(len(captured.captured_queries))
            statuses.add(response.status_code)
            if slowest is None or elapsed > slowest[0]:
                slowest = (elapsed, url, list(captured.captured_queries))
        median, p90 = statistics.median(times), percentile(times, 0.9)
        targeted = name in TARGETED
        ok = median < args.target and statuses == {200}
        verdict = ("PASS" if ok else "FAIL") if targeted else "report"
        queries = f"{min(query_counts)}" + (
            f"-{max(query_counts)}" if max(query_counts) != min(query_counts) else ""
        )
        print(
            f"{name:<12} {median:>8.1f} {p90:>8.1f} {min(times):>8.1f} {statistics.median(sql_times):>8.1f} "
            f"{queries:>7} {','.join(map(str, sorted(statuses))):>6}  "
            f"{f'<{args.target:g}' if targeted else '-':<6}  {verdict:<6}  {os.getloadavg()[0]:4.1f}",
            flush=True,
        )
        results.append(
            {
                "page": name,
                # the parameters' names only: made-up people, but no ID numbers or phones in the results
                "url": re.sub(r"=[^&]*", "", urls[name][args.warmup]),
                "median_ms": round(median, 1),
                "p90_ms": round(p90, 1),
                "min_ms": round(min(times), 1),
                "sql_median_ms": round(statistics.median(sql_times), 1),
                "queries": max(query_counts),
                "queries_min": min(query_counts),
                "status": sorted(statuses),
                "target_ms": args.target if targeted else None,
                "pass": ok if targeted else None,
                "load": round(os.getloadavg()[0], 2),
                "slowest": slowest,
            }
        )

    targeted_results = [r for r in results if r["pass"] is not None]
    passed = sum(r["pass"] for r in targeted_results)
    load_after = os.getloadavg()
    print(f"\nlook-ups: {passed} of {len(targeted_results)} PASS   (load average now {load_after[0]:.2f})")

    if args.show_sql or args.explain:
        for result in results:
            if result["page"] not in args.explain_pages:
                continue
            elapsed, url, queries = result["slowest"]
            print(
                f"\n=== {result['page']}: {url}  (slowest request {elapsed:.1f} ms, {len(queries)} queries)"
            )
            for query in queries:
                print(f"  {float(query['time']) * 1000:7.1f} ms  {query['sql'][:1500]}")
            if not args.explain:
                continue
            for query in sorted(queries, key=lambda q: float(q["time"]), reverse=True):
                sql = query["sql"]
                if not sql.lstrip().upper().startswith("SELECT") or "django_session" in sql:
                    continue
                with connection.cursor() as cursor:
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                    plan = [line for (line,) in cursor.fetchall()]
                print(f"\n  --- {float(query['time']) * 1000:.1f} ms in the request: {sql[:300]}")
                for line in plan:
                    print("  " + line)

    if args.save:
        for result in results:
            result.pop("slowest", None)
        Path(args.save).write_text(
            json.dumps(
                {
                    "when": datetime.now(UTC).isoformat(timespec="seconds"),
                    "label": args.label,
                    "code": fingerprint,
                    "pending_migrations": pending,
                    "load": [load_before, load_after],
                    "postgresql": server_version,
                    "cores": os.cpu_count(),
                    "cases": total_cases,
                    "visits": total_visits,
                    "board_day": day.isoformat(),
                    "board_day_visits": day_visits,
                    # made-up people, but keep ID numbers and phones out of the results all the same
                    "people": [{"visits": p["visits"], "cases": p["cases"]} for p in people],
                    "results": results,
                },
                ensure_ascii=False,
                indent=1,
            )
        )
        print(f"saved {args.save}")


if __name__ == "__main__":
    main()
