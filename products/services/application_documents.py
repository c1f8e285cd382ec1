"""The documents of an application: the supplier attaches and removes them while it holds
the application (a draft, or one returned for more material). A renewal starts with the
documents of the application it renews carried over (``renewal``); uploading a document of a
kind replaces the carried ones of that kind.

The application's life (create, update, submit, withdraw and the table of its transitions)
is in ``applications``.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from portal.errors import ApplicationError
from portal.uploads import (
    delete_file_on_commit,
    inspect_upload,
    store_upload,
    uploads_removed_on_failure,
)

from ..models import ApplicationDocument, CertificationApplication
from .applications import EDITABLE_STATUSES, _locked, _own_supplier


@uploads_removed_on_failure()
@transaction.atomic
def application_document_add(
    *, actor, application: CertificationApplication, kind: str, file: UploadedFile
) -> ApplicationDocument:
    """The supplier attaches a document (PDF/JPG/PNG, checked by content and size) to an
    application it is preparing or completing."""
    application = _locked(application)
    _own_supplier(actor, application.supplier)
    if application.status not in EDITABLE_STATUSES:
        raise ApplicationError(
            _(
                "Documents can be added to a draft or to an application "
                "returned for more material only."
            )
        )
    if kind not in ApplicationDocument.Kind.values:
        raise ValidationError({"kind": _("Unknown kind of document.")})
    facts = inspect_upload(file, field="file")
    document = ApplicationDocument(
        application=application, kind=kind, uploaded_by=actor, **facts.as_fields()
    )
    store_upload(document, file)
    document.save()
    # A renewal's documents carried over from the application it renews are replaced by a new
    # one of their kind: the rows go, the stored files stay with the old application.
    application.documents.filter(kind=kind, carried_from__isnull=False).exclude(
        pk=document.pk
    ).delete()
    return document


@transaction.atomic
def application_document_remove(*, actor, document: ApplicationDocument) -> ApplicationDocument:
    """The supplier removes a document from the application it is preparing or completing.
    The row goes; the stored file goes too once the removal is committed, unless another row
    still names it: a document carried over to a renewal shares the file of the application
    it came from, which keeps it."""
    application = _locked(document.application)
    _own_supplier(actor, application.supplier)
    if application.status not in EDITABLE_STATUSES:
        raise ApplicationError(
            _(
                "Documents can be removed from a draft or from an application "
                "returned for more material only."
            )
        )
    document = ApplicationDocument.objects.get(pk=document.pk, application=application)
    file = document.file
    document.delete()
    if file.name and not ApplicationDocument.objects.filter(file=file.name).exists():
        delete_file_on_commit(file)
    return document
