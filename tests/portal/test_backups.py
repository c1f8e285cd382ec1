"""Backups (issue 7, point 6): `manage.py backup` then `manage.py restore` brings back every row
and every media file, proven by row counts and SHA-256 checksums.

Two round trips: one in this process against the suite's own database (PostgreSQL in CI:
pg_dump/pg_restore; SQLite in memory on a laptop: the backup API), and one in subprocesses
against a SQLite *file*, which runs on every engine.
"""

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from portal import backups
from portal.models import Membership, Role
from tests import factories as f
from tests.support import skip_or_fail

BASE_DIR = Path(__file__).resolve().parents[2]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _checksums(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): _sha256(p) for p in root.rglob("*") if p.is_file()}


def _row_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        counts = {}
        for table in tables:
            # Table names from the database's own catalogue, quoted by the backend.
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT COUNT(*) FROM {quoted}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
    return counts


def _archive(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


# --- in process, on the suite's database --------------------------------------------------


@pytest.fixture
def reference_data(transactional_db):
    """Transactional tests empty every table afterwards, reference data included."""
    from portal.models import DistrictPairing, Region
    from portal.reference_data import load_regions

    load_regions(Region, DistrictPairing)


def test_round_trip_on_the_suite_database(reference_data, settings, tmp_path):
    if connection.vendor == "postgresql" and shutil.which("pg_dump") is None:
        skip_or_fail("pg_dump is not installed (apt-get install postgresql-client)")
    settings.MEDIA_ROOT = media = tmp_path / "media"
    (media / "vouchers").mkdir(parents=True)
    (media / "vouchers" / "发票.pdf").write_bytes(b"%PDF-1.4 voucher")
    (media / "photos.jpg").write_bytes(b"\xff\xd8\xff photo")
    unit = f.BudgetUnitFactory(name="深圳市福田区教育局")
    clerk = f.member(Role.UNIT_CLERK, unit, "unit_clerk")
    f.member(Role.UNIT_APPROVER, unit, "unit_approver")
    supplier = f.SupplierFactory(name="百色市田阳区农业发展有限公司")
    before_rows, before_files = _row_counts(), _checksums(media)

    call_command("backup", output=str(tmp_path / "out"), stdout=io.StringIO())
    (archive,) = (tmp_path / "out").glob("portal-*.tar.gz")
    manifest = backups.manifest_read(archive)
    assert manifest["engine"] == connection.vendor
    assert manifest["row_counts"] == before_rows
    assert manifest["media"] == before_files
    assert manifest["migrations"]["portal"].startswith("0")

    # Damage: rows changed and deleted, rows added, one file rewritten, one deleted.
    clerk.username = "renamed"
    clerk.save()
    Membership.objects.filter(user=clerk).delete()
    supplier.delete()
    f.SupplierFactory(name="不该留下的供应商")
    (media / "vouchers" / "发票.pdf").write_bytes(b"tampered")
    (media / "photos.jpg").unlink()
    assert _row_counts() != before_rows

    out = io.StringIO()
    call_command("restore", str(archive), interactive=False, stdout=out)

    assert "match the manifest" in out.getvalue()
    assert _row_counts() == before_rows
    assert _checksums(media) == before_files
    from django.contrib.auth import get_user_model

    assert get_user_model().objects.filter(username="unit_clerk").exists()
    assert not get_user_model().objects.filter(username="renamed").exists()


def test_restore_refuses_an_archive_without_a_manifest(tmp_path):
    archive = _archive(tmp_path / "x.tar.gz", {"database.sqlite3": b"not a manifest"})
    with pytest.raises(CommandError, match=r"no manifest\.json"):
        call_command("restore", str(archive), interactive=False)


def test_restore_refuses_a_backup_of_another_engine(tmp_path):
    other = "sqlite" if connection.vendor == "postgresql" else "postgresql"
    manifest = {"engine": other, "row_counts": {}, "media": {}}
    archive = _archive(tmp_path / "x.tar.gz", {"manifest.json": json.dumps(manifest).encode()})
    with pytest.raises(CommandError, match=f"made on {other}"):
        call_command("restore", str(archive), interactive=False)


def test_restore_refuses_paths_that_leave_the_folder(tmp_path):
    manifest = {"engine": "sqlite", "row_counts": {}, "media": {}}
    archive = _archive(
        tmp_path / "x.tar.gz",
        {"manifest.json": json.dumps(manifest).encode(), "media/../../evil.txt": b"x"},
    )
    with pytest.raises(backups.BackupError, match="unsafe path"):
        backups._extract(archive, tmp_path / "work")
    assert not (tmp_path / "evil.txt").exists()


# --- in subprocesses, on a SQLite file ----------------------------------------------------


def _manage(env: dict[str, str], *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _file_counts(database: Path) -> dict[str, int]:
    db = sqlite3.connect(database)
    try:
        tables = [
            name
            for (name,) in db.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        # Table names from sqlite_master, of a database this test made.
        return {
            t: db.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0]  # noqa: S608
            for t in tables
        }
    finally:
        db.close()


def test_round_trip_on_a_sqlite_file(tmp_path):
    database, media, out = tmp_path / "portal.sqlite3", tmp_path / "media", tmp_path / "out"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.local",
        "DATABASE_URL": f"sqlite:///{database}",
        "MEDIA_ROOT": str(media),
    }
    env.pop("BACKUP_DIR", None)
    assert _manage(env, "migrate", "--noinput", "-v0").returncode == 0
    (media / "documents").mkdir(parents=True)
    (media / "documents" / "营业执照.pdf").write_bytes(b"%PDF-1.4 licence")
    (media / "voucher.png").write_bytes(b"\x89PNG voucher")
    db = sqlite3.connect(database)
    db.executemany(
        "INSERT INTO auth_user (username, password, is_superuser, first_name, last_name, "
        "email, is_staff, is_active, date_joined) VALUES (?, '!', 0, '', '', '', 0, 1, "
        "'2026-01-05 08:00:00')",
        [("unit_clerk",), ("unit_approver",), ("supplier",)],
    )
    db.commit()
    db.close()
    before_rows, before_files = _file_counts(database), _checksums(media)

    result = _manage(env, "backup", "--output", str(out))
    assert result.returncode == 0, result.stderr
    (archive,) = out.glob("portal-*.tar.gz")

    db = sqlite3.connect(database)
    db.execute("DELETE FROM auth_user WHERE username = 'supplier'")
    db.execute("UPDATE auth_user SET username = 'renamed' WHERE username = 'unit_clerk'")
    db.execute("DELETE FROM django_content_type")
    db.commit()
    db.close()
    (media / "voucher.png").unlink()
    (media / "documents" / "营业执照.pdf").write_bytes(b"tampered")
    assert _file_counts(database) != before_rows

    result = _manage(env, "restore", str(archive), "--yes")
    assert result.returncode == 0, result.stderr
    assert _file_counts(database) == before_rows
    assert _checksums(media) == before_files
    db = sqlite3.connect(database)
    names = {name for (name,) in db.execute("SELECT username FROM auth_user")}
    db.close()
    assert names == {"unit_clerk", "unit_approver", "supplier"}

    # A manifest that does not match what the archive restores: reported, exit code 1.
    tampered = tmp_path / "tampered.tar.gz"
    with tarfile.open(archive) as source, tarfile.open(tampered, "w:gz") as target:
        for member in source:
            data = source.extractfile(member).read()
            if member.name == "manifest.json":
                manifest = json.loads(data)
                manifest["row_counts"]["auth_user"] = 99
                manifest["media"]["voucher.png"] = "0" * 64
                data = json.dumps(manifest).encode()
                member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    result = _manage(env, "restore", str(tampered), "--noinput")
    assert result.returncode != 0
    assert "auth_user: backup 99, now 3" in result.stderr
    assert "voucher.png" in result.stderr
