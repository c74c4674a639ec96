"""The registry of kinds of email: each app declares its own kinds, and notifications knows none of them."""

import ast
import importlib
from pathlib import Path

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.template.loader import get_template

from notifications import kinds
from notifications.kinds import Kind, UnknownKind, all_kinds, kind_named, member_kinds, register
from notifications.models import Message

NOTIFICATIONS = Path(kinds.__file__).parent


def emails_modules() -> list:
    """Each installed app's emails module, in the order of INSTALLED_APPS."""
    found = []
    for config in apps.get_app_configs():
        if (Path(config.path) / "emails.py").exists():
            found.append(importlib.import_module(f"{config.name}.emails"))
        # ---- issue 18, inbound part: discussions keeps a part's kinds in a module of its own (inbound_emails.py).
        for path in sorted(Path(config.path).glob("*_emails.py")):
            found.append(importlib.import_module(f"{config.name}.{path.stem}"))
    return found


def test_the_registry_holds_exactly_the_kinds_the_apps_declare_in_their_order():
    declared = [kind for module in emails_modules() for kind in module.KINDS]
    assert {module.__name__ for module in emails_modules()} == {
        "members.emails",
        "meetings.emails",
        "vision.emails",
        "actions.emails",
        "payments.emails",
        "asks.emails",
        "discussions.inbound_emails",  # issue 18, inbound part
        "discussions.poll_emails",  # Polls part (issue 18).
        "discussions.emails",  # Issue 18, the threads part.
    }
    assert len(declared) == len({kind.key for kind in declared})
    assert all_kinds() == declared
    assert all(kind_named(kind.key) is kind for kind in declared)


def test_every_kind_an_emails_module_defines_is_in_its_list():
    """A kind written in an app's emails.py but left out of its KINDS would never be registered."""
    for module in emails_modules():
        defined = [value for value in vars(module).values() if isinstance(value, Kind)]
        assert sorted(kind.key for kind in defined) == sorted(kind.key for kind in module.KINDS), module.__name__


def test_notifications_has_no_list_of_kinds_of_its_own():
    """The outbox knows no app's kinds: no Kind is made in its code, and no kind's name is written there."""
    keys = {kind.key for kind in all_kinds()}
    for path in NOTIFICATIONS.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Kind":
                pytest.fail(f"{path.name} makes a Kind: apps declare their kinds in their own emails.py")
            if isinstance(node, ast.Constant) and node.value in keys:
                pytest.fail(f"{path.name} names the kind {node.value!r}")


@pytest.mark.parametrize("kind", all_kinds(), ids=lambda kind: kind.key)
def test_every_kind_has_its_templates_and_fits_the_outbox(kind):
    for suffix in ("_subject.txt", ".txt", ".html"):
        get_template(kind.template_name(suffix))  # Raises TemplateDoesNotExist if one is missing.
    assert len(kind.key) <= Message._meta.get_field("kind").max_length
    assert kind.label
    assert kind.description


def test_the_preferences_page_offers_the_kinds_sent_to_members():
    assert member_kinds() == [kind for kind in all_kinds() if not kind.to_address]
    assert {kind.key for kind in all_kinds() if kind.to_address} == {
        "invitation",
        "join_approved",
        "join_declined",
        "ask_fact_check",
        "ask_sent",
        "ask_reminder",
        "reply_not_accepted",  # issue 18, inbound part: to whoever sent the reply
    }


def test_registering_a_kind_again_changes_nothing_and_a_second_kind_of_the_same_name_is_refused(monkeypatch):
    monkeypatch.setattr(kinds, "_registry", dict(kinds._registry))
    welcome = kind_named("welcome")
    register(welcome)
    assert all_kinds().count(welcome) == 1
    with pytest.raises(ImproperlyConfigured, match="Two kinds of email are named 'welcome'"):
        register(Kind(key="welcome", label="Another welcome", description=""))
    assert kind_named("welcome") is welcome


def test_an_unknown_name_is_refused_plainly():
    with pytest.raises(UnknownKind, match="Unknown kind of message: no-such-kind"):
        kind_named("no-such-kind")
