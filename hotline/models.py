"""The conduct hotline (行风热线, seed 002): calls, the knowledge base, revisit calls and suggestion
batches. Cases themselves live in `complaints`; this app creates and follows them."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import clock, personal_data
from core.fields import EncryptedTextField, LookupHashField


class KnowledgeArticle(models.Model):
    """An answer the hotline gives again and again (知识库), kept by the office."""

    title = models.CharField(_("title"), max_length=200)
    answer = models.TextField(_("answer"), max_length=10000)
    keywords = models.CharField(
        _("keywords"),
        max_length=300,
        blank=True,
        help_text=_("Other words callers use, separated by spaces."),
    )
    category = models.ForeignKey(
        "complaints.Category",
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_published = models.BooleanField(_("published"), default=True)
    use_count = models.PositiveIntegerField(_("times used"), default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated"), default=clock.now)

    class Meta:
        verbose_name = _("knowledge-base article")
        verbose_name_plural = _("knowledge base")
        ordering = ["-use_count", "title"]

    def __str__(self) -> str:
        return self.title


class ArticleUse(models.Model):
    """An article used to answer a case: which answers help, and what the citizen was told."""

    article = models.ForeignKey(KnowledgeArticle, on_delete=models.PROTECT, related_name="uses")
    case = models.ForeignKey("complaints.Case", on_delete=models.CASCADE, related_name="article_uses")
    used_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    used_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("article use")
        verbose_name_plural = _("article uses")

    def __str__(self) -> str:
        return f"{self.article} → {self.case_id}"


class Call(models.Model):
    """Every hotline call, with the cases it produced; calls that produced none count too."""

    class Direction(models.TextChoices):
        INCOMING = "incoming", _("Incoming")
        OUTGOING = "outgoing", _("Outgoing")

    class Outcome(models.TextChoices):
        CASE = "case", _("Case registered")
        REVISIT = "revisit", _("Revisit")
        HANG_UP = "hang_up", _("Hung up")
        WRONG_NUMBER = "wrong_number", _("Wrong number")
        HARASSMENT = "harassment", _("Harassment")
        SILENT = "silent", _("Silent call")
        OTHER = "other", _("Other, no case")

    # The caller's number, stored encrypted (core.fields) and found by its keyed hash.
    number = EncryptedTextField(_("phone number"), max_length=30)
    number_lookup = LookupHashField(source="number", kind="phone")
    direction = models.CharField(
        _("direction"), max_length=10, choices=Direction.choices, default=Direction.INCOMING
    )
    started_at = models.DateTimeField(_("started"), db_index=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("agent"), on_delete=models.PROTECT, related_name="calls"
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    recording_reference = models.CharField(_("recording reference"), max_length=100, blank=True)
    note = models.TextField(_("note"), blank=True)
    cases = models.ManyToManyField(
        "complaints.Case", verbose_name=_("cases"), related_name="calls", blank=True
    )

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["outcome", "started_at"], name="hotline_call_outcome"),
            models.Index(fields=["number_lookup", "-started_at"], name="hotline_call_number_lookup"),
        ]
        permissions = [("use_console", _("Can take calls at the agent console"))]

    def __str__(self) -> str:
        # Shown in lists such as the admin's (a user's calls): the number masked, the time local.
        return f"{personal_data.mask_phone(self.number)} {timezone.localtime(self.started_at):%Y-%m-%d %H:%M}"

    @property
    def duration_seconds(self) -> int | None:
        if self.ended_at is None:
            return None
        return int((self.ended_at - self.started_at).total_seconds())


class RevisitAttempt(models.Model):
    """One try to reach the citizen after the reply (回访). Unreachable tries schedule the next one."""

    case = models.ForeignKey("complaints.Case", on_delete=models.CASCADE, related_name="revisit_attempts")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    is_reached = models.BooleanField(_("reached"))
    next_try_at = models.DateTimeField(_("next try"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("revisit attempt")
        verbose_name_plural = _("revisit attempts")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.created_at:%Y-%m-%d %H:%M}"


class SuggestionBatch(models.Model):
    """Suggestions forwarded together to one department (建议的定期批量转办)."""

    department = models.ForeignKey("core.Department", verbose_name=_("department"), on_delete=models.PROTECT)
    forwarded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    forwarded_at = models.DateTimeField(_("forwarded"), default=clock.now)
    cases = models.ManyToManyField("complaints.Case", related_name="suggestion_batches")

    class Meta:
        verbose_name = _("suggestion batch")
        verbose_name_plural = _("suggestion batches")
        ordering = ["-forwarded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.department} {self.forwarded_at:%Y-%m-%d}"


class PortalSubmission(models.Model):
    """Where a portal submission came from, for rate limiting and abuse review (no account)."""

    case = models.OneToOneField("complaints.Case", on_delete=models.CASCADE, related_name="portal_submission")
    address_hash = models.CharField(max_length=64, db_index=True)
    submitted_at = models.DateTimeField(default=clock.now, db_index=True)
    # What was attached, for the per-address daily limit on files.
    file_count = models.PositiveSmallIntegerField(default=0)
    file_bytes = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("portal submission")
        verbose_name_plural = _("portal submissions")

    def __str__(self) -> str:
        return f"{self.case_id} {self.submitted_at:%Y-%m-%d %H:%M}"
