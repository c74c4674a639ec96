"""Rows the "What changed" tests publish: an answered ask (made directly, as the asks pages are another part's),
an adopted vision with its frozen voices, a done action."""

from datetime import date, timedelta

from django.utils import timezone

from actions.models import Action
from asks.models import Answer, Ask, ResponderLink, Sending
from impact.models import Publication
from tests.factories import ActionFactory
from vision.models import Value, VisionVersion

RESPONDER_EMAIL = "director.zq7@trust.example.org"


def answered_ask(collaborative, *, kind=Answer.Kind.CANNOT, text="We cannot fund this, because of the budget.") -> Ask:
    """An ask sent to the trust and answered (by default a refusal, with the responder's reasons)."""
    today = timezone.localdate()
    ask = Ask.objects.create(
        collaborative=collaborative,
        title="Open the crisis cafe at weekends",
        request="Please open the crisis cafe on Saturdays and Sundays.",
        organisation="South London and Maudsley NHS Trust",
        responder_name="Dana Responder",
        responder_role="Director of Services",
        responder_email=RESPONDER_EMAIL,
        status=Ask.Status.ANSWERED,
        sent_on=today - timedelta(days=30),
        due_on=today - timedelta(days=2),
        answered_on=today - timedelta(days=5),
    )
    sending = Sending.objects.create(
        ask=ask,
        organisation=ask.organisation,
        responder_name=ask.responder_name,
        responder_role=ask.responder_role,
        responder_email=RESPONDER_EMAIL,
        sent_on=ask.sent_on,
        due_on=ask.due_on,
        first_due_on=ask.due_on,
        answered_on=ask.answered_on,
    )
    link = ResponderLink.objects.create(
        ask=ask, sending=sending, purpose=ResponderLink.Purpose.ANSWER, email=RESPONDER_EMAIL
    )
    Answer.objects.create(
        ask=ask, sending=sending, link=link, kind=kind, text=text, name="Dana Responder", role="Director of Services"
    )
    return ask


def adopted_vision(collaborative, *, voices: dict | None = None) -> VisionVersion:
    """The Collaborative's adopted vision, with one value and the voices that shaped it as they were frozen."""
    version = VisionVersion.objects.create(
        collaborative=collaborative,
        number=collaborative.vision_versions.count() + 1,
        statement="Help is easy to get, where and when people need it.",
        status=VisionVersion.Status.ADOPTED,
        adopted_at=timezone.now(),
        voices=voices or {},
    )
    Value.objects.create(version=version, name="Equal voices", meaning="A carer's view counts as much as anyone's.")
    return version


def done_action(collaborative, **fields) -> Action:
    return ActionFactory(collaborative=collaborative, status=Action.Status.DONE, done_at=timezone.now(), **fields)


def figures_items(collaborative, count: int) -> None:
    """Add published figures items, one a year back from 1990, until the Collaborative has `count` of them."""
    have = Publication.objects.filter(collaborative=collaborative, kind=Publication.Kind.FIGURES).count()
    now = timezone.now()
    Publication.objects.bulk_create(
        Publication(
            collaborative=collaborative,
            kind=Publication.Kind.FIGURES,
            period_start=date(1990 + i, 4, 1),
            period_end=date(1991 + i, 3, 31),
            title=f"Our figures, year {i}",
            summary="Meetings held and people who came.",
            first_published_at=now - timedelta(days=i),
        )
        for i in range(have, count)
    )
