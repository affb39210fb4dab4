"""Writing, checking and restoring backups (the format is in ``archive.py``).

Everything streams: the tar stream is written on a thread into a pipe that ``pyrage``
encrypts from, so a backup of a gigabyte never holds more than a few blocks in memory.
The database snapshot alone goes through a file first (tar needs each part's size up
front): a private folder in the data folder, beside the live database it copies, and
removed at once.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from importlib import metadata
from pathlib import Path
from typing import IO, Any

import pyrage
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.db.migrations.loader import MigrationLoader
from pyrage import x25519

from waystation.audit import services as audit
from waystation.backups import archive
from waystation.backups.archive import BackupError
from waystation.ids import random_id
from waystation.vault import age, datakeys, ledger

Progress = Callable[[str], None]


def _version() -> str:
    try:
        return metadata.version("waystation")
    except metadata.PackageNotFoundError:
        return "unknown"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _fsync_folder(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --- recipients -------------------------------------------------------------------


def configured_recipients() -> list[str]:
    """The operator's backup recipients: ``WAYSTATION_BACKUP_RECIPIENTS`` (comma-
    separated) and the lines of ``WAYSTATION_BACKUP_RECIPIENTS_FILE`` (``#`` comments)."""
    texts = [t for t in settings.WAYSTATION_BACKUP_RECIPIENTS.split(",") if t.strip()]
    path = Path(settings.WAYSTATION_BACKUP_RECIPIENTS_FILE)
    if path.is_file():
        texts += [
            line
            for line in path.read_text().splitlines()
            if line.strip() and not line.startswith("#")
        ]
    recipients: list[str] = []
    for text in texts:
        try:
            recipients.append(age.parse_recipient(text))
        except age.AgeError as exc:
            raise BackupError(f"a backup recipient is not usable: {exc}") from exc
    if not recipients:
        raise BackupError(
            f"no backup recipients: put one age public key (age1…) a line in {path}, or set "
            "WAYSTATION_BACKUP_RECIPIENTS (docs/operations.md#backups)"
        )
    return sorted(set(recipients))


def read_identities(path: Path) -> list[x25519.Identity]:
    """The private keys of an age identity file (``age-keygen`` output)."""
    try:
        lines = path.read_text().splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise BackupError(f"cannot read the identity file {path}") from exc
    identities = []
    for line in lines:
        if line.strip().startswith("AGE-SECRET-KEY-1"):
            try:
                identities.append(x25519.Identity.from_str(line.strip()))
            except (pyrage.IdentityError, ValueError) as exc:
                raise BackupError(f"the identity file {path} holds a malformed age key") from exc
    if not identities:
        raise BackupError(f"the identity file {path} holds no age private key (AGE-SECRET-KEY-1…)")
    return identities


# --- progress -------------------------------------------------------------------------


class _Meter:
    """Bytes done of a total, reported at most once a second: sizes only."""

    def __init__(self, what: str, total: int, report: Progress | None) -> None:
        self.what, self.total, self.report = what, total, report
        self.done = 0
        self._last = time.monotonic()

    def add(self, n: int) -> None:
        self.done += n
        now = time.monotonic()
        if self.report and now - self._last >= 1.0:
            self._last = now
            share = f" ({100 * self.done // self.total}%)" if self.total else ""
            self.report(f"{self.what}: {_mb(self.done)} of {_mb(self.total)}{share}")


def _mb(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB"


class _HashingReader:
    def __init__(self, stream: IO[bytes], meter: _Meter) -> None:
        self.stream, self.meter = stream, meter
        self.digest = hashlib.sha256()

    def read(self, n: int = -1) -> bytes:
        data = self.stream.read(n)
        self.digest.update(data)
        self.meter.add(len(data))
        return data


class _HashingWriter:
    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        view = memoryview(data)
        self.digest.update(view)
        self.size += len(view)
        while view:
            view = view[os.write(self.fd, view) :]
        return len(data)

    def flush(self) -> None:
        pass


# --- the database snapshot --------------------------------------------------------


def _vendor() -> str:
    if connection.vendor not in archive.DATABASE_NAMES:
        raise BackupError(f"backups support SQLite and PostgreSQL, not {connection.vendor}")
    return connection.vendor


def _pg_args() -> tuple[list[str], dict[str, str]]:
    conf = connection.settings_dict
    env = dict(os.environ)
    if conf.get("PASSWORD"):
        env["PGPASSWORD"] = str(conf["PASSWORD"])
    args = [
        f"--host={conf['HOST'] or '127.0.0.1'}",
        f"--port={conf['PORT'] or 5432}",
        f"--username={conf['USER']}",
    ]
    return args, env


def _pg_tool(name: str) -> str:
    """``pg_dump``/``pg_restore``, refused when older than the server (it would fail, or
    on restore silently leave out what it does not know)."""
    tool = shutil.which(name)
    if tool is None:
        raise BackupError(f"{name} is not installed: install the PostgreSQL client tools")
    out = subprocess.run(  # noqa: S603  (the PostgreSQL tool found on PATH, fixed arguments)
        [tool, "--version"], capture_output=True, text=True, check=False
    ).stdout
    found = re.search(r"\(PostgreSQL\)\s+(\d+)", out)
    tool_major = int(found.group(1)) if found else 0
    server_major = connection.pg_version // 10000  # type: ignore[attr-defined]
    if tool_major < server_major:
        raise BackupError(
            f"{name} {tool_major} is older than the PostgreSQL {server_major} server: "
            f"install the client tools of version {server_major} or later"
        )
    return tool


def _snapshot_database(folder: Path) -> tuple[Path, str]:
    vendor = _vendor()
    target = folder / archive.DATABASE_NAMES[vendor]
    connection.ensure_connection()
    if vendor == "sqlite":
        # SQLite's online backup API, on Django's own connection: a consistent copy even
        # while servers write, and no second descriptor of the live file in this process
        # (closing one would drop the process's POSIX locks on it).
        destination = sqlite3.connect(target)
        try:
            connection.connection.backup(destination)
        finally:
            destination.close()
        return target, f"sqlite {sqlite3.sqlite_version} online backup"
    tool = _pg_tool("pg_dump")
    args, env = _pg_args()
    done = subprocess.run(  # noqa: S603  (the PostgreSQL tool, arguments from settings)
        [
            tool,
            "--format=custom",
            f"--file={target}",
            *args,
            f"--dbname={connection.settings_dict['NAME']}",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if done.returncode != 0:
        raise BackupError(f"pg_dump failed: {done.stderr.strip()[-500:]}")
    return target, f"pg_dump {connection.pg_version // 10000} custom format"  # type: ignore[attr-defined]


def _applied_migrations() -> dict[str, list[str]]:
    rows = connection.cursor()
    rows.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    applied: dict[str, list[str]] = {}
    for app, name in rows.fetchall():
        applied.setdefault(app, []).append(name)
    return applied


def _media_files() -> list[tuple[str, Path]]:
    root = Path(settings.MEDIA_ROOT)
    if not root.is_dir():
        return []
    found = []
    for path in sorted(root.rglob("*")):
        # A ``.part`` file is an upload still being written: no committed row names it.
        if path.is_file() and not path.is_symlink() and not path.name.endswith(".part"):
            found.append((archive.MEDIA_PREFIX + str(path.relative_to(root)), path))
    return found


# --- create -----------------------------------------------------------------------


@dataclass
class Created:
    path: Path
    backup_id: str
    size: int
    sha256: str
    manifest: dict[str, Any] = field(repr=False)


@contextmanager
def _private_folder(prefix: str) -> Iterator[Path]:
    base = Path(settings.DATA_DIR)
    base.mkdir(parents=True, exist_ok=True, mode=0o700)
    folder = base / f".{prefix}-{random_id()}"
    folder.mkdir(mode=0o700)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def create_backup(out: Path, *, progress: Progress | None = None) -> Created:
    """Write the backup to ``out`` (refused if it exists) and ``out.check`` beside it."""
    out = out.resolve()
    if out.exists() or archive.check_path(out).exists():
        raise BackupError(f"{out} (or its .check file) exists already: choose a new name")
    if not out.parent.is_dir():
        raise BackupError(f"the folder {out.parent} does not exist")
    recipients = [x25519.Recipient.from_str(r) for r in configured_recipients()]
    keystore_path = Path(settings.WAYSTATION_KEYSTORE_PATH)
    if not keystore_path.is_file():
        raise BackupError(f"no key store at {keystore_path}: there is nothing to back up")
    with _private_folder("backup") as folder:
        # The key store before and after the dump: a rotation in between would leave the
        # dump's data keys under a KEK that neither copy holds. Then try again.
        for _attempt in range(3):
            before = keystore_path.read_bytes()
            database, tool = _snapshot_database(folder)
            keystore = keystore_path.read_bytes()
            if keystore == before:
                break
            database.unlink()
        else:
            raise BackupError(
                "the keys were rotated during each of three attempts: try again later"
            )
        migrations = _applied_migrations()
        # After the dump: a file is written before the row that names it, so every file
        # the dump names is on disk by now.
        media = _media_files()
        parts: list[tuple[str, Path | bytes]] = [
            (database.name, database),
            (archive.KEYSTORE_NAME, keystore),
            *media,
        ]
        backup_id = random_id()
        manifest: dict[str, Any] = {
            "format": archive.MANIFEST_FORMAT,
            "version": archive.MANIFEST_VERSION,
            "id": backup_id,
            "created_at": _now(),
            "waystation": _version(),
            "database": {"vendor": connection.vendor, "tool": tool},
            "migrations": migrations,
            "keystore": {"current_kek": json.loads(keystore)["current_kek"]},
            "media_files": len(media),
            "parts": [],
        }
        total = sum(p.stat().st_size if isinstance(p, Path) else len(p) for _n, p in parts)
        meter = _Meter("backup", total, progress)
        tmp = out.with_name(f".{out.name}.{random_id()}.partial")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            writer = _HashingWriter(fd)
            _encrypt_stream(
                lambda tar: _write_parts(tar, parts, manifest, meter), writer, recipients
            )
            os.fsync(fd)
        except BaseException:
            os.close(fd)
            tmp.unlink(missing_ok=True)
            raise
        os.close(fd)
    tmp.replace(out)
    _fsync_folder(out.parent)
    sha256 = writer.digest.hexdigest()
    check = {
        "format": archive.CHECK_FORMAT,
        "file": out.name,
        "bytes": writer.size,
        "sha256": sha256,
        "created_at": manifest["created_at"],
        "waystation": manifest["waystation"],
        "database": connection.vendor,
        "recipients": len(recipients),
    }
    from waystation.durable import write_file_durably

    write_file_durably(archive.check_path(out), (json.dumps(check, indent=1) + "\n").encode())
    _record_run(backup_id, manifest["created_at"], writer.size, sha256)
    if progress:
        progress(f"backup: {_mb(writer.size)} written")
    return Created(out, backup_id, writer.size, sha256, manifest)


def _write_parts(
    tar: tarfile.TarFile,
    parts: list[tuple[str, Path | bytes]],
    manifest: dict[str, Any],
    meter: _Meter,
) -> None:
    import io

    for name, source in parts:
        info = tarfile.TarInfo(name)
        info.mode, info.mtime = 0o600, 0
        if isinstance(source, bytes):
            info.size = len(source)
            stream: IO[bytes] = io.BytesIO(source)
        else:
            try:
                stream = source.open("rb")
            except FileNotFoundError:
                continue  # removed since it was listed (a shred): nothing names it now
            info.size = os.fstat(stream.fileno()).st_size
        with stream:
            reader = _HashingReader(stream, meter)
            tar.addfile(info, reader)
        manifest["parts"].append(
            {"name": name, "bytes": info.size, "sha256": reader.digest.hexdigest()}
        )
    data = (json.dumps(manifest, indent=1, sort_keys=True) + "\n").encode()
    info = tarfile.TarInfo(archive.MANIFEST_NAME)
    info.mode, info.mtime, info.size = 0o600, 0, len(data)
    tar.addfile(info, io.BytesIO(data))


def _encrypt_stream(
    fill: Callable[[tarfile.TarFile], None], writer: _HashingWriter, recipients: list[Any]
) -> None:
    """``fill`` writes a tar stream on a thread into a pipe; pyrage encrypts from it."""
    read_fd, write_fd = os.pipe()
    reader, pipe_writer = os.fdopen(read_fd, "rb"), os.fdopen(write_fd, "wb")
    failure: list[BaseException] = []

    def produce() -> None:
        try:
            with tarfile.open(fileobj=pipe_writer, mode="w|", format=tarfile.PAX_FORMAT) as tar:
                fill(tar)
        except BaseException as exc:  # reported by the main thread
            failure.append(exc)
        finally:
            with suppress(OSError):
                pipe_writer.close()

    thread = threading.Thread(target=produce, name="backup-tar", daemon=True)
    thread.start()
    try:
        pyrage.encrypt_io(reader, writer, recipients)
    except pyrage.EncryptError as exc:
        raise BackupError("the backup could not be encrypted") from exc
    finally:
        reader.close()
        thread.join()
    if failure:
        raise failure[0]


def _record_run(backup_id: str, at: str, size: int, sha256: str) -> None:
    """What administrators are shown (``selectors.last_backup``), and an audit entry."""
    line = json.dumps({"at": at, "id": backup_id, "bytes": size, "sha256": sha256}) + "\n"
    record = Path(settings.WAYSTATION_BACKUP_RECORD)
    record.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(record, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line.encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    audit.record(actor_id=None, action="backup.created", object_type="backup", object_id=backup_id)


# --- verify -----------------------------------------------------------------------


@dataclass
class Verified:
    structure: archive.Structure
    check_file: dict[str, Any] | None = None
    manifest: dict[str, Any] | None = None
    lines: list[str] = field(default_factory=list)


def verify_backup(
    path: Path,
    *,
    identities: list[x25519.Identity] | None = None,
    progress: Progress | None = None,
) -> Verified:
    """Without ``identities``: the age header and length, and the ``.check`` file's size
    and digest. With them: every byte decrypted (in memory, block by block, nothing
    written) and every part's digest against the manifest."""
    if not path.is_file():
        raise BackupError(f"{path} is not a file")
    size = path.stat().st_size
    with path.open("rb") as stream:
        structure = archive.read_structure(stream, size)
    result = Verified(structure)
    result.lines.append(
        f"age file, {size} bytes, encrypted to {structure.stanzas} recipient(s); header "
        "well-formed, length fits age's chunks"
    )
    check = archive.check_path(path)
    if check.is_file():
        try:
            doc = json.loads(check.read_text())
        except (ValueError, OSError) as exc:
            raise BackupError(f"{check} is not a backup check file") from exc
        # Every key read below, of its type (not an assert: python -O drops those).
        if not (
            isinstance(doc, dict)
            and doc.get("format") == archive.CHECK_FORMAT
            and isinstance(doc.get("bytes"), int)
            and all(
                isinstance(doc.get(k), str)
                for k in ("sha256", "created_at", "waystation", "database")
            )
        ):
            raise BackupError(f"{check} is not a backup check file")
        got_size, got_digest = archive.file_digest(path)
        if got_size != doc["bytes"] or got_digest != doc["sha256"]:
            raise BackupError(
                f"the backup does not match its check file: {got_size} bytes (expected "
                f"{doc['bytes']}), sha256 {got_digest[:16]}… "
                f"(expected {str(doc['sha256'])[:16]}…): "
                "the file is truncated, altered or not the one that was written"
            )
        result.check_file = doc
        result.lines.append(
            f"matches {check.name}: sha256 {got_digest}; written {doc['created_at']} by "
            f"Waystation {doc['waystation']} ({doc['database']})"
        )
    else:
        result.lines.append(
            f"no {check.name} beside it: a cut at an age chunk boundary or an altered byte is "
            "only found with --identity"
        )
    if identities is None:
        return result
    manifest = _read_archive(path, identities, staging=None, progress=progress)
    result.manifest = manifest
    result.lines.append(
        f"decrypted and authenticated; manifest v{manifest['version']} {manifest['id']}: "
        f"created {manifest['created_at']} by Waystation {manifest['waystation']}, "
        f"{manifest['database']['vendor']} database, {manifest['media_files']} sealed file(s), "
        f"{len(manifest['parts'])} part(s), every SHA-256 matches"
    )
    return result


def _read_archive(
    path: Path,
    identities: list[x25519.Identity],
    staging: Path | None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Decrypt ``path`` and read its tar stream; each part hashed, and written under
    ``staging`` when given. Returns the manifest once every digest matched."""
    with path.open("rb") as stream:
        structure = archive.read_structure(stream, path.stat().st_size)
    read_fd, write_fd = os.pipe()
    reader, pipe_writer = os.fdopen(read_fd, "rb"), os.fdopen(write_fd, "wb")
    seen: dict[str, tuple[int, str]] = {}
    manifest_bytes: list[bytes] = []
    failure: list[BaseException] = []
    meter = _Meter("decrypted", path.stat().st_size, progress)

    def consume() -> None:
        # age does not compress: the parts together are never larger than the encrypted
        # payload. A member that claims more is refused before a byte of it is written.
        budget = structure.payload
        try:
            with tarfile.open(fileobj=reader, mode="r|") as tar:
                for member in tar:
                    if not archive.safe_entry(member):
                        raise BackupError("the backup holds an unexpected entry: it is refused")
                    if member.name in seen:
                        raise BackupError("the backup holds a part twice: it is refused")
                    budget -= member.size
                    if budget < 0:
                        raise BackupError(
                            "the backup's parts claim more bytes than the file holds: it is refused"
                        )
                    source = tar.extractfile(member)
                    assert source is not None
                    digest = hashlib.sha256()
                    sink = None
                    if staging is not None and member.name != archive.MANIFEST_NAME:
                        target = staging / member.name
                        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                        sink = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                    try:
                        while block := source.read(archive.READ_BLOCK):
                            digest.update(block)
                            meter.add(len(block))
                            if member.name == archive.MANIFEST_NAME:
                                manifest_bytes.append(block)
                            elif sink is not None:
                                view = memoryview(block)
                                while view:
                                    view = view[os.write(sink, view) :]
                        if sink is not None:
                            os.fsync(sink)
                    finally:
                        if sink is not None:
                            os.close(sink)
                    seen[member.name] = (member.size, digest.hexdigest())
            while reader.read(archive.READ_BLOCK):
                pass  # let the decryption run to its end (and check the last tag)
        except BaseException as exc:
            failure.append(exc)
            while True:  # keep draining so that pyrage is not blocked on a full pipe
                try:
                    if not reader.read(archive.READ_BLOCK):
                        break
                except (OSError, ValueError):
                    break

    thread = threading.Thread(target=consume, name="backup-untar", daemon=True)
    thread.start()
    try:
        with path.open("rb") as stream:
            try:
                pyrage.decrypt_io(stream, pipe_writer, identities)
            except pyrage.DecryptError as exc:
                text = str(exc).lower()
                if "no matching keys" in text or "identity" in text:
                    raise BackupError(
                        "this backup was not encrypted to the given key (wrong --identity)"
                    ) from exc
                raise BackupError(
                    "the backup does not decrypt: it is truncated or was altered "
                    "(age's authentication failed)"
                ) from exc
            except OSError as exc:  # pyrage's stream error: a chunk failed to authenticate
                raise BackupError(
                    "the backup does not decrypt: it is truncated or was altered "
                    "(age's authentication failed)"
                ) from exc
    finally:
        with suppress(OSError):
            pipe_writer.close()
        thread.join()
        reader.close()
    if failure:
        first = failure[0]
        if isinstance(first, BackupError):
            raise first
        raise BackupError(
            f"the backup's contents are malformed ({type(first).__name__})"
        ) from first
    try:
        manifest = archive.check_manifest(json.loads(b"".join(manifest_bytes)))
    except ValueError as exc:
        raise BackupError("the backup has no readable manifest: it is refused") from exc
    listed = {p["name"]: (p["bytes"], p["sha256"]) for p in manifest["parts"]}
    seen.pop(archive.MANIFEST_NAME, None)
    if listed != seen:
        raise BackupError("the backup's parts do not match its manifest: it is refused")
    return dict(manifest)


# --- restore ----------------------------------------------------------------------


@dataclass
class Restored:
    manifest: dict[str, Any]
    ledger_entries: int
    reapplied: list[str]
    rotation_owed: bool


def installation_contents() -> list[str]:
    """What makes this installation non-empty (nothing: it may be restored into)."""
    found: list[str] = []
    keystore = Path(settings.WAYSTATION_KEYSTORE_PATH)
    if keystore.exists():
        found.append(f"a key store at {keystore}")
    if _media_files():
        found.append(f"sealed files under {settings.MEDIA_ROOT}")
    tables = set(connection.introspection.table_names())
    if connection.vendor == "postgresql" and tables:
        # pg_restore --clean drops what the dump holds, not what a newer `migrate` added:
        # a database migrated before the restore could end half old, half new.
        found.append(f"{len(tables)} table(s) in the database (restore before `migrate`)")
    for label in ("vault.DataKey", "audit.AuditEntry", "cases.Case", "intake.HelpRequest"):
        model = apps.get_model(label)
        if model._meta.db_table in tables and model.objects.exists():
            found.append(f"rows in {model._meta.db_table}")
    user = get_user_model()
    if user._meta.db_table in tables and user.objects.exists():
        found.append("staff accounts")
    return found


def restore_backup(
    path: Path,
    *,
    identities: list[x25519.Identity],
    ledger_path: Path | None,
    progress: Progress | None = None,
) -> Restored:
    """Restore into an empty installation, then shred again what the ledger lists."""
    before = installation_contents()
    if before:
        raise BackupError(
            "this installation is not empty (" + "; ".join(before) + "): a restore goes only "
            "into a new installation, and nothing was changed"
        )
    entries = ledger.read(ledger_path) if ledger_path is not None else []
    vendor = _vendor()
    with _private_folder("restore") as staging:
        if progress:
            progress("restore: decrypting and checking every part")
        manifest = _read_archive(path, identities, staging, progress)
        if manifest["database"]["vendor"] != vendor:
            raise BackupError(
                f"this is a backup of a {manifest['database']['vendor']} database; this "
                f"installation uses {vendor}: nothing was changed"
            )
        _check_migrations(manifest)
        if installation_contents():
            raise BackupError("the installation changed during the restore: nothing was changed")
        if progress:
            progress("restore: the database")
        _restore_database(staging / archive.DATABASE_NAMES[vendor], vendor)
        try:
            _restore_files(staging, manifest)
        except Exception as exc:
            raise _half_restored(exc) from exc
    try:
        call_command("migrate", verbosity=0, interactive=False)
        # On PostgreSQL the public role's insert-rule functions, triggers and grants were
        # left out of the dump's list (restore_list): made again from this version's code.
        from waystation.intake import public_role

        public_role.apply(connection)
        reapplied = _reapply(entries)
    except Exception as exc:
        raise _half_restored(exc) from exc
    return Restored(manifest, len(entries), reapplied, rotation_owed=bool(reapplied))


def _half_restored(exc: BaseException) -> BackupError:
    """Past the database, a failure leaves an installation that is neither empty nor
    whole (and whose shreds may not all be re-applied): it must never be unsealed, and a
    second restore refuses it. The only way on is to start again from empty."""
    why = str(exc) if isinstance(exc, BackupError) else type(exc).__name__
    return BackupError(
        f"the restore failed after the database was written ({why}): this installation "
        "is half restored. Do not unseal it. Empty it (drop and create the database again, "
        "remove the key store and the sealed files), fix the cause, and run the restore "
        "again (docs/operations.md#restore)"
    )


def _restore_files(staging: Path, manifest: dict[str, Any]) -> None:
    keystore = Path(settings.WAYSTATION_KEYSTORE_PATH)
    keystore.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    from waystation.durable import write_file_durably

    write_file_durably(keystore, (staging / archive.KEYSTORE_NAME).read_bytes())
    media_root = Path(settings.MEDIA_ROOT)
    for part in manifest["parts"]:
        if part["name"].startswith(archive.MEDIA_PREFIX):
            relative = part["name"][len(archive.MEDIA_PREFIX) :]
            target = media_root / relative
            target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            (staging / part["name"]).replace(target)
    for folder in {
        (media_root / p["name"][len(archive.MEDIA_PREFIX) :]).parent
        for p in manifest["parts"]
        if p["name"].startswith(archive.MEDIA_PREFIX)
    }:
        _fsync_folder(folder)


def _check_migrations(manifest: dict[str, Any]) -> None:
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    unknown = [
        f"{app}.{name}"
        for app, names in manifest["migrations"].items()
        for name in names
        if (app, name) not in known
    ]
    if unknown:
        raise BackupError(
            f"this backup was made by a newer Waystation (migrations this version lacks, "
            f"such as {unknown[0]}): install that version first; nothing was changed"
        )


def _restore_database(staged: Path, vendor: str) -> None:
    if vendor == "sqlite":
        check_sqlite_snapshot(staged)
        # Page by page into Django's own connection (never a second descriptor of the
        # live file in this process); the copy replaces the whole database.
        connection.ensure_connection()
        source = sqlite3.connect(staged)
        try:
            source.backup(connection.connection)
        finally:
            source.close()
        connection.close()
        return
    tool = _pg_tool("pg_restore")
    args, env = _pg_args()
    listing = staged.with_name("restore-list")
    listing.write_text(restore_list(tool, staged))
    connection.close()
    done = subprocess.run(  # noqa: S603  (the PostgreSQL tool, arguments from settings)
        [
            tool,
            "--no-owner",
            "--no-privileges",
            "--clean",
            "--if-exists",
            "--single-transaction",
            "--exit-on-error",
            f"--use-list={listing}",
            *args,
            f"--dbname={connection.settings_dict['NAME']}",
            str(staged),
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed, and rolled back: {done.stderr.strip()[-500:]}")


def check_sqlite_snapshot(staged: Path) -> None:
    """A SQLite file whose schema is tables and indexes only, as Waystation's migrations
    make it: a trigger or a view in a crafted file would be SQL that every later write
    or read runs (an audit entry quietly deleted, a row copied elsewhere)."""
    try:
        source = sqlite3.connect(f"file:{staged}?mode=ro", uri=True)
        try:
            kinds = {kind for (kind,) in source.execute("SELECT DISTINCT type FROM sqlite_master")}
        finally:
            source.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(
            "the backup's database part is not a SQLite database: it is refused"
        ) from exc
    unexpected = sorted(kinds - {"table", "index"})
    if unexpected:
        raise BackupError(
            f"the backup's database holds a {unexpected[0]}, which Waystation never makes: "
            "it is refused, and nothing was changed"
        )


# What a Waystation dump holds (`pg_restore --list`): tables, their data, sequences,
# constraints, indexes. A FUNCTION, TRIGGER or ACL is the public role's (made again from
# the code after the restore, never taken from the file: a function is code that would
# run in every later session). Anything else (an EXTENSION, a VIEW, a RULE, an EVENT
# TRIGGER, a PROCEDURE...) is not something Waystation's migrations make: refused.
_PG_RESTORED = frozenset(
    {
        "TABLE",
        "TABLE DATA",
        "SEQUENCE",
        "SEQUENCE SET",
        "SEQUENCE OWNED BY",
        "DEFAULT",
        "CONSTRAINT",
        "FK CONSTRAINT",
        "INDEX",
    }
)
_PG_REMADE = frozenset({"FUNCTION", "TRIGGER", "ACL"})
_PG_ENTRY = re.compile(r"^(\d+); (\d+) (\d+) (?P<rest>.*)$")


def restore_list(tool: str, dump: Path) -> str:
    """The dump's table of contents, cut to what a restore may run (``--use-list``).
    Raises :class:`BackupError` for an entry of a kind Waystation never makes."""
    done = subprocess.run(  # noqa: S603  (the PostgreSQL tool, a staged file)
        [tool, "--list", str(dump)], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise BackupError("the backup's database part is not a pg_dump archive: it is refused")
    kept: list[str] = []
    for line in done.stdout.splitlines():
        if not line.strip() or line.startswith(";"):
            continue
        entry = _PG_ENTRY.match(line)
        if entry is None:
            raise BackupError("the backup's database part has an unreadable entry: it is refused")
        rest = entry.group("rest")
        kind = next(
            (
                k
                for k in sorted(_PG_RESTORED | _PG_REMADE, key=len, reverse=True)
                if rest.startswith(k + " ")
            ),
            None,
        )
        if kind is None:
            raise BackupError(
                f"the backup's database holds a {rest.split(' ')[0]} entry, which Waystation "
                "never makes: it is refused, and nothing was changed"
            )
        if kind in _PG_RESTORED:
            kept.append(line)
    return "\n".join(kept) + "\n"


def _reapply(entries: list[ledger.LedgerEntry]) -> list[str]:
    """Every ledger entry whose case or request the restored database still holds
    unshredded: shredded again (sealed; the KEK rotation is then owed)."""
    from waystation.accounts.services import forget_devices_sealed_under
    from waystation.cases.models import Case
    from waystation.cases.services.shredding import shred_case
    from waystation.intake import screening
    from waystation.intake.models import HelpRequest
    from waystation.vault import services as vault_services
    from waystation.vault.models import DataKey

    done: list[str] = []
    with ledger.replaying_sealed():
        for entry in entries:
            try:
                if entry.kind == "case":
                    case = Case.objects.filter(pk=entry.object_id).first()
                    if (
                        case is None
                        or not DataKey.objects.filter(
                            pk=case.data_key_id, wrapped__isnull=False
                        ).exists()
                    ):
                        continue
                    shred_case(actor_id=None, case=case)
                    done.append(f"case {entry.object_id}")
                elif entry.kind == "key":
                    # A reset second factor: its device goes with the key, so the old
                    # phone's codes are refused rather than failing to open.
                    if DataKey.objects.filter(pk=entry.object_id, wrapped__isnull=False).exists():
                        with transaction.atomic():
                            forget_devices_sealed_under(entry.object_id)
                            datakeys.destroy_data_key(entry.object_id)
                        done.append(f"key {entry.object_id}")
                elif HelpRequest.objects.filter(pk=entry.object_id).exists():
                    with transaction.atomic():
                        erased = screening.erase_request(request_id=entry.object_id)
                        key = erased.data_key_id
                        if (
                            key
                            and not Case.objects.filter(data_key_id=key).exists()
                            and DataKey.objects.filter(pk=key, wrapped__isnull=False).exists()
                        ):
                            vault_services.shred_data_key(actor_id=None, data_key_id=key)
                        transaction.on_commit(
                            partial(screening.remove_files, list(erased.storage_names))
                        )
                    done.append(f"request {entry.object_id}")
            except DatabaseError as exc:
                raise BackupError(
                    f"re-applying the shred of {entry.kind} {entry.object_id} failed "
                    f"({type(exc).__name__}): run the restore's shreds again before unsealing"
                ) from exc
    return done
