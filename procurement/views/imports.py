"""The clerk's import page: download the template, upload a filled-in file, and either see
every bad row with its row, column and reason (nothing saved) or go to the ledger."""

from __future__ import annotations

import io

from django import forms
from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from portal.models import Role
from portal.periods import today
from portal.permissions import role_required
from portal.spreadsheets import oversize_message

from ..exports import XLSX
from ..imports import HEADERS, RowProblem, build_template, procurement_import
from .common import own_unit_or_404


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Spreadsheet"),
        help_text=gettext_lazy(
            "An .xlsx workbook, or a CSV file in UTF-8 or GB18030/GBK, with the template's "
            "header row."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )


@role_required(Role.UNIT_CLERK)
@require_GET
def import_template(request: HttpRequest) -> FileResponse:
    """The template of api.md, pre-filled with the unit's name, with drop-downs."""
    unit = own_unit_or_404(request.user)
    return FileResponse(
        io.BytesIO(build_template(unit)),
        as_attachment=True,
        filename="采购导入模板.xlsx",
        content_type=XLSX,
    )


@role_required(Role.UNIT_CLERK)
@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest) -> HttpResponse:
    unit = own_unit_or_404(request.user)
    form = ImportForm(request.POST or None, request.FILES or None)
    problems: list[RowProblem] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if (problem := oversize_message(upload.size)) is not None:
            form.add_error("file", problem)
        else:
            result = procurement_import(
                actor=request.user,
                budget_unit=unit,
                name=upload.name,
                content=upload.read(),
                as_of=today(),
            )
            if not result.errors:
                messages.success(
                    request,
                    _("%(count)s purchases imported from “%(name)s”.")
                    % {"count": result.created, "name": upload.name},
                )
                target = reverse("procurement:ledger")
                if request.headers.get("HX-Request"):
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = target
                    return response
                return redirect(target)
            problems = result.errors
    context = {
        "form": form,
        "unit": unit,
        "problems": problems,
        "headers": HEADERS,
        "title": _("Import from Excel"),
    }
    template = (
        "procurement/_import_result.html"
        if request.headers.get("HX-Request")
        else "procurement/import.html"
    )
    return render(request, template, context, status=400 if problems else 200)
