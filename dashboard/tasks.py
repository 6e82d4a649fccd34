from datetime import date

from celery import shared_task


@shared_task
def figures_refresh_task(months_back: int = 1, months: list[str] | None = None) -> int:
    """Recompute the dashboards' monthly figures of this month and `months_back` before it, or of the
    given `months` (ISO dates of their first days) (also `manage.py refresh_figures`)."""
    from dashboard.figures import month_refresh, months_refresh

    if months:
        for month in months:
            month_refresh(date.fromisoformat(month))
        return len(months)
    return len(months_refresh(months_back))
