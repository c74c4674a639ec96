"""The registry of personal data: each app's part of "Download my data" and of erasure.

An app that keeps rows pointing at people says, in its own personal_data.py, what it
keeps: one Relation for each relation from its models to the user model (and for each
record about the person found another way, a "mention"), with what the download shows of
it and what deleting the account does to it. It registers that as a Part in its
AppConfig.ready(), as apps register their admin or their kinds of email.

members/personal_data.py runs the download and erasure over every part, in order, and
tests/members/test_personal_data.py fails for a relation to the user model that no part
names, so a later model that points at people cannot slip past either.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q, QuerySet
from django.db.models.functions import Lower

from members.models import User

FORMER_MEMBER = "Former member"  # Who the person is, in the records that stay, after erasure.


@dataclass(frozen=True)
class Person:
    """Whose data it is: their account, and the addresses that are their own.

    Records are linked to the person by their account, or by an address that is their own:
    their main address or one they confirmed (members/selectors.py). An address someone
    added to their account without confirming it may be anyone's, so it links nothing: not
    in the download, and not in erasure.
    """

    user: User
    addresses: list[str]  # Lower case.


@dataclass(frozen=True)
class Relation:
    """What "my data" does with one relation to the user model."""

    section: str  # Its key in the download.
    export: Callable[[Person], list | dict]
    erasure: str  # What deleting the account does to it, in words.


@dataclass(frozen=True)
class Erasure(Person):
    """What each part's erasure step is given: read before any part changes anything."""

    erased: str  # The address that takes the place of theirs in the records that stay.
    now: datetime


@dataclass(frozen=True)
class Part:
    """One app's share of a person's data: its relations to them, and how it erases them."""

    name: str
    # Parts come in this order, lowest first, in the download, on the "delete your account"
    # page and in erasure; an app's part may come before or after another's.
    order: int
    relations: dict[str, Relation]  # By the relation's name, "app_label.Model.field".
    # Records about the person with no foreign key to them; they come after all relations.
    mentions: dict[str, Relation] = field(default_factory=dict)
    # Removes the part's personal data, in the erasure's transaction. None: it keeps its rows
    # as they are (the user row stays, as "Former member").
    erase: Callable[[Erasure], None] | None = None


_parts: dict[str, Part] = {}


def when(value) -> str | None:
    """A date or moment as the download writes it."""
    return value.isoformat() if value else None


def name_of(user: User | None) -> str | None:
    return user.display_name if user else None


def by_address(queryset: QuerySet, field: str) -> QuerySet:
    """The queryset, ready to be filtered with to_addresses(field, ...)."""
    return queryset.alias(**{f"_{field}_lower": Lower(field)})


def to_addresses(field: str, addresses: list[str]) -> Q:
    """Rows whose `field` is one of the (lower case) addresses, whatever its case (use with by_address)."""
    return Q(**{f"_{field}_lower__in": addresses})


def register(part: Part) -> None:
    """Add an app's part (from its AppConfig.ready()); registering the same part again changes nothing."""
    if _parts.get(part.name, part) != part:
        raise ImproperlyConfigured(f"Two personal data parts are named {part.name!r}.")
    taken = {key for other in parts() if other.name != part.name for key in [*other.relations, *other.mentions]}
    if twice := taken & {*part.relations, *part.mentions}:
        raise ImproperlyConfigured(f"Personal data part {part.name!r} names relations another part names: {twice}")
    _parts[part.name] = part


def parts() -> list[Part]:
    return sorted(_parts.values(), key=lambda part: part.order)


def relations() -> dict[str, Relation]:
    """Every part's relations to the user model, in order."""
    return {key: relation for part in parts() for key, relation in part.relations.items()}


def mentions() -> dict[str, Relation]:
    """Every part's records about the person found without a foreign key, in order."""
    return {key: relation for part in parts() for key, relation in part.mentions.items()}
