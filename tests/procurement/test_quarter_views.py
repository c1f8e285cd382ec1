"""The quarters page: declarations, the year's quota status and pace, and the approver's
submission of a quarter."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from procurement.models import Declaration, ProcurementRecord, QuarterSubmission
from tests import factories as f

from .test_views import english_and_today, logged, record  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


LOCKED = "has been submitted: its records can no longer be added or changed"


def test_approver_submits_a_quarter_then_its_records_are_locked(
    client, approver, clerk, unit_a, recognised
):
    q3 = record(
        unit_a, recognised, purchased_on=datetime.date(2026, 8, 10), amount=Decimal("40000")
    )
    f.DeclarationFactory(budget_unit=unit_a, year=2026, quarter=3, agri_total=Decimal("100000"))
    client.force_login(approver)
    quarters = client.get(reverse("procurement:quarters")).content.decode()
    submit_url = reverse("procurement:quarter_submit", args=[2026, 3])
    assert submit_url in quarters
    assert reverse("procurement:quarter_submit", args=[2026, 4]) not in quarters  # not ended

    confirm = client.get(submit_url).content.decode()
    assert "¥40,000.00" in confirm and "¥100,000.00" in confirm and "40.0%" in confirm
    assert not QuarterSubmission.objects.exists()

    response = client.post(submit_url, follow=True)

    assert response.redirect_chain[-1][0] == f"{reverse('procurement:quarters')}?year=2026"
    submission = QuarterSubmission.objects.get(budget_unit=unit_a, year=2026, quarter=3)
    assert submission.submitted_by == approver
    body = response.content.decode()
    assert "is submitted to the coordination office" in body
    assert "unit_approver" in body  # who submitted

    client.force_login(clerk)
    edit = reverse("procurement:record_edit", args=[q3.pk])
    response = client.post(edit, f.purchase_form(recognised, purchased_on="2026-08-10", amount="1"))
    assert response.status_code == 200
    assert LOCKED in response.content.decode()
    q3.refresh_from_db()
    assert q3.amount == Decimal("40000.00")
    delete = client.post(reverse("procurement:record_delete", args=[q3.pk]))
    assert LOCKED in delete.content.decode()
    assert ProcurementRecord.objects.filter(pk=q3.pk).exists()


def test_submitting_without_a_declaration_is_refused_on_the_confirmation_page(
    client, approver, unit_a
):
    client.force_login(approver)
    response = client.post(reverse("procurement:quarter_submit", args=[2026, 3]))
    assert response.status_code == 200
    assert "Declare the farm-products total of 2026, quarter 3" in response.content.decode()
    assert not QuarterSubmission.objects.exists()


def test_a_clerk_may_not_submit_a_quarter(client, clerk):
    client.force_login(clerk)
    url = reverse("procurement:quarter_submit", args=[2026, 3])
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403


def test_quarters_page_shows_shortfall_and_pace_below_quota(client, clerk, unit_a, recognised):
    for quarter in (1, 2, 3):
        f.DeclarationFactory(
            budget_unit=unit_a, year=2026, quarter=quarter, agri_total=Decimal("100000")
        )
    record(unit_a, recognised, amount=Decimal("20000"))
    f.RecordFactory(budget_unit=unit_a, purchased_on=datetime.date(2025, 6, 1), amount=25000)
    client.force_login(clerk)

    body = client.get(reverse("procurement:quarters")).content.decode()

    assert "Below the quota" in body
    assert "6.7%" in body  # 20,000 of 300,000
    assert "¥70,000.00" in body  # 30% × 300,000 − 20,000
    # Two months left in 2026 (November and December): ¥35,000 a month.
    assert "About ¥35,000.00 a month must be bought to meet the quota." in body
    assert "¥25,000.00" in body and "Below last year" in body


def test_past_year_has_no_pace(client, clerk, unit_a):
    f.DeclarationFactory(budget_unit=unit_a, year=2025, quarter=1, agri_total=Decimal("100000"))
    client.force_login(clerk)
    body = client.get(reverse("procurement:quarters"), {"year": 2025}).content.decode()
    assert "¥30,000.00" in body
    assert 'data-testid="pace"' not in body


def test_declaration_shows_the_warning_when_logged_assistance_exceeds_it(
    client, clerk, unit_a, recognised
):
    record(unit_a, recognised, amount=Decimal("50000"))
    client.force_login(clerk)

    response = client.post(
        reverse("procurement:quarters") + "?year=2026",
        {"year": 2026, "quarter": 4, "agri_total": "40,000"},
        follow=True,
    )

    body = response.content.decode()
    assert "exceed the declared farm-products total" in body
    assert 'class="message warning"' in body
    assert Declaration.objects.get(budget_unit=unit_a, year=2026, quarter=4).agri_total == 40000


def test_declaring_a_quarter_not_begun_shows_the_error(client, approver, unit_a):
    client.force_login(approver)
    response = client.post(
        reverse("procurement:quarters"), {"year": 2027, "quarter": 1, "agri_total": "100"}
    )
    assert response.status_code == 200
    assert "has not begun yet" in response.content.decode()
    assert not Declaration.objects.exists()


def test_a_submitted_quarter_has_no_declaration_form(client, clerk, unit_a):
    f.DeclarationFactory(budget_unit=unit_a, year=2026, quarter=3, agri_total=Decimal("1"))
    QuarterSubmission.objects.create(
        budget_unit=unit_a, year=2026, quarter=3, submitted_at=datetime.datetime.now(datetime.UTC)
    )
    client.force_login(clerk)
    body = client.get(reverse("procurement:quarters")).content.decode()
    row = body[body.index('data-testid="quarter-3"') : body.index('data-testid="quarter-4"')]
    assert "<form" not in row and "✓ Submitted" in row
    q4 = body[body.index('data-testid="quarter-4"') :]
    assert "<form" in q4[: q4.index("</tr>")]
