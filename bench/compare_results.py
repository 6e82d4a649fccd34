#!/usr/bin/env python
"""Put the medians of several measure_pages.py runs (--save JSON files) side by side, as Markdown.

    .venv/bin/python bench/compare_results.py bench/results/pages_1m_before.json bench/results/pages_1m_r3.json

Each cell is "median / p90 ms" with ✓ or ✗ against the page's target; the header row names each run
by file and code fingerprint.
"""

import json
import sys
from pathlib import Path


def main() -> None:
    paths = [Path(argument) for argument in sys.argv[1:]]
    if not paths:
        sys.exit(__doc__)
    runs = [json.loads(path.read_text()) for path in paths]
    keys: list[tuple[str, str]] = []
    for run in runs:
        for result in run["results"]:
            key = (result["page"], result["user"])
            if key not in keys:
                keys.append(key)
    header = "| page | user | target | " + " | ".join(
        f"{path.stem} ({run.get('code', '?')})" for path, run in zip(paths, runs, strict=True)
    )
    print(header + " |")
    print("|" + "---|" * (3 + len(runs)))
    for page, user in keys:
        cells = []
        target = ""
        for run in runs:
            result = next((r for r in run["results"] if (r["page"], r["user"]) == (page, user)), None)
            if result is None:
                cells.append("—")
                continue
            target = f"{result['target_ms']} ms"
            mark = "✓" if result["pass"] else "✗"
            cells.append(f"{result['median_ms']:.0f} / {result['p90_ms']:.0f} {mark}")
        print(f"| {page} | {user} | {target} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
