"""The case (诉求 / 工单) and everything that hangs off it. DOMAIN.md §2–§3.

Models own single-row facts. Every write that matters goes through `complaints.services`, which
checks the transition table of `complaints.workflow` and writes a `CaseEvent`.
"""

from django.conf import settings
from django.core.validators import FileExtensionValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core import clock, policy
from core.fields import EncryptedTextField, LookupHashField
from core.working_time import DurationUnit


class CaseKind(models.TextChoices):
    CONSULTATION = "consultation", _("Consultation")
    HELP = "help", _("Help request")
    COMPLAINT = "complaint", _("Complaint")
    REPORT = "report", _("Report")
    SUGGESTION = "suggestion", _("Suggestion")
    PRAISE = "praise", _("Praise")
    OTHER = "other", _("Other")


# Kinds that go through investigation, a handling proposal and rectification before the reply.
INVESTIGATED_KINDS = frozenset({CaseKind.COMPLAINT, CaseKind.REPORT})


class Channel(models.TextChoices):
    VISIT = "visit", _("Walk-in visit")
    PHONE = "phone", _("Phone hotline")
    WEB = "web", _("Web portal")
    WECHAT = "wechat", _("WeChat")
    EMAIL = "email", _("Email")
    LETTER = "letter", _("Letter")
    SUGGESTION_BOX = "suggestion_box", _("Suggestion box")
    API = "api", _("API")


class Priority(models.TextChoices):
    ORDINARY = "ordinary", _("Ordinary")
    URGENT = "urgent", _("Urgent")
    VERY_URGENT = "very_urgent", _("Very urgent")


class State(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    REJECTED = "rejected", _("Rejected")
    ANSWERED_DIRECTLY = "answered_directly", _("Answered directly")
    DISPATCHED = "dispatched", _("Dispatched")
    RETURN_REQUESTED = "return_requested", _("Return requested")
    SIGNED = "signed", _("Signed")
    IN_PROGRESS = "in_progress", _("In progress")
    EXTENSION_REQUESTED = "extension_requested", _("Extension requested")
    SUSPENDED = "suspended", _("Suspended")
    REPLY_SUBMITTED = "reply_submitted", _("Reply awaiting approval")
    REPLIED = "replied", _("Replied")
    REVISITED = "revisited", _("Revisited")
    REOPENED = "reopened", _("Reopened")
    CLOSED = "closed", _("Closed")
    MERGED = "merged", _("Merged")
    ARCHIVED = "archived", _("Archived")


# States in which a case still waits for someone in the organisation.
OPEN_STATES = frozenset(
    {
        State.REGISTERED,
        State.DISPATCHED,
        State.RETURN_REQUESTED,
        State.SIGNED,
        State.IN_PROGRESS,
        State.EXTENSION_REQUESTED,
        State.SUSPENDED,
        State.REPLY_SUBMITTED,
        State.REPLIED,
        State.REOPENED,
    }
)


class Stage(models.TextChoices):
    """A timed stage of the lifecycle; the case stores the deadline of the stage it is in."""

    DISPATCH = "dispatch", _("Dispatch")
    SIGN = "sign", _("Sign")
    RETURN_WINDOW = "return_window", _("Return window")
    HANDLE = "handle", _("Handling")
    REVISIT = "revisit", _("Revisit")


class Verdict(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASICALLY_SATISFIED = "basically_satisfied", _("Basically satisfied")
    UNSATISFIED = "unsatisfied", _("Unsatisfied")
    UNREACHABLE = "unreachable", _("Unreachable")


class ReplyChannel(models.TextChoices):
    FACE_TO_FACE = "face_to_face", _("Face to face")
    PHONE = "phone", _("Phone")
    SMS = "sms", _("SMS")
    LETTER = "letter", pgettext_lazy("reply channel", "Letter")
    PORTAL = "portal", _("Web portal")


class Adoption(models.TextChoices):
    ADOPTED = "adopted", _("Adopted")
    PARTLY_ADOPTED = "partly_adopted", _("Partly adopted")
    NOT_ADOPTED = "not_adopted", _("Not adopted")


class IndicatorCode(models.TextChoices):
    """The KPIs of DOMAIN.md §7; their definitions are in `complaints.kpis`."""

    ACCEPTANCE = "acceptance", _("Acceptance timeliness (受理及时率)")
    DISPATCH_ACCURACY = "dispatch_accuracy", _("Dispatch accuracy (转办准确率)")
    TIMELY_SIGN = "timely_sign", _("Timely signing (按时签收率)")
    RETURN_RATE = "return_rate", _("Return rate (退单率)")
    ON_TIME = "on_time", _("On-time completion (按时办结率)")
    REVISIT_RATE = "revisit_rate", _("Revisit rate (回访率)")
    SATISFACTION = "satisfaction", _("Satisfaction (满意率)")
    RESOLUTION = "resolution", _("Resolution (解决率)")
    REOPEN_RATE = "reopen_rate", _("Reopen rate (重办率)")
    FIRST_CONTACT = "first_contact", _("First-contact resolution (一次办结率)")
    REPEAT_CONTACT = "repeat_contact", _("Repeat-contact rate (重复来电率)")


class Indicator(models.Model):
    """A KPI's weight in the departments' score and ranking (红黑榜). The definitions (what is counted)
    are code, `complaints.kpis`; administrators set the weights (shipped by a data migration)."""

    code = models.CharField(_("indicator"), max_length=30, choices=IndicatorCode.choices, unique=True)
    weight = models.PositiveSmallIntegerField(
        _("weight"),
        default=0,
        validators=[MaxValueValidator(100)],
        help_text=_("Share in the department score; 0 leaves the indicator out of the score."),
    )
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=100)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.get_code_display()


class Category(models.Model):
    """A node of the subject tree (业务分类). Leaves carry the default department: the dispatch catalogue."""

    name = models.CharField(_("name"), max_length=100)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    default_department = models.ForeignKey(
        "core.Department",
        verbose_name=_("default department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Suggested to the dispatcher for cases in this category."),
    )
    sort_order = models.PositiveIntegerField(_("sort order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        # Callers that print many categories select_related("parent").
        return f"{self.parent.name} / {self.name}" if self.parent_id else self.name


class SlaPolicy(models.Model):
    """Deadlines for the cases it matches. Blank kind or priority matches any; the most specific policy
    that defines a stage wins (see `complaints.deadlines`). Petition matters (信访) have their own."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=CaseKind.choices, blank=True)
    priority = models.CharField(_("priority"), max_length=20, choices=Priority.choices, blank=True)
    is_petition = models.BooleanField(_("petition matters"), default=False)
    max_extensions = models.PositiveSmallIntegerField(_("extensions allowed"), null=True, blank=True)
    max_extension_amount = models.PositiveSmallIntegerField(_("longest extension"), null=True, blank=True)
    extension_unit = models.CharField(
        _("extension unit"), max_length=20, choices=DurationUnit.choices, blank=True
    )
    reopen_limit = models.PositiveSmallIntegerField(_("reopenings allowed"), null=True, blank=True)

    class Meta:
        verbose_name = _("deadline policy")
        verbose_name_plural = _("deadline policies")
        ordering = ["is_petition", "kind", "priority"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "priority", "is_petition"], name="complaints_slapolicy_unique_match"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SlaStageRule(models.Model):
    policy = models.ForeignKey(
        SlaPolicy, verbose_name=_("policy"), on_delete=models.CASCADE, related_name="rules"
    )
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices)
    amount = models.PositiveIntegerField(_("amount"), validators=[MinValueValidator(1)])
    unit = models.CharField(_("unit"), max_length=20, choices=DurationUnit.choices)

    class Meta:
        verbose_name = _("stage deadline")
        verbose_name_plural = _("stage deadlines")
        constraints = [
            models.UniqueConstraint(fields=["policy", "stage"], name="complaints_slastagerule_unique_stage"),
        ]

    def __str__(self) -> str:
        return f"{self.get_stage_display()}: {self.amount} {self.get_unit_display()}"


class DailySequence(models.Model):
    """The last case number issued on a day. Incremented under a row lock inside the registering
    transaction, so numbers are unique and gap-free per day however many agents register at once."""

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.day}: {self.last}"


class CaseQuerySet(models.QuerySet):
    def visible_to(self, user) -> "CaseQuerySet":
        """The cases `user` may see, by the one policy in `core.policy`. Every list, page, export and
        action starts here."""
        scope = policy.case_scope(user)
        if scope.sees_all:
            return self
        if scope.sees_nothing:
            return self.none()
        condition = Q()
        if scope.department_ids:
            condition |= Exists(
                CaseAssignment.objects.filter(case=OuterRef("pk"), department_id__in=scope.department_ids)
            )
        if scope.sees_reports_and_misconduct:
            condition |= Q(kind=CaseKind.REPORT) | Q(is_misconduct=True)
        if scope.sees_legal_reviews:
            condition |= Q(legal_review_required=True)
        return self.filter(condition)

    def led_by(self, department_ids) -> "CaseQuerySet":
        """Cases whose current lead is one of `department_ids`. For a handler or head of those
        departments this lies within `visible_to()` (a lead department always holds an active
        assignment), so the department's own queues use it without the per-row assignment check."""
        return self.filter(lead_department_id__in=department_ids)

    def matching_text(self, text: str) -> "CaseQuerySet":
        """Cases whose description contains `text`, or whose number is `text`. On PostgreSQL a trigram
        index on UPPER(description) (migration 0005) serves words of three characters or more."""
        text = text.strip()
        if not text.isdigit():
            # A number is all digits: without the number arm the text index serves the query alone.
            return self.filter(description__icontains=text)
        return self.filter(Q(description__icontains=text) | Q(number=text))

    def open(self) -> "CaseQuerySet":
        return self.filter(state__in=OPEN_STATES)

    def overdue(self, now=None) -> "CaseQuerySet":
        """Open cases past their stage deadline. A suspended case's clock is stopped."""
        now = now or clock.now()
        return self.open().exclude(state=State.SUSPENDED).filter(stage_deadline__lt=now)

    def due_soon(self, now=None, within=None) -> "CaseQuerySet":
        now = now or clock.now()
        within = within or settings.CASE_DUE_SOON
        return (
            self.open()
            .exclude(state=State.SUSPENDED)
            .filter(stage_deadline__gte=now, stage_deadline__lt=now + within)
        )


class Case(models.Model):
    """One citizen matter, from any channel, from registration to archive."""

    number = models.CharField(_("case number"), max_length=13, unique=True, editable=False)
    query_code = models.CharField(_("query code"), max_length=8, editable=False)
    kind = models.CharField(_("kind"), max_length=20, choices=CaseKind.choices)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    priority = models.CharField(
        _("priority"), max_length=20, choices=Priority.choices, default=Priority.ORDINARY
    )
    state = models.CharField(_("state"), max_length=30, choices=State.choices, default=State.REGISTERED)
    is_invalid = models.BooleanField(_("invalid"), default=False, help_text=_("Harassment or an empty call."))
    is_petition = models.BooleanField(
        _("petition matter"),
        default=False,
        help_text=_("Handled under the petition rules (信访) and deadlines."),
    )

    # Stored encrypted (core.fields); found by the keyed hashes beside them.
    citizen_name = EncryptedTextField(_("citizen's name"), max_length=50, blank=True)
    citizen_phone = EncryptedTextField(_("phone"), max_length=30, blank=True)
    citizen_phone_lookup = LookupHashField(source="citizen_phone", kind="phone")
    citizen_id_number = EncryptedTextField(_("ID number"), max_length=18, blank=True)
    citizen_id_lookup = LookupHashField(source="citizen_id_number", kind="id_number")
    citizen_address = EncryptedTextField(_("address"), max_length=200, blank=True)
    is_anonymous = models.BooleanField(_("anonymous"), default=False)
    group_size = models.PositiveIntegerField(
        _("number of people"), default=1, validators=[MinValueValidator(1), MaxValueValidator(10000)]
    )
    is_confidential = models.BooleanField(
        _("confidential"),
        default=False,
        help_text=_("The handling department never sees the citizen's identity or contact."),
    )
    is_misconduct = models.BooleanField(_("involves staff misconduct"), default=False)

    description = models.TextField(_("description"))
    request = models.TextField(_("request"), blank=True)
    location = models.CharField(_("location"), max_length=200, blank=True)

    lead_department = models.ForeignKey(
        "core.Department",
        verbose_name=_("lead department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_return_arbitrated = models.BooleanField(_("return arbitrated"), default=False)
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, blank=True)
    stage_started_at = models.DateTimeField(_("stage started"), null=True, blank=True)
    stage_deadline = models.DateTimeField(_("stage deadline"), null=True, blank=True)
    return_deadline = models.DateTimeField(_("return window ends"), null=True, blank=True)
    overall_deadline = models.DateTimeField(_("overall deadline"), null=True, blank=True)
    suspended_at = models.DateTimeField(_("suspended at"), null=True, blank=True)
    extension_count = models.PositiveSmallIntegerField(_("extensions"), default=0)

    reply = models.TextField(_("reply"), blank=True)
    reply_channel = models.CharField(_("reply by"), max_length=20, choices=ReplyChannel.choices, blank=True)
    legal_review_required = models.BooleanField(_("needs legal review"), default=False)
    is_head_approved = models.BooleanField(default=False)
    adoption = models.CharField(_("adoption decision"), max_length=20, choices=Adoption.choices, blank=True)
    satisfaction = models.CharField(_("satisfaction"), max_length=20, choices=Verdict.choices, blank=True)
    is_resolved = models.BooleanField(_("resolved"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("reopenings"), default=0)
    final_answer = models.TextField(_("final answer"), blank=True)
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    proper_channel = models.CharField(_("proper channel"), max_length=200, blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("duplicate of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    repeat_of = models.ForeignKey(
        "self", verbose_name=_("repeat of"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    version = models.PositiveIntegerField(default=1, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("registered"), default=clock.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)
    # Set when the retention period ended and the personal data and free texts were erased
    # (complaints.retention); the case stays, anonymised, for the statistics.
    personal_data_erased_at = models.DateTimeField(_("personal data erased"), null=True, blank=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The ledger's default order, newest first, without a sort step.
            models.Index(fields=["-created_at", "-id"], name="complaints_case_newest"),
            models.Index(fields=["state", "stage_deadline"], name="complaints_case_state_deadline"),
            models.Index(
                fields=["lead_department", "state", "stage_deadline"], name="complaints_case_dept_state"
            ),
            # A caller's or visitor's history, newest first, by the keyed hash of the phone or ID number.
            models.Index(fields=["citizen_phone_lookup", "-created_at"], name="complaints_case_phone_lookup"),
            models.Index(fields=["citizen_id_lookup", "-created_at"], name="complaints_case_id_lookup"),
            models.Index(fields=["kind", "created_at"], name="complaints_case_kind_created"),
            models.Index(fields=["category", "created_at"], name="complaints_case_category"),
            # The retention job: archived and merged cases whose personal data is still kept, by the
            # moment their retention counts from (closing or merging).
            models.Index(
                fields=["closed_at"],
                condition=Q(personal_data_erased_at__isnull=True, state__in=["archived", "merged"]),
                name="complaints_case_kept",
            ),
        ]
        permissions = [
            ("register_case", _("Can register cases")),
            ("dispatch_case", _("Can dispatch, reject and merge cases")),
            ("arbitrate_return", _("Can arbitrate return requests")),
            ("handle_case", _("Can handle the department's cases")),
            ("approve_reply", _("Can approve replies")),
            ("decide_extension", _("Can decide extension requests")),
            ("review_legal", _("Can give legal review of replies")),
            ("approve_proposal", _("Can approve handling proposals")),
            ("verify_rectification", _("Can verify rectification")),
            ("revisit_case", _("Can revisit and close cases")),
            ("give_final_answer", _("Can give the final answer")),
            ("archive_case", _("Can archive cases")),
            ("supervise_case", _("Can issue supervision notices")),
            ("answer_supervision", _("Can answer supervision notices")),
            ("hold_case", _("Can put a legal hold on a case's erasure")),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("complaints:detail", args=[self.number])

    @classmethod
    def from_db(cls, db, field_names, values):
        """Remember the stage deadline as loaded: the timeline event of the next change records the
        deadline that stood when the action began (`CaseEvent.due_at`), which the KPIs measure against."""
        instance = super().from_db(db, field_names, values)
        instance.standing_deadline = instance.__dict__.get("stage_deadline")
        return instance

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def is_clock_running(self) -> bool:
        return self.is_open and self.state != State.SUSPENDED and self.stage_deadline is not None

    def is_overdue(self, now=None) -> bool:
        return self.is_clock_running and self.stage_deadline < (now or clock.now())

    @property
    def is_investigated(self) -> bool:
        return self.kind in INVESTIGATED_KINDS

    @property
    def is_copied_to_inspection(self) -> bool:
        return self.kind == CaseKind.REPORT or self.is_misconduct


class CaseAssignment(models.Model):
    """A department's part in a case: the lead or an assisting department. Assignments are never
    deleted, so a department keeps seeing the cases it once had (DOMAIN.md §1)."""

    class Role(models.TextChoices):
        LEAD = "lead", _("Lead")
        ASSISTING = "assisting", _("Assisting")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assignments")
    department = models.ForeignKey("core.Department", verbose_name=_("department"), on_delete=models.PROTECT)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    is_active = models.BooleanField(_("current"), default=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(_("assigned"), default=clock.now)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["assigned_at", "id"]
        indexes = [models.Index(fields=["department", "case"], name="complaints_assignment_dept")]

    def __str__(self) -> str:
        return f"{self.case} → {self.department} ({self.get_role_display()})"


class CaseEvent(models.Model):
    """One immutable line of a case's timeline: who did what, when, from which state to which.

    KPIs, SLA statistics and exports read this table; history is never edited."""

    class Type(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        TRANSITION = "transition", _("State changed")
        DEADLINE_CHANGED = "deadline_changed", _("Deadline changed")
        NOTE = "note", _("Investigation note")
        PROPOSAL = "proposal", _("Handling proposal")
        RECTIFICATION = "rectification", _("Rectification")
        ATTACHMENT = "attachment", _("Attachment added")
        COPIED_TO_INSPECTION = "copied_to_inspection", _("Copied to discipline inspection")
        ADOPTION = "adoption", _("Adoption decided")
        SUPERVISION = "supervision", _("Supervision")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(_("type"), max_length=30, choices=Type.choices)
    action = models.CharField(_("action"), max_length=40, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    from_state = models.CharField(_("from"), max_length=30, choices=State.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=30, choices=State.choices, blank=True)
    department = models.ForeignKey(
        "core.Department", verbose_name=_("department"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), default=clock.now)
    # The stage deadline that stood when the action began (moved by approved extensions and
    # suspensions): an event that ends a stage was on time when `created_at <= due_at`.
    due_at = models.DateTimeField(_("due"), null=True, blank=True)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["case", "created_at"], name="complaints_event_case"),
            models.Index(fields=["action", "created_at"], name="complaints_event_action"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.action or self.type} {self.created_at:%Y-%m-%d %H:%M}"


def attachment_path(instance: "CaseAttachment", filename: str) -> str:
    today = timezone.localdate()
    return f"cases/{today:%Y/%m}/{instance.case.number}/{filename}"


ATTACHMENT_EXTENSIONS = [
    "jpg",
    "jpeg",
    "png",
    "gif",
    "pdf",
    "doc",
    "docx",
    "xls",
    "xlsx",
    "txt",
    "mp3",
    "wav",
    "m4a",
]


class CaseAttachment(models.Model):
    """Evidence and documents of a case. Served only through a view that checks visibility."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(
        _("file"), upload_to=attachment_path, validators=[FileExtensionValidator(ATTACHMENT_EXTENSIONS)]
    )
    original_name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size"))
    description = models.CharField(_("description"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded"), default=clock.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class DecidedRequest(models.Model):
    """A request someone asks for and someone else decides: who, when, the decision and its comment."""

    reason = models.TextField(_("reason"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=clock.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("comment"), blank=True)

    class Meta:
        abstract = True
        ordering = ["requested_at", "id"]


class ExtensionRequest(DecidedRequest):
    class Decision(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="extension_requests")
    amount = models.PositiveSmallIntegerField(_("length"))
    unit = models.CharField(_("unit"), max_length=20, choices=DurationUnit.choices)
    decision = models.CharField(
        _("decision"), max_length=20, choices=Decision.choices, default=Decision.PENDING
    )

    class Meta(DecidedRequest.Meta):
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")

    def __str__(self) -> str:
        return f"{self.case_id} +{self.amount} {self.unit} ({self.decision})"


class ReturnRequest(DecidedRequest):
    class Decision(models.TextChoices):
        PENDING = "pending", _("Pending")
        REASSIGNED = "reassigned", _("Reassigned")
        REFUSED = "refused", _("Refused")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="return_requests")
    department = models.ForeignKey("core.Department", on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(
        _("decision"), max_length=20, choices=Decision.choices, default=Decision.PENDING
    )

    class Meta(DecidedRequest.Meta):
        verbose_name = _("return request")
        verbose_name_plural = _("return requests")

    def __str__(self) -> str:
        return f"{self.case_id} ← {self.department_id} ({self.decision})"


class HandlingProposal(models.Model):
    """The handling proposal (处理意见) of a complaint or report, approved by a leader."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("Awaiting the leader")
        APPROVED = "approved", _("Approved")
        SENT_BACK = "sent_back", _("Sent back")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="proposals")
    finding = models.TextField(_("finding"))
    responsibility = models.TextField(_("responsibility"), blank=True)
    measures = models.TextField(_("measures"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(default=clock.now)
    decision = models.CharField(
        _("decision"), max_length=20, choices=Decision.choices, default=Decision.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    comments = models.TextField(_("leader's comments"), blank=True)

    class Meta:
        verbose_name = _("handling proposal")
        verbose_name_plural = _("handling proposals")
        ordering = ["submitted_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.finding[:30]} ({self.decision})"


class RectificationItem(models.Model):
    """One rectification measure (整改) with an owner and a due date, verified by the office."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done, awaiting verification")
        VERIFIED = "verified", _("Verified")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="rectifications")
    description = models.TextField(_("measure"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+"
    )
    due_date = models.DateField(_("due date"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    evidence = models.TextField(_("evidence"), blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("rectification item")
        verbose_name_plural = _("rectification items")
        ordering = ["due_date", "id"]

    def __str__(self) -> str:
        return f"{self.description[:40]} ({self.status})"


class CaseSchedule(models.Model):
    """When the deadline sweep next has something to do for a case (a warning, urging, supervision...);
    `next_at` is None while no clock runs. Kept by `complaints.escalation.schedule()` whenever the stage
    or its deadline changes, so the sweep reads only the cases coming due (a partial index).

    A narrow table of its own: the sweep rewrites it for every case it handles, and rewriting the wide
    case row (with its many indexes, the text search index among them) cost five to ten times more
    (bench/README.md, "Deadline sweep")."""

    case = models.OneToOneField(Case, primary_key=True, on_delete=models.CASCADE, related_name="schedule")
    next_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["next_at"], condition=Q(next_at__isnull=False), name="complaints_schedule_due"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.next_at}"


class EscalationRule(models.Model):
    """A threshold of the deadline sweep (DOMAIN.md §4): when it fires (a share of the stage's time, or
    working days past the deadline, once or every working day after) and who is told. The defaults are
    shipped by a data migration; administrators change them."""

    class Action(models.TextChoices):
        WARNING = "warning", _("Warning (预警)")
        URGING = "urging", _("Urging (催办)")
        OVERDUE = "overdue", _("Still overdue")
        SUPERVISION = "supervision", _("Supervision notice (督办)")
        LISTED = "listed", _("Listed supervision (挂牌督办)")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    percent_of_stage = models.PositiveSmallIntegerField(
        _("share of the stage time (%)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("Fires when this share of the stage's time has passed (100: at the deadline)."),
    )
    working_days_overdue = models.PositiveSmallIntegerField(
        _("working days overdue"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    repeats_daily = models.BooleanField(
        _("every working day after"),
        default=False,
        help_text=_("Fires again every working day while overdue."),
    )
    to_responsible = models.BooleanField(
        _("to the people responsible for the stage"),
        default=True,
        help_text=_(
            "Dispatchers before dispatch, the lead department's handlers after, agents for the revisit."
        ),
    )
    to_head = models.BooleanField(_("to the lead department's head"), default=False)
    to_office = models.BooleanField(_("to the leadership office"), default=False)
    to_leaders = models.BooleanField(_("to the leaders"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("escalation rule")
        verbose_name_plural = _("escalation rules")
        ordering = ["percent_of_stage", "working_days_overdue", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(percent_of_stage__isnull=False, working_days_overdue__isnull=True)
                | Q(percent_of_stage__isnull=True, working_days_overdue__isnull=False),
                name="complaints_escalationrule_one_trigger",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Supervision(models.Model):
    """A supervision notice (督办通知) or listed supervision (挂牌督办): a document the office issues (by
    hand, or the sweep at its threshold) with its own deadline; the lead department's head answers in
    writing with the reason for the delay and a new completion date. Unanswered ones escalate."""

    class Kind(models.TextChoices):
        SUPERVISION = "supervision", _("Supervision notice")
        LISTED = "listed", _("Listed supervision")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="supervisions")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    department = models.ForeignKey(
        "core.Department", verbose_name=_("department"), on_delete=models.PROTECT, related_name="+"
    )
    instructions = models.TextField(_("instructions"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("issued by"), on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(_("issued"), default=clock.now)
    answer_due_at = models.DateTimeField(_("answer due"))
    reason = models.TextField(_("reason for the delay"), blank=True)
    new_completion_date = models.DateField(_("new completion date"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    # Automatic ones carry the threshold they answer, so the sweep issues each once.
    dedupe_key = models.CharField(max_length=200, null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = _("supervision notice")
        verbose_name_plural = _("supervision notices")
        ordering = ["-issued_at", "-id"]
        indexes = [
            models.Index(
                fields=["answer_due_at"],
                condition=Q(answered_at__isnull=True),
                name="complaints_supervision_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.case_id}"

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None


class RetentionPolicy(models.Model):
    """How long a kind of case is kept before archiving, and how long its citizen's personal data is
    kept after that (DOMAIN.md §10: ten years for complaints, three for consultations by default;
    shipped by a data migration, changed by administrators). When the period ends, the retention job
    erases the personal data and the free texts and keeps the case, anonymised, for the statistics."""

    kind = models.CharField(_("kind"), max_length=20, choices=CaseKind.choices, unique=True)
    archive_after_days = models.PositiveSmallIntegerField(
        _("archive after (days)"),
        default=30,
        help_text=_("Days after a case is closed or rejected before it is archived."),
    )
    retention_years = models.PositiveSmallIntegerField(
        _("keep personal data (years)"),
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_(
            "Years after the case was closed (or merged) before the personal data of an archived case is "
            "erased."
        ),
    )

    class Meta:
        verbose_name = _("retention period")
        verbose_name_plural = _("retention periods")
        ordering = ["kind"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.retention_years}"


class LegalHold(models.Model):
    """A hold the office puts on a case (litigation, an investigation, a request of an authority): the
    retention job erases nothing of the case while it stands, and says so."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="legal_holds")
    reason = models.TextField(_("reason"))
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("set by"), on_delete=models.PROTECT, related_name="+"
    )
    set_at = models.DateTimeField(_("set"), default=clock.now)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("released by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    released_at = models.DateTimeField(_("released"), null=True, blank=True)

    class Meta:
        verbose_name = _("legal hold")
        verbose_name_plural = _("legal holds")
        ordering = ["-set_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(released_at__isnull=True), name="complaints_legalhold_one_active"
            ),
        ]

    def __str__(self) -> str:
        # Without the reason: this text is what the audit log keeps of the hold, after the case is erased.
        return f"{self.case_id} {self.set_at:%Y-%m-%d}"


class RetentionRun(models.Model):
    """One run of the retention job: what it archived, erased and skipped. The erasures are also
    appended to the erasure ledger outside the database (`ERASURE_LEDGER_PATH`), so that they can be
    replayed after a restore."""

    started_at = models.DateTimeField(_("started"), default=clock.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    archived = models.PositiveIntegerField(_("cases archived"), default=0)
    erased = models.PositiveIntegerField(_("cases erased"), default=0)
    held = models.PositiveIntegerField(_("cases held back"), default=0)
    other_rows_erased = models.PositiveIntegerField(_("other records erased"), default=0)
    audit_rows_expired = models.PositiveIntegerField(_("audit rows expired"), default=0)
    is_replay = models.BooleanField(_("replay after a restore"), default=False)

    class Meta:
        verbose_name = _("retention run")
        verbose_name_plural = _("retention runs")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M}"


class RetentionRecord(models.Model):
    """What a retention run did to one case (erased) or why it left it alone (held)."""

    class Action(models.TextChoices):
        ERASED = "erased", _("Personal data erased")
        HELD = "held", _("Not erased: held back")

    run = models.ForeignKey(RetentionRun, on_delete=models.CASCADE, related_name="records")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("retention record")
        verbose_name_plural = _("retention records")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.run_id} {self.case_id} {self.action}"
