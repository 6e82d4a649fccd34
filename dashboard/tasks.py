from celery import shared_task


@shared_task
def figures_refresh_task(months_back: int = 1) -> int:
    """Recompute the dashboards' monthly figures of this month and `months_back` before it (also
    `manage.py refresh_figures`)."""
    from dashboard.figures import months_refresh

    return len(months_refresh(months_back))
