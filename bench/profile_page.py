#!/usr/bin/env python
"""Where does a page's server time go? Profile one page with cProfile and split SQL from Python.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/minsheng_bench \
        .venv/bin/python bench/profile_page.py /cases/ --user office --repeat 20

Prints the wall time per request, the time spent inside SQL (from CaptureQueriesContext), and the
functions with the most cumulative and own time (cProfile, over all repeats).
"""

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--user", default="office")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument("--sort", default="cumulative", help="cumulative or tottime")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from core.models import User

    client = Client()
    client.force_login(User.objects.get(username=args.user))
    for _ in range(3):
        client.get(args.url)
    walls, sqls, counts = [], [], []
    profiler = cProfile.Profile()
    for _ in range(args.repeat):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            profiler.enable()
            response = client.get(args.url)
            profiler.disable()
            walls.append((time.perf_counter() - start) * 1000)
        sqls.append(sum(float(query["time"]) for query in captured.captured_queries) * 1000)
        counts.append(len(captured.captured_queries))
    # Without the profiler, for the real proportion.
    plain = []
    for _ in range(args.repeat):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            client.get(args.url)
            plain.append(
                (
                    (time.perf_counter() - start) * 1000,
                    sum(float(q["time"]) for q in captured.captured_queries) * 1000,
                )
            )
    print(
        f"{args.url} as {args.user}: status {response.status_code}, {max(counts)} queries, load {os.getloadavg()[0]:.2f}"
    )
    wall = statistics.median(p[0] for p in plain)
    sql = statistics.median(p[1] for p in plain)
    print(
        f"without profiler: median {wall:.1f} ms, of which SQL (client-side, 1 ms resolution) {sql:.1f} ms, "
        f"Python {wall - sql:.1f} ms"
    )
    print(f"with profiler:    median {statistics.median(walls):.1f} ms\n")
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.strip_dirs().sort_stats(args.sort).print_stats(args.top)
    print(out.getvalue())


if __name__ == "__main__":
    main()
