#!/usr/bin/env python
"""Time the case pages against a generated database (see generate_cases.py) and check the targets.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/minsheng_bench .venv/bin/python bench/measure_pages.py

Each page is requested through Django's test `Client` (the whole stack: middleware, session, the
view, the template) after `force_login`, `--warmup` times untimed and then `--repeat` times timed
with `time.perf_counter()` around `client.get()`; the SQL of each request is captured with
`CaptureQueriesContext`. DEBUG is switched off after setup (as in production) and 'testserver' is
allowed. The table shows the median and p90 server time, the number of queries and PASS/FAIL
against the target (median under the target).

Pages and targets (the case lifecycle issue):
- ledger    /cases/                                                  100 ms
- filtered  /cases/?kind=complaint&lead_department=<id>&state=in_progress  100 ms
- inbox     /cases/inbox/  (department users)                       100 ms
- case      /cases/<number>/  (a different existing case each time)  100 ms
- search    /cases/?q=<word>                                         300 ms

The filter values are taken from the data: the department of the `handler` account, cases of that
department spread over the whole id range, and a word found in roughly 1-5% of the descriptions
(`--word` to choose another; `--word2` adds a second, two-character word, which trigram indexes
cannot narrow down).

With `--explain`, the slowest query of every page that misses its target is run again under
EXPLAIN (ANALYZE, BUFFERS) and the plan printed.
"""

import argparse
import os
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from common import (  # noqa: E402  (bench/common.py)
    Samples,
    code_fingerprint,
    explain,
    fetch_one,
    is_select,
    load_text,
    print_header,
    require_postgresql,
    save_json,
    setup_django,
    time_requests,
    unapplied_migrations,
    warn_pending,
)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

THREE_CHARACTER_WORDS = ["二次供水", "抄表员", "营业厅", "水表", "井盖", "停水通知", "违约金", "自建房"]
TWO_CHARACTER_WORDS = ["漏水", "水压", "发票", "水质", "态度"]


def word_shares(cursor, words: list[str]) -> dict[str, float]:
    """Share of descriptions containing each word, from a 2% block sample."""
    selects = ", ".join("count(*) FILTER (WHERE description LIKE %s)" for _ in words)
    cursor.execute(
        f"SELECT count(*), {selects} FROM (SELECT description FROM complaints_case TABLESAMPLE SYSTEM (2) REPEATABLE (42)) s",
        [f"%{word}%" for word in words],
    )
    total, *counts = cursor.fetchone()
    return {word: count / max(total, 1) for word, count in zip(words, counts, strict=True)}


def pick_word(shares: dict[str, float], *, low: float = 0.005, high: float = 0.05, aim: float = 0.02) -> str:
    inside = [word for word, share in shares.items() if low <= share <= high] or list(shares)
    return min(inside, key=lambda word: abs(shares[word] - aim))


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--word", help="the search word (default: one found in ~2%% of descriptions)")
    parser.add_argument("--word2", help="a second search word (default: a two-character word)")
    parser.add_argument(
        "--only", nargs="*", help="page names to run (ledger filtered search search2 case inbox)"
    )
    parser.add_argument("--users", nargs="*", default=["office", "handler", "leader"])
    parser.add_argument(
        "--explain", action="store_true", help="EXPLAIN ANALYZE the slowest query of failing pages"
    )
    parser.add_argument("--explain-all", action="store_true", help="... of every page")
    parser.add_argument("--show-sql", action="store_true", help="print every query of one request per page")
    parser.add_argument("--save", help="write the results as JSON to this file")
    parser.add_argument("--label", default="", help="a label printed with the results (e.g. 'after index X')")
    return parser.parse_args()


@dataclass
class Subjects:
    """What the pages are requested with, taken from the data so that the script works on any generated
    database: the handler's department, case numbers, the search words and how many cases they hit."""

    department_id: int
    numbers: list[str]
    word: str
    word2: str
    word_hits: int
    word2_hits: int
    total_cases: int
    total_events: int


def case_numbers(cursor, department_id: int, count: int) -> list[str]:
    """`count` cases of the handler's department (so that every user may see them), across the id range
    (old and new cases: the case page must not be timed on a few cached rows)."""
    low_id, high_id = fetch_one(cursor, "SELECT min(id), max(id) FROM complaints_case")
    numbers = []
    for position in range(count):
        row = fetch_one(
            cursor,
            "SELECT c.number FROM complaints_case c WHERE c.id >= %s AND c.lead_department_id = %s "
            "ORDER BY c.id LIMIT 1",
            [low_id + (high_id - low_id) * position // count, department_id],
        )
        if row:
            numbers.append(row[0])
    return numbers


def choose_subjects(connection, handler, args) -> Subjects:
    """The department, case numbers and words of the run (`--word`/`--word2`, else chosen by share)."""
    from core import policy

    (department_id,) = sorted(policy.department_ids(handler))
    hits = "SELECT count(*) FROM complaints_case WHERE description LIKE %s"
    with connection.cursor() as cursor:
        (total_cases,) = fetch_one(cursor, "SELECT count(*) FROM complaints_case")
        numbers = case_numbers(cursor, department_id, args.repeat + args.warmup)
        shares = word_shares(cursor, THREE_CHARACTER_WORDS + TWO_CHARACTER_WORDS)
        word = args.word or pick_word({w: shares[w] for w in THREE_CHARACTER_WORDS if len(w) >= 3} or shares)
        word2 = args.word2 or pick_word({w: shares[w] for w in TWO_CHARACTER_WORDS}, high=0.1, aim=0.05)
        (word_hits,) = fetch_one(cursor, hits, [f"%{word}%"])
        (word2_hits,) = fetch_one(cursor, hits, [f"%{word2}%"])
        (total_events,) = fetch_one(cursor, "SELECT count(*) FROM complaints_caseevent")
    return Subjects(department_id, numbers, word, word2, word_hits, word2_hits, total_cases, total_events)


def page_list(args, subjects: Subjects) -> list[tuple[str, str | None, int, list[str]]]:
    """(name, URL, target in ms, users) of the pages to time; the case page's URL (None) changes with
    every request."""
    filtered = "/cases/?" + urlencode(
        {"kind": "complaint", "lead_department": subjects.department_id, "state": "in_progress"}
    )
    pages = [
        ("ledger", "/cases/", 100, args.users),
        ("filtered", filtered, 100, args.users),
        ("search", "/cases/?" + urlencode({"q": subjects.word}), 300, args.users),
        ("search2", "/cases/?" + urlencode({"q": subjects.word2}), 300, args.users),
        ("case", None, 100, args.users),
        (
            "inbox",
            "/cases/inbox/",
            100,
            [name for name in args.users if name in ("handler", "head")] or ["handler"],
        ),
    ]
    if args.only:
        pages = [page for page in pages if page[0] in args.only]
    return pages


def print_run_header(connection, subjects: Subjects, args, fingerprint: str, pending, load_before) -> None:
    """What the numbers below depend on: the data, the words, the code and the machine's load."""
    from django.conf import settings

    total = subjects.total_cases
    print(
        f"database: {connection.settings_dict['NAME']}  cases: {total:,}  events: {subjects.total_events:,}"
    )
    print(
        f"department: {subjects.department_id} (the handler's)   case numbers: {subjects.numbers[0]} ... "
        f"{subjects.numbers[-1]}"
    )
    print(
        f"search word: {subjects.word!r} in {subjects.word_hits:,} cases ({subjects.word_hits / total:.1%});  "
        f"word2: {subjects.word2!r} in {subjects.word2_hits:,} ({subjects.word2_hits / total:.1%})"
    )
    print(f"repeat {args.repeat} after {args.warmup} warm-ups; DEBUG={settings.DEBUG}  {args.label}")
    print(f"code fingerprint {fingerprint}; load average {load_text(load_before)}")
    warn_pending(pending)
    print()


def log_in(users: dict, pages) -> dict:
    """A test client per user, signed in with force_login (the log-in itself is not measured)."""
    from django.test import Client

    clients = {}
    for name in {user for *_rest, page_users in pages for user in page_users}:
        client = Client()
        client.force_login(users[name])
        clients[name] = client
    return clients


TABLE_HEADER = (
    f"{'page':<9} {'user':<8} {'median':>8} {'p90':>8} {'min':>8} {'queries':>7} {'status':>6}  "
    "target   result  load"
)


def page_result(page: str, name: str, url: str | None, target: int, samples: Samples) -> dict:
    """Print the page's row of the table; return it for the summary, EXPLAIN and the JSON."""
    ok = samples.ok(target)
    print(
        f"{page:<9} {name:<8} {samples.median:>8.1f} {samples.p90:>8.1f} {min(samples.times):>8.1f} "
        f"{samples.query_range():>7} {samples.status_text():>6}  <{target:<4}   {'PASS' if ok else 'FAIL'}  "
        f"{os.getloadavg()[0]:4.1f}",
        flush=True,
    )
    return {
        "page": page,
        "user": name,
        "url": url or "/cases/<number>/",
        "median_ms": round(samples.median, 1),
        "p90_ms": round(samples.p90, 1),
        "min_ms": round(min(samples.times), 1),
        "load": round(os.getloadavg()[0], 2),
        "queries": max(samples.counts),
        "status": sorted(samples.statuses),
        "target_ms": target,
        "pass": ok,
        "slowest": samples.slowest,
    }


def time_pages(connection, clients: dict, pages, numbers: list[str], args) -> list[dict]:
    """Every page as every one of its users: `--warmup` untimed then `--repeat` timed requests."""
    print_header(TABLE_HEADER)
    results = []
    for page, url, target, page_users in pages:
        urls = [
            url or f"/cases/{numbers[index % len(numbers)]}/" for index in range(args.warmup + args.repeat)
        ]
        for name in page_users:
            samples = time_requests(connection, clients[name], urls, args.warmup)
            results.append(page_result(page, name, url, target, samples))
    return results


def explain_slowest(connection, results: list[dict], args) -> None:
    """The slowest request's queries of the failing pages (of every page with --explain-all or
    --show-sql), and the plan of its slowest SELECT: where a page's time goes."""
    chosen = results if (args.explain_all or args.show_sql) else [r for r in results if not r["pass"]]
    for result in chosen:
        elapsed, request_url, queries = result["slowest"]
        print(
            f"\n=== {result['page']} as {result['user']}: {request_url}  (slowest request {elapsed:.1f} ms)"
        )
        ordered = sorted(queries, key=lambda q: float(q["time"]), reverse=True)
        listing = queries if args.show_sql else ordered[:3]
        for query in listing:
            print(f"  {float(query['time']) * 1000:7.1f} ms  {query['sql'][:2000]}")
        if (args.explain or args.explain_all) and is_select(ordered[0]["sql"]):
            plan = explain(connection, ordered[0]["sql"])
            print("  --- EXPLAIN (ANALYZE, BUFFERS) of the slowest query:")
            for line in plan:
                print("  " + line)


def save_results(path: str, args, subjects: Subjects, run: dict, results: list[dict]) -> None:
    """The JSON that compare_results.py puts side by side (without the captured SQL)."""
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
            "cases": subjects.total_cases,
            "events": subjects.total_events,
            "word": subjects.word,
            "word_hits": subjects.word_hits,
            "word2": subjects.word2,
            "word2_hits": subjects.word2_hits,
            "department": subjects.department_id,
            "results": results,
        },
    )
    print(f"saved {path}")


def main() -> None:
    args = parse_arguments()
    setup_django()
    from django.db import connection

    from core.models import User

    require_postgresql(connection)
    users = {user.username: user for user in User.objects.filter(username__in=[*args.users, "handler"])}
    subjects = choose_subjects(connection, users["handler"], args)
    pages = page_list(args, subjects)
    fingerprint, pending, load_before = code_fingerprint(), unapplied_migrations(connection), os.getloadavg()
    print_run_header(connection, subjects, args, fingerprint, pending, load_before)

    clients = log_in(users, pages)
    results = time_pages(connection, clients, pages, subjects.numbers, args)
    failing = [r for r in results if not r["pass"]]
    load_after = os.getloadavg()
    print(f"\n{len(results) - len(failing)} of {len(results)} PASS   (load average now {load_after[0]:.2f})")

    if args.show_sql or args.explain or args.explain_all:
        explain_slowest(connection, results, args)
    if args.save:
        run = {"fingerprint": fingerprint, "pending": pending, "load": [load_before, load_after]}
        save_results(args.save, args, subjects, run, results)


if __name__ == "__main__":
    main()
