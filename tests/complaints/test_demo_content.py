"""The demo content is consistent: every leaf has templates, codes are valid, citizens pass validation."""

import random
import re

import pytest

from complaints.demo_content import (
    CASE_TEMPLATES,
    CATEGORY_TREE,
    CITIZEN_GIVEN_NAMES_FEMALE,
    CITIZEN_GIVEN_NAMES_MALE,
    CITIZEN_SURNAMES,
    EXTENSION_REASONS,
    INVESTIGATION_NOTES,
    PROPOSALS,
    RECTIFICATION_ITEMS,
    RETURN_REASONS,
    REVISIT_NOTES,
    STREETS,
    citizen,
    leaf_categories,
)
from core.personal_data import (
    FEMALE,
    MALE,
    id_number_gender,
    mask_address,
    normalise_id_number,
    normalise_phone,
    validate_id_number,
    validate_phone,
)

KINDS = {"consultation", "help", "complaint", "report", "suggestion", "praise", "other"}
DEPARTMENTS = {"YY", "GC", "JL", "AQ", "KF"}
ADOPTIONS = {"adopted", "partly_adopted", "not_adopted"}
VERDICTS = {"satisfied", "basically_satisfied", "unsatisfied", "unreachable"}
CATEGORY_CODE = re.compile(r"[a-z][a-z_]{1,39}")  # fits `Category.code`, a SlugField of 40


def all_templates():
    return [template for templates in CASE_TEMPLATES.values() for template in templates]


def test_the_tree_has_top_level_categories_with_two_to_five_leaves_each():
    assert 5 <= len(CATEGORY_TREE) <= 8
    for category in CATEGORY_TREE:
        assert category["name"]
        assert 2 <= len(category["children"]) <= 5, category["code"]


def test_category_codes_are_unique_slugs():
    codes = [category["code"] for category in CATEGORY_TREE] + [leaf["code"] for leaf in leaf_categories()]

    assert len(codes) == len(set(codes))
    assert all(CATEGORY_CODE.fullmatch(code) for code in codes), codes


def test_every_leaf_has_a_default_department_that_exists():
    for leaf in leaf_categories():
        assert leaf["department"] in DEPARTMENTS, leaf
        assert leaf["name"]


def test_every_leaf_has_at_least_three_templates_and_every_template_a_leaf():
    leaf_codes = {leaf["code"] for leaf in leaf_categories()}

    assert set(CASE_TEMPLATES) == leaf_codes
    for code, templates in CASE_TEMPLATES.items():
        assert len(templates) >= 3, code


def test_every_template_is_complete_and_of_a_valid_kind():
    for template in all_templates():
        assert template["kind"] in KINDS, template
        assert 40 <= len(template["description"]) <= 150, template["description"]
        assert template["request"]
        assert template["reply"]
        assert len(template["location"]) <= 200


def test_every_kind_is_used_and_misconduct_is_reported():
    kinds = [template["kind"] for template in all_templates()]

    assert set(kinds) == KINDS
    assert kinds.count("report") >= 5
    assert kinds.count("suggestion") >= 5
    assert any("抄表员" in template["description"] for template in CASE_TEMPLATES["conduct_bribery"])


def test_suggestions_and_only_suggestions_carry_an_adoption_decision():
    for template in all_templates():
        if template["kind"] == "suggestion":
            assert template["adoption"] in ADOPTIONS
        else:
            assert "adoption" not in template


def test_handling_texts_are_present():
    assert len(INVESTIGATION_NOTES) >= 3
    assert len(RECTIFICATION_ITEMS) >= 3
    assert RETURN_REASONS and EXTENSION_REASONS
    assert set(REVISIT_NOTES) == VERDICTS
    assert all(REVISIT_NOTES.values())
    for proposal in PROPOSALS:
        assert proposal["finding"] and proposal["responsibility"] and proposal["measures"]


def test_names_and_streets():
    assert len(CITIZEN_SURNAMES) >= 20
    assert len(CITIZEN_GIVEN_NAMES_MALE) >= 10 and len(CITIZEN_GIVEN_NAMES_FEMALE) >= 10
    assert all(street.startswith("江城市") for street in STREETS)


@pytest.mark.parametrize("seed", range(200))
def test_citizen_has_a_valid_id_number_and_phone(seed):
    person = citizen(random.Random(seed))

    validate_id_number(person["id_number"])
    validate_phone(person["phone"])
    assert normalise_id_number(person["id_number"]) == person["id_number"]
    assert normalise_phone(person["phone"]) == person["phone"]
    assert len(person["id_number"]) == 18
    assert len(person["address"]) <= 200
    assert mask_address(person["address"]).startswith("江城市")
    given_name = person["name"].removeprefix(
        next(s for s in CITIZEN_SURNAMES if person["name"].startswith(s))
    )
    expected_gender = MALE if given_name in CITIZEN_GIVEN_NAMES_MALE else FEMALE
    assert id_number_gender(person["id_number"]) == expected_gender


def test_citizen_depends_only_on_the_seed():
    assert citizen(random.Random(7)) == citizen(random.Random(7))
    people = [citizen(random.Random(seed)) for seed in range(200)]
    assert len({person["id_number"] for person in people}) == 200
    assert len({person["name"] for person in people}) > 100
