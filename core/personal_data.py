"""Citizens' personal data: ID numbers, phone numbers, masking and the keyed hashes that find them.

Model-free so that forms, services, the demo loader and exports share one definition. Validators
normalise before they check, so they accept what a person would type (spaces, full-width digits, a
lower-case x, a +86 prefix); forms should store the value of the matching `normalise_*` function.

Masking follows DOMAIN.md §1: personal data is shown masked everywhere by default. The masking
functions run inside templates and exports, so they accept anything, never raise and return "" for
empty input.
"""

import datetime
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import encryption

MALE = "male"
FEMALE = "female"

# ISO 7064 MOD 11-2, as GB 11643-1999 applies it to the first 17 digits.
_ID_NUMBER_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_NUMBER_CHECK_CHARACTERS = "10X98765432"
# The first two digits of the region code (GB/T 2260): provinces, Taiwan (71), Hong Kong (81), Macao (82),
# residence permits of Taiwan residents (83) and permanent residence of foreigners (91). A plausibility
# check, not the full list of region codes, which changes every year.
_PROVINCE_CODES = frozenset(
    {
        *range(11, 16),
        *range(21, 24),
        *range(31, 38),
        *range(41, 47),
        *range(50, 55),
        *range(61, 66),
        71,
        81,
        82,
        83,
        91,
    }
)
_ID_NUMBER_SHAPE = re.compile(r"[0-9]{17}[0-9X]")
_EARLIEST_BIRTH_YEAR = 1900

_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_LANDLINE = re.compile(r"(?P<area>0[1-9][0-9]{1,2})-(?P<number>[0-9]{7,8})(?:-(?P<extension>[0-9]{1,6}))?")
_ASCII_DIGITS = re.compile(r"[0-9]+")
# Beijing (010) and the 02x cities have three-digit area codes; every other area code has four digits.
_THREE_DIGIT_AREA_CODE_PREFIXES = ("010", "02")
_MASK = "****"


def _compact(value: object) -> str:
    """The value as text with full-width characters made ASCII (NFKC) and all whitespace removed."""
    if value is None:
        return ""
    return "".join(unicodedata.normalize("NFKC", str(value)).split())


# ID numbers


def normalise_id_number(value: str | None) -> str:
    """The ID number without spaces, with full-width digits made ASCII and a final x upper-cased."""
    return _compact(value).upper()


def id_number_check_character(first_seventeen_digits: str) -> str:
    """The 18th character (a digit or X) that GB 11643-1999 requires after these 17 digits.

    Raises ValueError unless given exactly 17 digits.
    """
    weighted = zip(first_seventeen_digits, _ID_NUMBER_WEIGHTS, strict=True)
    total = sum(int(digit) * weight for digit, weight in weighted)
    return _ID_NUMBER_CHECK_CHARACTERS[total % 11]


def _birth_date(id_number: str) -> datetime.date | None:
    """The real calendar date in characters 7-14 of a well-shaped ID number, or None."""
    try:
        return datetime.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError:
        return None


def validate_id_number(value: str) -> None:
    """Raise ValidationError unless the value is an 18-character mainland resident ID number.

    Checks, in this order so that the message points at the likely mistake: the shape (17 digits and a
    digit or X), a plausible province code, a real date of birth between 1900 and today, and the check
    character. Old 15-digit numbers are refused: they were replaced in 2013.
    """
    id_number = normalise_id_number(value)
    if not _ID_NUMBER_SHAPE.fullmatch(id_number):
        raise ValidationError(
            _("An ID number has 18 characters: 17 digits and a final digit or X."), code="id_number_format"
        )
    if int(id_number[:2]) not in _PROVINCE_CODES:
        raise ValidationError(
            _("This ID number does not start with a real region code."), code="id_number_region"
        )
    birth_date = _birth_date(id_number)
    if birth_date is None or birth_date.year < _EARLIEST_BIRTH_YEAR or birth_date > timezone.localdate():
        raise ValidationError(
            _("This ID number does not contain a real date of birth."), code="id_number_birth_date"
        )
    if id_number_check_character(id_number[:17]) != id_number[17]:
        raise ValidationError(
            _("The check digit of this ID number is wrong: please check every digit."),
            code="id_number_check_digit",
        )


def _valid_id_number(value: str | None) -> str | None:
    """The normalised ID number if it is valid, else None."""
    id_number = normalise_id_number(value)
    try:
        validate_id_number(id_number)
    except ValidationError:
        return None
    return id_number


def id_number_birth_date(value: str | None) -> datetime.date | None:
    """The date of birth in a valid ID number; None if the number is not valid."""
    id_number = _valid_id_number(value)
    return _birth_date(id_number) if id_number else None


def id_number_gender(value: str | None) -> str | None:
    """MALE or FEMALE from the 17th digit of a valid ID number (odd: male); None if it is not valid."""
    id_number = _valid_id_number(value)
    if id_number is None:
        return None
    return MALE if int(id_number[16]) % 2 else FEMALE


# Phone numbers


def _split_landline(text: str) -> str | None:
    """The landline as `area-number[-extension]`, or None if the text does not look like one.

    Where the caller put the first hyphen does not matter: the area code is recognised by its prefix.
    """
    parts = [part for part in text.split("-") if part]
    if not parts or not all(_ASCII_DIGITS.fullmatch(part) for part in parts) or len(parts) > 3:
        return None
    extension = ""
    if len(parts) == 3 or (len(parts) == 2 and len(parts[0]) > 4):
        extension = parts.pop()
    digits = "".join(parts)
    area_length = 3 if digits.startswith(_THREE_DIGIT_AREA_CODE_PREFIXES) else 4
    landline = f"{digits[:area_length]}-{digits[area_length:]}" + (f"-{extension}" if extension else "")
    return landline if _LANDLINE.fullmatch(landline) else None


def normalise_phone(value: str | None) -> str:
    """The phone number as stored: a mobile as 11 digits, a landline as area code, hyphen and number
    (then "-extension" if any), e.g. `010-12345678`.

    Removes spaces and the country code (+86, 0086, or 86 before a mobile), makes full-width digits
    ASCII and reads "(010)" as an area code. A value that is neither kind comes back compacted but
    otherwise unchanged, for `validate_phone` to refuse.
    """
    compact = _compact(value)
    text = compact.replace("(", "").replace(")", "-")
    international = False
    for country_code in ("+86", "0086"):
        if text.startswith(country_code):
            text = text.removeprefix(country_code).lstrip("-")
            international = True
            break
    digits = text.replace("-", "")
    if not international and len(digits) == 13 and digits.startswith("86"):
        digits = digits.removeprefix("86")
    if _MOBILE.fullmatch(digits):
        return digits
    if international and not text.startswith("0"):
        text = "0" + text  # "+86 10 ..." drops the trunk prefix of the area code.
    return _split_landline(text) or compact


def validate_phone(value: str) -> None:
    """Raise ValidationError unless the value is a mainland mobile or a landline with its area code."""
    phone = normalise_phone(value)
    if not (_MOBILE.fullmatch(phone) or _LANDLINE.fullmatch(phone)):
        raise ValidationError(
            _(
                "Enter a mobile number (11 digits, e.g. 13812345678) or a landline with its area code "
                "(e.g. 010-12345678)."
            ),
            code="phone",
        )


def checked_phone(value: str | None) -> str:
    """A form field's phone number: "" when empty, else validated (ValidationError) and normalised."""
    value = (value or "").strip()
    if not value:
        return ""
    validate_phone(value)
    return normalise_phone(value)


def checked_id_number(value: str | None) -> str:
    """A form field's ID number: "" when empty, else validated (ValidationError) and normalised."""
    value = (value or "").strip()
    if not value:
        return ""
    validate_id_number(value)
    return normalise_id_number(value)


def valid_phone_or_empty(value: str | None) -> str:
    """The normalised phone number if it is complete and valid, else "": for look-ups while it is typed."""
    try:
        validate_phone(value or "")
    except ValidationError:
        return ""
    return normalise_phone(value)


def valid_id_number_or_empty(value: str | None) -> str:
    """The normalised ID number if it is complete and valid, else "": for look-ups while it is typed."""
    return _valid_id_number(value) or ""


# Look-up hashes: what an encrypted phone or ID number column is searched by (core.encryption).

LOOKUP_KINDS = {"phone": normalise_phone, "id_number": normalise_id_number}


def lookup_hashes(kind: str, value: str | None) -> list[str]:
    """The keyed hashes that a stored `kind` ("phone" or "id_number") equal to `value` may carry: one per
    configured hash key (several only while the hash key is being rotated). Query with
    `<field>_lookup__in=...`. The value is normalised, not validated, so a mistyped search finds
    nothing; an empty value gives no hash, so blank fields never match each other."""
    text = LOOKUP_KINDS[kind](value)
    return encryption.keyed_hashes(kind, text) if text else []


def lookup_hash(kind: str, value: str | None) -> str:
    """The hash stored beside a `kind` value: under the current hash key; "" for an empty value."""
    hashes = lookup_hashes(kind, value)
    return hashes[0] if hashes else ""


def person_match(*, phone: str = "", id_number: str = "", phone_lookup: str, id_lookup: str) -> Q:
    """The rows of a person found by phone or by ID number, through the keyed-hash columns named
    `phone_lookup` and `id_lookup` (indexed). An empty Q when neither is given: callers test it."""
    condition = Q()
    if phone_hashes := lookup_hashes("phone", phone):
        condition |= Q(**{f"{phone_lookup}__in": phone_hashes})
    if id_hashes := lookup_hashes("id_number", id_number):
        condition |= Q(**{f"{id_lookup}__in": id_hashes})
    return condition


# Masking


def mask_phone(value: str | None) -> str:
    """`138****5678` for a mobile, `010-****5678` for a landline (an extension is kept)."""
    phone = normalise_phone(value)
    if not phone:
        return ""
    if _MOBILE.fullmatch(phone):
        return f"{phone[:3]}{_MASK}{phone[-4:]}"
    landline = _LANDLINE.fullmatch(phone)
    if landline:
        extension = landline["extension"]
        return f"{landline['area']}-{_MASK}{landline['number'][-4:]}" + (f"-{extension}" if extension else "")
    if len(phone) >= 8:
        return f"{phone[:3]}{_MASK}{phone[-4:]}"
    return _MASK


def mask_id_number(value: str | None) -> str:
    """`110105********002X`: the region code and the last four characters stay visible.

    Other documents keep their first six and last four characters if long enough (an old 15-digit number),
    else their first and last characters (a passport number).
    """
    id_number = normalise_id_number(value)
    if len(id_number) > 10:
        return f"{id_number[:6]}{'*' * (len(id_number) - 10)}{id_number[-4:]}"
    if len(id_number) > 2:
        return f"{id_number[0]}{'*' * (len(id_number) - 2)}{id_number[-1]}"
    return "*" * len(id_number)


def mask_name(value: str | None) -> str:
    """The first character, then one star per other character: `张*`, `欧***`, `J***`; one character: `*`."""
    name = "" if value is None else " ".join(str(value).split())
    if len(name) <= 1:
        return "*" * len(name)
    return name[0] + "*" * (len(name) - 1)


def mask_address(value: str | None) -> str:
    """The administrative area, then `****`: `北京市朝阳区建国路88号` becomes `北京市朝阳区****`.

    Keeps the text up to and including the first 区, 县 or 市 that follows a 省 or 市. An address
    without them keeps its first six characters, or half of itself if it is shorter than twelve, so a
    short address is never shown whole.
    """
    address = "" if value is None else "".join(str(value).split())
    if not address:
        return ""
    province_or_city = next((index for index, character in enumerate(address) if character in "省市"), None)
    if province_or_city is not None:
        for index in range(province_or_city + 1, len(address)):
            if address[index] in "区县市":
                return address[: index + 1] + _MASK
    return address[: min(6, len(address) // 2)] + _MASK


_MOBILE_IN_TEXT = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
_ID_NUMBER_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])[1-9][0-9]{16}[0-9Xx](?![0-9A-Za-z])")


def mask_in_text(value: str | None) -> str:
    """Free text with every full mobile number and every valid ID number in it masked: for texts staff
    write about an act on personal data (the reason of a reveal, the search an export was made with)."""
    text = "" if value is None else str(value)
    text = _ID_NUMBER_IN_TEXT.sub(
        lambda match: mask_id_number(match[0]) if _valid_id_number(match[0]) else match[0], text
    )
    return _MOBILE_IN_TEXT.sub(lambda match: mask_phone(match[0]), text)
