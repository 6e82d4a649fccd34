"""The Celery app. Tasks live in each app's `tasks.py` and are found by autodiscovery; the beat
schedule is `CELERY_BEAT_SCHEDULE` in `config/settings.py`."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("minsheng")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
