"""The left navigation: each role sees its own entries, grouped by task (ui.md)."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .models import Role
from .roles import Actor

CITY = Role.CITY_OFFICE
DISTRICT = Role.DISTRICT_OFFICE
CLERK = Role.UNIT_CLERK
APPROVER = Role.UNIT_APPROVER
SUPPLIER = Role.SUPPLIER
REVIEWER = Role.REVIEWER
OFFICES = (CITY, DISTRICT)
UNITS = (CLERK, APPROVER)


@dataclass(frozen=True)
class Entry:
    url_name: str
    label: str
    roles: tuple[Role, ...]


@dataclass(frozen=True)
class Group:
    label: str
    entries: tuple[Entry, ...]


MENU: tuple[Group, ...] = (
    Group(
        _("Procurement"),  # 采购登记
        (
            Entry("procurement:record_create", _("Log a purchase"), (CLERK,)),
            Entry("procurement:ledger", _("Procurement ledger"), (*UNITS, *OFFICES)),
            Entry("procurement:import", _("Import from Excel"), (CLERK,)),
            Entry("procurement:reconciliation", _("832 reconciliation"), (*UNITS, *OFFICES)),
        ),
    ),
    Group(
        _("Quarterly reporting"),  # 季度报送
        (
            Entry("procurement:quarters", _("Declarations and quarters"), UNITS),
            Entry("procurement:compliance", _("Quota compliance"), (*UNITS, *OFFICES)),
            Entry("procurement:projection", _("Year-end projection"), (*UNITS, *OFFICES)),
            Entry("procurement:submission_status", _("Quarterly submissions"), OFFICES),
            Entry("procurement:integrity_flags", _("Integrity checks"), OFFICES),
        ),
    ),
    Group(
        _("Certification"),  # 认证申请
        (
            Entry("products:my_products", _("My products and bases"), (SUPPLIER,)),
            Entry("products:application_create", _("New application"), (SUPPLIER,)),
            Entry("products:applications", _("Applications"), (SUPPLIER, REVIEWER, CITY)),
            Entry("products:certificates", _("Certificates"), (SUPPLIER, REVIEWER, *OFFICES)),
            Entry("products:suppliers", _("Suppliers"), (CITY, REVIEWER, DISTRICT)),
            Entry("products:monitoring_proposals", _("Suspension proposals"), (CITY,)),
            Entry(
                "products:evaluations", _("Base evaluations"), (SUPPLIER, REVIEWER, CITY, DISTRICT)
            ),
            Entry("products:experts", _("Expert pool"), (CITY, REVIEWER)),
            Entry("products:disclosure_office_list", _("Disclosures and objections"), (CITY,)),
            Entry("products:objections", _("Objection queue"), (CITY,)),
        ),
    ),
    Group(
        _("Outlets"),  # 专柜管理
        (
            Entry("outlets:manage", _("Outlet registry"), OFFICES),
            Entry("outlets:sales", _("Outlet sales"), (*OFFICES, SUPPLIER)),
        ),
    ),
    Group(
        _("Statistics"),  # 统计分析
        (
            Entry("reporting:dashboard", _("Dashboard"), OFFICES),
            Entry("reporting:reports", _("Quarterly reports"), OFFICES),
            Entry("reporting:bulletins", _("Bulletins"), (*OFFICES, *UNITS)),
            Entry("reporting:targets", _("Annual targets"), OFFICES),
            Entry("reporting:quota_rules", _("Quota rules"), (CITY,)),
        ),
    ),
    Group(
        _("Messages"),
        (Entry("notifications", _("Notifications"), tuple(Role)),),
    ),
)


@dataclass(frozen=True)
class Link:
    url: str
    label: str
    active: bool


def navigation_for(actor: Actor, match) -> list[tuple[str, list[Link]]]:
    """The groups and links ``actor`` may use; empty for the public."""
    if actor.role is None:
        return []
    current = match.view_name if match else None
    groups = []
    for group in MENU:
        links = [
            Link(reverse(entry.url_name), str(entry.label), entry.url_name == current)
            for entry in group.entries
            if actor.role in entry.roles
        ]
        if links:
            groups.append((str(group.label), links))
    return groups
