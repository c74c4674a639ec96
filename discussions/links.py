"""Reply addresses: made here, and checked here.

Every email about a discussion says where to reply: an address unique to the person and the discussion,
`<REPLY_EMAIL_PREFIX>+<token>@<REPLY_EMAIL_DOMAIN>`. The token names the person and the discussion and is signed
with the SECRET_KEY and this module's own salt, so nobody can make one for someone else or another discussion.
Mail servers may change the case of an address, so the token uses only lower-case letters and digits (base 36
numbers and a base 32 signature). With no REPLY_EMAIL_DOMAIN, replying by email is off and emails carry no
Reply-To.

Whether a reply may become a comment (the sender, the membership, the discussion still open) is decided by
collaborative.permissions.reply_by_email_for; discussions/inbound.py does the rest.
"""

import base64

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

from discussions.models import Comment, Thread

_SALT = "discussions.reply"
# 15 bytes of the HMAC: 120 bits, 24 base 32 characters, so the whole local part stays far below 64.
_SIGNATURE_BYTES = 15


class BadReplyAddress(ValueError):
    """An address that is not a reply address we made: another domain, or a token changed or not ours."""


def replying_on() -> bool:
    """Whether replying by email is set up (REPLY_EMAIL_DOMAIN)."""
    return bool(settings.REPLY_EMAIL_DOMAIN)


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        number, rest = divmod(number, 36)
        text = digits[rest] + text
        if not number:
            return text


def _signature(user_id: int, thread_id: int) -> str:
    digest = salted_hmac(_SALT, f"{user_id}:{thread_id}", algorithm="sha256").digest()[:_SIGNATURE_BYTES]
    return base64.b32encode(digest).decode().lower().rstrip("=")


def reply_token(user_id: int, thread_id: int) -> str:
    return f"{_base36(user_id)}-{_base36(thread_id)}-{_signature(user_id, thread_id)}"


def reply_address(user, thread: Thread) -> str:
    """The address `user` replies to about `thread`; only meaningful when replying is on."""
    token = reply_token(user.pk, thread.pk)
    return f"{settings.REPLY_EMAIL_PREFIX}+{token}@{settings.REPLY_EMAIL_DOMAIN}"


def is_reply_domain(address: str) -> bool:
    """Whether mail to `address` is ours to take in: any address at the reply domain (a reply with a spoilt
    token is taken in too, so that its sender can be told)."""
    _local, at, domain = address.strip().rpartition("@")
    return bool(at) and replying_on() and domain.lower() == settings.REPLY_EMAIL_DOMAIN


def reply_address_check(address: str) -> tuple[int, int]:
    """(the person's id, the discussion's id) for a reply address we made; BadReplyAddress for any other."""
    if not is_reply_domain(address):
        raise BadReplyAddress("Not an address at the reply domain.")
    local = address.strip().rpartition("@")[0].lower()
    prefix, plus, token = local.partition("+")
    if not plus or prefix != settings.REPLY_EMAIL_PREFIX:
        raise BadReplyAddress("Not a reply address.")
    try:
        user_part, thread_part, signature = token.split("-")
        user_id, thread_id = int(user_part, 36), int(thread_part, 36)
    except ValueError:
        raise BadReplyAddress("The token is not one of ours.") from None
    if not constant_time_compare(signature, _signature(user_id, thread_id)):
        raise BadReplyAddress("The token's signature does not match.")
    return user_id, thread_id


def reply_to_for_thread(message) -> str | None:
    """A Kind's `reply_to` for emails about a discussion or a comment in one (`message.about` is a Thread or a
    Comment): the recipient's reply address, or None when replying is off, the email goes to an address rather
    than a member, or the discussion is closed (a reply could not become a comment)."""
    about = message.about
    thread = about if isinstance(about, Thread) else about.thread if isinstance(about, Comment) else None
    if not replying_on() or message.recipient_id is None or thread is None or not thread.is_open:
        return None
    return reply_address(message.recipient, thread)
