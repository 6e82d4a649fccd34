"""Encryption at rest (core.encryption, core.fields): no plain phone or ID number in any table, look-ups
by their keyed hashes, key rotation without a row becoming unreadable, and the re-sealing of plain rows
left by older code."""

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection

from complaints import selectors
from complaints.models import Case
from core import encryption, resealing
from core.encryption import PersonalDataKeyError
from core.personal_data import lookup_hash
from core.resealing import personal_data_tables, reseal_table
from hotline import services as hotline_services
from reception import selectors as reception_selectors
from reception import services as reception_services
from reception.models import ReceptionRoom, Visit

PHONE = "13812345678"
ID_NUMBER = "11010519491231002X"
NAME = "张三丰"
ADDRESS = "江城市硚口区中山大道100号"
NEW_KEY = "bmV3LWtleS1mb3ItdGhlLXJvdGF0aW9uLXRlc3QtMDE="
NEW_LOOKUP_KEY = "bmV3LWxvb2t1cC1rZXktZm9yLXRoZS10ZXN0cy0wMDE="


@pytest.fixture
def people(register, clerk, agent):
    """A case, a visit and a call of the same person, made through the services."""
    case = register(
        citizen_name=NAME, citizen_phone=PHONE, citizen_id_number=ID_NUMBER, citizen_address=ADDRESS
    )
    visit = reception_services.visit_register(
        clerk=clerk,
        room=ReceptionRoom.objects.first() or ReceptionRoom.objects.create(name="接待室"),
        visitor_name=NAME,
        gender="",
        id_number=ID_NUMBER,
        phone=PHONE,
        address=ADDRESS,
        group_size=1,
        reason="水压不足",
        category=None,
        repeat_of=None,
    )
    call = hotline_services.call_log(agent=agent, number=PHONE, started_at=case.created_at, outcome="hang_up")
    return case, visit, call


def every_text_value():
    """Every text cell of every table, read with plain SQL (not through the models)."""
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            for column in connection.introspection.get_table_description(cursor, table):
                cursor.execute(
                    f"SELECT {connection.ops.quote_name(column.name)} FROM {connection.ops.quote_name(table)}"
                )
                for (value,) in cursor.fetchall():
                    if isinstance(value, str):
                        yield table, column.name, value


def test_no_table_holds_a_plain_phone_id_number_name_or_address(people):
    case, visit, call = people
    leaks = [
        (table, column)
        for table, column, value in every_text_value()
        if any(secret in value for secret in (PHONE, ID_NUMBER, NAME, ADDRESS))
    ]

    assert leaks == []
    # ...while the models read them back in full.
    case.refresh_from_db()
    visit.refresh_from_db()
    call.refresh_from_db()
    assert (case.citizen_phone, case.citizen_id_number, case.citizen_name, case.citizen_address) == (
        PHONE,
        ID_NUMBER,
        NAME,
        ADDRESS,
    )
    assert (visit.phone, visit.id_number, visit.visitor_name) == (PHONE, ID_NUMBER, NAME)
    assert call.number == PHONE


def test_the_same_value_seals_differently_every_time():
    assert encryption.encrypt(PHONE) != encryption.encrypt(PHONE)
    assert encryption.decrypt(encryption.encrypt(PHONE)) == PHONE


def test_lookups_by_phone_and_id_number_still_find_the_history(people, agent, clerk):
    case, visit, _call = people

    assert selectors.citizen_history(agent, phone="138 1234 5678") == [case]
    assert selectors.citizen_history(agent, id_number="11010519491231002x") == [case]
    history = reception_selectors.visitor_history(clerk, id_number=ID_NUMBER)
    assert [row.visit for row in history.visits] == [visit]
    assert [row.case for row in history.case_rows] == [case]
    assert reception_services.earlier_contacts(phone=PHONE, id_number="", before_visit=visit) == (0, True)
    repeats = selectors.possible_repeats(agent, phone=PHONE)
    assert [match.case for match in repeats] == [case]
    with connection.cursor() as cursor:
        cursor.execute("SELECT citizen_phone_lookup FROM complaints_case WHERE id = %s", [case.pk])
        assert cursor.fetchone()[0] == lookup_hash("phone", PHONE)


def test_an_encrypted_column_cannot_be_searched_by_value(people):
    with pytest.raises(ValueError, match="encrypted"):
        list(Case.objects.filter(citizen_phone=PHONE))
    # Whether it is empty can be asked.
    assert Case.objects.exclude(citizen_phone="").count() == 1


def test_a_changed_token_does_not_open(people):
    case, _visit, _call = people
    with connection.cursor() as cursor:
        cursor.execute("SELECT citizen_phone FROM complaints_case WHERE id = %s", [case.pk])
        token = cursor.fetchone()[0]
    tampered = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]

    with pytest.raises(PersonalDataKeyError, match="does not open"):
        encryption.decrypt(tampered)
    with pytest.raises(PersonalDataKeyError, match="not encrypted"):
        encryption.decrypt(PHONE)


def raw_key_ids() -> set[str]:
    ids = set()
    for table in personal_data_tables(apps.get_models()):
        with connection.cursor() as cursor:
            columns = ", ".join(table["columns"])
            cursor.execute(f"SELECT {columns} FROM {table['table']}")
            for row in cursor.fetchall():
                ids |= {encryption.token_key_id(value) for value in row if value}
    return ids


def test_a_key_rotation_keeps_every_row_readable_and_the_rekey_command_reseals_them(people, settings, agent):
    case, visit, call = people
    old_key = settings.PERSONAL_DATA_KEYS[0]
    old_id = encryption.keyring().current_id

    # Step 1: the new key first, the old one still listed: old rows read, new rows use the new key.
    settings.PERSONAL_DATA_KEYS = [NEW_KEY, old_key]
    settings.PERSONAL_DATA_LOOKUP_KEYS = [NEW_LOOKUP_KEY, *settings.PERSONAL_DATA_LOOKUP_KEYS]
    new_id = encryption.keyring().current_id
    assert raw_key_ids() == {old_id}
    assert Case.objects.get(pk=case.pk).citizen_phone == PHONE
    assert selectors.citizen_history(agent, phone=PHONE) == [case]  # found by the old hash meanwhile

    # Step 2: the command re-seals every value and re-hashes every look-up under the new keys.
    call_command("personal_data_rekey", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert raw_key_ids() == {new_id}

    # Step 3: the old keys removed: everything still reads and is still found.
    settings.PERSONAL_DATA_KEYS = [NEW_KEY]
    settings.PERSONAL_DATA_LOOKUP_KEYS = [NEW_LOOKUP_KEY]
    assert Case.objects.get(pk=case.pk).citizen_id_number == ID_NUMBER
    assert Visit.objects.get(pk=visit.pk).visitor_name == NAME
    assert call.__class__.objects.get(pk=call.pk).number == PHONE
    assert selectors.citizen_history(agent, phone=PHONE) == [case]
    assert selectors.citizen_history(agent, id_number=ID_NUMBER) == [case]


def test_removing_a_key_too_early_says_which_key_is_missing(people, settings):
    case, _visit, _call = people
    settings.PERSONAL_DATA_KEYS = [NEW_KEY]

    with pytest.raises(PersonalDataKeyError, match="No key in PERSONAL_DATA_KEYS"):
        Case.objects.get(pk=case.pk)


def test_rows_stored_in_plain_text_by_older_code_are_sealed_and_hashed(people, agent):
    case, _visit, _call = people
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE complaints_case SET citizen_phone = %s, citizen_name = %s, citizen_phone_lookup = '' "
            "WHERE id = %s",
            ["13900000001", "李四", case.pk],
        )
    table = next(item for item in personal_data_tables([Case]))

    assert reseal_table(connection, **table) == 1
    assert reseal_table(connection, **table) == 0  # nothing left to do
    case = Case.objects.get(pk=case.pk)
    assert (case.citizen_phone, case.citizen_name) == ("13900000001", "李四")
    assert selectors.citizen_history(agent, phone="13900000001") == [case]
    assert not any("13900000001" in value for _table, _column, value in every_text_value())


def test_a_row_changed_while_it_is_resealed_keeps_its_new_values(people, settings):
    """The re-keying runs while the app does: a case erased (or edited) between the batch's read and its
    write must not get the values read back."""
    case, _visit, _call = people
    table = next(item for item in personal_data_tables([Case]))
    settings.PERSONAL_DATA_KEYS = [NEW_KEY, *settings.PERSONAL_DATA_KEYS]
    with connection.cursor() as cursor:
        columns = (*table["columns"], *table["lookups"])
        cursor.execute(f"SELECT id, {', '.join(columns)} FROM complaints_case WHERE id = %s", [case.pk])
        row = cursor.fetchone()
    update = resealing._resealed(
        row, columns=table["columns"], hash_columns=tuple(table["lookups"]), lookups=table["lookups"]
    )
    Case.objects.filter(pk=case.pk).update(citizen_phone="", citizen_phone_lookup="", citizen_name="")

    with connection.cursor() as cursor:
        resealing._update_rows(cursor, connection, table="complaints_case", columns=columns, rows=[update])
        assert cursor.rowcount == 0

    erased = Case.objects.get(pk=case.pk)
    assert (erased.citizen_phone, erased.citizen_name, erased.citizen_phone_lookup) == ("", "", "")
