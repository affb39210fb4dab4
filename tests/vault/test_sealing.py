"""Sealed fields (docs/design.md §3): a ciphertext opens only with its own key, in its own table,
row and field, and unaltered; plaintext never takes part in a query."""

from __future__ import annotations

import json

import pytest
from django.core import serializers
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.vault.seeding import open_case, reopen_vault, seed_case
from waystation.cases.models import Case, CaseDocument
from waystation.vault import blind, datakeys
from waystation.vault.datakeys import DataKeyShredded
from waystation.vault.fields import (
    Ciphertext,
    SealedFileContent,
    SealedValueError,
    StoredFile,
    associated_data,
    sealed_files_root,
)
from waystation.vault.keyservice import VaultSealed
from waystation.vault.models import DataKey
from waystation.vault.primitives import OpenFailed, Sealer, new_key

pytestmark = pytest.mark.django_db

# Examples share the test's vault: they only seal and open, never change keys.
PROPERTY = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
# Through the database (and, for files, the disk): fewer, slower examples.
STORED_PROPERTY = settings(PROPERTY, max_examples=40)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=20,
)


def _raw(case: Case, field: str) -> bytes:
    value = Case.objects.filter(pk=case.pk).values_list(field, flat=True).get()
    assert isinstance(value, Ciphertext)
    return value.data


def _store_raw(case: Case, field: str, data: bytes) -> None:
    Case.objects.filter(pk=case.pk).update(**{field: Ciphertext(data)})


def _reload(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


# --- round trips ------------------------------------------------------------------------


def test_sealed_fields_round_trip_through_the_database():
    case, document, markers = seed_case()

    again = _reload(case)
    assert again.full_name == f"{markers.latin_name} / {markers.cyrillic_name}"
    assert again.phone == markers.phone_typed
    assert again.contacts["city"] == markers.city
    stored = CaseDocument.objects.get(pk=document.pk).file
    assert (stored.name, stored.content_type, stored.data) == (
        markers.file_name,
        "application/pdf",
        markers.file_contents,
    )


def test_rows_load_as_ciphertext_and_listing_needs_no_keys(vault):
    """Values open lazily: listing cases never decrypts, so it works while sealed, and
    reading a sealed value then fails closed."""
    case = open_case(full_name="Lazy Loader")
    vault.seal()

    listed = list(Case.objects.all())

    assert [c.pk for c in listed] == [case.pk]
    assert isinstance(listed[0].__dict__["full_name"], Ciphertext)
    with pytest.raises(VaultSealed):
        _ = listed[0].full_name


@STORED_PROPERTY
@given(text=st.text(max_size=2000))
def test_any_text_round_trips(text):
    case = open_case()
    case.narrative = text
    case.save()
    assert _reload(case).narrative == text


@STORED_PROPERTY
@given(value=json_values)
def test_any_json_round_trips(value):
    case = open_case()
    case.contacts = value
    case.save()
    assert _reload(case).contacts == value


@STORED_PROPERTY
@given(data=st.binary(max_size=4096), name=st.text(max_size=200))
def test_any_file_round_trips(data, name):
    case = open_case()
    document = CaseDocument(case=case, data_key_id=case.data_key_id)
    document.file = SealedFileContent(name=name, content_type="application/octet-stream", data=data)
    document.save(force_insert=True)

    stored = CaseDocument.objects.get(pk=document.pk).file
    assert (stored.name, stored.data) == (name, data)


@PROPERTY
@given(plaintext=st.binary(max_size=4096), context=st.binary(max_size=200))
def test_any_bytes_round_trip_and_ciphertexts_differ(plaintext, context):
    sealer = Sealer(new_key())
    first, second = sealer.seal(plaintext, context), sealer.seal(plaintext, context)

    assert sealer.open(first, context) == plaintext
    assert first != second, "a fresh nonce for every seal"


# --- tampering ------------------------------------------------------------------------------


@PROPERTY
@given(
    plaintext=st.binary(max_size=512),
    data=st.data(),
)
def test_any_single_byte_change_fails_to_open(plaintext, data):
    sealer = Sealer(new_key())
    ciphertext = bytearray(sealer.seal(plaintext, b"context"))
    position = data.draw(st.integers(0, len(ciphertext) - 1), label="position")
    ciphertext[position] ^= data.draw(st.integers(1, 255), label="xor")

    with pytest.raises(OpenFailed):
        sealer.open(bytes(ciphertext), b"context")


def test_a_tampered_byte_in_a_stored_field_fails_to_open(vault, tmp_path):
    case = open_case(full_name="Tamper Target")
    raw = bytearray(_raw(case, "full_name"))
    raw[len(raw) // 2] ^= 0x01
    _store_raw(case, "full_name", bytes(raw))
    reopen_vault(vault, tmp_path)

    with pytest.raises(OpenFailed):
        _ = _reload(case).full_name


def test_a_truncated_stored_field_fails_to_open():
    case = open_case(full_name="Truncated")
    _store_raw(case, "full_name", _raw(case, "full_name")[:20])

    with pytest.raises(OpenFailed):
        _ = _reload(case).full_name


def test_a_tampered_sealed_file_fails_to_open():
    _case, document, _markers = seed_case()
    name = document.file.storage_name
    path = sealed_files_root() / name[:2] / name
    raw = bytearray(path.read_bytes())
    raw[-1] ^= 0x80
    path.write_bytes(bytes(raw))

    with pytest.raises(OpenFailed):
        _ = CaseDocument.objects.get(pk=document.pk).file


# --- ciphertexts are bound to their key, table, row and field -------------------------------


def test_ciphertext_moved_to_another_field_of_the_same_row_fails_to_open():
    case = open_case(full_name="Field Mover", narrative="a different story")
    _store_raw(case, "narrative", _raw(case, "full_name"))

    again = _reload(case)
    assert again.full_name == "Field Mover"
    with pytest.raises(OpenFailed):
        _ = again.narrative


def test_ciphertext_moved_to_another_case_fails_to_open():
    first, second = open_case(full_name="First Person"), open_case(full_name="Second Person")
    _store_raw(second, "full_name", _raw(first, "full_name"))

    with pytest.raises(OpenFailed):
        _ = _reload(second).full_name


def test_ciphertext_sealed_for_another_row_fails_even_under_the_same_key():
    """Only the associated data differs here (same data key): the row binding alone
    must stop it."""
    first, second = open_case(), open_case()
    second_key = datakeys.sealer_for(second.data_key_id)
    meant_for_first = second_key.seal(b"Swapped Name", associated_data(first, "full_name"))
    _store_raw(second, "full_name", meant_for_first)

    with pytest.raises(OpenFailed):
        _ = _reload(second).full_name


def test_ciphertext_sealed_for_another_table_fails_to_open():
    sealer = Sealer(new_key())
    case_row, document_row = Case(id="samepk0000000000"), CaseDocument(id="samepk0000000000")
    sealed = sealer.seal(b"value", associated_data(case_row, "file"))

    assert associated_data(case_row, "file") != associated_data(document_row, "file")
    with pytest.raises(OpenFailed):
        sealer.open(sealed, associated_data(document_row, "file"))


def test_sealed_files_swapped_between_rows_fail_to_open():
    """Two documents of one case share its data key; their files still cannot be
    exchanged, because each is bound to its own row."""
    case, first, _markers = seed_case()
    second = CaseDocument(case=case, data_key_id=case.data_key_id)
    second.file = SealedFileContent(name="other.pdf", content_type="application/pdf", data=b"x")
    second.save(force_insert=True)
    CaseDocument.objects.filter(pk=second.pk).update(file=first.file.storage_name)

    with pytest.raises(OpenFailed):
        _ = CaseDocument.objects.get(pk=second.pk).file


def test_a_stored_file_name_cannot_leave_the_sealed_folder():
    _case, document, _markers = seed_case()
    CaseDocument.objects.filter(pk=document.pk).update(file="../../keys/keystore.json")

    with pytest.raises(SealedValueError):
        _ = CaseDocument.objects.get(pk=document.pk).file


def test_wrapped_data_key_moved_to_another_row_fails_to_open(vault, tmp_path):
    first, second = open_case(full_name="First"), open_case(full_name="Second")
    wrapped = DataKey.objects.filter(pk=first.data_key_id).values_list("wrapped", flat=True).get()
    DataKey.objects.filter(pk=second.data_key_id).update(wrapped=wrapped)
    reopen_vault(vault, tmp_path)  # no data key cached from before

    assert _reload(first).full_name == "First"
    with pytest.raises(DataKeyShredded, match="does not open"):
        _ = _reload(second).full_name


def test_storage_name_and_file_bytes_carry_nothing_of_the_file():
    _case, document, markers = seed_case()
    name = document.file.storage_name
    on_disk = (sealed_files_root() / name[:2] / name).read_bytes()

    assert markers.token not in name and markers.cyr not in name
    assert markers.file_contents not in on_disk
    assert markers.file_name.encode() not in on_disk


# --- plaintext never reaches SQL ------------------------------------------------------------

SECRET = "Magomed Secretname"


@pytest.mark.parametrize(
    "lookup",
    [
        "full_name",
        "full_name__exact",
        "full_name__iexact",
        "full_name__contains",
        "full_name__icontains",
        "full_name__startswith",
        "full_name__istartswith",
        "full_name__endswith",
        "full_name__iendswith",
        "full_name__regex",
        "full_name__iregex",
        "full_name__gt",
        "full_name__lte",
        "narrative__contains",
        "contacts__contains",
        "phone_index",
        "phone_index__contains",
        "phone_index__startswith",
    ],
)
def test_sealed_and_indexed_fields_refuse_plaintext_in_filters(lookup):
    open_case(full_name=SECRET)
    with CaptureQueriesContext(connection) as queries:
        with pytest.raises(SealedValueError):
            list(Case.objects.filter(**{lookup: SECRET}))
        with pytest.raises(SealedValueError):
            list(Case.objects.exclude(**{lookup: SECRET}))

    assert not any(SECRET in q["sql"] for q in queries.captured_queries)


@pytest.mark.parametrize("lookup", ["full_name__in", "phone_index__in", "full_name__range"])
def test_sealed_and_indexed_fields_refuse_plaintext_in_list_lookups(lookup):
    with pytest.raises(SealedValueError):
        list(Case.objects.filter(**{lookup: [SECRET, SECRET]}))


@pytest.mark.parametrize("lookup", ["file", "file__contains", "file__icontains", "file__regex"])
def test_sealed_file_field_refuses_plaintext_in_filters(lookup):
    with pytest.raises(SealedValueError):
        list(CaseDocument.objects.filter(**{lookup: SealedFileContent("a", "b", b"c")}))
    if lookup != "file":  # the column holds only the random storage name
        with pytest.raises(SealedValueError):
            list(CaseDocument.objects.filter(**{lookup: "passport"}))


@pytest.mark.parametrize("field", ["full_name", "narrative", "phone", "contacts"])
def test_sealed_fields_refuse_plaintext_in_update(field):
    case = open_case(full_name="Before")
    with (
        CaptureQueriesContext(connection) as queries,
        pytest.raises(SealedValueError),
        transaction.atomic(),  # the refusal rolls back what it was part of
    ):
        Case.objects.filter(pk=case.pk).update(**{field: SECRET})

    assert not any(SECRET in q["sql"] for q in queries.captured_queries)
    assert _reload(case).full_name == "Before"


def test_sealed_fields_refuse_plaintext_in_get_or_create():
    with pytest.raises(SealedValueError):
        Case.objects.get_or_create(full_name=SECRET)


def test_sealed_fields_still_take_part_in_the_queries_that_reveal_nothing():
    case = open_case(full_name=SECRET, phone="+7 999 123 45 67")
    digest = blind.blind_index("phone", "+79991234567")

    assert list(Case.objects.filter(phone_index=digest)) == [case]
    assert list(Case.objects.filter(phone_index__in=[digest])) == [case]
    assert Case.objects.filter(closed_at__isnull=True, full_name__isnull=False).count() == 1
    stored = CaseDocument.objects.filter(file__isnull=True)
    assert stored.count() == 0


def test_sealed_fields_check_plaintext_type_and_length():
    case = open_case()
    with pytest.raises(SealedValueError):
        case.full_name = 12345
    with pytest.raises(SealedValueError):
        case.full_name = "x" * 301
    with pytest.raises(SealedValueError):
        case.contacts = {"not json": object()}


def test_a_sealed_row_needs_its_data_key_to_be_saved():
    case = Case(channel="phone")
    case.full_name = "No Key Yet"
    with pytest.raises(SealedValueError), transaction.atomic():
        case.save(force_insert=True)
    assert not Case.objects.exists()


def test_dumpdata_writes_the_ciphertext_without_opening_it(vault):
    """Serialising (what `dumpdata` does) gives each sealed value as its stored
    ciphertext, needs no keys, and never writes plaintext (regression: every value was
    opened and then written as "", a dump silently without its data)."""
    case = open_case(full_name=SECRET)
    vault.seal()

    dumped = json.loads(serializers.serialize("json", Case.objects.all()))[0]["fields"]

    assert SECRET not in json.dumps(dumped)
    assert bytes.fromhex(dumped["full_name"]) == _raw(case, "full_name")
    assert bytes.fromhex(dumped["narrative"]) == _raw(case, "narrative")


def test_dumpdata_seals_again_a_value_opened_in_memory():
    case = open_case(full_name=SECRET)
    opened = Case.objects.get(pk=case.pk)
    assert opened.full_name == SECRET

    dumped = json.loads(serializers.serialize("json", [opened]))[0]["fields"]["full_name"]

    assert SECRET not in dumped
    again = datakeys.sealer_for(case.data_key_id)
    assert again.open(bytes.fromhex(dumped), associated_data(case, "full_name")) == SECRET.encode()


def test_stored_file_column_holds_only_a_random_name():
    _case, document, markers = seed_case()
    column = CaseDocument.objects.filter(pk=document.pk).values_list("file", flat=True).get()

    assert isinstance(column, StoredFile)
    assert column.storage_name.endswith(".sealed")
    assert markers.token not in column.storage_name
