"""Model fields for citizens' personal data: stored encrypted, found through keyed hashes.

`EncryptedTextField` seals a value when it is written and opens it when it is read (`core.encryption`),
so models, forms and templates see plain text while the table holds only tokens. A token is random, so
the column cannot be searched: a query on it other than "is empty" raises instead of silently finding
nothing. `LookupHashField(source=..., kind=...)` stores the keyed hash of its source field, computed when
the row is saved (`save()`, `create()`, `bulk_create()`); writers that use `update()` or `bulk_update()`
set it themselves with `core.personal_data.lookup_hash()`.
"""

from django.core import validators
from django.db import models
from django.db.models.lookups import Exact, IsNull

from core import encryption
from core.personal_data import lookup_hash


class EmptyOnlyExact(Exact):
    """`field=""`: an encrypted column can say whether it is empty, nothing else."""

    def get_prep_lookup(self):
        if self.rhs not in ("", None):
            field = self.lhs.output_field
            raise ValueError(
                f"{field.model.__name__}.{field.name} is encrypted and cannot be searched by value: "
                "query its lookup hash instead (core.personal_data)."
            )
        return super().get_prep_lookup()


class EncryptedTextField(models.TextField):
    """A text value stored encrypted. `max_length` limits the plain value (the token is longer)."""

    description = "Encrypted text"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.max_length is not None:
            self.validators.append(validators.MaxLengthValidator(self.max_length))

    def get_lookup(self, lookup_name):
        if lookup_name == "exact":
            return EmptyOnlyExact
        if lookup_name == "isnull":
            return IsNull
        return None

    def from_db_value(self, value, expression, connection):
        if not value:
            return value
        return encryption.decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if not value:
            return value
        return encryption.encrypt(value)


class LookupHashField(models.CharField):
    """The keyed hash of another field of the row (`source`), normalised as `kind` says (see
    `core.personal_data.LOOKUP_KINDS`), for exact look-ups with an index. Empty when the source is."""

    description = "Keyed hash of a personal-data field"

    def __init__(self, *args, source: str, kind: str, **kwargs):
        self.source = source
        self.kind = kind
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        kwargs["kind"] = self.kind
        for key, default in (("max_length", 64), ("blank", True), ("default", ""), ("editable", False)):
            if kwargs.get(key) == default:
                del kwargs[key]
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        value = lookup_hash(self.kind, getattr(model_instance, self.source))
        setattr(model_instance, self.attname, value)
        return value
