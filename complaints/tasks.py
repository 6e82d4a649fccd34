from celery import shared_task


@shared_task
def escalation_sweep_task() -> int:
    """The deadline sweep (also `manage.py escalate`). Safe to run twice, and at the same time."""
    from complaints.escalation import escalation_sweep

    return escalation_sweep().notices


@shared_task(soft_time_limit=3300, time_limit=3600)
def retention_task() -> int:
    """The retention job (also `manage.py retention`): safe to run twice. An hour at most: a run is
    bounded by RETENTION_CASES_PER_RUN, and what it did not reach the next night takes."""
    from complaints.retention import retention_run

    return retention_run().erased
