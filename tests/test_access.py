"""Who may open which page: every URL pattern of the project, for five kinds of person.

The table below must name every URL pattern; a new view without its row fails
`test_every_url_pattern_has_expectations`. Each row gives the arguments to build the
URL and the answer expected for each person:

- a status code (200, 403, 404, 405 ...),
- LOGIN: redirected to our login page (anonymous people),
- ADMIN_LOGIN: redirected to the site administration's login page,
- REDIRECT: any other redirect (e.g. allauth sends signed-in people away from its sign-in page).
"""

import re
from datetime import time, timedelta

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from meetings.models import Decision, Venue
from meetings.services import agenda_item_propose, meeting_schedule
from tests.factories import InvitationFactory, JoinRequestFactory, UserFactory
from vision.models import Goal, Rating, Round
from vision.results import ROUND_GROUP_MIN
from vision.services import answers_save, contribution_add, goal_save, round_open, version_adopt, version_draft

LOGIN = "login"
ADMIN_LOGIN = "admin-login"
REDIRECT = "redirect"
ROLES = ("anonymous", "outsider", "member", "facilitator", "commissioner")


def everyone(answer, **overrides) -> dict:
    return {role: overrides.get(role, answer) for role in ROLES}


def signed_in(answer, *, anonymous) -> dict:
    return everyone(answer, anonymous=anonymous)


SLUG = {"slug": "lambeth"}
FACILITATORS_ONLY = {"anonymous": LOGIN, "outsider": 404, "member": 403, "facilitator": 200, "commissioner": 403}
# Pages that change something answer only POST; `test_post_access` checks who may post.
POST_ONLY = signed_in(405, anonymous=LOGIN)
# Answering only POST, from any member (not only facilitators).
MEMBERS_POST = signed_in(405, anonymous=LOGIN)
MEMBERS = {"anonymous": LOGIN, "outsider": 404, "member": 200, "facilitator": 200, "commissioner": 200}
MEETING = {"slug": "lambeth", "pk": "MEETING"}
AGENDA_ITEM = {"slug": "lambeth", "meeting_pk": "MEETING", "pk": "AGENDA_ITEM"}
PUBLIC_ENTRANCE = everyone(REDIRECT, anonymous=200)  # allauth sends signed-in people on.
VERSION = {"slug": "lambeth", "number": "VERSION"}
GOAL = {"slug": "lambeth", "pk": "GOAL"}
ROUND = {"slug": "lambeth", "pk": "ROUND"}
# Answering only POST, from any member; an empty idea re-renders the form with its error (400).
CONTRIBUTE_POST = signed_in(405, anonymous=LOGIN)

EXPECTATIONS: dict[str, tuple[dict, dict]] = {
    # Our own pages.
    "healthz": ({}, everyone(200)),
    "members:start": ({}, signed_in(REDIRECT, anonymous=LOGIN)),  # one Collaborative each: straight to it.
    "members:profile": ({}, signed_in(200, anonymous=LOGIN)),
    "members:my_data": ({}, signed_in(200, anonymous=LOGIN)),
    "members:my_data_download": ({}, signed_in(200, anonymous=LOGIN)),
    "members:account_delete": ({}, signed_in(200, anonymous=LOGIN)),
    "members:reauthenticate_by_email": ({}, signed_in(200, anonymous=LOGIN)),
    "members:collaborative_home": (
        SLUG,
        {"anonymous": LOGIN, "outsider": 404, "member": 200, "facilitator": 200, "commissioner": 200},
    ),
    "members:collaborative_settings": (
        SLUG,
        {"anonymous": LOGIN, "outsider": 404, "member": 403, "facilitator": 200, "commissioner": 403},
    ),
    "members:at_the_table": (
        SLUG,
        {"anonymous": LOGIN, "outsider": 404, "member": 200, "facilitator": 200, "commissioner": 200},
    ),
    "members:directory": (
        SLUG,
        {"anonymous": LOGIN, "outsider": 404, "member": 200, "facilitator": 200, "commissioner": 200},
    ),
    # Another member's profile: the member here is the facilitator's own page for the member.
    "members:member_detail": (
        {"slug": "lambeth", "pk": "MEMBER"},
        {"anonymous": LOGIN, "outsider": 404, "member": 200, "facilitator": 200, "commissioner": 200},
    ),
    "members:ground_rules": (
        SLUG,
        {"anonymous": LOGIN, "outsider": 404, "member": 200, "facilitator": 200, "commissioner": 200},
    ),
    "members:ground_rules_edit": (
        SLUG,
        {"anonymous": LOGIN, "outsider": 404, "member": 403, "facilitator": 200, "commissioner": 403},
    ),
    "members:member_manage": ({"slug": "lambeth", "pk": "MEMBER"}, FACILITATORS_ONLY),
    "members:member_deactivate": ({"slug": "lambeth", "pk": "MEMBER"}, POST_ONLY),
    "members:member_reactivate": ({"slug": "lambeth", "pk": "MEMBER"}, POST_ONLY),
    "members:former_members": (SLUG, FACILITATORS_ONLY),
    "members:leave": (
        SLUG,
        {"anonymous": LOGIN, "outsider": 404, "member": 200, "facilitator": 200, "commissioner": 200},
    ),
    "members:invitations": (SLUG, FACILITATORS_ONLY),
    "members:invitation_resend": ({"slug": "lambeth", "pk": "INVITATION"}, POST_ONLY),
    "members:invitation_revoke": ({"slug": "lambeth", "pk": "INVITATION"}, POST_ONLY),
    # The link in the email is the permission: anyone may open it. Someone signed in with
    # another address is told the invitation is for someone else; members go to the Collaborative.
    "members:invitation": (
        {"token": "INVITATION_TOKEN"},
        {"anonymous": 200, "outsider": 403, "member": REDIRECT, "facilitator": REDIRECT, "commissioner": REDIRECT},
    ),
    "members:public_page": (SLUG, everyone(200)),  # Lambeth shows a public page in these tests.
    "members:join_requests": (SLUG, FACILITATORS_ONLY),
    "members:join_request_approve": ({"slug": "lambeth", "pk": "JOIN_REQUEST"}, POST_ONLY),
    "members:join_request_decline": ({"slug": "lambeth", "pk": "JOIN_REQUEST"}, POST_ONLY),
    "meetings:list": (SLUG, MEMBERS),
    "meetings:detail": (MEETING, MEMBERS),
    "meetings:rsvp": (MEETING, MEMBERS_POST),
    "meetings:agenda": (MEETING, MEMBERS),  # Its items once published; facilitators see them before.
    "meetings:agenda_propose": (MEETING, MEMBERS),
    "meetings:agenda_publish": (MEETING, POST_ONLY),
    "meetings:agenda_item_accept": (AGENDA_ITEM, POST_ONLY),
    "meetings:agenda_item_decline": (AGENDA_ITEM, POST_ONLY),
    "meetings:agenda_item_up": (AGENDA_ITEM, POST_ONLY),
    "meetings:agenda_item_down": (AGENDA_ITEM, POST_ONLY),
    "meetings:agenda_item_withdraw": (AGENDA_ITEM, MEMBERS_POST),  # Only the proposer's changes anything.
    "meetings:ics": (MEETING, MEMBERS),
    "meetings:rsvp_link": ({"token": "not-a-real-token"}, everyone(400)),  # The signed link is the permission.
    "meetings:calendar": ({}, signed_in(200, anonymous=LOGIN)),
    "meetings:calendar_feed": ({"token": "not-a-real-token"}, everyone(404)),  # The address is the permission.
    "meetings:attendance": (SLUG, FACILITATORS_ONLY),
    "meetings:register": (MEETING, FACILITATORS_ONLY),
    "meetings:register_guests": (MEETING, POST_ONLY),
    "meetings:register_mark": ({"slug": "lambeth", "pk": "MEETING", "user_pk": "MEMBER"}, POST_ONLY),
    "meetings:notes": (MEETING, FACILITATORS_ONLY),
    "meetings:notes_publish": (MEETING, POST_ONLY),
    "meetings:decision_add": (MEETING, POST_ONLY),
    "meetings:decision_withdraw": ({"slug": "lambeth", "pk": "MEETING", "decision_pk": "DECISION"}, POST_ONLY),
    "meetings:minutes_approve": (MEETING, POST_ONLY),
    "meetings:schedule": (SLUG, FACILITATORS_ONLY),
    "meetings:schedule_series": (SLUG, FACILITATORS_ONLY),
    "meetings:edit": (MEETING, FACILITATORS_ONLY),
    "meetings:cancel": (MEETING, FACILITATORS_ONLY),
    "meetings:venues": (SLUG, FACILITATORS_ONLY),
    "meetings:venue_add": (SLUG, FACILITATORS_ONLY),
    "meetings:venue_edit": ({"slug": "lambeth", "pk": "VENUE"}, FACILITATORS_ONLY),
    # The vision (issue 6): VERSION is a draft, ROUND is open and CLOSED_ROUND has results.
    "vision:home": (SLUG, MEMBERS),
    "vision:version_new": (SLUG, FACILITATORS_ONLY),
    "vision:compare": (SLUG, MEMBERS),
    "vision:version": (VERSION, MEMBERS),
    "vision:version_edit": (VERSION, FACILITATORS_ONLY),
    "vision:version_adopt": (VERSION, FACILITATORS_ONLY),
    "vision:version_set_aside": (VERSION, POST_ONLY),
    "vision:contribute": (VERSION, CONTRIBUTE_POST),  # Any member; see POST_EXPECTATIONS.
    "vision:contribution_withdraw": ({"slug": "lambeth", "pk": "CONTRIBUTION"}, MEMBERS_POST),  # Only its author's.
    "vision:goals": (SLUG, MEMBERS),
    "vision:goal_new": (SLUG, FACILITATORS_ONLY),
    "vision:goal": (GOAL, MEMBERS),
    "vision:goal_edit": (GOAL, FACILITATORS_ONLY),
    "vision:goal_review": (GOAL, FACILITATORS_ONLY),
    "vision:framework": (SLUG, MEMBERS),
    "vision:statement_new": (SLUG, FACILITATORS_ONLY),
    "vision:statement_edit": ({"slug": "lambeth", "pk": "STATEMENT"}, FACILITATORS_ONLY),
    "vision:statement_status": ({"slug": "lambeth", "pk": "STATEMENT"}, POST_ONLY),
    "vision:rounds": (SLUG, MEMBERS),
    "vision:round_new": (SLUG, FACILITATORS_ONLY),
    "vision:round": (ROUND, MEMBERS),  # Answering while open; closed rounds: test_closed_round_access.
    "vision:round_dates": (ROUND, FACILITATORS_ONLY),
    "vision:round_close": (ROUND, POST_ONLY),
    "vision:round_csv": ({"slug": "lambeth", "pk": "CLOSED_ROUND"}, MEMBERS),
    "notifications:preferences": ({}, signed_in(200, anonymous=LOGIN)),
    "notifications:mine": ({}, signed_in(200, anonymous=LOGIN)),
    "notifications:unsubscribe": ({"token": "not-a-real-token"}, everyone(400)),  # The link is the permission.
    "notifications:collaborative_list": (
        SLUG,
        {"anonymous": LOGIN, "outsider": 404, "member": 403, "facilitator": 200, "commissioner": 403},
    ),
    # django-allauth's account pages.
    "account_login": ({}, PUBLIC_ENTRANCE),
    "account_signup": ({}, PUBLIC_ENTRANCE),
    "account_request_login_code": ({}, PUBLIC_ENTRANCE),
    "account_confirm_login_code": ({}, everyone(REDIRECT)),  # Only after asking for a code.
    "account_logout": ({}, signed_in(200, anonymous=REDIRECT)),
    "account_inactive": ({}, everyone(200)),
    "account_reauthenticate": ({}, signed_in(200, anonymous=LOGIN)),
    "account_email": ({}, signed_in(200, anonymous=LOGIN)),
    "account_email_verification_sent": ({}, everyone(200)),
    "account_change_password": ({}, signed_in(200, anonymous=LOGIN)),
    "account_set_password": ({}, signed_in(REDIRECT, anonymous=LOGIN)),  # Everyone has a password.
    "account_reset_password": ({}, everyone(200)),
    "account_reset_password_done": ({}, everyone(200)),
    "account_reset_password_from_key": ({"uidb36": "1", "key": "not-a-real-key"}, everyone(200)),
    "account_reset_password_from_key_done": ({}, everyone(200)),
    "account_confirm_email": ({"key": "not-a-real-key"}, everyone(200)),
    # django-allauth's two-step sign-in pages. The member has no authenticator app; the
    # others do (with recovery codes). Changing it asks for the password (or a code) again
    # first: nobody here has just done so, so those pages REDIRECT to "Confirm it is you".
    "mfa_index": ({}, signed_in(200, anonymous=LOGIN)),
    "mfa_authenticate": ({}, everyone(REDIRECT)),  # Only while signing in, after the password.
    "mfa_reauthenticate": ({}, everyone(200, anonymous=LOGIN, member=REDIRECT)),  # No app: the password page.
    "mfa_activate_totp": ({}, signed_in(REDIRECT, anonymous=LOGIN)),  # With an app already: to turning it off.
    "mfa_deactivate_totp": ({}, everyone(REDIRECT, anonymous=LOGIN, member=404)),
    "mfa_view_recovery_codes": ({}, everyone(REDIRECT, anonymous=LOGIN, member=404)),
    "mfa_generate_recovery_codes": ({}, signed_in(REDIRECT, anonymous=LOGIN)),
    "mfa_download_recovery_codes": ({}, everyone(REDIRECT, anonymous=LOGIN, member=404)),
}


def url_patterns(resolver=None, namespace=None, prefix=""):
    """(namespace, name, full pattern) for every URL pattern, following includes."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = ":".join(filter(None, [namespace, entry.namespace]))
            yield from url_patterns(entry, inner or None, route)
        elif isinstance(entry, URLPattern):
            yield namespace, entry.name, route


def sample_path(route: str) -> str:
    """A concrete path for an admin pattern: each argument becomes a plausible value."""

    def value(match: re.Match) -> str:
        return "members" if match.group(1) == "app_label" else "1"

    path = re.sub(r"\(\?P<(\w+)>(?:[^()]|\([^()]*\))*\)", value, route)
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: "1", path)
    return "/" + path.replace("^", "").replace("$", "")


ADMIN_PATHS = sorted(sample_path(route) for namespace, _, route in url_patterns() if namespace == "admin")


def test_every_url_pattern_has_expectations():
    missing = [
        name or route
        for namespace, name, route in url_patterns()
        if namespace != "admin" and ":".join(filter(None, [namespace, name])) not in EXPECTATIONS
    ]
    assert not missing, f"Declare access expectations in tests/test_access.py for: {missing}"
    assert len(ADMIN_PATHS) > 10


def check(client, people, role, url, expected):
    if people[role] is not None:
        client.force_login(people[role])
    response = client.get(url)
    location = response.headers.get("Location", "")
    if expected == LOGIN:
        assert response.status_code == 302, (role, url, response.status_code)
        assert location.startswith(reverse("account_login") + "?next="), (role, url, location)
    elif expected == ADMIN_LOGIN:
        assert response.status_code == 302, (role, url, response.status_code)
        assert location.startswith(reverse("admin:login")), (role, url, location)
    elif expected == REDIRECT:
        assert response.status_code == 302, (role, url, response.status_code)
        assert not location.startswith(reverse("account_login") + "?next="), (role, url, location)
    else:
        assert response.status_code == expected, (role, url, response.status_code)


def vision_placeholders(people: dict, collaborative) -> dict:
    """A draft version with a member's comment, a goal, a statement, an open round and a closed one with results."""
    facilitator, member = people["facilitator"], people["member"]
    version = version_draft(
        collaborative=collaborative,
        by=facilitator,
        statement="Help is easy to get.",
        values=[("Equal voices", "A carer's view counts as much as a chief officer's.")],
    )
    contribution = contribution_add(version=version, author=member, text="Say more about carers.")
    goal = goal_save(
        goal=Goal(
            collaborative=collaborative,
            title="Crisis help in every neighbourhood",
            success="People know where to go.",
            review_on=timezone.localdate() + timedelta(days=30),
        ),
        by=facilitator,
    )
    closed = round_open(collaborative=collaborative, by=facilitator, title="Spring", closing_day=timezone.localdate())
    statement = closed.statements.first()
    for _ in range(ROUND_GROUP_MIN):
        answers_save(round=closed, user=UserFactory(), answers={statement.pk: (Rating.STRONG, "")})
    now = timezone.now()
    Round.objects.filter(pk=closed.pk).update(opened_at=now - timedelta(days=30), closes_at=now - timedelta(days=1))
    round = round_open(
        collaborative=collaborative,
        by=facilitator,
        title="Autumn",
        closing_day=timezone.localdate() + timedelta(days=14),
    )
    return {
        "VERSION": version.number,
        "CONTRIBUTION": contribution.pk,
        "GOAL": goal.pk,
        "STATEMENT": statement.statement_id,
        "ROUND": round.pk,
        "CLOSED_ROUND": closed.pk,
    }


@pytest.fixture
def placeholders(people, collaborative) -> dict:
    """Values for the placeholders in EXPECTATIONS, known only once the rows exist."""
    collaborative.is_public = True
    collaborative.save()
    invitation = InvitationFactory(collaborative=collaborative, invited_by=people["facilitator"])
    venue = Venue.objects.create(collaborative=collaborative, name="Cafe on the Green", address="1 High Street")
    meeting = meeting_schedule(
        collaborative=collaborative,
        by=people["facilitator"],
        day=timezone.localdate() + timedelta(days=7),
        start=time(10),
        end=time(12, 30),
        venue=venue,
    )
    return {
        **vision_placeholders(people, collaborative),
        "MEMBER": people["member"].pk,
        "INVITATION": invitation.pk,
        "INVITATION_TOKEN": invitation.get_link_path().rstrip("/").rsplit("/", 1)[1],
        "JOIN_REQUEST": JoinRequestFactory(collaborative=collaborative).pk,
        "MEETING": meeting.pk,
        "VENUE": venue.pk,
        "AGENDA_ITEM": agenda_item_propose(meeting=meeting, by=people["member"], title="Crisis care").pk,
        "DECISION": Decision.objects.create(meeting=meeting, text="Write to the trust.").pk,
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(EXPECTATIONS))
def test_access(client, people, placeholders, name, role):
    kwargs, expected = EXPECTATIONS[name]
    kwargs = {key: placeholders.get(value, value) for key, value in kwargs.items()}
    check(client, people, role, reverse(name, kwargs=kwargs), expected[role])


# Who may post to the pages that answer only POST: the change itself is tested elsewhere.
POST_EXPECTATIONS = (
    {
        name: {"anonymous": LOGIN, "outsider": 404, "member": 403, "facilitator": REDIRECT, "commissioner": 403}
        for name, (_, expected) in EXPECTATIONS.items()
        if expected is POST_ONLY
    }
    | {
        name: {
            "anonymous": LOGIN,
            "outsider": 404,
            "member": REDIRECT,
            "facilitator": REDIRECT,
            "commissioner": REDIRECT,
        }
        for name, (_, expected) in EXPECTATIONS.items()
        if expected is MEMBERS_POST
    }
    | {
        # An empty idea or comment: members see the form again with what to do (400).
        "vision:contribute": {
            "anonymous": LOGIN,
            "outsider": 404,
            "member": 400,
            "facilitator": 400,
            "commissioner": 400,
        },
    }
)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(POST_EXPECTATIONS))
def test_post_access(client, people, placeholders, name, role):
    kwargs = {key: placeholders.get(value, value) for key, value in EXPECTATIONS[name][0].items()}
    if people[role] is not None:
        client.force_login(people[role])
    response = client.post(reverse(name, kwargs=kwargs))
    expected = POST_EXPECTATIONS[name][role]
    location = response.headers.get("Location", "")
    if expected == LOGIN:
        assert response.status_code == 302, (role, name, response.status_code)
        assert location.startswith(reverse("account_login") + "?next="), (role, name, location)
    elif expected == REDIRECT:
        assert response.status_code == 302, (role, name, response.status_code)
    else:
        assert response.status_code == expected, (role, name, response.status_code)


# Pages whose answer depends on the state of what they show: a closed round, an open
# round's results (none yet), and a version that is no longer a draft.
STATE_EXPECTATIONS = {
    "vision:round": ({"slug": "lambeth", "pk": "CLOSED_ROUND"}, MEMBERS),  # Its results.
    "vision:round_dates": (
        {"slug": "lambeth", "pk": "CLOSED_ROUND"},
        FACILITATORS_ONLY | {"facilitator": REDIRECT},  # Closed: back to the results.
    ),
    "vision:round_csv": (ROUND, MEMBERS | {role: REDIRECT for role in ("member", "facilitator", "commissioner")}),
    "vision:version_edit": (
        {"slug": "lambeth", "number": "ADOPTED_VERSION"},
        FACILITATORS_ONLY | {"facilitator": REDIRECT},
    ),
    "vision:version_adopt": (
        {"slug": "lambeth", "number": "ADOPTED_VERSION"},
        FACILITATORS_ONLY | {"facilitator": REDIRECT},
    ),
    "vision:version": ({"slug": "lambeth", "number": "ADOPTED_VERSION"}, MEMBERS),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(STATE_EXPECTATIONS))
def test_access_by_state(client, people, placeholders, collaborative, name, role):
    adopted = version_draft(collaborative=collaborative, by=people["facilitator"], statement="Hope.", values=[])
    version_adopt(version=adopted, by=people["facilitator"])
    placeholders = placeholders | {"ADOPTED_VERSION": adopted.number}
    kwargs, expected = STATE_EXPECTATIONS[name]
    kwargs = {key: placeholders.get(value, value) for key, value in kwargs.items()}
    check(client, people, role, reverse(name, kwargs=kwargs), expected[role])


@pytest.mark.parametrize("role", ROLES)
def test_site_administration_is_for_staff_only(client, people, role):
    """None of the five is a site administrator: every admin page sends them to a login page."""
    if people[role] is not None:
        client.force_login(people[role])
    for path in ADMIN_PATHS:
        if path in (reverse("admin:login"), reverse("admin:logout")):
            continue
        response = client.get(path)
        assert response.status_code == 302, (role, path, response.status_code)
        location = response.headers["Location"]
        login_pages = (reverse("admin:login"),) if people[role] else (reverse("admin:login"), reverse("account_login"))
        assert location.startswith(login_pages), (role, path, location)
