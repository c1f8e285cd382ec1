"""The quarterly report's PDF summary: headline figures, the districts, the laggards and bar
charts (inline SVG) of the same figures as the workbook, rendered by WeasyPrint on A4 in the
Noto CJK fonts (fonts-noto-cjk)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from portal.formatting import percent, wanyuan

from .charts import Bar, hbar_chart
from .figures import LAGGARDS_SHOWN, ReportFigures
from .text import headline_money, long_date, report_title

# The counties the PDF draws (the workbook lists every one).
COUNTIES_SHOWN = 8


@dataclass(frozen=True)
class Chart:
    title: str
    svg: SafeString
    note: str = ""


def district_chart(f: ReportFigures) -> Chart | None:
    """Completion of each district's target when the districts have targets; otherwise what
    each bought this year. Only for the city report (a district report has one district)."""
    if len(f.districts) < 2:
        return None
    with_target = [d for d in f.districts if d.progress is not None]
    if with_target:
        ranked = sorted(with_target, key=lambda d: (-d.progress, d.code))
        best = ranked[0]
        return Chart(
            title=_("%(name)s has the highest completion rate, at %(rate)s")
            % {"name": best.name, "rate": percent(best.progress)},
            svg=hbar_chart(
                [Bar(d.name, d.progress, percent(d.progress)) for d in ranked],
                reference=Decimal(1),
                reference_label=_("Target line"),
            ),
            note=_("Assistance purchases of the year to date against each district's target."),
        )
    ranked = sorted(f.districts, key=lambda d: (-d.assistance_ytd, d.code))
    best = ranked[0]
    if not best.assistance_ytd:
        title = _("No assistance purchases recorded this year yet")
    else:
        title = _("%(name)s has bought the most this year: %(amount)s") % {
            "name": best.name,
            "amount": wanyuan(best.assistance_ytd),
        }
    return Chart(
        title=title,
        svg=hbar_chart([Bar(d.name, d.assistance_ytd, wanyuan(d.assistance_ytd)) for d in ranked]),
        note=_("Assistance purchases of the year to date, by district."),
    )


def channel_chart(f: ReportFigures) -> Chart:
    whole = f.summary.assistance_quarter
    ranked = sorted(f.channels, key=lambda c: (-c.quarter, c.code))
    best = ranked[0]
    if best.quarter and whole:
        title = _(
            "%(channel)s carried %(share)s of this quarter's purchases, the most of any channel"
        ) % {
            "channel": best.name,
            "share": percent(best.quarter / whole),
        }
    else:
        title = _("No assistance purchases this quarter")
    return Chart(
        title=title,
        svg=hbar_chart([Bar(c.name, c.quarter, wanyuan(c.quarter)) for c in ranked]),
        note=_("Assistance purchases of the quarter, by channel."),
    )


def county_chart(f: ReportFigures) -> Chart | None:
    shown = [c for c in f.counties if c.quarter > 0][:COUNTIES_SHOWN]
    if not shown:
        return None
    best = shown[0]
    return Chart(
        title=_("%(region)s received the most this quarter: %(amount)s")
        % {"region": best.name, "amount": wanyuan(best.quarter)},
        svg=hbar_chart([Bar(c.name, c.quarter, wanyuan(c.quarter)) for c in shown]),
        note=_("Where this quarter's purchases came from: the suppliers' regions, largest first."),
    )


def _lead(f: ReportFigures) -> str:
    """The paragraph under the headline figures: the quarter, the year, the target."""
    s = f.summary
    lead = _(
        "In the quarter, budget units bought %(quarter)s of assistance products, "
        "%(share)s of the farm products they declared (the rule asks for %(required)s). "
        "From 1 January to %(last)s they bought %(ytd)s in all."
    ) % {
        "quarter": wanyuan(s.assistance_quarter),
        "share": percent(s.share_quarter),
        "required": percent(s.required_share),
        "last": long_date(f.last_day),
        "ytd": headline_money(s.assistance_ytd),
    }
    if not s.target:
        return lead
    target = _("Annual target %(target)s, %(progress)s reached.") % {
        "target": headline_money(s.target),
        "progress": percent(s.progress),
    }
    # Chinese sentences run on without a space; English ones take one.
    return lead + ("" if lead.endswith("。") else " ") + target


def pdf_context(f: ReportFigures) -> dict:
    s = f.summary
    charts = [c for c in (district_chart(f), channel_chart(f), county_chart(f)) if c]
    return {
        "f": f,
        "title": report_title(f),
        "period": _("%(first)s to %(last)s")
        % {
            "first": long_date(f.first_day),
            "last": long_date(f.last_day),
        },
        "as_of": long_date(f.last_day),
        "headlines": [
            (_("Assistance purchases, year to date"), headline_money(s.assistance_ytd)),
            (_("Assistance purchases, this quarter"), headline_money(s.assistance_quarter)),
            (
                _("Progress against the annual target"),
                percent(s.progress) if s.progress is not None else _("No target set"),
            ),
            (
                _("Units meeting the quota"),
                _("%(n)s of %(total)s") % {"n": s.units_compliant, "total": s.units_total},
            ),
        ],
        "lead": _lead(f),
        "charts": charts,
        "laggards": [
            (u, f.district_names.get(u.district, "")) for u in f.laggards[:LAGGARDS_SHOWN]
        ],
        "laggards_total": len(f.laggards),
        "outlets_by_kind": f.outlets_by_kind,
        "outlets_total": sum(o.open for o in f.outlets),
        "outlet_sales": sum((o.sales for o in f.outlets), Decimal(0)),
    }


def pdf_bytes(figures: ReportFigures) -> bytes:
    # Imported here: WeasyPrint loads Pango and the fonts, which only the report needs.
    from weasyprint import HTML

    html = render_to_string("reporting/report_pdf.html", pdf_context(figures))
    return HTML(string=html).write_pdf()
