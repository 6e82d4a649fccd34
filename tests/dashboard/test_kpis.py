"""Every KPI on a small hand-made timeline of November 2026 whose answers are worked out by hand.

The cast: departments A (营业服务部, `handler`/`head`) and B (工程管理部, `other_handler`); default
deadlines of a help request: dispatch 4 working hours, sign 1 working day, handle 7 working days.

 1 A  registered Mon 2 09:00, dispatched 09:30, signed 10:00, reply approved Tue 3 (on time),
      revisit: citizen unreachable, closed.
 2 A  dispatched 15:00 (after the 14:30 dispatch deadline), signed Wed 4 (after the Tue 3 18:00 sign
      deadline), extension of 5 working days approved (deadline Fri 13 → Fri 20), reply approved
      Wed 18 (on time only thanks to the extension), unsatisfied and not resolved, reopened,
      reply approved Mon 23, basically satisfied and resolved, closed.
 3 A→B dispatched to A Thu 5, A asks to return it, reassigned to B, B signs within the hour.
 4 -  answered directly at first contact, satisfied and resolved, closed.
 5 -  the same matter as case 1, merged into it (a merged duplicate).
 6 -  Fri 20, a repeat of case 4 answered with its answer, closed without a revisit.
 7 B  signed at once, reply approved Wed 25, after the Wed 18 deadline.
 8 A  reply approved on time, unsatisfied and not resolved (waits for the reopening).
"""

from datetime import date

from django.db.models import Q

from complaints import kpis, services
from complaints.models import Case, IndicatorCode, Verdict
from core import clock
from dashboard import figures, selectors
from tests.dashboard.conftest import NOVEMBER, at

I = IndicatorCode  # noqa: E741

# indicator: (organisation, department A, department B) as (counted, in the numerator)
EXPECTED = {
    I.ACCEPTANCE: ((8, 7), None, None),  # case 2 dispatched late; a merge is a decision too
    I.DISPATCH_ACCURACY: ((5, 4), (4, 3), (1, 1)),  # case 3 was returned and reassigned
    I.TIMELY_SIGN: ((5, 4), (4, 2), (2, 2)),  # A: 2 signed late, 3 never signed by A
    I.RETURN_RATE: ((5, 1), (4, 1), (2, 0)),
    I.ON_TIME: ((4, 3), (3, 3), (1, 0)),  # 2 on time thanks to the extension; 7 late
    I.REVISIT_RATE: ((4, 3), (2, 2), None),  # 6 closed without a revisit
    I.SATISFACTION: ((3, 2), (2, 1), None),  # 1 unreachable left out; 2 counted once, at its last
    I.RESOLUTION: ((3, 2), (2, 1), None),
    I.REOPEN_RATE: ((4, 1), (2, 1), None),
    I.FIRST_CONTACT: ((7, 2), None, None),  # the merged duplicate 5 left out
    I.REPEAT_CONTACT: ((8, 2), None, None),  # 5 merged into 1, 6 a repeat of 4
}


def test_every_indicator_on_the_hand_made_timeline(timeline):
    month = figures.month_compute(NOVEMBER)
    for code, (organisation, department_a, department_b) in EXPECTED.items():
        for department, expected in [
            (None, organisation),
            (timeline["A"], department_a),
            (timeline["B"], department_b),
        ]:
            figure = month.kpis[code].get(department)
            found = (figure.total, figure.hits) if figure else None
            assert found == expected, (code, department)


def test_the_ledger_lists_exactly_the_cases_behind_every_number(timeline):
    month = figures.month_compute(NOVEMBER)
    start, end = kpis.month_bounds(NOVEMBER)
    for code, by_department in month.kpis.items():
        for department, figure in by_department.items():
            for part, expected in [("all", figure.total), ("hit", figure.hits), ("miss", figure.misses)]:
                behind = Case.objects.filter(
                    kpis.cases_behind(code, start, end, part=part, department_id=department)
                )
                assert behind.count() == expected, (code, department, part)
    late = Case.objects.filter(kpis.cases_behind(I.ON_TIME, start, end, part="miss"))
    assert list(late) == [timeline["cases"][7]]
    repeats = Case.objects.filter(kpis.cases_behind(I.REPEAT_CONTACT, start, end, part="hit"))
    assert set(repeats) == {timeline["cases"][5], timeline["cases"][6]}


def test_nothing_of_november_counts_in_october_or_december(timeline):
    for month in (date(2026, 10, 1), date(2026, 12, 1)):
        computed = figures.month_compute(month)
        assert all(
            figure.total == 0 for by_department in computed.kpis.values() for figure in by_department.values()
        )
        assert computed.intake == 0


def test_the_score_and_the_ranking_leave_out_departments_below_the_minimum(timeline, settings):
    settings.KPI_RANKING_MIN_CASES = 3
    month = figures.month_compute(NOVEMBER)
    ranked, left_out = selectors.ranking(NOVEMBER, month, selectors.indicator_weights())
    # A: signing 2/4 ×15, returns 1 − 1/4 ×10, on time 3/3 ×25, satisfaction 1/2 ×25, resolution 1/2 ×15,
    # reopenings 1 − 1/2 ×10 = 7.5 + 7.5 + 25 + 12.5 + 7.5 + 5 = 65 of 100.
    assert [(entry.department.pk, entry.received, entry.score) for entry in ranked] == [
        (timeline["A"], 4, 65.0)
    ]
    assert [(entry.department.pk, entry.received) for entry in left_out] == [(timeline["B"], 2)]
    settings.KPI_RANKING_MIN_CASES = 2
    ranked, left_out = selectors.ranking(NOVEMBER, month, selectors.indicator_weights())
    # B: signing 2/2, returns 0/2, on time 0/1 and nothing else: (15 + 10 + 0) / 50 = 50.
    assert [(entry.department.pk, entry.score) for entry in ranked] == [
        (timeline["A"], 65.0),
        (timeline["B"], 50.0),
    ]
    assert left_out == []


def test_weights_are_data(timeline, settings):
    from complaints.models import Indicator

    settings.KPI_RANKING_MIN_CASES = 1
    Indicator.objects.exclude(code=I.ON_TIME).update(weight=0)
    Indicator.objects.filter(code=I.ON_TIME).update(weight=1)
    ranked, _left_out = selectors.ranking(
        NOVEMBER, figures.month_compute(NOVEMBER), selectors.indicator_weights()
    )
    assert [(entry.department.pk, entry.score) for entry in ranked] == [
        (timeline["A"], 100.0),
        (timeline["B"], 0.0),
    ]


def test_stored_figures_equal_the_direct_computation(timeline):
    """The precomputed rows the pages read give back exactly what the direct computation counts; a
    change to the cases shows after the next refresh."""
    figures.month_refresh(NOVEMBER)
    stored = figures.months_read([NOVEMBER])[NOVEMBER]
    direct = figures.month_compute(NOVEMBER)
    assert {code: dict(by) for code, by in stored.kpis.items()} == {
        code: dict(by) for code, by in direct.kpis.items()
    }
    assert stored.intake_by_kind == direct.intake_by_kind == {"help": 8}
    assert stored.intake_cells == direct.intake_cells
    assert stored.status == direct.status
    start, end = kpis.month_bounds(NOVEMBER)
    assert stored.intake == Case.objects.filter(created_at__gte=start, created_at__lt=end).count()
    for (department, category), count in stored.intake_cells.items():
        assert (
            count
            == Case.objects.filter(
                Q(category_id=category) | Q(category__parent_id=category),
                lead_department_id=department,
                created_at__gte=start,
                created_at__lt=end,
            ).count()
        )

    with clock.travel_to(at(26, 9)):
        services.case_revisit(
            case_id=timeline["cases"][7].pk,
            actor=timeline["cases"][7].created_by,
            verdict=Verdict.SATISFIED,
            is_resolved=True,
        )
    assert figures.months_read([NOVEMBER])[NOVEMBER].kpi(I.SATISFACTION) == kpis.Figure(3, 2)
    figures.month_refresh(NOVEMBER)
    assert figures.months_read([NOVEMBER])[NOVEMBER].kpi(I.SATISFACTION) == kpis.Figure(4, 3)


def test_events_record_the_deadline_that_stood(timeline):
    case = timeline["cases"][2]
    sign = case.events.get(action="sign")
    assert sign.due_at == at(3, 18)
    first_reply, second_reply = case.events.filter(action="approve_reply").order_by("created_at")
    assert first_reply.due_at == at(20, 18)  # moved by the approved extension
    assert second_reply.due_at == at(30, 18)  # counted again from the reopening
