"""Help under every field with a rule behind it (ui.md: "help text under the field says *why*
when a rule stands behind it"), stating the rule the code enforces, and tied to its input by
``aria-describedby`` so a screen reader reads it with the field."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.urls import reverse

from procurement.forms import DeclarationForm, RecordForm
from procurement.rules import MAX_RECORD_AMOUNT, OLDEST_YEAR_BACK
from procurement.services import MAX_DECLARED_TOTAL
from products.forms.applications import ApplicationForm, DocumentForm
from products.models import CertificationScheme
from reporting.forms_quota_rules import QuotaRuleForm
from reporting.forms_targets import QuotaPolicyForm

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

UPLOAD_MB = settings.PORTAL_MAX_UPLOAD_BYTES // (1024 * 1024)


class FieldIndex(HTMLParser):
    """Each form control by name (its attributes) and each element's text by id."""

    def __init__(self):
        super().__init__()
        self.controls: dict[str, dict[str, str]] = {}
        self.text_by_id: dict[str, str] = {}
        self._open: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        attrs = {key: value or "" for key, value in attrs}
        if tag in {"input", "select", "textarea"} and attrs.get("name"):
            self.controls.setdefault(attrs["name"], attrs)
        if tag not in {"input", "br", "img", "meta", "link", "hr"}:
            self._open.append((tag, attrs.get("id")))
            if attrs.get("id"):
                self.text_by_id.setdefault(attrs["id"], "")

    def handle_endtag(self, tag):
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index][0] == tag:
                del self._open[index:]
                break

    def handle_data(self, data):
        for _tag, element_id in self._open:
            if element_id:
                self.text_by_id[element_id] += data


def described_help(html: str, name: str) -> str:
    """The text the control named ``name`` is described by, through ``aria-describedby``."""
    index = FieldIndex()
    index.feed(html)
    assert name in index.controls, f"no control named {name}"
    ids = index.controls[name].get("aria-describedby", "").split()
    assert ids, f"{name} has no aria-describedby"
    missing = [i for i in ids if i not in index.text_by_id]
    assert not missing, f"{name} is described by missing ids {missing}"
    text = " ".join(index.text_by_id[i].strip() for i in ids)
    assert text.strip(), f"{name}'s description is empty"
    return " ".join(text.split())


# The purchase form: every field has a rule, quoted with the numbers the code applies.
RECORD_RULES = {
    "supplier": "valid recognition on the purchase date",
    "product": "supplier's catalogue",
    "purchased_on": "may not be in the future",
    "amount": f"at most ¥{MAX_RECORD_AMOUNT:,.0f}",
    "quantity": "more than 0",
    "unit": "",
    "channel": "832 platform",
    "purpose": "canteen",
    "invoice_no": "only once",
    "vouchers": f"up to {UPLOAD_MB} MB",
}


def test_purchase_form_fields_state_their_rule_tied_to_the_input(client, clerk):
    client.force_login(clerk)
    html = client.get(reverse("procurement:record_create")).content.decode()

    for name, words in RECORD_RULES.items():
        text = described_help(html, name)
        assert words in text, (name, text)


def test_purchase_date_help_names_the_oldest_year_and_submitted_quarters():
    text = str(RecordForm.base_fields["purchased_on"].help_text)
    assert OLDEST_YEAR_BACK == 1, "the help says “last year”: reword it"
    assert "before 1 January of last year" in text
    assert "submitted" in text


def test_declaration_help_quotes_the_quota_formula_and_limit():
    fields = DeclarationForm.base_fields
    agri = str(fields["agri_total"].help_text)
    assert "÷" in agri and "30%" in agri
    assert f"¥{MAX_DECLARED_TOTAL:,.0f}" in agri
    assert "canteen-food quota rules" in str(fields["canteen_total"].help_text)
    assert "union-welfare quota rules" in str(fields["union_welfare_total"].help_text)


def test_declaration_help_is_rendered_on_the_quarters_page(client, clerk):
    client.force_login(clerk)
    html = client.get(reverse("procurement:quarters")).content.decode()
    assert "quota's base" in described_help(html, "agri_total")


@pytest.mark.parametrize(
    ("scheme", "subject"), [("recognition", "product"), ("szp", "product"), ("base", "base")]
)
def test_application_form_fields_all_have_help(scheme, subject):
    form = ApplicationForm(scheme=CertificationScheme.objects.get(code=scheme), subjects=None)
    for name, field in form.fields.items():
        assert str(field.help_text).strip(), name
    document = DocumentForm()
    assert "business licence" in str(document.fields["kind"].help_text)
    assert "quality test report" in str(document.fields["kind"].help_text)
    assert f"up to {UPLOAD_MB} MB" in str(document.fields["file"].help_text)


def test_application_page_ties_help_to_each_field(client, supplier):
    client.force_login(supplier)
    url = reverse("products:application_create") + "?scheme=recognition"
    html = client.get(url).content.decode()
    assert "more than 0" in described_help(html, "households")
    assert "lifts poor households" in described_help(html, "poverty_link")


def test_outlet_form_explains_the_five_kinds_tied_to_the_input(client, city_officer):
    client.force_login(city_officer)
    html = client.get(reverse("outlets:outlet_create")).content.decode()
    kind = described_help(html, "kind")
    for word in ("专柜", "专馆", "专区", "专列", "专站", "at most 11"):
        assert word in kind
    assert "more than 0 m²" in described_help(html, "floor_area")
    assert "unique in its district" in described_help(html, "name")


def test_targets_and_quota_policy_help_is_tied_to_the_inputs(client, city_officer):
    client.force_login(city_officer)
    html = client.get(reverse("reporting:targets")).content.decode()
    assert "empty for no target" in described_help(html, "city")
    assert "up to 100" in described_help(html, "ratio")
    assert "Guangzhou measure 16" in described_help(html, "growth_required")


def test_quota_rule_form_help_states_bounds_and_counting():
    fields = QuotaRuleForm.base_fields
    assert "up to 100" in str(fields["ratio"].help_text)
    assert "canteen" in str(fields["base"].help_text)
    assert "every channel" in str(fields["channels"].help_text)
    assert "no two rules" in str(fields["name"].help_text)
    assert "up to 1000 characters" in str(QuotaPolicyForm.base_fields["note"].help_text)


def test_quota_rule_page_ties_help_to_each_field(client, city_officer):
    client.force_login(city_officer)
    html = client.get(reverse("reporting:quota_rule_create")).content.decode()
    for name in ("name", "base", "ratio", "note"):
        described_help(html, name)
