from django.conf import settings
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from complaints import kpis
from core import clock
from dashboard import report as reports
from dashboard import selectors
from dashboard.forms import MonthForm

LEADERSHIP = "dashboard.view_leadership_dashboard"
DEPARTMENT = "dashboard.view_department_dashboard"


def _month(request):
    return MonthForm(request.GET).chosen_month(today=timezone.localdate(clock.now()))


@login_required
@permission_required(LEADERSHIP, raise_exception=True)
def leadership(request):
    """The leadership dashboard (the leader's and the office's workspace)."""
    context = selectors.leadership(request.user, month=_month(request))
    return render(request, "dashboard/leadership.html", {**context, "d": context, "section": "dashboard"})


@login_required
@permission_required(DEPARTMENT, raise_exception=True)
def department(request):
    """The department head's dashboard: the inbox, supervision notices to answer, the KPIs."""
    context = selectors.department_view(request.user, month=_month(request))
    return render(
        request, "dashboard/department.html", {**context, "d": context, "section": "department_dashboard"}
    )


@login_required
def indicators(request):
    """How every KPI is computed and how much it weighs: readable by whoever reads a dashboard."""
    if not (request.user.has_perm(LEADERSHIP) or request.user.has_perm(DEPARTMENT)):
        raise PermissionDenied
    weights = selectors.indicator_weights()
    rows = [(definition, weights.get(code, 0)) for code, definition in kpis.DEFINITIONS.items()]
    return render(
        request,
        "dashboard/indicators.html",
        {
            "rows": rows,
            "total_weight": sum(weights.values()),
            "min_cases": settings.KPI_RANKING_MIN_CASES,
            "section": "dashboard",
        },
    )


@login_required
@permission_required(LEADERSHIP, raise_exception=True)
def report(request):
    """The monthly analysis report (定期分析总结), printable."""
    context = reports.monthly_report(_month(request))
    return render(request, "dashboard/report.html", {**context, "section": "dashboard"})


@login_required
@permission_required(LEADERSHIP, raise_exception=True)
def report_download(request):
    context = reports.monthly_report(_month(request))
    response = HttpResponse(
        reports.report_workbook(context),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="report-{context["month_param"]}.xlsx"'
    return response


def public_statistics(request):
    """信息公开: the public monthly statistics, no personal data, small counts withheld. The last
    complete month by default."""
    today = timezone.localdate(clock.now())
    months = selectors.recent_months(kpis.previous_month(kpis.month_start(today)), 12)
    month = MonthForm(request.GET).chosen_month(today=today)
    if month not in months:
        month = months[-1]
    return render(
        request,
        "portal/statistics.html",
        {
            **reports.public_statistics(month),
            "months": [(selectors.month_param(each), each) for each in reversed(months)],
            "month_param": selectors.month_param(month),
        },
    )
