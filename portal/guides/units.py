"""The guides of a budget unit's clerk and approver."""

from __future__ import annotations

from django.utils.translation import gettext as _

from ..models import Role
from .parts import Figures, Guide, Task, quarter_deadline, quota_rule


def clerk_guide(n: Figures, city: str) -> Guide:
    return Guide(
        key=Role.UNIT_CLERK,
        audience=Role.UNIT_CLERK.label,
        title=_("Guide for the budget-unit clerk"),
        summary=_(
            "You record what your unit buys from the paired regions, with the vouchers, and "
            "declare each quarter what the unit spent on farm and sideline products in all. "
            "The portal adds it up and shows whether the unit meets the city's quota."
        ),
        tasks=(
            Task(
                _("Log a purchase with its voucher"),
                (
                    _("Open “Log a purchase” in the left menu."),
                    _(
                        "Pick the supplier (type part of its name or credit code), the "
                        "product, the date and the amount in yuan."
                    ),
                    _("Choose the channel (832 platform, outlet, mall …) and the purpose."),
                    _(
                        "Attach the invoice or contract (PDF or photo) and save. A supplier "
                        "not recognised on that date is refused, with its name and the date."
                    ),
                ),
                "procurement:record_create",
            ),
            Task(
                _("Import many purchases from Excel"),
                (
                    _("Open “Import from Excel” and download the template."),
                    _("Fill one row per purchase; keep the supplier's 18-character code."),
                    _(
                        "Upload it: all rows are saved or none; each problem is listed with "
                        "its row and column. Correct the file and upload it again."
                    ),
                ),
                "procurement:import",
            ),
            Task(
                _("Declare the quarter's farm-products total"),
                (
                    _("Open “Declarations and quarters”."),
                    _(
                        "Enter the unit's whole spend on farm and sideline products in the "
                        "quarter, assistance products included: the quota is a share of it."
                    ),
                ),
                "procurement:quarters",
            ),
            Task(
                _("Check the quota"),
                (
                    _("Open “Quota compliance”: your share and any shortfall, in yuan."),
                    quota_rule(n),
                    _("“Year-end projection” warns early if the year is heading below."),
                ),
                "procurement:compliance",
            ),
            Task(
                _("Submit the quarter through the approver"),
                (
                    _("After the quarter ends, check that all purchases and the total are in."),
                    _("Tell your approver: the approver checks and submits the quarter."),
                    _(
                        "A submitted quarter is locked. If the office returns it, correct the "
                        "records it names; the approver submits again."
                    ),
                ),
                "procurement:quarters",
            ),
        ),
        deadlines=(
            quarter_deadline(n),
            _("Log purchases as they happen: the monthly bulletin counts what is logged."),
        ),
        contacts=(
            _("Your unit's approver: the quarter's submission."),
            _("Your district coordination office: the quota, a returned quarter."),
            _("%(city)s coordination office: your account, a supplier missing from the list.")
            % {"city": city},
        ),
    )


def approver_guide(n: Figures, city: str) -> Guide:
    return Guide(
        key=Role.UNIT_APPROVER,
        audience=Role.UNIT_APPROVER.label,
        title=_("Guide for the budget-unit approver"),
        summary=_(
            "You check your unit's quarter and submit it to the coordination office. You see "
            "all that your clerk records; the clerk logs the purchases, not you."
        ),
        tasks=(
            Task(
                _("Check the quarter's purchases"),
                (
                    _("Open “Procurement ledger” and choose the quarter."),
                    _("Open a record to see its vouchers; have the clerk correct what is wrong."),
                ),
                "procurement:ledger",
            ),
            Task(
                _("Check the declared total and the quota"),
                (
                    _("“Declarations and quarters” shows each quarter's total and the share."),
                    quota_rule(n),
                ),
                "procurement:quarters",
            ),
            Task(
                _("Submit the quarter"),
                (
                    _("After the quarter ends, choose “Submit quarter” on its row."),
                    _("Read the summary and confirm: its records and total are then locked."),
                ),
                "procurement:quarters",
            ),
            Task(
                _("Answer a returned quarter"),
                (
                    _("The office's comments show on the quarter's row and on the records."),
                    _("The clerk corrects them; you submit the quarter again."),
                ),
                "procurement:quarters",
            ),
            Task(
                _("Read the bulletins"),
                (_("“Bulletins” holds the office's bulletins, with your unit's standing."),),
                "reporting:bulletins",
            ),
        ),
        deadlines=(
            quarter_deadline(n),
            _("A quarter submitted after its day is listed as late."),
        ),
        contacts=(
            _("Your unit's clerk: the records and the declared totals."),
            _("Your district coordination office: a returned quarter, the quota."),
            _("%(city)s coordination office: your account.") % {"city": city},
        ),
    )
