"""Liveness checks of the services the app depends on, for `/healthz` and operators."""

import logging
import os

from celery import current_app
from django.db import connection

logger = logging.getLogger(__name__)


def database_status() -> str | None:
    """None when the database answers a query, else a short description of the failure."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # any driver error means "down" to a health check
        logger.warning("Health check: database is down: %s", error)
        return error.__class__.__name__
    return None


def broker_status() -> str | None:
    """None when the Celery broker accepts a connection, else a short description of the failure.
    Bounded by CELERY_BROKER_CONNECTION_TIMEOUT and a single attempt, so a dead broker answers fast.
    The embedded file broker accepts a "connection" whatever its folders: they are checked instead."""
    options = current_app.conf.broker_transport_options or {}
    if current_app.conf.broker_url.startswith("filesystem://"):
        for key in ("data_folder_in", "control_folder"):
            folder = options.get(key, "")
            if not (os.path.isdir(folder) and os.access(folder, os.W_OK)):
                logger.warning("Health check: the file broker's folder %s is missing or read-only", folder)
                return "FolderMissing"
        return None
    try:
        with current_app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=5)
    except Exception as error:  # kombu raises transport-specific errors
        logger.warning("Health check: broker is down: %s", error)
        return error.__class__.__name__
    return None
