"""The dashboards' precomputed monthly figures: a cache of counts over the cases, never a source.

`dashboard.figures.month_refresh()` rewrites a month's rows from the cases and their timeline (beat
runs it every few minutes for this month and the last, nightly for the year before); the pages read
them in one query. Every row equals a direct computation over the cases at the time it was written
(`computed_at`), and each number links to the ledger filtered to the cases behind it.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Measure(models.TextChoices):
    """What a row counts besides the KPIs (whose rows carry the indicator's code)."""

    INTAKE_KIND = "intake_kind", _("Cases registered, by kind")
    INTAKE_CELL = "intake_cell", _("Cases registered, by department and category")
    STATUS = "status", _("Cases registered, by handling status")


class FigureMonth(models.Model):
    """A month whose figures are stored, and when they were computed. Its row is locked while the
    month is recomputed, so two refreshes of one month (beat's and a page's) take turns."""

    month = models.DateField(_("month"), primary_key=True)
    computed_at = models.DateTimeField(_("computed"))

    class Meta:
        verbose_name = _("computed month")
        verbose_name_plural = _("computed months")

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} ({self.computed_at:%Y-%m-%d %H:%M})"


class MonthlyFigure(models.Model):
    """A count for a month: a KPI's total and hits for a department (or the organisation when
    `department` is empty), or an intake count broken down by `key` (a kind, a category id, a status)."""

    month = models.DateField(_("month"))
    measure = models.CharField(_("measure"), max_length=30)
    department = models.ForeignKey(
        "core.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    key = models.CharField(_("key"), max_length=40, blank=True)
    total = models.PositiveIntegerField(_("total"), default=0)
    hits = models.PositiveIntegerField(_("hits"), default=0)
    computed_at = models.DateTimeField(_("computed"))

    class Meta:
        verbose_name = _("monthly figure")
        verbose_name_plural = _("monthly figures")
        indexes = [models.Index(fields=["month", "measure"], name="dashboard_figure_month")]
        permissions = [
            ("view_leadership_dashboard", _("Can read the leadership dashboard and the monthly report")),
            ("view_department_dashboard", _("Can read the department dashboard")),
        ]

    def __str__(self) -> str:
        department = self.department_id or "-"
        return f"{self.month:%Y-%m} {self.measure} {department} {self.key}: {self.hits}/{self.total}"
