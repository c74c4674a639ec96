"""The inbound part's kind of email (registered in DiscussionsConfig.ready()): the answer to a reply by email
that could not become a comment. It goes to the address the reply came from, which may be no member's, and
says why and what to do; discussions/inbound.py queues it, once for each email that came in."""

from notifications.kinds import Kind


def _context(message) -> dict:
    from discussions.inbound import advice_for

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
