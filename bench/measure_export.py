#!/usr/bin/env python
"""Measure the ledger export (台账导出, ``complaints:export``) of 100,000 cases: peak memory and time.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/minsheng_bench .venv/bin/python bench/measure_export.py

The target: "100,000 rows never hold more than 300 MB of memory", for the Excel file and for the CSV.

The export refuses more than ``complaints.exports.MAX_ROWS`` (100,000) cases, so the script picks the
ledger filter that yields as many of the newest cases as fit: ``registered_after`` = the day after the
registration day of the ``--rows``-th newest case the user sees (the ledger's default order, newest
first). The actual number of rows is reported (a little under ``--rows``: that day's cases are left
out). With fewer cases in the database, everything is exported. ``--query`` sets the filters yourself.

Each format runs in a fresh child process (so that one's peak does not hide the other's): Django set up,
``DEBUG`` off (no query log), the test ``Client`` signed in with ``force_login`` as the first user of the
``--role`` group (``office`` by default; the demo accounts), one ``GET /cases/export/?format=...``
through the whole stack, the streamed content consumed chunk by chunk and written to /dev/null. Memory:
``resource.getrusage(RUSAGE_SELF).ru_maxrss`` (peak resident set of the child, its Django start-up
included) and a thread that samples ``VmRSS`` in ``/proc/self/status`` every 10 ms (peak, and the
resident size before the request). Time: until the response is returned (the first byte: for Excel the
whole file is built by then) and until the last byte. Each export writes an ``AuditEntry``, as a real
one would.

Prints a table and writes JSON to ``bench/results/export_<timestamp>.json`` (``--save`` to choose).
``--max-rows N`` raises the export's row limit inside the child processes only (to see how memory
grows past 100,000; nothing is edited).
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from common import load_text, setup_django  # noqa: E402  (bench/common.py)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

TARGET_MB = 300


def resident_mb() -> float:
    """The resident set size now, from /proc/self/status (0 where there is no /proc)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class RssSampler(threading.Thread):
    """Samples the resident set size every `interval` seconds and keeps the peak."""

    def __init__(self, interval: float = 0.01):
        super().__init__(daemon=True)
        self.interval = interval
        self.peak_mb = resident_mb()
        self.samples = 0
        self.finished = threading.Event()

    def run(self) -> None:
        while not self.finished.is_set():
            self.peak_mb = max(self.peak_mb, resident_mb())
            self.samples += 1
            self.finished.wait(self.interval)

    def stop(self) -> None:
        self.finished.set()
        self.join()
        self.peak_mb = max(self.peak_mb, resident_mb())


def export_user(role: str):
    from core.models import User

    user = User.objects.filter(groups__name=role, is_active=True).order_by("id").first()
    if user is None:
        sys.exit(f"No active user in the group {role!r}: load the demo data (manage.py demo) first.")
    return user


def choose_query(user, rows: int) -> tuple[str, int]:
    """Ledger filters that yield at most `rows` of the newest cases `user` sees, and the total they see."""
    from django.utils import timezone

    from complaints import selectors

    visible = selectors.case_list(user)
    total = visible.count()
    if total <= rows:
        return "", total
    boundary = visible.order_by("-created_at", "-id").values_list("created_at", flat=True)[rows - 1]
    day_after = timezone.localtime(boundary).date() + timedelta(days=1)
    return urlencode({"registered_after": day_after.isoformat()}), total


def run_child(options) -> dict:
    """One export in this process; returns what was measured."""
    baseline_mb = resident_mb()
    setup_django()
    from django.db import connection
    from django.test import Client

    from complaints import exports
    from core.models import AuditEntry

    if options.max_rows:
        exports.MAX_ROWS = options.max_rows
    user = export_user(options.role)
    client = Client()
    client.force_login(user)
    url = "/cases/export/?" + "&".join(part for part in (f"format={options.child}", options.query) if part)
    last_entry = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    ready_mb = resident_mb()

    sampler = RssSampler()
    sampler.start()
    started = time.perf_counter()
    response = client.get(url)
    first_byte = time.perf_counter() - started
    size = chunks = 0
    with open(os.devnull, "wb") as sink:
        if response.status_code == 200:
            for chunk in response.streaming_content:
                sink.write(chunk)
                size += len(chunk)
                chunks += 1
    response.close()
    elapsed = time.perf_counter() - started
    sampler.stop()

    entry = AuditEntry.objects.filter(id__gt=last_entry, actor=user).order_by("-id").first()
    return {
        "format": options.child,
        "url": url,
        "user": user.username,
        "database": connection.settings_dict["NAME"],
        "vendor": connection.vendor,
        "status": response.status_code,
        "rows": entry.detail.get("rows") if entry else None,
        "bytes": size,
        "chunks": chunks,
        "first_byte_s": round(first_byte, 3),
        "total_s": round(elapsed, 3),
        "ru_maxrss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "peak_vmrss_mb": round(sampler.peak_mb, 1),
        "rss_before_django_mb": round(baseline_mb, 1),
        "rss_before_request_mb": round(ready_mb, 1),
        "rss_samples": sampler.samples,
    }


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000, help="aim: this many of the newest cases")
    parser.add_argument("--formats", nargs="*", default=["xlsx", "csv"], choices=["xlsx", "csv"])
    parser.add_argument("--role", default="office", help="the group of the exporting user (office, leader)")
    parser.add_argument("--query", help="the ledger filters to export (default: chosen from --rows)")
    parser.add_argument("--max-rows", type=int, help="raise complaints.exports.MAX_ROWS in the children")
    parser.add_argument("--save", help="the JSON file (default: bench/results/export_<timestamp>.json)")
    parser.add_argument("--child", choices=["xlsx", "csv"], help=argparse.SUPPRESS)
    return parser.parse_args()


def export_in_child(options, export_format: str) -> dict:
    """One export in a fresh process (so that one format's peak does not hide the other's)."""
    command = [sys.executable, __file__, "--child", export_format, "--role", options.role]
    command += ["--query", options.query]
    if options.max_rows:
        command += ["--max-rows", str(options.max_rows)]
    finished = subprocess.run(command, capture_output=True, text=True, check=False)
    if finished.returncode != 0:
        print(finished.stdout, finished.stderr, sep="\n")
        sys.exit(f"the {export_format} export failed (exit code {finished.returncode})")
    return json.loads(finished.stdout.strip().splitlines()[-1])


def print_table(results: list[dict]) -> None:
    """Size, times and memory of each format; PASS when its peak stays under TARGET_MB."""
    print()
    print(
        f"{'format':<6} {'status':>6} {'rows':>8} {'MB sent':>8} {'first byte s':>12} {'total s':>8} "
        f"{'ru_maxrss MB':>12} {'peak VmRSS MB':>13} {'before MB':>9}  result (<= {TARGET_MB} MB)"
    )
    for result in results:
        peak = max(result["ru_maxrss_mb"], result["peak_vmrss_mb"])
        result["pass"] = result["status"] == 200 and peak <= TARGET_MB
        print(
            f"{result['format']:<6} {result['status']:>6} {result['rows'] or 0:>8,} "
            f"{result['bytes'] / 2**20:>8.1f} {result['first_byte_s']:>12.2f} {result['total_s']:>8.2f} "
            f"{result['ru_maxrss_mb']:>12.1f} {result['peak_vmrss_mb']:>13.1f} "
            f"{result['rss_before_request_mb']:>9.1f}  {'PASS' if result['pass'] else 'FAIL'}"
        )


def save_results(options, visible, load, results: list[dict]) -> None:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = Path(options.save) if options.save else ROOT / "bench" / "results" / f"export_{stamp}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(
            {
                "measured_at": stamp,
                "target_mb": TARGET_MB,
                "role": options.role,
                "query": options.query,
                "visible_cases": visible,
                "load_average": load,
                "results": results,
            },
            indent=2,
        )
    )
    print(f"\nwritten to {path}")


def main() -> None:
    options = parse_arguments()
    if options.child:
        print(json.dumps(run_child(options)))
        return

    setup_django()
    from django.db import connection

    user = export_user(options.role)
    if options.query is None:
        options.query, visible = choose_query(user, options.rows)
    else:
        visible = None
    print(f"database: {connection.settings_dict['NAME']} ({connection.vendor})  user: {user.username}")
    print(
        f"cases the user sees: {visible if visible is not None else '?'}  filters: {options.query or '(none)'}"
    )
    load = os.getloadavg()
    print(f"load average {load_text(load)}")
    connection.close()

    results = [export_in_child(options, export_format) for export_format in options.formats]
    print_table(results)
    save_results(options, visible, load, results)


if __name__ == "__main__":
    main()
