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
import json
import os
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


def main() -> None:
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
    args = parser.parse_args()

    setup_django()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from core import policy
    from core.models import User

    if connection.vendor != "postgresql":
        sys.exit("Run against the PostgreSQL benchmark database (set DATABASE_URL).")

    users = {user.username: user for user in User.objects.filter(username__in=[*args.users, "handler"])}
    handler = users["handler"]
    (department_id,) = sorted(policy.department_ids(handler))

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM complaints_case")
        (total_cases,) = cursor.fetchone()
        cursor.execute("SELECT min(id), max(id) FROM complaints_case")
        low_id, high_id = cursor.fetchone()
        # Cases of the handler's department (so that every user may see them), across the id range.
        numbers = []
        count = args.repeat + args.warmup
        for position in range(count):
            cursor.execute(
                "SELECT c.number FROM complaints_case c WHERE c.id >= %s AND c.lead_department_id = %s "
                "ORDER BY c.id LIMIT 1",
                [low_id + (high_id - low_id) * position // count, department_id],
            )
            row = cursor.fetchone()
            if row:
                numbers.append(row[0])
        shares = word_shares(cursor, THREE_CHARACTER_WORDS + TWO_CHARACTER_WORDS)
        word = args.word or pick_word({w: shares[w] for w in THREE_CHARACTER_WORDS if len(w) >= 3} or shares)
        word2 = args.word2 or pick_word({w: shares[w] for w in TWO_CHARACTER_WORDS}, high=0.1, aim=0.05)
        cursor.execute("SELECT count(*) FROM complaints_case WHERE description LIKE %s", [f"%{word}%"])
        (word_hits,) = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM complaints_case WHERE description LIKE %s", [f"%{word2}%"])
        (word2_hits,) = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM complaints_caseevent")
        (total_events,) = cursor.fetchone()

    filtered = "/cases/?" + urlencode(
        {"kind": "complaint", "lead_department": department_id, "state": "in_progress"}
    )
    pages = [
        ("ledger", "/cases/", 100, args.users),
        ("filtered", filtered, 100, args.users),
        ("search", "/cases/?" + urlencode({"q": word}), 300, args.users),
        ("search2", "/cases/?" + urlencode({"q": word2}), 300, args.users),
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

    print(f"database: {connection.settings_dict['NAME']}  cases: {total_cases:,}  events: {total_events:,}")
    print(f"department: {department_id} (the handler's)   case numbers: {numbers[0]} ... {numbers[-1]}")
    print(
        f"search word: {word!r} in {word_hits:,} cases ({word_hits / total_cases:.1%});  "
        f"word2: {word2!r} in {word2_hits:,} ({word2_hits / total_cases:.1%})"
    )
    fingerprint = code_fingerprint()
    pending = unapplied_migrations(connection)
    load_before = os.getloadavg()
    print(f"repeat {args.repeat} after {args.warmup} warm-ups; DEBUG={settings.DEBUG}  {args.label}")
    print(
        f"code fingerprint {fingerprint}; load average {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}"
    )
    if pending:
        print(f"WARNING: migrations not applied to this database: {', '.join(pending)}")
    print()

    clients = {}
    for name in {user for *_rest, page_users in pages for user in page_users}:
        client = Client()
        client.force_login(users[name])
        clients[name] = client

    results = []
    header = f"{'page':<9} {'user':<8} {'median':>8} {'p90':>8} {'min':>8} {'queries':>7} {'status':>6}  target   result  load"
    print(header)
    print("-" * len(header))
    for page, url, target, page_users in pages:
        for name in page_users:
            client = clients[name]
            times, query_counts, statuses = [], [], set()
            slowest_request = None
            for index in range(args.warmup + args.repeat):
                request_url = url or f"/cases/{numbers[index % len(numbers)]}/"
                with CaptureQueriesContext(connection) as captured:
                    start = time.perf_counter()
                    response = client.get(request_url)
                    elapsed = time.perf_counter() - start
                if index < args.warmup:
                    continue
                times.append(elapsed * 1000)
                query_counts.append(len(captured.captured_queries))
                statuses.add(response.status_code)
                if slowest_request is None or elapsed * 1000 > slowest_request[0]:
                    slowest_request = (elapsed * 1000, request_url, list(captured.captured_queries))
            median, p90 = statistics.median(times), percentile(times, 0.9)
            ok = median < target and statuses == {200}
            queries = f"{min(query_counts)}" + (
                f"-{max(query_counts)}" if max(query_counts) != min(query_counts) else ""
            )
            print(
                f"{page:<9} {name:<8} {median:>8.1f} {p90:>8.1f} {min(times):>8.1f} {queries:>7} "
                f"{','.join(map(str, sorted(statuses))):>6}  <{target:<4}   {'PASS' if ok else 'FAIL'}  "
                f"{os.getloadavg()[0]:4.1f}",
                flush=True,
            )
            results.append(
                {
                    "page": page,
                    "user": name,
                    "url": url or "/cases/<number>/",
                    "median_ms": round(median, 1),
                    "p90_ms": round(p90, 1),
                    "min_ms": round(min(times), 1),
                    "load": round(os.getloadavg()[0], 2),
                    "queries": max(query_counts),
                    "status": sorted(statuses),
                    "target_ms": target,
                    "pass": ok,
                    "slowest": slowest_request,
                }
            )

    failing = [r for r in results if not r["pass"]]
    load_after = os.getloadavg()
    print(f"\n{len(results) - len(failing)} of {len(results)} PASS   (load average now {load_after[0]:.2f})")

    if args.show_sql or args.explain or args.explain_all:
        chosen = results if (args.explain_all or args.show_sql) else failing
        for result in chosen:
            _elapsed, request_url, queries = result["slowest"]
            print(
                f"\n=== {result['page']} as {result['user']}: {request_url}  (slowest request {_elapsed:.1f} ms)"
            )
            ordered = sorted(queries, key=lambda q: float(q["time"]), reverse=True)
            listing = queries if args.show_sql else ordered[:3]
            for query in listing:
                print(f"  {float(query['time']) * 1000:7.1f} ms  {query['sql'][:2000]}")
            if args.explain or args.explain_all:
                sql = ordered[0]["sql"]
                if sql.lstrip().upper().startswith("SELECT"):
                    with connection.cursor() as cursor:
                        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                        print("  --- EXPLAIN (ANALYZE, BUFFERS) of the slowest query:")
                        for (line,) in cursor.fetchall():
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
                    "cases": total_cases,
                    "events": total_events,
                    "word": word,
                    "word_hits": word_hits,
                    "word2": word2,
                    "word2_hits": word2_hits,
                    "department": department_id,
                    "results": results,
                },
                ensure_ascii=False,
                indent=1,
            )
        )
        print(f"saved {args.save}")


if __name__ == "__main__":
    main()
