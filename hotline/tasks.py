from celery import shared_task


@shared_task
def suggestions_forward_task() -> int:
    """Forward the period's suggestions in batches (also `manage.py forward_suggestions`). Safe to run
    twice: a forwarded suggestion is no longer waiting at registration."""
    from core.services import system_user
    from hotline.services import suggestions_forward

    return len(suggestions_forward(actor=system_user()))
