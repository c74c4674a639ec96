"""Fixtures of the payments tests: a Collaborative that pays, and its payments contact."""

import pytest

from tests.factories import MembershipFactory, PaymentChoiceFactory, PaymentSettingsFactory


@pytest.fixture(autouse=True)
def evidence_root(settings, tmp_path):
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    return settings.EVIDENCE_ROOT


@pytest.fixture
def paying(collaborative, people):
    """Lambeth pays (PaymentSettingsFactory), and the member chose to be paid in full."""
    PaymentChoiceFactory(collaborative=collaborative, user=people["member"])
    return PaymentSettingsFactory(collaborative=collaborative)


@pytest.fixture
def contact(collaborative):
    """The payments contact, with two-step sign-in set up."""
    return MembershipFactory(collaborative=collaborative, handles_payments=True).user
