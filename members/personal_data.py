"""A person's own data: everything we hold about them, to download, and erasure on request.

Each app says what it holds about people in its own personal_data.py (this module for
members, and for the account itself), as a Part of the registry in
collaborative/personal_data.py: for every relation from its models to the user model, what
the download shows and what erasure does. The download and erasure below run over every
part, in order. tests/members/test_personal_data.py walks the user model's relations and
fails when no part names one, so a later model that points at people cannot slip past
"download my data" or "delete my account". A part's mentions do the same for records that
are about the person without a foreign key to them: here, the site administration's history
of changes, which names the person it changed.

Records are linked to the person by their account, or by an address that is their own
(collaborative.personal_data.Person).

Erasure removes the person's own data and closes the account. Records the Collaborative
shares (actions, notes, decisions, who changed what) stay, attributed to "Former
member": the user row stays as an empty shell so that those records keep pointing at it.
Self-assessment answers, given anonymously, go one step further: they stay in the counts
but no longer point at anyone, the shell included.
"""

import json
import re

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from collaborative import personal_data
from collaborative.personal_data import (
    FORMER_MEMBER,
    Erasure,
    Part,
    Person,
    Relation,
    by_address,
    name_of,
    to_addresses,
    when,
)
from members.models import (
    Collaborative,
    GroundRules,
    Invitation,
    JoinRequest,
    Membership,
    MembershipChange,
    User,
    Visibility,
)
from members.selectors import verified_addresses
from members.services import facilitators_lock, only_facilitator_of

ERASED_DOMAIN = "erased.invalid"  # .invalid never exists (RFC 2606): nothing can be sent there.


def _export_account(person: Person) -> dict:
    user = person.user
    return {
        "email": user.email,
        "name_to_show": user.display_name,
        "pronouns": user.pronouns,
        "about_me": user.about,
        "perspectives": user.get_perspectives_display(),
        "who_sees_perspectives": user.get_perspectives_visibility_display(),
        "organisation": user.organisation,
        "type_of_organisation": user.get_organisation_type_display(),
        "who_sees_organisation": user.get_organisation_visibility_display(),
        "job_title": user.job_title,
        "who_sees_job_title": user.get_job_title_visibility_display(),
        "access_needs": user.get_access_needs_display(),
        "access_needs_in_your_words": user.access_needs_other,
        "joined": when(user.date_joined),
        "last_signed_in": when(user.last_login),
        "site_administrator": user.is_staff,
        "groups": list(user.groups.values_list("name", flat=True)),
        "permissions": sorted(f"{p.content_type.app_label}.{p.codename}" for p in user.user_permissions.all()),
    }


def _export_email_addresses(person: Person) -> list[dict]:
    return [
        {"email": e.email, "confirmed": e.verified, "main_address": e.primary}
        for e in EmailAddress.objects.filter(user=person.user)
    ]


def _export_two_step(person: Person) -> list[dict]:
    # The secrets themselves are never exported: they would let anyone holding the file sign in.
    return [
        {"kind": a.get_type_display(), "set_up": when(a.created_at), "last_used": when(a.last_used_at)}
        for a in Authenticator.objects.filter(user=person.user)
    ]


def _export_memberships(person: Person) -> list[dict]:
    memberships = (
        Membership.objects.filter(user=person.user)
        .select_related("collaborative")
        .prefetch_related("acceptances__ground_rules", "changes__changed_by")
    )
    return [
        {
            "collaborative": m.collaborative.name,
            "role": m.get_role_display(),
            "status": m.get_status_display(),
            "joined": when(m.joined_at),
            "left": when(m.left_at),
            "agreed_to_ground_rules": [when(a.accepted_at) for a in m.acceptances.all()],
            "changes": [
                {"change": c.describe(), "when": when(c.changed_at), "by": name_of(c.changed_by)}
                for c in m.changes.all()
            ],
        }
        for m in memberships
    ]


def _export_changes_made(person: Person) -> list[dict]:
    return [
        {"member": c.membership.user.display_name, "change": c.describe(), "when": when(c.changed_at)}
        for c in MembershipChange.objects.filter(changed_by=person.user).select_related("membership__user")
    ]


def _invitation(invitation: Invitation) -> dict:
    return {
        "collaborative": invitation.collaborative.name,
        "name": invitation.name,
        "email": invitation.email,
        "role": invitation.get_role_display(),
        "personal_message": invitation.message,
        "sent": when(invitation.sent_at),
        "status": invitation.get_state_display(),
    }


def _export_invitations_sent(person: Person) -> list[dict]:
    return [_invitation(i) for i in Invitation.objects.filter(invited_by=person.user).select_related("collaborative")]


def _export_invitations_to_you(person: Person) -> list[dict]:
    invitations = (
        by_address(Invitation.objects, "email")
        .filter(Q(accepted_by=person.user) | to_addresses("email", person.addresses))
        .select_related("collaborative", "invited_by")
    )
    return [{**_invitation(i), "invited_by": name_of(i.invited_by)} for i in invitations.distinct()]


def _export_invitations_withdrawn(person: Person) -> list[dict]:
    return [_invitation(i) for i in Invitation.objects.filter(revoked_by=person.user).select_related("collaborative")]


def _join_request(join_request: JoinRequest) -> dict:
    return {
        "collaborative": join_request.collaborative.name,
        "name": join_request.name,
        "email": join_request.email,
        "message": join_request.message,
        "asked": when(join_request.created_at),
        "answer": join_request.get_status_display(),
        "reply": join_request.reply,
    }


def _export_join_requests(person: Person) -> list[dict]:
    requests = (
        by_address(JoinRequest.objects, "email")
        .filter(Q(user=person.user) | to_addresses("email", person.addresses))
        .select_related("collaborative")
    )
    return [_join_request(r) for r in requests.distinct()]


def _export_join_requests_answered(person: Person) -> list[dict]:
    requests = JoinRequest.objects.filter(decided_by=person.user).select_related("collaborative")
    return [{"collaborative": r.collaborative.name, "name": r.name, "answer": r.get_status_display()} for r in requests]


def _export_ground_rules_written(person: Person) -> list[dict]:
    return [
        {"collaborative": g.collaborative.name, "text": g.text, "when": when(g.created_at)}
        for g in GroundRules.objects.filter(created_by=person.user).select_related("collaborative")
    ]


def _erase_memberships(erasure: Erasure) -> None:
    """End the person's memberships; their invitations and requests to join keep no trace of them."""
    user, now = erasure.user, erasure.now
    for membership in Membership.objects.filter(user=user, status=Membership.Status.ACTIVE):
        membership.status, membership.left_at = Membership.Status.LEFT, now
        membership.save(update_fields=["status", "left_at"])
        MembershipChange.objects.create(
            membership=membership,
            field=MembershipChange.Field.STATUS,
            old_value=Membership.Status.ACTIVE,
            new_value=Membership.Status.LEFT,
            changed_by=user,
        )
    invitations = by_address(Invitation.objects, "email").filter(
        Q(accepted_by=user) | to_addresses("email", erasure.addresses)
    )
    # A waiting invitation to the person can no longer be used.
    invitations.filter(status=Invitation.Status.PENDING).update(status=Invitation.Status.REVOKED, revoked_at=now)
    invitations.update(email=erasure.erased, name="", message="")
    join_requests = by_address(JoinRequest.objects, "email").filter(
        Q(user=user) | to_addresses("email", erasure.addresses)
    )
    # A request no one has answered yet goes; an answered one stays as a record, without the person.
    join_requests.filter(status=JoinRequest.Status.PENDING).delete()
    join_requests.update(name=FORMER_MEMBER, email=erasure.erased, message="", reply="")


def _export_admin_log(person: Person) -> list[dict]:
    return [
        {"when": when(e.action_time), "what": str(e), "object": e.object_repr}
        for e in LogEntry.objects.filter(user=person.user)
    ]


def _records_of(user: User) -> dict[type, list[str]]:
    """The ids of the person's account, memberships and addresses, as the site administration's history stores them."""
    return {
        User: [str(user.pk)],
        Membership: [str(pk) for pk in Membership.objects.filter(user=user).values_list("pk", flat=True)],
        EmailAddress: [str(pk) for pk in EmailAddress.objects.filter(user=user).values_list("pk", flat=True)],
    }


def _history_of(records: dict[type, list[str]]) -> Q:
    """Site administration history entries about the records."""
    types = ContentType.objects.get_for_models(*records)
    about = Q(pk__in=[])
    for model, ids in records.items():
        about |= Q(content_type=types[model], object_id__in=ids)
    return about


def _export_admin_history(person: Person) -> list[dict]:
    return [
        {"when": when(e.action_time), "what": str(e)}
        for e in LogEntry.objects.filter(_history_of(_records_of(person.user))).order_by("action_time", "pk")
    ]


def _scrub(value, replacements: list[tuple[re.Pattern, str]]):
    """`value` (a string, or a change message's list and dicts) with each pattern replaced."""
    if isinstance(value, str):
        for pattern, replacement in replacements:
            value = pattern.sub(replacement, value)
        return value
    if isinstance(value, list):
        return [_scrub(item, replacements) for item in value]
    if isinstance(value, dict):
        return {key: _scrub(item, replacements) for key, item in value.items()}
    return value


def _rename_inline(change_message, names: dict[str, str]):
    """A change message's list with each related record it names as in `names` (what it was
    called: what it is called now) renamed; the records that were added, changed or deleted
    with the one the entry is about ("inlines"), as Django's admin stores them."""
    if not isinstance(change_message, list):
        return change_message
    for change in change_message:
        for record in change.values() if isinstance(change, dict) else []:
            if isinstance(record, dict) and record.get("object") in names:
                record["object"] = names[record["object"]]
    return change_message


def _admin_history_erase(records: dict[type, list[str]], *, name: str, addresses: list[str], erased: str) -> None:
    """Take the person's name and addresses out of the site administration's history.

    Called once the account is emptied, with the ids of the person's records (taken before
    their addresses were deleted). Each entry keeps who did what to which record and when.
    An entry about one of the person's records names them no more: one about the account
    reads "Former member", one about a membership reads as the membership does now ("Former
    member in ..."), one about an address the erased address, and their name and addresses
    go from its change message. In an entry about a Collaborative they were in, the
    membership it lists as added, changed or deleted reads "Former member in ...". Their own
    addresses are replaced wherever they appear; their name elsewhere is not, as it may be
    someone else's too, or part of someone else's.
    """
    by_address = [(re.compile(re.escape(address), re.IGNORECASE), erased) for address in addresses]
    by_name = [*by_address]
    if name:
        by_name.append((re.compile(rf"(?<!\w){re.escape(name)}(?!\w)", re.IGNORECASE), FORMER_MEMBER))
    mentions = Q()
    for address in addresses:
        # Change messages are stored as JSON, where non-ASCII letters are written as \u escapes.
        for form in {address, json.dumps(address)[1:-1]}:
            mentions |= Q(object_repr__icontains=form) | Q(change_message__icontains=form)
    memberships = Membership.objects.filter(pk__in=records[Membership]).select_related("user", "collaborative")
    now_reads = {
        User: dict.fromkeys(records[User], FORMER_MEMBER),
        Membership: {str(m.pk): str(m) for m in memberships},
        EmailAddress: dict.fromkeys(records[EmailAddress], erased),
    }
    # What the Collaborative's page in the site administration called the person's membership
    # (str(Membership), in whichever role), and what it is called now.
    inline = {
        f"{name} in {m.collaborative} ({role})": f"{FORMER_MEMBER} in {m.collaborative} ({role})"
        for m in memberships
        for role in Membership.Role.labels
        if name
    }
    collaboratives = {str(m.collaborative_id) for m in memberships}
    types = ContentType.objects.get_for_models(*records, Collaborative)
    model_of = {content_type.pk: model for model, content_type in types.items()}
    in_their_collaboratives = Q(content_type=types[Collaborative], object_id__in=collaboratives)
    for entry in LogEntry.objects.filter(_history_of(records) | in_their_collaboratives | mentions):
        model = model_of.get(entry.content_type_id)
        own = entry.object_id in records.get(model, [])
        replacements = by_name if own else by_address
        object_repr = now_reads[model][entry.object_id] if own else _scrub(entry.object_repr, replacements)
        try:
            message = json.loads(entry.change_message)
        except ValueError:  # Entries written before Django stored JSON are plain text.
            change_message = _scrub(entry.change_message, replacements)
        else:
            if model is Collaborative:
                message = _rename_inline(message, inline)
            change_message = json.dumps(_scrub(message, replacements))
        LogEntry.objects.filter(pk=entry.pk).update(object_repr=object_repr[:200], change_message=change_message)


def _erase_account(erasure: Erasure) -> None:
    """Empty the account and take the person out of the site administration's history.

    Last of all, so that every part before it could still read the account as it was.
    """
    user = erasure.user
    records = _records_of(user)  # Before their addresses are deleted.
    Authenticator.objects.filter(user=user).delete()
    EmailAddress.objects.filter(user=user).delete()
    user.groups.clear()
    user.user_permissions.clear()

    name = user.display_name
    user.email = erasure.erased
    user.display_name = FORMER_MEMBER
    user.pronouns = user.about = user.organisation = user.organisation_type = user.job_title = ""
    user.perspectives, user.access_needs, user.access_needs_other = [], [], ""
    user.perspectives_visibility = user.organisation_visibility = user.job_title_visibility = Visibility.NOBODY
    user.is_active = user.is_staff = user.is_superuser = False
    user.last_login = None
    # A new unusable password also ends every session the person had open.
    user.set_unusable_password()
    user.save()
    _admin_history_erase(records, name=name, addresses=erasure.addresses, erased=erasure.erased)


# Members' parts come first (the account, memberships, invitations), between the outbox and
# the meetings (the site administration's log of what the person did there), and last (the
# account itself goes after every other part has erased its share).
MEMBERS = Part(
    name="members",
    order=10,
    relations={
        "account.EmailAddress.user": Relation(
            "email_addresses", _export_email_addresses, "Deleted. No one can sign in with them or send to them."
        ),
        "mfa.Authenticator.user": Relation("two_step_sign_in", _export_two_step, "Deleted."),
        "members.Membership.user": Relation(
            "memberships",
            _export_memberships,
            "Ended. The record that a Former member took part, and when, stays for the Collaborative's history.",
        ),
        "members.MembershipChange.changed_by": Relation(
            "membership_changes_you_made", _export_changes_made, "Kept, shown as made by a Former member."
        ),
        "members.Invitation.invited_by": Relation(
            "invitations_you_sent", _export_invitations_sent, "Kept, shown as sent by a Former member."
        ),
        "members.Invitation.accepted_by": Relation(
            "invitations_to_you", _export_invitations_to_you, "Your address and any message to you are removed."
        ),
        "members.Invitation.revoked_by": Relation(
            "invitations_you_withdrew", _export_invitations_withdrawn, "Kept, shown as withdrawn by a Former member."
        ),
        "members.JoinRequest.user": Relation(
            "requests_to_join", _export_join_requests, "Your name, address and message are removed."
        ),
        "members.JoinRequest.decided_by": Relation(
            "requests_to_join_you_answered",
            _export_join_requests_answered,
            "Kept, shown as answered by a Former member.",
        ),
        "members.GroundRules.created_by": Relation(
            "ground_rules_you_wrote", _export_ground_rules_written, "Kept: they belong to the Collaborative."
        ),
    },
    erase=_erase_memberships,
)

SITE_ADMINISTRATION = Part(
    name="site_administration",
    order=30,
    relations={
        "admin.LogEntry.user": Relation(
            "site_administration_log", _export_admin_log, "Kept, shown as done by a Former member."
        ),
    },
)

ACCOUNT = Part(
    name="account",
    order=90,
    relations={
        # The user model's own many-to-many fields.
        "members.User.groups": Relation("account", _export_account, "Removed."),
        "members.User.user_permissions": Relation("account", _export_account, "Removed."),
    },
    # Records about the person that have no foreign key to them, found by what they are about.
    mentions={
        "admin.LogEntry.object_id": Relation(
            "site_administration_history_about_you",
            _export_admin_history,
            "Kept as the record of who changed what and when, without your name or addresses.",
        ),
    },
    erase=_erase_account,
)


def erasure_summary() -> list[tuple[str, str]]:
    """(what, what erasure does to it) for the "delete your account" page."""
    summary = {}
    for relation in [*personal_data.relations().values(), *personal_data.mentions().values()]:
        summary.setdefault(relation.section.replace("_", " ").capitalize(), relation.erasure)
    return list(summary.items())


def personal_data_export(user: User) -> dict:
    """Everything we hold about the person, as one JSON-ready dict."""
    person = Person(user, verified_addresses(user))
    data = {
        "about_this_file": (
            "All the personal data Living Well Collaboratives holds about you, as of the time below. "
            "Records you took part in that belong to a Collaborative (for example who changed what) "
            "are listed as you see them."
        ),
        "downloaded": when(timezone.now()),
        "account": _export_account(person),
    }
    for relation in [*personal_data.relations().values(), *personal_data.mentions().values()]:
        data.setdefault(relation.section, relation.export(person))
    return data


@transaction.atomic
def account_erase(*, user: User) -> None:
    """Remove the person's personal data and close the account; shared records stay, as "Former member"."""
    user = User.objects.select_for_update(no_key=True).get(pk=user.pk)
    # The lock that leaving and demoting take, so that another facilitator leaving at the same
    # moment waits for this, then sees that this person has gone (or the other way round).
    facilitators_lock(Membership.objects.filter(user=user, status=Membership.Status.ACTIVE).values("collaborative_id"))
    if sole := only_facilitator_of(user):
        raise ValidationError(
            f"You are the only facilitator of {', '.join(sole)}. "
            "Make someone else a facilitator first, so the Collaborative is not left without one."
        )
    erasure = Erasure(
        user=user,
        addresses=verified_addresses(user),
        erased=f"former-member-{user.pk}@{ERASED_DOMAIN}",
        now=timezone.now(),
    )
    for part in personal_data.parts():
        if part.erase:
            part.erase(erasure)
