"""``manage.py restore FILE``: put a backup back and prove it complete (see portal.backups)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal.backups import BackupError, backup_restore, manifest_check_engine, manifest_read


class Command(BaseCommand):
    help = (
        "Restore a backup archive made by `manage.py backup`: the database is replaced, the "
        "media files are written back, then row counts and checksums are verified."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the portal-YYYYmmdd-HHMMSS.tar.gz to restore")
        parser.add_argument(
            "--yes",
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="do not ask for confirmation",
        )
        parser.add_argument("--database", default="default", help="database alias")

    def handle(self, *args, **options) -> None:
        archive = Path(options["file"])
        alias = options["database"]
        if not archive.is_file():
            raise CommandError(f"{archive} does not exist.")
        try:
            # Refuse a wrong archive before asking anything.
            manifest = manifest_read(archive)
            manifest_check_engine(manifest, alias=alias)
        except BackupError as error:
            raise CommandError(str(error)) from error
        if options["interactive"]:
            answer = input(
                f"This REPLACES the {manifest['engine']} database and overwrites media files "
                f"with the backup of {manifest.get('created', '?')}.\n"
                "Type 'yes' to continue: "
            )
            if answer.strip().lower() != "yes":
                raise CommandError("Restore cancelled.")
        try:
            report = backup_restore(archive_path=archive, alias=alias)
        except BackupError as error:
            raise CommandError(str(error)) from error
        for table, expected, actual in report.row_differences:
            self.stderr.write(f"Row count differs in {table}: backup {expected}, now {actual}")
        for name, expected, actual in report.file_differences:
            state = "missing" if actual is None else f"sha256 {actual}"
            self.stderr.write(f"Media file differs: {name}: backup sha256 {expected}, now {state}")
        if not report.ok:
            raise CommandError("Restore finished but does not match the backup's manifest.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {archive}: {report.tables_checked} tables and "
                f"{report.files_checked} media files match the manifest."
            )
        )
