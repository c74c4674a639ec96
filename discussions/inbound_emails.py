"""The inbound part's kind of email (registered in DiscussionsConfig.ready()): the answer to a reply by email
that could not become a comment. It goes to the address the reply came from, which may be no member's, and
says why and what to do; discussions/inbound.py queues it, once for each email that came in."""

from discussions.models import Comment
from notifications.kinds import Kind

COMMENT_MAX = Comment._meta.get_field("text").max_length

# Why a reply was not added (InboundEmail.reason), and what to do about it: both go in the answer.
REASONS = {
    "bad_address": (
        "We do not recognise the address you replied to. It may have been changed or copied wrongly.",
        "Reply to the email about the discussion itself, without changing the address, or write your comment "
        "on the website.",
    ),
    "wrong_sender": (
        "Replies must come from the email address the email was sent to.",
        "Reply from that address, or write your comment on the website.",
    ),
    "not_a_member": (
        "You are no longer a member of the Collaborative this discussion belongs to, so you cannot comment in it.",
        "If you think this is a mistake, ask one of the Collaborative's facilitators.",
    ),
    "closed": (
        "This discussion has been closed, so it takes no more comments.",
        "You can read what came of it on the website, or start a new discussion there.",
    ),
    "empty": (
        "We could not find any words of yours in your reply: only the earlier email, quoted.",
        "Write your comment above the quoted email and send it again, or write it on the website.",
    ),
    "too_long": (
        f"Your reply is too long for a comment: a comment can be up to {COMMENT_MAX:,} characters.",
        "Make it shorter and send it again, or write it on the website in parts.",
    ),
    "not_added": (
        "Your reply could not be added as a comment.",
        "Write your comment on the website instead.",
    ),
}


def advice_for(reason: str) -> str:
    """What to do, for the answer to a reply not added with `reason` (InboundEmail.reason)."""
    return next((advice for why, advice in REASONS.values() if why == reason), "Write your comment on the website.")


def _context(message) -> dict:
    inbound = message.about
    # The discussion is named only to its member's own address: a reply from another address learns nothing.
    thread = inbound.thread if inbound.user_id else None
    return {"inbound": inbound, "thread": thread, "advice": advice_for(inbound.reason)}


REPLY_NOT_ACCEPTED = Kind(
    key="reply_not_accepted",
    label="A reply by email that could not be added",
    description="When you reply to an email about a discussion and your reply cannot become a comment, we say why.",
    to_address=True,
    context=_context,
)

KINDS = [REPLY_NOT_ACCEPTED]
