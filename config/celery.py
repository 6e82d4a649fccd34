"""The Celery app. Tasks live in each app's `tasks.py` and are found by autodiscovery; the beat
schedule is `CELERY_BEAT_SCHEDULE` in `config/settings.py`."""

import os
from pathlib import Path

from celery import Celery
from celery.signals import before_task_publish, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("minsheng")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
@before_task_publish.connect
def broker_folders_ensure(**kwargs) -> None:
    """The embedded broker (kombu's filesystem transport, for development) keeps messages in folders it
    does not create itself: the worker and every process that sends a task make them when first needed."""
    options = app.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if key in options:
            Path(options[key]).mkdir(parents=True, exist_ok=True)
