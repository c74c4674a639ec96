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
from collections.abc import Iterator
from datetime import date, time, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from actions.models import Action, ReviewRound
from actions.services import (
    action_create,
    action_update_add,
    review_item_mark,
    review_round_open,
    review_round_sign_off,
)
from asks.models import Ask
from asks.services import ask_evidence_add, ask_propose
from discussions.models import Poll  # Polls part (issue 18).
from discussions.polls import poll_close  # Polls part (issue 18).
from discussions.services import comment_add, thread_start
from impact.models import Publication
from meetings.emails import MEETING_SCHEDULED
from meetings.models import CheckInRequest, Decision, Venue
from meetings.services import agenda_item_propose, meeting_schedule
from members.links import invitation_path
from members.models import Membership
from notifications.models import Message
from payments.models import Letter, Line
from payments.services import letter_ask, letter_sign, line_add
from tests.conftest import make_lambeth, make_luton, make_people, rows_shared_by_module
from tests.factories import (
    AskFactory,
    CreditFactory,
    InvitationFactory,
    JoinRequestFactory,
    MembershipFactory,
    PaymentSettingsFactory,
    PublicationFactory,
    SundayAskFactory,
    UserFactory,
    ask_answered,
    ask_sent,
    ask_sent_for_test,
    poll_opened,  # Polls part (issue 18).
)
from tests.vision.rounds import were_members_when_it_opened
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
# The action log (issue 7). ACTION is owned by the member and has no supporters, so in the
# rows for changing it "member" means its owner, and the commissioner is a member who
# neither owns nor supports it. OTHER_ACTION (test_access_by_state, test_post_access_by_state)
# is the commissioner's, with the member as a supporter.
ACTION = {"slug": "lambeth", "pk": "ACTION"}
REVIEW = {"slug": "lambeth", "pk": "REVIEW"}
# Changing an action: its owner and facilitators.
ACTION_CHANGERS = {"anonymous": LOGIN, "outsider": 404, "member": 200, "facilitator": 200, "commissioner": 403}
# The overview of the action log: commissioners and facilitators.
OVERSEERS = {"anonymous": LOGIN, "outsider": 404, "member": 403, "facilitator": 200, "commissioner": 200}
# The reviews of the action log: commissioners only, not even facilitators.
COMMISSIONERS_ONLY = {"anonymous": LOGIN, "outsider": 404, "member": 403, "facilitator": 403, "commissioner": 200}
# Answering only POST: a quick change of status (owner and facilitators), a progress update
# (owner, supporters and facilitators), and the reviews (commissioners); see POST_EXPECTATIONS.
ACTION_STATUS_POST = signed_in(405, anonymous=LOGIN)
ACTION_UPDATE_POST = signed_in(405, anonymous=LOGIN)
COMMISSIONERS_POST = signed_in(405, anonymous=LOGIN)
# Payments (issue 16). None of the five is the payments contact (test_payments_contact_access is): the
# queue is theirs and the facilitators' to see, the export theirs only. PAYMENT_LINE is the member's
# approved line, with a receipt: theirs and the facilitators' to see, never a commissioner's.
PAYMENT_LINE = {"slug": "lambeth", "pk": "PAYMENT_LINE"}
PAYMENTS_CONTACT_ONLY = {"anonymous": LOGIN, "outsider": 404, "member": 403, "facilitator": 403, "commissioner": 403}
PAYMENT_SEEN = {"anonymous": LOGIN, "outsider": 404, "member": 200, "facilitator": 200, "commissioner": 404}
# Answering only POST, from the payments contact: approving, refusing and marking paid.
PAYMENTS_CONTACT_POST = signed_in(405, anonymous=LOGIN)
# Payments (issue 16): a person's lines, statements and letters are theirs (the member's here), the payments
# contact's and the facilitators'; commissioners see the totals only, and another person's payments are a 404.
PAYMENT_PERSON = {"slug": "lambeth", "user_pk": "MEMBER"}
LETTER = {"slug": "lambeth", "pk": "LETTER"}  # The member's letter, signed by the facilitator.
PAYMENT_PERSON_PAGES = {"anonymous": LOGIN, "outsider": 404, "member": 200, "facilitator": 200, "commissioner": 404}
# Answering only POST: signing a letter (facilitators and the payments contact, never their own); see POST_EXPECTATIONS.
LETTER_SIGN_POST = signed_in(405, anonymous=LOGIN)
ASK = {"slug": "lambeth", "pk": "ASK"}

# What changed (issue 17): PUBLICATION is a published item of Lambeth (which has a public page here); CREDIT asks the
# member whether they may be named on it: theirs alone to answer. The public pages are the same for everyone.
PUBLICATION = {"slug": "lambeth", "pk": "PUBLICATION"}
CREDIT_ANSWERER = {"anonymous": LOGIN, "outsider": 404, "member": 200, "facilitator": 404, "commissioner": 404}

# Discussions (issue 18, the threads part): THREAD was started by the member; COMMENT is the member's, in it.
THREAD = {"slug": "lambeth", "pk": "THREAD"}
COMMENT = {"slug": "lambeth", "pk": "COMMENT"}
COMMENT_AUTHOR = {"anonymous": LOGIN, "outsider": 404, "member": 200, "facilitator": 403, "commissioner": 403}

EXPECTATIONS: dict[str, tuple[dict, dict]] = {
    # Our own pages.
    "healthz": ({}, everyone(200)),
    "members:start": ({}, signed_in(REDIRECT, anonymous=LOGIN)),  # one Collaborative each: straight to it.
    "members:profile": ({}, signed_in(200, anonymous=LOGIN)),
    "members:my_data": ({}, signed_in(200, anonymous=LOGIN)),
    "members:my_data_download": ({}, signed_in(200, anonymous=LOGIN)),
    "members:account_delete": ({}, signed_in(200, anonymous=LOGIN)),
    "members:reauthenticate_by_email": ({}, signed_in(200, anonymous=LOGIN)),
    # "Type the code from your app": for this session, before facilitators' pages. None of the five
    # needs it (those with an app gave its code when they signed in), so it sends them on: members
    # without an app to set one up, the rest to `next`. tests/members/test_two_step_sessions.py.
    "members:two_step": ({}, signed_in(REDIRECT, anonymous=LOGIN)),
    "home:collaborative_home": (
        SLUG,
        {"anonymous": LOGIN, "outsider": 404, "member": 200, "facilitator": 200, "commissioner": 200},
    ),
    "members:collaborative_settings": (
        SLUG,
        {"anonymous": LOGIN, "outsider": 404, "member": 403, "facilitator": 200, "commissioner": 403},
    ),
    "home:at_the_table": (
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
    # A facilitator makes the member the payments contact, or stops (no answer: back with a message).
    "members:member_payments": ({"slug": "lambeth", "pk": "MEMBER"}, POST_ONLY),
    "members:former_members": (SLUG, FACILITATORS_ONLY),
    "members:leave": (
        SLUG,
        {"anonymous": LOGIN, "outsider": 404, "member": 200, "facilitator": 200, "commissioner": 200},
    ),
    "members:take_break": (SLUG, MEMBERS),  # Anyone's own break; nobody sees another's here.
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
    # Asks first, saying what changed and who is emailed (publishing the agenda itself is a button on the meeting).
    "meetings:agenda_publish": (MEETING, FACILITATORS_ONLY),
    "meetings:rsvp_ask": (MEETING, POST_ONLY),
    "meetings:agenda_item_accept": (AGENDA_ITEM, POST_ONLY),
    "meetings:agenda_item_decline": (AGENDA_ITEM, FACILITATORS_ONLY),  # Asks for the reason on a page of its own.
    # AGENDA_ITEM is only proposed: these pages say that only items on the agenda can be changed or taken off.
    "meetings:agenda_item_edit": (AGENDA_ITEM, FACILITATORS_ONLY),
    "meetings:agenda_item_remove": (AGENDA_ITEM, FACILITATORS_ONLY),
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
    # Asking for a check-in after a meeting: MEETING has not happened, so it is refused with a message.
    "meetings:check_in": (MEETING, MEMBERS_POST),
    "meetings:check_ins": (SLUG, FACILITATORS_ONLY),  # Who asked: facilitators only.
    "meetings:check_in_answered": ({"slug": "lambeth", "pk": "CHECK_IN"}, POST_ONLY),
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
    "vision:version_set_aside": (VERSION, FACILITATORS_ONLY),  # Asks first; posting sets it aside.
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
    "vision:round_close": (ROUND, FACILITATORS_ONLY),  # Asks first; posting closes it.
    "vision:round_csv": ({"slug": "lambeth", "pk": "CLOSED_ROUND"}, MEMBERS),
    "vision:round_comments": (
        {"slug": "lambeth", "pk": "CLOSED_ROUND", "statement_pk": "CLOSED_ROUND_STATEMENT"},
        MEMBERS,
    ),
    # The action log (issue 7): ACTION is the member's, with an update holding a PDF (ACTION_UPDATE);
    # REVIEW is a review under way, and REVIEW_ITEM is ACTION in it.
    "actions:log": (SLUG, MEMBERS),
    "actions:export_csv": (SLUG, MEMBERS),
    "actions:export_xlsx": (SLUG, MEMBERS),
    "actions:owners": (SLUG, MEMBERS),  # The owners a typed name matches, for the log's filter.
    "actions:organisations": (SLUG, MEMBERS),  # Likewise the lead organisations.
    "actions:new": (SLUG, MEMBERS),  # Any member proposes an action.
    "actions:dashboard": (SLUG, OVERSEERS),
    "actions:detail": (ACTION, MEMBERS),
    "actions:edit": (ACTION, ACTION_CHANGERS),  # The member owns it; another's: STATE_EXPECTATIONS.
    "actions:status": (ACTION, ACTION_STATUS_POST),
    "actions:update": (ACTION, ACTION_UPDATE_POST),
    "actions:evidence": ({"slug": "lambeth", "pk": "ACTION_UPDATE"}, MEMBERS),  # The file, for members only.
    "actions:reviews": (SLUG, COMMISSIONERS_ONLY),
    "actions:review_new": (SLUG, COMMISSIONERS_POST),
    "actions:review": (REVIEW, COMMISSIONERS_ONLY),
    "actions:review_item": ({"slug": "lambeth", "round_pk": "REVIEW", "pk": "REVIEW_ITEM"}, COMMISSIONERS_POST),
    # Asks first, on a page of its own (which says what is left to review, if anything); posting "yes" signs off.
    "actions:review_sign_off": (REVIEW, COMMISSIONERS_ONLY),
    # Payments: claims, approval and paying (issue 16). The member's line: correcting it is the payments
    # contact's, so its owner gets 403 and a commissioner, who never sees a person's line, 404.
    "payments:claim": (SLUG, MEMBERS),
    "payments:activity_add": (SLUG, FACILITATORS_ONLY),
    "payments:queue": (SLUG, FACILITATORS_ONLY),
    "payments:mark_paid": (SLUG, PAYMENTS_CONTACT_POST),
    "payments:export_csv": (SLUG, PAYMENTS_CONTACT_ONLY),
    "payments:export_xlsx": (SLUG, PAYMENTS_CONTACT_ONLY),
    "payments:line": (PAYMENT_LINE, PAYMENT_SEEN),
    "payments:receipt": (PAYMENT_LINE, PAYMENT_SEEN),
    "payments:line_approve": (PAYMENT_LINE, PAYMENTS_CONTACT_POST),
    "payments:line_refuse": (PAYMENT_LINE, PAYMENTS_CONTACT_POST),
    "payments:line_correct": (PAYMENT_LINE, PAYMENTS_CONTACT_ONLY | {"commissioner": 404}),
    # Payments: statements, letters and totals. The payments contact's own access: tests/payments/test_statements.py,
    # test_letters.py and test_totals.py.
    "payments:home": (SLUG, MEMBERS),  # Each person's own payments.
    "payments:person": (PAYMENT_PERSON, PAYMENT_PERSON_PAGES),
    "payments:statement": (PAYMENT_PERSON, PAYMENT_PERSON_PAGES),
    "payments:statement_csv": (PAYMENT_PERSON, PAYMENT_PERSON_PAGES),
    "payments:statement_pdf": (PAYMENT_PERSON, PAYMENT_PERSON_PAGES),
    "payments:letter_ask": (SLUG, MEMBERS),
    "payments:letters": (SLUG, FACILITATORS_ONLY),  # And the payments contact, to sign.
    "payments:letter": (LETTER, PAYMENT_PERSON_PAGES),
    "payments:letter_pdf": (LETTER, PAYMENT_PERSON_PAGES),
    "payments:letter_sign": (LETTER, LETTER_SIGN_POST),
    "payments:totals": (SLUG, OVERSEERS),  # And the payments contact; never a person.
    # Payments (issue 16): the Collaborative's settings, and each member's own choice.
    "payments:settings": (SLUG, FACILITATORS_ONLY),
    "payments:choice": (SLUG, MEMBERS),
    # The annual impact report (issue 17): for every member; its figures keep to the small-number rule.
    "impact:report": (SLUG, MEMBERS),
    "impact:report_pdf": (SLUG, MEMBERS),
    "impact:report_csv": (SLUG, MEMBERS),
    # Asks (issue 17), the members' and facilitators' pages: ASK is the member's proposal, with a PDF as
    # evidence (ASK_EVIDENCE). Every member reads and proposes; facilitators write, change and respond.
    "asks:list": (SLUG, MEMBERS),
    "asks:export_csv": (SLUG, MEMBERS),
    "asks:export_xlsx": (SLUG, MEMBERS),
    "asks:propose": (SLUG, MEMBERS),
    "asks:new": (SLUG, FACILITATORS_ONLY),
    "asks:detail": (ASK, MEMBERS),
    "asks:edit": (ASK, FACILITATORS_ONLY),
    "asks:evidence_add": (ASK, FACILITATORS_ONLY),
    "asks:evidence": ({"slug": "lambeth", "pk": "ASK_EVIDENCE"}, MEMBERS),  # The file, for members only.
    "asks:take_up": (ASK, POST_ONLY),
    "asks:due_date": (ASK, POST_ONLY),
    "asks:response": (ASK, POST_ONLY),
    "asks:withdraw": (ASK, POST_ONLY),
    # What changed (issue 17): publishing is the facilitators'; with no kind named, "publish" offers figures.
    "impact:manage": (SLUG, FACILITATORS_ONLY),
    "impact:publish": (SLUG, FACILITATORS_ONLY),
    "impact:edit": (PUBLICATION, FACILITATORS_ONLY),
    "impact:hide": (PUBLICATION, POST_ONLY),
    "impact:show": (PUBLICATION, POST_ONLY),  # Published already: back with a message.
    "impact:credit_ask": (PUBLICATION, POST_ONLY),  # No one chosen: back with a message.
    "impact:answers_update": (PUBLICATION, POST_ONLY),  # Not an ask: back with a message.
    "impact:credit": ({"slug": "lambeth", "pk": "CREDIT"}, CREDIT_ANSWERER),
    "impact:public": (SLUG, everyone(200)),
    "impact:item": (PUBLICATION, everyone(200)),
    "impact:feed": (SLUG, everyone(200)),
    "notifications:preferences": ({}, signed_in(200, anonymous=LOGIN)),
    # Digest part (issue 18): "Mark all as read" asks first (GET) and marks on POST, for any member.
    "discussions:read_all": (SLUG, MEMBERS),
    "notifications:mine": ({}, signed_in(200, anonymous=LOGIN)),
    # One email to read again: only the person it was for (the member); everyone else, the
    # facilitators of its Collaborative too, gets the 404 of an email that does not exist.
    "notifications:mine_detail": (
        {"pk": "MEMBERS_EMAIL"},
        {"anonymous": LOGIN, "outsider": 404, "member": 200, "facilitator": 404, "commissioner": 404},
    ),
    "notifications:unsubscribe": ({"token": "not-a-real-token"}, everyone(400)),  # The link is the permission.
    # Asks, the responder's side (issue 17): the facilitators' buttons to send, and the responder's signed link,
    # which needs no account: everyone who holds it gets the same page, whoever they are signed in as.
    "asks:fact_check_send": ({"slug": "lambeth", "pk": "DRAFT_ASK"}, POST_ONLY),
    "asks:send": ({"slug": "lambeth", "pk": "DRAFT_ASK"}, POST_ONLY),
    "asks:resend": ({"slug": "lambeth", "pk": "SENT_ASK"}, POST_ONLY),
    "asks:respond": ({"token": "RESPONDER_TOKEN"}, everyone(200)),  # The signed link is the permission.
    "asks:respond_file": ({"token": "RESPONDER_TOKEN", "file": "not-a-real-file"}, everyone(400)),
    "notifications:collaborative_list": (
        SLUG,
        {"anonymous": LOGIN, "outsider": 404, "member": 403, "facilitator": 200, "commissioner": 403},
    ),
    # ---- Discussions (issue 18, the threads part). THREAD was started by the member, and COMMENT is the member's
    # in it: its starter and facilitators change it; only its author changes or withdraws a comment.
    "discussions:list": (SLUG, MEMBERS),
    "discussions:new": (SLUG, MEMBERS),
    "discussions:thread": (THREAD, MEMBERS),
    "discussions:thread_edit": (THREAD, ACTION_CHANGERS),
    "discussions:thread_versions": (THREAD, MEMBERS),
    "discussions:comment_add": (THREAD, MEMBERS_POST),
    "discussions:follow": (THREAD, MEMBERS_POST),
    "discussions:close": (THREAD, FACILITATORS_ONLY),
    "discussions:reopen": (THREAD, POST_ONLY),
    "discussions:comment_edit": (COMMENT, COMMENT_AUTHOR),
    "discussions:comment_withdraw": (COMMENT, MEMBERS_POST),
    "discussions:comment_versions": (COMMENT, MEMBERS),
    "discussions:comment_hide": (COMMENT, FACILITATORS_ONLY),
    "discussions:comment_show": (COMMENT, POST_ONLY),
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
    # --- Polls part (issue 18). POLL is the member's open proposal; CLOSED_POLL the member's closed time poll.
    # Any member opens and votes; changing, closing, withdrawing, the outcome and a meeting from a time poll are
    # for whoever opened it ("member" here) and facilitators, so the commissioner is refused (403).
    "discussions:polls": (SLUG, MEMBERS),
    "discussions:poll_new": (SLUG, MEMBERS),
    "discussions:poll": ({"slug": "lambeth", "pk": "POLL"}, MEMBERS),
    "discussions:poll_edit": ({"slug": "lambeth", "pk": "POLL"}, ACTION_CHANGERS),
    "discussions:poll_close": ({"slug": "lambeth", "pk": "POLL"}, ACTION_CHANGERS),
    "discussions:poll_withdraw": ({"slug": "lambeth", "pk": "POLL"}, ACTION_CHANGERS),
    "discussions:poll_outcome": ({"slug": "lambeth", "pk": "CLOSED_POLL"}, ACTION_CHANGERS),
    "discussions:poll_meeting": ({"slug": "lambeth", "pk": "CLOSED_POLL"}, ACTION_CHANGERS),
    # --- End of the polls part. ---
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
    closed = round_open(
        collaborative=collaborative,
        by=facilitator,
        title="Spring",
        closing_day=timezone.localdate() + timedelta(days=7),
    )
    statement = closed.statements.first()
    respondents = UserFactory.create_batch(ROUND_GROUP_MIN)
    were_members_when_it_opened(closed, respondents)
    for user in respondents:
        answers_save(round=closed, user=user, answers={statement.pk: (Rating.STRONG, "")})
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
        "CLOSED_ROUND_STATEMENT": statement.pk,
    }


# The smallest file that is taken for a PDF (uploads are checked by what is in them).
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def evidence_in(settings, directory):
    """Evidence files go to `directory` for one test."""
    settings.EVIDENCE_ROOT = directory
    return directory


def actions_placeholders(people: dict, collaborative, meeting) -> dict:
    """The member's action from the meeting, with an update holding a PDF; a review under way."""
    action = action_create(
        action=Action(
            collaborative=collaborative,
            title="Write to the trust about crisis care",
            owner=people["member"],
            due_on=timezone.localdate() + timedelta(days=14),
            meeting=meeting,
        ),
        by=people["facilitator"],
    )
    update = action_update_add(
        action=action,
        by=people["member"],
        text="The letter has gone.",
        upload=SimpleUploadedFile("letter.pdf", PDF, content_type="application/pdf"),
    )
    review = review_round_open(collaborative=collaborative, by=people["commissioner"], title="Board report")
    return {
        "ACTION": action.pk,
        "ACTION_UPDATE": update.pk,
        "REVIEW": review.pk,
        "REVIEW_ITEM": review.items.get(action=action).pk,
    }


def payments_claims_placeholders(people: dict, collaborative) -> dict:
    """Lambeth pays; the member's claim for a fare, with its receipt, approved."""
    PaymentSettingsFactory(collaborative=collaborative)
    line = line_add(
        by=people["member"],
        collaborative=collaborative,
        user=people["member"],
        kind=Line.Kind.EXPENSE,
        expense_type="public_transport",
        description="Bus to the meeting",
        activity_on=timezone.localdate(),
        amount_pence=480,
        receipt=SimpleUploadedFile("ticket.pdf", PDF),
        receipt_name="ticket.pdf",
        receipt_type="application/pdf",
        status=Line.Status.APPROVED,
    )
    return {"PAYMENT_LINE": line.pk}


def payments_placeholders(people: dict, collaborative) -> dict:
    """The member's letter for a benefits adviser, signed by the facilitator, and another waiting to be signed."""
    period = {"kind": Letter.Kind.BENEFITS, "period_from": date(2026, 1, 1), "period_to": date(2026, 3, 31)}
    signed = letter_ask(collaborative=collaborative, user=people["member"], **period)
    letter_sign(letter=signed, by=people["facilitator"])
    asked = letter_ask(collaborative=collaborative, user=people["member"], **period)
    return {"LETTER": signed.pk, "ASKED_LETTER": asked.pk}


def asks_placeholders(people: dict, collaborative) -> dict:
    """The member's proposed ask, with a PDF as evidence added by the facilitator."""
    ask = ask_propose(
        ask=Ask(
            collaborative=collaborative,
            title="Open the crisis cafe at weekends",
            request="Please open the crisis cafe on Saturdays and Sundays.",
            organisation="South London and Maudsley NHS Trust",
            responder_name="Alex Morgan",
            responder_email="alex.morgan@nhs.example.org",
        ),
        by=people["member"],
    )
    evidence = ask_evidence_add(
        ask=ask,
        by=people["facilitator"],
        description="Survey of carers",
        upload=SimpleUploadedFile("survey.pdf", PDF, content_type="application/pdf"),
    )
    return {"ASK": ask.pk, "ASK_EVIDENCE": evidence.pk}


def impact_placeholders(people: dict, collaborative) -> dict:
    """A published item, a hidden one, and a request to name the member on the published one."""
    publication = PublicationFactory(collaborative=collaborative)
    hidden = PublicationFactory(collaborative=collaborative, status=Publication.Status.HIDDEN)
    credit = CreditFactory(publication=publication, user=people["member"])
    return {"PUBLICATION": publication.pk, "HIDDEN_PUBLICATION": hidden.pk, "CREDIT": credit.pk}


def asks_responder_placeholders(people: dict, collaborative) -> dict:
    """An ask being written, and one sent, with its responder's link."""
    draft = SundayAskFactory(collaborative=collaborative, created_by=people["facilitator"])
    sent, token = ask_sent_for_test(collaborative, by=people["facilitator"])
    return {"DRAFT_ASK": draft.pk, "SENT_ASK": sent.pk, "RESPONDER_TOKEN": token}


# --- Polls part (issue 18) ---
def polls_placeholders(people: dict, collaborative) -> dict:
    """The member's open proposal, and the member's time poll, closed."""
    poll = poll_opened(collaborative, by=people["member"])
    closed = poll_opened(collaborative, by=people["member"], type=Poll.Type.TIME)
    poll_close(poll=closed, by=people["member"])
    return {"POLL": poll.pk, "CLOSED_POLL": closed.pk}


# --- End of the polls part. ---
def discussions_placeholders(people: dict, collaborative) -> dict:
    """Discussions (issue 18, the threads part): the member's discussion and their comment in it."""
    thread = thread_start(collaborative=collaborative, by=people["member"], title="Weekends", text="Open then?")
    comment = comment_add(thread=thread, author=people["member"], text="Saturdays at least.")
    return {"THREAD": thread.pk, "COMMENT": comment.pk}


def make_placeholders(people: dict, collaborative) -> dict:
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
        **actions_placeholders(people, collaborative, meeting),
        **payments_claims_placeholders(people, collaborative),
        **payments_placeholders(people, collaborative),
        **asks_placeholders(people, collaborative),
        **impact_placeholders(people, collaborative),
        **asks_responder_placeholders(people, collaborative),
        **polls_placeholders(people, collaborative),  # Polls part (issue 18).
        **discussions_placeholders(people, collaborative),
        "MEMBER": people["member"].pk,
        "INVITATION": invitation.pk,
        "INVITATION_TOKEN": invitation_path(invitation).rstrip("/").rsplit("/", 1)[1],
        "JOIN_REQUEST": JoinRequestFactory(collaborative=collaborative).pk,
        "MEETING": meeting.pk,
        "VENUE": venue.pk,
        "AGENDA_ITEM": agenda_item_propose(meeting=meeting, by=people["member"], title="Crisis care").pk,
        "DECISION": Decision.objects.create(meeting=meeting, text="Write to the trust.").pk,
        "CHECK_IN": CheckInRequest.objects.create(meeting=meeting, user=people["member"]).pk,
        "MEMBERS_EMAIL": Message.objects.get(recipient=people["member"], kind=MEETING_SCHEDULED.key).pk,
    }


@pytest.fixture(scope="module")
def access_rows(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[dict]:
    """Lambeth, Luton, the five people and the rows PLACEHOLDERS name, made once for this module's
    hundreds of tests (rows_shared_by_module): each test only looks, or has its changes undone."""

    def make() -> dict:
        collaborative, other_collaborative = make_lambeth(), make_luton()
        people = make_people(collaborative, other_collaborative)
        return {
            "collaborative": collaborative,
            "other_collaborative": other_collaborative,
            "people": people,
            "placeholders": make_placeholders(people, collaborative),
        }

    # Evidence files stay where the first update put its PDF for as long as the rows do.
    evidence = override_settings(EVIDENCE_ROOT=tmp_path_factory.mktemp("evidence"))
    with evidence, rows_shared_by_module(django_db_blocker, make) as rows:
        yield rows


@pytest.fixture
def collaborative(access_rows, db):
    return access_rows["collaborative"]


@pytest.fixture
def other_collaborative(access_rows, db):
    return access_rows["other_collaborative"]


@pytest.fixture
def people(access_rows, db) -> dict:
    return access_rows["people"]


@pytest.fixture
def placeholders(access_rows, db) -> dict:
    return access_rows["placeholders"]


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
        # Commissioners only: an empty name for a review, or the one under way marked or not yet
        # ready to sign off, sends them back with a message.
        name: {"anonymous": LOGIN, "outsider": 404, "member": 403, "facilitator": 403, "commissioner": REDIRECT}
        for name, (_, expected) in EXPECTATIONS.items()
        if expected is COMMISSIONERS_POST
    }
    | {
        # The payments contact's only; the member's own line is not theirs to approve (403), and a commissioner
        # never sees a person's line (404). A facilitator marks paid the payments contact's own lines (nobody
        # acts on their own money): an empty post asks again (400).
        name: {"anonymous": LOGIN, "outsider": 404, "member": 403, "facilitator": 403, "commissioner": 403}
        | ({"commissioner": 404} if name != "payments:mark_paid" else {"facilitator": 400})
        for name, (_, expected) in EXPECTATIONS.items()
        if expected is PAYMENTS_CONTACT_POST
    }
    | {
        # Asking first: posted from the review's page, it comes back to ask (or says what is left to review).
        "actions:review_sign_off": {
            "anonymous": LOGIN,
            "outsider": 404,
            "member": 403,
            "facilitator": 403,
            "commissioner": REDIRECT,
        },
    }
    | {
        # Pages that ask first: posting makes the change, for facilitators only.
        name: {"anonymous": LOGIN, "outsider": 404, "member": 403, "facilitator": REDIRECT, "commissioner": 403}
        for name in ("vision:version_set_aside", "vision:round_close")
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
        # Empty forms for an action (the member owns ACTION; the commissioner neither owns nor
        # supports it): a new one or a change is shown again with what is missing (400); without
        # htmx, a status goes back to the action with a message; an update shows the action's
        # page again with the form's errors (400).
        "actions:new": {"anonymous": LOGIN, "outsider": 404, "member": 400, "facilitator": 400, "commissioner": 400},
        "actions:edit": {"anonymous": LOGIN, "outsider": 404, "member": 400, "facilitator": 400, "commissioner": 403},
        "actions:status": {
            "anonymous": LOGIN,
            "outsider": 404,
            "member": REDIRECT,
            "facilitator": REDIRECT,
            "commissioner": 403,
        },
        "actions:update": {"anonymous": LOGIN, "outsider": 404, "member": 400, "facilitator": 400, "commissioner": 403},
        # The notes page's buttons (issue 12, item 14): an empty decision, or publishing before the
        # meeting starts, shows the notes page again with everything typed and what to put right (400).
        "meetings:decision_add": FACILITATORS_ONLY | {"facilitator": 400},
        # Without JavaScript the home page is one form posted to itself (issue 12, item 14); with no button
        # pressed nothing changes, and it comes back afresh.
        "home:collaborative_home": MEMBERS | {"member": REDIRECT, "facilitator": REDIRECT, "commissioner": REDIRECT},
        # Digest part (issue 18): "Mark all as read", then back to the Collaborative's home page.
        "discussions:read_all": MEMBERS | {"member": REDIRECT, "facilitator": REDIRECT, "commissioner": REDIRECT},
        # "Not this time" without a reason: its page again, asking for one (400).
        "meetings:agenda_item_decline": FACILITATORS_ONLY | {"facilitator": 400},
        "meetings:notes_publish": FACILITATORS_ONLY | {"facilitator": 400},
        # The agenda published with nothing on it, or an item not on the agenda changed or taken off: back to the
        # meeting, saying why.
        "meetings:agenda_publish": FACILITATORS_ONLY | {"facilitator": REDIRECT},
        "meetings:agenda_item_edit": FACILITATORS_ONLY | {"facilitator": REDIRECT},
        "meetings:agenda_item_remove": FACILITATORS_ONLY | {"facilitator": REDIRECT},
        # Asks (issue 17): ASK is a proposal, so an empty "take it up?" or "withdraw" asks again what to do and
        # why (400); its due date (not sent yet) and a response (no answer yet) go back to it with a message.
        "asks:take_up": FACILITATORS_ONLY | {"facilitator": 400},
        "asks:withdraw": FACILITATORS_ONLY | {"facilitator": 400},
        # An empty ask for a letter: its page again, saying what is missing (400).
        "payments:letter_ask": MEMBERS | {"member": 400, "facilitator": 400, "commissioner": 400},
        # The member's own letter is not theirs to sign; the facilitator is told it is signed already; the
        # commissioner gets the 404 of a letter that is not there.
        # ---- Discussions (issue 18, the threads part): an empty comment, outcome, reason or edit shows its form
        # again, saying what is missing (400); the comment is the member's own to withdraw (back to it); an open
        # discussion is not opened again, and a comment that is shown is not shown again (back, saying so).
        "discussions:comment_add": MEMBERS | {"member": 400, "facilitator": 400, "commissioner": 400},
        "discussions:close": FACILITATORS_ONLY | {"facilitator": 400},
        "discussions:comment_hide": FACILITATORS_ONLY | {"facilitator": 400},
        "discussions:comment_edit": COMMENT_AUTHOR | {"member": 400},
        "discussions:comment_withdraw": COMMENT_AUTHOR | {"member": REDIRECT},
        "payments:letter_sign": {
            "anonymous": LOGIN,
            "outsider": 404,
            "member": 403,
            "facilitator": REDIRECT,
            "commissioner": 404,
        },
        # --- Polls part (issue 18): an empty poll, vote, change, outcome or meeting is shown again with what is
        # missing (400); closing and withdrawing ask first, then one button (back to the poll).
        "discussions:poll_new": MEMBERS | {"member": 400, "facilitator": 400, "commissioner": 400},
        "discussions:poll": MEMBERS | {"member": 400, "facilitator": 400, "commissioner": 400},
        "discussions:poll_edit": ACTION_CHANGERS | {"member": 400, "facilitator": 400},
        "discussions:poll_close": ACTION_CHANGERS | {"member": REDIRECT, "facilitator": REDIRECT},
        "discussions:poll_withdraw": ACTION_CHANGERS | {"member": REDIRECT, "facilitator": REDIRECT},
        "discussions:poll_outcome": ACTION_CHANGERS | {"member": 400, "facilitator": 400},
        "discussions:poll_meeting": ACTION_CHANGERS | {"member": 400, "facilitator": 400},
        # --- End of the polls part. ---
    }
)


def check_post(client, people, role, name, url, expected):
    if people[role] is not None:
        client.force_login(people[role])
    response = client.post(url)
    location = response.headers.get("Location", "")
    if expected == LOGIN:
        assert response.status_code == 302, (role, name, response.status_code)
        assert location.startswith(reverse("account_login") + "?next="), (role, name, location)
    elif expected == REDIRECT:
        assert response.status_code == 302, (role, name, response.status_code)
        assert not location.startswith(reverse("account_login") + "?next="), (role, name, location)
    else:
        assert response.status_code == expected, (role, name, response.status_code)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(POST_EXPECTATIONS))
def test_post_access(client, people, placeholders, name, role):
    kwargs = {key: placeholders.get(value, value) for key, value in EXPECTATIONS[name][0].items()}
    check_post(client, people, role, name, reverse(name, kwargs=kwargs), POST_EXPECTATIONS[name][role])


# Pages whose answer depends on the state of what they show: a closed round, an open
# round's results (none yet), a version that is no longer a draft, an action that is not
# the member's, an update without a file, and a review signed off.
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
    "vision:version_set_aside": (
        {"slug": "lambeth", "number": "ADOPTED_VERSION"},
        FACILITATORS_ONLY | {"facilitator": REDIRECT},
    ),
    "vision:round_close": (
        {"slug": "lambeth", "pk": "CLOSED_ROUND"},
        FACILITATORS_ONLY | {"facilitator": REDIRECT},  # Closed already: back to the results.
    ),
    "vision:version": ({"slug": "lambeth", "number": "ADOPTED_VERSION"}, MEMBERS),
    # The commissioner's action, which the member supports: the member cannot change it.
    "actions:edit": (
        {"slug": "lambeth", "pk": "OTHER_ACTION"},
        ACTION_CHANGERS | {"member": 403, "commissioner": 200},
    ),
    "actions:evidence": (
        {"slug": "lambeth", "pk": "UPDATE_WITHOUT_FILE"},
        MEMBERS | {role: 404 for role in ("member", "facilitator", "commissioner")},
    ),
    "actions:review": ({"slug": "lambeth", "pk": "SIGNED_OFF_REVIEW"}, COMMISSIONERS_ONLY),  # Frozen, printable.
    # Asks: a sent ask no longer changes (back to it, saying so).
    "asks:edit": ({"slug": "lambeth", "pk": "SENT_ASK"}, FACILITATORS_ONLY | {"facilitator": REDIRECT}),
    # Taken off the public page: the same 404 as for nothing at all, for everyone.
    "impact:item": ({"slug": "lambeth", "pk": "HIDDEN_PUBLICATION"}, everyone(404)),
    # A letter not signed yet: no PDF, back to the letter with a message.
    "payments:letter_pdf": (
        {"slug": "lambeth", "pk": "ASKED_LETTER"},
        PAYMENT_PERSON_PAGES | {"member": REDIRECT, "facilitator": REDIRECT},
    ),
}
# Who may post to the commissioner's action, which the member supports: empty forms, as above.
STATE_POST_EXPECTATIONS = {
    "actions:edit": (
        {"slug": "lambeth", "pk": "OTHER_ACTION"},
        POST_EXPECTATIONS["actions:edit"] | {"member": 403, "commissioner": 400},
    ),
    "actions:status": (
        {"slug": "lambeth", "pk": "OTHER_ACTION"},
        POST_EXPECTATIONS["actions:status"] | {"member": 403, "commissioner": REDIRECT},
    ),
    "actions:update": (
        {"slug": "lambeth", "pk": "OTHER_ACTION"},
        POST_EXPECTATIONS["actions:update"] | {"member": 400, "commissioner": 400},
    ),
    # Signed off: nothing changes, and the commissioner is told so.
    "actions:review_item": (
        {"slug": "lambeth", "round_pk": "SIGNED_OFF_REVIEW", "pk": "SIGNED_OFF_ITEM"},
        POST_EXPECTATIONS["actions:review_item"],
    ),
    "actions:review_sign_off": (
        {"slug": "lambeth", "pk": "SIGNED_OFF_REVIEW"},
        POST_EXPECTATIONS["actions:review_sign_off"],
    ),
    # Asks: an empty due date for a sent ask, or an empty response to an answered one, asks again (400).
    "asks:due_date": ({"slug": "lambeth", "pk": "SENT_ASK"}, FACILITATORS_ONLY | {"facilitator": 400}),
    "asks:response": ({"slug": "lambeth", "pk": "ANSWERED_ASK"}, FACILITATORS_ONLY | {"facilitator": 400}),
    # A letter waiting: the facilitator signs it; the member may not sign their own.
    "payments:letter_sign": ({"slug": "lambeth", "pk": "ASKED_LETTER"}, POST_EXPECTATIONS["payments:letter_sign"]),
}


@pytest.fixture
def state_placeholders(people, placeholders, collaborative) -> dict:
    """The placeholders, and an adopted version, the commissioner's action that the member supports,
    an update without a file, and REVIEW marked and signed off."""
    facilitator, commissioner = people["facilitator"], people["commissioner"]
    adopted = version_draft(collaborative=collaborative, by=facilitator, statement="Hope.", values=[])
    version_adopt(version=adopted, by=facilitator)
    other = action_create(
        action=Action(
            collaborative=collaborative,
            title="Ask the council for a room",
            owner=commissioner,
            due_on=timezone.localdate() + timedelta(days=7),
        ),
        by=commissioner,
        supporters=[people["member"]],
    )
    update = action_update_add(action=other, by=commissioner, text="Asked; waiting to hear.")
    review = ReviewRound.objects.get(pk=placeholders["REVIEW"])
    for item in review.items.all():
        review_item_mark(item=item, by=commissioner)
    review_round_sign_off(review=review, by=commissioner)
    sent_ask, answered_ask = AskFactory.create_batch(2, collaborative=collaborative)
    for ask in (sent_ask, answered_ask):
        ask_sent(ask, by=facilitator)
    ask_answered(answered_ask)
    return placeholders | {
        "SENT_ASK": sent_ask.pk,
        "ANSWERED_ASK": answered_ask.pk,
        "ADOPTED_VERSION": adopted.number,
        "OTHER_ACTION": other.pk,
        "UPDATE_WITHOUT_FILE": update.pk,
        "SIGNED_OFF_REVIEW": review.pk,
        "SIGNED_OFF_ITEM": placeholders["REVIEW_ITEM"],
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(STATE_EXPECTATIONS))
def test_access_by_state(client, people, state_placeholders, name, role):
    kwargs, expected = STATE_EXPECTATIONS[name]
    kwargs = {key: state_placeholders.get(value, value) for key, value in kwargs.items()}
    check(client, people, role, reverse(name, kwargs=kwargs), expected[role])


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(STATE_POST_EXPECTATIONS))
def test_post_access_by_state(client, people, state_placeholders, name, role):
    kwargs, expected = STATE_POST_EXPECTATIONS[name]
    kwargs = {key: state_placeholders.get(value, value) for key, value in kwargs.items()}
    check_post(client, people, role, name, reverse(name, kwargs=kwargs), expected[role])


def role_holder(expected: dict) -> str | None:
    """Who a page is for when members are refused it: "facilitator" or "commissioner" (or None)."""
    if expected["member"] not in (403, LOGIN) or expected is POST_ONLY:
        return None
    return next((role for role in ("facilitator", "commissioner") if expected[role] in (200, REDIRECT)), None)


def test_role_pages_need_this_session_to_have_passed_two_step_sign_in(client, people, placeholders):
    """Every facilitators' and commissioners' page, and every post only they may make, sends a session
    that signed in with the password alone (the person has an app, this session never gave its code)
    to type the code first. Enumerated from the tables above, so no new page escapes it."""
    two_step = reverse("members:two_step")
    problems, checked = [], 0
    for name, (kwargs, expected) in sorted(EXPECTATIONS.items()):
        url = reverse(name, kwargs={key: placeholders.get(value, value) for key, value in kwargs.items()})
        answers = [("GET", role_holder(expected))]
        if name in POST_EXPECTATIONS:
            answers.append(("POST", role_holder(POST_EXPECTATIONS[name] | {"member": 403})))
        for method, role in answers:
            if role is None or (method == "POST" and POST_EXPECTATIONS[name]["member"] != 403):
                continue
            client.force_login(people[role], two_step=False)
            response = client.get(url) if method == "GET" else client.post(url)
            checked += 1
            if response.status_code != 302 or not response.headers["Location"].startswith(two_step):
                problems.append(f"{role} {method} {url}: {response.status_code} {response.headers.get('Location')}")
    assert not problems, "\n".join(problems)
    assert checked > 40, checked


# The payments contact (a member with the responsibility, and two-step sign-in): what they may open and post.
PAYMENTS_CONTACT = {
    "payments:claim": 200,  # Until they say how they would like to be paid, the page says so.
    "payments:activity_add": 403,  # Facilitators add activities.
    "payments:queue": 200,
    "payments:export_csv": 200,
    "payments:export_xlsx": 200,
    "payments:line": 200,
    "payments:receipt": 200,
    "payments:line_correct": 200,
}
# Empty posts: marking paid and refusing ask again for what is missing; the line is approved already, so
# approving it again goes back with a message.
PAYMENTS_CONTACT_POSTS = {"payments:mark_paid": 400, "payments:line_refuse": 400, "payments:line_approve": REDIRECT}


def test_payments_contact_access(client, collaborative, placeholders):
    contact = MembershipFactory(collaborative=collaborative, handles_payments=True).user
    two_step = reverse("members:two_step")
    for name, expected in PAYMENTS_CONTACT.items() | PAYMENTS_CONTACT_POSTS.items():
        kwargs = {key: placeholders.get(value, value) for key, value in EXPECTATIONS[name][0].items()}
        url = reverse(name, kwargs=kwargs)
        post = name in PAYMENTS_CONTACT_POSTS
        client.force_login(contact)
        response = client.post(url) if post else client.get(url)
        if expected == REDIRECT:
            assert response.status_code == 302, name
        else:
            assert response.status_code == expected, name
        if expected != 403:
            # Their pages need this session's second step, as facilitators' do.
            client.force_login(contact, two_step=False)
            response = client.post(url) if post else client.get(url)
            if name != "payments:claim":
                assert response.status_code == 302, name
                assert response.headers["Location"].startswith(two_step), name


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


def test_home_and_meeting_pages_show_no_actions_of_another_collaborative(
    client, people, collaborative, other_collaborative
):
    """Someone in Lambeth and Luton sees only Lambeth's actions on Lambeth's pages, and only Luton's on Luton's:
    in "My actions" on the home page, and in a meeting's "matters arising" and "actions from this meeting"."""
    person = people["commissioner"]
    MembershipFactory(user=person, collaborative=other_collaborative, role=Membership.Role.MEMBER)
    facilitators = {collaborative: people["facilitator"], other_collaborative: people["outsider"]}
    today = timezone.localdate()
    meetings = {}
    for where, facilitator in facilitators.items():
        venue = Venue.objects.create(collaborative=where, name="Cafe", address="1 High Street")
        held = meeting_schedule(
            collaborative=where,
            by=facilitator,
            day=today - timedelta(days=7),
            start=time(10),
            end=time(12),
            venue=venue,
        )
        following = meeting_schedule(
            collaborative=where,
            by=facilitator,
            day=today + timedelta(days=7),
            start=time(10),
            end=time(12),
            venue=venue,
        )
        meetings[where] = (held, following)
        for title, supporters in ((f"{where.name}: owned", []), (f"{where.name}: supported", [person])):
            action_create(
                action=Action(
                    collaborative=where,
                    title=title,
                    owner=person if not supporters else facilitator,
                    due_on=today + timedelta(days=3),
                    meeting=held,
                ),
                by=facilitator,
                supporters=supporters,
            )
    client.force_login(person)
    for here, elsewhere in ((collaborative, other_collaborative), (other_collaborative, collaborative)):
        held, following = meetings[here]
        pages = {
            "My actions": (reverse("home:collaborative_home", kwargs={"slug": here.slug}), "my-actions-heading"),
            "Actions from this meeting": (
                reverse("meetings:detail", kwargs={"slug": here.slug, "pk": held.pk}),
                "actions-heading",
            ),
            "Matters arising": (
                reverse("meetings:detail", kwargs={"slug": here.slug, "pk": following.pk}),
                "arising-heading",
            ),
        }
        for heading, (url, section) in pages.items():
            text = client.get(url).text
            listed = text.split(f'id="{section}"', 1)[1].split("</section>", 1)[0]
            assert heading in listed, (here.slug, heading)
            assert f"{here.name}: owned" in listed, (here.slug, heading)
            assert f"{here.name}: supported" in listed, (here.slug, heading)
            assert elsewhere.name + ":" not in text, (here.slug, heading)
