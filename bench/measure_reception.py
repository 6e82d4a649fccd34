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
import os
import re
import statistics
import sys
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from common import (  # noqa: E402  (bench/common.py)
    Samples,
    code_fingerprint,
    fetch_one,
    load_text,
    print_header,
    print_request_plans,
    require_postgresql,
    save_json,
    setup_django,
    time_requests,
    unapplied_migrations,
    verdict,
    warn_pending,
)

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


def parse_arguments() -> argparse.Namespace:
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
    return parser.parse_args()


def read_subjects(connection, lookups: list[str], per_page: int, min_visits: int) -> dict:
    """The register's size, the people to look up (one a request) and the board's day and room, chosen
    before timing."""
    with connection.cursor() as cursor:
        (total_cases,) = fetch_one(cursor, "SELECT count(*) FROM complaints_case")
        total_visits, visit_days = fetch_one(
            cursor, "SELECT count(*), count(DISTINCT visit_date) FROM reception_visit"
        )
        (room_id,) = fetch_one(cursor, "SELECT min(id) FROM reception_receptionroom WHERE is_active")
        people = pick_people(cursor, per_page * len(lookups), min_visits=min_visits) if lookups else []
        day, day_visits = busiest_recent_day(cursor)
        (room_visits,) = fetch_one(
            cursor,
            "SELECT count(*) FROM reception_visit WHERE visit_date = %s AND room_id = %s",
            [day, room_id],
        )
        (today_visits,) = fetch_one(
            cursor, "SELECT count(*) FROM reception_visit WHERE visit_date = current_date"
        )
        (server_version,) = fetch_one(cursor, "SHOW server_version")
    return {
        "total_cases": total_cases,
        "total_visits": total_visits,
        "visit_days": visit_days,
        "room_id": room_id,
        "people": people,
        "day": day,
        "day_visits": day_visits,
        "room_visits": room_visits,
        "today_visits": today_visits,
        "server_version": server_version,
    }


def lookup_url(name: str, person: dict, codes: dict) -> str:
    """The look-up `name` for `person`: what the registration form sends while the clerk types."""
    from complaints import demo_content

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
    return "/reception/history/?" + urlencode(query)


def page_urls(lookups: list[str], per_page: int, subjects: dict) -> dict[str, list[str]]:
    """The URLs of every request of every page: a different person for each look-up request, the same
    board every time."""
    from complaints.models import Category

    codes = {category.pk: category.code for category in Category.objects.all()}
    people = subjects["people"]
    urls: dict[str, list[str]] = {}
    for index, name in enumerate(lookups):
        chosen = people[index * per_page : (index + 1) * per_page]
        urls[name] = [lookup_url(name, person, codes) for person in chosen]
    day, room_id = subjects["day"], subjects["room_id"]
    urls["board"] = [f"/reception/?date={day:%Y-%m-%d}"] * per_page
    urls["board_room"] = [f"/reception/?date={day:%Y-%m-%d}&room={room_id}"] * per_page
    urls["board_today"] = ["/reception/"] * per_page
    return urls


def print_run_header(connection, subjects: dict, args, fingerprint: str, pending, load_before) -> None:
    """What the numbers below depend on: the data, the people looked up, the code and the machine's load."""
    from django.conf import settings

    print(
        f"database: {connection.settings_dict['NAME']} (PostgreSQL {subjects['server_version']})  "
        f"cases: {subjects['total_cases']:,}  visits: {subjects['total_visits']:,} over {subjects['visit_days']} days"
    )
    people = subjects["people"]
    if people:
        visits = [p["visits"] for p in people]
        cases = [p["cases"] for p in people]
        print(
            f"people looked up: {len(people)} (>= {args.min_visits} visits), visits each median {statistics.median(visits):g} (max {max(visits)}), "
            f"cases each median {statistics.median(cases):g} (max {max(cases)})"
        )
    print(
        f"board day {subjects['day']} ({subjects['day_visits']} visits; {subjects['room_visits']} in room "
        f"{subjects['room_id']}); today {subjects['today_visits']} visits"
    )
    print(
        f"user {args.user}; repeat {args.repeat} after {args.warmup} warm-ups; DEBUG={settings.DEBUG}  {args.label}"
    )
    print(f"code fingerprint {fingerprint}; load average {load_text(load_before)}; {os.cpu_count()} cores")
    warn_pending(pending)
    print()


TABLE_HEADER = (
    f"{'page':<12} {'median':>8} {'p90':>8} {'min':>8} {'sql med':>8} {'queries':>7} {'status':>6}  "
    f"target  result  load"
)


def page_result(name: str, urls: list[str], samples: Samples, args) -> dict:
    """Print the page's row of the table; return it for the summary, EXPLAIN and the JSON."""
    targeted = name in TARGETED
    ok = samples.ok(args.target)
    print(
        f"{name:<12} {samples.median:>8.1f} {samples.p90:>8.1f} {min(samples.times):>8.1f} "
        f"{samples.sql_median:>8.1f} {samples.query_range():>7} {samples.status_text():>6}  "
        f"{f'<{args.target:g}' if targeted else '-':<6}  {verdict(ok, targeted):<6}  {os.getloadavg()[0]:4.1f}",
        flush=True,
    )
    return {
        "page": name,
        # the parameters' names only: made-up people, but no ID numbers or phones in the results
        "url": re.sub(r"=[^&]*", "", urls[args.warmup]),
        "median_ms": round(samples.median, 1),
        "p90_ms": round(samples.p90, 1),
        "min_ms": round(min(samples.times), 1),
        "sql_median_ms": round(samples.sql_median, 1),
        "queries": max(samples.counts),
        "queries_min": min(samples.counts),
        "status": sorted(samples.statuses),
        "target_ms": args.target if targeted else None,
        "pass": ok if targeted else None,
        "load": round(os.getloadavg()[0], 2),
        "slowest": samples.slowest,
    }


def time_pages(connection, pages: list[str], urls: dict[str, list[str]], args) -> list[dict]:
    """Every page as `--user`: `--warmup` untimed then `--repeat` timed requests."""
    from django.test import Client

    from core.models import User

    client = Client()
    client.force_login(User.objects.get(username=args.user))
    print_header(TABLE_HEADER)
    results = []
    for name in pages:
        samples = time_requests(connection, client, urls[name], args.warmup, with_sql=True)
        results.append(page_result(name, urls[name], samples, args))
    return results


def explain_slowest(connection, results: list[dict], args) -> None:
    """The queries of each explained page's slowest request (--show-sql) and their plans (--explain)."""
    for result in results:
        if result["page"] not in args.explain_pages:
            continue
        elapsed, url, queries = result["slowest"]
        print(f"\n=== {result['page']}: {url}  (slowest request {elapsed:.1f} ms, {len(queries)} queries)")
        for query in queries:
            print(f"  {float(query['time']) * 1000:7.1f} ms  {query['sql'][:1500]}")
        if args.explain:
            print_request_plans(connection, queries)


def save_results(path: str, args, subjects: dict, run: dict, results: list[dict]) -> None:
    """The run's numbers as JSON (without the captured SQL, whose parameters are the people's)."""
    for result in results:
        result.pop("slowest", None)
    save_json(
        path,
        {
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "label": args.label,
            "code": run["fingerprint"],
            "pending_migrations": run["pending"],
            "load": run["load"],
            "postgresql": subjects["server_version"],
            "cores": os.cpu_count(),
            "cases": subjects["total_cases"],
            "visits": subjects["total_visits"],
            "board_day": subjects["day"].isoformat(),
            "board_day_visits": subjects["day_visits"],
            # made-up people, but keep ID numbers and phones out of the results all the same
            "people": [{"visits": p["visits"], "cases": p["cases"]} for p in subjects["people"]],
            "results": results,
        },
    )
    print(f"saved {path}")


def main() -> None:
    args = parse_arguments()
    setup_django()
    from django.db import connection

    require_postgresql(connection)
    pages = [name for name in LOOKUPS + BOARDS if not args.only or name in args.only]
    per_page = args.warmup + args.repeat
    lookups = [name for name in pages if name in LOOKUPS]
    subjects = read_subjects(connection, lookups, per_page, args.min_visits)
    urls = page_urls(lookups, per_page, subjects)
    fingerprint = code_fingerprint("reception")
    pending = unapplied_migrations(connection)
    load_before = os.getloadavg()
    print_run_header(connection, subjects, args, fingerprint, pending, load_before)

    results = time_pages(connection, pages, urls, args)
    targeted_results = [r for r in results if r["pass"] is not None]
    passed = sum(r["pass"] for r in targeted_results)
    load_after = os.getloadavg()
    print(f"\nlook-ups: {passed} of {len(targeted_results)} PASS   (load average now {load_after[0]:.2f})")

    if args.show_sql or args.explain:
        explain_slowest(connection, results, args)
    if args.save:
        run = {"fingerprint": fingerprint, "pending": pending, "load": [load_before, load_after]}
        save_results(args.save, args, subjects, run, results)


if __name__ == "__main__":
    main()
