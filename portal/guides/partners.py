"""The guides of the programme's partners outside the offices and units: suppliers,
certification reviewers and the public."""

from __future__ import annotations

from django.utils.translation import gettext as _

from ..models import Role
from .parts import PUBLIC_GUIDE, Figures, Guide, Task


def supplier_guide(n: Figures, city: str) -> Guide:
    return Guide(
        key=Role.SUPPLIER,
        audience=Role.SUPPLIER.label,
        title=_("Guide for the supplier"),
        summary=_(
            "You keep your products and bases current and apply for recognition as an "
            "assistance product, for 圳品 or for base certification. Budget units' purchases "
            "count only from recognised suppliers."
        ),
        tasks=(
            Task(
                _("Keep your products and bases current"),
                (
                    _(
                        "“My products and bases”: each product's price, supply volume, season "
                        "and households lifted; your production bases."
                    ),
                    _("Prices out of line can get a product suspended: keep them current."),
                ),
                "products:my_products",
            ),
            Task(
                _("Apply for a certification"),
                (
                    _("“New application”: choose the scheme and the product or base."),
                    _("Attach the licence and test reports (PDF, JPG or PNG), then submit."),
                ),
                "products:application_create",
            ),
            Task(
                _("Follow your application"),
                (
                    _("“Applications” shows where it stands: in review, approved, rejected."),
                    _("If the reviewer asks for more material, add it and submit again."),
                    _(
                        "An approval is disclosed publicly for %(disclosure_days)s working "
                        "days before the certificate takes effect."
                    )
                    % n,
                ),
                "products:applications",
            ),
            Task(
                _("Certificates and renewal"),
                (
                    _(
                        "“Certificates” lists yours; renew one from %(renewal_days)s days "
                        "before it ends."
                    )
                    % n,
                ),
                "products:certificates",
            ),
            Task(
                _("Report outlet sales"),
                (_("“Outlet sales”: each month's sales in the outlets, typed or from Excel."),),
                "outlets:sales",
            ),
        ),
        deadlines=(
            _("Renew a certificate before it ends: an expired one stops your sales counting."),
        ),
        contacts=(
            _("%(city)s coordination office: your account, certification, outlets.")
            % {"city": city},
        ),
    )


def reviewer_guide(n: Figures, city: str) -> Guide:
    return Guide(
        key=Role.REVIEWER,
        audience=Role.REVIEWER.label,
        title=_("Guide for the certification reviewer"),
        summary=_(
            "You evaluate suppliers' applications and production bases, on site where the "
            "scheme asks it, and decide on them, on the record."
        ),
        tasks=(
            Task(
                _("Take an application under review"),
                (
                    _("“Applications”: open a submitted one and take it under review."),
                    _("Check the documents; return it for material if something is missing."),
                ),
                "products:applications",
            ),
            Task(
                _("Record the on-site evaluation"),
                (_("圳品 and base certification need one: the date, a score of 0–100, findings."),),
                "products:applications",
            ),
            Task(
                _("Decide"),
                (
                    _("Approve or reject, with your reasons."),
                    _(
                        "An approval is disclosed publicly for %(disclosure_days)s working "
                        "days before the certificate takes effect."
                    )
                    % n,
                ),
                "products:applications",
            ),
            Task(
                _("Score the bases you are assigned"),
                (
                    _("“Base evaluations”: score each base against the standard."),
                    _("Declare a conflict of interest instead of scoring where you have one."),
                ),
                "products:evaluations",
            ),
        ),
        deadlines=(_("Decide applications in the order they came in."),),
        contacts=(
            _("%(city)s coordination office: assignments and the expert pool.") % {"city": city},
        ),
    )


def public_guide(n: Figures, city: str) -> Guide:
    return Guide(
        key=PUBLIC_GUIDE,
        audience=_("Everyone"),
        title=_("Guide for the public"),
        summary=_(
            "%(city)s buys the farm products of the regions it is paired with. Anyone may use "
            "these services, without an account."
        )
        % {"city": city},
        tasks=(
            Task(
                _("Find certified products"),
                (
                    _("“Product catalogue”: filter by certification, category or region."),
                    _("A product's page gives its origin, price, season and households lifted."),
                ),
                "products:catalogue",
            ),
            Task(
                _("Find an outlet"),
                (_("“Outlet finder”: counters, halls, zones and centres, as a list or a map."),),
                "outlets:finder",
            ),
            Task(
                _("Verify a certificate"),
                (
                    _("“Verify a certificate”: type the number printed on it."),
                    _("Or scan the QR code on the product's label."),
                ),
                "products:certificate_verify",
            ),
            Task(
                _("Object to a disclosure"),
                (
                    _("“Public disclosures”: results and exits, before they take effect."),
                    _(
                        "Within the period (usually %(disclosure_days)s working days) open it "
                        "and send your objection with a way to reach you."
                    )
                    % n,
                ),
                "products:disclosures",
            ),
            Task(
                _("Register as a supplier"),
                (_("Sign up with your credit code; the city office activates the account."),),
                "products:register",
            ),
        ),
        deadlines=(_("An objection counts only within the disclosure's period."),),
        contacts=(_("%(city)s coordination office.") % {"city": city},),
    )
