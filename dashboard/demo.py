"""Demo data of the dashboards: the monthly figures of the demo's cases, a year back."""

from dashboard.figures import months_refresh


def load(*, stdout) -> None:
    months = months_refresh(12)
    stdout.write(f"Dashboard figures computed for {len(months)} months.")
