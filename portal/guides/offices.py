"""The guides of the district and the city coordination offices."""

from __future__ import annotations

from django.utils.translation import gettext as _

from ..models import Role
from .parts import Figures, Guide, Task, quarter_deadline, quota_rule


def district_guide(n: Figures, city: str) -> Guide:
    return Guide(
        key=Role.DISTRICT_OFFICE,
        audience=Role.DISTRICT_OFFICE.label,
        title=_("Guide for the district coordination office"),
        summary=_(
            "You follow your district's budget units and outlets: who has submitted, who is "
            "behind the quota, and how the outlets are doing."
        ),
        tasks=(
            Task(
                _("Follow the quarterly submissions"),
                (
                    _("“Quarterly submissions”: each unit's quarter as due, late or submitted."),
                    _("Return a quarter for correction with a comment on each record concerned."),
                ),
                "procurement:submission_status",
            ),
            Task(
                _("Watch the quota"),
                (
                    _("“Quota compliance”: each unit's share, shortfall and year-on-year change."),
                    quota_rule(n),
                    _("“Year-end projection” shows who is heading below before the year ends."),
                ),
                "procurement:compliance",
            ),
            Task(
                _("Check the integrity flags"),
                (
                    _(
                        "“Integrity checks” lists purchases that look wrong (prices out of "
                        "line, split orders): confirm or dismiss each, with a reason."
                    ),
                ),
                "procurement:integrity_flags",
            ),
            Task(
                _("Look after the outlets"),
                (
                    _("“Outlet registry”: register outlets and record inspections with photos."),
                    _("Suspend or exit an outlet that fails, with the reason."),
                ),
                "outlets:manage",
            ),
            Task(
                _("Read the dashboard and reports"),
                (
                    _("“Dashboard”: progress against the target, by month, channel and region."),
                    _("“Quarterly reports”: the quarter's report in Excel and PDF."),
                ),
                "reporting:dashboard",
            ),
        ),
        deadlines=(
            quarter_deadline(n),
            _("Remind the units marked “Due” before the day; late ones are named."),
        ),
        contacts=(_("%(city)s coordination office: targets, rules, accounts.") % {"city": city},),
    )


def city_guide(n: Figures, city: str) -> Guide:
    return Guide(
        key=Role.CITY_OFFICE,
        audience=Role.CITY_OFFICE.label,
        title=_("Guide for the city coordination office"),
        summary=_(
            "You run the programme for the city: targets and quota rules, certification, "
            "outlets, and the reports and bulletins that name results."
        ),
        tasks=(
            Task(
                _("Set the year's targets and rules"),
                (
                    _("“Annual targets”: the city's and each district's target."),
                    _(
                        "“Quota rules”: the share required (%(share)s unless set otherwise) "
                        "and the year-on-year rule, per year."
                    )
                    % n,
                ),
                "reporting:targets",
            ),
            Task(
                _("Follow submissions and compliance"),
                (
                    _("“Quarterly submissions” and “Quota compliance” over all districts."),
                    _("Return a quarter for correction when its records need it."),
                ),
                "procurement:submission_status",
            ),
            Task(
                _("Certification and suppliers"),
                (
                    _("“Suppliers”: activate the registrations of new suppliers."),
                    _("“Applications”: follow them; the reviewers evaluate and decide."),
                    _("“Suspension proposals”: accept or dismiss what monitoring proposes."),
                ),
                "products:applications",
            ),
            Task(
                _("Disclosures and objections"),
                (
                    _(
                        "Results and exits are disclosed publicly for %(disclosure_days)s "
                        "working days before they take effect."
                    )
                    % n,
                    _("Answer each objection in the “Objection queue”."),
                ),
                "products:objections",
            ),
            Task(
                _("Outlets"),
                (_("“Outlet registry”: register, inspect, suspend or exit outlets."),),
                "outlets:manage",
            ),
            Task(
                _("Reports and bulletins"),
                (
                    _("“Quarterly reports”: the quarter's report in Excel and PDF."),
                    _("“Bulletins”: check the drafted bulletin, edit it and publish it."),
                ),
                "reporting:bulletins",
            ),
        ),
        deadlines=(
            quarter_deadline(n),
            _("Objections are answered before the disclosure takes effect."),
        ),
        contacts=(_("The portal's administrators: accounts and reference data."),),
    )
