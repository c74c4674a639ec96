"""The outbox's part of a person's data: the emails sent to them and their choices of email."""

from django.db.models import Q

from collaborative.personal_data import FORMER_MEMBER, Erasure, Part, Person, Relation, by_address, to_addresses, when
from notifications.models import ACCOUNT_DELETED, DigestSchedule, Message, Preference


def _to_them(person: Person):
    return by_address(Message.objects, "to_address").filter(
        Q(recipient=person.user) | to_addresses("to_address", person.addresses)
    )


def _export_emails(person: Person) -> list[dict]:
    return [
        {
            "collaborative": m.collaborative.name if m.collaborative else "",
            "kind": m.get_kind_display(),
            "subject": m.subject,
            "status": m.get_status_display(),
            "sent_to": m.sent_to,
            "sent": when(m.sent_at),
            "text": m.body,
        }
        for m in _to_them(person).select_related("collaborative")
    ]


def _export_email_preferences(person: Person) -> list[dict]:
    return [
        {
            "kind": p.kind,
            "send_me_these": p.enabled,
            "in_my_digest": p.in_digest,
            "how_often": p.get_frequency_display(),
        }
        for p in Preference.objects.filter(user=person.user)
    ]


def _export_digest_schedule(person: Person) -> list[dict]:
    return [
        {"how_often": s.get_frequency_display(), "on_which_day": s.get_weekday_display(), "at": f"{s.send_at:%H:%M}"}
        for s in DigestSchedule.objects.filter(user=person.user)
    ]


def _erase(erasure: Erasure) -> None:
    to_them = _to_them(erasure)
    to_them.filter(status__in=[Message.Status.PENDING, Message.Status.SENDING]).update(
        status=Message.Status.SKIPPED, last_error=ACCOUNT_DELETED
    )
    # What was kept for their digest and not yet gathered is never gathered now.
    to_them.filter(status=Message.Status.HELD, digest__isnull=True).update(
        status=Message.Status.SKIPPED, last_error=ACCOUNT_DELETED
    )
    # What was sent to them (kept to read again) goes too: it holds their name, and their news.
    to_them.filter(recipient=erasure.user).update(sent_to="", last_error="", body="")
    to_them.filter(recipient=None).update(to_address=erasure.erased, sent_to="", last_error="", body="")
    # Others' copies that name them (a facilitator's "someone asked to join", an owner in a digest)
    # cannot be read again either. A short name may blank more than it needs to: the safe side.
    named = Q()
    for words in {erasure.user.display_name, *erasure.addresses} - {"", FORMER_MEMBER}:
        named |= Q(body__icontains=words)
    if named:
        Message.objects.filter(named).exclude(body="").update(body="")
    Preference.objects.filter(user=erasure.user).delete()
    DigestSchedule.objects.filter(user=erasure.user).delete()


PART = Part(
    name="notifications",
    order=20,
    relations={
        "notifications.Message.recipient": Relation(
            "emails_sent_to_you",
            _export_emails,
            "Your address and what each email said are removed from the record of emails sent;"
            " emails not yet sent are not sent.",
        ),
        "notifications.Preference.user": Relation("email_choices", _export_email_preferences, "Deleted."),
        "notifications.DigestSchedule.user": Relation("digest_schedule", _export_digest_schedule, "Deleted."),
    },
    erase=_erase,
)
