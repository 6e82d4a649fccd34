#!/usr/bin/env python
"""Time the agent console's two look-ups against a generated database and check the targets.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/minsheng_bench .venv/bin/python bench/measure_hotline.py

Run generate_cases.py first (1,000,000 cases). This script makes sure the knowledge base has
`--articles` articles (5,000 by default: it adds generated ones, built from the demo's real articles
and the case templates, without touching existing rows), then requests, as the `agent` account:

- history   /cases/history/?citizen_phone=<a number with earlier cases>   target 100 ms (median)
- knowledge /hotline/knowledge/search/?q=<a word>&pick=1                     target 100 ms (median)

through Django's test Client (the whole stack), `--warmup` times untimed, then `--repeat` times timed
with a different phone number or search word each time.
"""

import argparse
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

SEARCH_WORDS = [
    "水价",
    "停水",
    "水表",
    "缴费",
    "过户",
    "漏水",
    "水压",
    "发票",
    "阶梯",
    "减免",
    "水质",
    "报修",
]


def ensure_articles(target: int) -> int:
    from complaints import demo_content
    from complaints.models import Category
    from hotline.demo import ARTICLES
    from hotline.models import KnowledgeArticle

    existing = KnowledgeArticle.objects.count()
    if existing >= target:
        return existing
    rng = random.Random(5000)
    categories = list(Category.objects.filter(children__isnull=True))
    templates = [template for templates in demo_content.CASE_TEMPLATES.values() for template in templates]
    articles = []
    for number in range(existing, target):
        title, _code, answer, keywords = ARTICLES[number % len(ARTICLES)]
        template = rng.choice(templates)
        articles.append(
            KnowledgeArticle(
                title=f"{title}（{number}）",
                answer=f"{answer}\n{template['reply']}",
                keywords=f"{keywords} {rng.choice(SEARCH_WORDS)}",
                category=rng.choice(categories) if categories else None,
                use_count=rng.randint(0, 500),
            )
        )
    KnowledgeArticle.objects.bulk_create(articles, batch_size=1000)
    return KnowledgeArticle.objects.count()


def timed(client, urls: list[str], *, warmup: int) -> tuple[list[float], int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for url in urls[:warmup]:
        client.get(url)
    timings, queries = [], 0
    for url in urls[warmup:]:
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries = max(queries, len(captured.captured_queries))
    return timings, queries


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    options = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.test import Client

    from complaints.models import Case
    from core.models import User

    settings.DEBUG = False
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    articles = ensure_articles(options.articles)
    cases = Case.objects.count()
    total = options.repeat + options.warmup
    # The phone column is encrypted (core.fields.EncryptedTextField): read it through the model, which
    # decrypts, and keep the mobile numbers (SQL cannot see them any more).
    latest = (
        Case.objects.exclude(citizen_phone="")
        .order_by("-id")
        .values_list("citizen_phone", flat=True)[: total * 60]
    )
    phones = [phone for phone in latest if re.fullmatch(r"1[3-9][0-9]{9}", phone)][::50][:total]
    client = Client()
    client.force_login(User.objects.get(username="agent"))
    pages = {
        "history": [f"/cases/history/?citizen_phone={phone}" for phone in phones],
        "knowledge": [
            f"/hotline/knowledge/search/?q={SEARCH_WORDS[number % len(SEARCH_WORDS)]}&pick=1"
            for number in range(total)
        ],
    }
    load = os.getloadavg()[0]
    print(f"cases: {cases:,}  knowledge-base articles: {articles:,}  load average {load:.2f}")
    print(f"{'page':<10} {'median':>8} {'p90':>8} {'queries':>8}  target  result")
    for name, urls in pages.items():
        timings, queries = timed(client, urls, warmup=options.warmup)
        median = statistics.median(timings)
        p90 = sorted(timings)[int(0.9 * (len(timings) - 1))]
        print(
            f"{name:<10} {median:8.1f} {p90:8.1f} {queries:8d}   <100   {'PASS' if median < 100 else 'FAIL'}"
        )


if __name__ == "__main__":
    main()
