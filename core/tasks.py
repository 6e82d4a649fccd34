from celery import shared_task


@shared_task
def sessions_clear_expired_task() -> None:
    """Remove expired login sessions (also `manage.py clearsessions`). Safe to run twice."""
    from django.core.management import call_command

    call_command("clearsessions")
