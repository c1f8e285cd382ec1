"""The authorisation matrix (issue 7): every named URL, every role, one GET each.

The table below is the specification: one row per URL name, one column per role of the
public contract (api.md) plus the anonymous visitor. A URL name the resolver knows but the
table lacks fails ``test_every_url_name_has_a_row``, so an endpoint added later without a
decision about who may reach it fails the suite.

Outcomes: ``OK`` 200; ``NO`` 403 (the role may not take the action); ``NF`` 404 (the object
is not the caller's to see); ``NA`` 405 (POST-only: the role check let the GET through to
the method check); ``LOGIN`` a page's redirect to the sign-in page; ``ANON`` an API's 401
or 403 for an anonymous caller; ``GO`` any other redirect (a page that moves on).
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests import factories as f

from .world import PERSONA

pytestmark = pytest.mark.django_db


# Column order of every row; PERSONA (tests/security/world.py) names the fixture behind each.
ROLES = (
    "anonymous",
    "city_office",
    "district_office",
    "unit_clerk",
    "unit_approver",
    "unit_clerk_2",
    "supplier",
    "supplier_2",
    "reviewer",
)

# Not part of the matrix: Django's admin (its own staff check), static files, the language
# switch, the OpenAPI schema and docs, and the load balancer's health check.
EXCLUDED_PREFIXES = ("admin/", "static", "i18n/", "api/schema/", "api/docs/", "healthz/")

OK, NO, NF, NA, GO, LOGIN = 200, 403, 404, 405, 302, "login"
ANON = (401, 403)

# fmt: off
# One row per URL name; columns in ROLES order:
#   anonymous, city_office, district_office, unit_clerk, unit_approver, unit_clerk_2,
#   supplier, supplier_2, reviewer
# The fixture world's objects belong to unit A, supplier A and 福田区 (the district office's
# district), so unit_clerk_2 and supplier_2 are the outsiders of every object row.
EXPECTED: dict[str, tuple] = {
    "accessibility": (NA, NA, NA, NA, NA, NA, NA, NA, NA),
    "api-root": (ANON, OK, OK, OK, OK, OK, OK, OK, OK),
    "api-token": (NA, NA, NA, NA, NA, NA, NA, NA, NA),
    "base-detail": (ANON, OK, OK, OK, OK, OK, OK, OK, OK),
    "base-evaluation-detail": (ANON, OK, OK, NF, NF, NF, OK, NF, OK),
    "base-evaluation-list": (ANON, OK, OK, OK, OK, OK, OK, OK, OK),
    "base-list": (ANON, OK, OK, OK, OK, OK, OK, OK, OK),
    "budget-unit-detail": (ANON, OK, OK, OK, OK, NF, NF, NF, NF),
    "budget-unit-list": (ANON, OK, OK, OK, OK, OK, OK, OK, OK),
    "catalogue-detail": (OK, OK, OK, OK, OK, OK, OK, OK, OK),
    "catalogue-list": (OK, OK, OK, OK, OK, OK, OK, OK, OK),
    "certificate-detail": (ANON, OK, OK, OK, OK, OK, OK, NF, OK),
    "certificate-list": (ANON, OK, OK, OK, OK, OK, OK, OK, OK),
    "certificate-renew": (ANON, NA, NA, NA, NA, NA, NA, NA, NA),
    "certification-application-decide": (ANON, NA, NA, NA, NA, NA, NA, NA, NA),
    "certification-application-detail": (ANON, OK, NF, NF, NF, NF, OK, NF, OK),
    "certification-application-documents": (ANON, NA, NA, NA, NA, NA, NA, NA, NA),
    "certification-application-evaluations": (ANON, NA, NA, NA, NA, NA, NA, NA, NA),
    "certification-application-list": (ANON, OK, OK, OK, OK, OK, OK, OK, OK),
    "certification-application-return-for-material": (ANON, NA, NA, NA, NA, NA, NA, NA, NA),
    "certification-application-review": (ANON, NA, NA, NA, NA, NA, NA, NA, NA),
    "certification-application-submit": (ANON, NA, NA, NA, NA, NA, NA, NA, NA),
    "certification-application-withdraw": (ANON, NA, NA, NA, NA, NA, NA, NA, NA),
    "compliance": (ANON, OK, OK, OK, OK, OK, OK, OK, OK),
    "dashboard-summary": (ANON, OK, OK, NO, NO, NO, NO, NO, NO),
    "declaration-list": (ANON, OK, OK, OK, OK, OK, OK, OK, OK),
    "disclosure-detail": (OK, OK, OK, OK, OK, OK, OK, OK, OK),
    "disclosure-list": (OK, OK, OK, OK, OK, OK, OK, OK, OK),
    "help": (OK, OK, OK, OK, OK, OK, OK, OK, OK),
    "help_guide": (OK, OK, OK, OK, OK, OK, OK, OK, OK),
    "help_tour_done": (LOGIN, NA, NA, NA, NA, NA, NA, NA, NA),
    "integrity-flag-confirm": (ANON, NA, NA, NO, NO, NO, NO, NO, NO),
    "integrity-flag-detail": (ANON, OK, OK, NO, NO, NO, NO, NO, NO),
    "integrity-flag-dismiss": (ANON, NA, NA, NO, NO, NO, NO, NO, NO),
    "integrity-flag-list": (ANON, OK, OK, NO, NO, NO, NO, NO, NO),
    "login": (OK, GO, GO, GO, GO, GO, GO, GO, GO),
    "logout": (NA, NA, NA, NA, NA, NA, NA, NA, NA),
    "notification_open": (LOGIN, NA, NA, NA, NA, NA, NA, NA, NA),
    "notifications": (LOGIN, OK, OK, OK, OK, OK, OK, OK, OK),
    "notifications_read_all": (LOGIN, NA, NA, NA, NA, NA, NA, NA, NA),
    "outlet-detail": (OK, OK, OK, OK, OK, OK, OK, OK, OK),
    "outlet-list": (OK, OK, OK, OK, OK, OK, OK, OK, OK),
    "outlet-sales-detail": (ANON, OK, OK, NO, NO, NO, NF, NF, NO),
    "outlet-sales-import-file": (ANON, NA, NA, NO, NO, NO, NA, NA, NO),
    "outlet-sales-list": (ANON, OK, OK, NO, NO, NO, OK, OK, NO),
    "outlet-sales-missing": (ANON, OK, OK, NO, NO, NO, OK, OK, NO),
    "outlet-set-status": (NA, NA, NA, NA, NA, NA, NA, NA, NA),
    "outlets:finder": (OK, OK, OK, OK, OK, OK, OK, OK, OK),
    "outlets:finder_outlet": (OK, OK, OK, OK, OK, OK, OK, OK, OK),
    "outlets:inspection_create": (LOGIN, OK, OK, NO, NO, NO, NO, NO, NO),
    "outlets:inspection_photo": (LOGIN, OK, OK, NO, NO, NO, NO, NO, NO),
    "outlets:manage": (LOGIN, OK, OK, NO, NO, NO, NO, NO, NO),
    "outlets:manage_export": (LOGIN, OK, OK, NO, NO, NO, NO, NO, NO),
    "outlets:outlet_create": (LOGIN, OK, OK, NO, NO, NO, NO, NO, NO),
    "outlets:outlet_detail": (LOGIN, OK, OK, NO, NO, NO, NO, NO, NO),
    "outlets:outlet_edit": (LOGIN, OK, OK, NO, NO, NO, NO, NO, NO),
    "outlets:outlet_photo": (OK, OK, OK, OK, OK, OK, OK, OK, OK),
    "outlets:outlet_photo_add": (LOGIN, NA, NA, NO, NO, NO, NO, NO, NO),
    "outlets:outlet_photo_remove": (LOGIN, OK, OK, NO, NO, NO, NO, NO, NO),
    "outlets:outlet_status": (LOGIN, OK, OK, NO, NO, NO, NO, NO, NO),
    "outlets:sales": (LOGIN, OK, OK, NO, NO, NO, OK, OK, NO),
    "outlets:sales_import": (LOGIN, OK, OK, NO, NO, NO, OK, OK, NO),
    "outlets:sales_template": (LOGIN, OK, OK, NO, NO, NO, OK, OK, NO),
    "oversight-base-detail": (ANON, OK, OK, OK, OK, OK, OK, OK, OK),
    "oversight-base-set-status": (ANON, NA, NA, NA, NA, NA, NA, NA, NA),
    "oversight-certificate-detail": (ANON, OK, OK, OK, OK, OK, OK, NF, OK),
    "oversight-certificate-set-status": (ANON, NA, NA, NA, NA, NA, NA, NA, NA),
    "oversight-monitoring-accept": (ANON, NA, NA, NA, NA, NA, NA, NA, NA),
    "oversight-monitoring-detail": (ANON, OK, OK, NF, NF, NF, OK, NF, OK),
    "oversight-monitoring-dismiss": (ANON, NA, NA, NA, NA, NA, NA, NA, NA),
    "oversight-monitoring-list": (ANON, OK, OK, OK, OK, OK, OK, OK, OK),
    "oversight-product-detail": (ANON, OK, OK, OK, OK, OK, OK, OK, OK),
    "oversight-product-set-status": (ANON, NA, NA, NA, NA, NA, NA, NA, NA),
    "password_change": (LOGIN, OK, OK, OK, OK, OK, OK, OK, OK),
    "password_change_done": (LOGIN, OK, OK, OK, OK, OK, OK, OK, OK),
    "procurement-import": (ANON, NA, NA, NA, NA, NA, NA, NA, NA),
    "procurement-record-detail": (ANON, OK, OK, OK, OK, NF, NF, NF, NF),
    "procurement-record-list": (ANON, OK, OK, OK, OK, OK, OK, OK, OK),
    "procurement:compliance": (LOGIN, OK, OK, OK, OK, OK, NO, NO, NO),
    "procurement:compliance_export": (LOGIN, OK, OK, OK, OK, OK, NO, NO, NO),
    "procurement:import": (LOGIN, NO, NO, OK, NO, OK, NO, NO, NO),
    "procurement:import_template": (LOGIN, NO, NO, OK, NO, OK, NO, NO, NO),
    "procurement:integrity_flag": (LOGIN, OK, OK, NO, NO, NO, NO, NO, NO),
    "procurement:integrity_flag_confirm": (LOGIN, OK, OK, NO, NO, NO, NO, NO, NO),
    "procurement:integrity_flag_dismiss": (LOGIN, NA, NA, NO, NO, NO, NO, NO, NO),
    "procurement:integrity_flags": (LOGIN, OK, OK, NO, NO, NO, NO, NO, NO),
    "procurement:integrity_run": (LOGIN, NA, NO, NO, NO, NO, NO, NO, NO),
    "procurement:ledger": (LOGIN, OK, OK, OK, OK, OK, NO, NO, NO),
    "procurement:ledger_export": (LOGIN, OK, OK, OK, OK, OK, NO, NO, NO),
    "procurement:projection": (LOGIN, OK, OK, OK, OK, OK, NO, NO, NO),
    "procurement:projection_export": (LOGIN, OK, OK, OK, OK, OK, NO, NO, NO),
    "procurement:quarter_reopen": (LOGIN, OK, OK, NO, NO, NO, NO, NO, NO),
    "procurement:quarter_return": (LOGIN, OK, OK, NO, NO, NO, NO, NO, NO),
    "procurement:quarter_rounds": (LOGIN, OK, OK, OK, OK, NF, NO, NO, NO),
    "procurement:quarter_submit": (LOGIN, NO, NO, NO, OK, NO, NO, NO, NO),
    "procurement:quarter_summary": (LOGIN, NO, NO, OK, OK, OK, NO, NO, NO),
    "procurement:quarters": (LOGIN, NO, NO, OK, OK, OK, NO, NO, NO),
    "procurement:reconciliation": (LOGIN, OK, OK, OK, OK, OK, NO, NO, NO),
    "procurement:reconciliation_export": (LOGIN, OK, OK, OK, OK, OK, NO, NO, NO),
    "procurement:reconciliation_match": (LOGIN, NA, NO, NA, NO, NA, NO, NO, NO),
    "procurement:reconciliation_template": (LOGIN, OK, OK, OK, OK, OK, NO, NO, NO),
    "procurement:record_create": (LOGIN, NO, NO, OK, NO, OK, NO, NO, NO),
    "procurement:record_delete": (LOGIN, NO, NO, OK, NO, NF, NO, NO, NO),
    "procurement:record_detail": (LOGIN, OK, OK, OK, OK, NF, NO, NO, NO),
    "procurement:record_edit": (LOGIN, NO, NO, OK, NO, NF, NO, NO, NO),
    "procurement:submission_status": (LOGIN, OK, OK, NO, NO, NO, NO, NO, NO),
    "procurement:submission_status_export": (LOGIN, OK, OK, NO, NO, NO, NO, NO, NO),
    "procurement:supplier_products": (LOGIN, NO, NO, OK, NO, OK, NO, NO, NO),
    "procurement:unit_quarter_summary": (LOGIN, OK, OK, OK, OK, NF, NO, NO, NO),
    "procurement:voucher_download": (LOGIN, OK, OK, OK, OK, NF, NO, NO, NO),
    "product-detail": (ANON, OK, OK, OK, OK, OK, OK, OK, OK),
    "product-list": (ANON, OK, OK, OK, OK, OK, OK, OK, OK),
    "product_trace": (OK, OK, OK, OK, OK, OK, OK, OK, OK),
    "product_trace_qr_png": (OK, OK, OK, OK, OK, OK, OK, OK, OK),
    "product_trace_qr_svg": (OK, OK, OK, OK, OK, OK, OK, OK, OK),
    "products:application_approve": (LOGIN, NO, NO, NO, NO, NO, NO, NO, GO),
    "products:application_create": (LOGIN, NO, NO, NO, NO, NO, OK, OK, NO),
    "products:application_detail": (LOGIN, OK, NO, NO, NO, NO, OK, NF, OK),
    "products:application_document": (LOGIN, OK, NO, NO, NO, NO, OK, NF, OK),
    "products:application_document_remove": (LOGIN, NO, NO, NO, NO, NO, OK, NF, NO),
    "products:application_document_upload": (LOGIN, NO, NO, NO, NO, NO, NA, NA, NO),
    "products:application_edit": (LOGIN, NO, NO, NO, NO, NO, OK, NF, NO),
    "products:application_evaluate": (LOGIN, NO, NO, NO, NO, NO, NO, NO, GO),
    "products:application_reject": (LOGIN, NO, NO, NO, NO, NO, NO, NO, GO),
    "products:application_return": (LOGIN, NO, NO, NO, NO, NO, NO, NO, GO),
    "products:application_review": (LOGIN, NO, NO, NO, NO, NO, NO, NO, NA),
    "products:application_submit": (LOGIN, NO, NO, NO, NO, NO, OK, NF, NO),
    "products:application_withdraw": (LOGIN, NO, NO, NO, NO, NO, OK, NF, NO),
    "products:applications": (LOGIN, OK, NO, NO, NO, NO, OK, OK, OK),
    "products:base_oversight": (LOGIN, OK, OK, NO, NO, NO, NO, NO, OK),
    "products:base_status": (LOGIN, OK, NO, NO, NO, NO, NO, NO, NO),
    "products:catalogue": (OK, OK, OK, OK, OK, OK, OK, OK, OK),
    "products:catalogue_export": (OK, OK, OK, OK, OK, OK, OK, OK, OK),
    "products:catalogue_product": (OK, OK, OK, OK, OK, OK, OK, OK, OK),
    "products:certificate_action": (LOGIN, OK, NO, NO, NO, NO, NO, NO, NO),
    "products:certificate_detail": (LOGIN, OK, OK, NO, NO, NO, OK, NF, OK),
    "products:certificate_history": (LOGIN, OK, OK, NO, NO, NO, OK, NF, OK),
    "products:certificate_pdf": (LOGIN, OK, OK, NO, NO, NO, OK, NF, OK),
    "products:certificate_renew": (LOGIN, NO, NO, NO, NO, NO, OK, NF, NO),
    "products:certificate_verify": (OK, OK, OK, OK, OK, OK, OK, OK, OK),
    "products:certificates": (LOGIN, OK, OK, NO, NO, NO, OK, OK, OK),
    "products:disclosure_detail": (OK, OK, OK, OK, OK, OK, OK, OK, OK),
    "products:disclosure_feed": (OK, OK, OK, OK, OK, OK, OK, OK, OK),
    "products:disclosure_objection_thanks": (GO, GO, GO, GO, GO, GO, GO, GO, GO),
    "products:disclosure_office_detail": (LOGIN, OK, NO, NO, NO, NO, NO, NO, NO),
    "products:disclosure_office_export": (LOGIN, OK, NO, NO, NO, NO, NO, NO, NO),
    "products:disclosure_office_list": (LOGIN, OK, NO, NO, NO, NO, NO, NO, NO),
    "products:disclosures": (OK, OK, OK, OK, OK, OK, OK, OK, OK),
    "products:disclosures_export": (OK, OK, OK, OK, OK, OK, OK, OK, OK),
    "products:evaluation_apply": (LOGIN, NO, NO, NO, NO, NO, OK, OK, NO),
    "products:evaluation_assignment": (LOGIN, OK, NF, NF, NF, NF, NF, NF, OK),
    "products:evaluation_assignment_conflict": (LOGIN, OK, NF, NF, NF, NF, NF, NF, OK),
    "products:evaluation_base_report": (LOGIN, NO, NO, NO, NO, NO, OK, NF, NO),
    "products:evaluation_detail": (LOGIN, OK, OK, NO, NO, NO, OK, NF, OK),
    "products:evaluation_withdraw": (LOGIN, NO, NO, NO, NO, NO, OK, NF, NO),
    "products:evaluations": (LOGIN, OK, OK, NO, NO, NO, OK, OK, OK),
    "products:evaluations_export": (LOGIN, OK, OK, NO, NO, NO, OK, OK, OK),
    "products:expert_active": (LOGIN, NA, NO, NO, NO, NO, NO, NO, NA),
    "products:expert_conflict_create": (LOGIN, OK, NO, NO, NO, NO, NO, NO, OK),
    "products:expert_create": (LOGIN, OK, NO, NO, NO, NO, NO, NO, OK),
    "products:expert_detail": (LOGIN, OK, NO, NO, NO, NO, NO, NO, OK),
    "products:experts": (LOGIN, OK, NO, NO, NO, NO, NO, NO, OK),
    "products:monitoring_base_create": (LOGIN, OK, NO, NO, NO, NO, NO, NO, OK),
    "products:monitoring_product_create": (LOGIN, OK, NO, NO, NO, NO, NO, NO, OK),
    "products:monitoring_proposal": (LOGIN, OK, NO, NO, NO, NO, NO, NO, NO),
    "products:monitoring_proposals": (LOGIN, OK, NO, NO, NO, NO, NO, NO, NO),
    "products:my_base_create": (LOGIN, NO, NO, NO, NO, NO, OK, OK, NO),
    "products:my_base_edit": (LOGIN, NO, NO, NO, NO, NO, OK, NF, NO),
    "products:my_photo_add": (LOGIN, NO, NO, NO, NO, NO, NA, NA, NO),
    "products:my_photo_remove": (LOGIN, NO, NO, NO, NO, NO, OK, NF, NO),
    "products:my_product_create": (LOGIN, NO, NO, NO, NO, NO, OK, OK, NO),
    "products:my_product_edit": (LOGIN, NO, NO, NO, NO, NO, OK, NF, NO),
    "products:my_products": (LOGIN, NO, NO, NO, NO, NO, OK, OK, NO),
    "products:my_profile": (LOGIN, NO, NO, NO, NO, NO, OK, OK, NO),
    "products:objection_decide": (LOGIN, OK, NO, NO, NO, NO, NO, NO, NO),
    "products:objection_detail": (LOGIN, OK, NO, NO, NO, NO, NO, NO, NO),
    "products:objections": (LOGIN, OK, NO, NO, NO, NO, NO, NO, NO),
    "products:objections_export": (LOGIN, OK, NO, NO, NO, NO, NO, NO, NO),
    "products:product_oversight": (LOGIN, OK, OK, NO, NO, NO, NO, NO, OK),
    "products:product_photo": (OK, OK, OK, OK, OK, OK, OK, OK, OK),
    "products:product_status": (LOGIN, OK, NO, NO, NO, NO, NO, NO, NO),
    "products:register": (OK, GO, GO, GO, GO, GO, GO, GO, GO),
    "products:register_done": (GO, GO, GO, GO, GO, GO, GO, GO, GO),
    "products:supplier_activate": (LOGIN, OK, NO, NO, NO, NO, NO, NO, NO),
    "products:supplier_detail": (LOGIN, OK, OK, NO, NO, NO, NO, NO, OK),
    "products:supplier_refuse": (LOGIN, OK, NO, NO, NO, NO, NO, NO, NO),
    "products:suppliers": (LOGIN, OK, OK, NO, NO, NO, NO, NO, OK),
    "products:trace_label": (OK, OK, OK, OK, OK, OK, OK, OK, OK),
    "projection": (ANON, OK, OK, OK, OK, OK, OK, OK, OK),
    "quarter-reopen": (ANON, NA, NA, NA, NA, NA, NA, NA, NA),
    "quarter-return": (ANON, NA, NA, NA, NA, NA, NA, NA, NA),
    "quarter-round-list": (ANON, OK, OK, OK, OK, NF, NF, NF, NF),
    "quarter-submission-status": (ANON, OK, OK, NO, NO, NO, NO, NO, NO),
    "quarter-submit": (ANON, NA, NA, NA, NA, NA, NA, NA, NA),
    "reconciliation-import": (ANON, OK, OK, OK, OK, OK, OK, OK, OK),
    "reconciliation-list": (ANON, OK, OK, OK, OK, OK, OK, OK, OK),
    "region-detail": (ANON, OK, OK, OK, OK, OK, OK, OK, OK),
    "region-list": (ANON, OK, OK, OK, OK, OK, OK, OK, OK),
    "report-detail": (ANON, OK, OK, NO, NO, NO, NO, NO, NO),
    "report-list": (ANON, OK, OK, NO, NO, NO, NO, NO, NO),
    "reporting:bulletin_detail": (LOGIN, OK, NF, NF, NF, NF, NO, NO, NO),
    "reporting:bulletin_edit": (LOGIN, OK, NO, NO, NO, NO, NO, NO, NO),
    "reporting:bulletin_generate": (LOGIN, OK, NO, NO, NO, NO, NO, NO, NO),
    "reporting:bulletin_publish": (LOGIN, OK, NO, NO, NO, NO, NO, NO, NO),
    "reporting:bulletins": (LOGIN, OK, OK, OK, OK, OK, NO, NO, NO),
    "reporting:dashboard": (LOGIN, OK, OK, NO, NO, NO, NO, NO, NO),
    "reporting:dashboard_export": (LOGIN, OK, OK, NO, NO, NO, NO, NO, NO),
    "reporting:home": (OK, OK, OK, OK, OK, OK, OK, OK, OK),
    "reporting:quota_policy": (LOGIN, NA, NO, NO, NO, NO, NO, NO, NO),
    "reporting:quota_rule_create": (LOGIN, OK, NO, NO, NO, NO, NO, NO, NO),
    "reporting:quota_rule_delete": (LOGIN, OK, NO, NO, NO, NO, NO, NO, NO),
    "reporting:quota_rule_edit": (LOGIN, OK, NO, NO, NO, NO, NO, NO, NO),
    "reporting:quota_rules": (LOGIN, OK, NO, NO, NO, NO, NO, NO, NO),
    "reporting:report_pdf": (LOGIN, OK, OK, NO, NO, NO, NO, NO, NO),
    "reporting:report_run": (LOGIN, OK, OK, NO, NO, NO, NO, NO, NO),
    "reporting:report_run_status": (LOGIN, OK, OK, NO, NO, NO, NO, NO, NO),
    "reporting:report_xlsx": (LOGIN, OK, OK, NO, NO, NO, NO, NO, NO),
    "reporting:reports": (LOGIN, OK, OK, NO, NO, NO, NO, NO, NO),
    "reporting:targets": (LOGIN, OK, OK, NO, NO, NO, NO, NO, NO),
    "supplier-detail": (ANON, OK, OK, OK, OK, OK, OK, OK, OK),
    "supplier-list": (ANON, OK, OK, OK, OK, OK, OK, OK, OK),
}
# fmt: on


def url_names() -> dict[str, str]:
    """Every URL name the resolver knows (namespaced), with the route it was first seen at."""
    found: dict[str, str] = {}

    def walk(patterns, prefix: str, namespace: str | None) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                inner = namespace
                if pattern.namespace:
                    inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                walk(pattern.url_patterns, route, inner)
            elif isinstance(pattern, URLPattern):
                if route.startswith(EXCLUDED_PREFIXES) or "/static" in route:
                    continue
                assert pattern.name, f"unnamed URL pattern {route!r}: name it and add a row"
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                found.setdefault(name, route)

    walk(get_resolver().url_patterns, "", None)
    return found


def test_every_url_name_has_a_row():
    names = url_names()
    missing = sorted(set(names) - set(EXPECTED))
    stale = sorted(set(EXPECTED) - set(names))
    assert not missing, "URL names with no row in EXPECTED: " + ", ".join(
        f"{name} ({names[name]})" for name in missing
    )
    assert not stale, "rows in EXPECTED for URL names that no longer exist: " + ", ".join(stale)
    for name, row in EXPECTED.items():
        assert len(row) == len(ROLES), f"row {name} has {len(row)} columns, not {len(ROLES)}"


def kwargs_for(name: str, w) -> dict:
    """Sample URL kwargs for ``name``, all pointing into the world above."""
    pk = {
        "reporting:report_run": w.run,
        "reporting:report_run_status": w.run,
        "reporting:report_xlsx": w.run,
        "reporting:report_pdf": w.run,
        "report-detail": w.run,
        "reporting:bulletin_detail": w.bulletin,
        "reporting:bulletin_edit": w.bulletin,
        "reporting:bulletin_publish": w.bulletin,
        "notification_open": w.notification,
        "procurement:record_detail": w.record,
        "procurement:record_edit": w.record,
        "procurement:record_delete": w.record,
        "procurement:voucher_download": w.voucher,
        "procurement-record-detail": w.record,
        "budget-unit-detail": w.unit,
        "products:catalogue_product": w.product,
        "catalogue-detail": w.product,
        "products:supplier_detail": w.supplier,
        "products:supplier_activate": w.supplier,
        "products:supplier_refuse": w.supplier,
        "supplier-detail": w.supplier,
        "products:my_base_edit": w.base,
        "base-detail": w.base,
        "products:my_product_edit": w.product,
        "products:my_photo_add": w.product,
        "product-detail": w.product,
        "products:my_photo_remove": w.photo,
        "products:product_photo": w.photo,
        "products:certificate_detail": w.certificate,
        "products:certificate_pdf": w.certificate,
        "products:certificate_renew": w.certificate,
        "products:certificate_history": w.certificate,
        "certificate-renew": w.certificate,
        "products:disclosure_detail": w.disclosure,
        "products:disclosure_objection_thanks": w.disclosure,
        "disclosure-detail": w.disclosure,
        "products:objection_detail": w.objection,
        "products:disclosure_office_detail": w.disclosure,
        "products:evaluation_detail": w.evaluation,
        "products:evaluation_withdraw": w.evaluation,
        "base-evaluation-detail": w.evaluation,
        "products:evaluation_assignment": w.assignment,
        "products:evaluation_assignment_conflict": w.assignment,
        "products:evaluation_base_report": w.base,
        "products:expert_detail": w.expert,
        "products:expert_active": w.expert,
        "products:expert_conflict_create": w.expert,
        "certificate-detail": w.certificate,
        "oversight-certificate-detail": w.certificate,
        "oversight-certificate-set-status": w.certificate,
        "products:product_oversight": w.product,
        "products:monitoring_product_create": w.product,
        "oversight-product-detail": w.product,
        "oversight-product-set-status": w.product,
        "products:base_oversight": w.base,
        "products:monitoring_base_create": w.base,
        "oversight-base-detail": w.base,
        "oversight-base-set-status": w.base,
        "products:monitoring_proposal": w.monitoring,
        "oversight-monitoring-detail": w.monitoring,
        "oversight-monitoring-accept": w.monitoring,
        "oversight-monitoring-dismiss": w.monitoring,
        "outlets:finder_outlet": w.outlet,
        "outlets:outlet_detail": w.outlet,
        "outlets:outlet_edit": w.outlet,
        "outlets:outlet_photo_add": w.outlet,
        "outlets:inspection_create": w.outlet,
        "outlet-detail": w.outlet,
        "outlet-set-status": w.outlet,
        "outlets:outlet_photo_remove": w.outlet_photo,
        "outlets:outlet_photo": w.outlet_photo,
        "outlets:inspection_photo": w.inspection_photo,
        "outlet-sales-detail": w.sales,
        "procurement:integrity_flag": w.integrity_flag,
        "procurement:integrity_flag_confirm": w.integrity_flag,
        "procurement:integrity_flag_dismiss": w.integrity_flag,
        "integrity-flag-detail": w.integrity_flag,
        "integrity-flag-confirm": w.integrity_flag,
        "integrity-flag-dismiss": w.integrity_flag,
        "reporting:quota_rule_edit": w.quota_rule,
        "reporting:quota_rule_delete": w.quota_rule,
    }
    if name in pk:
        return {"pk": pk[name].pk}
    if name.startswith(("products:application_", "certification-application-")) and name not in (
        "products:application_create",
        "certification-application-list",
    ):
        kwargs = {"pk": w.application.pk}
        if name in ("products:application_document", "products:application_document_remove"):
            kwargs["document_pk"] = w.document.pk
        return kwargs
    return {
        "procurement:quarter_submit": {"year": 2026, "quarter": 1},
        "procurement:quarter_reopen": {"unit": w.unit.pk, "year": 2026, "quarter": 1},
        "procurement:quarter_return": {"unit": w.unit.pk, "year": 2026, "quarter": 1},
        "procurement:quarter_rounds": {"unit": w.unit.pk, "year": 2026, "quarter": 1},
        "quarter-round-list": {"budget_unit": w.unit.pk, "year": 2026, "quarter": 1},
        "products:certificate_action": {"pk": w.certificate.pk, "action": "suspend"},
        "products:product_status": {"pk": w.product.pk, "status": "suspended"},
        "products:base_status": {"pk": w.base.pk, "status": "suspended"},
        "outlets:outlet_status": {"pk": w.outlet.pk, "status": "suspended"},
        "region-detail": {"code": f.FUTIAN},
        "help_guide": {"guide": "unit_clerk"},
        "procurement:quarter_summary": {"year": 2026, "quarter": 1},
        "procurement:unit_quarter_summary": {"unit": w.unit.pk, "year": 2026, "quarter": 1},
        "products:objection_decide": {"pk": w.objection.pk, "decision": "uphold"},
        "product_trace": {"code": w.product.trace_code},
        "product_trace_qr_png": {"code": w.product.trace_code},
        "product_trace_qr_svg": {"code": w.product.trace_code},
        "products:trace_label": {"code": w.product.trace_code},
    }.get(name, {})


# Query strings a GET needs to be a well-formed request at all (required filters).
QUERY = {"compliance": "?year=2026", "dashboard-summary": "?year=2026"}


def outcome(response, name: str, anonymous: bool):
    code = response.status_code
    if code == 302:
        location = response["Location"]
        return LOGIN if location.startswith(reverse("login")) else GO
    if anonymous and ":" not in name and code in ANON and name != "login":
        return ANON
    return code


@pytest.mark.parametrize("role", ROLES)
def test_matrix(request, client, world, role):
    anonymous = role == "anonymous"
    if not anonymous:
        client.force_login(request.getfixturevalue(PERSONA[role]))
    column = ROLES.index(role)
    wrong = []
    for name in sorted(url_names()):
        if name not in EXPECTED:
            continue  # test_every_url_name_has_a_row names it
        url = reverse(name, kwargs=kwargs_for(name, world)) + QUERY.get(name, "")
        got = outcome(client.get(url), name, anonymous)
        want = EXPECTED[name][column]
        if got != want:
            wrong.append(f"GET {url} ({name}) as {role}: expected {want}, got {got}")
    assert not wrong, "\n".join(wrong)


def test_anonymous_writes_to_the_api_are_refused(client, world):
    """The GET matrix shows POST-only API endpoints as 405; a POST by an anonymous caller
    must stop at authentication, before any validation or lookup."""
    names = url_names()
    refused = []
    for name, route in sorted(names.items()):
        if not route.startswith("api/v1/") or name in ("api-token", "api-root"):
            continue
        url = reverse(name, kwargs=kwargs_for(name, world))
        code = client.post(url, {}, content_type="application/json").status_code
        # Public and read-only: no POST.
        if name in ("catalogue-list", "catalogue-detail", "disclosure-list", "disclosure-detail"):
            if code != NA:
                refused.append(f"POST {url} ({name}) anonymously: expected 405, got {code}")
        elif code not in ANON:
            refused.append(f"POST {url} ({name}) anonymously: expected 401/403, got {code}")
    assert not refused, "\n".join(refused)
