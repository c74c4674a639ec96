"""The kinds of email the application sends, and the registry each app adds its own to.

Each app declares its kinds in its emails.py and registers them in its AppConfig.ready()
(members/apps.py, say), the way Django's admin registers models: the outbox knows no app.
The preferences page, the unsubscribe links and the templates all follow the registry. A
kind's templates live in templates/notifications/email/<key>_subject.txt, <key>.txt and
<key>.html.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class DigestItem:
    """One line of a member's digest, under the thing it is about (a discussion, a poll, a meeting)."""

    group: str  # What lines are grouped by, e.g. "thread:12": one heading each, never twice.
    title: str  # The heading for the group, e.g. the discussion's title.
    path: str  # The group's page on this site; emails make it whole.
    text: str  # The line itself, e.g. "Sam replied: ..."
    at: datetime  # When it happened: the digest lists the newest first.


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    description: str
    # Digests collect several things into one email; members choose how often.
    digest: bool = False
    # Files to attach, e.g. a meeting's calendar invitation: (filename, content, mimetype).
    attachments: Callable[[object], list[tuple[str, str | bytes, str]]] | None = None
    # Sent to an email address rather than a member (an invitation, say): the person may
    # have no account, so there are no preferences and no unsubscribe link.
    to_address: bool = False
    # Given the message, a reason not to send it after all (the invitation was
    # withdrawn before the worker got to it), or "".
    skip_reason: Callable[[object], str] | None = None
    # Given the message, more for its templates (one-click answer links for this person, say).
    context: Callable[[object], dict] | None = None
    # Who gets it gives something away (a reminder to answer a self-assessment goes only to
    # those who have not finished), so the facilitators' "Emails sent" page leaves this kind
    # out and says so in these words. The person still sees their own under "Emails sent to you".
    unlisted_for_facilitators: str = ""
    # Whose role it can reach: any member ("member"), or only facilitators or commissioners. The preferences
    # page offers a person only the kinds their roles can bring them.
    audience: str = "member"
    # May wait for the person's digest instead of going at once: for such kinds each person chooses
    # "each time", "in my digest" or "off" (Preference.in_digest), and `digest_default` is the choice
    # of someone who made none. `digest_item(message)` is what the digest lists for one of them (or
    # None if there is nothing to say any more, e.g. the comment was withdrawn).
    digestible: bool = False
    digest_default: bool = False
    digest_item: Callable[[object], DigestItem | None] | None = None
    # Given the message, the address a reply to it goes to (the person's own reply address for a discussion,
    # discussions/links.py), or None for none: the email then carries no Reply-To and does not say you can reply.
    reply_to: Callable[[object], str | None] | None = None
    # The digest itself (one kind, declared by an app): what notifications/digest.py makes from the
    # messages held for each person.
    gathers: bool = False

    def template_name(self, suffix: str) -> str:
        """One of the kind's templates: "_subject.txt", ".txt" or ".html"."""
        return f"notifications/email/{self.key}{suffix}"


class Frequency:
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    CHOICES = [(DAILY, "Every day"), (WEEKLY, "Every week"), (MONTHLY, "Every month")]


class UnknownKind(LookupError):
    """No app registered a kind of email by this name (one no longer sent, say)."""


# Filled in by the apps' AppConfig.ready(), in the order of INSTALLED_APPS: the order of the
# preferences page.
_registry: dict[str, Kind] = {}
# What each kind is about, in plain words, as the preferences page groups them ("Meetings"…).
_topics: dict[str, str] = {}


def register(*kinds: Kind, topic: str = "Other emails") -> None:
    """Add an app's kinds of email, under its `topic`; registering the same kind again changes nothing."""
    for kind in kinds:
        if _registry.setdefault(kind.key, kind) is not kind:
            raise ImproperlyConfigured(f"Two kinds of email are named {kind.key!r}.")
        _topics.setdefault(kind.key, topic)


def kind_named(key: str) -> Kind:
    """The registered kind of email stored as `key` (in Message.kind, say); UnknownKind if none is."""
    try:
        return _registry[key]
    except KeyError:
        raise UnknownKind(f"Unknown kind of message: {key}") from None


def all_kinds() -> list[Kind]:
    """Every kind of email, in the order the apps registered them."""
    return list(_registry.values())


def member_kinds() -> list[Kind]:
    """The kinds members choose to get or not, on their preferences page."""
    return [kind for kind in _registry.values() if not kind.to_address]


def kinds_for_roles(roles: set[str]) -> list[tuple[str, list[Kind]]]:
    """The kinds a person with `roles` (of Membership.Role, across their Collaboratives) can get, by topic, in the
    order the apps registered them: every member's, and those of facilitators or commissioners if they are one."""
    grouped: dict[str, list[Kind]] = {}
    for kind in member_kinds():
        if kind.audience == "member" or kind.audience in roles:
            grouped.setdefault(_topics.get(kind.key, "Other emails"), []).append(kind)
    return list(grouped.items())


def digest_kind() -> Kind | None:
    """The kind of the digest email, which gathers the messages held for it; None if no app declares one."""
    return next((kind for kind in _registry.values() if kind.gathers), None)


def unlisted_for_facilitators() -> list[Kind]:
    """The kinds the facilitators' list of emails sent leaves out, because who got them gives something away."""
    return [kind for kind in _registry.values() if kind.unlisted_for_facilitators]


def listed_kind_choices() -> list[tuple[str, str]]:
    """The kinds that list can be filtered by: all the others."""
    return [(kind.key, kind.label) for kind in _registry.values() if not kind.unlisted_for_facilitators]
