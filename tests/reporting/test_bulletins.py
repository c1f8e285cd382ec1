"""Bulletins (通报): the rankings and laggards of a hand-built quarter, the text written from
them, publishing to exactly the right people, and who may read or act."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from portal.errors import ApplicationError
from portal.models import Notification, Role
from procurement.models import AnnualTarget, ProcurementRecord, QuotaPolicy
from procurement.selectors import compliance_rows
from reporting.bulletins import bulletin_figures, bulletin_for_user
from reporting.models import Bulletin
from reporting.services_bulletins import bulletin_generate, bulletin_publish, bulletin_update
from tests import factories as f

pytestmark = pytest.mark.django_db
D = Decimal
AS_OF = datetime.date(2026, 11, 23)  # 2026Q4 is current; 2026Q3 has just ended
ARCHIVE = reverse("reporting:bulletins")
GENERATE = reverse("reporting:bulletin_generate")


@pytest.fixture(autouse=True)
def english(settings):
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch):
    monkeypatch.setattr("reporting.views.bulletins.today", lambda: AS_OF)


def buy(unit, amount, day, **extra):
    return f.RecordFactory(budget_unit=unit, purchased_on=day, amount=D(amount), **extra)


def declare(unit, quarter, amount, year=2026):
    return f.DeclarationFactory(budget_unit=unit, year=year, quarter=quarter, agri_total=D(amount))


@pytest.fixture
def unit_c():
    return f.BudgetUnitFactory(name="福田区第三幼儿园", region=f.region(f.FUTIAN))


@pytest.fixture
def unit_d():
    return f.BudgetUnitFactory(name="南山区第二中学", region=f.region(f.NANSHAN))


@pytest.fixture
def quarter_three(unit_a, unit_b, unit_c, unit_d):
    """2026 to the end of Q3 (1 Jan – 30 Sep), 30%, against 1 Jan – 30 Sep 2025:
    A (福田) declared 150,000, bought 60,000 (40%), 20,000 last year: meets both rules;
    C (福田) declared 100,000, bought 20,000 (20%: short 10,000), 5,000 last year;
    B (南山) declared 50,000, bought 20,000 (40%), 30,000 last year: below last year;
    D (南山) declared nothing, bought 1,000.
    What falls outside the period must not count: A's October purchase and Q4 declaration,
    A's rejected purchase, last year's fourth quarter."""
    QuotaPolicy.objects.create(year=2026, ratio=D("0.300"))
    declare(unit_a, 1, "100000")
    declare(unit_a, 2, "50000")
    declare(unit_a, 4, "900000")
    declare(unit_c, 3, "100000")
    declare(unit_b, 2, "50000")
    buy(unit_a, "60000", datetime.date(2026, 9, 30))
    buy(unit_a, "99999", datetime.date(2026, 10, 1))
    buy(unit_a, "7777", datetime.date(2026, 5, 5), status=ProcurementRecord.Status.REJECTED)
    buy(unit_a, "20000", datetime.date(2025, 3, 3))
    buy(unit_a, "50000", datetime.date(2025, 11, 11))
    buy(unit_c, "20000", datetime.date(2026, 7, 7))
    buy(unit_c, "5000", datetime.date(2025, 7, 7))
    buy(unit_b, "20000", datetime.date(2026, 2, 2))
    buy(unit_b, "30000", datetime.date(2025, 9, 30))
    buy(unit_d, "1000", datetime.date(2026, 8, 8))
    AnnualTarget.objects.create(year=2026, amount=D("500000"))
    AnnualTarget.objects.create(year=2026, district=f.region(f.FUTIAN), amount=D("200000"))
    AnnualTarget.objects.create(year=2026, district=f.region(f.NANSHAN), amount=D("100000"))
    return unit_a, unit_b, unit_c, unit_d


def names(rows):
    return [row["name"] for row in rows]


# The figures -----------------------------------------------------------------------------------


def test_districts_are_ranked_by_share_and_by_growth(city_officer, quarter_three):
    data = bulletin_figures(user=city_officer, year=2026, quarter=3, as_of=AS_OF)
    assert data["first_day"] == "2026-01-01" and data["last_day"] == "2026-09-30"
    futian, nanshan = (
        next(d for d in data["districts"] if d["code"] == code) for code in (f.FUTIAN, f.NANSHAN)
    )
    assert names(data["districts"][:2]) == ["南山区", "福田区"]
    assert [d["rank_share"] for d in data["districts"][:3]] == [1, 2, None]
    assert nanshan == nanshan | {
        "agri_total": "50000.00",
        "assistance_total": "21000.00",
        "last_year_total": "30000.00",
        "share": "0.4200",
        "growth": "-0.3000",
        "target": "100000.00",
        "completion": "0.2100",
        "units_total": 2,
        "units_meeting_share": 1,
        "units_below_share": 0,
        "units_below_last_year": 1,
        "units_without_declaration": 1,
        "meets_share": True,
        "behind_schedule": True,
    }
    assert futian["agri_total"] == "250000.00"
    assert futian["assistance_total"] == "80000.00"
    assert futian["share"] == "0.3200"
    assert futian["growth"] == "2.2000"
    assert futian["completion"] == "0.4000"
    assert futian["units_below_share"] == 1
    assert names(data["districts_by_growth"][:2]) == ["福田区", "南山区"]
    assert data["city"] | {} == data["city"] | {
        "agri_total": "300000.00",
        "assistance_total": "101000.00",
        "share": "0.3367",
        "target": "500000.00",
        "completion": "0.2020",
        "units_total": 4,
        "units_meeting_share": 2,
        "units_below_share": 1,
        "units_below_last_year": 1,
        "units_without_declaration": 1,
    }
    assert data["time_progress"] == "0.7500"


def test_units_are_ranked_and_the_laggards_listed(city_officer, quarter_three):
    unit_a, unit_b, unit_c, unit_d = quarter_three
    data = bulletin_figures(user=city_officer, year=2026, quarter=3, as_of=AS_OF)
    # A and B tie at 40%: the larger amount first; D has no share.
    assert names(data["top_units"]) == [unit_a.name, unit_b.name, unit_c.name]
    assert names(data["top_units_growth"]) == [unit_c.name, unit_a.name, unit_b.name]
    assert data["below_share"] == [
        {
            "id": unit_c.pk,
            "name": "福田区第三幼儿园",
            "district": f.FUTIAN,
            "district_name": "福田区",
            "agri_total": "100000.00",
            "assistance_total": "20000.00",
            "share": "0.2000",
            "shortfall": "10000.00",
            "last_year_total": "5000.00",
            "growth": "3.0000",
            "decrease": "0.00",
        }
    ]
    assert names(data["below_last_year"]) == [unit_b.name]
    assert data["below_last_year"][0]["decrease"] == "10000.00"
    assert names(data["no_declaration"]) == [unit_d.name]
    assert data["laggard_unit_ids"] == sorted([unit_b.pk, unit_c.pk, unit_d.pk])


def test_a_waived_growth_rule_names_nobody_for_it(city_officer, quarter_three):
    QuotaPolicy.objects.filter(year=2026).update(growth_required=False)
    data = bulletin_figures(user=city_officer, year=2026, quarter=3, as_of=AS_OF)
    assert data["below_last_year"] == []
    assert quarter_three[1].pk not in data["laggard_unit_ids"]


def test_the_fourth_quarter_agrees_with_the_compliance_formula(city_officer, quarter_three):
    data = bulletin_figures(
        user=city_officer, year=2026, quarter=4, as_of=datetime.date(2027, 1, 5)
    )
    rows = {row.name: row for row in compliance_rows(user=city_officer, year=2026)}
    listed = {u["name"]: u for u in data["top_units"]}
    for name, line in listed.items():
        assert D(line["assistance_total"]) == rows[name].assistance_total
        assert D(line["share"]) == rows[name].share
    assert D(data["city"]["assistance_total"]) == sum(r.assistance_total for r in rows.values())


# Generating and the text -----------------------------------------------------------------------


def test_generate_writes_a_draft_whose_text_names_the_laggards(city_officer, quarter_three):
    result = bulletin_generate(actor=city_officer, year=2026, quarter=3, as_of=AS_OF)
    bulletin = result.bulletin
    assert not result.refreshed
    assert bulletin.status == Bulletin.Status.DRAFT
    assert bulletin.created_by == city_officer
    assert bulletin.title == "关于2026年第三季度消费帮扶工作进展情况的通报"
    body = bulletin.body
    for heading in ("一、总体情况", "二、各区进展", "三、存在问题", "四、下一步工作要求"):
        assert heading in body
    assert "全市4家预算单位" in body
    assert "采购帮扶产品10.10万元，占比33.7%" in body
    assert "南山区（42.0%）、福田区（32.0%）" in body
    assert "福田区第三幼儿园（福田区，占比20.0%，差额1.00万元）" in body
    assert "深圳市南山区人民医院（南山区，本年2.00万元，上年同期3.00万元）" in body
    assert "南山区第二中学（南山区）" in body
    assert "深圳市福田区教育局" not in body.split("三、存在问题")[1]
    assert "全市年度采购目标50.00万元，已完成20.2%" in body
    assert "2026年11月23日" in body
    assert bulletin.data["log"][0]["action"] == "generated"
    assert bulletin.data["log"][0]["user_id"] == city_officer.pk


def test_generating_again_rewrites_the_draft_but_never_a_published_bulletin(
    city_officer, quarter_three
):
    first = bulletin_generate(actor=city_officer, year=2026, quarter=3, as_of=AS_OF).bulletin
    bulletin_update(actor=city_officer, bulletin=first, title="改过的标题", body="改过的正文")
    again = bulletin_generate(actor=city_officer, year=2026, quarter=3, as_of=AS_OF)
    assert again.refreshed and again.bulletin.pk == first.pk
    assert again.bulletin.title.startswith("关于2026年第三季度")
    assert [e["action"] for e in again.bulletin.data["log"]] == [
        "generated",
        "edited",
        "regenerated",
    ]
    bulletin_publish(actor=city_officer, bulletin=again.bulletin)
    third = bulletin_generate(actor=city_officer, year=2026, quarter=3, as_of=AS_OF)
    assert not third.refreshed and third.bulletin.pk != first.pk
    assert Bulletin.objects.filter(year=2026, quarter=3).count() == 2


def test_a_quarter_that_has_not_ended_is_refused(city_officer):
    with pytest.raises(ApplicationError, match="has not ended"):
        bulletin_generate(actor=city_officer, year=2026, quarter=4, as_of=AS_OF)


@pytest.mark.parametrize("persona", ["district_officer", "clerk", "reviewer"])
def test_only_the_city_office_generates(request, persona):
    with pytest.raises(PermissionDenied):
        bulletin_generate(actor=request.getfixturevalue(persona), year=2026, quarter=3, as_of=AS_OF)


# Editing and publishing ------------------------------------------------------------------------


def test_a_draft_is_editable_and_a_published_bulletin_is_not(city_officer, quarter_three):
    bulletin = bulletin_generate(actor=city_officer, year=2026, quarter=3, as_of=AS_OF).bulletin
    edited = bulletin_update(actor=city_officer, bulletin=bulletin, title=" 新标题 ", body="正文")
    assert (edited.title, edited.body) == ("新标题", "正文")
    published = bulletin_publish(actor=city_officer, bulletin=edited)
    assert published.status == Bulletin.Status.PUBLISHED
    assert published.published_by == city_officer and published.published_at is not None
    with pytest.raises(ApplicationError, match="published"):
        bulletin_update(actor=city_officer, bulletin=published, title="再改", body="再改")
    with pytest.raises(ApplicationError):
        bulletin_publish(actor=city_officer, bulletin=published)
    published.refresh_from_db()
    assert published.title == "新标题"


def test_publish_notifies_the_district_offices_and_the_named_units_only(
    city_officer, district_officer, clerk, approver, clerk_b, supplier, reviewer, quarter_three
):
    _unit_a, _unit_b, unit_c, unit_d = quarter_three
    nanshan_office = f.member(
        Role.DISTRICT_OFFICE,
        f.DistrictOfficeFactory(name="南山区协作办", region=f.region(f.NANSHAN)),
    )
    nanshan_office.email = "nanshan@example.cn"
    nanshan_office.save()
    clerk_c = f.member(Role.UNIT_CLERK, unit_c)
    approver_d = f.member(Role.UNIT_APPROVER, unit_d)
    gone = f.member(Role.UNIT_CLERK, unit_c)
    gone.is_active = False
    gone.save()
    bulletin = bulletin_generate(actor=city_officer, year=2026, quarter=3, as_of=AS_OF).bulletin
    with pytest.raises(PermissionDenied):
        bulletin_publish(actor=district_officer, bulletin=bulletin)
    bulletin_publish(actor=city_officer, bulletin=bulletin)
    notified = set(Notification.objects.values_list("recipient__username", flat=True))
    assert notified == {
        district_officer.username,
        nanshan_office.username,
        clerk_b.username,
        clerk_c.username,
        approver_d.username,
    }
    link = reverse("reporting:bulletin_detail", args=[bulletin.pk])
    assert set(Notification.objects.values_list("link", flat=True)) == {link}
    assert Notification.objects.get(recipient=clerk_c).title.startswith(
        "Your unit is named in a bulletin"
    )


def test_publish_mails_beside_the_notification(
    city_officer, district_officer, quarter_three, django_capture_on_commit_callbacks
):
    district_officer.email = "futian@example.cn"
    district_officer.save()
    bulletin = bulletin_generate(actor=city_officer, year=2026, quarter=3, as_of=AS_OF).bulletin
    with django_capture_on_commit_callbacks(execute=True):
        bulletin_publish(actor=city_officer, bulletin=bulletin)
    assert [m.to for m in mail.outbox] == [["futian@example.cn"]]


# Pages: who reads and who acts -----------------------------------------------------------------


@pytest.fixture
def draft_and_published(city_officer, quarter_three):
    published = bulletin_generate(actor=city_officer, year=2026, quarter=2, as_of=AS_OF).bulletin
    bulletin_publish(actor=city_officer, bulletin=published)
    draft = bulletin_generate(actor=city_officer, year=2026, quarter=3, as_of=AS_OF).bulletin
    return draft, published


def test_readers_see_published_bulletins_and_the_city_office_its_drafts(
    client, city_officer, district_officer, clerk, draft_and_published
):
    draft, published = draft_and_published
    client.force_login(city_officer)
    assert list(client.get(ARCHIVE).context["page"].object_list) == [draft, published]
    for reader in (district_officer, clerk):
        client.force_login(reader)
        response = client.get(ARCHIVE)
        assert list(response.context["page"].object_list) == [published]
        assert client.get(reverse("reporting:bulletin_detail", args=[draft.pk])).status_code == 404
        page = client.get(reverse("reporting:bulletin_detail", args=[published.pk]))
        assert page.status_code == 200
        assert "edit-link" not in page.content.decode()
    assert list(bulletin_for_user(clerk)) == [published]


@pytest.mark.parametrize("persona", ["supplier", "reviewer"])
def test_suppliers_and_reviewers_read_no_bulletin(client, request, persona, draft_and_published):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(ARCHIVE).status_code == 403
    _draft, published = draft_and_published
    detail = reverse("reporting:bulletin_detail", args=[published.pk])
    assert client.get(detail).status_code == 403


@pytest.mark.parametrize("persona", ["district_officer", "clerk"])
def test_only_the_city_office_generates_edits_and_publishes_pages(
    client, request, persona, draft_and_published
):
    draft, _published = draft_and_published
    client.force_login(request.getfixturevalue(persona))
    assert client.get(GENERATE).status_code == 403
    assert client.post(GENERATE, {"period": "2026Q3"}).status_code == 403
    for name in ("reporting:bulletin_edit", "reporting:bulletin_publish"):
        url = reverse(name, args=[draft.pk])
        assert client.get(url).status_code == 403
        assert client.post(url, {"title": "x", "body": "y"}).status_code == 403
    draft.refresh_from_db()
    assert draft.status == Bulletin.Status.DRAFT


def test_the_city_office_generates_edits_and_publishes_through_the_pages(
    client, city_officer, district_officer, quarter_three
):
    client.force_login(city_officer)
    page = client.get(GENERATE)
    assert page.status_code == 200
    assert page.context["form"]["period"].value() == "2026Q3"
    response = client.post(GENERATE, {"period": "2026Q3"})
    bulletin = Bulletin.objects.get()
    assert response.url == reverse("reporting:bulletin_detail", args=[bulletin.pk])
    detail = client.get(response.url).content.decode()
    assert "福田区第三幼儿园" in detail and 'data-testid="publish-link"' in detail

    edit = reverse("reporting:bulletin_edit", args=[bulletin.pk])
    refused = client.post(edit, {"title": "", "body": "正文"})
    assert refused.status_code == 200 and refused.context["form"].errors["title"]
    assert client.post(edit, {"title": "修改后的通报", "body": "正文"}).status_code == 302

    publish = reverse("reporting:bulletin_publish", args=[bulletin.pk])
    confirm = client.get(publish)
    assert confirm.context["named_units"] == 3 and confirm.context["office_users"] == 1
    assert client.post(publish).status_code == 302
    bulletin.refresh_from_db()
    assert bulletin.status == Bulletin.Status.PUBLISHED and bulletin.title == "修改后的通报"
    # Read-only from now on: the edit page sends the office back to the bulletin.
    assert client.get(edit).url == reverse("reporting:bulletin_detail", args=[bulletin.pk])
    assert client.post(edit, {"title": "再改", "body": "再改"}).status_code == 302
    bulletin.refresh_from_db()
    assert bulletin.title == "修改后的通报"


def test_the_generate_page_refuses_a_quarter_it_does_not_offer(client, city_officer):
    client.force_login(city_officer)
    response = client.post(GENERATE, {"period": "2026Q4"})
    assert response.status_code == 200
    assert response.context["form"].errors["period"]
    assert not Bulletin.objects.exists()


def test_the_archive_filters_by_year_and_quarter(client, city_officer, draft_and_published):
    draft, published = draft_and_published
    client.force_login(city_officer)
    response = client.get(ARCHIVE, {"year": 2026, "quarter": 2})
    assert list(response.context["page"].object_list) == [published]
    response = client.get(ARCHIVE, {"status": "draft"})
    assert list(response.context["page"].object_list) == [draft]
    empty = client.get(ARCHIVE, {"year": 2025})
    assert 'data-testid="empty-state"' in empty.content.decode()


def test_the_archive_costs_the_same_queries_at_any_size(
    client, city_officer, district_officer, django_assert_max_num_queries
):
    for index in range(25):
        Bulletin.objects.create(
            year=2020 + index % 6,
            quarter=index % 4 + 1,
            title=f"通报{index}",
            body="正文",
            data={"big": "x" * 1000},
            created_by=city_officer,
            status="published",
            published_by=city_officer,
            published_at="2026-01-05T10:00:00+08:00",
        )
    for user in (city_officer, district_officer):
        client.force_login(user)
        with django_assert_max_num_queries(6):
            response = client.get(ARCHIVE)
        assert response.status_code == 200
        assert len(response.context["page"].object_list) == 20
        with django_assert_max_num_queries(6):
            client.get(ARCHIVE, {"page": 2})
