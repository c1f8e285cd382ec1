"""The city office's pages for the year's further quota rules: the list with the rules'
change history, add, edit, and delete behind a confirmation page. Only the city office sets
the rules (403 for everyone else); the targets page shows them to the district offices too."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from portal.models import Role
from portal.periods import today
from portal.permissions import role_required
from procurement.forms import call_service, parse_year
from procurement.models import QuotaRule
from procurement.quota import rule_book

from ..forms_quota_rules import QuotaRuleForm
from ..quota_rules import (
    quota_rule_create,
    quota_rule_delete,
    quota_rule_update,
    quota_rules_history,
)

CITY = Role.CITY_OFFICE


def _rules_url(year: int) -> str:
    return f"{reverse('reporting:quota_rules')}?year={year}"


def _rule_or_404(pk: int) -> QuotaRule:
    return get_object_or_404(QuotaRule.objects.select_related("policy"), pk=pk)


@role_required(CITY)
@require_GET
def quota_rules(request: HttpRequest) -> HttpResponse:
    """The year's rules as ``procurement.quota`` evaluates them (the main rule, the further
    rules, the floor), with the trail of the further rules' changes."""
    year = parse_year(request.GET.get("year"), today().year)
    book = rule_book(year)
    return render(
        request,
        "reporting/quota_rules.html",
        {
            "year": year,
            "book": book,
            "history": quota_rules_history(year=year),
        },
    )


@role_required(CITY)
@require_http_methods(["GET", "POST"])
def quota_rule_create_page(request: HttpRequest) -> HttpResponse:
    source = request.POST if request.method == "POST" else request.GET
    year = parse_year(source.get("year"), today().year)
    form = QuotaRuleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        rule = call_service(
            form, quota_rule_create, actor=request.user, year=year, values=form.values()
        )
        if rule is not None:
            messages.success(
                request,
                _("The quota rule “%(name)s” of %(year)s is added.")
                % {"name": rule.name, "year": year},
            )
            return redirect(_rules_url(year))
    return render(
        request, "reporting/quota_rule_form.html", {"form": form, "year": year, "rule": None}
    )


@role_required(CITY)
@require_http_methods(["GET", "POST"])
def quota_rule_edit_page(request: HttpRequest, pk: int) -> HttpResponse:
    rule = _rule_or_404(pk)
    year = rule.policy.year
    form = QuotaRuleForm.for_rule(rule, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        saved = call_service(
            form, quota_rule_update, actor=request.user, rule=rule, values=form.values()
        )
        if saved is not None:
            if saved.changed:
                messages.success(
                    request, _("The quota rule “%(name)s” is saved.") % {"name": saved.rule.name}
                )
            else:
                messages.info(request, _("Nothing changed."))
            return redirect(_rules_url(year))
    return render(
        request, "reporting/quota_rule_form.html", {"form": form, "year": year, "rule": rule}
    )


@role_required(CITY)
@require_http_methods(["GET", "POST"])
def quota_rule_delete_page(request: HttpRequest, pk: int) -> HttpResponse:
    """A confirmation page; POST removes the rule."""
    rule = _rule_or_404(pk)
    year = rule.policy.year
    if request.method == "POST":
        quota_rule_delete(actor=request.user, rule=rule)
        messages.success(request, _("The quota rule “%(name)s” is removed.") % {"name": rule.name})
        return redirect(_rules_url(year))
    return render(request, "reporting/quota_rule_delete.html", {"rule": rule, "year": year})


urlpatterns = [
    path("statistics/targets/rules/", quota_rules, name="quota_rules"),
    path("statistics/targets/rules/add/", quota_rule_create_page, name="quota_rule_create"),
    path("statistics/targets/rules/<int:pk>/edit/", quota_rule_edit_page, name="quota_rule_edit"),
    path(
        "statistics/targets/rules/<int:pk>/delete/",
        quota_rule_delete_page,
        name="quota_rule_delete",
    ),
]
