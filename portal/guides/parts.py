"""What every guide is made of, and the sentences and figures several guides share.

The figures (the quota's share, the days to submit a quarter, the disclosure period, the
renewal window) come from the constants the rules themselves use, so a changed rule changes
its guides; the texts are built on each call, in the language of the request.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from procurement.quota import DEFAULT_QUOTA_RATIO
from procurement.submission_status import SUBMISSION_DEADLINE_DAYS, submission_deadline
from products.services.disclosure import DEFAULT_WORKING_DAYS
from products.services.renewal import RENEWAL_OPENS_DAYS

from ..periods import QUARTERS, Quarter

PUBLIC_GUIDE = "public"

Figures = dict[str, str]


@dataclass(frozen=True)
class Task:
    title: str
    steps: tuple[str, ...]
    url_name: str = ""  # the page where the task is done, linked on screen


@dataclass(frozen=True)
class Guide:
    key: str  # a role's code, or PUBLIC_GUIDE
    audience: str
    title: str
    summary: str
    tasks: tuple[Task, ...]
    deadlines: tuple[str, ...]
    contacts: tuple[str, ...]


def figures(as_of: datetime.date) -> Figures:
    """The programme's figures the guides quote, from the rules' own constants; the quarters'
    deadlines are those of ``as_of``'s year."""
    # Translators: the date filter's format of a month and day, e.g. "April 15" (4月15日).
    month_day = _("F j")
    due = [date_format(submission_deadline(Quarter(as_of.year, q)), month_day) for q in QUARTERS]
    return {
        # A rule's threshold reads "30%", not the "30.0%" of a measured share.
        "share": f"{(DEFAULT_QUOTA_RATIO * 100).normalize():f}%",
        "days": str(SUBMISSION_DEADLINE_DAYS),
        "q1": due[0],
        "q2": due[1],
        "q3": due[2],
        "q4": due[3],
        "disclosure_days": str(DEFAULT_WORKING_DAYS),
        "renewal_days": str(RENEWAL_OPENS_DAYS),
    }


def quarter_deadline(n: Figures) -> str:
    """The quarterly report's deadline (季后15日内报送, procurement.submission_status)."""
    return (
        _(
            "A quarter is due within %(days)s days after it ends: quarter 1 by %(q1)s, "
            "quarter 2 by %(q2)s, quarter 3 by %(q3)s, quarter 4 by %(q4)s (next year)."
        )
        % n
    )


def quota_rule(n: Figures) -> str:
    """The quota in a clerk's words: Shenzhen's share of no less than 30% of the year's farm and
    sideline products procurement, and Guangzhou's rule that a unit's amount may not fall below
    last year's (domain.md; api.md, "The quota, exactly")."""
    return (
        _(
            "Why %(share)s: the city requires every budget unit to spend at least %(share)s "
            "of its year's farm and sideline products procurement on assistance products, and "
            "no less on them than the year before."
        )
        % n
    )
