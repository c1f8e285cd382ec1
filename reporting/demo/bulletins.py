"""The demo's bulletins (通报): the second-last ended quarter's, published twelve days after
its end, and a draft of the quarter just ended for the city office to edit and publish.
Generated once by the portal's own service; a re-run leaves them as they are."""

from __future__ import annotations

import datetime

from portal.periods import last_ended_quarter
from reporting.models import Bulletin
from reporting.services_bulletins import bulletin_generate, bulletin_publish

from .context import SeedContext


def seed_bulletins(ctx: SeedContext, *, office) -> None:
    latest = last_ended_quarter(as_of=ctx.as_of)
    for period, publish in ((latest.previous(), True), (latest, False)):
        if Bulletin.objects.filter(year=period.year, quarter=period.quarter).exists():
            continue
        bulletin = bulletin_generate(
            actor=office, year=period.year, quarter=period.quarter, as_of=ctx.as_of
        ).bulletin
        ctx.count_created(Bulletin)
        if publish:
            bulletin_publish(actor=office, bulletin=bulletin)
            day = period.last_day + datetime.timedelta(days=12)
            Bulletin.objects.filter(pk=bulletin.pk).update(published_at=ctx.at(day, 10))
    ctx.log(f"  工作通报 (bulletins): {Bulletin.objects.count()}")
