"""The year's further quota rules (``procurement.models.QuotaRule``), set by the city office
beside the policy's main rule: e.g. the national "832平台采购食堂食材不低于10%" (10% of the
declared canteen-food total through the 832 platform, for agencies, institutions, schools and
hospitals) or Guangzhou's "工会福利50%用于消费帮扶专馆专区" (half the union-welfare total in the
special outlets). ``procurement.quota`` evaluates them for every unit.

Each change is a version in the rule's history (django-simple-history) with the acting user and
the step ("Quota rule added", "Quota rule changed", "Quota rule removed"), written in the same
transaction. A rule belongs to the year's policy: adding one to a year without a policy sets
the policy first, with Shenzhen's standard rule (30%, no lower than last year).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils.translation import gettext as _

from portal.history import stamp
from portal.roles import actor_of
from procurement.models import BudgetUnit, Channel, QuotaPolicy, QuotaRule
from procurement.quota import DEFAULT_QUOTA_RATIO

from .targets import FIRST_YEAR, LAST_YEAR, MAX_POLICY_NOTE

MAX_RULE_NAME = QuotaRule._meta.get_field("name").max_length
# The rule's trail on its page: a rule sees a handful of changes a year.
RULE_HISTORY_LIMIT = 50


def quota_rules_of(year: int) -> QuerySet[QuotaRule]:
    """The year's further rules in their order (the rules are public to every office, as the
    policy is: units must know the rules they are held to)."""
    return QuotaRule.objects.filter(policy__year=year).order_by("position", "pk")


def _require_city_office(actor) -> None:
    if not actor_of(actor).is_city_office:
        raise PermissionDenied(_("Only the city coordination office sets the quota rules."))


@dataclass(frozen=True)
class RuleValues:
    """A rule as the form gives it: ``ratio`` as a share (0.1 for 10%)."""

    name: str
    base: str
    ratio: Decimal
    channels: list[str]
    categories: list[str]
    note: str = ""


def _clean(values: RuleValues) -> RuleValues:
    """The values checked, in clear words (field: message); channels and categories in their
    choices' order, without repeats."""
    errors: dict[str, str] = {}
    name = " ".join((values.name or "").split())
    if not name:
        errors["name"] = _("Give the rule a name, e.g. 832平台采购食堂食材不低于10%.")
    elif len(name) > MAX_RULE_NAME:
        errors["name"] = _("Keep the name to %(count)s characters at most.") % {
            "count": MAX_RULE_NAME
        }
    if values.base not in QuotaRule.Base.values:
        errors["base"] = _("Choose the declared total the rule is a share of.")
    ratio = values.ratio
    if not isinstance(ratio, Decimal) or not ratio.is_finite():
        errors["ratio"] = _("Give the required share as a percentage, e.g. 10.")
    elif ratio <= 0:
        errors["ratio"] = _("The required share must be more than 0%.")
    elif ratio > 1:
        errors["ratio"] = _("The required share cannot be more than 100%.")
    elif ratio != ratio.quantize(Decimal("0.001")):
        errors["ratio"] = _("Give the share to one decimal place at most, e.g. 30.5.")
    unknown = set(values.channels) - set(Channel.values)
    if unknown:
        errors["channels"] = _("Unknown channel: %(codes)s.") % {
            "codes": ", ".join(sorted(unknown))
        }
    unknown = set(values.categories) - set(BudgetUnit.Category.values)
    if unknown:
        errors["categories"] = _("Unknown unit category: %(codes)s.") % {
            "codes": ", ".join(sorted(unknown))
        }
    note = (values.note or "").strip()
    if len(note) > MAX_POLICY_NOTE:
        errors["note"] = _("Keep the note to %(count)s characters at most.") % {
            "count": MAX_POLICY_NOTE
        }
    if errors:
        raise ValidationError(errors)
    return RuleValues(
        name=name,
        base=values.base,
        ratio=ratio,
        channels=_ordered(values.channels, Channel.values),
        categories=_ordered(values.categories, BudgetUnit.Category.values),
        note=note,
    )


def _ordered(chosen: Iterable[str], order: list[str]) -> list[str]:
    wanted = set(chosen)
    return [code for code in order if code in wanted]


def _check_name_free(policy: QuotaPolicy, name: str, *, rule_id: int | None = None) -> None:
    taken = QuotaRule.objects.filter(policy=policy, name__iexact=name)
    if rule_id is not None:
        taken = taken.exclude(pk=rule_id)
    if taken.exists():
        raise ValidationError(
            {
                "name": _("The quota rules of %(year)s already have a rule named “%(name)s”.")
                % {"year": policy.year, "name": name}
            }
        )


def _policy_for_rules(*, actor, year: int) -> QuotaPolicy:
    """The year's policy, locked; set to Shenzhen's standard rule when the year has none yet."""
    policy = QuotaPolicy.objects.select_for_update().filter(year=year).first()
    if policy is not None:
        return policy
    policy = QuotaPolicy(year=year, ratio=DEFAULT_QUOTA_RATIO, growth_required=True)
    policy.full_clean()
    stamp(policy, actor=actor, reason=_("Quota policy set"))
    policy.save()
    return policy


@transaction.atomic
def quota_rule_create(*, actor, year: int, values: RuleValues) -> QuotaRule:
    """The city office adds a rule to the year's policy (after its other rules). The name is
    unique in the year, so that bulletins and exports can name the rule."""
    _require_city_office(actor)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationError({"year": _("Choose a year between 2000 and 2100.")})
    values = _clean(values)
    policy = _policy_for_rules(actor=actor, year=year)
    _check_name_free(policy, values.name)
    last = policy.rules.aggregate(last=Max("position"))["last"]
    rule = QuotaRule(
        policy=policy,
        position=0 if last is None else last + 1,
        name=values.name,
        base=values.base,
        ratio=values.ratio,
        channels=values.channels,
        categories=values.categories,
        note=values.note,
    )
    rule.full_clean()
    stamp(rule, actor=actor, reason=_("Quota rule added"))
    rule.save()
    return rule


@dataclass(frozen=True)
class RuleSaved:
    rule: QuotaRule
    changed: bool


@transaction.atomic
def quota_rule_update(*, actor, rule: QuotaRule, values: RuleValues) -> RuleSaved:
    """The city office changes a rule; saving the same values changes nothing."""
    _require_city_office(actor)
    values = _clean(values)
    rule = QuotaRule.objects.select_for_update().select_related("policy").get(pk=rule.pk)
    _check_name_free(rule.policy, values.name, rule_id=rule.pk)
    wanted = {
        "name": values.name,
        "base": values.base,
        "ratio": values.ratio,
        "channels": values.channels,
        "categories": values.categories,
        "note": values.note,
    }
    if all(getattr(rule, name) == value for name, value in wanted.items()):
        return RuleSaved(rule=rule, changed=False)
    for name, value in wanted.items():
        setattr(rule, name, value)
    rule.full_clean()
    stamp(rule, actor=actor, reason=_("Quota rule changed"))
    rule.save()
    return RuleSaved(rule=rule, changed=True)


@transaction.atomic
def quota_rule_delete(*, actor, rule: QuotaRule) -> None:
    """The city office removes a rule; its history keeps every version, the removal with who
    removed it."""
    _require_city_office(actor)
    rule = QuotaRule.objects.select_for_update().get(pk=rule.pk)
    stamp(rule, actor=actor, reason=_("Quota rule removed"))
    rule.delete()


def quota_rules_history(*, year: int, limit: int = RULE_HISTORY_LIMIT) -> list:
    """The year's rule versions, newest first, removed rules included, with who and why: one
    query (the versions keep the policy's id; the policy is found by the year)."""
    policy_id = QuotaPolicy.objects.filter(year=year).values("pk")
    return list(
        QuotaRule.history.filter(policy_id__in=policy_id)
        .select_related("history_user")
        .order_by("-history_date", "-history_id")[:limit]
    )
