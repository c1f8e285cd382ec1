"""The steps of an application's life taken on pages of their own: the supplier's submit and
withdraw, the reviewer's take-up, evaluation, return, approval and rejection. Each final step
asks for confirmation (and, where the rules want one, a text) before the service acts.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from portal.errors import ApplicationError
from portal.periods import today
from portal.permissions import role_required
from portal.roles import actor_of

from ..forms.applications import (
    EvaluationForm,
    StepForm,
    call_service,
)
from ..models import Supplier
from ..selectors import (
    application_page,
)
from ..services import applications as services
from ..services import review
from .applications import READERS, REVIEWER, Status, _detail_url, _subject_of


@dataclass(frozen=True)
class Step:
    """A step confirmed on its own page: what it says, and the text it asks for."""

    title: str
    explanation: str
    button: str
    comment_label: str | None = None
    comment_help: str | None = None
    comment_required: bool = False
    danger: bool = False


STEPS = {
    "submit": Step(
        title=gettext_lazy("Submit the application"),
        explanation=gettext_lazy(
            "Once submitted, the application goes to the reviewers' queue and can no longer be "
            "changed, unless a reviewer returns it for more material. You may withdraw it until "
            "a reviewer takes it up."
        ),
        button=gettext_lazy("Submit the application"),
    ),
    "withdraw": Step(
        title=gettext_lazy("Withdraw the application"),
        explanation=gettext_lazy(
            "A withdrawn application is closed for good: to apply again, start a new application."
        ),
        button=gettext_lazy("Withdraw the application"),
        danger=True,
    ),
    "return": Step(
        title=gettext_lazy("Return for more material"),
        explanation=gettext_lazy(
            "The application goes back to the supplier, who sees your request, completes the "
            "application and submits it again."
        ),
        button=gettext_lazy("Return to the supplier"),
        comment_label=gettext_lazy("What is missing"),
        comment_help=gettext_lazy(
            "Name each document or fact the supplier must add: the supplier reads exactly this."
        ),
        comment_required=True,
    ),
    "approve": Step(
        title=gettext_lazy("Approve the application"),
        explanation=gettext_lazy(
            "Approval issues a certificate with a new number, valid from today for the "
            "scheme's period; the supplier is told at once."
        ),
        button=gettext_lazy("Approve and issue the certificate"),
        comment_label=gettext_lazy("Opinion"),
        comment_help=gettext_lazy("Optional: the reviewers' opinion, shown to the supplier."),
    ),
    "reject": Step(
        title=gettext_lazy("Reject the application"),
        explanation=gettext_lazy(
            "A rejected application is closed for good: the supplier may apply again with a "
            "new application."
        ),
        button=gettext_lazy("Reject the application"),
        comment_label=gettext_lazy("Reasons for the rejection"),
        comment_help=gettext_lazy(
            "The supplier reads these reasons; name the rule or the finding that fails."
        ),
        comment_required=True,
        danger=True,
    ),
}


def _run_step(request, application, step: str, comment: str):
    kwargs = {"actor": request.user, "application": application}
    if step == "submit":
        return services.application_submit, kwargs
    if step == "withdraw":
        return services.application_withdraw, kwargs
    if step == "return":
        return review.application_return, {**kwargs, "request": comment}
    return review.application_decide, {
        **kwargs,
        "decision": step,
        "comment": comment,
        "as_of": today(),
    }


SUCCESS = {
    "submit": gettext_lazy("The application is submitted: the reviewers are told."),
    "withdraw": gettext_lazy("The application is withdrawn."),
    "return": gettext_lazy("The application is returned to the supplier with your request."),
    "approve": gettext_lazy("The application is approved and the certificate issued."),
    "reject": gettext_lazy("The application is rejected; the supplier is told the reasons."),
}


def _step_roles(step: str):
    return services.TRANSITIONS[step][2]


@role_required(*READERS)
@require_http_methods(["GET", "POST"])
def application_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """The confirmation page of a final step (submit, withdraw, return, approve, reject)."""
    if actor_of(request.user).role not in _step_roles(step):
        raise PermissionDenied
    application = application_page(request.user, pk)
    spec = STEPS[step]
    if step not in services.allowed_actions(application, request.user):
        messages.error(
            request,
            _("An application that is “%(status)s” cannot take this step.")
            % {"status": application.get_status_display()},
        )
        return redirect(_detail_url(application))
    form_options = {
        "label": spec.comment_label,
        "help_text": spec.comment_help,
        "required": spec.comment_required,
    }
    if request.method == "POST":
        form = StepForm(request.POST, **form_options)
        if form.is_valid():
            service, kwargs = _run_step(
                request, application, step, form.cleaned_data["comment"].strip()
            )
            done = call_service(form, service, **kwargs)
            if not form.errors:
                if step == "approve" and done is not None:
                    messages.success(
                        request,
                        _("Certificate %(number)s is issued, valid until %(until)s.")
                        % {"number": done.number, "until": done.valid_until.isoformat()},
                    )
                else:
                    messages.success(request, SUCCESS[step])
                return redirect(_detail_url(application))
    else:
        form = StepForm(**form_options)
    missing = []
    supplier_inactive = False
    if step == "submit":
        missing = [check for check in services.requirement_checks(application) if not check.met]
        supplier_inactive = application.supplier.status != Supplier.Status.ACTIVE
    return render(
        request,
        "products/application_confirm.html",
        {
            "application": application,
            "step": step,
            "spec": spec,
            "form": form,
            "missing": missing,
            "supplier_inactive": supplier_inactive,
            "blocked": bool(missing) or supplier_inactive,
            "evaluation_count": application.evaluations.count() if step == "approve" else None,
            "on_site": application.scheme_id in services.ON_SITE_SCHEMES,
        },
    )


@role_required(REVIEWER)
@require_POST
def application_review(request: HttpRequest, pk: int) -> HttpResponse:
    """A reviewer takes a submitted application under review (from its page or the queue)."""
    application = application_page(request.user, pk)
    try:
        review.application_review(actor=request.user, application=application)
    except ApplicationError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(
            request, _("The application is under review by you: the supplier is told.")
        )
    return redirect(_detail_url(application))


@role_required(REVIEWER)
@require_http_methods(["GET", "POST"])
def application_evaluate(request: HttpRequest, pk: int) -> HttpResponse:
    """The on-site evaluation: one score per checklist item, the total their sum."""
    application = application_page(request.user, pk)
    if application.status != Status.UNDER_REVIEW:
        messages.error(request, _("Only an application under review can be evaluated."))
        return redirect(_detail_url(application))
    if request.method == "POST":
        form = EvaluationForm(request.POST, scheme_code=application.scheme_id)
        if form.is_valid():
            try:
                evaluation = review.evaluation_record(
                    actor=request.user,
                    application=application,
                    evaluated_on=form.cleaned_data["evaluated_on"],
                    findings=form.cleaned_data["findings"].strip(),
                    items=form.items(),
                    as_of=today(),
                )
            except ValidationError as error:
                form.apply_errors(error)
            except ApplicationError as refusal:
                form.add_error(None, refusal.message)
            else:
                messages.success(
                    request,
                    _("The evaluation is recorded: %(score)s points out of 100.")
                    % {"score": review.plain_points(evaluation.score)},
                )
                return redirect(_detail_url(application, "evaluations"))
    else:
        form = EvaluationForm(scheme_code=application.scheme_id, initial={"evaluated_on": today()})
    form.fields["evaluated_on"].widget.attrs["max"] = today().isoformat()
    return render(
        request,
        "products/review_evaluation.html",
        {"application": application, "form": form, "subject": _subject_of(application)},
    )


def _step_path(step: str):
    return path(
        f"applications/<int:pk>/{step}/",
        application_step,
        {"step": step},
        name=f"application_{step}",
    )


urlpatterns = [
    path("applications/<int:pk>/review/", application_review, name="application_review"),
    path("applications/<int:pk>/evaluate/", application_evaluate, name="application_evaluate"),
    *(_step_path(step) for step in STEPS),
]
