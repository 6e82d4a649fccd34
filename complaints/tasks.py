from celery import shared_task


@shared_task
def escalation_sweep_task() -> int:
    """The deadline sweep (also `manage.py escalate`). Safe to run twice, and at the same time."""
    from complaints.escalation import escalation_sweep

    return escalation_sweep().notices


@shared_task
def retention_task() -> int:
    """The retention job (also `manage.py retention`): safe to run twice."""
    from complaints.retention import retention_run

    return retention_run().erased
