"""``manage.py make_traditional_catalogue``: locale/zh_Hant from locale/zh_Hans (see
portal.traditional), then compiled."""

from __future__ import annotations

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from portal.traditional import write_traditional_catalogue


class Command(BaseCommand):
    help = "Convert the Simplified Chinese catalogue into the Traditional one and compile it."

    def handle(self, *args, **options) -> None:
        target = write_traditional_catalogue(settings.LOCALE_PATHS[0])
        call_command("compilemessages", locale=["zh_Hant"], ignore_patterns=[".venv"])
        self.stdout.write(self.style.SUCCESS(f"wrote {target}"))
