"""The base evaluation's pages (issue 10): the office's list with rank and stage and its
export, an evaluation's page with the one action form of its stage, and the supplier's
application, withdrawal and self-report; who may open what, and the query counts of the
lists. The experts' score sheets and the expert pool are in ``test_expert_views``."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from products.exports import XLSX
from products.models import BaseEvaluation, Disclosure

from .evaluation_builders import (  # noqa: F401 - fixtures, found by their names
    YEAR,
    Status,
    as_user,
    base_fixture,
    base_of,
    detail,
    drawn,
    evaluation,
    experts,
    pages_today_fixture,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english", "pages_today")]
D = Decimal


# --- the list ----------------------------------------------------------------------------------


def test_the_office_reads_the_years_evaluations_by_category_with_rank_and_stage(
    client, city_officer, supplier_org
):
    evaluation(base_of(supplier_org, name="甲基地"), status=Status.PUBLISHED, final_score="91")
    evaluation(base_of(supplier_org, name="乙基地"), status=Status.PUBLISHED, final_score="88")
    evaluation(base_of(supplier_org, name="丙基地"), status=Status.MATERIAL_REVIEW)

    page = as_user(client, city_officer).get(reverse("products:evaluations"))

    assert page.status_code == 200
    rows = list(page.context["page"].object_list)
    assert [(r.base.name, r.rank) for r in rows] == [("甲基地", 1), ("乙基地", 2), ("丙基地", None)]
    assert page.context["totals"]["total"] == 3
    body = page.content.decode()
    assert "甲基地" in body and "Material review" in body


def test_the_list_filters_by_year_category_and_stage(client, city_officer, supplier_org):
    evaluation(base_of(supplier_org, name="蔬菜"), status=Status.PUBLISHED, final_score="90")
    evaluation(base_of(supplier_org, name="水果", category="fruit"), status=Status.APPLIED)
    evaluation(base_of(supplier_org, name="去年"), status=Status.PUBLISHED, year=YEAR - 1)
    client = as_user(client, city_officer)
    url = reverse("products:evaluations")

    def names(**query):
        return [r.base.name for r in client.get(url, query).context["page"].object_list]

    assert names(year=YEAR) == ["水果", "蔬菜"] or names(year=YEAR) == ["蔬菜", "水果"]
    assert names(category="fruit") == ["水果"]
    assert names(status="published", year=YEAR) == ["蔬菜"]
    assert names(status="nonsense") == []


def test_the_list_is_paginated_with_a_bounded_number_of_queries(
    client, city_officer, supplier_org, django_assert_max_num_queries
):
    for i in range(55):
        evaluation(
            base_of(supplier_org, name=f"基地{i:02d}"),
            status=Status.PUBLISHED,
            final_score=str(60 + i % 30),
        )
    client = as_user(client, city_officer)
    # session, user, membership, years, totals, the page's rows with their ranks
    with django_assert_max_num_queries(6):
        first = client.get(reverse("products:evaluations"))
    assert len(first.context["page"].object_list) == 50
    second = client.get(reverse("products:evaluations"), {"page": 2})
    assert len(second.context["page"].object_list) == 5


def test_a_supplier_sees_its_own_bases_evaluations_and_its_bases(
    client, supplier, supplier_org, supplier_org_2, base, django_assert_max_num_queries
):
    evaluation(base)
    evaluation(base_of(supplier_org_2, name="别人的基地"))
    client = as_user(client, supplier)
    # the office's six, and the supplier's bases
    with django_assert_max_num_queries(7):
        page = client.get(reverse("products:evaluations"))
    assert [r.base.name for r in page.context["page"].object_list] == [base.name]
    (panel,) = page.context["bases"]
    assert (panel.name, panel.may_apply, panel.evaluation_label) == (base.name, False, "Applied")
    assert "别人的基地" not in page.content.decode()
    assert reverse("products:evaluation_base_report", args=[base.pk]) in page.content.decode()


@pytest.mark.parametrize(
    ("persona", "code"), [("clerk", 403), ("approver", 403), ("district_officer", 200)]
)
def test_who_reads_the_list(client, request, persona, code):
    user = request.getfixturevalue(persona)
    assert as_user(client, user).get(reverse("products:evaluations")).status_code == code


def test_the_public_is_sent_to_sign_in(client):
    response = client.get(reverse("products:evaluations"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_the_office_list_says_what_to_do_when_empty(client, city_officer, supplier):
    page = as_user(client, city_officer).get(reverse("products:evaluations"))
    body = page.content.decode()
    assert 'data-testid="empty-state"' in body
    assert "evaluations-export" not in body  # nothing to export
    assert reverse("products:experts") in body.split('data-testid="empty-state"')[1]

    page = as_user(client, supplier).get(reverse("products:evaluations"))
    empty = page.content.decode().split('data-testid="empty-state"')[1]
    assert reverse("products:evaluation_apply") in empty.split("</section>")[0]


def test_the_totals_count_the_filtered_evaluations_by_stage(client, city_officer, supplier_org):
    evaluation(base_of(supplier_org, name="甲"), status=Status.PUBLISHED, final_score="90")
    evaluation(base_of(supplier_org, name="乙"), status=Status.APPLIED)
    evaluation(base_of(supplier_org, name="丙"), status=Status.SITE_VERIFICATION)
    evaluation(base_of(supplier_org, name="丁", category="fruit"), status=Status.NOT_PASSED)
    client = as_user(client, city_officer)

    totals = client.get(reverse("products:evaluations")).context["totals"]
    assert (totals["total"], totals["published"], totals["not_passed"]) == (4, 1, 1)
    assert totals["applied"] + totals["site_verification"] == 2
    fruit = client.get(reverse("products:evaluations"), {"category": "fruit"}).context["totals"]
    assert (fruit["total"], fruit["not_passed"], fruit["published"]) == (1, 1, 0)


# --- the Excel export --------------------------------------------------------------------------


def workbook(response):
    assert response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    return rows[0][0], rows[1], rows[2:]


def test_the_export_holds_exactly_the_filtered_rows_with_rank_scores_and_stage(
    client, city_officer, supplier_org, django_assert_max_num_queries
):
    evaluation(
        base_of(supplier_org, name="甲基地"),
        status=Status.PUBLISHED,
        material_score=D("80"),
        expert_score=D("85"),
        monitoring_deduction=D("3"),
        final_score="83",
        site_verified_on=datetime.date(YEAR, 9, 1),
    )
    evaluation(base_of(supplier_org, name="乙基地"), status=Status.PUBLISHED, final_score="88")
    evaluation(base_of(supplier_org, name="丙基地"), status=Status.APPLIED)
    evaluation(base_of(supplier_org, name="水果基地", category="fruit"), status=Status.APPLIED)
    evaluation(base_of(supplier_org, name="去年基地"), status=Status.PUBLISHED, year=YEAR - 1)
    for i in range(20):
        evaluation(base_of(supplier_org, name=f"基地{i:02d}"), status=Status.MATERIAL_REVIEW)
    client = as_user(client, city_officer)
    query = {"year": YEAR, "category": "vegetables", "status": "published"}

    # session, user, membership, the years of the filter, the rows (with their ranks)
    with django_assert_max_num_queries(5):
        response = client.get(reverse("products:evaluations_export"), query)
    title, headers, rows = workbook(response)

    assert str(YEAR) in title
    assert headers[:4] == ("年度", "类别", "类别内排名", "基地")
    assert "阶段" in headers and "最终得分" in headers
    page = client.get(reverse("products:evaluations"), query).context["page"]
    assert [row[3] for row in rows] == [e.base.name for e in page.object_list]
    assert [row[3] for row in rows] == ["乙基地", "甲基地"]
    first, second = rows
    column = dict(zip(headers, second, strict=True))
    assert column["类别内排名"] == 2
    assert column["供应商"] == supplier_org.name
    assert column["自评得分"] == 90
    assert column["材料审核得分"] == 80
    assert column["专家平均分"] == 85
    assert column["监测扣分"] == 3
    assert column["最终得分"] == 83
    assert column["阶段"] == "Published"
    assert column["现场核查日期"] == f"{YEAR}-09-01"
    assert dict(zip(headers, first, strict=True))["类别内排名"] == 1


def test_the_export_of_every_page_and_of_nothing(client, city_officer, supplier_org):
    for i in range(55):
        evaluation(base_of(supplier_org, name=f"基地{i:02d}"), status=Status.APPLIED)
    client = as_user(client, city_officer)
    url = reverse("products:evaluations_export")

    _title, _headers, rows = workbook(client.get(url))
    assert len(rows) == 55  # all pages, not the first 50
    assert all(row[2] is None and row[10] is None for row in rows)  # no rank, no final score
    _title, _headers, rows = workbook(client.get(url, {"status": "nonsense"}))
    assert rows == []


def test_a_supplier_exports_its_own_bases_only(client, supplier, supplier_org_2, base):
    evaluation(base)
    evaluation(base_of(supplier_org_2, name="别人的基地"))
    list_page = as_user(client, supplier).get(reverse("products:evaluations"))
    assert reverse("products:evaluations_export") in list_page.content.decode()
    _title, _headers, rows = workbook(client.get(reverse("products:evaluations_export")))
    assert [row[3] for row in rows] == [base.name]


def test_the_export_is_safe_from_formulas(client, city_officer, supplier_org):
    evaluation(base_of(supplier_org, name="=HYPERLINK(1)"))
    response = as_user(client, city_officer).get(reverse("products:evaluations_export"))
    _title, _headers, (row,) = workbook(response)
    assert row[3] == "'=HYPERLINK(1)"


@pytest.mark.parametrize(("persona", "code"), [("clerk", 403), ("district_officer", 200)])
def test_who_exports(client, request, persona, code):
    user = request.getfixturevalue(persona)
    response = as_user(client, user).get(reverse("products:evaluations_export"))
    assert response.status_code == code


# --- an evaluation's page: the one form of its stage -------------------------------------------


def test_the_journey_through_the_pages(client, city_officer, reviewer, supplier, base):
    experts(7)
    applied = evaluation(base, self_score="90")
    office = as_user(client, reviewer)

    page = office.get(detail(applied.pk))
    assert page.context["kind"] == "take_up"
    office.post(detail(applied.pk))
    applied.refresh_from_db()
    assert applied.status == Status.MATERIAL_REVIEW

    office.post(detail(applied.pk), {"score": "82", "note": "材料齐全"})
    applied.refresh_from_db()
    assert (applied.status, applied.material_score) == (Status.SITE_VERIFICATION, D("82.00"))

    assert office.get(detail(applied.pk)).context["kind"] == "draw"
    office.post(detail(applied.pk), {"seed": "2026"})
    applied.refresh_from_db()
    assert applied.draw_seed == 2026 and applied.assignments.count() == 5

    form = office.get(detail(applied.pk)).context["form"]
    scores = {name: "85" for _a, name in form.assignment_fields}
    office.post(detail(applied.pk), {**scores, "save": "1"})
    assert applied.assignments.filter(score=85).count() == 5
    applied.refresh_from_db()
    assert applied.status == Status.SITE_VERIFICATION

    response = office.post(
        detail(applied.pk),
        {"site_verified_on": "2026-11-20", "site_note": "管理规范", "complete": "1"},
    )
    assert response.status_code == 302
    applied.refresh_from_db()
    assert (applied.status, applied.final_score) == (Status.RESULT_REVIEW, D("86.00"))

    # the reviewer may not publish: no form, and a POST is refused
    assert office.get(detail(applied.pk)).context["form"] is None
    assert office.post(detail(applied.pk), {"confirm": "on"}).status_code == 403

    chief = as_user(client, city_officer)
    refused = chief.post(detail(applied.pk), {"note": "同意"})
    assert refused.status_code == 200
    assert "Tick the box to confirm the publication." in refused.content.decode()
    chief.post(detail(applied.pk), {"note": "同意", "confirm": "on"})
    applied.refresh_from_db()
    assert applied.status == Status.IN_DISCLOSURE
    notice = Disclosure.objects.get(base_evaluation=applied)
    page = chief.get(detail(applied.pk))
    assert reverse("products:disclosure_detail", args=[notice.pk]) in page.content.decode()


def test_a_score_below_60_asks_for_confirmation_before_it_stops_the_evaluation(
    client, reviewer, base
):
    reviewing = evaluation(base, status=Status.MATERIAL_REVIEW)
    office = as_user(client, reviewer)

    unconfirmed = office.post(detail(reviewing.pk), {"score": "45", "note": "材料不全"})
    assert unconfirmed.status_code == 200
    assert "tick the box to confirm" in unconfirmed.content.decode()
    reviewing.refresh_from_db()
    assert reviewing.status == Status.MATERIAL_REVIEW

    without_note = office.post(detail(reviewing.pk), {"score": "45", "confirm_stop": "on"})
    assert "the supplier is told" in without_note.content.decode()

    office.post(detail(reviewing.pk), {"score": "45", "note": "材料不全", "confirm_stop": "on"})
    reviewing.refresh_from_db()
    assert reviewing.status == Status.NOT_PASSED


def test_a_refused_step_shows_its_reason_on_the_form(client, reviewer, base):
    site = evaluation(base)
    drawn(site, experts(5))
    response = as_user(client, reviewer).post(
        detail(site.pk), {"site_verified_on": "2026-11-20", "site_note": "x", "complete": "1"}
    )
    assert response.status_code == 200
    assert "Scores still missing from" in response.content.decode()


def test_the_supplier_reads_its_evaluation_without_the_experts_names(
    client, supplier, supplier_2, base
):
    site = evaluation(base)
    pool = experts(5)
    drawn(site, pool)
    page = as_user(client, supplier).get(detail(site.pk))
    assert page.status_code == 200
    assert page.context["form"] is None
    assert pool[0].name not in page.content.decode()
    assert page.context["change_history"] is None
    assert as_user(client, supplier).post(detail(site.pk), {"seed": "1"}).status_code == 403
    assert as_user(client, supplier_2).get(detail(site.pk)).status_code == 404


def test_the_evaluation_page_reads_in_a_bounded_number_of_queries(
    client, city_officer, base, django_assert_max_num_queries
):
    site = evaluation(base)
    drawn(site, experts(8))
    client = as_user(client, city_officer)
    # session, user, membership, the evaluation with its rank, its drawn experts, the
    # monitoring counted, its disclosures, its change history
    with django_assert_max_num_queries(8):
        assert client.get(detail(site.pk)).status_code == 200


# --- the supplier's side -----------------------------------------------------------------------


def test_a_supplier_applies_for_its_own_base_only(client, supplier, supplier_org_2, base):
    elsewhere = base_of(supplier_org_2, name="别人的基地")
    client = as_user(client, supplier)
    url = reverse("products:evaluation_apply")

    page = client.get(url, {"base": elsewhere.pk})
    assert list(page.context["form"].fields["base"].queryset) == [base]
    assert page.context["form"].initial.get("base") is None

    refused = client.post(
        url,
        {"base": elsewhere.pk, "year": YEAR, "self_score": "80", "self_assessment": "自评"},
    )
    assert refused.status_code == 200 and not BaseEvaluation.objects.exists()

    done = client.post(
        url, {"base": base.pk, "year": YEAR, "self_score": "88.5", "self_assessment": "自评"}
    )
    applied = BaseEvaluation.objects.get()
    assert done.status_code == 302 and done["Location"] == detail(applied.pk)
    assert (applied.base, applied.self_score) == (base, D("88.50"))

    again = client.post(
        url, {"base": base.pk, "year": YEAR, "self_score": "80", "self_assessment": "再次"}
    )
    assert "already has an evaluation for 2026" in again.content.decode()


def test_the_supplier_withdraws_after_confirming(client, supplier, supplier_2, base):
    applied = evaluation(base)
    url = reverse("products:evaluation_withdraw", args=[applied.pk])
    assert as_user(client, supplier_2).get(url).status_code == 404
    client = as_user(client, supplier)
    assert client.get(url).context["allowed"] is True
    client.post(url)
    applied.refresh_from_db()
    assert applied.status == Status.WITHDRAWN


def test_a_supplier_reports_that_its_base_no_longer_qualifies(
    client, supplier, city_officer, supplier_org_2, base
):
    url = reverse("products:evaluation_base_report", args=[base.pk])
    client = as_user(client, supplier)
    unconfirmed = client.post(url, {"reason": "no_effect", "note": "基地已转产"})
    assert unconfirmed.status_code == 200 and not Disclosure.objects.exists()

    done = client.post(url, {"reason": "no_effect", "note": "基地已转产", "confirm": "on"})
    assert done.status_code == 302
    notice = Disclosure.objects.get()
    assert (notice.kind, notice.base, notice.self_reported) == ("exit", base, True)

    elsewhere = base_of(supplier_org_2, name="别人的基地")
    assert (
        client.get(reverse("products:evaluation_base_report", args=[elsewhere.pk])).status_code
        == 404
    )
