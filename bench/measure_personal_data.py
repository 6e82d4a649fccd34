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
import os
import re
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import common  # bench/common.py (this script's folder; it imports nothing of the application)

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


def use_checkout(args) -> Path:
    """Set Django up on the checkout to measure (`--code`, else this one) and return its folder.

    Another checkout on the path would shadow the code measured: keep only `code`, then bench/ for
    common.py, and work from `code` (Celery's Django fix-up puts the working directory first on the path)."""
    code = Path(args.code).resolve() if args.code else BENCH.parent
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
    from django.db import connection

    common.require_postgresql(connection)
    if not Path(sys.modules["config"].__file__).resolve().is_relative_to(code):
        sys.exit(f"config imported from {sys.modules['config'].__file__}, not from {code}")
    return code


def choose_subjects(args, per_page: int) -> tuple[list[str], list[dict], list[dict]]:
    """The look-ups to run and the citizens and visitors they are for (one a request), chosen before
    timing; the reception page is left out when too few visitors have earlier visits."""
    lookups = [name for name in LOOKUPS if not args.only or name in args.only]
    citizens = pick_citizens(per_page) if set(lookups) - {"reception"} else []
    visitors = pick_visitors(per_page) if "reception" in lookups else []
    if "reception" in lookups and len(visitors) < per_page:
        print(f"reception: only {len(visitors)} visitors with earlier visits: page left out")
        lookups.remove("reception")
    return lookups, citizens, visitors


def log_in(args) -> tuple[dict, dict]:
    """The users, and a test client signed in (force_login) for each one who makes requests."""
    from django.test import Client

    from core.models import User

    users = {u.username: u for u in User.objects.filter(username__in=[args.user, "clerk", *LEDGER_USERS])}
    clients = {}
    for name in {args.user, "clerk", *(LEDGER_USERS if args.ledger else ())}:
        clients[name] = Client()
        clients[name].force_login(users[name])
    return users, clients


def lookup_urls(name: str, citizens: list[dict], visitors: list[dict]) -> list[str]:
    """The URLs of look-up `name`, one citizen (or visitor) a request."""
    if name == "history_phone":
        return [f"/cases/history/?{urlencode({'citizen_phone': c['phone']})}" for c in citizens]
    if name == "history_id":
        return [f"/cases/history/?{urlencode({'citizen_id_number': c['id_number']})}" for c in citizens]
    if name == "repeats":
        query = [
            {
                "citizen_phone": c["phone"],
                "citizen_id_number": c["id_number"],
                "category": c["category"],
                "description": c["description"],
            }
            for c in citizens
        ]
        return [f"/cases/history/?{urlencode(q)}" for q in query]
    return [
        f"/reception/history/?{urlencode({'id_number': v['id_number'], 'phone': v['phone'], 'group_size': 1})}"
        for v in visitors
    ]


def page_list(args, lookups, citizens, visitors, per_page: int) -> dict[str, tuple]:
    """name -> (client, the URL of each request, "number" if the response must show the citizen's case):
    /healthz first (the reference), the look-ups, then the ledger pages with --ledger."""
    from django.test import Client

    from core import policy

    users, clients = log_in(args)
    pages = {"healthz": (Client(), ["/healthz"] * per_page, None)}
    for name in LOOKUPS:
        if name in lookups:
            client = clients["clerk"] if name == "reception" else clients[args.user]
            check = None if name == "reception" else "number"
            pages[name] = (client, lookup_urls(name, citizens, visitors), check)
    if args.ledger:
        (department,) = sorted(policy.department_ids(users["handler"]))
        filtered = "/cases/?" + urlencode(
            {"kind": "complaint", "lead_department": department, "state": "in_progress"}
        )
        for name in LEDGER_USERS:
            pages[f"ledger/{name}"] = (clients[name], ["/cases/"] * per_page, None)
            pages[f"filtered/{name}"] = (clients[name], [filtered] * per_page, None)
    return pages


def database_facts(connection) -> dict:
    facts = {}
    with connection.cursor() as cursor:
        for key, sql in (
            ("cases", "SELECT count(*) FROM complaints_case"),
            ("visits", "SELECT count(*) FROM reception_visit"),
            ("postgresql", "SHOW server_version"),
        ):
            cursor.execute(sql)
            (facts[key],) = cursor.fetchone()
    return facts


def print_run_header(connection, code: Path, facts: dict, run: dict, decrypts, args) -> None:
    """What the numbers below depend on: the checkout, the data, the code and the machine's load."""
    from django.conf import settings

    print(
        f"code {code}; database {connection.settings_dict['NAME']}: {facts['cases']:,} cases, {facts['visits']:,} visits"
    )
    print(
        f"look-ups as {args.user} (reception as clerk); {args.repeat} rounds after {args.warmup} warm-ups, pages "
        f"round-robin; DEBUG={settings.DEBUG}; encryption: {'yes' if decrypts.module else 'no (earlier code)'}  "
        f"{args.label}"
    )
    print(
        f"code fingerprint {run['fingerprint']}; load average {common.load_text(run['load'][0])}; "
        f"{os.cpu_count()} cores; PostgreSQL {facts['postgresql']}"
    )
    common.warn_pending(run["pending"])
    print()


@dataclass
class LookupSamples(common.Samples):
    """A page's timed requests, with the decryptions inside each and how many showed the citizen's case."""

    decrypts: list[int] = field(default_factory=list)
    decrypt_ms: list[float] = field(default_factory=list)
    found: int = 0


def time_round_robin(connection, pages: dict, citizens: list[dict], decrypts, warmup: int) -> dict:
    """Every page once per round (so /healthz sees the same load as the look-ups); the first `warmup`
    rounds untimed."""
    samples = {name: LookupSamples() for name in pages}
    rounds = len(pages["healthz"][1])
    for index in range(rounds):
        for name, (client, urls, check) in pages.items():
            url = urls[index]
            decrypts.reset()
            elapsed, response, queries = common.timed_get(connection, client, url)
            if index < warmup:
                continue
            sample = samples[name]
            sample.add(elapsed, response.status_code, url, queries, common.sql_ms(queries))
            sample.decrypts.append(decrypts.calls)
            sample.decrypt_ms.append(decrypts.seconds * 1000)
            if check == "number" and citizens[index]["number"] in response.content.decode():
                sample.found += 1
    return samples


TABLE_HEADER = (
    f"{'page':<17} {'median':>7} {'p90':>7} {'min':>7} {'×healthz':>8} {'sql med':>7} {'queries':>7} "
    f"{'decrypt':>7} {'dec ms':>6} {'found':>6} {'status':>6}  target  result"
)


def page_result(name: str, page: tuple, sample: LookupSamples, reference: float, args) -> dict:
    """Print the page's row (its median also as a multiple of /healthz's); return it for the JSON."""
    times = sample.times
    median, p90 = sample.median, sample.p90
    targeted = name in TARGETED
    checked = page[2] == "number"
    ok = sample.ok(args.target)
    if checked:
        ok = ok and sample.found == len(times)
    shown_found = f"{sample.found}/{len(times)}" if checked else "-"
    print(
        f"{name:<17} {median:>7.1f} {p90:>7.1f} {min(times):>7.1f} {median / reference:>8.1f} "
        f"{sample.sql_median:>7.1f} {sample.query_range():>7} {statistics.median(sample.decrypts):>7.0f} "
        f"{statistics.median(sample.decrypt_ms):>6.1f} {shown_found:>6} "
        f"{sample.status_text():>6}  {f'<{args.target:g}' if targeted else '-':<6}  {common.verdict(ok, targeted)}"
    )
    return {
        "page": name,
        "url": page[1][args.warmup].split("?")[0],
        "median_ms": round(median, 1),
        "p90_ms": round(p90, 1),
        "min_ms": round(min(times), 1),
        "ratio_to_healthz": round(median / reference, 2),
        "sql_median_ms": round(sample.sql_median, 1),
        "queries": max(sample.counts),
        "decrypts_median": statistics.median(sample.decrypts),
        "decrypt_ms_median": round(statistics.median(sample.decrypt_ms), 2),
        "found": sample.found if checked else None,
        "status": sorted(sample.statuses),
        "target_ms": args.target if targeted else None,
        "pass": ok if targeted else None,
    }


def print_table(pages: dict, samples: dict, args) -> tuple[list[dict], float]:
    """The table of every page; returns its rows and /healthz's median (the reference)."""
    reference = samples["healthz"].median
    common.print_header(TABLE_HEADER)
    results = [page_result(name, pages[name], sample, reference, args) for name, sample in samples.items()]
    return results, reference


def explain_lookups(connection, lookups: list[str], samples: dict) -> None:
    """The plans of the SELECTs of each look-up's slowest request, with the looked-up values masked."""
    for name in lookups:
        elapsed, _url, queries = samples[name].slowest
        print(f"\n=== {name}: slowest request {elapsed:.1f} ms, {len(queries)} queries")
        # Keep the look-up values (hashes, or plain numbers on the earlier code) out of the log.
        common.print_request_plans(connection, queries, mask=masked)


def save_results(path: str, args, code: Path, facts: dict, run: dict, reference: float, results) -> None:
    common.save_json(
        path,
        {
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "label": args.label,
            "code_dir": str(code),
            "code": run["fingerprint"],
            "pending_migrations": run["pending"],
            "load": run["load"],
            "postgresql": facts["postgresql"],
            "cores": os.cpu_count(),
            "cases": facts["cases"],
            "visits": facts["visits"],
            "healthz_median_ms": round(reference, 2),
            "results": results,
        },
    )
    print(f"saved {path}")


def main() -> None:
    args = arguments()
    code = use_checkout(args)
    from django.db import connection

    per_page = args.warmup + args.repeat
    lookups, citizens, visitors = choose_subjects(args, per_page)
    pages = page_list(args, lookups, citizens, visitors, per_page)
    facts = database_facts(connection)
    run = {
        "fingerprint": common.code_fingerprint("hotline", "reception"),
        "pending": common.unapplied_migrations(connection),
    }
    decrypts = DecryptCounter()
    run["load"] = [os.getloadavg()]
    print_run_header(connection, code, facts, run, decrypts, args)

    samples = time_round_robin(connection, pages, citizens, decrypts, args.warmup)
    results, reference = print_table(pages, samples, args)
    load_after = os.getloadavg()
    run["load"].append(load_after)
    targeted_results = [r for r in results if r["pass"] is not None]
    print(
        f"\nlook-ups: {sum(r['pass'] for r in targeted_results)} of {len(targeted_results)} PASS   "
        f"(load average now {common.load_text(load_after)})"
    )
    if args.explain:
        explain_lookups(connection, lookups, samples)
    if args.save:
        save_results(args.save, args, code, facts, run, reference, results)


if __name__ == "__main__":
    main()
