"""Returns for correction in the browser and the API: the offices' status table, the return
form, the round history, the unit's quarters page and the approver's resubmission."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from procurement.models import ProcurementRecord, QuarterReturn, QuarterSubmission
from tests import factories as f

from . import test_returns as cases
from .conftest import AS_OF
from .test_returns import Q3, give_back, log, submit

q3 = cases.q3  # the fixture: unit A's 2026 Q3, submitted

pytestmark = pytest.mark.django_db

RETURNED = QuarterSubmission.Status.RETURNED


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch):
    for module in (
        "procurement.views.returns",
        "procurement.views.records",
        "procurement.api.returns",
    ):
        monkeypatch.setattr(f"{module}.today", lambda: AS_OF)


def rounds_url(unit, quarter=3):
    return reverse("procurement:quarter_rounds", args=[unit.pk, 2026, quarter])


def return_url(unit, quarter=3):
    return reverse("procurement:quarter_return", args=[unit.pk, 2026, quarter])


# --- the status table -----------------------------------------------------------------------


def test_the_district_office_sees_its_units_quarters_and_may_return_a_submitted_one(
    client, district_officer, unit_a, unit_b, q3
):
    client.force_login(district_officer)
    response = client.get(reverse("procurement:submission_status"))
    assert response.status_code == 200
    body = response.content.decode()
    assert unit_a.name in body and unit_b.name not in body
    assert return_url(unit_a) in body  # Q3 is submitted
    assert return_url(unit_a, quarter=2) not in body  # Q2 is late, not submitted
    # Submitted by the service just now, after Q3's deadline (2026-10-15).
    assert "Submitted late" in body and "Late" in body and "Not yet due" in body
    headline = response.context["table"].counts
    assert (headline["submitted_late"], headline["late"], headline["not_due"]) == (1, 2, 1)


@pytest.mark.parametrize("persona", ["clerk", "approver", "supplier", "reviewer"])
def test_only_offices_read_the_status_table(request, client, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("procurement:submission_status")).status_code == 403
    assert client.get(reverse("procurement:submission_status_export")).status_code == 403


def test_the_status_table_filters_and_exports_what_it_shows(client, city_officer, unit_a, unit_b):
    client.force_login(city_officer)
    query = f"?year=2026&state=late&district={f.NANSHAN}"
    page = client.get(reverse("procurement:submission_status") + query)
    rows = list(page.context["page"].object_list)
    assert {(row.budget_unit, row.quarter) for row in rows} == {(unit_b.pk, n) for n in (1, 2, 3)}
    export = client.get(reverse("procurement:submission_status_export") + query)
    sheet = load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    values = list(sheet.iter_rows(min_row=3, values_only=True))
    assert [(row[0], row[2], row[3]) for row in values] == [
        (unit_b.name, f"2026Q{n}", "Late") for n in (1, 2, 3)
    ]


def test_the_status_page_costs_a_fixed_number_of_queries(
    client, django_assert_max_num_queries, city_officer, unit_a
):
    client.force_login(city_officer)
    url = reverse("procurement:submission_status")
    client.get(url)
    with django_assert_max_num_queries(12) as few:
        client.get(url)
    for _n in range(60):
        f.BudgetUnitFactory()
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url + "?page=2")
    assert len(response.context["page"].object_list) == 50


# --- the return form ------------------------------------------------------------------------


def test_the_office_returns_a_quarter_with_a_comment_on_one_purchase(
    client, district_officer, unit_a, q3
):
    first, second = q3
    client.force_login(district_officer)
    form = client.get(return_url(unit_a))
    body = form.content.decode()
    assert f'name="record_{first.pk}"' in body and f'name="record_{second.pk}"' in body
    assert "round 1" in body  # what will happen

    response = client.post(
        return_url(unit_a),
        {
            "comment": "请核对发票",
            f"record_{first.pk}": "发票号码与凭证不符",
            f"record_{second.pk}": "",
        },
        follow=True,
    )

    assert response.redirect_chain[-1][0] == rounds_url(unit_a)
    round_ = QuarterReturn.objects.get()
    assert [c.record_id for c in round_.comments.all()] == [first.pk]
    page = response.content.decode()
    assert "请核对发票" in page and "发票号码与凭证不符" in page
    assert "is returned for correction (round 1)" in page


def test_a_return_without_a_comment_is_refused_on_the_form(client, district_officer, unit_a, q3):
    client.force_login(district_officer)
    response = client.post(return_url(unit_a), {"comment": "", f"record_{q3[0].pk}": "金额"})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert "金额" in response.content.decode()  # the per-purchase comment is kept
    assert QuarterSubmission.objects.get().status == QuarterSubmission.Status.SUBMITTED


def test_a_quarter_not_submitted_has_nothing_to_return(client, district_officer, unit_a):
    client.force_login(district_officer)
    body = client.get(return_url(unit_a)).content.decode()
    assert "nothing to return" in body
    response = client.post(return_url(unit_a), {"comment": "x"})
    assert "is not submitted" in response.content.decode()


def test_offices_out_of_scope_and_units_cannot_return(
    client, district_officer, clerk, unit_b, unit_a, q3
):
    client.force_login(district_officer)
    assert client.get(return_url(unit_b)).status_code == 404  # another district's unit
    client.force_login(clerk)
    assert client.post(return_url(unit_a), {"comment": "x"}).status_code == 403
    assert not QuarterReturn.objects.exists()


# --- the unit's side: quarters page, correction, resubmission, round history ----------------


def test_the_unit_sees_the_return_corrects_and_resubmits(
    client, district_officer, clerk, approver, unit_a, recognised, q3
):
    first, _second = q3
    give_back(district_officer, unit_a, record_comments={first.pk: "金额有误"})

    client.force_login(clerk)
    quarters = client.get(reverse("procurement:quarters") + "?year=2026").content.decode()
    assert "Returned for correction" in quarters and "请核对发票号码" in quarters
    assert reverse("procurement:record_edit", args=[first.pk]) in quarters
    assert rounds_url(unit_a) in quarters
    rounds = client.get(rounds_url(unit_a)).content.decode()
    assert reverse("procurement:record_edit", args=[first.pk]) in rounds

    client.force_login(approver)
    confirm_url = reverse("procurement:quarter_submit", args=[2026, 3])
    confirm = client.get(confirm_url).content.decode()
    assert "This is a resubmission" in confirm and "请核对发票号码" in confirm
    response = client.post(confirm_url, follow=True)
    assert "round 1 of correction closed" in response.content.decode()
    assert QuarterSubmission.objects.get().status == QuarterSubmission.Status.SUBMITTED

    client.force_login(district_officer)
    history = client.get(rounds_url(unit_a)).content.decode()
    assert "Resubmitted" in history and "unit_approver" in history


def test_the_round_history_is_scoped(client, clerk_b, supplier, district_officer, unit_a, q3):
    give_back(district_officer, unit_a)
    client.force_login(clerk_b)
    assert client.get(rounds_url(unit_a)).status_code == 404
    client.force_login(supplier)
    assert client.get(rounds_url(unit_a)).status_code == 403


def test_a_quarter_never_returned_has_an_empty_history(client, approver, unit_a):
    client.force_login(approver)
    response = client.get(rounds_url(unit_a, quarter=1))
    assert response.status_code == 200
    assert "never been returned" in response.content.decode()
    assert (
        client.get(reverse("procurement:quarter_rounds", args=[unit_a.pk, 2026, 5])).status_code
        == 404
    )


def test_the_round_page_costs_a_fixed_number_of_queries(
    client, django_assert_max_num_queries, district_officer, clerk, approver, unit_a, recognised, q3
):
    client.force_login(district_officer)
    give_back(district_officer, unit_a, record_comments={q3[0].pk: "a"})
    log(clerk, unit_a, recognised, invoice_no="X")
    submit(approver, unit_a)
    client.get(rounds_url(unit_a))
    with django_assert_max_num_queries(20) as few:
        client.get(rounds_url(unit_a))
    for n in range(3):
        give_back(district_officer, unit_a, record_comments={q3[0].pk: "b", q3[1].pk: "c"})
        log(clerk, unit_a, recognised, invoice_no=f"X{n}")
        submit(approver, unit_a)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(rounds_url(unit_a))
    assert len(response.context["rounds"]) == 4


# --- the API --------------------------------------------------------------------------------


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_api_return_answers_201_with_the_round(district_officer, unit_a, q3):
    response = api(district_officer).post(
        "/api/v1/procurement/quarters/return/",
        {
            "budget_unit": unit_a.pk,
            "year": 2026,
            "quarter": 3,
            "comment": "请核对",
            "record_comments": [{"record": q3[0].pk, "comment": "金额有误"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["number"], data["is_open"], data["returned_by"]) == (1, True, "district_office")
    assert data["record_comments"][0]["record"] == q3[0].pk
    assert ProcurementRecord.objects.filter(status="recorded").count() == 2


def test_api_return_refusals(district_officer, clerk, unit_a, unit_b, recognised, q3):
    foreign = f.RecordFactory(budget_unit=unit_b, supplier=recognised, purchased_on=Q3)
    body = {"budget_unit": unit_a.pk, "year": 2026, "quarter": 3, "comment": "x"}
    url = "/api/v1/procurement/quarters/return/"
    bad = api(district_officer).post(
        url, {**body, "record_comments": [{"record": foreign.pk, "comment": "?"}]}, format="json"
    )
    assert bad.status_code == 400 and "record_comments" in bad.json()
    assert (
        api(district_officer).post(url, {**body, "comment": ""}, format="json").status_code == 400
    )
    assert api(clerk).post(url, body, format="json").status_code == 403
    other = api(district_officer).post(url, {**body, "budget_unit": unit_b.pk}, format="json")
    assert other.status_code == 403
    assert not QuarterReturn.objects.exists()


def test_api_rounds_list_the_rounds_with_their_changes(
    district_officer, clerk, clerk_b, approver, unit_a, recognised, q3
):
    give_back(district_officer, unit_a)
    added = log(clerk, unit_a, recognised, invoice_no="44039999")
    submit(approver, unit_a)
    url = f"/api/v1/procurement/quarters/{unit_a.pk}/2026/3/rounds/"
    data = api(clerk).get(url).json()
    assert data["count"] == 1
    (round_,) = data["results"]
    assert round_["resubmitted_by"] == "unit_approver" and not round_["is_open"]
    (change,) = round_["changes"]["records"]
    assert (change["kind"], change["record"], change["by"]) == ("added", added.pk, "unit_clerk")
    assert api(clerk_b).get(url).status_code == 404


def test_api_status_is_for_offices_and_paginated(city_officer, clerk, unit_a, unit_b):
    url = "/api/v1/procurement/quarters/status/"
    data = api(city_officer).get(url, {"year": 2026, "state": "late"}).json()
    assert set(data) == {"count", "next", "previous", "results"}
    assert data["count"] == 6
    assert {row["state"] for row in data["results"]} == {"late"}
    assert data["results"][0]["deadline"] == "2026-04-15"
    assert api(clerk).get(url).status_code == 403
    assert api(city_officer).get(url, {"state": "nonsense"}).status_code == 400
