"""ID numbers, phone numbers, masking and the look-up key: plain functions, no database."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.personal_data import (
    FEMALE,
    MALE,
    id_number_birth_date,
    id_number_check_character,
    id_number_gender,
    lookup_hash,
    lookup_hashes,
    mask_address,
    mask_id_number,
    mask_in_text,
    mask_name,
    mask_phone,
    normalise_id_number,
    normalise_phone,
    validate_id_number,
    validate_phone,
)


def check_character(first_seventeen_digits: str) -> str:
    """GB 11643-1999 written the other way round: weight 2^(17-i) mod 11, check value (12 - sum) mod 11."""
    total = sum(
        int(digit) * 2 ** (17 - position) % 11 for position, digit in enumerate(first_seventeen_digits)
    )
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


def id_number(region: str, birth_date: datetime.date, sequence: str) -> str:
    first_seventeen_digits = f"{region}{birth_date:%Y%m%d}{sequence}"
    return first_seventeen_digits + check_character(first_seventeen_digits)


def error_code(validator, value) -> str:
    with pytest.raises(ValidationError) as raised:
        validator(value)
    return raised.value.code


# ID numbers

VALID_ID_NUMBERS = [
    "11010519491231002X",  # the example of GB 11643-1999 (Beijing, 1949-12-31, female)
    "420102198503150311",  # computed below by the independent implementation
    id_number("310104", datetime.date(1990, 2, 28), "123"),
    id_number("440305", datetime.date(2000, 2, 29), "456"),
    id_number("654321", datetime.date(1900, 1, 1), "001"),
    id_number("910000", datetime.date(1975, 7, 1), "888"),
]


def test_the_known_examples_have_the_check_character_the_independent_implementation_computes():
    assert check_character("11010519491231002") == "X"
    assert check_character("42010219850315031") == "1"
    assert check_character("44052418800101001") == "4"


def test_both_implementations_agree_on_every_check_value():
    first_seventeen = [f"4201021985031{sequence:04d}" for sequence in range(200)]

    assert {id_number_check_character(digits) for digits in first_seventeen} == set("0123456789X")
    for digits in first_seventeen:
        assert id_number_check_character(digits) == check_character(digits)


def test_the_check_character_needs_exactly_17_digits():
    with pytest.raises(ValueError):
        id_number_check_character("4201021985031503")


@pytest.mark.parametrize("value", VALID_ID_NUMBERS)
def test_a_valid_id_number_passes(value):
    validate_id_number(value)


def test_lower_case_x_spaces_and_full_width_digits_are_accepted():
    validate_id_number("11010519491231002x")
    validate_id_number(" 110105 19491231 002X ")
    validate_id_number("１１０１０５１９４９１２３１００２ｘ")


@pytest.mark.parametrize(
    "value",
    [
        "",
        "11010519491231002",
        "11010519491231002XX",
        "110105194912310X2X",
        "11010519491231002Y",
        "1101051949A231002X",
    ],
)
def test_a_wrong_shape_is_refused(value):
    assert error_code(validate_id_number, value) == "id_number_format"


def test_digits_of_other_scripts_are_refused():
    assert error_code(validate_id_number, "١١٠١٠٥١٩٤٩١٢٣١٠٠٢X") == "id_number_format"
    assert error_code(validate_phone, "١٣٨١٢٣٤٥٦٧٨") == "phone"


def test_a_15_digit_first_generation_number_is_refused():
    assert error_code(validate_id_number, "110105491231002") == "id_number_format"


def test_a_wrong_check_digit_is_refused():
    assert error_code(validate_id_number, "110105194912310021") == "id_number_check_digit"
    assert error_code(validate_id_number, "420102198503150319") == "id_number_check_digit"


def test_a_single_mistyped_digit_is_caught_by_the_check_digit():
    assert error_code(validate_id_number, "11010519491231003X") == "id_number_check_digit"


@pytest.mark.parametrize("region", ["000000", "101010", "190101", "720000", "990000"])
def test_an_impossible_province_code_is_refused(region):
    value = id_number(region, datetime.date(1980, 1, 1), "001")

    assert error_code(validate_id_number, value) == "id_number_region"


@pytest.mark.parametrize("birth_date_digits", ["19990230", "19991301", "19990000", "20230229", "19990431"])
def test_a_date_that_does_not_exist_is_refused(birth_date_digits):
    first_seventeen_digits = f"420102{birth_date_digits}001"
    value = first_seventeen_digits + check_character(first_seventeen_digits)

    assert error_code(validate_id_number, value) == "id_number_birth_date"


def test_a_birth_date_in_the_future_is_refused_and_today_is_accepted():
    today = timezone.localdate()

    assert error_code(validate_id_number, id_number("420102", today + datetime.timedelta(days=1), "001")) == (
        "id_number_birth_date"
    )
    validate_id_number(id_number("420102", today, "001"))


def test_a_birth_year_before_1900_is_refused_even_with_a_right_check_digit():
    # 440524188001010014 is often quoted as valid: its check digit is right, but 1880 is out of range.
    assert check_character("44052418800101001") == "4"
    assert error_code(validate_id_number, "440524188001010014") == "id_number_birth_date"


def test_normalise_id_number():
    assert normalise_id_number(" 110105 19491231 002x ") == "11010519491231002X"
    assert normalise_id_number("１１０１０５１９４９１２３１００２ｘ") == "11010519491231002X"
    assert normalise_id_number(None) == ""


def test_birth_date_and_gender():
    assert id_number_birth_date("11010519491231002X") == datetime.date(1949, 12, 31)
    assert id_number_gender("11010519491231002X") == FEMALE  # 17th digit 2
    assert id_number_birth_date("420102198503150311") == datetime.date(1985, 3, 15)
    assert id_number_gender("420102198503150311") == MALE  # 17th digit 1
    assert id_number_gender("11010519491231002x") == FEMALE


@pytest.mark.parametrize("value", ["", None, "110105194912310021", "440524188001010014", "not a number"])
def test_birth_date_and_gender_of_an_invalid_number_are_none(value):
    assert id_number_birth_date(value) is None
    assert id_number_gender(value) is None


# The look-up key


def test_lookup_hash_is_stable_and_ignores_how_the_number_was_typed():
    key = lookup_hash("id_number", "11010519491231002X")

    assert key == lookup_hash("id_number", "11010519491231002X")
    assert key == lookup_hash("id_number", " 110105 19491231 002x")
    assert len(key) == 64
    assert int(key, 16) >= 0
    assert "11010519491231002X" not in key


def test_lookup_hashes_differ_between_numbers_and_between_kinds():
    keys = {lookup_hash("id_number", value) for value in VALID_ID_NUMBERS}

    assert len(keys) == len(VALID_ID_NUMBERS)
    assert lookup_hash("phone", "13812345678") != lookup_hash("id_number", "13812345678")


def test_lookup_hash_depends_on_its_own_key_not_on_the_secret_key(settings):
    before = lookup_hash("id_number", "11010519491231002X")
    settings.SECRET_KEY = "another-secret-key-that-is-long-enough-for-the-test-and-then-some"

    assert lookup_hash("id_number", "11010519491231002X") == before

    settings.PERSONAL_DATA_LOOKUP_KEYS = ["Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmE="]
    assert lookup_hash("id_number", "11010519491231002X") != before


def test_while_a_hash_key_is_rotated_lookups_try_the_new_key_first_then_the_old(settings):
    old = lookup_hash("phone", "13812345678")
    settings.PERSONAL_DATA_LOOKUP_KEYS = [
        "Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmE=",
        *settings.PERSONAL_DATA_LOOKUP_KEYS,
    ]

    new, previous = lookup_hashes("phone", "138 1234 5678")
    assert previous == old
    assert new != old
    assert lookup_hash("phone", "13812345678") == new


def test_an_empty_number_has_no_lookup_hash():
    assert lookup_hash("id_number", "") == ""
    assert lookup_hash("id_number", None) == ""
    assert lookup_hashes("phone", "") == []


# Phone numbers


@pytest.mark.parametrize(
    ("value", "normalised"),
    [
        ("13812345678", "13812345678"),
        ("19912345678", "19912345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("+86-13812345678", "13812345678"),
        ("008613812345678", "13812345678"),
        ("8613812345678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),
        ("＋８６ １３８１２３４５６７８", "13812345678"),
        ("010-12345678", "010-12345678"),
        ("01012345678", "010-12345678"),
        ("010 1234 5678", "010-12345678"),
        ("(010)12345678", "010-12345678"),
        ("（010）12345678", "010-12345678"),
        ("020-87654321", "020-87654321"),
        ("0755-12345678", "0755-12345678"),
        ("075512345678", "0755-12345678"),
        ("0712-1234567", "0712-1234567"),
        ("07121234567", "0712-1234567"),
        ("010-12345678-1234", "010-12345678-1234"),
        ("01012345678-1234", "010-12345678-1234"),
        ("０１０－１２３４５６７８", "010-12345678"),
        ("+86 10 1234 5678", "010-12345678"),
        ("+86 27 8765 4321", "027-87654321"),
    ],
)
def test_an_accepted_phone_is_normalised(value, normalised):
    assert normalise_phone(value) == normalised
    validate_phone(value)
    validate_phone(normalised)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "12345678901",  # mobiles start with 13-19
        "1381234567",  # ten digits
        "138123456789",  # twelve digits
        "12345678",  # a landline without its area code
        "010-123456",  # too short a local number
        "010-123456789",  # too long a local number
        "0012345678",  # 00 is the international prefix, not an area code
        "010-12345678-1234567",  # extension too long
        "138-1234-567a",
        "telephone",
        "+1 415 555 0100",
    ],
)
def test_a_refused_phone(value):
    assert error_code(validate_phone, value) == "phone"


def test_normalise_phone_leaves_what_it_does_not_recognise_compacted():
    assert normalise_phone(" 12345 ") == "12345"
    assert normalise_phone(None) == ""


# Masking


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("13812345678", "138****5678"),
        ("+86 138 1234 5678", "138****5678"),
        ("010-12345678", "010-****5678"),
        ("0755-1234567", "0755-****4567"),
        ("010-12345678-1234", "010-****5678-1234"),
        ("12345678901", "123****8901"),
        ("12345", "****"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_phone(value, masked):
    assert mask_phone(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("11010519491231002X", "110105********002X"),
        ("11010519491231002x", "110105********002X"),
        ("110105491231002", "110105*****1002"),
        ("E12345678", "E*******8"),
        ("AB", "**"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_id_number(value, masked):
    assert mask_id_number(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("张三", "张*"),
        ("李小明", "李**"),
        ("欧阳娜娜", "欧***"),
        ("王", "*"),
        (" 张三 ", "张*"),
        ("John", "J***"),
        ("Anna Lee", "A*******"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_name(value, masked):
    assert mask_name(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("北京市朝阳区建国路88号", "北京市朝阳区****"),
        ("江城市江汉区新华路218号3栋2单元501室", "江城市江汉区****"),
        ("湖北省江城市江岸区沿江大道100号", "湖北省江城市****"),
        ("浙江省余杭县良渚镇", "浙江省余杭县****"),
        ("朝阳区建国路88号院3号楼", "朝阳区建国路****"),
        ("建国路88号", "建国路****"),
        ("北京市", "北****"),
        ("A", "****"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_address(value, masked):
    assert mask_address(value) == masked


@pytest.mark.parametrize("mask", [mask_phone, mask_id_number, mask_name, mask_address])
@pytest.mark.parametrize("value", ["", None, " ", "-", "()", "+86", "省市区县", 12345678901, "\u3000"])
def test_masking_never_raises_and_never_returns_the_value(mask, value):
    masked = mask(value)

    assert isinstance(masked, str)
    assert masked == "" or masked != str(value)


def test_numbers_inside_free_text_are_masked_and_other_digits_left_alone():
    text = "电话13812345678，身份证11010519491231002X，工单2026113000001，编号123456789012345678"

    assert mask_in_text(text) == (
        "电话138****5678，身份证110105********002X，工单2026113000001，编号123456789012345678"
    )
    assert mask_in_text(None) == ""
