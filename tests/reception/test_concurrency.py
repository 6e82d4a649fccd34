"""Clerks registering visitors at the same moment get distinct tickets (PostgreSQL, as in CI)."""

import pytest
from django.db import connection

from reception import services
from reception.models import Visit
from tests.complaints.test_concurrency import run_together

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL"),
]


def test_registrations_at_once_get_consecutive_tickets(clerk, office, room, visitor):
    jobs = [
        (lambda actor=actor: services.visit_register(clerk=actor, room=room, **visitor))
        for actor in [clerk, office] * 3
    ]
    results = run_together(*jobs)

    assert all(isinstance(result, Visit) for result in results), results
    assert sorted(result.ticket for result in results) == [1, 2, 3, 4, 5, 6]
