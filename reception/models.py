"""Citizen reception (公民接待, seed 001, DOMAIN.md §5): reception rooms, leaders' reception days and the
visitor register. A visit ends in one of three outcomes, each a case of the lifecycle in `complaints`;
every write goes through `reception.services`."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core import clock, policy
from core.fields import EncryptedTextField, LookupHashField


class ReceptionRoom(models.Model):
    """A reception room (接待室) with its own queue on the day board."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    location = models.CharField(_("location"), max_length=200, blank=True)
    sort_order = models.PositiveIntegerField(_("sort order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("reception room")
        verbose_name_plural = _("reception rooms")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class LeaderReceptionDay(models.Model):
    """A leader's reception day (领导接访日): the leader receives visitors in a room at set hours.
    Visits are booked for it in advance and appear on that day's board."""

    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("leader"), on_delete=models.PROTECT, related_name="+"
    )
    date = models.DateField(_("date"))
    starts_at = models.TimeField(_("from"))
    ends_at = models.TimeField(_("until"))
    room = models.ForeignKey(
        ReceptionRoom, verbose_name=_("room"), on_delete=models.PROTECT, related_name="+"
    )
    topic = models.CharField(
        _("topic"), max_length=200, blank=True, help_text=_("Subjects the leader receives.")
    )
    capacity = models.PositiveSmallIntegerField(
        _("visits that can be booked"), default=10, validators=[MinValueValidator(1), MaxValueValidator(200)]
    )
    is_cancelled = models.BooleanField(_("cancelled"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("leader reception day")
        verbose_name_plural = _("leader reception days")
        ordering = ["date", "starts_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["leader", "date"], name="reception_leaderday_one_per_leader_and_date"
            ),
            models.CheckConstraint(
                condition=Q(starts_at__lt=models.F("ends_at")), name="reception_leaderday_hours"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.starts_at:%H:%M}–{self.ends_at:%H:%M} {self.leader} · {self.room}"


class VisitQuerySet(models.QuerySet):
    def visible_to(self, user) -> "VisitQuerySet":
        """The visits `user` may see, by the one policy in `core.policy`."""
        return self if policy.sees_visits(user) else self.none()

    def on(self, day) -> "VisitQuerySet":
        return self.filter(visit_date=day)


class Visit(models.Model):
    """One walk-in visit (one person, or the representative of a group): the registration form
    (公民来访登记表), the clerk's record of the statement, and the outcome with the case it produced."""

    class State(models.TextChoices):
        BOOKED = "booked", _("Booked")
        WAITING = "waiting", _("Waiting")
        RECEIVING = "receiving", _("Being received")
        FINISHED = "finished", _("Finished")
        LEFT = "left", _("Left without reception")
        CANCELLED = "cancelled", _("Booking cancelled")

    class Outcome(models.TextChoices):
        ANSWERED = "answered", _("Answered on the spot")
        REFERRED = "referred", _("Referred to a department")
        COMPLAINT = "complaint", _("Complaint registered")

    class Gender(models.TextChoices):
        MALE = "male", _("Male")
        FEMALE = "female", _("Female")

    visit_date = models.DateField(_("date"))
    ticket = models.PositiveIntegerField(_("ticket"), help_text=_("The visitor's number in the day's queue."))
    room = models.ForeignKey(
        ReceptionRoom, verbose_name=_("room"), on_delete=models.PROTECT, related_name="visits"
    )
    leader_day = models.ForeignKey(
        LeaderReceptionDay,
        verbose_name=_("leader reception day"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="visits",
    )
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.WAITING)

    # Stored encrypted (core.fields); found by the keyed hashes beside them.
    visitor_name = EncryptedTextField(_("name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    id_number = EncryptedTextField(_("ID number"), max_length=18, blank=True)
    id_lookup = LookupHashField(source="id_number", kind="id_number")
    phone = EncryptedTextField(_("phone"), max_length=30, blank=True)
    phone_lookup = LookupHashField(source="phone", kind="phone")
    address = EncryptedTextField(_("address"), max_length=200, blank=True)
    group_size = models.PositiveIntegerField(
        _("number of visitors"), default=1, validators=[MinValueValidator(1), MaxValueValidator(10000)]
    )
    reason = models.CharField(_("reason for the visit"), max_length=200)
    category = models.ForeignKey(
        "complaints.Category",
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_repeat = models.BooleanField(
        _("repeat visitor"), default=False, help_text=_("The person had visited or raised a case before.")
    )
    earlier_visits = models.PositiveIntegerField(_("earlier visits"), default=0)
    repeat_of = models.ForeignKey(
        "complaints.Case",
        verbose_name=_("repeat of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The earlier case this visit is about, picked from the visitor's history."),
    )

    statement = models.TextField(_("record of the statement"), blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    case = models.ForeignKey(
        "complaints.Case",
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="visits",
    )

    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("registered by"), on_delete=models.PROTECT, related_name="+"
    )
    receiver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("received by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    arrived_at = models.DateTimeField(_("arrived"), null=True, blank=True)
    called_at = models.DateTimeField(_("called in"), null=True, blank=True)
    departed_at = models.DateTimeField(_("left"), null=True, blank=True)
    left_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("departure recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Who recorded that the visitor left without being received."),
    )
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cancelled by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("registered"), default=clock.now)

    objects = VisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["visit_date", "ticket"]
        constraints = [
            models.UniqueConstraint(fields=["visit_date", "ticket"], name="reception_visit_unique_ticket"),
        ]
        indexes = [
            models.Index(fields=["phone_lookup", "-visit_date"], name="reception_visit_phone_lookup"),
            models.Index(fields=["id_lookup", "-visit_date"], name="reception_visit_id_lookup"),
            models.Index(fields=["visit_date", "room", "state"], name="reception_visit_board"),
        ]
        permissions = [
            ("receive_visitors", _("Can register and receive visitors")),
            ("manage_leader_days", _("Can plan leaders' reception days")),
        ]

    def __str__(self) -> str:
        return self.display_number

    @property
    def display_number(self) -> str:
        return f"{self.visit_date:%Y%m%d}-{self.ticket:03d}"

    @property
    def is_group(self) -> bool:
        """A group visit (集体访): several people on one matter, counted from RECEPTION_GROUP_SIZE."""
        return self.group_size >= settings.RECEPTION_GROUP_SIZE

    def waiting_minutes(self, now=None) -> int | None:
        if self.arrived_at is None:
            return None
        end = self.called_at or self.departed_at or now or clock.now()
        return max(0, int((end - self.arrived_at).total_seconds() // 60))
