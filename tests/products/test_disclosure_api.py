"""``/api/v1/disclosures/``: the public disclosures (公示) as JSON, for anyone, read-only,
paginated like every list, filtered by kind and status, saying what the public page says."""

import datetime

import pytest
from rest_framework.test import APIClient

from products.models import Certificate
from products.services.disclosure import disclosures_settle
from tests import factories as f

from . import disclosures_builders as b
from .disclosures_builders import (  # noqa: F401 - fixtures, found by their names
    certification_open,
    frozen_clock,
    mango_product,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "english")]

URL = "/api/v1/disclosures/"


def test_anyone_reads_the_list_without_credentials(certification, mango, supplier_org):
    response = APIClient().get(URL)
    assert response.status_code == 200
    body = response.json()
    assert {"count", "next", "previous", "results"} <= set(body)
    assert body["count"] == 1
    row = body["results"][0]
    assert row == {
        "id": certification.pk,
        "kind": "certification",
        "status": "open",
        "subject": "田阳香芒",
        "subject_type": "product",
        "supplier": supplier_org.pk,
        "supplier_name": "百色市田阳区农业发展有限公司",
        "region": "451003",
        "region_name": "广西壮族自治区百色市田阳区",
        "certificate": "SZP-2026-000001",
        "headline": row["headline"],
        "summary": "现场评价符合“圳品”评价规范，拟颁发“圳品”证书。",
        "starts_on": "2026-11-23",
        "ends_on": "2026-11-30",
        "working_days": 5,
        "working_days_left": 5,
        "objections_open": True,
        "closed_at": None,
        "takes_effect_on": "2026-12-01",
        "url": f"http://testserver/products/disclosures/{certification.pk}/",
    }
    assert "SZP-2026-000001" in row["headline"]


def test_a_stale_token_is_not_read(certification):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert api.get(URL).status_code == 200


def test_filters_by_kind_and_status(certification, reviewer, city_officer, mango, supplier_org):
    monitoring = b.monitoring_disclosure(reviewer, mango)
    withdrawn = b.exit_disclosure(city_officer, b.base_of(supplier_org))
    b.uphold(withdrawn, city_officer, note="基地整改已完成，复检合格。")
    api = APIClient()

    def ids(query: dict) -> set[int]:
        response = api.get(URL, query)
        assert response.status_code == 200
        return {row["id"] for row in response.json()["results"]}

    assert ids({}) == {certification.pk, monitoring.pk, withdrawn.pk}
    assert ids({"kind": "monitoring"}) == {monitoring.pk}
    assert ids({"status": "withdrawn"}) == {withdrawn.pk}
    assert ids({"kind": "exit", "status": "open"}) == set()
    refused = api.get(URL, {"kind": "rumour", "status": "gone"})
    assert refused.status_code == 400
    assert {"kind", "status"} <= set(refused.json())


def test_the_detail_and_a_disclosure_not_yet_public(certification, reviewer, supplier_org):
    api = APIClient()
    detail = api.get(f"{URL}{certification.pk}/")
    assert detail.status_code == 200
    assert detail.json()["id"] == certification.pk
    later = b.certification_disclosure(
        reviewer,
        b.szp_product(supplier_org, name="田阳圣女果"),
        as_of=b.AS_OF + datetime.timedelta(days=1),
        number="SZP-2026-000002",
    )
    assert api.get(f"{URL}{later.pk}/").status_code == 404
    assert api.get(URL).json()["count"] == 1


def test_an_evaluation_and_an_exit_name_their_base(city_officer, supplier_org):
    base = b.base_of(supplier_org)
    b.evaluation_disclosure(city_officer, base, score="90.25")
    b.exit_disclosure(city_officer, base, reason="integrity", note="虚报产量")
    rows = APIClient().get(URL).json()["results"]
    assert {(row["kind"], row["subject"], row["subject_type"]) for row in rows} == {
        ("base_evaluation", "田阳芒果种植基地", "base"),
        ("exit", "田阳芒果种植基地", "base"),
    }
    by_kind = {row["kind"]: row for row in rows}
    assert by_kind["base_evaluation"]["headline"] == (
        "Base evaluation 2026 result: score 90.25, rank 1 of 1 in Fruit"
    )
    assert by_kind["exit"]["certificate"] is None
    assert by_kind["exit"]["summary"] == "虚报产量"


def test_read_only(certification):
    assert APIClient().post(URL, {}, format="json").status_code == 405
    assert APIClient().delete(f"{URL}{certification.pk}/").status_code == 405


def test_the_list_runs_a_bounded_number_of_queries(
    reviewer, city_officer, supplier_org, django_assert_max_num_queries
):
    for n in range(30):
        product = b.szp_product(supplier_org, name=f"芒果{n}")
        b.certification_disclosure(reviewer, product, number=f"SZP-2026-{n + 1:06d}")
        b.monitoring_disclosure(reviewer, product)
    b.exit_disclosure(city_officer, b.base_of(supplier_org))
    api = APIClient()
    # A count, the page, then one query per kind of subject on the page.
    with django_assert_max_num_queries(7):
        body = api.get(URL).json()
    assert body["count"] == 61
    assert len(body["results"]) == 50
    assert body["next"].endswith("?page=2")


def test_a_renewal_names_the_certificate_it_renews(reviewer, mango):
    disclosure = b.certification_disclosure(reviewer, mango)
    previous = f.CertificateFactory(number="SZP-2024-000007", product=mango)
    Certificate.objects.filter(pk=disclosure.certificate_id).update(renews=previous)
    row = APIClient().get(f"{URL}{disclosure.pk}/").json()
    assert row["headline"] == (
        "圳品 certificate SZP-2026-000001 to be issued, renewing SZP-2024-000007"
    )


def test_the_day_it_took_effect_or_was_withdrawn(
    certification, reviewer, city_officer, mango, frozen
):
    withdrawn = b.monitoring_disclosure(reviewer, mango)
    b.uphold(withdrawn, city_officer)
    after = b.LAST_DAY + datetime.timedelta(days=1)
    frozen.move_to(b.moment(after, 1))
    disclosures_settle(as_of=after)
    rows = {row["id"]: row for row in APIClient().get(URL).json()["results"]}
    effective = rows[certification.pk]
    assert (effective["status"], effective["takes_effect_on"]) == ("effective", "2026-12-01")
    assert effective["closed_at"].startswith("2026-12-01T01:00")
    assert (rows[withdrawn.pk]["status"], rows[withdrawn.pk]["takes_effect_on"]) == (
        "withdrawn",
        None,
    )
    assert rows[withdrawn.pk]["closed_at"].startswith("2026-11-23T10:00")
