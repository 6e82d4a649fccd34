from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.contenttypes.fields import GenericForeignKey
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from core import clock
from core.roles import Role


class User(AbstractUser):
    """A member of staff. Citizens have no account."""

    display_name = models.CharField(_("name"), max_length=50, blank=True)
    language = models.CharField(
        _("preferred language"),
        max_length=10,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("The language of the interface and of the notices sent to this user."),
    )
    mobile = models.CharField(
        _("mobile phone"),
        max_length=30,
        blank=True,
        help_text=_("For notices by SMS, if the user wants them."),
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.username

    def get_full_name(self) -> str:
        return self.display_name or self.username

    def get_short_name(self) -> str:
        return self.display_name or self.username

    @cached_property
    def role_codes(self) -> frozenset[str]:
        """Codes of the roles this user holds (one query, cached on the instance)."""
        valid = set(Role.values)
        return frozenset(name for name in self.groups.values_list("name", flat=True) if name in valid)

    def has_role(self, role: str) -> bool:
        return role in self.role_codes

    @cached_property
    def primary_membership(self) -> "DepartmentMembership | None":
        """The department the user mainly works in (one query, cached on the instance)."""
        return (
            self.memberships.select_related("department")
            .order_by("-is_primary", "department__sort_order", "department__code")
            .first()
        )


class Department(models.Model):
    """A unit of the organisation. Departments form a tree; cases are assigned to departments."""

    class Kind(models.TextChoices):
        CUSTOMER_SERVICE = "customer_service", _("Customer service")
        BUSINESS = "business", _("Business")
        LEGAL = "legal", _("Legal")
        DISCIPLINE_INSPECTION = "discipline_inspection", _("Discipline inspection")
        LEADERSHIP_OFFICE = "leadership_office", _("Leadership office")
        LEADERSHIP = "leadership", _("Leadership")

    name = models.CharField(_("name"), max_length=100)
    code = models.SlugField(
        _("code"), max_length=30, unique=True, help_text=_("A short unique code, e.g. KF.")
    )
    kind = models.CharField(_("type"), max_length=30, choices=Kind.choices, default=Kind.BUSINESS)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("head"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="headed_departments",
    )
    sort_order = models.PositiveIntegerField(_("sort order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="DepartmentMembership",
        related_name="departments",
        verbose_name=_("members"),
    )

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["sort_order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(parent=models.F("pk")), name="core_department_not_own_parent"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        ancestor = self.parent
        while ancestor is not None:
            if self.pk is not None and ancestor.pk == self.pk:
                raise ValidationError({"parent": _("A department cannot be placed under itself.")})
            ancestor = ancestor.parent


class DepartmentMembership(models.Model):
    """A user's place in a department. A user may belong to several; one is primary."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.CASCADE, related_name="memberships"
    )
    title = models.CharField(_("position"), max_length=50, blank=True)
    is_primary = models.BooleanField(_("primary department"), default=False)

    class Meta:
        verbose_name = _("department membership")
        verbose_name_plural = _("department memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "department"], name="core_membership_unique_user_department"
            ),
            models.UniqueConstraint(
                fields=["user"], condition=Q(is_primary=True), name="core_membership_one_primary_per_user"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.department}"


class AuditEntryQuerySet(models.QuerySet):
    """Audit rows are written once and never changed: bulk updates and deletes are refused, except the
    expiry of rows older than the retention period (`expire`)."""

    def update(self, **kwargs):
        raise PermissionError("Audit entries cannot be changed.")

    def delete(self):
        raise PermissionError("Audit entries cannot be deleted; they expire after AUDIT_RETENTION_DAYS.")

    def expire(self, *, before) -> int:
        """Delete the rows written before `before` (the retention job's only way to remove audit rows)."""
        count, _by_model = super(AuditEntryQuerySet, self.filter(created_at__lt=before)).delete()
        return count


class AuditEntry(models.Model):
    """An audited act on personal data, bulk data or sign-in: a reveal of masked fields, an export, a
    sign-in lockout and its lifting, a change to someone's second factor.

    Case transitions are audited by their own immutable timeline (`complaints.CaseEvent`), changes to
    reference data, users and roles by django-auditlog (`core.audit`). Rows are never edited or deleted
    from the application; they are kept `AUDIT_RETENTION_DAYS` (at least six months, DOMAIN.md §10)."""

    class Action(models.TextChoices):
        REVEAL = "reveal", _("Personal data revealed")
        EXPORT = "export", _("Data exported")
        LOCKOUT = "lockout", _("Sign-in locked")
        UNLOCK = "unlock", _("Sign-in lockout lifted")
        SECOND_FACTOR = "second_factor", _("Two-factor sign-in changed")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    object_type = models.CharField(_("object type"), max_length=50)
    object_id = models.CharField(_("object"), max_length=50, blank=True)
    object_label = models.CharField(_("object label"), max_length=150, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    client_address = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    created_at = models.DateTimeField(_("when"), default=clock.now, db_index=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="core_audit_object"),
            models.Index(fields=["actor", "-created_at"], name="core_audit_actor"),
        ]
        permissions = [
            ("reveal_personal_data", _("Can reveal masked personal data")),
            ("lift_sign_in_lockout", _("Can lift sign-in lockouts and reset two-factor sign-in")),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} · {self.object_label or self.object_id} · {self.actor}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise PermissionError("Audit entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit entries cannot be deleted.")


class CalendarYear(models.Model):
    """A year whose official holiday schedule (the State Council's notice) has been entered.

    Deadlines falling in a year without a row count weekends only, and the pages that show deadlines say
    so (`core.working_time.WorkingCalendar.years_without_data`). The schedule for the next year is
    published each November; an administrator adds the year and its `CalendarDay` rows then.
    """

    year = models.PositiveSmallIntegerField(_("year"), primary_key=True)
    source = models.CharField(
        _("source"),
        max_length=100,
        blank=True,
        help_text=_("Where the schedule was taken from, e.g. the State Council notice."),
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(models.Model):
    """An exception to the weekday rule of the working-day calendar.

    Either a statutory holiday on a weekday (not a working day) or an adjusted working day (调休: a
    weekend day at work). Monday to Friday are working days and weekends are not unless a row says
    otherwise; rows for holidays that fall on a weekend change nothing and are kept for completeness.
    """

    date = models.DateField(_("date"), unique=True)
    is_working_day = models.BooleanField(
        _("working day"),
        default=False,
        help_text=_("Ticked for an adjusted working day on a weekend; clear for a holiday."),
    )
    name = models.CharField(_("holiday"), max_length=50, blank=True, help_text=_("The name of the holiday."))

    class Meta:
        verbose_name = _("holiday or adjusted working day")
        verbose_name_plural = _("holidays and adjusted working days")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}".strip()

    def clean(self) -> None:
        """Refuse a day whose year has no `CalendarYear`: the pages would keep saying "weekends only"
        for that year while some of its exceptions already counted."""
        if self.date is not None and not CalendarYear.objects.filter(year=self.date.year).exists():
            raise ValidationError(
                {
                    "date": ValidationError(
                        _("Add the calendar year %(year)s before entering its days."),
                        code="year_without_calendar",
                        params={"year": self.date.year},
                    )
                }
            )


class Notice(models.Model):
    """One notice to one person: a stored row first, then delivered (in the app at once; by email or
    SMS through `NoticeDelivery` rows, as the recipient chose). `dedupe_key` makes a notice that must be
    sent once (a deadline threshold) impossible to store twice, however often the sweep runs."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notices",
    )
    kind = models.CharField(_("kind"), max_length=50)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"))
    url = models.CharField(_("link"), max_length=200, blank=True)
    target_type = models.ForeignKey(
        "contenttypes.ContentType", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    target_id = models.CharField(max_length=40, blank=True)
    target = GenericForeignKey("target_type", "target_id")
    dedupe_key = models.CharField(max_length=200, null=True, blank=True, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=clock.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="core_notice_inbox"),
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="core_notice_unread"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient}: {self.subject}"


class NoticeDelivery(models.Model):
    """Sending one notice by email or SMS. Claimed with a conditional UPDATE (pending → sending), so two
    workers never send it twice; a claim left by a worker that died is taken over after
    `NOTICE_CLAIM_SECONDS`; failures are retried with backoff, then recorded as failed."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("SMS")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    address = models.CharField(_("address"), max_length=254)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=clock.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("notice delivery")
        verbose_name_plural = _("notice deliveries")
        constraints = [
            models.UniqueConstraint(fields=["notice", "channel"], name="core_delivery_one_per_channel"),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status__in=["pending", "sending"]),
                name="core_delivery_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.notice_id} {self.channel} {self.status}"


class NoticePreference(models.Model):
    """Which kinds of notice reach a user by email or SMS besides the app (absent row: the kind's
    defaults, see `core.notices`)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notice_preferences"
    )
    kind = models.CharField(_("kind"), max_length=50)
    by_email = models.BooleanField(_("by email"), default=False)
    by_sms = models.BooleanField(_("by SMS"), default=False)

    class Meta:
        verbose_name = _("notice preference")
        verbose_name_plural = _("notice preferences")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="core_noticepreference_unique")]

    def __str__(self) -> str:
        return f"{self.user} {self.kind}"
