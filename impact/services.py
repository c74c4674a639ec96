"""Writes of the "What changed" page: publishing an item, changing its words, hiding it and showing it again,
and asking a member to be named on it (and their answer).

Nothing is deleted: hiding is a status, and every publish, change and hide is a PublicationEvent.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from actions.models import Action
from asks.models import Ask
from impact.models import Credit, Publication, PublicationEvent
from impact.selectors import ASKS_ANSWERED, newer_answers
from members.models import Collaborative, Membership, User
from vision.models import Goal, VisionVersion

ALREADY = "This is published already: change it, or publish it again, under “Published items”."


def _event(publication: Publication, what: str, by: User | None) -> PublicationEvent:
    return PublicationEvent.objects.create(publication=publication, what=what, by=by, at=timezone.now())


def _check_publishable(publication: Publication) -> None:
    """Refuse an item that cannot be published: a version not adopted, an action not done, an ask with no answer."""
    kind = Publication.Kind
    if publication.kind == kind.VISION and publication.vision_version.status != VisionVersion.Status.ADOPTED:
        raise ValidationError("Only a version of the vision that was adopted can be published.")
    if publication.kind == kind.YOU_SAID and publication.action.status != Action.Status.DONE:
        raise ValidationError("Only an action that is done can be published as “you said, we did”.")
    if publication.kind == kind.ASK and (
        publication.ask.status not in ASKS_ANSWERED or not publication.ask.answers.exists()
    ):
        raise ValidationError("Only an ask that has had an answer can be published.")


@transaction.atomic
def publication_publish(
    *,
    collaborative: Collaborative,
    by: User,
    kind: str,
    title: str,
    summary: str = "",
    vision_version: VisionVersion | None = None,
    goal: Goal | None = None,
    action: Action | None = None,
    ask: Ask | None = None,
    period_start: date | None = None,
    period_end: date | None = None,
) -> Publication:
    """Put one item on the Collaborative's public page: from now on anyone can read it, and the feed has it."""
    now = timezone.now()
    publication = Publication(
        collaborative=collaborative,
        kind=kind,
        vision_version=vision_version,
        goal=goal,
        action=action,
        ask=ask,
        period_start=period_start,
        period_end=period_end,
        title=title.strip(),
        summary=summary.strip(),
        status=Publication.Status.PUBLISHED,
        first_published_at=now,
        updated_at=now,
        created_by=by,
        # An ask shows the answers the facilitator saw when publishing it, and no later one until they choose.
        answers_until=now if kind == Publication.Kind.ASK else None,
    )
    try:
        publication.full_clean()
    except ValidationError as error:
        if any("already exists" in message for message in error.messages):
            raise ValidationError(ALREADY) from error
        raise
    _check_publishable(publication)
    try:
        with transaction.atomic():
            publication.save()
    except IntegrityError as error:  # Two facilitators at the same moment: the second is told.
        raise ValidationError(ALREADY) from error
    _event(publication, PublicationEvent.What.PUBLISHED, by)
    return publication


@transaction.atomic
def publication_change(*, publication: Publication, by: User, title: str, summary: str) -> Publication:
    """Change an item's title and summary; it keeps its place (the day it was first published)."""
    publication = Publication.objects.select_for_update().get(pk=publication.pk)
    title, summary = title.strip(), summary.strip()
    if (title, summary) == (publication.title, publication.summary):
        return publication
    publication.title, publication.summary, publication.updated_at = title, summary, timezone.now()
    publication.full_clean()
    publication.save(update_fields=["title", "summary", "updated_at"])
    _event(publication, PublicationEvent.What.CHANGED, by)
    return publication


@transaction.atomic
def publication_answers_update(*, publication: Publication, by: User) -> Publication:
    """Show on the public page the answers to a published ask given since it was published (or since this was
    last done), once a facilitator has read them on the ask's page."""
    publication = Publication.objects.select_for_update().get(pk=publication.pk)
    if publication.kind != Publication.Kind.ASK:
        raise ValidationError("Only an ask has answers to show.")
    if publication.ask.status == Ask.Status.WITHDRAWN:
        raise ValidationError("The ask was withdrawn, so it is not on the public page.")
    if not newer_answers(publication):
        raise ValidationError("The public page shows every answer already.")
    publication.answers_until = publication.updated_at = timezone.now()
    publication.save(update_fields=["answers_until", "updated_at"])
    _event(publication, PublicationEvent.What.CHANGED, by)
    return publication


@transaction.atomic
def publication_hide(*, publication: Publication, by: User) -> Publication:
    """Take an item off the public page (and the feed). It is kept, with its history, to publish again."""
    publication = Publication.objects.select_for_update().get(pk=publication.pk)
    if not publication.is_published:
        raise ValidationError("This item is not on the public page already.")
    publication.status, publication.updated_at = Publication.Status.HIDDEN, timezone.now()
    publication.save(update_fields=["status", "updated_at"])
    _event(publication, PublicationEvent.What.HIDDEN, by)
    return publication


@transaction.atomic
def publication_show(*, publication: Publication, by: User) -> Publication:
    """Publish a hidden item again. It keeps the day it was first published, so the feed does not show it as new."""
    publication = Publication.objects.select_for_update().get(pk=publication.pk)
    if publication.is_published:
        raise ValidationError("This item is on the public page already.")
    _check_publishable(publication)
    publication.status, publication.updated_at = Publication.Status.PUBLISHED, timezone.now()
    publication.save(update_fields=["status", "updated_at"])
    _event(publication, PublicationEvent.What.PUBLISHED, by)
    return publication


@transaction.atomic
def credit_ask(*, publication: Publication, user: User, by: User) -> Credit:
    """Ask a member whether they would like to be named on the item. Their name shows only once they agree."""
    if not Membership.objects.current_in(publication.collaborative).filter(user=user).exists():
        raise ValidationError("Only a member of the Collaborative can be asked to be named.")
    asked = ValidationError(f"{user.display_name} has been asked already.")
    if Credit.objects.filter(publication=publication, user=user).exists():
        raise asked
    credit = Credit(publication=publication, user=user, asked_at=timezone.now())
    credit.full_clean()
    try:
        with transaction.atomic():
            credit.save()
    except IntegrityError as error:
        raise asked from error
    return credit


@transaction.atomic
def credit_answer(*, credit: Credit, agree: bool) -> Credit:
    """The person's answer: yes (their name shows on the item) or no. They can change it at any time; saying no
    after yes takes their name off at once."""
    credit = Credit.objects.select_for_update().get(pk=credit.pk)
    now = timezone.now()
    if agree:
        credit.agreed_at, credit.declined_at = now, None
    else:
        credit.declined_at = now
    credit.save(update_fields=["agreed_at", "declined_at"])
    return credit
