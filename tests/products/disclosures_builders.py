"""Disclosures (公示) of each kind, built through the core services, for the tests of the public
pages, the feed, the JSON endpoint, the exports and the exits. Every builder takes ``as_of``;
the tests run under a frozen clock (``frozen``) so that "today" is ``AS_OF``.

A test module imports this module as ``b`` and the fixtures it uses by their function names
(``frozen_clock``, ``mango_product``, ``certification_open``): pytest finds a fixture only in the
module's own namespace or a conftest."""

from __future__ import annotations

import datetime
from decimal import Decimal
from io import BytesIO

import pytest
import time_machine
from openpyxl import load_workbook

from products.models import (
    BaseEvaluation,
    Certificate,
    CertificationApplication,
    CertificationScheme,
    Disclosure,
    MonitoringRecord,
    Objection,
    Product,
    SupplierBase,
)
from products.services.disclosure import (
    disclosure_open,
    disclosures_settle,
    exit_disclose,
    objection_decide,
    objection_submit,
)
from tests import factories as f

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
# A Monday; five working days later is Monday 2026-11-30, so it takes effect on 2026-12-01.
AS_OF = datetime.date(2026, 11, 23)
LAST_DAY = datetime.date(2026, 11, 30)


def moment(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


@pytest.fixture(name="frozen")
def frozen_clock():
    """The clock stands at 10:00 on ``AS_OF`` in Shanghai."""
    with time_machine.travel(moment(AS_OF), tick=False) as traveller:
        yield traveller


def szp_product(supplier, name: str = "田阳香芒") -> Product:
    return f.ProductFactory(supplier=supplier, name=name, households_lifted=120)


def base_of(supplier, name: str = "田阳芒果种植基地") -> SupplierBase:
    return SupplierBase.objects.create(
        supplier=supplier, name=name, region=f.region(f.TIANYANG), category="fruit"
    )


def certification_disclosure(
    actor, product: Product, *, as_of: datetime.date = AS_OF, number: str = "SZP-2026-000001"
) -> Disclosure:
    """An approved 圳品 application and its certificate in disclosure (as ``application_decide``
    leaves them)."""
    application = CertificationApplication.objects.create(
        supplier=product.supplier,
        scheme_id="szp",
        product=product,
        status=CertificationApplication.Status.APPROVED,
        households=product.households_lifted,
    )
    certificate = f.CertificateFactory(
        number=number,
        scheme=CertificationScheme.objects.get(code="szp"),
        product=product,
        application=application,
        status=Certificate.Status.PENDING,
        valid_from=as_of,
        valid_until=as_of + datetime.timedelta(days=730),
    )
    return disclosure_open(
        kind="certification",
        actor=actor,
        as_of=as_of,
        summary="现场评价符合“圳品”评价规范，拟颁发“圳品”证书。",
        application=application,
        certificate=certificate,
    )


def exit_disclosure(
    actor, subject, *, as_of: datetime.date = AS_OF, reason: str = "quality", note: str = ""
) -> Disclosure:
    return exit_disclose(
        actor=actor,
        subject=subject,
        reason=reason,
        note=note or "连续两次抽检不合格，拟退出。",
        as_of=as_of,
    )


def monitoring_disclosure(
    actor, product: Product, *, as_of: datetime.date = AS_OF, failed: bool = True
) -> Disclosure:
    record = MonitoringRecord.objects.create(
        product=product,
        kind=MonitoringRecord.Kind.SAMPLE_TEST,
        performed_on=as_of - datetime.timedelta(days=3),
        agency="深圳市计量质量检测研究院",
        result=MonitoringRecord.Result.FAILED if failed else MonitoringRecord.Result.PASSED,
        findings="农药残留超标" if failed else "抽检项目全部合格",
        proposal=MonitoringRecord.Proposal.OPEN if failed else "",
        recorded_by=actor,
    )
    return disclosure_open(
        kind="monitoring",
        actor=actor,
        as_of=as_of,
        summary=record.findings,
        monitoring_record=record,
    )


def evaluation_disclosure(
    actor, base: SupplierBase, *, score: str, as_of: datetime.date = AS_OF, year: int = 2026
) -> Disclosure:
    evaluation = BaseEvaluation.objects.create(
        base=base,
        year=year,
        category=base.category,
        status=BaseEvaluation.Status.IN_DISCLOSURE,
        self_score=Decimal("90.00"),
        final_score=Decimal(score),
    )
    return disclosure_open(
        kind="base_evaluation", actor=actor, as_of=as_of, base_evaluation=evaluation
    )


def object_to(disclosure: Disclosure, *, as_of: datetime.date = AS_OF, **values) -> Objection:
    fields = {"name": "李明", "contact": "13800138000", "text": "该产品实际产地不在田阳区"}
    return objection_submit(disclosure=disclosure, as_of=as_of, **{**fields, **values})


def uphold(
    disclosure: Disclosure, actor, *, note: str = "经核查，异议成立。", **objection
) -> Objection:
    """An objection to ``disclosure`` that the city office upholds: the disclosure is withdrawn."""
    return objection_decide(
        actor=actor,
        objection=object_to(disclosure, **objection),
        decision="uphold",
        note=note,
        as_of=AS_OF,
    )


@pytest.fixture(name="mango")
def mango_product(supplier_org) -> Product:
    return szp_product(supplier_org)


@pytest.fixture(name="certification")
def certification_open(reviewer, mango) -> Disclosure:
    """A 圳品 result of the mango in its period, from ``AS_OF``."""
    return certification_disclosure(reviewer, mango)


# --- shared by the pages', the office's and the exports' tests ------------------------------

AFTER = LAST_DAY + datetime.timedelta(days=1)


def text_of(response) -> str:
    return response.content.decode()


def rows_of(response) -> list[tuple]:
    """The export's rows read back: the title, the headers, then one row per line."""
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    book = load_workbook(BytesIO(b"".join(response.streaming_content)))
    return list(book.active.iter_rows(values_only=True))


@pytest.fixture(name="three_outcomes")
def three_outcomes_fixture(certification, reviewer, city_officer, mango, frozen):
    """The certification in effect since 2026-12-01, a monitoring result withdrawn on
    2026-11-23 and an exit published on 2026-11-30, still open; the clock on 2026-12-01."""
    withdrawn = monitoring_disclosure(reviewer, mango)
    uphold(withdrawn, city_officer, note="检测机构资质过期。")
    later = exit_disclosure(city_officer, base_of(mango.supplier), as_of=LAST_DAY)
    frozen.move_to(moment(AFTER, 1))
    disclosures_settle(as_of=AFTER)
    certification.refresh_from_db()
    return certification, withdrawn, later


@pytest.fixture(name="office")
def office_client(client, city_officer):
    """The test client signed in as the city office."""
    client.force_login(city_officer)
    return client
