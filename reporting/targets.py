"""The year's purchase targets (年度目标) the dashboards and bulletins measure against: the
city's total, each district's share of it, and the amount to buy from each paired county.

The city office sets them, one form per year; a district office reads its own district's
target and those of the counties it is paired with. The city office also sets the year's quota
policy (``QuotaPolicy``: the required share and the year-on-year rule), which every office
reads.

Every change of a target or of the policy is a version in its history (django-simple-history,
issue 7 point 2) with the acting user and the step ("Target set", "Target changed", "Target
removed", "Quota policy set"), written in the same transaction; the district offices whose
targets changed are told in the portal. ``reporting.targets_history`` reads the year's trail,
scoped as the targets are.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from portal.formatting import yuan
from portal.history import reason_text, stamp
from portal.models import DistrictPairing, Role
from portal.notifications import notify
from portal.roles import actor_of
from portal.selectors import city_districts
from procurement.models import AnnualTarget, QuotaPolicy
from procurement.quota import Rule, rule_book

User = get_user_model()

# No target comes near ¥1,000bn (Shenzhen's whole programme is ¥11bn a year); the field
# holds up to 999,999,999,999.99.
MAX_TARGET = Decimal("999999999999.99")
FIRST_YEAR, LAST_YEAR = 2000, 2100

CITY_FIELD = "city"
# A note explains the policy in a sentence or two; a page of text belongs in a document.
MAX_POLICY_NOTE = 1000


def district_field(code: str) -> str:
    return f"district_{code}"


def region_field(code: str) -> str:
    return f"region_{code}"


def target_for_user(user) -> QuerySet[AnnualTarget]:
    """The city office reads every target; a district office its district's own and those of
    the counties paired with its district; nobody else any."""
    actor = actor_of(user)
    qs = AnnualTarget.objects.select_related("district", "region")
    if actor.is_city_office:
        return qs
    if actor.is_district_office:
        paired = DistrictPairing.objects.filter(district_id=actor.district_code).values("region_id")
        return qs.filter(Q(district_id=actor.district_code) | Q(region_id__in=paired))
    return qs.none()


@dataclass
class TargetLine:
    """One line of the year's targets: the city, a district or a paired county."""

    field: str
    scope: str  # "city", "district" or "region"
    code: str | None
    name: str
    amount: Decimal | None = None
    last_year: Decimal | None = None
    paired_with: list[str] = field(default_factory=list)


@dataclass
class TargetSheet:
    year: int
    city: TargetLine
    districts: list[TargetLine]
    regions: list[TargetLine]

    @property
    def lines(self) -> list[TargetLine]:
        return [self.city, *self.districts, *self.regions]

    @property
    def districts_total(self) -> Decimal | None:
        amounts = [line.amount for line in self.districts if line.amount is not None]
        return sum(amounts, Decimal("0.00")) if amounts else None

    @property
    def regions_total(self) -> Decimal | None:
        amounts = [line.amount for line in self.regions if line.amount is not None]
        return sum(amounts, Decimal("0.00")) if amounts else None

    @property
    def mismatch(self) -> Decimal | None:
        """The districts' total minus the city's, when both are set and differ."""
        total, city = self.districts_total, self.city.amount
        if total is None or city is None or total == city:
            return None
        return total - city


def target_sheet(*, user, year: int) -> TargetSheet:
    """The year's targets as the user may read them, with last year's beside, in four
    queries (districts, pairings, targets of the two years)."""
    actor = actor_of(user)
    districts = city_districts()
    pairings = DistrictPairing.objects.select_related("region__parent__parent", "district")
    if actor.is_district_office:
        districts = districts.filter(code=actor.district_code)
        pairings = pairings.filter(district_id=actor.district_code)
    elif not actor.is_city_office:
        districts, pairings = districts.none(), pairings.none()
    amounts: dict[tuple[int, str, str | None], Decimal] = {}
    for target in target_for_user(user).filter(year__in=[year, year - 1]):
        if target.district_id:
            key = (target.year, "district", target.district_id)
        elif target.region_id:
            key = (target.year, "region", target.region_id)
        else:
            key = (target.year, "city", None)
        amounts[key] = target.amount

    def line(scope: str, code: str | None, name: str, field_name: str) -> TargetLine:
        return TargetLine(
            field=field_name,
            scope=scope,
            code=code,
            name=name,
            amount=amounts.get((year, scope, code)),
            last_year=amounts.get((year - 1, scope, code)),
        )

    city = line("city", None, _("City-wide"), CITY_FIELD)
    district_lines = [line("district", d.code, d.name, district_field(d.code)) for d in districts]
    regions: dict[str, TargetLine] = {}
    for pairing in pairings.order_by("district__code", "region__code"):
        region = pairing.region
        if region.code not in regions:
            regions[region.code] = line(
                "region", region.code, region.full_name, region_field(region.code)
            )
        regions[region.code].paired_with.append(pairing.district.name)
    return TargetSheet(
        year=year, city=city, districts=district_lines, regions=list(regions.values())
    )


@dataclass(frozen=True)
class Change:
    label: str
    district: str | None  # the district office to tell, if any
    old: Decimal | None
    new: Decimal | None


@dataclass
class TargetsSaved:
    changes: list[Change]
    warnings: list[str]


def _check_amount(errors: dict, name: str, amount: Decimal | None) -> None:
    if amount is None:
        return
    if not isinstance(amount, Decimal):
        errors[name] = _("Give the target as an amount in yuan.")
    elif amount <= 0:
        errors[name] = _("A target is a positive amount; leave the field empty for no target.")
    elif amount > MAX_TARGET:
        errors[name] = _("This amount is too large for a target; check the unit (万 or 亿).")
    elif amount != amount.quantize(Decimal("0.01")):
        errors[name] = _("Give the target to the fen at most (2 decimal places in yuan).")


def sum_warning(sheet: TargetSheet) -> str | None:
    """The districts' targets should add up to the city's: say so when they do not (a warning,
    not a refusal: the city may keep a reserve, or set the districts' first)."""
    if sheet.mismatch is None:
        return None
    return _(
        "The districts' targets add up to %(districts)s, but the city-wide target is "
        "%(city)s (a difference of %(difference)s)."
    ) % {
        "districts": yuan(sheet.districts_total),
        "city": yuan(sheet.city.amount),
        "difference": yuan(abs(sheet.mismatch)),
    }


@transaction.atomic
def annual_targets_set(
    *,
    actor,
    year: int,
    city: Decimal | None,
    districts: Mapping[str, Decimal | None],
    regions: Mapping[str, Decimal | None],
) -> TargetsSaved:
    """Set the year's targets in one go (issue 6, point 5: e.g. ¥11.0bn city-wide, per
    district, per paired county). An empty amount removes that target. Refuses amounts that
    are not positive; warns when the districts' targets do not add up to the city's."""
    if not actor_of(actor).is_city_office:
        raise PermissionDenied(_("Only the city coordination office sets the annual targets."))
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationError({"year": _("Choose a year between 2000 and 2100.")})
    known_districts = dict(city_districts().values_list("code", "name"))
    known_regions = {
        p.region_id: p.region.full_name
        for p in DistrictPairing.objects.select_related("region__parent__parent")
    }
    errors: dict[str, str] = {}
    _check_amount(errors, CITY_FIELD, city)
    for code, amount in districts.items():
        if code not in known_districts:
            errors[district_field(code)] = _("This is not a district of the city.")
        else:
            _check_amount(errors, district_field(code), amount)
    for code, amount in regions.items():
        if code not in known_regions:
            errors[region_field(code)] = _("This county is not paired with a district.")
        else:
            _check_amount(errors, region_field(code), amount)
    if errors:
        raise ValidationError(errors)

    existing = {
        (t.district_id, t.region_id): t
        for t in AnnualTarget.objects.select_for_update(of=("self",)).filter(year=year)
    }
    wanted: list[tuple[tuple[str | None, str | None], str, str | None, Decimal | None]] = [
        ((None, None), str(_("City-wide")), None, city)
    ]
    wanted += [((code, None), known_districts[code], code, a) for code, a in districts.items()]
    pairing_district = dict(DistrictPairing.objects.values_list("region_id", "district_id"))
    wanted += [
        ((None, code), known_regions[code], pairing_district.get(code), a)
        for code, a in regions.items()
    ]
    changes = []
    created: list[AnnualTarget] = []
    updated: list[AnnualTarget] = []
    for key, label, office_district, amount in wanted:
        target = existing.get(key)
        old = target.amount if target else None
        if old == amount:
            continue
        if amount is None:
            # A removal is rare (one target at a time): its version is written on delete.
            stamp(target, actor=actor, reason=_("Target removed"))
            target.delete()
        elif target is None:
            target = AnnualTarget(year=year, district_id=key[0], region_id=key[1], amount=amount)
            target.full_clean()
            created.append(target)
        else:
            target.amount = amount
            target.full_clean()
            updated.append(target)
        changes.append(Change(label=label, district=office_district, old=old, new=amount))
    # One insert for the new targets and one for their versions; likewise for the changed.
    if created:
        bulk_create_with_history(
            created,
            AnnualTarget,
            default_user=actor,
            default_change_reason=reason_text(_("Target set")),
        )
    if updated:
        bulk_update_with_history(
            updated,
            AnnualTarget,
            ["amount"],
            default_user=actor,
            default_change_reason=reason_text(_("Target changed")),
        )
    _notify_districts(year, changes)
    sheet = target_sheet(user=actor, year=year)
    warning = sum_warning(sheet)
    return TargetsSaved(changes=changes, warnings=[warning] if warning else [])


def _describe(change: Change) -> str:
    if change.new is None:
        return _("%(name)s: target removed (was %(old)s)") % {
            "name": change.label,
            "old": yuan(change.old),
        }
    return _("%(name)s: %(new)s") % {"name": change.label, "new": yuan(change.new)}


def _notify_districts(year: int, changes: list[Change]) -> None:
    """Tell each district office of its new targets (its own and its paired counties')."""
    by_district: dict[str, list[Change]] = {}
    for change in changes:
        if change.district:
            by_district.setdefault(change.district, []).append(change)
    if not by_district:
        return
    offices = User.objects.filter(
        membership__role=Role.DISTRICT_OFFICE,
        membership__organisation__region_id__in=list(by_district),
        is_active=True,
    ).annotate(office_district=F("membership__organisation__region_id"))
    recipients: dict[str, list] = {}
    for user in offices.order_by("pk"):
        recipients.setdefault(user.office_district, []).append(user)
    link = f"{reverse('reporting:targets')}?year={year}"
    for code, district_changes in by_district.items():
        notify(
            recipients=recipients.get(code, []),
            title=_("Your annual targets for %(year)s have changed") % {"year": year},
            body="\n".join(_describe(change) for change in district_changes),
            link=link,
        )


# The quota policy --------------------------------------------------------------------------


@dataclass(frozen=True)
class PolicyView:
    """The year's quota policy as the page shows it; ``is_default`` when the year has none of
    its own and Shenzhen's rule applies (``DEFAULT_QUOTA_RATIO``, no lower than last year)."""

    year: int
    ratio: Decimal
    growth_required: bool
    note: str
    is_default: bool
    # The policy's further rules (``procurement.quota``), set on their own pages.
    rules: tuple[Rule, ...] = ()

    @property
    def percent(self) -> Decimal:
        """The share as typed in the form: 0.300 → 30.0."""
        return (self.ratio * 100).quantize(Decimal("0.1"))


def quota_policy_of(year: int) -> PolicyView:
    """The policy that applies in ``year`` with its further rules, in one query."""
    book = rule_book(year)
    return PolicyView(
        year=year,
        ratio=book.ratio,
        growth_required=book.growth_required,
        note=book.note,
        is_default=book.is_default,
        rules=book.extra,
    )


def _ratio_error(ratio) -> str | None:
    """Why ``ratio`` (a share, 0.3 for 30%) cannot be the required share, or None."""
    if not isinstance(ratio, Decimal) or not ratio.is_finite():
        return _("Give the required share as a percentage, e.g. 30.")
    if ratio <= 0:
        return _("The required share must be more than 0%.")
    if ratio > 1:
        return _("The required share cannot be more than 100%.")
    if ratio != ratio.quantize(Decimal("0.001")):
        return _("Give the share to one decimal place at most, e.g. 30.5.")
    return None


@dataclass(frozen=True)
class PolicySaved:
    policy: QuotaPolicy
    changed: bool


@transaction.atomic
def quota_policy_set(
    *, actor, year: int, ratio: Decimal, growth_required: bool, note: str = ""
) -> PolicySaved:
    """The city office sets the year's quota policy: the share of a unit's farm-products
    procurement that must go to assistance products (Shenzhen: no less than 30%, as
    ``ratio`` 0.300) and whether a unit's amount may not fall below last year's (Guangzhou
    measure 16). The change is a version of the policy with the actor and the step; saving
    the same values changes nothing."""
    if not actor_of(actor).is_city_office:
        raise PermissionDenied(_("Only the city coordination office sets the quota policy."))
    errors: dict[str, str] = {}
    if not FIRST_YEAR <= year <= LAST_YEAR:
        errors["year"] = _("Choose a year between 2000 and 2100.")
    message = _ratio_error(ratio)
    if message:
        errors["ratio"] = message
    note = (note or "").strip()
    if len(note) > MAX_POLICY_NOTE:
        errors["note"] = _("Keep the note to %(count)s characters at most.") % {
            "count": MAX_POLICY_NOTE
        }
    if errors:
        raise ValidationError(errors)
    policy = QuotaPolicy.objects.select_for_update().filter(year=year).first()
    if policy is None:
        policy, reason = QuotaPolicy(year=year), _("Quota policy set")
    elif (policy.ratio, policy.growth_required, policy.note) == (ratio, growth_required, note):
        return PolicySaved(policy=policy, changed=False)
    else:
        reason = _("Quota policy changed")
    policy.ratio = ratio
    policy.growth_required = bool(growth_required)
    policy.note = note
    policy.full_clean()
    stamp(policy, actor=actor, reason=reason)
    policy.save()
    return PolicySaved(policy=policy, changed=True)
