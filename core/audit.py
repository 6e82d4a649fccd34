"""The audit trail's shared parts: the one way to reveal personal data, and what django-auditlog needs.

Revealing masked personal data, printing a document unmasked and exporting unmasked are the same act:
the user must hold the reveal permission for that data, must say why, and the act is logged with who,
when, from where and why (`reveal_granted`). Every page that unmasks calls it.
"""

import json
from dataclasses import dataclass

from auditlog.models import LogEntry
from django import forms
from django.apps import apps
from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db import models
from django.db.models import Case as DbCase
from django.db.models import F, Q, Value, When
from django.db.models.functions import Concat
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, pgettext, pgettext_lazy

from core import policy
from core.client import client_address
from core.models import AuditEntry, User
from core.services import audit_record

REASON_MAX_LENGTH = 500


class RevealForm(forms.Form):
    """Why the full personal data is needed: required, stripped, no control characters (a NUL would not
    even store), at most REASON_MAX_LENGTH characters."""

    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=REASON_MAX_LENGTH,
        error_messages={"required": gettext_lazy("Say why you need the full personal data.")},
    )


def reveal_granted(
    request,
    *,
    target,
    label: str,
    is_confidential: bool = False,
    action: str = AuditEntry.Action.REVEAL,
    detail: dict | None = None,
) -> bool:
    """Whether the request may unmask `target`'s personal data now; when it may, the act is logged.

    Raises PermissionDenied when the user may not reveal this data at all. Returns False (with the
    reason's error as a message on the next page) when the POST's `reason` is missing or unacceptable:
    nothing is revealed and nothing logged. `action` is REVEAL for a page or a printed document, EXPORT
    for an unmasked export; `detail` says what was unmasked."""
    if not policy.may_reveal(request.user, is_confidential=is_confidential):
        raise PermissionDenied
    form = RevealForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("reason", []):
            messages.error(request, error)
        return False
    audit_record(
        actor=request.user,
        action=action,
        target=target,
        label=label,
        reason=form.cleaned_data["reason"],
        detail=detail,
        client_address=client_address(request),
    )
    return True


def mask_value(value) -> str:
    """How django-auditlog writes a masked field's before and after (passwords, staff mobiles): that it
    changed, never what it was."""
    return "********" if value else ""


# The audit page (/audit/): one list of the audit entries (reveals, exports, sign-in) and of the
# changes django-auditlog recorded (reference data, users, roles), filtered alike.

CHANGE_KINDS = {
    LogEntry.Action.CREATE: "created",
    LogEntry.Action.UPDATE: "updated",
    LogEntry.Action.DELETE: "deleted",
    LogEntry.Action.ACCESS: "accessed",
}
KIND_CHOICES = [
    *AuditEntry.Action.choices,
    ("created", gettext_lazy("Record created")),
    ("updated", gettext_lazy("Record changed")),
    ("deleted", gettext_lazy("Record deleted")),
]
KIND_LABELS = dict(KIND_CHOICES)


class AuditFilterForm(forms.Form):
    person = forms.CharField(
        label=gettext_lazy("Person"),
        max_length=150,
        required=False,
        help_text=gettext_lazy("User name or part of the name."),
    )
    target = forms.CharField(
        label=gettext_lazy("Object"),
        max_length=150,
        required=False,
        help_text=gettext_lazy("A case number, a user name, a category..."),
    )
    kind = forms.ChoiceField(
        label=pgettext_lazy("audit log", "Kind"), choices=[("", "—"), *KIND_CHOICES], required=False
    )
    since = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=gettext_lazy("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", gettext_lazy("The end comes before the start."))
        return data


def audit_log(*, person: str = "", target: str = "", kind: str = "", since=None, until=None, before=None):
    """Audit entries and recorded changes as one queryset of tuples (when, actor id, kind, object type,
    object id, label, reason, detail or changes, address), newest first, each side filtered before the
    union so that their indexes serve it."""
    entries = AuditEntry.objects.all()
    changes = LogEntry.objects.all()
    if person:
        people = User.objects.filter(Q(username__iexact=person) | Q(display_name__icontains=person))
        entries = entries.filter(actor__in=people)
        changes = changes.filter(actor__in=people)
    if target:
        entries = entries.filter(Q(object_label__icontains=target) | Q(object_id=target))
        changes = changes.filter(Q(object_repr__icontains=target) | Q(object_pk=target))
    if kind in AuditEntry.Action.values:
        entries = entries.filter(action=kind)
        changes = changes.none()
    elif kind:
        entries = entries.filter(pk__in=[])  # not none(): the union keeps this side's columns
        changes = changes.filter(action__in=[code for code, name in CHANGE_KINDS.items() if name == kind])
    if since:
        entries = entries.filter(created_at__date__gte=since)
        changes = changes.filter(timestamp__date__gte=since)
    if until:
        entries = entries.filter(created_at__date__lte=until)
        changes = changes.filter(timestamp__date__lte=until)
    if before:
        entries = entries.filter(created_at__lt=before)
        changes = changes.filter(timestamp__lt=before)
    entry_rows = entries.order_by().values_list(
        "created_at",
        "actor_id",
        "action",
        "object_type",
        "object_id",
        "object_label",
        "reason",
        "detail",
        "client_address",
    )
    change_rows = (
        changes.order_by()
        .annotate(
            change_kind=DbCase(
                *(When(action=code, then=Value(name)) for code, name in CHANGE_KINDS.items()),
                output_field=models.CharField(),
            ),
            change_type=Concat(F("content_type__app_label"), Value("."), F("content_type__model")),
            no_reason=Value("", output_field=models.TextField()),
        )
        .values_list(
            "timestamp",
            "actor_id",
            "change_kind",
            "change_type",
            "object_pk",
            "object_repr",
            "no_reason",
            "changes",
            "remote_addr",
        )
    )
    return entry_rows.union(change_rows, all=True).order_by("-created_at")


@dataclass(frozen=True)
class AuditRow:
    when: object
    actor: object
    kind: str
    kind_label: str
    object_type: str
    object_label: str
    reason: str
    changes: list[tuple[str, str, str]]
    detail: dict
    address: str


def _type_label(object_type: str) -> str:
    try:
        return str(apps.get_model(object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return object_type


def _field(object_type: str, name: str):
    """The model field a change names, or None for what is not a field of the row (django-auditlog
    also lists reverse relations on creation, as "None -> app.Model.None")."""
    try:
        field = apps.get_model(object_type)._meta.get_field(name)
    except (LookupError, ValueError, FieldDoesNotExist):
        return None
    return field if field.concrete or field.many_to_many else None


def _shown(value) -> str:
    return "" if value in (None, "None") else str(value)


def _changes(object_type: str, changes) -> list[tuple[str, str, str]]:
    """A change's fields as (field, before, after); many-to-many ones as (field, added/removed, objects)."""
    rows = []
    for name, change in (changes or {}).items():
        field = _field(object_type, name)
        label = str(field.verbose_name) if field is not None else name
        if isinstance(change, dict):
            operation = gettext("added") if change.get("operation") == "add" else gettext("removed")
            rows.append((label, operation, ", ".join(str(item) for item in change.get("objects", []))))
        elif field is not None and isinstance(change, list | tuple) and len(change) == 2:
            before, after = _shown(change[0]), _shown(change[1])
            if before or after:
                rows.append((label, before, after))
    return rows


def audit_rows(values) -> list[AuditRow]:
    """Rows for a page of `audit_log()`: the people in one query, the rest without queries."""
    values = list(values)
    people = User.objects.in_bulk({row[1] for row in values if row[1] is not None})
    rows = []
    for when, actor_id, kind, object_type, object_key, label, reason, detail, address in values:
        is_change = kind in CHANGE_KINDS.values()
        rows.append(
            AuditRow(
                when=when,
                actor=people.get(actor_id),
                kind=kind,
                kind_label=str(KIND_LABELS.get(kind, kind)),
                object_type=_type_label(object_type),
                object_label=label or object_key,
                reason=reason,
                changes=_changes(object_type, detail) if is_change else [],
                detail={} if is_change else (detail or {}),
                address=address or "",
            )
        )
    return rows


EXPORT_WIDTHS = [17, 14, 18, 16, 24, 30, 60, 16]
EXPORT_CHUNK = 2000


def export_header() -> list[str]:
    return [
        gettext("When"),
        gettext("Who"),
        pgettext("audit log", "Kind"),
        gettext("Object type"),
        gettext("Object"),
        gettext("Reason"),
        gettext("Details"),
        gettext("Client address"),
    ]


def export_cells(rows):
    """The cells of `audit_log()`'s rows for a spreadsheet, read in one pass over one query (no paging by
    offset, which rows written meanwhile would shift), the people of each chunk in one query."""
    chunk = []
    for values in rows.iterator(chunk_size=EXPORT_CHUNK):
        chunk.append(values)
        if len(chunk) == EXPORT_CHUNK:
            yield from _cells(chunk)
            chunk = []
    yield from _cells(chunk)


def _cells(values):
    for row in audit_rows(values):
        details = "; ".join(f"{field}: {before} → {after}" for field, before, after in row.changes)
        yield [
            timezone.localtime(row.when).replace(tzinfo=None),
            str(row.actor or ""),
            row.kind_label,
            row.object_type,
            row.object_label,
            row.reason,
            details or (json.dumps(row.detail, ensure_ascii=False) if row.detail else ""),
            row.address,
        ]
