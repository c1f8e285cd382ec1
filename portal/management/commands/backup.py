"""``manage.py backup``: one archive of the database and the media files (see portal.backups)."""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal.backups import BackupError, backup_create

DEFAULT_BACKUP_DIR = "backups"


class Command(BaseCommand):
    help = (
        "Write the database (pg_dump on PostgreSQL, an online copy on SQLite) and MEDIA_ROOT "
        "into one portal-YYYYmmdd-HHMMSS.tar.gz with a manifest of row counts and checksums."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            default=None,
            help="folder for the archive (default: $BACKUP_DIR, else backups/ beside manage.py)",
        )
        parser.add_argument("--database", default="default", help="database alias")

    def handle(self, *args, **options) -> None:
        output = (
            options["output"]
            or os.environ.get("BACKUP_DIR")
            or (Path(settings.BASE_DIR) / DEFAULT_BACKUP_DIR)
        )
        try:
            path, manifest = backup_create(output_dir=Path(output), alias=options["database"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        rows = sum(manifest["row_counts"].values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup written to {path} ({manifest['engine']}: "
                f"{len(manifest['row_counts'])} tables, {rows} rows, "
                f"{len(manifest['media'])} media files)."
            )
        )
