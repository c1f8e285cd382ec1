"""Uploaded vouchers and documents: checked by their content and size, never by the name or
the type the browser claims, and fingerprinted with SHA-256."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import Storage
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.db.models.fields.files import FieldFile
from django.utils.translation import gettext as _

from .errors import ApplicationError

# What an uploaded voucher or document may be, told by its first bytes.
UPLOAD_SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)


# A HEIC/HEIF picture (what an iPhone's camera takes unless set to "Most Compatible"): an
# ISO-BMFF file whose first box names one of these brands. Refused like any other kind, but told
# what it is and what to do, since a clerk photographing a voucher meets it most.
HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1")

# Photos (of products, outlets, inspections): pictures only, never a PDF.
PICTURE_TYPES = frozenset({"image/jpeg", "image/png"})


@dataclass(frozen=True)
class UploadFacts:
    original_name: str
    content_type: str
    size: int
    sha256: str

    def as_fields(self) -> dict:
        """The metadata fields every stored upload (voucher, document) records."""
        return {
            "original_name": self.original_name,
            "content_type": self.content_type,
            "size": self.size,
            "sha256": self.sha256,
        }


def sniff_content_type(upload: UploadedFile) -> str | None:
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for signature, content_type in UPLOAD_SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


def _is_heif(upload: UploadedFile) -> bool:
    upload.seek(0)
    head = upload.read(12)
    upload.seek(0)
    return head[4:8] == b"ftyp" and head[8:12] in HEIF_BRANDS


def inspect_upload(upload: UploadedFile, *, field: str | None = None) -> UploadFacts:
    """The facts a stored file records about itself; ValidationError for a file that is too
    large or is not a PDF, JPEG or PNG by content (under ``field`` when one is named)."""
    try:
        return _inspect(upload)
    except ValidationError as error:
        if field is None:
            raise
        raise ValidationError({field: error.messages}) from error


def _inspect(upload: UploadedFile) -> UploadFacts:
    limit = settings.PORTAL_MAX_UPLOAD_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("“%(name)s” is larger than %(limit)s MB.")
            % {"name": upload.name, "limit": limit // (1024 * 1024)},
            code="file_too_large",
        )
    content_type = sniff_content_type(upload)
    if content_type is None and _is_heif(upload):
        raise ValidationError(
            _(
                "“%(name)s” is a HEIC photo, which the portal does not accept: send it as JPEG "
                "(on an iPhone: Settings › Camera › Formats › Most Compatible) or as a PDF."
            )
            % {"name": upload.name},
            code="heic",
        )
    if content_type is None:
        raise ValidationError(
            _("“%(name)s” is not a PDF, JPEG or PNG file.") % {"name": upload.name},
            code="file_type",
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return UploadFacts(
        original_name=upload.name[:255],
        content_type=content_type,
        size=upload.size,
        sha256=digest.hexdigest(),
    )


def inspect_picture(upload: UploadedFile, *, field: str) -> UploadFacts:
    """``inspect_upload`` for a photo: a JPEG or PNG by content, within the size limit. Any
    other content is told it is not a picture (not offered the PDF a photo may not be)."""
    not_a_picture = ValidationError(
        {field: _("“%(name)s” is not a JPEG or PNG picture.") % {"name": upload.name}}
    )
    try:
        facts = _inspect(upload)
    except ValidationError as error:
        if error.code == "file_type":
            raise not_a_picture from error
        raise ValidationError({field: error.messages}) from error
    if facts.content_type not in PICTURE_TYPES:
        raise not_a_picture
    return facts


# The files written by ``store_upload`` inside the innermost ``uploads_removed_on_failure``
# block, as (storage, name); None outside any block.
_stored_uploads: ContextVar[list[tuple[Storage, str]] | None] = ContextVar(
    "portal_stored_uploads", default=None
)


@contextmanager
def uploads_removed_on_failure() -> Iterator[None]:
    """Files stored by ``store_upload`` inside the block are deleted again if the block raises.

    A file is written to storage before the row naming it is inserted, and a rolled-back
    transaction takes the row but not the file; Django has no on-rollback hook. So wrap a
    service *outside* its ``@transaction.atomic`` (the decorator
    ``@uploads_removed_on_failure()`` above it): the exception that rolled its rows back also
    removes its files. A block that succeeds hands its files to the enclosing block, which may
    still fail. (A caller's own ``atomic`` rolled back after the service returned is not seen
    here: views call services outside any transaction, ``ATOMIC_REQUESTS`` is off.)"""
    stored: list[tuple[Storage, str]] = []
    enclosing = _stored_uploads.get()
    token = _stored_uploads.set(stored)
    try:
        yield
    except BaseException:
        for storage, name in stored:
            # A file that cannot be deleted must not hide the error that rolled back its row.
            with suppress(OSError):
                storage.delete(name)
        raise
    else:
        if enclosing is not None:
            enclosing.extend(stored)
    finally:
        _stored_uploads.reset(token)


def store_upload(instance: models.Model, upload: UploadedFile, *, field: str = "file") -> None:
    """Write ``upload`` to the storage of ``instance``'s file ``field`` now (the row's
    ``save()`` then leaves it be), noted for ``uploads_removed_on_failure``."""
    file = getattr(instance, field)
    file.save(upload.name, upload, save=False)
    stored = _stored_uploads.get()
    if stored is not None:
        stored.append((file.storage, file.name))


def delete_file_on_commit(file: FieldFile) -> None:
    """Remove a stored file once the transaction that dropped its row has committed (a
    rolled-back removal keeps its file)."""
    storage, name = file.storage, file.name
    transaction.on_commit(lambda: storage.delete(name))


def photo_add(
    photo_model,
    *,
    file: UploadedFile,
    caption: str,
    actor,
    existing: int,
    limit: int,
    too_many: str,
    **subject,
):
    """Store a photo of ``subject`` (``product=…``, ``outlet=…``): a picture by content and
    size, refused with ``too_many`` (which names ``%(count)s``) when ``existing`` has reached
    ``limit``. Runs in the caller's transaction, after its own checks of who may act."""
    facts = inspect_picture(file, field="file")
    if existing >= limit:
        raise ApplicationError(too_many % {"count": limit})
    photo = photo_model(
        file=file,
        caption=(caption or "").strip()[:128],
        uploaded_by=actor,
        **facts.as_fields(),
        **subject,
    )
    photo.full_clean()
    # The photo is the caller's last write: a failing insert takes its file along.
    with uploads_removed_on_failure():
        store_upload(photo, file)
        photo.save()
    return photo
