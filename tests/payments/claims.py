"""What the tests of claims, the queue and the export share: a Collaborative that pays, and its people."""

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from payments.models import Line
from payments.services import line_add

LAMBETH = {"slug": "lambeth"}
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def pdf(name: str = "ticket.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def url(name: str, **kwargs) -> str:
    return reverse(f"payments:{name}", kwargs=LAMBETH | kwargs)


def a_line(collaborative, user, *, pence=1250, status=Line.Status.WAITING, days_ago=3, **fields) -> Line:
    """An expense line as a claim makes it (no receipt unless given)."""
    today = collaborative.local_today()
    return line_add(
        by=user,
        collaborative=collaborative,
        user=user,
        kind=Line.Kind.EXPENSE,
        expense_type="public_transport",
        description=fields.pop("description", "Bus to the meeting"),
        activity_on=today - timedelta(days=days_ago),
        amount_pence=pence,
        status=status,
        **fields,
    )
