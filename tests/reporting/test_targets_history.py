"""The audit trail of the annual targets and of the quota policy (issue 7, point 2): each
change is a version with who and why; the targets page shows the year's trail of what the
reader may see; the city office sets the quota policy there, within (0, 100%]."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from portal.models import Notification
from procurement.models import AnnualTarget, QuotaPolicy
from reporting.targets import annual_targets_set, quota_policy_set
from reporting.targets_history import targets_history
from tests import factories as f

pytestmark = pytest.mark.django_db
D = Decimal
PAGE = reverse("reporting:targets")
POLICY = reverse("reporting:quota_policy")
FUTIAN_COUNTY = "451022"  # 百色市田东县, paired with 福田区 (portal/data/pairings.csv)
NANSHAN_COUNTY = "451003"


@pytest.fixture(autouse=True)
def english(settings):
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch):
    monkeypatch.setattr("reporting.views.bulletins.today", lambda: datetime.date(2026, 11, 23))


def set_targets(actor, *, year=2026, city=None, districts=None, regions=None):
    return annual_targets_set(
        actor=actor, year=year, city=city, districts=districts or {}, regions=regions or {}
    )


THIRTY_PERCENT = D("0.300")


def set_policy(actor, *, year=2026, ratio=THIRTY_PERCENT, growth_required=True, note=""):
    return quota_policy_set(
        actor=actor, year=year, ratio=ratio, growth_required=growth_required, note=note
    )


def versions(model, **scope):
    return list(model.history.filter(**scope).order_by("history_date", "history_id"))


# The targets' versions --------------------------------------------------------------------------


def test_setting_changing_and_removing_a_target_each_write_a_version(
    city_officer, district_officer
):
    set_targets(city_officer, districts={f.FUTIAN: D("100")})
    set_targets(city_officer, districts={f.FUTIAN: D("250.50")})
    set_targets(city_officer, districts={f.FUTIAN: None})
    created, changed, removed = versions(AnnualTarget, district_id=f.FUTIAN)
    assert [v.history_type for v in (created, changed, removed)] == ["+", "~", "-"]
    assert {v.history_user for v in (created, changed, removed)} == {city_officer}
    assert created.history_change_reason == "Target set" and created.amount == D("100")
    assert changed.history_change_reason == "Target changed"
    assert [c.field for c in changed.diff_against(created).changes] == ["amount"]
    assert removed.history_change_reason == "Target removed"
    # The district office is still told, as before.
    assert Notification.objects.filter(recipient=district_officer).count() == 3


def test_an_unchanged_target_writes_no_version(city_officer):
    set_targets(city_officer, city=D("500"))
    set_targets(city_officer, city=D("500"))
    assert len(versions(AnnualTarget)) == 1


def test_a_refused_form_writes_no_version(city_officer):
    with pytest.raises(ValidationError):
        set_targets(city_officer, city=D("1"), districts={f.FUTIAN: D("0")})
    assert not AnnualTarget.history.exists()


# The quota policy's service ---------------------------------------------------------------------


def test_the_city_office_sets_and_changes_the_policy_with_versions(city_officer):
    saved = set_policy(city_officer, ratio=D("0.300"), note="深府办〔2021〕号")
    assert saved.changed and saved.policy.ratio == D("0.300")
    saved = set_policy(city_officer, ratio=D("0.305"), growth_required=False)
    first, second = versions(QuotaPolicy)
    assert first.history_change_reason == "Quota policy set" and first.history_type == "+"
    assert second.history_change_reason == "Quota policy changed"
    assert {first.history_user, second.history_user} == {city_officer}
    changed = {c.field for c in second.diff_against(first).changes}
    assert changed == {"ratio", "growth_required", "note"}
    policy = QuotaPolicy.objects.get(year=2026)
    assert (policy.ratio, policy.growth_required, policy.note) == (D("0.305"), False, "")


def test_the_same_policy_again_changes_nothing(city_officer):
    set_policy(city_officer, note="  同上 ")
    assert set_policy(city_officer, note="同上").changed is False
    assert len(versions(QuotaPolicy)) == 1


@pytest.mark.parametrize(
    ("ratio", "message"),
    [
        (D("0"), "more than 0%"),
        (D("-0.05"), "more than 0%"),
        (D("1.01"), "more than 100%"),
        (D("1E+9"), "more than 100%"),
        (D("0.3055"), "one decimal place"),
        (D("NaN"), "as a percentage"),
        (D("Infinity"), "as a percentage"),
        ("abc", "as a percentage"),
        (0.3, "as a percentage"),  # a float is not a share: money and shares are Decimal
        (None, "as a percentage"),
    ],
)
def test_a_share_outside_0_to_100_percent_is_refused_and_nothing_changes(
    city_officer, ratio, message
):
    set_policy(city_officer, ratio=D("0.300"))
    with pytest.raises(ValidationError) as refusal:
        set_policy(city_officer, ratio=ratio)
    assert message in refusal.value.message_dict["ratio"][0]
    assert QuotaPolicy.objects.get().ratio == D("0.300")
    assert len(versions(QuotaPolicy)) == 1


def test_a_full_share_of_100_percent_is_allowed(city_officer):
    assert set_policy(city_officer, ratio=D("1")).policy.ratio == D("1")


def test_an_overlong_note_and_an_implausible_year_are_refused(city_officer):
    with pytest.raises(ValidationError) as refusal:
        set_policy(city_officer, year=1999, note="x" * 1001)
    assert set(refusal.value.message_dict) == {"year", "note"}
    assert not QuotaPolicy.objects.exists()


@pytest.mark.parametrize("persona", ["district_officer", "clerk", "supplier", "reviewer"])
def test_only_the_city_office_sets_the_policy(request, persona):
    with pytest.raises(PermissionDenied):
        set_policy(request.getfixturevalue(persona))
    assert not QuotaPolicy.history.exists()


# The trail as readers see it ---------------------------------------------------------------------


def everything(city_officer):
    set_targets(
        city_officer,
        city=D("1000"),
        districts={f.FUTIAN: D("100"), f.NANSHAN: D("200")},
        regions={FUTIAN_COUNTY: D("10"), NANSHAN_COUNTY: D("20")},
    )
    set_targets(city_officer, city=D("1000"), districts={f.FUTIAN: D("150")})
    set_policy(city_officer, ratio=D("0.350"))
    set_targets(city_officer, year=2025, districts={f.FUTIAN: D("90")})


def test_the_city_office_reads_the_whole_year(city_officer):
    everything(city_officer)
    entries = targets_history(user=city_officer, year=2026)
    assert len(entries) == 7  # five targets set, one changed, the policy
    assert entries[0].reason == "Quota policy set"
    assert ("Required share", None, "35.0%") in entries[0].changes
    assert entries[1].reason == "福田区: Target changed"
    assert entries[1].changes == [("target (yuan)", "¥100.00", "¥150.00")]
    assert all(entry.user == city_officer for entry in entries)


def test_a_district_office_reads_its_own_and_its_counties_and_the_policy(
    city_officer, district_officer
):
    everything(city_officer)
    entries = targets_history(user=district_officer, year=2026)
    subjects = [entry.reason.split(":")[0] for entry in entries]
    assert sorted(subjects) == sorted(
        ["Quota policy set", "福田区", "福田区", "广西壮族自治区百色市田东县"]
    )


def test_a_policy_change_shows_before_and_after_and_an_admin_edit_its_kind(city_officer):
    QuotaPolicy.objects.create(year=2026, ratio=D("0.300"))  # as the admin or the seed would
    set_policy(city_officer, ratio=D("0.350"), growth_required=False)
    changed, created = targets_history(user=city_officer, year=2026)
    assert created.reason == "Quota policy: Record created" and created.user is None
    assert changed.reason == "Quota policy changed"
    assert changed.changes == [
        ("Required share", "30.0%", "35.0%"),
        ("Year-on-year rule", "No lower than last year", "None"),
    ]


@pytest.mark.parametrize("persona", ["clerk", "supplier", "reviewer"])
def test_others_read_no_trail(request, city_officer, persona):
    everything(city_officer)
    assert targets_history(user=request.getfixturevalue(persona), year=2026) == []


def test_the_trail_is_capped_newest_first(city_officer):
    for amount in range(1, 8):
        set_targets(city_officer, city=D(amount))
    entries = targets_history(user=city_officer, year=2026, limit=5)
    assert [entry.changes[0][2] for entry in entries] == [f"¥{n}.00" for n in (7, 6, 5, 4, 3)]


# The page ----------------------------------------------------------------------------------------


def test_the_city_office_sees_the_policy_its_form_and_the_trail(client, city_officer):
    everything(city_officer)
    client.force_login(city_officer)
    page = client.get(PAGE, {"year": 2026})
    body = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="policy-form"' in body
    assert 'data-testid="policy-share">35.0%' in body
    assert "Target changed" in body and "¥100.00 → ¥150.00" in body
    assert "南山区: Target set" in body


def test_a_year_without_a_policy_shows_the_standard_rule(client, district_officer):
    client.force_login(district_officer)
    body = client.get(PAGE, {"year": 2026}).content.decode()
    assert 'data-testid="policy-share">30.0%' in body
    assert 'data-testid="policy-default"' in body
    assert "No target or policy of this year has been changed yet." in body


def test_a_district_office_reads_the_policy_and_its_own_trail_only(
    client, city_officer, district_officer
):
    everything(city_officer)
    client.force_login(district_officer)
    body = client.get(PAGE, {"year": 2026}).content.decode()
    assert 'data-testid="policy-share">35.0%' in body
    assert 'data-testid="policy-form"' not in body
    assert "福田区: Target changed" in body and "田东县: Target set" in body
    assert "南山区" not in body and "City-wide: Target set" not in body


def test_the_city_office_sets_the_policy_as_a_percentage(client, city_officer):
    client.force_login(city_officer)
    response = client.post(
        POLICY, {"year": "2026", "ratio": "30.5 %", "growth_required": "on"}, follow=True
    )
    assert response.redirect_chain[-1][0] == f"{PAGE}?year=2026"
    body = response.content.decode()
    assert "The quota policy of 2026 is saved: 30.5%, no lower than last year." in body
    policy = QuotaPolicy.objects.get(year=2026)
    assert (policy.ratio, policy.growth_required) == (D("0.305"), True)
    (version,) = versions(QuotaPolicy)
    assert version.history_user == city_officer
    assert "· Quota policy set" in body


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("0", "more than 0%"),
        ("101", "more than 100%"),
        ("-5", "more than 0%"),
        ("abc", "as a percentage"),
        ("1e9", "as a percentage"),
        ("9" * 60, "more than 100%"),
        ("30.55", "one decimal place"),
        ("", "required"),
    ],
)
def test_what_is_not_a_share_is_shown_and_nothing_changes(client, city_officer, typed, message):
    set_policy(city_officer, ratio=D("0.300"), note="原政策")
    client.force_login(city_officer)
    response = client.post(POLICY, {"year": "2026", "ratio": typed, "note": "新"})
    assert response.status_code == 200
    assert message in response.context["policy_form"].errors["ratio"][0]
    assert 'data-testid="error-summary"' in response.content.decode()
    policy = QuotaPolicy.objects.get()
    assert (policy.ratio, policy.note) == (D("0.300"), "原政策")
    assert len(versions(QuotaPolicy)) == 1


def test_saving_the_same_policy_says_nothing_changed(client, city_officer):
    set_policy(city_officer, ratio=D("0.300"), growth_required=True)
    client.force_login(city_officer)
    response = client.post(
        POLICY, {"year": "2026", "ratio": "30", "growth_required": "on"}, follow=True
    )
    assert "Nothing changed." in response.content.decode()
    assert len(versions(QuotaPolicy)) == 1


@pytest.mark.parametrize("persona", ["district_officer", "clerk", "supplier", "reviewer"])
def test_only_the_city_office_may_post_the_policy(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.post(POLICY, {"year": "2026", "ratio": "40"}).status_code == 403
    assert not QuotaPolicy.objects.exists()


def test_the_policy_url_takes_posts_only_and_sign_in(client, city_officer):
    assert client.post(POLICY, {"year": "2026", "ratio": "40"}).status_code == 302
    assert not QuotaPolicy.objects.exists()
    client.force_login(city_officer)
    assert client.get(POLICY).status_code == 405


def test_html_in_values_is_escaped(client, city_officer):
    set_policy(city_officer, note="<script>alert(1)</script>")
    client.force_login(city_officer)
    body = client.get(PAGE, {"year": 2026}).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


@pytest.mark.parametrize("persona", ["city_officer", "district_officer"])
def test_the_page_costs_the_same_queries_with_a_long_trail(
    client, request, city_officer, persona, django_assert_max_num_queries
):
    client.force_login(request.getfixturevalue(persona))
    with django_assert_max_num_queries(9):
        client.get(PAGE, {"year": 2026})
    for n in range(1, 16):
        set_targets(
            city_officer,
            city=D(1000 + n),
            districts={f.FUTIAN: D(100 + n), f.NANSHAN: D(200 + n)},
            regions={FUTIAN_COUNTY: D(10 + n), NANSHAN_COUNTY: D(20 + n)},
        )
        set_policy(city_officer, ratio=D("0.300") + D(n) / 1000, note=f"第{n}版")
    with django_assert_max_num_queries(9):
        response = client.get(PAGE, {"year": 2026})
    assert 0 < len(response.context["history"]) <= 100
