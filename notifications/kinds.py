"""The kinds of email the application sends.

Each later part of the application registers its kinds here: the preferences page, the
unsubscribe links and the templates all follow this list. A kind's templates live in
templates/notifications/email/<key>_subject.txt, <key>.txt and <key>.html.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    description: str
    # Digests collect several things into one email; members choose how often.
    digest: bool = False
    # Files to attach, e.g. a meeting's calendar invitation: (filename, content, mimetype).
    attachments: Callable[[object], list[tuple[str, str | bytes, str]]] | None = None


class Frequency:
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    CHOICES = [(DAILY, "Every day"), (WEEKLY, "Every week"), (MONTHLY, "Every month")]


WELCOME = Kind(
    key="welcome",
    label="Welcome to a Collaborative",
    description="When you join a Collaborative: what it is and how to take part.",
)

KINDS: dict[str, Kind] = {kind.key: kind for kind in [WELCOME]}


def kind_choices() -> list[tuple[str, str]]:
    return [(kind.key, kind.label) for kind in KINDS.values()]
