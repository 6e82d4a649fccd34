"""What the measuring scripts share: Django set up as a benchmark wants it, the migrations a database
lacks, a fingerprint of the code measured (the tree is worked on while benchmarks run, so results are
comparable only for the same fingerprint), one timed request and what a page's timed requests add up to,
the cells of their tables, EXPLAIN, and the JSON file of a run.

Nothing here imports the application at module level: measure_personal_data.py loads this file to
measure other checkouts (older code), and generate_cases.py runs before Django is set up."""

import hashlib
import json
import os
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_django() -> None:
    """django.setup() with DEBUG off (as in production) and the test client's host allowed."""
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False
    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]


def require_postgresql(connection) -> None:
    """The benchmarks measure PostgreSQL (the SQLite of development would say nothing about 1M cases)."""
    if connection.vendor != "postgresql":
        sys.exit("Run against the PostgreSQL benchmark database (set DATABASE_URL).")


def unapplied_migrations(connection) -> list[str]:
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


def warn_pending(pending: list[str], write=print) -> None:
    """A run on a database behind the code measures a schema the application will not have."""
    if pending:
        write(f"WARNING: migrations not applied to this database: {', '.join(pending)}")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def code_fingerprint(*folders: str, suffixes: tuple[str, ...] = (".py", ".html")) -> str:
    """A short hash of the files with `suffixes` under `folders` (besides complaints, core, config and
    templates, which every page runs)."""
    digest = hashlib.sha1()
    for folder in (*folders, "complaints", "core", "config", "templates"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.is_file() and path.suffix in suffixes:
                digest.update(str(path.relative_to(ROOT)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def fetch_one(cursor, sql: str, params=None):
    """The one row of `sql` (the counts and bounds the scripts print before timing)."""
    cursor.execute(sql, params)
    return cursor.fetchone()


def load_text(load: tuple[float, float, float] | None = None) -> str:
    """The load average as the headers print it (the machine is shared: every run states its load)."""
    one, five, fifteen = load if load is not None else os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


# One request, and what the timed requests of a page add up to


def timed_get(connection, client, url: str) -> tuple[float, object, list[dict]]:
    """One GET through the test client: the wall time in ms (the view runs in this process, so it is the
    server time), the response, and the SQL captured during it."""
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        start = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - start) * 1000
    return elapsed, response, list(captured.captured_queries)


def sql_ms(queries: list[dict]) -> float:
    """The SQL time of captured queries (Django's client-side times, 1 ms resolution), in ms."""
    return sum(float(query["time"]) for query in queries) * 1000


@dataclass
class Samples:
    """The timed requests of one page: wall and SQL times (ms), query counts, statuses, and the slowest
    request with its SQL (to show or EXPLAIN afterwards)."""

    times: list[float] = field(default_factory=list)
    sql: list[float] = field(default_factory=list)
    counts: list[int] = field(default_factory=list)
    statuses: set[int] = field(default_factory=set)
    slowest: tuple[float, str, list[dict]] | None = None

    def add(self, elapsed: float, status: int, url: str, queries: list[dict], sql: float = 0.0) -> None:
        self.times.append(elapsed)
        self.sql.append(sql)
        self.counts.append(len(queries))
        self.statuses.add(status)
        if self.slowest is None or elapsed > self.slowest[0]:
            self.slowest = (elapsed, url, queries)

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def p90(self) -> float:
        return percentile(self.times, 0.9)

    @property
    def sql_median(self) -> float:
        return statistics.median(self.sql)

    def ok(self, target: float) -> bool:
        """The rule of every target: median under it, and every response a 200."""
        return self.median < target and self.statuses == {200}

    def query_range(self) -> str:
        return query_range(self.counts)

    def status_text(self) -> str:
        return ",".join(map(str, sorted(self.statuses)))


def time_requests(connection, client, urls: list[str], warmup: int, with_sql: bool = False) -> Samples:
    """Request each of `urls` in turn; the first `warmup` untimed (templates compiled, caches filled)."""
    samples = Samples()
    for index, url in enumerate(urls):
        elapsed, response, queries = timed_get(connection, client, url)
        if index < warmup:
            continue
        samples.add(elapsed, response.status_code, url, queries, sql_ms(queries) if with_sql else 0.0)
    return samples


# The cells of the tables


def query_range(counts: list[int]) -> str:
    """ "12" when every request made as many queries, else "12-14"."""
    return f"{min(counts)}" + (f"-{max(counts)}" if max(counts) != min(counts) else "")


def verdict(ok: bool, targeted: bool) -> str:
    """PASS/FAIL for the pages with a target, "report" for those measured for information only."""
    return ("PASS" if ok else "FAIL") if targeted else "report"


def print_header(header: str, write=print) -> None:
    write(header)
    write("-" * len(header))


# EXPLAIN


def is_select(sql: str) -> bool:
    """Only SELECTs are run again under EXPLAIN ANALYZE (which executes the statement)."""
    return sql.lstrip().upper().startswith("SELECT")


def explain(connection, sql: str, params=None) -> list[str]:
    """The plan of `sql` as it ran: EXPLAIN (ANALYZE, BUFFERS), one line a row."""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return [line for (line,) in cursor.fetchall()]


def print_request_plans(connection, queries: list[dict], mask=str) -> None:
    """The plans of a request's SELECTs, slowest first (the session look-up left out); `mask` hides
    the values a log must not keep."""
    for query in sorted(queries, key=lambda q: float(q["time"]), reverse=True):
        sql = query["sql"]
        if not is_select(sql) or "django_session" in sql:
            continue
        plan = explain(connection, sql)
        print(f"\n  --- {float(query['time']) * 1000:.1f} ms in the request: {mask(sql[:300])}")
        for line in plan:
            print("  " + mask(line))


# Results


def save_json(path, data: dict) -> None:
    """The numbers of a run, for compare_results.py or a later look (ensure_ascii off: Chinese words)."""
    Path(path).write_text(json.dumps(data, ensure_ascii=False, indent=1, default=str))
