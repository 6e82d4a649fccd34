#!/usr/bin/env python
"""Time the look-ups by a citizen's phone and ID number (issue 12: personal data encrypted at rest).

    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/minsheng_bench .venv/bin/python bench/measure_personal_data.py

Run generate_cases.py (and generate_visits.py for the reception page) first. Requests, through Django's
test ``Client`` (the whole stack: middleware, session, view, template), DEBUG off, 'testserver' allowed:

- healthz        /healthz  (no log-in: the database and broker checks; the reference of the run)
- history_phone  /cases/history/?citizen_phone=<phone>                                  target 100 ms
- history_id     /cases/history/?citizen_id_number=<ID number>                           target 100 ms
- repeats        /cases/history/?citizen_phone=..&citizen_id_number=..&category=<id>&description=<text>
                 the repeat detection: the same look-ups plus the comparison of the description with
                 the category's latest 200 cases (``possible_repeats``)                  target 100 ms
- reception      /reception/history/?id_number=..&phone=..&group_size=1  (as ``clerk``)  target 100 ms
- ``--ledger`` adds /cases/ and /cases/?kind=complaint&lead_department=<handler's>&state=in_progress as
  office, handler and leader (report only: compare with a run on the earlier code)

The look-ups run as ``agent`` (``--user``). Every request of a look-up is for a different citizen, chosen
before timing through the models (so the script reads encrypted columns as the application does, and
plain ones on the earlier code): cases with a phone and an ID number spread over the id range, the
description and category of that case for the repeat detection (so each request finds its own case:
checked, "found" in the table); for the reception page, visitors with earlier visits. The pages are
requested round-robin (``--warmup`` rounds untimed, then ``--repeat`` timed), so /healthz sees the same
load as the look-ups and the ratio to it is a load-independent figure. Per page: median, p90, min, the
ratio of the median to /healthz's, the median SQL time and count, the median number and time of the
decryptions inside the request, and PASS/FAIL for the targeted look-ups (median under ``--target``).

``--code DIR`` runs the same measurement on another checkout (e.g. the worktree of the code before the
change, on its plain database); ``--explain`` prints EXPLAIN (ANALYZE, BUFFERS) of the SELECTs of the
slowest request of each look-up; ``--save`` writes JSON.
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

BENCH = Path(__file__).resolve().parent
LOOKUPS = ("history_phone", "history_id", "repeats", "reception")
TARGETED = LOOKUPS
LEDGER_USERS = ("office", "handler", "leader")


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--target", type=float, default=100.0, help="median target of the look-ups (ms)")
    parser.add_argument("--user", default="agent", help="who makes the /cases/history/ look-ups")
    parser.add_argument(
        "--only", nargs="*", help=f"look-ups to run ({' '.join(LOOKUPS)}); healthz always runs"
    )
    parser.add_argument("--ledger", action="store_true", help="also time the ledger pages (report only)")
    parser.add_argument("--code", help="the checkout to measure (default: this one)")
    parser.add_argument(
        "--explain", action="store_true", help="EXPLAIN ANALYZE the slowest look-ups' queries"
    )
    parser.add_argument("--save", help="write the results as JSON to this file")
    parser.add_argument("--label", default="")
    return parser.parse_args()


def pick_citizens(count: int) -> list[dict]:
    """`count` cases with a phone and an ID number, spread over the id range, read through the model."""
    from django.db.models import Max, Min

    from complaints.models import Case

    bounds = Case.objects.aggregate(low=Min("pk"), high=Max("pk"))
    low, high = bounds["low"], bounds["high"]
    people, seen = [], set()
    for slot in range(count * 2):
        if len(people) >= count:
            break
        case = (
            Case.objects.filter(pk__gte=low + (high - low) * slot // (count * 2), is_anonymous=False)
            .exclude(citizen_phone="")
            .exclude(citizen_id_number="")
            .exclude(category=None)
            .order_by("pk")
            .only("number", "citizen_phone", "citizen_id_number", "category", "description")
            .first()
        )
        if case is None or case.pk in seen:
            continue
        seen.add(case.pk)
        people.append(
            {
                "number": case.number,
                "phone": case.citizen_phone,
                "id_number": case.citizen_id_number,
                "category": case.category_id,
                "description": case.description[:500],
            }
        )
    if len(people) < count:
        sys.exit(f"only {len(people)} citizens with phone and ID number found; {count} needed")
    return people


def pick_visitors(count: int) -> list[dict]:
    """`count` visitors with earlier visits, a phone and an ID number, spread over the register."""
    from django.db.models import Max, Min

    from reception.models import Visit

    bounds = Visit.objects.aggregate(low=Min("pk"), high=Max("pk"))
    if bounds["low"] is None:
        return []
    low, high = bounds["low"], bounds["high"]
    visitors = []
    for slot in range(count):
        visit = (
            Visit.objects.filter(pk__gte=low + (high - low) * slot // count, earlier_visits__gte=1)
            .exclude(phone="")
            .exclude(id_number="")
            .order_by("pk")
            .only("phone", "id_number")
            .first()
        )
        if visit is not None:
            visitors.append({"phone": visit.phone, "id_number": visit.id_number})
    return visitors


def masked(text: str) -> str:
    """`text` with phone numbers, ID numbers and hashes (quoted digits/hex of 11+ characters) replaced."""
    return re.sub(r"'[0-9a-fA-FX-]{11,}'", "'…'", text)


class DecryptCounter:
    """Counts the decryptions (and their time) inside a request, when the code has core.encryption."""

    def __init__(self) -> None:
        self.calls, self.seconds = 0, 0.0
        try:
            from core import encryption
        except ImportError:
            self.module = None
            return
        self.module = encryption
        original = encryption.decrypt

        def counted(token):
            start = time.perf_counter()
            try:
                return original(token)
            finally:
                self.seconds += time.perf_counter() - start
                self.calls += 1

        encryption.decrypt = counted

    def reset(self) -> None:
        self.calls, self.seconds = 0, 0.0


def main() -> None:
    args = arguments()
    code = Path(args.code).resolve() if args.code else BENCH.parent
    # Another checkout on the path would shadow the code measured: keep only `code`, then bench/ for
    # common.py, and work from `code` (Celery's Django fix-up puts the working directory first on the path).
    if args.save:
        args.save = str(Path(args.save).resolve())
    os.chdir(code)
    sys.path[:] = [
        entry
        for entry in sys.path
        if not (Path(entry or ".").resolve() / "config" / "settings.py").exists()
        or Path(entry or ".").resolve() == code
    ]
    for folder in (BENCH, code):  # the code first, then bench/common.py
        sys.path.insert(0, str(folder))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import common  # bench/common.py

    common.ROOT = code  # the fingerprint of the code measured
    common.setup_django()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from core import policy
    from core.models import User

    if connection.vendor != "postgresql":
        sys.exit("Run against the PostgreSQL benchmark database (set DATABASE_URL).")
    if not Path(sys.modules["config"].__file__).resolve().is_relative_to(code):
        sys.exit(f"config imported from {sys.modules['config'].__file__}, not from {code}")

    lookups = [name for name in LOOKUPS if not args.only or name in args.only]
    per_page = args.warmup + args.repeat
    citizens = pick_citizens(per_page) if set(lookups) - {"reception"} else []
    visitors = pick_visitors(per_page) if "reception" in lookups else []
    if "reception" in lookups and len(visitors) < per_page:
        print(f"reception: only {len(visitors)} visitors with earlier visits: page left out")
        lookups.remove("reception")

    users = {u.username: u for u in User.objects.filter(username__in=[args.user, "clerk", *LEDGER_USERS])}
    clients = {}
    for name in {args.user, "clerk", *(LEDGER_USERS if args.ledger else ())}:
        clients[name] = Client()
        clients[name].force_login(users[name])
    anonymous = Client()

    pages: dict[str, tuple[Client, list[str], str | None]] = {
        "healthz": (anonymous, ["/healthz"] * per_page, None)
    }
    if "history_phone" in lookups:
        pages["history_phone"] = (
            clients[args.user],
            [f"/cases/history/?{urlencode({'citizen_phone': c['phone']})}" for c in citizens],
            "number",
        )
    if "history_id" in lookups:
        pages["history_id"] = (
            clients[args.user],
            [f"/cases/history/?{urlencode({'citizen_id_number': c['id_number']})}" for c in citizens],
            "number",
        )
    if "repeats" in lookups:
        query = [
            {
                "citizen_phone": c["phone"],
                "citizen_id_number": c["id_number"],
                "category": c["category"],
                "description": c["description"],
            }
            for c in citizens
        ]
        pages["repeats"] = (clients[args.user], [f"/cases/history/?{urlencode(q)}" for q in query], "number")
    if "reception" in lookups:
        pages["reception"] = (
            clients["clerk"],
            [
                f"/reception/history/?{urlencode({'id_number': v['id_number'], 'phone': v['phone'], 'group_size': 1})}"
                for v in visitors
            ],
            None,
        )
    if args.ledger:
        (department,) = sorted(policy.department_ids(users["handler"]))
        filtered = "/cases/?" + urlencode(
            {"kind": "complaint", "lead_department": department, "state": "in_progress"}
        )
        for name in LEDGER_USERS:
            pages[f"ledger/{name}"] = (clients[name], ["/cases/"] * per_page, None)
            pages[f"filtered/{name}"] = (clients[name], [filtered] * per_page, None)

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM complaints_case")
        (total_cases,) = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM reception_visit")
        (total_visits,) = cursor.fetchone()
        cursor.execute("SHOW server_version")
        (server_version,) = cursor.fetchone()
    fingerprint = common.code_fingerprint("hotline", "reception")
    pending = common.unapplied_migrations(connection)
    decrypts = DecryptCounter()
    load_before = os.getloadavg()
    print(
        f"code {code}; database {connection.settings_dict['NAME']}: {total_cases:,} cases, {total_visits:,} visits"
    )
    print(
        f"look-ups as {args.user} (reception as clerk); {args.repeat} rounds after {args.warmup} warm-ups, pages "
        f"round-robin; DEBUG={settings.DEBUG}; encryption: {'yes' if decrypts.module else 'no (earlier code)'}  "
        f"{args.label}"
    )
    print(
        f"code fingerprint {fingerprint}; load average {load_before[0]:.2f} {load_before[1]:.2f} "
        f"{load_before[2]:.2f}; {os.cpu_count()} cores; PostgreSQL {server_version}"
    )
    if pending:
        print(f"WARNING: migrations not applied to this database: {', '.join(pending)}")
    print()

    samples = {name: {"ms": [], "sql": [], "queries": [], "decrypts": [], "decrypt_ms": []} for name in pages}
    statuses = {name: set() for name in pages}
    found = {name: 0 for name in pages}
    slowest: dict[str, tuple] = {}
    for index in range(per_page):
        for name, (client, urls, check) in pages.items():
            url = urls[index]
            decrypts.reset()
            with CaptureQueriesContext(connection) as captured:
                start = time.perf_counter()
                response = client.get(url)
                elapsed = (time.perf_counter() - start) * 1000
            if index < args.warmup:
                continue
            sample = samples[name]
            sample["ms"].append(elapsed)
            sample["sql"].append(sum(float(q["time"]) for q in captured.captured_queries) * 1000)
            sample["queries"].append(len(captured.captured_queries))
            sample["decrypts"].append(decrypts.calls)
            sample["decrypt_ms"].append(decrypts.seconds * 1000)
            statuses[name].add(response.status_code)
            if check == "number" and citizens[index]["number"] in response.content.decode():
                found[name] += 1
            if name not in slowest or elapsed > slowest[name][0]:
                slowest[name] = (elapsed, url, list(captured.captured_queries))

    reference = statistics.median(samples["healthz"]["ms"])
    header = (
        f"{'page':<17} {'median':>7} {'p90':>7} {'min':>7} {'×healthz':>8} {'sql med':>7} {'queries':>7} "
        f"{'decrypt':>7} {'dec ms':>6} {'found':>6} {'status':>6}  target  result"
    )
    print(header)
    print("-" * len(header))
    results = []
    for name, sample in samples.items():
        times = sample["ms"]
        median, p90 = statistics.median(times), common.percentile(times, 0.9)
        targeted = name in TARGETED
        ok = median < args.target and statuses[name] == {200}
        if pages[name][2] == "number":
            ok = ok and found[name] == len(times)
        verdict = ("PASS" if ok else "FAIL") if targeted else "report"
        queries = f"{min(sample['queries'])}" + (
            f"-{max(sample['queries'])}" if max(sample["queries"]) != min(sample["queries"]) else ""
        )
        shown_found = f"{found[name]}/{len(times)}" if pages[name][2] == "number" else "-"
        print(
            f"{name:<17} {median:>7.1f} {p90:>7.1f} {min(times):>7.1f} {median / reference:>8.1f} "
            f"{statistics.median(sample['sql']):>7.1f} {queries:>7} {statistics.median(sample['decrypts']):>7.0f} "
            f"{statistics.median(sample['decrypt_ms']):>6.1f} {shown_found:>6} "
            f"{','.join(map(str, sorted(statuses[name]))):>6}  {f'<{args.target:g}' if targeted else '-':<6}  {verdict}"
        )
        results.append(
            {
                "page": name,
                "url": pages[name][1][args.warmup].split("?")[0],
                "median_ms": round(median, 1),
                "p90_ms": round(p90, 1),
                "min_ms": round(min(times), 1),
                "ratio_to_healthz": round(median / reference, 2),
                "sql_median_ms": round(statistics.median(sample["sql"]), 1),
                "queries": max(sample["queries"]),
                "decrypts_median": statistics.median(sample["decrypts"]),
                "decrypt_ms_median": round(statistics.median(sample["decrypt_ms"]), 2),
                "found": found[name] if pages[name][2] == "number" else None,
                "status": sorted(statuses[name]),
                "target_ms": args.target if targeted else None,
                "pass": ok if targeted else None,
            }
        )
    load_after = os.getloadavg()
    targeted_results = [r for r in results if r["pass"] is not None]
    print(
        f"\nlook-ups: {sum(r['pass'] for r in targeted_results)} of {len(targeted_results)} PASS   "
        f"(load average now {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f})"
    )

    if args.explain:
        for name in lookups:
            elapsed, url, queries = slowest[name]
            print(f"\n=== {name}: slowest request {elapsed:.1f} ms, {len(queries)} queries")
            for query in sorted(queries, key=lambda q: float(q["time"]), reverse=True):
                sql = query["sql"]
                if not sql.lstrip().upper().startswith("SELECT") or "django_session" in sql:
                    continue
                with connection.cursor() as cursor:
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                    plan = [line for (line,) in cursor.fetchall()]
                # Keep the look-up values (hashes, or plain numbers on the earlier code) out of the log.
                print(f"\n  --- {float(query['time']) * 1000:.1f} ms in the request: {masked(sql[:300])}")
                for line in plan:
                    print("  " + masked(line))

    if args.save:
        Path(args.save).write_text(
            json.dumps(
                {
                    "when": datetime.now(UTC).isoformat(timespec="seconds"),
                    "label": args.label,
                    "code_dir": str(code),
                    "code": fingerprint,
                    "pending_migrations": pending,
                    "load": [load_before, load_after],
                    "postgresql": server_version,
                    "cores": os.cpu_count(),
                    "cases": total_cases,
                    "visits": total_visits,
                    "healthz_median_ms": round(reference, 2),
                    "results": results,
                },
                ensure_ascii=False,
                indent=1,
            )
        )
        print(f"saved {args.save}")


if __name__ == "__main__":
    main()
