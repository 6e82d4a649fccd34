"""Two people act on one case at the same moment: one wins, the other is told, nothing is lost.
Real concurrent transactions need a real database server: these run on PostgreSQL (as in CI)."""

import threading

import pytest
from django.db import connection, connections

from complaints import services
from complaints.models import Case, CaseEvent, DailySequence, State

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL"),
]


def run_together(*jobs):
    """Run the jobs in threads released at the same instant; return each result or exception."""
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def worker(index, job):
        try:
            barrier.wait()
            results[index] = job()
        except Exception as error:  # collected for the assertions
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(index, job)) for index, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_sign_and_return_at_once_one_wins_the_other_is_told(case_in, handler, head):
    case = case_in(State.DISPATCHED)
    seen = case.version

    results = run_together(
        lambda: services.case_sign(case_id=case.pk, actor=handler, expected_version=seen),
        lambda: services.case_request_return(
            case_id=case.pk, actor=head, reason="不属本部门", expected_version=seen
        ),
    )

    winners = [result for result in results if isinstance(result, Case)]
    losers = [result for result in results if isinstance(result, services.CaseConflict)]
    assert len(winners) == 1 and len(losers) == 1, results
    case.refresh_from_db()
    assert case.state == winners[0].state
    assert case.version == seen + 1
    assert CaseEvent.objects.filter(case=case, action__in=["sign", "request_return"]).count() == 1


def test_many_registrations_at_once_get_unique_consecutive_numbers(register):
    results = run_together(*[lambda: register() for _number in range(8)])

    numbers = sorted(result.number for result in results if isinstance(result, Case))
    assert len(numbers) == 8, results
    assert len(set(numbers)) == 8
    assert [int(number[-5:]) for number in numbers] == list(range(1, 9))
    assert DailySequence.objects.get().last == 8


def test_two_sweeps_at_once_send_each_notice_once(case_in, handler, head):
    from datetime import timedelta

    from complaints.escalation import escalation_sweep
    from core import clock
    from core.models import Notice

    cases = [case_in(State.SIGNED) for _number in range(6)]
    Notice.objects.all().delete()
    moment = max(case.stage_deadline for case in cases) + timedelta(days=10)

    results = run_together(lambda: escalation_sweep(now=moment), lambda: escalation_sweep(now=moment))

    assert not any(isinstance(result, Exception) for result in results), results
    assert sum(result.cases for result in results) == len(cases)  # each case swept by one of them
    keys = list(Notice.objects.values_list("dedupe_key", flat=True))
    assert len(keys) == len(set(keys)) and Notice.objects.filter(kind="case_urging").count() == 2 * len(cases)
    with clock.travel_to(moment):
        assert escalation_sweep().notices == 0
