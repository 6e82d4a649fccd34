#!/usr/bin/env python
"""Experiment E1 of the dashboard benchmark: what makes the monthly-figure refresh (and the report's hot
topics) cheaper? Nothing is kept: the indexes are created inside one transaction that is rolled back.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/minsheng_bench \
        .venv/bin/python bench/results/dashboard_e1_indexes.py | tee bench/results/dashboard_e1_indexes.log

For a few months, ``dashboard.figures.month_compute(month)`` (the computation of ``month_refresh`` without
the store) and ``dashboard.report.hot_topics(month)`` are timed, with each KPI's SQL summed through a
``connection.execute_wrapper``, in four variants:

- A  as the database is (jit on, the server's default)
- A' ``SET LOCAL jit = off``
- B  + ``CREATE INDEX ... ON complaints_caseevent (case_id, action)`` (the hits' EXISTS probes: "an event
       of this action in the case") and ``... ON complaints_case (created_at, category_id)`` (the report's hot
       topics) (inside the transaction)
- B' both

The CREATE INDEX holds a SHARE lock on both tables until the rollback (writes wait): run it when nothing
else uses the benchmark database.
"""

import os
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
for folder in (ROOT, ROOT / "bench"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from measure_dashboard import Recorder, refresh_part  # noqa: E402

MONTHS_BACK = (0, 1, 3, 5)  # which months (counted back from this one) to compute
INDEXES = [
    "CREATE INDEX bench_e1_event_case_action ON complaints_caseevent (case_id, action)",
    "CREATE INDEX bench_e1_case_created_category ON complaints_case (created_at, category_id)",
]


class Rollback(Exception):
    pass


def main() -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection, transaction
    from django.utils import timezone

    from complaints import kpis
    from core import clock
    from dashboard import figures, report

    settings.DEBUG = False
    recorder = Recorder()
    original = kpis.indicator_counts

    def labelled(code, start, end):
        recorder.label = f"KPI {code}"
        try:
            return original(code, start, end)
        finally:
            recorder.label = None

    kpis.indicator_counts = labelled

    this_month = kpis.month_start(timezone.localdate(clock.now()))
    months = []
    for back in MONTHS_BACK:
        month = this_month
        for _step in range(back):
            month = kpis.previous_month(month)
        months.append(month)
    print(f"months {', '.join(f'{m:%Y-%m}' for m in months)}; load average {os.getloadavg()[0]:.2f}")

    results = {}

    def variant(name: str) -> None:
        seconds, parts, topics = [], defaultdict(list), []
        reference = None
        for month in months:
            mark = recorder.mark()
            start = time.perf_counter()
            computed = figures.month_compute(month)
            seconds.append(time.perf_counter() - start)
            month_parts = defaultdict(float)
            for query in recorder.since(mark):
                month_parts[refresh_part(query)] += query["ms"] / 1000
            for part, value in month_parts.items():
                parts[part].append(value)
            start = time.perf_counter()
            report.hot_topics(month)
            topics.append((time.perf_counter() - start) * 1000)
            if reference is None:
                reference = computed
        results[name] = {"first_month": reference}
        print(
            f"\n{name}: month_compute {statistics.median(seconds):.2f} s a month (median of "
            f"{' '.join(f'{s:.2f}' for s in seconds)});  hot_topics {statistics.median(topics):.0f} ms "
            f"({' '.join(f'{t:.0f}' for t in topics)});  load {os.getloadavg()[0]:.2f}"
        )
        for part, values in sorted(parts.items(), key=lambda item: -statistics.median(item[1])):
            print(f"   {part:<45} {statistics.median(values):6.3f} s")

    def explain_topics(title: str, month) -> None:
        """EXPLAIN ANALYZE the report's hot-topics query for `month`."""
        mark = recorder.mark()
        report.hot_topics(month)
        query = [q for q in recorder.since(mark) if "complaints_case" in q["sql"]][0]
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"], query["params"])
            plan = [line for (line,) in cursor.fetchall()]
        print(f"\n--- {title}: hot topics of {month:%Y-%m} (the report's slowest query)")
        for line in plan:
            print("  " + line)

    def explain(title: str, code: str, month) -> None:
        """EXPLAIN ANALYZE the per-department query of `code` for `month`."""
        start, end = kpis.month_bounds(month)
        mark = recorder.mark()
        original(code, start, end)
        query = [q for q in recorder.since(mark) if "GROUP BY" in q["sql"]][-1]
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"], query["params"])
            plan = [line for (line,) in cursor.fetchall()]
        print(f"\n--- {title}: {code} by department, {month:%Y-%m}")
        for line in plan:
            print("  " + line)

    with connection.execute_wrapper(recorder):
        try:
            with transaction.atomic():
                variant("A  as is (jit on)")
                explain("A", "reopen_rate", months[1])
                explain_topics("A", months[0])
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL jit = off")
                variant("A' jit off")
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL jit = on")
                for statement in INDEXES:
                    start = time.perf_counter()
                    with connection.cursor() as cursor:
                        cursor.execute(statement)
                    print(f"\n{statement}: {time.perf_counter() - start:.1f} s")
                variant("B  + indexes (jit on)")
                explain("B", "reopen_rate", months[1])
                explain_topics("B", months[0])
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL jit = off")
                variant("B' + indexes, jit off")
                explain("B'", "reopen_rate", months[1])
                explain_topics("B'", months[0])
                same = all(
                    results[name]["first_month"].kpis == results["A  as is (jit on)"]["first_month"].kpis
                    for name in results
                )
                print(f"\nsame figures in every variant: {same}")
                raise Rollback
        except Rollback:
            print("rolled back: the indexes are gone")
    kpis.indicator_counts = original


if __name__ == "__main__":
    main()
