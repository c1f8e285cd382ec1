"""The paper trail of the demo's applications: the steps each one went through (who, when,
from, to) and the documents its supplier attached, so a reviewer opening any application sees
it as it would be in real life. Written once, with the application; a re-run adds nothing.

The documents are small PDFs that say what they stand for (营业执照, 检测报告); the real
scans a supplier uploads are checked by content and size like any upload.
"""

from __future__ import annotations

import datetime
import hashlib

from django.core.files.base import ContentFile

from products.models import ApplicationDocument, ApplicationEvent, CertificationApplication

from .context import SeedContext

Status = CertificationApplication.Status
Kind = ApplicationDocument.Kind

# What each scheme's applicant attaches (the scheme's requirements: licence, test report).
DOCUMENTS = {
    "recognition": (Kind.LICENCE,),
    "szp": (Kind.LICENCE, Kind.TEST_REPORT),
    "base": (Kind.LICENCE,),
}
FILE_NAMES = {Kind.LICENCE: "营业执照.pdf", Kind.TEST_REPORT: "检测报告.pdf"}
TITLES = {Kind.LICENCE: "Business licence", Kind.TEST_REPORT: "Quality test report"}
# The path of each status through the table of transitions, from the draft.
PATHS = {
    Status.DRAFT: (),
    Status.SUBMITTED: (("submit", Status.DRAFT, Status.SUBMITTED),),
    Status.UNDER_REVIEW: (
        ("submit", Status.DRAFT, Status.SUBMITTED),
        ("review", Status.SUBMITTED, Status.UNDER_REVIEW),
    ),
    Status.APPROVED: (
        ("submit", Status.DRAFT, Status.SUBMITTED),
        ("review", Status.SUBMITTED, Status.UNDER_REVIEW),
        ("approve", Status.UNDER_REVIEW, Status.APPROVED),
    ),
    Status.REJECTED: (
        ("submit", Status.DRAFT, Status.SUBMITTED),
        ("review", Status.SUBMITTED, Status.UNDER_REVIEW),
        ("reject", Status.UNDER_REVIEW, Status.REJECTED),
    ),
    Status.WITHDRAWN: (
        ("submit", Status.DRAFT, Status.SUBMITTED),
        ("withdraw", Status.SUBMITTED, Status.WITHDRAWN),
    ),
}


def demo_pdf(title: str, reference: str) -> bytes:
    """A one-page PDF naming the document and whose it is (ASCII text, standard font)."""
    text = f"Demo document: {title} - {reference}".replace("(", "[").replace(")", "]")
    stream = f"BT /F1 14 Tf 72 760 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def seed_paperwork(
    ctx: SeedContext,
    application: CertificationApplication,
    *,
    created: datetime.datetime,
    reviewed: datetime.datetime | None = None,
    reviewer_id: int | None = None,
) -> None:
    """The steps and documents of a freshly created demo application."""
    author_id = application.created_by_id
    steps = [
        ApplicationEvent(
            application=application,
            action="create",
            to_status=Status.DRAFT,
            actor_id=author_id,
            at=created,
        )
    ]
    times = {
        "submit": application.submitted_at,
        "withdraw": application.submitted_at
        and application.submitted_at + datetime.timedelta(days=3),
        "review": reviewed,
        "approve": application.decided_at,
        "reject": application.decided_at,
    }
    for action, from_status, to_status in PATHS[application.status]:
        by_reviewer = action in ("review", "approve", "reject")
        steps.append(
            ApplicationEvent(
                application=application,
                action=action,
                from_status=from_status,
                to_status=to_status,
                actor_id=reviewer_id if by_reviewer else author_id,
                at=times[action] or created,
                comment=application.decision_comment if action in ("approve", "reject") else "",
            )
        )
    # The draft's creation date is the first step's, not the day the demo was seeded.
    CertificationApplication.objects.filter(pk=application.pk).update(created_at=created)
    ApplicationEvent.objects.bulk_create(steps)
    ctx.count_created(ApplicationEvent, len(steps))
    if application.status == Status.DRAFT:
        return
    reference = application.supplier.credit_code or str(application.supplier_id)
    for kind in DOCUMENTS[application.scheme_id]:
        content = demo_pdf(TITLES[kind], reference)
        document = ApplicationDocument(
            application=application,
            kind=kind,
            original_name=FILE_NAMES[kind],
            content_type="application/pdf",
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            uploaded_by_id=author_id,
        )
        document.file.save(FILE_NAMES[kind], ContentFile(content), save=True)
        # Attached while the draft was prepared, before it was submitted.
        ApplicationDocument.objects.filter(pk=document.pk).update(
            uploaded_at=created + datetime.timedelta(hours=1)
        )
        ctx.count_created(ApplicationDocument)
