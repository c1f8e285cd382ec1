"""The public disclosures (公示) as an Atom feed: the latest ``FEED_SIZE``, each entry linking to
its public page, for the press, the districts' sites and anyone's feed reader. The Excel
workbooks of the lists are in ``disclosure_exports``."""

from __future__ import annotations

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from portal.periods import today

from .disclosure_selectors import Notice, disclosure_feed, notice_of


class DisclosureFeed(Feed):
    feed_type = Atom1Feed

    def title(self) -> str:
        return _("Public disclosures of the consumption-assistance programme")

    def subtitle(self) -> str:
        return _(
            "Certification results, exits, monitoring outcomes and base evaluations published "
            "before they take effect, with the period for objections."
        )

    def link(self) -> str:
        return reverse("products:disclosures")

    def feed_url(self) -> str:
        return reverse("products:disclosure_feed")

    def items(self) -> list[Notice]:
        as_of = today()
        return [notice_of(disclosure, as_of=as_of) for disclosure in disclosure_feed(as_of=as_of)]

    def item_title(self, item: Notice) -> str:
        name = item.subject.name if item.subject is not None else ""
        return f"{item.disclosure.get_kind_display()} · {name}"

    def item_description(self, item: Notice) -> str:
        disclosure = item.disclosure
        parts = [
            item.headline,
            _("Disclosed from %(start)s until %(end)s; status: %(status)s.")
            % {
                "start": disclosure.starts_on.isoformat(),
                "end": disclosure.ends_on.isoformat(),
                "status": disclosure.get_status_display(),
            },
        ]
        if item.supplier is not None:
            parts.append(_("Supplier: %(name)s") % {"name": item.supplier.name})
        if item.region is not None:
            parts.append(_("Region of origin: %(name)s") % {"name": item.region.full_name})
        if disclosure.summary:
            parts.append(disclosure.summary)
        return "\n".join(parts)

    def item_link(self, item: Notice) -> str:
        return reverse("products:disclosure_detail", args=[item.disclosure.pk])

    def item_pubdate(self, item: Notice):
        return item.disclosure.opened_at

    def item_updateddate(self, item: Notice):
        disclosure = item.disclosure
        return disclosure.closed_at or disclosure.opened_at

    def item_categories(self, item: Notice) -> list[str]:
        return [item.disclosure.get_kind_display(), item.disclosure.get_status_display()]
