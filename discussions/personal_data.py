"""The discussions' part of a person's data: the discussions they started, changed and closed, their comments
(with the earlier words of each) and the comments they hid, what they follow or muted and what they have read,
the polls they opened and wrote outcomes for, their votes, and the emails they sent in as replies.

What a member writes in a discussion is part of the Collaborative's record, as ideas on the vision are: other
members replied to it, and an outcome may rest on it. So, when they delete their account, their discussions and
comments stay, shown as a Former member's, and any comment they withdrew stays withdrawn (its words are gone
already). Anyone who wants a comment's words gone before they leave withdraws it; the page says so. What is only
about the person (what they follow, mute and have read) goes. Their votes still count, but nothing links them to
the person any more, as with self-assessment answers. An email they sent in is still recorded, so that the same
email is never acted on twice, but without their address.
"""

from collaborative.personal_data import Erasure, Part, Person, Relation, when
from discussions.models import (
    AllRead,
    Comment,
    Following,
    InboundEmail,
    Poll,
    Seen,
    Thread,
    ThreadVersion,
    Vote,
)


def _threads(field: str, moment: str):
    def export(person: Person) -> list[dict]:
        threads = Thread.objects.filter(**{field: person.user}).select_related("collaborative").order_by("id")
        return [
            {
                "collaborative": t.collaborative.name,
                "discussion": t.title,
                "text": t.text if field == "started_by" else None,
                "outcome": t.outcome if field == "closed_by" else None,
                "when": when(getattr(t, moment)),
            }
            for t in threads
        ]

    return export


def _export_thread_versions(person: Person) -> list[dict]:
    versions = ThreadVersion.objects.filter(saved_by=person.user).select_related("thread__collaborative")
    return [
        {
            "collaborative": v.thread.collaborative.name,
            "discussion": v.thread.title,
            "title_before": v.title,
            "text_before": v.text,
            "changed": when(v.saved_at),
        }
        for v in versions.order_by("saved_at", "id")
    ]


def _export_comments(person: Person) -> list[dict]:
    comments = (
        Comment.objects.filter(author=person.user)
        .select_related("thread__collaborative")
        .prefetch_related("versions")
        .order_by("created_at", "id")
    )
    return [
        {
            "collaborative": c.thread.collaborative.name,
            "discussion": c.thread.title,
            "reply": c.parent_id is not None,
            "text": c.text,
            "status": c.get_status_display(),
            "why_hidden": c.hidden_reason,
            "written": when(c.created_at),
            "by_email": c.by_email,
            "earlier_words": [{"text": v.text, "until": when(v.saved_at)} for v in c.versions.all()],
        }
        for c in comments
    ]


def _export_comments_hidden(person: Person) -> list[dict]:
    comments = Comment.objects.filter(hidden_by=person.user).select_related("thread__collaborative")
    return [
        {
            "collaborative": c.thread.collaborative.name,
            "discussion": c.thread.title,
            "why": c.hidden_reason,
            "hidden": when(c.hidden_at),
            "status_now": c.get_status_display(),
        }
        for c in comments.order_by("hidden_at", "id")
    ]


def _export_following(person: Person) -> list[dict]:
    rows = Following.objects.filter(user=person.user).select_related("thread__collaborative").order_by("id")
    return [
        {"collaborative": f.thread.collaborative.name, "discussion": f.thread.title, "you": f.get_state_display()}
        for f in rows
    ]


def _export_seen(person: Person) -> list[dict]:
    rows = Seen.objects.filter(user=person.user).select_related("thread__collaborative").order_by("id")
    return [
        {"collaborative": s.thread.collaborative.name, "discussion": s.thread.title, "last_read": when(s.seen_at)}
        for s in rows
    ]


def _export_all_read(person: Person) -> list[dict]:
    rows = AllRead.objects.filter(user=person.user).select_related("collaborative").order_by("id")
    return [{"collaborative": a.collaborative.name, "marked_all_as_read": when(a.at)} for a in rows]


def _polls(field: str):
    def export(person: Person) -> list[dict]:
        polls = Poll.objects.filter(**{field: person.user}).select_related("collaborative").order_by("id")
        return [
            {
                "collaborative": p.collaborative.name,
                "poll": p.question,
                "opened": when(p.opened_at),
                "outcome": p.outcome if field == "outcome_by" else None,
            }
            for p in polls
        ]

    return export


def _export_votes(person: Person) -> list[dict]:
    # Only ever to the person themselves. An anonymous poll keeps a ballot only while it is open.
    votes = (
        Vote.objects.filter(user=person.user)
        .select_related("poll__collaborative")
        .prefetch_related("choices__option")
        .order_by("cast_at", "id")
    )
    return [
        {
            "collaborative": v.poll.collaborative.name,
            "poll": v.poll.question,
            "choices": [{"option": c.option.text, "value": c.value} for c in v.choices.all()],
            "reason": v.reason,
            "cast": when(v.cast_at),
            "replaced": when(v.replaced_at),
        }
        for v in votes
    ]


def _export_inbound(person: Person) -> list[dict]:
    rows = InboundEmail.objects.filter(user=person.user).order_by("received_at", "id")
    return [
        {"received": when(e.received_at), "from": e.sender, "result": e.get_result_display(), "why": e.reason}
        for e in rows
    ]


def _erase(erasure: Erasure) -> None:
    Following.objects.filter(user=erasure.user).delete()
    Seen.objects.filter(user=erasure.user).delete()
    AllRead.objects.filter(user=erasure.user).delete()
    # Their votes still count, linked to no one.
    Vote.objects.filter(user=erasure.user).update(user=None)
    InboundEmail.objects.filter(user=erasure.user).update(user=None, sender="")


KEPT = "Kept: the discussion is the Collaborative's record. It shows a Former member."

PART = Part(
    name="discussions",
    order=88,
    relations={
        "discussions.Thread.started_by": Relation(
            "discussions_you_started", _threads("started_by", "created_at"), KEPT
        ),
        "discussions.ThreadVersion.saved_by": Relation("discussions_you_changed", _export_thread_versions, KEPT),
        "discussions.Thread.closed_by": Relation("discussions_you_closed", _threads("closed_by", "closed_at"), KEPT),
        "discussions.Comment.author": Relation(
            "your_comments_in_discussions",
            _export_comments,
            "Kept as part of the Collaborative's record (others replied to them), shown as a Former member's. "
            "Any you withdrew stay withdrawn, with no words. Withdraw a comment first if you want its words gone.",
        ),
        "discussions.Comment.hidden_by": Relation("comments_you_hid", _export_comments_hidden, KEPT),
        "discussions.Following.user": Relation("discussions_you_follow_or_muted", _export_following, "Deleted."),
        "discussions.Seen.user": Relation("discussions_you_have_read", _export_seen, "Deleted."),
        "discussions.AllRead.user": Relation("marked_all_as_read", _export_all_read, "Deleted."),
        "discussions.Poll.opened_by": Relation("polls_you_opened", _polls("opened_by"), KEPT),
        "discussions.Poll.outcome_by": Relation("poll_outcomes_you_wrote", _polls("outcome_by"), KEPT),
        "discussions.Vote.user": Relation(
            "your_votes",
            _export_votes,
            "Your votes still count, with nothing left linking them to you.",
        ),
        "discussions.InboundEmail.user": Relation(
            "emails_you_sent_to_discussions",
            _export_inbound,
            "The record that an email came in stays, so that it is never acted on twice, without your address.",
        ),
    },
    erase=_erase,
)
