"""The form of a further quota rule: it parses what the city office typed; the rules of the
rule live in ``reporting.quota_rules``."""

from __future__ import annotations

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from procurement.models import BudgetUnit, Channel, QuotaRule

from .forms_targets import PercentField
from .quota_rules import MAX_RULE_NAME, RuleValues
from .targets import MAX_POLICY_NOTE


class QuotaRuleForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=MAX_RULE_NAME,
        help_text=_(
            "As the rule is known, e.g. 832平台采购食堂食材不低于10%; no two rules of a year "
            "may share a name."
        ),
    )
    base = forms.ChoiceField(
        label=_("Share of"),
        choices=QuotaRule.Base.choices,
        help_text=_(
            "The declared total the rule is a share of. Farm products count every purchase; "
            "canteen food counts purchases for canteens; union welfare counts purchases for "
            "union welfare."
        ),
    )
    ratio = PercentField(
        label=_("Required share (%)"),
        help_text=_(
            "As a percentage of the declared total, above 0 and up to 100 with at most one "
            "decimal: 10 means 10%."
        ),
    )
    channels = forms.MultipleChoiceField(
        label=_("Channels counted"),
        choices=Channel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only purchases through these channels count; none ticked: every channel."),
    )
    categories = forms.MultipleChoiceField(
        label=_("Unit categories"),
        choices=BudgetUnit.Category.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The rule applies to units of these categories only; none ticked: every unit."),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=MAX_POLICY_NOTE,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=format_lazy(
            _(
                "Where the rule comes from, e.g. the document that sets it; up to {count} "
                "characters."
            ),
            count=MAX_POLICY_NOTE,
        ),
    )

    @classmethod
    def for_rule(cls, rule: QuotaRule, data=None) -> QuotaRuleForm:
        return cls(
            data,
            initial={
                "name": rule.name,
                "base": rule.base,
                "ratio": f"{rule.ratio * 100:.1f}".removesuffix(".0"),
                "channels": rule.channels,
                "categories": rule.categories,
                "note": rule.note,
            },
        )

    def values(self) -> RuleValues:
        """The parsed rule, in the shape the services take (the share as 0.105)."""
        data = self.cleaned_data
        return RuleValues(
            name=data["name"],
            base=data["base"],
            ratio=data["ratio"].scaleb(-2),
            channels=list(data["channels"]),
            categories=list(data["categories"]),
            note=data["note"],
        )
