#!/usr/bin/env python
"""Time the leadership dashboard (and its neighbours) against a generated database, after the refresh of
the monthly figures that beat would have done, and time that refresh too.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/minsheng_bench .venv/bin/python bench/measure_dashboard.py

The target (issue 7): "With 1,000,000 cases, the leadership dashboard takes under 300 ms of server time at
the median."

1. The refresh (``dashboard.figures.months_refresh``), timed with ``time.perf_counter()``: ``months_refresh(1)``
   (this month and the last: what beat runs every 5 minutes) ``--refresh-rounds`` times, then
   ``months_refresh(12)`` (the nightly run: 13 months). Per month, and per part of a month (each KPI's
   queries, the intake counts, the store), from the SQL timed by a ``connection.execute_wrapper``.
   ``--skip-refresh`` leaves the stored figures as they are. Then the stored figures of the months older
   than the nightly window are deleted (``--keep-old-months`` keeps them): in production such a month is
   stored only once somebody has looked at it, and its first view computes it during the request, so every
   run's first ``leadership_month`` request shows that cost (``first``).
2. The pages, through Django's test ``Client`` (middleware, session, view, template, all in this process,
   so the wall time of ``client.get()`` is the server time) after ``force_login``, DEBUG off, 'testserver'
   allowed: ``--warmup`` untimed requests (the first one's time is printed: a month never computed is
   computed during it) and ``--repeat`` timed ones, each with its SQL (count, total time) recorded:

   - leadership        /dashboard/                      leader   target 300 ms (median)
   - leadership_month  /dashboard/?month=<6 months ago> leader   target 300 ms
   - department        /dashboard/department/           head     report only
   - report            /dashboard/report/               leader   report only
   - report_xlsx       /dashboard/report/xlsx/          leader   report only

3. The slowest ``--explain`` queries (by median over the timed requests) of the pages in ``--explain-pages``,
   and of the nightly refresh, run again under EXPLAIN (ANALYZE, BUFFERS) and printed.

Everything printed also goes to ``bench/results/dashboard_<timestamp>.log``; the numbers to
``dashboard_<timestamp>.json`` (``--save`` to choose the JSON path; the log takes the same name).
"""

import argparse
import os
import statistics
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for folder in (ROOT, ROOT / "bench"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
from common import (  # noqa: E402  (bench/common.py)
    Samples,
    code_fingerprint,
    explain,
    is_select,
    load_text,
    print_header,
    require_postgresql,
    save_json,
    setup_django,
    unapplied_migrations,
    verdict,
    warn_pending,
)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


TARGET_MS = 300.0
TARGETED = ("leadership", "leadership_month")


class Tee:
    """stdout and the log file at once."""

    def __init__(self, stream, path: Path):
        self.stream = stream
        self.file = path.open("w", encoding="utf-8")

    def write(self, text):
        self.stream.write(text)
        self.file.write(text)

    def flush(self):
        self.stream.flush()
        self.file.flush()


class Recorder:
    """A ``connection.execute_wrapper``: every query's SQL, parameters and time (perf_counter)."""

    def __init__(self):
        self.queries: list[dict] = []
        self.label: str | None = None

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries.append(
                {
                    "sql": sql,
                    "params": params,
                    "many": many,
                    "ms": (time.perf_counter() - start) * 1000,
                    "label": self.label,
                }
            )

    def mark(self) -> int:
        return len(self.queries)

    def since(self, mark: int) -> list[dict]:
        return self.queries[mark:]


def machine(cursor) -> dict:
    memory_gb = None
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemTotal:"):
                    memory_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    settings = {}
    for name in (
        "server_version",
        "shared_buffers",
        "work_mem",
        "effective_cache_size",
        "jit",
        "max_parallel_workers_per_gather",
        "random_page_cost",
    ):
        cursor.execute(f"SHOW {name}")
        settings[name] = cursor.fetchone()[0]
    return {"cores": os.cpu_count(), "memory_gb": memory_gb, "postgresql": settings}


def refresh_part(query: dict) -> str:
    if query["label"]:
        return query["label"]
    if "dashboard_monthlyfigure" in query["sql"]:
        return "store (delete + insert)"
    if query["sql"].startswith(("SAVEPOINT", "RELEASE", "COMMIT", "BEGIN")):
        return "transaction"
    return "intake, cells, status (complaints_case)"


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument(
        "--target", type=float, default=TARGET_MS, help="median target of the leadership dashboard (ms)"
    )
    parser.add_argument(
        "--only", nargs="*", help="pages (leadership leadership_month department report report_xlsx)"
    )
    parser.add_argument("--months-ago", type=int, default=6, help="the month of leadership_month")
    parser.add_argument("--skip-refresh", action="store_true", help="do not refresh (nor time) the figures")
    parser.add_argument(
        "--refresh-rounds", type=int, default=2, help="how many times to time months_refresh(1)"
    )
    parser.add_argument("--nightly-months", type=int, default=12, help="months_back of the nightly refresh")
    parser.add_argument(
        "--keep-old-months",
        action="store_true",
        help="keep the stored figures of months older than the nightly window (default: delete them first)",
    )
    parser.add_argument(
        "--explain", type=int, default=2, help="EXPLAIN ANALYZE this many of the slowest queries"
    )
    parser.add_argument("--explain-pages", nargs="*", default=["leadership", "leadership_month", "report"])
    parser.add_argument(
        "--explain-refresh",
        type=int,
        default=3,
        help="EXPLAIN ANALYZE the slowest query of this many parts (KPIs) of the nightly refresh (0: none)",
    )
    parser.add_argument(
        "--jit-off",
        action="store_true",
        help="SET jit = off on this session (an experiment: the app's connections keep the server's setting)",
    )
    parser.add_argument("--save", help="the JSON file (default bench/results/dashboard_<timestamp>.json)")
    parser.add_argument("--label", default="", help="a label printed with the results")
    return parser.parse_args()


def start_log(args) -> tuple[Path, Path]:
    """The JSON path and its log (same name), and everything printed from now on also to the log."""
    stamp = datetime.now(UTC).strftime("%Y%m%d_%H%M%S")
    save = Path(args.save) if args.save else ROOT / "bench" / "results" / f"dashboard_{stamp}.json"
    save.parent.mkdir(parents=True, exist_ok=True)
    log_path = save.with_suffix(".log")
    sys.stdout = Tee(sys.__stdout__, log_path)
    return save, log_path


class Instruments:
    """Every query recorded (a ``Recorder`` on the connection), every month computed timed, by the
    refresh or inside a request (``months_read``), and each KPI's SQL labelled, so that the log shows
    where the seconds go. ``close()`` puts the application's functions back."""

    def __init__(self, connection):
        from complaints import kpis
        from dashboard import figures

        self.recorder = Recorder()
        self.wrapper = connection.execute_wrapper(self.recorder)
        self.wrapper.__enter__()
        self.months: list[dict] = []
        self.original_month_refresh = figures.month_refresh
        self.original_indicator_counts = kpis.indicator_counts
        figures.month_refresh = self.timed_month_refresh
        kpis.indicator_counts = self.labelled_indicator_counts

    def timed_month_refresh(self, month):
        mark = self.recorder.mark()
        start = time.perf_counter()
        result = self.original_month_refresh(month)
        elapsed = time.perf_counter() - start
        parts = defaultdict(float)
        for query in self.recorder.since(mark):
            parts[refresh_part(query)] += query["ms"] / 1000
        self.months.append({"month": month, "seconds": elapsed, "parts": dict(parts), "mark": mark})
        return result

    def labelled_indicator_counts(self, code, start, end):
        self.recorder.label = f"KPI {code}"
        try:
            return self.original_indicator_counts(code, start, end)
        finally:
            self.recorder.label = None

    def close(self) -> None:
        from complaints import kpis
        from dashboard import figures

        self.wrapper.__exit__(None, None, None)
        figures.month_refresh = self.original_month_refresh
        kpis.indicator_counts = self.original_indicator_counts


def months_back(month, count: int):
    from complaints import kpis

    for _step in range(count):
        month = kpis.previous_month(month)
    return month


def database_facts(connection, now) -> dict:
    """The machine, the data and the live counts the dashboard shows: what the numbers depend on."""
    from complaints.models import Case, Supervision

    with connection.cursor() as cursor:
        box = machine(cursor)
        cursor.execute("SELECT count(*) FROM complaints_case")
        (total_cases,) = cursor.fetchone()
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'complaints_caseevent'")
        (total_events,) = cursor.fetchone()
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        (database_size,) = cursor.fetchone()
    return {
        "machine": box,
        "cases": total_cases,
        "events_estimate": total_events,
        "open": Case.objects.open().count(),
        "overdue": Case.objects.overdue(now).count(),
        "listed_supervision": Supervision.objects.filter(
            kind=Supervision.Kind.LISTED, answered_at__isnull=True
        ).count(),
        "database_size": database_size,
    }


def print_run_header(connection, facts: dict, days: dict, run: dict, args) -> None:
    from dashboard.models import MonthlyFigure

    print(f"measure_dashboard.py  {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC  {args.label}")
    print(
        f"database: {connection.settings_dict['NAME']} ({facts['database_size']})  cases: {facts['cases']:,}  "
        f"events: ~{facts['events_estimate']:,}  open: {facts['open']:,}  overdue: {facts['overdue']:,}  "
        f"listed supervision: {facts['listed_supervision']:,}"
    )
    box = facts["machine"]
    pg = box["postgresql"]
    print(
        f"machine: {box['cores']} cores, {box['memory_gb']} GB RAM; PostgreSQL {pg['server_version']} "
        f"(shared_buffers {pg['shared_buffers']}, work_mem {pg['work_mem']}, jit {pg['jit']}, "
        f"parallel workers/gather {pg['max_parallel_workers_per_gather']})"
    )
    print(
        f"today {days['today']} (local), this month {days['this_month']:%Y-%m}, month page {days['past_month']:%Y-%m}"
    )
    print(f"code fingerprint {run['fingerprint']}; load average {load_text()}")
    if args.jit_off:
        print("EXPERIMENT: jit = off for this session")
    warn_pending(run["pending"])
    stored = MonthlyFigure.objects.order_by().values("month").distinct().count()
    print(f"stored figures before: {MonthlyFigure.objects.count():,} rows for {stored} months")


# 1. The refresh


def time_months_refresh(
    instruments: Instruments, kind: str, months_back_count: int
) -> tuple[dict, list[dict], float]:
    """One ``months_refresh()`` timed, with each of its months; returns its entry, those months and the
    seconds it took."""
    from dashboard import figures

    recorder = instruments.recorder
    first_month = len(instruments.months)
    mark = recorder.mark()
    load_before = load_text()
    start = time.perf_counter()
    refreshed = figures.months_refresh(months_back_count)
    elapsed = time.perf_counter() - start
    months = instruments.months[first_month:]
    queries = recorder.since(mark)
    entry = {
        "months_back": months_back_count,
        "seconds": round(elapsed, 2),
        "months": [{"month": f"{m['month']:%Y-%m}", "seconds": round(m["seconds"], 2)} for m in months],
        "per_month_median_s": round(statistics.median(m["seconds"] for m in months), 2),
        "queries": len(queries),
        "sql_s": round(sum(q["ms"] for q in queries) / 1000, 2),
        "load": load_before,
    }
    print(
        f"months_refresh({months_back_count}) [{kind}]: {elapsed:.1f} s for {len(refreshed)} months "
        f"(median {entry['per_month_median_s']:.1f} s a month; {len(queries)} queries, SQL "
        f"{entry['sql_s']:.1f} s; load {load_before})"
    )
    print("   " + "  ".join(f"{m['month']} {m['seconds']:.1f}" for m in entry["months"]))
    return entry, months, elapsed


def print_nightly_parts(entry: dict, months: list[dict], elapsed: float) -> None:
    """Where the nightly refresh's seconds go, by KPI (the SQL of each summed over its months)."""
    parts = defaultdict(float)
    for m in months:
        for part, seconds in m["parts"].items():
            parts[part] += seconds
    entry["parts_s"] = {part: round(s, 2) for part, s in sorted(parts.items(), key=lambda p: -p[1])}
    print(f"   where the {elapsed:.1f} s go (SQL summed over the {len(months)} months):")
    for part, seconds in entry["parts_s"].items():
        print(f"     {part:<45} {seconds:7.2f} s  {seconds / len(months):6.2f} s/month")


def time_refresh(instruments: Instruments, args) -> tuple[dict, tuple[int, int] | None]:
    """What beat runs (``months_refresh(1)``, ``--refresh-rounds`` times) and the nightly run; returns the
    timings and the span of the nightly run's queries in the recorder (for EXPLAIN)."""
    from dashboard.models import MonthlyFigure

    refresh = {"beat": [], "nightly": None}
    nightly_mark = None
    print("\n== Refresh of the monthly figures (dashboard.figures.months_refresh)")
    for kind, count in [("beat", 1)] * args.refresh_rounds + [("nightly", args.nightly_months)]:
        mark = instruments.recorder.mark()
        entry, months, elapsed = time_months_refresh(instruments, kind, count)
        if kind == "beat":
            refresh["beat"].append(entry)
        else:
            refresh["nightly"] = entry
            nightly_mark = (mark, instruments.recorder.mark())
            print_nightly_parts(entry, months, elapsed)
    print(f"stored figures after: {MonthlyFigure.objects.count():,} rows")
    return refresh, nightly_mark


def forget_old_months(this_month, nightly_months: int) -> None:
    """Months older than the nightly window are stored only once somebody has looked at them: forget
    them, so that every run's first request of leadership_month computes the same months (the "first"
    column)."""
    from dashboard.models import MonthlyFigure

    oldest_kept = months_back(this_month, nightly_months)
    deleted, _by_model = MonthlyFigure.objects.filter(month__lt=oldest_kept).delete()
    print(f"\nforgot the stored figures of the months before {oldest_kept:%Y-%m}: {deleted:,} rows")


# 2. The pages


def dashboard_pages(args, past_month) -> list[tuple[str, str, str]]:
    """(name, URL, group of the user) of the pages to time."""
    pages = [
        ("leadership", "/dashboard/", "leader"),
        ("leadership_month", f"/dashboard/?month={past_month:%Y-%m}", "leader"),
        ("department", "/dashboard/department/", "head"),
        ("report", "/dashboard/report/", "leader"),
        ("report_xlsx", "/dashboard/report/xlsx/", "leader"),
    ]
    if args.only:
        pages = [page for page in pages if page[0] in args.only]
    return pages


def log_in(pages) -> dict:
    """group -> (test client signed in as the group's first user, its username)."""
    from django.test import Client

    from core.models import User

    clients = {}
    for name in {user for *_rest, user in pages}:
        group = {"leader": "leader", "head": "head"}[name]
        user = User.objects.filter(groups__name=group).order_by("pk").first()
        client = Client()
        client.force_login(user)
        clients[name] = (client, user.username)
    return clients


def time_page(
    instruments: Instruments, client, page: str, url: str, args
) -> tuple[Samples, list, float, list]:
    """`--warmup` untimed then `--repeat` timed requests; returns the timed samples, each timed request's
    queries, the first request's time and the months it computed (never stored before)."""
    recorder, month_log = instruments.recorder, instruments.months
    samples, per_request = Samples(), []
    first, computed_in_first = None, []
    for index in range(args.warmup + args.repeat):
        months_before = len(month_log)
        mark = recorder.mark()
        start = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - start) * 1000
        queries = recorder.since(mark)
        if index == 0:
            first = elapsed
            computed_in_first = [f"{m['month']:%Y-%m}" for m in month_log[months_before:]]
        if index < args.warmup:
            continue
        if len(month_log) > months_before:
            print(
                f"   note: {page} request {index} computed months {[m['month'] for m in month_log[months_before:]]}"
            )
        samples.add(elapsed, response.status_code, url, queries, sum(q["ms"] for q in queries))
        per_request.append(queries)
    return samples, per_request, first, computed_in_first


def top_queries(per_request: list[list[dict]]) -> list[dict]:
    """The page's 8 slowest queries by median time over the timed requests (same SQL text, same position)."""
    by_sql = defaultdict(list)
    for queries in per_request:
        for position, query in enumerate(queries):
            by_sql[(position, query["sql"])].append(query)
    ranked = sorted(by_sql.items(), key=lambda item: -statistics.median(q["ms"] for q in item[1]))
    return [
        {
            "position": position,
            "median_ms": round(statistics.median(q["ms"] for q in runs), 2),
            "max_ms": round(max(q["ms"] for q in runs), 2),
            "sql": sql[:3000],
            "_query": runs[-1],
        }
        for (position, sql), runs in ranked[:8]
    ]


PAGE_HEADER = (
    f"{'page':<17} {'user':<7} {'median':>8} {'p90':>8} {'max':>8} {'min':>8} {'sql med':>8} "
    f"{'queries':>7} {'status':>6} {'first':>8}  target  result  load"
)


def page_result(page: str, url: str, username: str, timed: tuple, args) -> dict:
    """Print the page's row of the table; return it with its slowest queries for the JSON."""
    samples, per_request, first, computed_in_first = timed
    times, sql_times = samples.times, samples.sql
    targeted = page in TARGETED
    ok = samples.ok(args.target)
    print(
        f"{page:<17} {username:<7} {samples.median:>8.1f} {samples.p90:>8.1f} {max(times):>8.1f} {min(times):>8.1f} "
        f"{samples.sql_median:>8.1f} {samples.query_range():>7} {samples.status_text():>6} "
        f"{first:>8.0f}  {f'<{args.target:g}' if targeted else '-':<6}  {verdict(ok, targeted):<6}  {os.getloadavg()[0]:4.2f}",
        flush=True,
    )
    if computed_in_first:
        print(
            f"   (first request computed {len(computed_in_first)} months never stored: {', '.join(computed_in_first)})"
        )
    return {
        "page": page,
        "url": url,
        "user": username,
        "median_ms": round(samples.median, 1),
        "p90_ms": round(samples.p90, 1),
        "max_ms": round(max(times), 1),
        "min_ms": round(min(times), 1),
        "sql_median_ms": round(samples.sql_median, 1),
        "python_median_ms": round(statistics.median(t - s for t, s in zip(times, sql_times, strict=True)), 1),
        "queries": max(samples.counts),
        "queries_min": min(samples.counts),
        "status": sorted(samples.statuses),
        "first_ms": round(first, 1),
        "months_computed_in_first_request": computed_in_first,
        "target_ms": args.target if targeted else None,
        "pass": ok if targeted else None,
        "load": round(os.getloadavg()[0], 2),
        "times_ms": [round(t, 1) for t in times],
        "top_queries": top_queries(per_request),
    }


def time_pages(instruments: Instruments, pages, args) -> list[dict]:
    from django.conf import settings

    clients = log_in(pages)
    print(f"\n== Pages: {args.repeat} timed requests after {args.warmup} warm-ups; DEBUG={settings.DEBUG}")
    print_header(PAGE_HEADER)
    results = []
    for page, url, user_key in pages:
        client, username = clients[user_key]
        timed = time_page(instruments, client, page, url, args)
        results.append(page_result(page, url, username, timed, args))
    return results


def print_where_time_goes(results: list[dict]) -> None:
    """Each page's median split into SQL and Python, and its slowest queries."""
    for result in results:
        print(
            f"\n=== {result['page']} ({result['url']}, {result['user']}): median {result['median_ms']} ms = "
            f"SQL {result['sql_median_ms']} ms + Python {result['python_median_ms']} ms; {result['queries']} queries. "
            f"Slowest queries (median / max ms):"
        )
        for query in result["top_queries"][:6]:
            sql = " ".join(query["sql"].split())
            print(
                f"  {query['median_ms']:7.2f} / {query['max_ms']:7.2f}  #{query['position']:<2} {sql[:400]}"
            )


# 3. EXPLAIN


def explain_pages(connection, results: list[dict], args) -> list[dict]:
    """The plans of the `--explain` slowest SELECTs of each page in `--explain-pages`."""
    explained = []
    for result in results:
        if result["page"] not in args.explain_pages:
            continue
        selects = [q for q in result["top_queries"] if is_select(q["sql"])]
        for query in selects[: args.explain]:
            print(
                f"\n--- EXPLAIN (ANALYZE, BUFFERS): {result['page']} query #{query['position']}, "
                f"median {query['median_ms']} ms in the request"
            )
            print("  " + " ".join(query["sql"].split())[:1500])
            print("  params: " + repr(query["_query"]["params"])[:500])
            plan = explain(connection, query["_query"]["sql"], query["_query"]["params"])
            for line in plan:
                print("  " + line)
            explained.append({"page": result["page"], "sql": query["sql"], "plan": plan})
    return explained


def explain_refresh(connection, recorder: Recorder, nightly_mark: tuple[int, int], count: int) -> list[dict]:
    """The plan of the slowest SELECT of each of the `count` slowest parts (KPIs) of the nightly refresh."""
    start, end = nightly_mark
    selects = [q for q in recorder.queries[start:end] if is_select(q["sql"])]
    slowest_by_part = {}
    for query in sorted(selects, key=lambda q: -q["ms"]):
        slowest_by_part.setdefault(query["label"] or refresh_part(query), query)
    explained = []
    for query in list(slowest_by_part.values())[:count]:
        print(
            f"\n--- EXPLAIN (ANALYZE, BUFFERS): nightly refresh, {query['label'] or refresh_part(query)}, "
            f"{query['ms']:.0f} ms in the refresh"
        )
        print("  " + " ".join(query["sql"].split())[:2500])
        print("  params: " + repr(query["params"])[:500])
        plan = explain(connection, query["sql"], query["params"])
        for line in plan:
            print("  " + line)
        explained.append(
            {"page": "nightly refresh", "label": query["label"], "sql": query["sql"], "plan": plan}
        )
    return explained


def save_results(
    save: Path, log_path: Path, args, run: dict, facts: dict, today, refresh, results, explained
) -> None:
    for result in results:
        for query in result["top_queries"]:
            query.pop("_query", None)
    save_json(
        save,
        {
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "label": args.label,
            "jit_off": args.jit_off,
            "code": run["fingerprint"],
            "pending_migrations": run["pending"],
            "machine": facts["machine"],
            "load": run["load"],
            "cases": facts["cases"],
            "events_estimate": facts["events_estimate"],
            "open": facts["open"],
            "overdue": facts["overdue"],
            "listed_supervision": facts["listed_supervision"],
            "database_size": facts["database_size"],
            "today": today.isoformat(),
            "refresh": refresh,
            "results": results,
            "explained": explained,
        },
    )
    print(f"\nsaved {save} and {log_path}")


def main() -> None:
    args = parse_arguments()
    save, log_path = start_log(args)
    setup_django()
    from django.db import connection
    from django.utils import timezone

    from complaints import kpis
    from core import clock

    require_postgresql(connection)
    if args.jit_off:
        with connection.cursor() as cursor:
            cursor.execute("SET jit = off")
    instruments = Instruments(connection)
    now = clock.now()
    today = timezone.localdate(now)
    this_month = kpis.month_start(today)
    days = {"today": today, "this_month": this_month, "past_month": months_back(this_month, args.months_ago)}
    facts = database_facts(connection, now)
    run = {"fingerprint": code_fingerprint("dashboard"), "pending": unapplied_migrations(connection)}
    run["load"] = [os.getloadavg()]
    print_run_header(connection, facts, days, run, args)

    refresh, nightly_mark = {"beat": [], "nightly": None}, None
    if not args.skip_refresh:
        refresh, nightly_mark = time_refresh(instruments, args)
    if not args.keep_old_months:
        forget_old_months(this_month, args.nightly_months)

    results = time_pages(instruments, dashboard_pages(args, days["past_month"]), args)
    run["load"].append(os.getloadavg())
    targeted_results = [r for r in results if r["pass"] is not None]
    print(
        f"\nleadership dashboard: {sum(r['pass'] for r in targeted_results)} of {len(targeted_results)} PASS "
        f"(median < {args.target:g} ms)   load average now {load_text()}"
    )
    print_where_time_goes(results)

    explained = []
    if args.explain:
        explained = explain_pages(connection, results, args)
        if nightly_mark and args.explain_refresh:
            explained += explain_refresh(connection, instruments.recorder, nightly_mark, args.explain_refresh)
    instruments.close()
    save_results(save, log_path, args, run, facts, today, refresh, results, explained)


if __name__ == "__main__":
    main()
