from celery import shared_task


@shared_task
def sessions_clear_expired_task() -> None:
    """Remove expired login sessions (also `manage.py clearsessions`). Safe to run twice."""
    from django.core.management import call_command

    call_command("clearsessions")


@shared_task
def notice_deliver_task(delivery_ids: list[int]) -> list[str]:
    """Send the emails and SMS of notices stored together. Each is claimed first, so running twice sends
    each once."""
    from core.notices import delivery_attempt

    return [delivery_attempt(delivery_id) for delivery_id in delivery_ids]


@shared_task
def notices_catch_up_task() -> int:
    """Send every delivery that is due and was not sent: broker down, retries, abandoned claims
    (also `manage.py deliver_notices`)."""
    from core.notices import deliveries_catch_up

    return len(deliveries_catch_up())
