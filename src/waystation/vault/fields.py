"""Model field types for the three classes of data (docs/design.md §3).

- :class:`SealedTextField`, :class:`SealedJSONField`, :class:`SealedFileField`: personal
  data, sealed with the row's data key. Associated data binds each ciphertext to its
  table, row and field, so a ciphertext copied elsewhere does not open.
- :class:`BlindIndexField`: a keyed HMAC of a normalised identifier, for matching.

A model with sealed fields has a random primary key (it is part of the associated data
and must exist before the first save) and a foreign key to its :class:`DataKey`, named by
``key_field`` (default ``data_key``).

Values load lazily: a row read from the database holds ciphertext until a sealed
attribute is first read, so listing rows never decrypts and never needs keys. Sealed
fields refuse to take part in queries (``filter(name=...)``, ``update(name=...)``):
plaintext must never reach SQL.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.query_utils import DeferredAttribute

from waystation.durable import write_file_durably
from waystation.ids import random_id
from waystation.vault import blind, datakeys
from waystation.vault.blind import INDEX_LENGTH
from waystation.vault.primitives import Sealer


class SealedValueError(TypeError):
    pass


# The only lookups a sealed or indexed column takes part in. Django sends the right-hand
# side of pattern lookups (contains, startswith, iexact, regex...) to SQL without asking
# the field to prepare it, so ``filter(full_name__contains="Magomed")`` would put the
# name into the query (and into any query log) in clear. Refuse them by name instead.
_QUERYABLE_LOOKUPS = frozenset({"exact", "in", "isnull"})


class _RefusesPlaintextLookups:
    name: str

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name not in _QUERYABLE_LOOKUPS:
            raise SealedValueError(
                f"{self.name} cannot be searched with '{lookup_name}': its column holds "
                "ciphertext or digests; match identifiers through their blind index"
            )
        return super().get_lookup(lookup_name)  # type: ignore[misc]  # Field's, via the MRO

    def get_transform(self, lookup_name: str) -> Any:
        return None  # no function of a ciphertext or a digest means anything in SQL


@dataclass(frozen=True)
class Ciphertext:
    """A sealed value as stored; opaque without the keys."""

    data: bytes

    def __repr__(self) -> str:
        return f"<Ciphertext {len(self.data)} bytes>"


def associated_data(instance: models.Model, field_name: str) -> bytes:
    if instance.pk is None:
        raise SealedValueError("a sealed row needs its random primary key before saving")
    return f"{instance._meta.db_table}\x1f{instance.pk}\x1f{field_name}".encode()


def _sealer(instance: models.Model, key_field: str) -> Sealer:
    data_key_id = getattr(instance, f"{key_field}_id", None)
    if data_key_id is None:
        raise SealedValueError(f"{type(instance).__name__}.{key_field} is not set")
    return datakeys.sealer_for(str(data_key_id))


class _SealedDescriptor(DeferredAttribute):
    field: _SealedBinaryField

    def __get__(self, instance: models.Model | None, cls: Any = None) -> Any:
        if instance is None:
            return self
        value = super().__get__(instance, cls)
        if isinstance(value, Ciphertext):
            value = self.field.open_value(instance, value)
            instance.__dict__[self.field.attname] = value
        return value

    def __set__(self, instance: models.Model, value: Any) -> None:
        if value is not None and not isinstance(value, Ciphertext):
            self.field.check_plain_value(value)
        instance.__dict__[self.field.attname] = value


# type-arg: value types vary per subclass
# A Field stored as a binary column, not a BinaryField subclass: BinaryField defines
# get_placeholder (for MySQL and Oracle), and its mere presence turns off PostgreSQL's
# UNNEST bulk insert for the whole row. On SQLite and PostgreSQL the placeholder is %s.
class _SealedBinaryField(_RefusesPlaintextLookups, models.Field):  # type: ignore[type-arg]
    descriptor_class = _SealedDescriptor
    empty_values = [None, b""]

    def __init__(self, *args: Any, key_field: str = "data_key", **kwargs: Any) -> None:
        self.key_field = key_field
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("editable", False)  # never in a form: forms would see ciphertext
        super().__init__(*args, **kwargs)

    def get_internal_type(self) -> str:
        return "BinaryField"

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        if self.key_field != "data_key":
            kwargs["key_field"] = self.key_field
        kwargs.pop("editable", None)
        return name, path, args, kwargs

    # -- plaintext <-> bytes, per field type -------------------------------------------

    def check_plain_value(self, value: Any) -> None:
        raise NotImplementedError

    def to_bytes(self, value: Any) -> bytes:
        raise NotImplementedError

    def from_bytes(self, data: bytes) -> Any:
        raise NotImplementedError

    # -- sealing ------------------------------------------------------------------------

    def open_value(self, instance: models.Model, value: Ciphertext) -> Any:
        sealer = _sealer(instance, self.key_field)
        return self.from_bytes(sealer.open(value.data, associated_data(instance, self.name)))

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = model_instance.__dict__.get(self.attname)
        if value is None or isinstance(value, Ciphertext):
            return value
        sealer = _sealer(model_instance, self.key_field)
        return Ciphertext(
            sealer.seal(self.to_bytes(value), associated_data(model_instance, self.name))
        )

    def get_prep_value(self, value: Any) -> Any:
        if value is None or isinstance(value, Ciphertext):
            return value
        raise SealedValueError(
            f"{self.name} is sealed: it cannot be filtered or updated in a query; "
            "save the row through its service instead"
        )

    def get_db_prep_value(
        self, value: Any, connection: BaseDatabaseWrapper, prepared: bool = False
    ) -> Any:
        value = self.get_prep_value(value)
        if value is None:
            return None
        return connection.Database.Binary(value.data)  # type: ignore[attr-defined]  # set by every backend, absent from the stubs

    def from_db_value(self, value: Any, expression: Any, connection: BaseDatabaseWrapper) -> Any:
        return None if value is None else Ciphertext(bytes(value))

    def to_python(self, value: Any) -> Any:
        return value

    def value_from_object(self, obj: models.Model) -> Any:
        # Serialisers (dumpdata) read values through here: give them the stored form.
        # Through the descriptor they would open every row, and value_to_string below
        # would then find plaintext and write "" (a dump silently without the data).
        return obj.__dict__.get(self.attname)

    def value_to_string(self, obj: models.Model) -> str:
        # Serialisers (dumpdata) get ciphertext, never plaintext; a value opened in
        # memory is sealed again (as saving would) rather than dropped.
        raw = self.pre_save(obj, add=False)
        return raw.data.hex() if isinstance(raw, Ciphertext) else ""


class SealedTextField(_SealedBinaryField):
    description = "Text sealed with the row's data key"

    def __init__(self, *args: Any, max_length: int | None = None, **kwargs: Any) -> None:
        self.max_plain_length = max_length
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        if self.max_plain_length is not None:
            kwargs["max_length"] = self.max_plain_length
        return name, path, args, kwargs

    def check_plain_value(self, value: Any) -> None:
        if not isinstance(value, str):
            raise SealedValueError(f"{self.name} takes text, not {type(value).__name__}")
        if self.max_plain_length is not None and len(value) > self.max_plain_length:
            raise SealedValueError(f"{self.name} is limited to {self.max_plain_length} characters")

    def to_bytes(self, value: Any) -> bytes:
        return str(value).encode()

    def from_bytes(self, data: bytes) -> str:
        return data.decode()


class SealedJSONField(_SealedBinaryField):
    description = "JSON sealed with the row's data key"

    def check_plain_value(self, value: Any) -> None:
        try:
            json.dumps(value)
        except (TypeError, ValueError) as exc:
            raise SealedValueError(f"{self.name} takes JSON-serialisable data") from exc

    def to_bytes(self, value: Any) -> bytes:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()

    def from_bytes(self, data: bytes) -> Any:
        return json.loads(data)


# --- files ------------------------------------------------------------------------------


@dataclass
class SealedFileContent:
    """A file as the people using it see it. ``storage_name`` is set once it is stored."""

    name: str
    content_type: str
    data: bytes
    storage_name: str | None = None

    def __repr__(self) -> str:
        return f"<SealedFileContent {len(self.data)} bytes>"


@dataclass(frozen=True)
class StoredFile:
    storage_name: str


def sealed_files_root() -> Path:
    return Path(settings.MEDIA_ROOT) / "sealed"


class _SealedFileDescriptor(DeferredAttribute):
    field: SealedFileField

    def __get__(self, instance: models.Model | None, cls: Any = None) -> Any:
        if instance is None:
            return self
        value = super().__get__(instance, cls)
        if isinstance(value, StoredFile):
            value = self.field.open_file(instance, value.storage_name)
            instance.__dict__[self.field.attname] = value
        return value

    def __set__(self, instance: models.Model, value: Any) -> None:
        if value is not None and not isinstance(value, SealedFileContent | StoredFile):
            raise SealedValueError(f"{self.field.name} takes a SealedFileContent")
        instance.__dict__[self.field.attname] = value


# type-arg: holds file objects, not str
class SealedFileField(_RefusesPlaintextLookups, models.CharField):  # type: ignore[type-arg]
    """A file sealed with the row's data key, stored under a random name in the media
    folder. The column holds only that random name; the file's own name and type are
    sealed with its bytes. The file is on disk (fsynced) before the row is committed, so a
    committed row never points at a missing file."""

    descriptor_class = _SealedFileDescriptor
    description = "File sealed with the row's data key"

    def __init__(self, *args: Any, key_field: str = "data_key", **kwargs: Any) -> None:
        self.key_field = key_field
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        if self.key_field != "data_key":
            kwargs["key_field"] = self.key_field
        return name, path, args, kwargs

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = model_instance.__dict__.get(self.attname)
        if value is None:
            return None
        if isinstance(value, StoredFile):
            return value.storage_name
        assert isinstance(value, SealedFileContent)
        if value.storage_name is None:
            header = json.dumps({"name": value.name, "type": value.content_type}).encode()
            sealer = _sealer(model_instance, self.key_field)
            ciphertext = sealer.seal(
                header + b"\n" + value.data, associated_data(model_instance, self.name)
            )
            storage_name = f"{random_id()}{random_id()}.sealed"
            path = sealed_files_root() / storage_name[:2] / storage_name
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            write_file_durably(path, ciphertext)
            value.storage_name = storage_name
        return value.storage_name

    def get_prep_value(self, value: Any) -> Any:
        if value is None or isinstance(value, str):
            return value
        raise SealedValueError(f"{self.name} is sealed and cannot be used in a query")

    def from_db_value(self, value: Any, expression: Any, connection: BaseDatabaseWrapper) -> Any:
        return None if value is None else StoredFile(value)

    def to_python(self, value: Any) -> Any:
        return value

    def open_file(self, instance: models.Model, storage_name: str) -> SealedFileContent:
        if "/" in storage_name or storage_name.startswith("."):
            raise SealedValueError("invalid stored file name")
        ciphertext = (sealed_files_root() / storage_name[:2] / storage_name).read_bytes()
        sealer = _sealer(instance, self.key_field)
        plain = sealer.open(ciphertext, associated_data(instance, self.name))
        header, _, data = plain.partition(b"\n")
        meta = json.loads(header)
        return SealedFileContent(
            name=meta["name"], content_type=meta["type"], data=data, storage_name=storage_name
        )

    def value_to_string(self, obj: models.Model) -> str:
        raw = obj.__dict__.get(self.attname)
        if isinstance(raw, StoredFile):
            return raw.storage_name
        if isinstance(raw, SealedFileContent) and raw.storage_name:
            return raw.storage_name
        return ""


def delete_sealed_file(storage_name: str) -> None:
    if "/" in storage_name or storage_name.startswith("."):
        return
    (sealed_files_root() / storage_name[:2] / storage_name).unlink(missing_ok=True)


# --- blind indexes ------------------------------------------------------------------------

_DIGEST = re.compile(f"[0-9a-f]{{{INDEX_LENGTH}}}")


# type-arg: generic only in the stubs
class BlindIndexField(_RefusesPlaintextLookups, models.CharField):  # type: ignore[type-arg]
    """The keyed HMAC of another (sealed) field's value, normalised by ``kind``
    (phone, email, handle, birth_year). Computed on save from the plaintext the
    instance holds; kept as-is when that field was not changed or opened.

    ``region_from`` names a field of the same row holding a country code, read by
    :func:`blind.phone_region` for phone numbers typed without a country code."""

    description = "Blind index (keyed HMAC) of a sealed identifier"

    def __init__(
        self, *args: Any, source: str = "", kind: str = "", region_from: str = "", **kwargs: Any
    ) -> None:
        self.source = source
        self.kind = kind
        self.region_from = region_from
        kwargs["max_length"] = INDEX_LENGTH
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("db_index", True)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        kwargs["kind"] = self.kind
        if self.region_from:
            kwargs["region_from"] = self.region_from
        kwargs.pop("max_length", None)
        return name, path, args, kwargs

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        # filter(phone_index=phone) instead of filter(phone_index=blind_index(...)) would
        # send the identifier to SQL in clear; only digests are let through.
        if value is not None and not _DIGEST.fullmatch(value):
            raise SealedValueError(
                f"{self.name} holds keyed digests: compare it with blind.blind_index(...), "
                "never with the identifier itself"
            )
        return value

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        if self.source not in model_instance.__dict__:  # deferred: not loaded, not changed
            return model_instance.__dict__.get(self.attname)
        source_value = model_instance.__dict__[self.source]
        if isinstance(source_value, Ciphertext):
            return model_instance.__dict__.get(self.attname)
        region = (
            blind.phone_region(getattr(model_instance, self.region_from))
            if self.region_from
            else None
        )
        digest = blind.blind_index(self.kind, source_value, region=region) if source_value else None
        model_instance.__dict__[self.attname] = digest
        return digest
