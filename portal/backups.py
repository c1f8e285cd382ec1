"""Backups of the portal: the database and the uploaded files in one archive, and back.

An archive (``portal-YYYYmmdd-HHMMSS.tar.gz``) holds

- ``manifest.json``: when, which engine, the latest applied migration per app, the row count of
  every table and the SHA-256 of every media file, so that a restore can prove it is complete;
- the database: ``database.dump`` (``pg_dump --format=custom``) on PostgreSQL,
  ``database.sqlite3`` (a copy made with SQLite's online backup API, consistent even while the
  portal writes) on SQLite;
- ``media/…``: every file under ``MEDIA_ROOT`` (vouchers, documents, certificates).

The manifest describes exactly what the dump holds: on PostgreSQL the rows are counted inside
a repeatable-read transaction whose snapshot ``pg_dump --snapshot`` then dumps; on SQLite they
are counted in the copy itself.

The management commands ``backup`` and ``restore`` only read options and print; the work is
here.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

MANIFEST_NAME = "manifest.json"
POSTGRES_DUMP_NAME = "database.dump"
SQLITE_COPY_NAME = "database.sqlite3"
MEDIA_PREFIX = "media"
MANIFEST_FORMAT = 1
HASH_CHUNK = 1024 * 1024  # read media files 1 MiB at a time: vouchers can be large scans
SUPPORTED_VENDORS = ("postgresql", "sqlite")


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is meant for the operator."""


@dataclass
class RestoreReport:
    """What a restore found when it compared the restored state with the manifest."""

    row_differences: list[tuple[str, int | None, int | None]] = field(default_factory=list)
    file_differences: list[tuple[str, str, str | None]] = field(default_factory=list)
    tables_checked: int = 0
    files_checked: int = 0

    @property
    def ok(self) -> bool:
        return not self.row_differences and not self.file_differences


# --- shared helpers -----------------------------------------------------------------------


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def media_files(media_root: Path) -> list[tuple[str, Path]]:
    """Every regular file under MEDIA_ROOT as (POSIX path relative to the root, path)."""
    if not media_root.is_dir():
        return []
    found = []
    for path in sorted(media_root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            found.append((path.relative_to(media_root).as_posix(), path))
    return found


def media_checksums(media_root: Path) -> dict[str, str]:
    return {name: file_sha256(path) for name, path in media_files(media_root)}


def _row_counts(cursor, tables: Iterable[str], quote) -> dict[str, int]:
    counts = {}
    for table in sorted(tables):
        # The table names come from the database's own catalogue, quoted by the backend.
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608
        counts[table] = cursor.fetchone()[0]
    return counts


def _latest_migrations(cursor, tables: Iterable[str]) -> dict[str, str]:
    """The latest applied migration per app, in the order they were applied."""
    if "django_migrations" not in tables:  # a database never migrated
        return {}
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY applied, id")
    latest: dict[str, str] = {}
    for app, name in cursor.fetchall():
        latest[app] = name
    return dict(sorted(latest.items()))


def _vendor(alias: str) -> str:
    vendor = connections[alias].vendor
    if vendor not in SUPPORTED_VENDORS:
        raise BackupError(f"Backups support PostgreSQL and SQLite, not {vendor}.")
    return vendor


def _manifest(
    *, vendor: str, created: datetime.datetime, migrations, rows, media
) -> dict[str, object]:
    return {
        "format": MANIFEST_FORMAT,
        "created": created.isoformat(),
        "engine": vendor,
        "database": POSTGRES_DUMP_NAME if vendor == "postgresql" else SQLITE_COPY_NAME,
        "migrations": migrations,
        "row_counts": rows,
        "media": media,
    }


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes, mtime: float) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(mtime)
    info.mode = 0o600
    archive.addfile(info, io.BytesIO(data))


# --- PostgreSQL ---------------------------------------------------------------------------


def _pg_command(alias: str, program: str) -> tuple[list[str], dict[str, str]]:
    """The client program's connection arguments and environment for DATABASES[alias]."""
    executable = shutil.which(program)
    if executable is None:
        raise BackupError(
            f"{program} is not installed: it comes with the PostgreSQL client tools "
            "(apt-get install postgresql-client)."
        )
    params = connections[alias].settings_dict
    arguments = [executable, "--no-password"]
    if params.get("HOST"):
        arguments += ["--host", str(params["HOST"])]
    if params.get("PORT"):
        arguments += ["--port", str(params["PORT"])]
    if params.get("USER"):
        arguments += ["--username", str(params["USER"])]
    arguments += ["--dbname", str(params["NAME"])]
    environment = dict(os.environ)
    # The password travels in the environment, never on a command line others can see.
    environment.pop("PGPASSWORD", None)
    if params.get("PASSWORD"):
        environment["PGPASSWORD"] = str(params["PASSWORD"])
    if sslmode := (params.get("OPTIONS") or {}).get("sslmode"):
        environment["PGSSLMODE"] = str(sslmode)
    return arguments, environment


def _run(arguments: list[str], environment: dict[str, str]) -> None:
    result = subprocess.run(  # noqa: S603 - fixed program, arguments from settings
        arguments, env=environment, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        program = Path(arguments[0]).name
        raise BackupError(f"{program} failed ({result.returncode}): {result.stderr.strip()}")


def _postgres_dump(alias: str, target: Path) -> tuple[dict, dict]:
    """Dump the database to ``target``; return (migrations, row counts) of the same snapshot."""
    connection = connections[alias]
    if connection.in_atomic_block:
        raise BackupError("A backup cannot run inside a transaction.")
    arguments, environment = _pg_command(alias, "pg_dump")
    with transaction.atomic(using=alias), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        tables = connection.introspection.table_names(cursor)
        rows = _row_counts(cursor, tables, connection.ops.quote_name)
        migrations = _latest_migrations(cursor, tables)
        # pg_dump runs while this transaction is open, on the very snapshot counted above.
        _run(
            [*arguments, "--format=custom", "--snapshot", snapshot, "--file", str(target)],
            environment,
        )
    return migrations, rows


def _postgres_restore(alias: str, dump: Path) -> None:
    connection = connections[alias]
    if connection.in_atomic_block:
        raise BackupError("A restore cannot run inside a transaction.")
    # Our own idle connection would hold nothing, but close it so no stale state survives.
    connection.close()
    arguments, environment = _pg_command(alias, "pg_restore")
    _run(
        [
            *arguments,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            str(dump),
        ],
        environment,
    )


# --- SQLite -------------------------------------------------------------------------------


def _sqlite_connection(alias: str) -> sqlite3.Connection:
    """Django's own connection to the database: works for files and in-memory test databases."""
    connection = connections[alias]
    if connection.in_atomic_block:
        raise BackupError("A backup or restore cannot run inside a transaction.")
    connection.ensure_connection()
    return connection.connection


def _sqlite_copy(alias: str, target: Path) -> tuple[dict, dict]:
    """Copy the database with the online backup API; return (migrations, row counts) of it."""
    copy = sqlite3.connect(target)
    try:
        try:
            _sqlite_connection(alias).backup(copy)
        except sqlite3.Error as error:
            raise BackupError(f"The SQLite copy failed: {error}") from error
        cursor = copy.cursor()
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
        tables = [name for (name,) in cursor.fetchall()]
        rows = _row_counts(cursor, tables, connections[alias].ops.quote_name)
        migrations = _latest_migrations(cursor, tables)
    finally:
        copy.close()
    return migrations, rows


def _sqlite_restore(alias: str, copy_path: Path) -> None:
    """Replace the database's content with the copy, page by page, under SQLite's own locks."""
    source = sqlite3.connect(copy_path)
    try:
        source.backup(_sqlite_connection(alias))
    except sqlite3.Error as error:
        raise BackupError(f"The SQLite restore failed: {error}") from error
    finally:
        source.close()


# --- backup -------------------------------------------------------------------------------


def backup_create(
    *,
    output_dir: Path,
    alias: str = "default",
    media_root: Path | None = None,
    now: datetime.datetime | None = None,
) -> tuple[Path, dict]:
    """Write one archive of the database and the media files; return its path and manifest."""
    vendor = _vendor(alias)
    media_root = Path(media_root or settings.MEDIA_ROOT)
    created = now or timezone.now()
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    stamp = timezone.localtime(created).strftime("%Y%m%d-%H%M%S")
    target = output_dir / f"portal-{stamp}.tar.gz"
    if target.exists():
        raise BackupError(f"{target} already exists.")

    with tempfile.TemporaryDirectory(prefix="portal-backup-") as work:
        if vendor == "postgresql":
            database_file = Path(work) / POSTGRES_DUMP_NAME
            migrations, rows = _postgres_dump(alias, database_file)
        else:
            database_file = Path(work) / SQLITE_COPY_NAME
            migrations, rows = _sqlite_copy(alias, database_file)
        files = media_files(media_root)
        checksums = {name: file_sha256(path) for name, path in files}
        manifest = _manifest(
            vendor=vendor, created=created, migrations=migrations, rows=rows, media=checksums
        )
        partial = target.with_name(target.name + ".partial")
        try:
            with tarfile.open(partial, "w:gz") as archive:
                _add_bytes(
                    archive,
                    MANIFEST_NAME,
                    json.dumps(manifest, ensure_ascii=False, indent=2).encode(),
                    created.timestamp(),
                )
                archive.add(database_file, arcname=database_file.name)
                for name, path in files:
                    archive.add(path, arcname=f"{MEDIA_PREFIX}/{name}", recursive=False)
            # A half-written archive never carries the final name.
            partial.replace(target)
        finally:
            partial.unlink(missing_ok=True)
    return target, manifest


# --- restore ------------------------------------------------------------------------------


def _member_path(name: str) -> PurePosixPath:
    """Refuse member names that would land outside the extraction folder."""
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise BackupError(f"The archive holds an unsafe path: {name!r}.")
    return path


def manifest_read(archive_path: Path) -> dict:
    """The archive's manifest; a file without one is not a portal backup."""
    try:
        with tarfile.open(archive_path, "r:*") as archive:
            try:
                member = archive.getmember(MANIFEST_NAME)
            except KeyError:
                raise BackupError(
                    f"{archive_path} has no {MANIFEST_NAME}: not a portal backup."
                ) from None
            handle = archive.extractfile(member)
            if handle is None:
                raise BackupError(f"{MANIFEST_NAME} in {archive_path} is not a file.")
            manifest = json.loads(handle.read())
    except (tarfile.TarError, OSError) as error:
        raise BackupError(f"{archive_path} cannot be read as a backup archive: {error}") from error
    except ValueError as error:
        raise BackupError(f"{MANIFEST_NAME} in {archive_path} is not valid JSON.") from error
    for key in ("engine", "row_counts", "media"):
        if key not in manifest:
            raise BackupError(f"{MANIFEST_NAME} in {archive_path} has no {key!r}.")
    return manifest


def manifest_check_engine(manifest: dict, *, alias: str = "default") -> None:
    vendor = _vendor(alias)
    if manifest["engine"] != vendor:
        raise BackupError(
            f"This backup was made on {manifest['engine']}; the configured database is {vendor}."
        )


def _extract(archive_path: Path, work: Path) -> tuple[Path | None, list[str]]:
    """Extract regular files only, with checked names; return (database file, media names)."""
    database, media = None, []
    with tarfile.open(archive_path, "r:*") as archive:
        for member in archive:
            path = _member_path(member.name)
            if member.isdir():
                continue
            if not member.isfile():
                raise BackupError(f"The archive holds a link or device: {member.name!r}.")
            target = work.joinpath(*path.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            source = archive.extractfile(member)
            with target.open("wb") as handle:
                shutil.copyfileobj(source, handle)
            if path.parts[0] == MEDIA_PREFIX and len(path.parts) > 1:
                media.append(PurePosixPath(*path.parts[1:]).as_posix())
            elif path.name in (POSTGRES_DUMP_NAME, SQLITE_COPY_NAME) and len(path.parts) == 1:
                database = target
    return database, media


def _restore_media(work: Path, names: list[str], media_root: Path) -> None:
    for name in names:
        source = work / MEDIA_PREFIX / name
        target = media_root.joinpath(*PurePosixPath(name).parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".restoring")
        shutil.copyfile(source, partial)
        partial.replace(target)


def restore_verify(manifest: dict, *, alias: str = "default", media_root: Path) -> RestoreReport:
    """Compare the database's row counts and the media files' checksums with the manifest."""
    connection = connections[alias]
    report = RestoreReport()
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        actual = _row_counts(cursor, tables, connection.ops.quote_name)
    expected = manifest["row_counts"]
    for table in sorted(set(expected) | set(actual)):
        if expected.get(table) != actual.get(table):
            report.row_differences.append((table, expected.get(table), actual.get(table)))
    report.tables_checked = len(expected)
    for name, checksum in sorted(manifest["media"].items()):
        path = media_root.joinpath(*PurePosixPath(name).parts)
        found = file_sha256(path) if path.is_file() else None
        if found != checksum:
            report.file_differences.append((name, checksum, found))
    report.files_checked = len(manifest["media"])
    return report


def backup_restore(
    *, archive_path: Path, alias: str = "default", media_root: Path | None = None
) -> RestoreReport:
    """Put the archive's database and media files back, then verify them against the manifest.

    Media files in the archive overwrite those of the same name; files that are not in the
    archive are left in place (they are referenced by no restored row).
    """
    archive_path = Path(archive_path)
    media_root = Path(media_root or settings.MEDIA_ROOT)
    manifest = manifest_read(archive_path)
    manifest_check_engine(manifest, alias=alias)
    vendor = manifest["engine"]
    with tempfile.TemporaryDirectory(prefix="portal-restore-") as work_dir:
        work = Path(work_dir)
        database, media = _extract(archive_path, work)
        expected_name = POSTGRES_DUMP_NAME if vendor == "postgresql" else SQLITE_COPY_NAME
        if database is None or database.name != expected_name:
            raise BackupError(f"{archive_path} holds no {expected_name}.")
        if vendor == "postgresql":
            _postgres_restore(alias, database)
        else:
            _sqlite_restore(alias, database)
        _restore_media(work, media, media_root)
    return restore_verify(manifest, alias=alias, media_root=media_root)
