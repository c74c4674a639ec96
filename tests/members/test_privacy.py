"""Privacy (issue 4): what a person keeps to facilitators, or to no one, shows nowhere else.

One person in Lambeth ("the person") fills in every field they can hide with a value
that cannot turn up by chance. Each kind of viewer then opens every page of the site,
as a full page and as an htmx fragment, and each value must appear exactly where the
person's choices allow: on the pages named in SHOWN, to the viewers allowed to see it,
and nowhere else. The walk plants one such person for each set of choices in CHOICES at
once, each with values of their own, so that one walk for each viewer checks them all.
Addresses with arguments are filled in from PAGES; a new one fails
`test_every_page_with_arguments_is_walked` until it is added there, so that new pages
are checked too. Pages without arguments are walked without being listed.
"""

import io
import json
import re
import sys
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, time, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http.request import HttpHeaders
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader
from pypdf.errors import PdfReadError

import members.views
from actions.models import Action
from actions.services import action_create, action_update_add, review_item_mark, review_round_open
from asks.models import Ask
from asks.services import ask_evidence_add, ask_propose
from collaborative.middleware import TwoFactorMiddleware
from collaborative.permissions import profile_field_shown, profile_fields_for
from discussions.models import Poll  # Polls part (issue 18).
from discussions.polls import poll_close, poll_vote  # Polls part (issue 18).
from discussions.services import comment_add, comment_edit, thread_start
from meetings.links import rsvp_token
from meetings.models import Rsvp, Venue
from meetings.services import agenda_item_propose, calendar_feed_renew, meeting_schedule, rsvp_set
from members.emails import WELCOME
from members.links import invitation_path
from members.models import JoinRequest, Membership, MembershipChange, OrganisationType, User, Visibility
from members.services import membership_leave
from notifications.links import unsubscribe_token
from notifications.models import Message
from payments.models import Letter, Line
from payments.services import letter_ask, letter_sign, line_add
from tests.conftest import make_lambeth, make_luton, make_people, rows_shared_by_module
from tests.factories import (
    CreditFactory,
    InvitationFactory,
    JoinRequestFactory,
    MembershipFactory,
    PublicationFactory,
    UserFactory,
    ask_sent_for_test,
    poll_opened,  # Polls part (issue 18).
)
from tests.test_access import EXPECTATIONS, MEMBERS_POST, PDF, POST_ONLY, evidence_in, url_patterns
from tests.vision.rounds import were_members_when_it_opened
from vision.models import Goal, GoalReview, Rating, Round
from vision.results import ROUND_GROUP_MIN
from vision.services import (
    answers_save,
    contribution_add,
    goal_review,
    goal_save,
    round_open,
    version_adopt,
    version_draft,
)

pytestmark = pytest.mark.django_db

NAME = "Zzz Planted Person"  # Last by name, so on the directory's last page.
MARKERS = {
    "organisation": "SecretOrgZX1",
    "job_title": "SecretTitleZX2",
    "access_needs": "SecretNeedZX3",
}
HTMX = {"HX-Request": "true"}

# Everyone who might look: the five of the `people` fixture, two more, and the person.
VIEWERS = (
    "anonymous",
    "outsider",  # A facilitator of Luton only.
    "member",
    "commissioner",
    "facilitator",
    "member_facilitating_elsewhere",  # A member of Lambeth who facilitates Luton.
    "former_facilitator",  # Facilitated Lambeth once, has left.
    "person",
)


@dataclass(frozen=True)
class Choices:
    """Who the person lets see each field, and whether they are still in Lambeth."""

    perspectives: str
    organisation: str
    job_title: str
    left: bool = False


CHOICES = {
    "org-facilitators-title-nobody": Choices(
        perspectives=Visibility.FACILITATORS, organisation=Visibility.FACILITATORS, job_title=Visibility.NOBODY
    ),
    "org-nobody-title-facilitators": Choices(
        perspectives=Visibility.NOBODY, organisation=Visibility.NOBODY, job_title=Visibility.FACILITATORS
    ),
    "all-for-members": Choices(
        perspectives=Visibility.MEMBERS, organisation=Visibility.MEMBERS, job_title=Visibility.MEMBERS
    ),
    "all-for-members-but-left": Choices(
        perspectives=Visibility.MEMBERS, organisation=Visibility.MEMBERS, job_title=Visibility.MEMBERS, left=True
    ),
}
IN_LAMBETH = {"member", "commissioner", "facilitator", "member_facilitating_elsewhere"}
SEEN_BY = {
    Visibility.MEMBERS: IN_LAMBETH,
    Visibility.FACILITATORS: {"facilitator"},
    Visibility.NOBODY: set(),
}


def sees(viewer: str, field: str, choices: Choices) -> bool:
    """Whether the viewer may see the person's field (access needs: only facilitators)."""
    if viewer == "person":
        return True
    if choices.left:
        return False  # Lambeth is no longer the person's Collaborative.
    if field == "access_needs":
        return viewer == "facilitator"
    return viewer in SEEN_BY[getattr(choices, field)]


# How to fill in each address that takes arguments, and the query strings to try.
# PERSON, INVITATION_TOKEN, UNSUBSCRIBE_TOKEN and PERSON_EMAIL are known once the rows exist.
LAMBETH = {"slug": "lambeth"}
THE_PERSON = {"slug": "lambeth", "pk": "PERSON"}
VERSION = {"slug": "lambeth", "number": "VERSION"}
PAGES: dict[str, tuple[dict, tuple[str, ...]]] = {
    "home:collaborative_home": (LAMBETH, ("",)),
    "members:collaborative_settings": (LAMBETH, ("",)),
    "members:ground_rules": (LAMBETH, ("",)),
    "members:ground_rules_edit": (LAMBETH, ("",)),
    "members:directory": (
        LAMBETH,
        ("", "?page=99", "?q=zzz", "?perspective=carer", "?perspective=carer&q=planted&page=99", "?page=x"),
    ),
    "home:at_the_table": (LAMBETH, ("",)),
    "members:member_detail": (THE_PERSON, ("",)),
    "members:member_manage": (THE_PERSON, ("",)),
    "members:former_members": (LAMBETH, ("",)),
    "members:leave": (LAMBETH, ("",)),
    "members:take_break": (LAMBETH, ("",)),
    "members:invitations": (LAMBETH, ("",)),
    "members:join_requests": (LAMBETH, ("",)),
    "members:public_page": (LAMBETH, ("",)),
    "notifications:collaborative_list": (LAMBETH, ("", "?q=zzz")),
    "members:invitation": ({"token": "INVITATION_TOKEN"}, ("",)),  # An invitation the person sent.
    "notifications:unsubscribe": ({"token": "UNSUBSCRIBE_TOKEN"}, ("",)),  # The person's link.
    "notifications:mine_detail": ({"pk": "PERSON_EMAIL"}, ("",)),  # An email to the person, to read again.
    "meetings:list": (LAMBETH, ("",)),
    "meetings:detail": ({"slug": "lambeth", "pk": "MEETING"}, ("",)),
    "meetings:edit": ({"slug": "lambeth", "pk": "MEETING"}, ("",)),
    "meetings:cancel": ({"slug": "lambeth", "pk": "MEETING"}, ("",)),
    "meetings:agenda": ({"slug": "lambeth", "pk": "MEETING"}, ("",)),
    "meetings:agenda_propose": ({"slug": "lambeth", "pk": "MEETING"}, ("",)),
    # The person's item, where facilitators say "not this time".
    "meetings:agenda_item_decline": ({"slug": "lambeth", "meeting_pk": "MEETING", "pk": "AGENDA_ITEM"}, ("",)),
    "meetings:agenda_item_edit": ({"slug": "lambeth", "meeting_pk": "MEETING", "pk": "AGENDA_ITEM"}, ("",)),
    "meetings:agenda_item_remove": ({"slug": "lambeth", "meeting_pk": "MEETING", "pk": "AGENDA_ITEM"}, ("",)),
    "meetings:agenda_publish": ({"slug": "lambeth", "pk": "MEETING"}, ("",)),
    "meetings:ics": ({"slug": "lambeth", "pk": "MEETING"}, ("",)),
    "meetings:rsvp_link": ({"token": "RSVP_TOKEN"}, ("",)),  # The person's own answer link.
    "meetings:calendar_feed": ({"token": "FEED_TOKEN"}, ("",)),  # The person's own calendar.
    # The responder's link (issue 17): the ask and the facilitator to write to, never a member's profile.
    "asks:respond": ({"token": "RESPONDER_TOKEN"}, ("",)),
    "asks:respond_file": ({"token": "RESPONDER_TOKEN", "file": "not-a-real-file"}, ("",)),
    "meetings:attendance": (LAMBETH, ("",)),
    "meetings:check_ins": (LAMBETH, ("", "?page=99")),
    "meetings:register": ({"slug": "lambeth", "pk": "MEETING"}, ("",)),
    "meetings:notes": ({"slug": "lambeth", "pk": "MEETING"}, ("",)),
    "meetings:schedule": (LAMBETH, ("",)),
    "meetings:schedule_series": (LAMBETH, ("",)),
    "meetings:venues": (LAMBETH, ("",)),
    "meetings:venue_add": (LAMBETH, ("",)),
    "meetings:venue_edit": ({"slug": "lambeth", "pk": "VENUE"}, ("",)),
    "vision:home": (LAMBETH, ("",)),
    "vision:version_new": (LAMBETH, ("",)),
    "vision:compare": (LAMBETH, ("", "?from=1&to=2", "?from=x")),
    "vision:version": (VERSION, ("",)),  # A draft with the person's idea on it.
    "vision:version_edit": (VERSION, ("",)),
    "vision:version_adopt": (VERSION, ("",)),
    "vision:version_set_aside": (VERSION, ("",)),
    "vision:goals": (LAMBETH, ("",)),
    "vision:goal_new": (LAMBETH, ("",)),
    "vision:goal": ({"slug": "lambeth", "pk": "GOAL"}, ("",)),  # Reviewed by the person.
    "vision:goal_edit": ({"slug": "lambeth", "pk": "GOAL"}, ("",)),
    "vision:goal_review": ({"slug": "lambeth", "pk": "GOAL"}, ("",)),
    "vision:framework": (LAMBETH, ("",)),
    "vision:statement_new": (LAMBETH, ("", "?key_role=2")),
    "vision:statement_edit": ({"slug": "lambeth", "pk": "STATEMENT"}, ("",)),
    "vision:rounds": (LAMBETH, ("",)),
    "vision:round_new": (LAMBETH, ("",)),
    "vision:round": ({"slug": "lambeth", "pk": "CLOSED_ROUND"}, ("",)),  # Results the person helped make.
    "vision:round_dates": ({"slug": "lambeth", "pk": "ROUND"}, ("",)),  # Open: closed ones redirect.
    "vision:round_close": ({"slug": "lambeth", "pk": "ROUND"}, ("",)),  # Open: closed ones redirect.
    "vision:round_csv": ({"slug": "lambeth", "pk": "CLOSED_ROUND"}, ("",)),
    # The comments on the statement the person answered, theirs among them, without names.
    "vision:round_comments": (
        {"slug": "lambeth", "pk": "CLOSED_ROUND", "statement_pk": "CLOSED_ROUND_STATEMENT"},
        ("", "?page=2"),
    ),
    # The action log: the person owns an action (with an update and a file) and supports another;
    # pages show owners', supporters' and authors' names to members, and nothing else of them.
    "actions:log": (LAMBETH, ("", "?status=open&sort=updated", "?q=crisis&overdue=on", "?page=99", "?owner=x")),
    # What a name typed in the log's owner or organisation box finds.
    "actions:owners": (LAMBETH, ("", "?owner_name=e", "?owner_name=planted")),
    "actions:organisations": (LAMBETH, ("", "?organisation_name=o")),
    "actions:export_csv": (LAMBETH, ("", "?sort=title")),
    "actions:export_xlsx": (LAMBETH, ("",)),
    "actions:new": (LAMBETH, ("", "?meeting=99999&agenda_item=x")),
    "actions:dashboard": (LAMBETH, ("",)),
    "actions:detail": ({"slug": "lambeth", "pk": "ACTION"}, ("",)),  # The person's, with their update.
    "actions:edit": ({"slug": "lambeth", "pk": "ACTION"}, ("",)),
    "actions:evidence": ({"slug": "lambeth", "pk": "ACTION_UPDATE"}, ("",)),  # The person's file.
    "actions:reviews": (LAMBETH, ("",)),
    "actions:review": ({"slug": "lambeth", "pk": "REVIEW"}, ("",)),  # The person's action in it.
    "actions:review_sign_off": ({"slug": "lambeth", "pk": "REVIEW"}, ("",)),  # Asks first, or back to the review.
    # Payments: the person's claim, with its receipt, approved (so that it can be corrected).
    "payments:claim": (LAMBETH, ("",)),
    "payments:activity_add": (LAMBETH, ("",)),
    "payments:queue": (LAMBETH, ("", "?page=2")),
    "payments:export_csv": (LAMBETH, ("",)),
    "payments:export_xlsx": (LAMBETH, ("",)),
    "payments:line": ({"slug": "lambeth", "pk": "PAYMENT_LINE"}, ("",)),
    "payments:receipt": ({"slug": "lambeth", "pk": "PAYMENT_LINE"}, ("",)),
    "payments:line_correct": ({"slug": "lambeth", "pk": "PAYMENT_LINE"}, ("",)),
    # The person's payments, statements and letter (signed by a facilitator): theirs, the payments contact's and
    # the facilitators'; the PDFs are read as text.
    "payments:home": (LAMBETH, ("",)),
    "payments:letter_ask": (LAMBETH, ("",)),
    "payments:letters": (LAMBETH, ("",)),  # The person's letter among them.
    "payments:totals": (LAMBETH, ("",)),
    "payments:person": ({"slug": "lambeth", "user_pk": "PERSON"}, ("",)),
    "payments:statement": ({"slug": "lambeth", "user_pk": "PERSON"}, ("", "?start=2026-01-01&end=2026-03-31")),
    "payments:statement_csv": ({"slug": "lambeth", "user_pk": "PERSON"}, ("",)),
    "payments:statement_pdf": ({"slug": "lambeth", "user_pk": "PERSON"}, ("",)),
    "payments:letter": ({"slug": "lambeth", "pk": "PERSON_LETTER"}, ("",)),
    "payments:letter_pdf": ({"slug": "lambeth", "pk": "PERSON_LETTER"}, ("",)),
    "payments:settings": (LAMBETH, ("", "?page=99")),
    "payments:choice": (LAMBETH, ("",)),
    # The impact report: counts only, never a name; the PDF is read as text.
    "impact:report": (LAMBETH, ("", "?start=2020-01-01&end=2024-12-31", "?start=x")),
    "impact:report_pdf": (LAMBETH, ("",)),
    "impact:report_csv": (LAMBETH, ("",)),
    # Asks (issue 17): the people's proposals, one of them with evidence; pages name a proposer, and nothing else
    # of them.
    # ---- Discussions (issue 18, the threads part): the person's discussion and their (edited) comment in it. Pages
    # show members' names beside what they wrote, nothing else of them.
    "discussions:list": (LAMBETH, ("", "?status=closed", "?page=99", "?goal=x")),
    "discussions:new": (LAMBETH, ("",)),
    "discussions:read_all": (LAMBETH, ("",)),
    "discussions:thread": ({"slug": "lambeth", "pk": "THREAD"}, ("", "?page=99")),
    "discussions:thread_edit": ({"slug": "lambeth", "pk": "THREAD"}, ("",)),
    "discussions:thread_versions": ({"slug": "lambeth", "pk": "THREAD"}, ("",)),
    "discussions:close": ({"slug": "lambeth", "pk": "THREAD"}, ("",)),
    "discussions:comment_edit": ({"slug": "lambeth", "pk": "COMMENT"}, ("",)),
    "discussions:comment_versions": ({"slug": "lambeth", "pk": "COMMENT"}, ("",)),
    "discussions:comment_hide": ({"slug": "lambeth", "pk": "COMMENT"}, ("",)),
    "asks:list": (LAMBETH, ("", "?status=proposed&sort=title", "?q=crisis&overdue=on", "?page=99", "?goal=x")),
    "asks:export_csv": (LAMBETH, ("",)),
    "asks:export_xlsx": (LAMBETH, ("",)),
    "asks:propose": (LAMBETH, ("",)),
    "asks:new": (LAMBETH, ("",)),
    "asks:detail": ({"slug": "lambeth", "pk": "ASK"}, ("",)),
    "asks:edit": ({"slug": "lambeth", "pk": "ASK"}, ("",)),
    "asks:evidence_add": ({"slug": "lambeth", "pk": "ASK"}, ("",)),
    "asks:evidence": ({"slug": "lambeth", "pk": "ASK_EVIDENCE"}, ("",)),
    # What changed (issue 17): an item the person agreed to be named on (their name, nothing else of them).
    "impact:manage": (LAMBETH, ("", "?items=99&goals=x")),
    "impact:publish": (LAMBETH, ("", "?kind=goal&id=99999")),
    "impact:edit": ({"slug": "lambeth", "pk": "PUBLICATION"}, ("",)),
    "impact:credit": ({"slug": "lambeth", "pk": "PERSON_CREDIT"}, ("",)),
    "impact:public": (LAMBETH, ("", "?page=99")),
    "impact:item": ({"slug": "lambeth", "pk": "PUBLICATION"}, ("",)),
    "impact:feed": (LAMBETH, ("",)),
    # --- Polls part (issue 18): a named poll the person voted in (with a reason), its results shown as votes come
    # in: their name, nothing else of them. The other pages of a poll show no one but whoever opened it.
    "discussions:polls": (LAMBETH, ("", "?page=99")),
    "discussions:poll_new": (LAMBETH, ("", "?thread=99999", "?meeting=x")),
    "discussions:poll": ({"slug": "lambeth", "pk": "POLL"}, ("",)),
    "discussions:poll_edit": ({"slug": "lambeth", "pk": "POLL"}, ("",)),
    "discussions:poll_close": ({"slug": "lambeth", "pk": "POLL"}, ("",)),
    "discussions:poll_withdraw": ({"slug": "lambeth", "pk": "POLL"}, ("",)),
    "discussions:poll_outcome": ({"slug": "lambeth", "pk": "CLOSED_POLL"}, ("",)),
    "discussions:poll_meeting": ({"slug": "lambeth", "pk": "CLOSED_POLL"}, ("",)),
    # --- End of the polls part. ---
    "account_reset_password_from_key": ({"uidb36": "1", "key": "not-a-real-key"}, ("",)),
    "account_confirm_email": ({"key": "not-a-real-key"}, ("",)),
}
# Where the person's fields are meant to show, to those allowed to see them. The directory
# shows few people a page in these tests, so the person is on its last page, or found by name.
SHOWN = {
    ("members:member_detail", ""): {"organisation", "job_title", "access_needs"},
    ("members:directory", "?page=99"): {"organisation"},
    ("members:directory", "?q=zzz"): {"organisation"},
    # Listed only to those who see the person's perspectives.
    ("members:directory", "?perspective=carer"): {"organisation"},
    ("members:directory", "?perspective=carer&q=planted&page=99"): {"organisation"},
}
# Each viewer's own data; an email sent to the person holds all of theirs, for them alone.
OWN_PAGES = {"members:profile", "members:my_data_download", "notifications:mine_detail"}
# Shown to the facilitators of the person's Collaborative only, not even to the person:
# the needs of those coming to a meeting (the person said they are coming).
FOR_FACILITATORS = {("meetings:detail", ""): {"access_needs"}}

# Every page but the site administration's (for staff only: tests/test_access.py), by name.
PATTERNS = {
    ":".join(filter(None, [namespace, name])): route
    for namespace, name, route in url_patterns()
    if namespace != "admin"
}
POST_ONLY_PAGES = {name for name, (_, expected) in EXPECTATIONS.items() if expected in (POST_ONLY, MEMBERS_POST)}
WITH_ARGUMENTS = {name for name, route in PATTERNS.items() if "<" in route}
WITHOUT_ARGUMENTS = sorted(name for name, route in PATTERNS.items() if "<" not in route)


def expected(name: str, query: str, viewer: str, choices: Choices) -> set[str]:
    """The person's fields this page must show this viewer; every other one must be absent."""
    if name in OWN_PAGES:
        return set(MARKERS) if viewer == "person" else set()
    if choices.left:
        return set()
    if (name, query) in FOR_FACILITATORS:
        return FOR_FACILITATORS[name, query] if viewer == "facilitator" else set()
    if "perspective=" in query and not sees(viewer, "perspectives", choices):
        return set()
    return {field for field in SHOWN.get((name, query), set()) if sees(viewer, field, choices)}


def walk(placeholders: dict):
    """(name, query, url) for every page: those in PAGES, then every page without arguments."""
    for name, (kwargs, queries) in PAGES.items():
        path = reverse(name, kwargs={key: placeholders.get(value, value) for key, value in kwargs.items()})
        for query in queries:
            yield name, query, path + query
    for name in WITHOUT_ARGUMENTS:
        if name not in POST_ONLY_PAGES:
            yield name, "", reverse(name)


def body(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if response.headers.get("Content-Type", "") == "application/pdf":
        try:  # A letter or a statement: its text, as a reader shows it.
            return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
        except PdfReadError:  # An uploaded file (these tests upload the smallest that passes for a PDF).
            return content.decode()
    if response.headers.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        with zipfile.ZipFile(io.BytesIO(content)) as spreadsheet:  # Its text is in the zip's parts.
            return "".join(spreadsheet.read(part).decode() for part in spreadsheet.namelist())
    return content.decode()


def sign_in_as(client, user, **kwargs) -> None:
    client.logout()
    if user is not None:
        client.force_login(user, **kwargs)


def get_as(client, user, url: str, headers: dict, **kwargs):
    """GET as `user` (None: anonymous), signing in again only if an earlier page signed them out
    (signing in for every page would take most of the walk's time)."""
    response = client.get(url, headers=headers)
    signed_out = response.status_code == 302 and response.headers["Location"].startswith(reverse("account_login"))
    if user is not None and signed_out:
        sign_in_as(client, user, **kwargs)
        response = client.get(url, headers=headers)
    return response


def reader(frame):
    """The code that asked for a header: the first caller outside Mapping.get and django-htmx."""
    while frame.f_code.co_filename.endswith("_collections_abc>") or "/django_htmx/" in frame.f_code.co_filename:
        frame = frame.f_back
    return frame.f_code


class HtmxReads:
    """Whether anything read an htmx header (HX-Request and the like) while a page was made.

    Every page is checked as a full page; its htmx fragment is fetched and checked too when the
    page's answer could depend on htmx, that is when something read one of those headers:
    `request.htmx` reads them through `request.headers`, as any other code would, and this
    watches `request.headers`. A page made without reading them is the same page with htmx, so
    fetching it again would check the same text twice (that was half of this walk's time).
    The one read that cannot change a page is TwoFactorMiddleware's, once the page is made, to
    decide whether the person has arrived where they were going; it is left out.
    """

    def __init__(self, monkeypatch) -> None:
        self.read = False
        original = HttpHeaders.__getitem__
        after_the_page = TwoFactorMiddleware.__call__.__code__

        def getitem(headers, key: str):
            if key.lower().replace("_", "-").startswith("hx-") and reader(sys._getframe(1)) is not after_the_page:
                self.read = True
            return original(headers, key)

        monkeypatch.setattr(HttpHeaders, "__getitem__", getitem)
        # django-htmx reads its headers with .get(), which Mapping answers through __getitem__.
        assert HttpHeaders.get is Mapping.get

    def answers(self, client, user, url: str, **kwargs):
        """("", the page) and, where it could differ, (" (htmx)", its fragment)."""
        self.read = False
        yield "", get_as(client, user, url, {}, **kwargs)
        if self.read:
            yield " (htmx)", get_as(client, user, url, HTMX, **kwargs)


def test_every_page_with_arguments_is_walked():
    missing = sorted(WITH_ARGUMENTS - POST_ONLY_PAGES - PAGES.keys())
    assert not missing, (
        f"Say in PAGES (tests/members/test_privacy.py) how to fill in the address of {missing}, "
        "or, if it answers only POST, mark it POST_ONLY in tests/test_access.py."
    )
    assert PAGES.keys() <= WITH_ARGUMENTS, f"PAGES names pages that are gone: {sorted(PAGES.keys() - WITH_ARGUMENTS)}"
    assert {"members:directory", "members:member_detail", "home:at_the_table"} <= PAGES.keys()
    assert {"members:profile", "members:my_data_download"} <= set(WITHOUT_ARGUMENTS)
    # Every viewer walks, and so does each person planted for CHOICES.
    walkers = [walker for group in WALKERS.values() for walker in group]
    assert sorted(walkers) == sorted({*VIEWERS} - {"person"} | {f"person:{key}" for key in CHOICES})


@pytest.fixture(scope="module")
def privacy_rows(django_db_setup, django_db_blocker) -> Iterator[dict]:
    """Lambeth, Luton and every viewer but the person, made once for this module's tests
    (rows_shared_by_module); each test makes its own person, undone after it."""

    def make() -> dict:
        collaborative, other_collaborative = make_lambeth(), make_luton()
        role = Membership.Role
        elsewhere = MembershipFactory(collaborative=other_collaborative, role=role.FACILITATOR).user
        MembershipFactory(user=elsewhere, collaborative=collaborative, role=role.MEMBER)
        former = MembershipFactory(
            collaborative=collaborative, role=role.FACILITATOR, status=Membership.Status.LEFT, left_at=timezone.now()
        ).user
        return {
            "collaborative": collaborative,
            "other_collaborative": other_collaborative,
            "viewers": {
                **make_people(collaborative, other_collaborative),
                "member_facilitating_elsewhere": elsewhere,
                "former_facilitator": former,
            },
        }

    with rows_shared_by_module(django_db_blocker, make) as rows:
        yield rows


@pytest.fixture
def collaborative(privacy_rows, db):
    privacy_rows["collaborative"].refresh_from_db()  # A test may have changed it, then been undone.
    return privacy_rows["collaborative"]


@pytest.fixture
def other_collaborative(privacy_rows, db):
    return privacy_rows["other_collaborative"]


@pytest.fixture
def viewers(privacy_rows, db) -> dict:
    return privacy_rows["viewers"]


def vision_plant(people: list[User], facilitator: User, collaborative) -> dict:
    """The people's ideas on a draft, reviews of a goal and answers in a closed round; an open round."""
    values = [("Equal voices", "A carer's view counts as much as a chief officer's.")]
    adopted = version_draft(collaborative=collaborative, by=facilitator, statement="Help is easy.", values=values)
    version_adopt(version=adopted, by=facilitator)
    draft = version_draft(collaborative=collaborative, by=facilitator, statement="Help is near.", values=values)
    goal = goal_save(
        goal=Goal(collaborative=collaborative, title="Crisis help", success="People know.", review_on=date(2030, 1, 1)),
        by=facilitator,
    )
    for person in people:
        contribution_add(version=draft, author=person, text="Say more about carers.")
        goal_review(
            goal=goal,
            by=person,
            reviewed_on=timezone.localdate(),
            outcome=GoalReview.Outcome.ON_TRACK,
            next_review_on=timezone.localdate() + timedelta(days=90),
        )
    closed = round_open(
        collaborative=collaborative,
        by=facilitator,
        title="Spring",
        closing_day=timezone.localdate() + timedelta(days=7),
    )
    statement = closed.statements.first()
    respondents = [*people, *(UserFactory() for _ in range(ROUND_GROUP_MIN))]
    were_members_when_it_opened(closed, respondents)
    for user in respondents:
        answers_save(round=closed, user=user, answers={statement.pk: (Rating.STRONG, f"Comment {user.pk}")})
    now = timezone.now()
    Round.objects.filter(pk=closed.pk).update(opened_at=now - timedelta(days=30), closes_at=now - timedelta(days=1))
    opened = round_open(
        collaborative=collaborative,
        by=facilitator,
        title="Autumn",
        closing_day=timezone.localdate() + timedelta(days=9),
    )
    for person in people:
        answers_save(round=opened, user=person, answers={opened.statements.first().pk: (Rating.STARTING, "")})
    return {
        "VERSION": draft.number,
        "GOAL": goal.pk,
        "STATEMENT": statement.statement_id,
        "ROUND": opened.pk,
        "CLOSED_ROUND": closed.pk,
        "CLOSED_ROUND_STATEMENT": statement.pk,
    }


@pytest.fixture
def evidence_root(settings, tmp_path):
    return evidence_in(settings, tmp_path / "evidence")


def actions_plant(people: list[User], viewers: dict, collaborative, meeting) -> tuple[dict, list[dict]]:
    """Each person's action, due before the meeting (a matter arising there), with their update and
    file, all in one review; another action, from the meeting, that they all support, with an update
    from each. Returns the shared placeholders, and each person's own."""
    facilitator, commissioner = viewers["facilitator"], viewers["commissioner"]
    due_on = timezone.localdate() + timedelta(days=3)
    supported = action_create(
        action=Action(
            collaborative=collaborative, title="Crisis cafe rota", owner=facilitator, due_on=due_on, meeting=meeting
        ),
        by=facilitator,
        supporters=people,
    )
    own = []
    for person in people:
        action = action_create(
            action=Action(collaborative=collaborative, title="Crisis line leaflet", owner=person, due_on=due_on),
            by=facilitator,
        )
        update = action_update_add(
            action=action,
            by=person,
            text="The leaflet is at the printer.",
            link="https://example.org/leaflet",
            upload=SimpleUploadedFile("leaflet.pdf", PDF, content_type="application/pdf"),
        )
        action_update_add(action=supported, by=person, text="I can do Tuesdays.")
        own.append({"ACTION": action.pk, "ACTION_UPDATE": update.pk})
    review = review_round_open(collaborative=collaborative, by=commissioner, title="Board report")
    for values in own:
        review_item_mark(item=review.items.get(action=values["ACTION"]), by=commissioner, comment="Good progress.")
    return {"REVIEW": review.pk}, own


def asks_plant(person: User, facilitator: User, collaborative) -> dict:
    """The person's proposed ask, with a file as evidence added by a facilitator."""
    ask = ask_propose(
        ask=Ask(
            collaborative=collaborative,
            title="Crisis cafe at weekends",
            request="Open it on Saturdays.",
            organisation="South London and Maudsley NHS Trust",
            responder_name="Alex Morgan",
            responder_email="alex.morgan@nhs.example.org",
        ),
        by=person,
    )
    evidence = ask_evidence_add(
        ask=ask,
        by=facilitator,
        description="Survey of carers",
        upload=SimpleUploadedFile("survey.pdf", PDF, content_type="application/pdf"),
    )
    return {"ASK": ask.pk, "ASK_EVIDENCE": evidence.pk}


def discussions_plant(person: User, collaborative) -> dict:
    """Discussions (issue 18, the threads part): the person's discussion, with their comment in it, edited."""
    thread = thread_start(collaborative=collaborative, by=person, title="Weekends", text="Open then?")
    comment = comment_add(thread=thread, author=person, text="Saturdays.")
    comment_edit(comment=comment, by=person, text="Saturdays at least.")
    return {"THREAD": thread.pk, "COMMENT": comment.pk}


def payments_plant(person: User, collaborative) -> int:
    """The person's claim for a fare, with its receipt, approved; the line's id."""
    return line_add(
        by=person,
        collaborative=collaborative,
        user=person,
        kind=Line.Kind.EXPENSE,
        expense_type="public_transport",
        description="Bus to the meeting",
        activity_on=timezone.localdate(),
        amount_pence=480,
        receipt=SimpleUploadedFile("ticket.pdf", PDF),
        receipt_name="ticket.pdf",
        receipt_type="application/pdf",
        status=Line.Status.APPROVED,
    ).pk


# --- Polls part (issue 18) ---
def polls_plant(people: list[User], facilitator: User, collaborative) -> dict:
    """A named proposal showing results as votes come in, each person's vote in it with a reason; a closed time
    poll they voted in."""
    poll = poll_opened(collaborative, by=facilitator, results_while_open=True)
    closed = poll_opened(collaborative, by=facilitator, type=Poll.Type.TIME)
    for person in people:
        poll_vote(poll=poll, user=person, choices={poll.options.get(text="Disagree").pk: 1}, reason="Too far away")
        poll_vote(poll=closed, user=person, choices={option.pk: 2 for option in closed.options.all()})
    poll_close(poll=closed, by=facilitator)
    return {"POLL": poll.pk, "CLOSED_POLL": closed.pk}


# --- End of the polls part. ---


@dataclass
class Planted:
    """The people made with given choices, each with their own markers and placeholders, and the
    placeholders that all of them share (the meeting, the vision, the review)."""

    people: dict[str, User]  # By the key of their choices.
    markers: dict[str, dict[str, str]]
    own: dict[str, dict]  # Each person's placeholders: PERSON, their tokens, their action…
    shared: dict


def markers_of(index: int | None) -> dict[str, str]:
    """MARKERS for the only person planted, or MARKERS with a letter of their own for one of several:
    all the same length, so that no one's marker is part of another's."""
    return {field: marker + ("" if index is None else "ABCDEFGH"[index]) for field, marker in MARKERS.items()}


def plant_people(choices: dict[str, Choices], viewers: dict, collaborative) -> Planted:
    """Make a person for each of `choices`, with values of their own in every field they can hide, in
    every place a person can turn up; named NAME if alone, NAME and a letter if not (all last by name)."""
    collaborative.is_public = True
    collaborative.save()
    now = timezone.now()
    facilitator = viewers["facilitator"]
    alone = len(choices) == 1
    markers = {key: markers_of(None if alone else index) for index, key in enumerate(choices)}
    memberships = {
        key: MembershipFactory(
            collaborative=collaborative,
            user__display_name=NAME if alone else f"{NAME} {'ABCDEFGH'[index]}",
            user__perspectives=["carer"],
            user__perspectives_visibility=choice.perspectives,
            user__organisation=markers[key]["organisation"],
            user__organisation_type=OrganisationType.CARER_USER_LED,
            user__organisation_visibility=choice.organisation,
            user__job_title=markers[key]["job_title"],
            user__job_title_visibility=choice.job_title,
            user__access_needs=["bsl"],
            user__access_needs_other=markers[key]["access_needs"],
        )
        for index, (key, choice) in enumerate(choices.items())
    }
    people = {key: membership.user for key, membership in memberships.items()}
    venue = Venue.objects.create(collaborative=collaborative, name="Cafe", address="1 High Street")
    meeting = meeting_schedule(
        collaborative=collaborative,
        by=facilitator,
        day=(now + timedelta(days=7)).date(),
        start=time(10),
        end=time(12, 30),
        venue=venue,
    )
    own = {}
    for key, person in people.items():
        membership = memberships[key]
        # The person also turns up on the facilitators' pages: in the history of their own
        # membership and of another, as the sender of an invitation, as the one who answered
        # a request to join, and as the recipient of an email.
        MembershipChange.objects.create(
            membership=membership, field="role", old_value="facilitator", new_value="member", changed_by=facilitator
        )
        other = MembershipFactory(collaborative=collaborative, status=Membership.Status.LEFT, left_at=now)
        MembershipChange.objects.create(
            membership=other, field="status", old_value="active", new_value="left", changed_by=person
        )
        invitation = InvitationFactory(collaborative=collaborative, invited_by=person)
        JoinRequestFactory(
            collaborative=collaborative, status=JoinRequest.Status.DECLINED, decided_by=person, decided_at=now
        )
        # What it said is theirs alone to read again (it could hold anything about them).
        email = Message.objects.create(
            recipient=person,
            collaborative=collaborative,
            kind="welcome",
            about_type=ContentType.objects.get_for_model(membership),
            about_id=membership.pk,
            status=Message.Status.SENT,
            sent_at=now,
            sent_to=person.email,
            subject="Welcome",
            body="Hello.\n\n" + " ".join(markers[key].values()),
        )
        rsvp_set(meeting=meeting, user=person, answer=Rsvp.Answer.COMING)
        item = agenda_item_propose(meeting=meeting, by=person, title="Parking at the cafe")
        letter = letter_ask(
            collaborative=collaborative,
            user=person,
            kind=Letter.Kind.EMPLOYER,
            period_from=now.date(),
            period_to=now.date() + timedelta(days=30),
            employer="Lambeth Council",
        )
        letter_sign(letter=letter, by=facilitator)
        own[key] = {
            "PERSON": person.pk,
            "AGENDA_ITEM": item.pk,
            "FEED_TOKEN": calendar_feed_renew(user=person).token,
            "RSVP_TOKEN": rsvp_token(meeting, person, Rsvp.Answer.MAYBE),
            "INVITATION_TOKEN": invitation_path(invitation).rstrip("/").rsplit("/", 1)[1],
            "UNSUBSCRIBE_TOKEN": unsubscribe_token(person, WELCOME),
            "PERSON_EMAIL": email.pk,
            "PERSON_LETTER": letter.pk,
        }
    vision = vision_plant(list(people.values()), facilitator, collaborative)
    publication = PublicationFactory(collaborative=collaborative)
    for key, person in people.items():
        own[key]["PAYMENT_LINE"] = payments_plant(person, collaborative)
        own[key] |= asks_plant(person, facilitator, collaborative)
        own[key] |= discussions_plant(person, collaborative)
        own[key]["PERSON_CREDIT"] = CreditFactory(publication=publication, user=person, agreed_at=now).pk
    actions, own_actions = actions_plant(list(people.values()), viewers, collaborative, meeting)
    for key, values in zip(people, own_actions, strict=True):
        own[key] |= values
    for key, choice in choices.items():
        if choice.left:
            membership_leave(membership=memberships[key])
    polls = polls_plant(list(people.values()), facilitator, collaborative)  # Polls part (issue 18).
    _ask, responder = ask_sent_for_test(collaborative, by=facilitator)
    shared = {
        **polls,
        "MEETING": meeting.pk,
        "VENUE": venue.pk,
        "PUBLICATION": publication.pk,
        "RESPONDER_TOKEN": responder,
        **vision,
        **actions,
    }
    return Planted(people=people, markers=markers, own=own, shared=shared)


@pytest.fixture
def plant(viewers, collaborative, evidence_root):
    """Make the person with the given choices; return them and the values for PAGES' placeholders."""

    def make(choices: Choices) -> tuple[User, dict]:
        planted = plant_people({"person": choices}, viewers, collaborative)
        return planted.people["person"], {**planted.shared, **planted.own["person"]}

    return make


@pytest.fixture
def plant_every_choice(viewers, collaborative, evidence_root) -> Planted:
    """A person for each of CHOICES, all at once, so that one walk checks every choice set."""
    return plant_people(CHOICES, viewers, collaborative)


@pytest.fixture
def htmx(monkeypatch, settings) -> HtmxReads:
    """For a walk: 2 people a directory page (see SHOWN; a walk with several people sets its own
    size), and the watch on htmx headers.

    A session is saved whenever it changes. Saving it after every page as well, to renew its
    expiry (SESSION_SAVE_EVERY_REQUEST), is nothing a walk looks at, and a third of its queries.
    """
    monkeypatch.setattr(members.views, "DIRECTORY_PAGE_SIZE", 2)
    settings.SESSION_SAVE_EVERY_REQUEST = False
    return HtmxReads(monkeypatch)


# Who walks the site in test_hidden_fields_appear_only_where_allowed, in three groups that take about
# as long as each other: every viewer but the person, then each of the people planted for CHOICES.
WALKERS = {
    "facilitators": ("facilitator", "member_facilitating_elsewhere", "outsider", "former_facilitator"),
    "members": ("anonymous", "member", "commissioner"),
    "people": tuple(f"person:{key}" for key in CHOICES),
}
# The pages that answer htmx with a piece of themselves, and so are checked in both forms.
FRAGMENTS = {"member": {"members:directory", "actions:log"}, "facilitator": {"actions:log"}}


def walk_every(planted: Planted, only: str | None = None):
    """(name, query, url, whose) for every page, as `walk` gives them, but with all the people of
    `planted` at once: a page about one person (their profile, their action, their links) is walked
    for each of them (or for `only`), `whose` saying for whom; a page about no one in particular
    once (whose: None)."""
    own_keys = set().union(*(own.keys() for own in planted.own.values()))
    people = {only: planted.own[only]} if only else planted.own
    for name, (kwargs, queries) in PAGES.items():
        owners = people if own_keys & set(kwargs.values()) else {None: {}}
        for whose, own in owners.items():
            values = {**planted.shared, **own}
            path = reverse(name, kwargs={key: values.get(value, value) for key, value in kwargs.items()})
            for query in queries:
                yield name, query, path + query, whose
    for name in WITHOUT_ARGUMENTS:
        if name not in POST_ONLY_PAGES:
            yield name, "", reverse(name), None


def as_seen_by(walker: str, key: str) -> str:
    """Who the walker is to the person planted for `key`: the viewer they are, that very person,
    a fellow member of Lambeth, or one who has left it."""
    if not walker.startswith("person:"):
        return walker
    walking = walker.removeprefix("person:")
    if walking == key:
        return "person"
    return "former_member" if CHOICES[walking].left else "member"


def walk_as(client, walker: str, user, planted: Planted, htmx: HtmxReads) -> list[str]:
    """What is wrong on the pages `walker` sees: any person's field shown where it should not be, or
    missing where it should be."""
    walking = walker.removeprefix("person:") if walker.startswith("person:") else None
    in_lambeth = walker in IN_LAMBETH or (walking is not None and not CHOICES[walking].left)
    problems, fragments = [], set()
    sign_in_as(client, user)
    # A person walks their own pages, as in a walk with them alone; the others' are the viewers' to walk.
    for name, query, url, whose in walk_every(planted, only=walking):
        for how, response in htmx.answers(client, user, url):
            if how:
                fragments.add(name)
            where = f"{walker}: {url}{how} [{response.status_code}]"
            # A walk sent to the login or two-step set-up page would prove nothing.
            if in_lambeth and "slug" in PAGES.get(name, ({}, ()))[0] and response.status_code in (301, 302):
                problems.append(f"{where} redirects to {response.headers['Location']}")
            text = body(response)
            for key, choices in CHOICES.items():
                # A page about another person shows nothing of this one's.
                shown = expected(name, query, as_seen_by(walker, key), choices) if whose in (None, key) else set()
                for field, marker in planted.markers[key].items():
                    if marker in text and field not in shown:
                        problems.append(f"{where} shows {key}'s {field} ({marker})")
                    elif marker not in text and field in shown:
                        problems.append(f"{where} does not show {key}'s {field} ({marker})")
    # The pages that answer htmx with a piece of themselves were checked in both forms.
    missing = FRAGMENTS.get(walker, set()) - fragments
    return problems + [f"{walker}: {name} was not checked as an htmx fragment" for name in sorted(missing)]


@pytest.mark.parametrize("walkers", WALKERS.values(), ids=WALKERS.keys())
def test_hidden_fields_appear_only_where_allowed(
    client, viewers, collaborative, plant_every_choice, htmx, monkeypatch, walkers
):
    """Every viewer walks every page once for all the choice sets: each person of CHOICES has markers
    of their own, and every page must show each person's exactly as that person's choices allow."""
    planted = plant_every_choice
    # Every planted person still in Lambeth on the directory's last page, and on its first when
    # filtered or searched: as many a page as there are other members, who all come before them.
    others = Membership.objects.current_in(collaborative).exclude(user__in=planted.people.values()).count()
    assert 0 < sum(not choices.left for choices in CHOICES.values()) <= others
    monkeypatch.setattr(members.views, "DIRECTORY_PAGE_SIZE", others)
    problems = []
    for walker in walkers:
        user = planted.people[walker.removeprefix("person:")] if walker.startswith("person:") else viewers[walker]
        problems += walk_as(client, walker, user, planted, htmx)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("choices", CHOICES.values(), ids=CHOICES.keys())
def test_an_idea_on_the_vision_shows_its_authors_perspectives_only_to_those_they_are_shared_with(
    client, viewers, plant, choices
):
    person, placeholders = plant(choices)
    url = reverse("vision:version", kwargs={"slug": "lambeth", "number": placeholders["VERSION"]})
    problems = []
    for viewer in VIEWERS:
        if viewer in ("anonymous", "outsider", "former_facilitator") or (viewer == "person" and choices.left):
            continue  # They do not see the page at all (tests/test_access.py).
        client.force_login(person if viewer == "person" else viewers[viewer])
        for headers in ({}, HTMX):
            text = client.get(url, headers=headers).text
            by = re.search(r'<p class="contribution-by">(.*?)</p>', text).group(1)
            shown = sees(viewer, "perspectives", choices)
            if ("Carer" in by) != shown or ("<li>Carer: 1</li>" in text) != shown:
                problems.append(f"{viewer}{' (htmx)' if headers else ''}: {'hides' if shown else 'shows'} it")
    assert not problems, "\n".join(problems)


def row(response, label: str) -> str:
    """A cell of Who's at the table's tables of numbers."""
    match = re.search(rf'<th scope="row">{re.escape(label)}</th><td[^>]*>([^<]*)</td>', response.text)
    assert match, label
    return match.group(1)


def listed(response) -> set[int]:
    """The people a directory page lists, by id."""
    return {int(pk) for pk in re.findall(r'/members/(\d+)/">', response.text)}


# How many carers, and how many from voluntary organisations, each viewer may count:
# three people share both with members, three with facilitators only, three with nobody.
COUNTED = {
    "member": 3,
    "commissioner": 3,
    "member_facilitating_elsewhere": 3,
    "facilitator": 6,
    "one_who_shares_with_nobody": 4,  # Themselves as well.
}


@pytest.mark.parametrize(("viewer", "count"), COUNTED.items())
def test_the_table_and_the_directory_count_only_what_is_shared_with_the_viewer(
    client, viewers, collaborative, viewer, count
):
    sharing = {
        visibility: [
            MembershipFactory(
                collaborative=collaborative,
                user__perspectives=["carer"],
                user__perspectives_visibility=visibility,
                user__organisation_type=OrganisationType.VOLUNTARY,
                user__organisation_visibility=visibility,
            ).user
            for _ in range(3)
        ]
        for visibility in Visibility
    }
    user = sharing[Visibility.NOBODY][0] if viewer == "one_who_shares_with_nobody" else viewers[viewer]
    client.force_login(user)

    table = client.get(reverse("home:at_the_table", kwargs=LAMBETH))
    assert row(table, "Carer") == str(count)
    assert row(table, "Voluntary or community organisation") == str(count)

    directory = reverse("members:directory", kwargs=LAMBETH)
    assert f">Carer ({count})</option>" in client.get(directory).text
    carers = client.get(f"{directory}?perspective=carer", headers=HTMX)
    visible = sharing[Visibility.MEMBERS] + (sharing[Visibility.FACILITATORS] if viewer == "facilitator" else [])
    visible += [user] if user in sharing[Visibility.NOBODY] else []
    assert listed(carers) == {u.pk for u in visible}
    assert f"{count} people" in carers.text


def test_fewer_than_three_sharing_with_facilitators_are_not_counted_for_members(client, viewers, collaborative):
    for visibility in (
        Visibility.MEMBERS,
        Visibility.MEMBERS,
        Visibility.MEMBERS,
        Visibility.FACILITATORS,
        Visibility.FACILITATORS,
    ):
        MembershipFactory(
            collaborative=collaborative, user__perspectives=["carer"], user__perspectives_visibility=visibility
        )
    counts = {}
    for viewer in ("member", "facilitator"):
        client.force_login(viewers[viewer])
        counts[viewer] = row(client.get(reverse("home:at_the_table", kwargs=LAMBETH)), "Carer")
    assert counts == {"member": "3", "facilitator": "5"}


@pytest.mark.parametrize("viewer", ["member", "commissioner", "member_facilitating_elsewhere"])
@pytest.mark.parametrize("field", ["organisation", "job_title", "access_needs"])
def test_searching_the_directory_for_a_hidden_value_finds_no_one(client, viewers, plant, viewer, field):
    plant(CHOICES["org-facilitators-title-nobody"])
    client.force_login(viewers[viewer])
    response = client.get(reverse("members:directory", kwargs=LAMBETH) + f"?q={MARKERS[field]}", headers=HTMX)
    assert "0 people" in response.text
    assert listed(response) == set()


def test_access_needs_are_for_the_person_and_the_facilitators_of_their_collaboratives(
    client, viewers, collaborative, other_collaborative
):
    person = MembershipFactory(
        collaborative=collaborative, user__access_needs=["bsl"], user__access_needs_other=MARKERS["access_needs"]
    ).user
    in_luton = MembershipFactory(user=person, collaborative=other_collaborative)

    def page(viewer: str, where) -> tuple[int, bool]:
        client.force_login(person if viewer == "person" else viewers[viewer])
        response = client.get(reverse("members:member_detail", kwargs={"slug": where.slug, "pk": person.pk}))
        shown = MARKERS["access_needs"] in response.text or "BSL interpreter" in response.text
        return response.status_code, shown

    assert page("person", collaborative) == (200, True)
    assert page("person", other_collaborative) == (200, True)
    assert page("facilitator", collaborative) == (200, True)
    assert page("outsider", other_collaborative) == (200, True)  # Luton's facilitator, in Luton.
    assert page("outsider", collaborative) == (404, False)  # Luton's facilitator, in Lambeth.
    assert page("facilitator", other_collaborative) == (404, False)
    assert page("member_facilitating_elsewhere", collaborative) == (200, False)  # A member here.
    assert page("member", collaborative) == (200, False)
    assert page("commissioner", collaborative) == (200, False)

    # Once the person leaves Luton, its facilitators no longer see them at all.
    in_luton.status, in_luton.left_at = Membership.Status.LEFT, timezone.now()
    in_luton.save()
    assert page("outsider", other_collaborative) == (404, False)
    assert page("facilitator", collaborative) == (200, True)


def test_the_job_title_stays_hidden_until_the_person_chooses_to_show_it(client, viewers, collaborative):
    person = MembershipFactory(collaborative=collaborative, user__job_title=MARKERS["job_title"]).user
    assert person.job_title_visibility == Visibility.NOBODY
    detail = reverse("members:member_detail", kwargs={"slug": "lambeth", "pk": person.pk})

    def seen_by(viewer: str) -> bool:
        client.force_login(viewers[viewer])
        return MARKERS["job_title"] in client.get(detail).text

    assert not any(seen_by(viewer) for viewer in ("member", "commissioner", "facilitator"))
    client.force_login(person)
    client.post(
        reverse("members:profile"),
        {
            "display_name": person.display_name,
            "perspectives_visibility": "members",
            "organisation_visibility": "members",
            "job_title": MARKERS["job_title"],
            "job_title_visibility": "members",
        },
    )
    assert [seen_by(viewer) for viewer in ("member", "commissioner", "facilitator")] == [True, True, True]


def test_the_download_holds_the_persons_own_hidden_fields(client, plant):
    person, _ = plant(CHOICES["org-facilitators-title-nobody"])
    client.force_login(person)
    account = client.get(reverse("members:my_data_download")).json()["account"]
    assert account["organisation"] == MARKERS["organisation"]
    assert account["type_of_organisation"] == "Carer or user-led organisation"
    assert account["who_sees_organisation"] == "Facilitators only"
    assert account["job_title"] == MARKERS["job_title"]
    assert account["who_sees_job_title"] == "Nobody"
    assert account["perspectives"] == ["Carer"]
    assert account["access_needs"] == ["BSL interpreter"]
    assert account["access_needs_in_your_words"] == MARKERS["access_needs"]


@pytest.mark.parametrize("viewer", [v for v in VIEWERS if v not in {"anonymous", "person"}])
def test_no_one_elses_download_holds_the_persons_hidden_fields(client, viewers, plant, viewer):
    plant(CHOICES["all-for-members"])
    client.force_login(viewers[viewer])
    data = client.get(reverse("members:my_data_download")).json()
    assert data["account"]["email"] == viewers[viewer].email
    text = json.dumps(data)
    assert not [marker for marker in MARKERS.values() if marker in text]
    if viewer == "facilitator":
        assert NAME in text  # The facilitator changed the person's role: the file says so, and no more.


def test_a_facilitators_session_without_the_code_sees_only_what_members_see(client, viewers, plant, htmx):
    """Issue 12, hole 4: a facilitator whose session signed in with the password alone (they have an
    app, but never gave its code here) sees every page as a member does, access needs included."""
    choices = CHOICES["org-facilitators-title-nobody"]
    _, placeholders = plant(choices)
    problems = []
    facilitator = viewers["facilitator"]
    sign_in_as(client, facilitator, two_step=False)
    for name, query, url in walk(placeholders):
        for how, response in htmx.answers(client, facilitator, url, two_step=False):
            text = body(response)
            shown = expected(name, query, "member", choices)
            problems += [
                f"{url}{how} shows the {field} ({marker})"
                for field, marker in MARKERS.items()
                if marker in text and field not in shown
            ]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("viewer", ["member", "facilitator", "facilitator_without_the_code", "person"])
@pytest.mark.parametrize("visibility", Visibility.values)
def test_counting_in_the_database_follows_the_same_rules_as_the_pages(people, collaborative, viewer, visibility):
    """profile_field_shown, with which "Who's at the table" and the directory count in the
    database, says yes exactly where profile_fields_for does."""
    person = MembershipFactory(
        collaborative=collaborative,
        user__perspectives_visibility=visibility,
        user__organisation_visibility=visibility,
        user__job_title_visibility=visibility,
    )
    role = "facilitator" if viewer.startswith("facilitator") else "member"
    looking = person if viewer == "person" else Membership.objects.get(user=people[role], collaborative=collaborative)
    looking.two_step_ready = viewer == "facilitator"  # As membership_for notes it for this session.
    for field in ("perspectives", "organisation", "job_title"):
        counted = Membership.objects.filter(pk=person.pk).filter(profile_field_shown(looking, field)).exists()
        assert counted == (field in profile_fields_for(looking, person)), field
