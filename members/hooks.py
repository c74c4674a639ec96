"""What apps above members do when something happens to a person or a membership.

Members know no app above them. Such an app registers a hook in its AppConfig.ready(): meetings
withdraws the answers of someone whose membership ends; vision counts a person's answers in open
rounds under what they share now, after they change their profile, and gives a new Collaborative
the five key roles. Hooks run in order of
registration, in the transaction of the change.
"""

from collections.abc import Callable

from members.models import Collaborative, Membership, User

_membership_ended: list[Callable[..., object]] = []
_profile_changed: list[Callable[..., object]] = []
_collaborative_created: list[Callable[..., object]] = []


def on_membership_ended(hook: Callable[..., object]) -> None:
    """`hook(membership=...)` runs when someone leaves or is deactivated."""
    if hook not in _membership_ended:
        _membership_ended.append(hook)


def on_profile_changed(hook: Callable[..., object]) -> None:
    """`hook(user=...)` runs when someone saves their profile."""
    if hook not in _profile_changed:
        _profile_changed.append(hook)


def on_collaborative_created(hook: Callable[..., object]) -> None:
    """`hook(collaborative=...)` runs when a site administrator adds a Collaborative."""
    if hook not in _collaborative_created:
        _collaborative_created.append(hook)


def membership_ended(membership: Membership) -> None:
    for hook in _membership_ended:
        hook(membership=membership)


def profile_changed(user: User) -> None:
    for hook in _profile_changed:
        hook(user=user)


def collaborative_created(collaborative: Collaborative) -> None:
    for hook in _collaborative_created:
        hook(collaborative=collaborative)
