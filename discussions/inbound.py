"""Replies by email: an email that came in to a reply address becomes its sender's comment, or is answered.

`manage.py inbound_smtp` (the SMTP server a relay or an MX record points at) hands each email here, inside a
database transaction. An email is acted on once: its Message-ID is recorded (InboundEmail.message_id_hash is
unique), so the same email delivered twice, even at the same moment, does nothing the second time.

Automatic replies and bounces (out-of-office, "undeliverable") are recorded and nothing more: never a comment,
never an answer, so that two robots cannot write to each other for ever. A reply that cannot become a comment
is answered with a plain email to its sender saying why and what to do (the `reply_not_accepted` kind): the
answer goes only to the address the reply came from and never says whether an address has an account.

What the person wrote is the email's text (or its HTML made into text), with the quoted earlier email and the
signature taken off by mail-parser-reply; lines quoted with ">" go too.
"""

import hashlib
import logging
import re
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses
from html.parser import HTMLParser

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from mailparser_reply import EmailReplyParser

from collaborative.permissions import ReplyRefused, reply_by_email_for
from discussions.inbound_emails import REASONS, REPLY_NOT_ACCEPTED
from discussions.links import is_reply_domain
from discussions.models import Comment, InboundEmail
from discussions.services import comment_add
from notifications.services import messages_queue

logger = logging.getLogger(__name__)

AUTOMATIC = "An automatic reply or a bounce: not answered."
NO_REPLY_ADDRESS = "Not sent to a reply address."

# Headers that say a robot wrote the email (RFC 3834 and what mail programs do in practice).
_PRECEDENCE_AUTOMATIC = {"bulk", "junk", "list", "auto_reply"}
_AUTOMATIC_SENDERS = {"mailer-daemon", "postmaster"}


def inbound_email_receive(
    *, raw: bytes, recipients: list[str], envelope_sender: str | None = None, now=None
) -> InboundEmail | None:
    """Act on one email that came in to `recipients` (the SMTP envelope's, else its To and Cc) from
    `envelope_sender` (MAIL FROM; "" for a bounce, None if unknown). Returns its InboundEmail row, or None if the
    same email was received before (then nothing at all happens). Call it inside a transaction."""
    email = BytesParser(policy=policy.default).parsebytes(raw)
    sender = _sender(email)
    to = next((address for address in recipients or _header_recipients(email) if is_reply_domain(address)), "")
    try:
        with transaction.atomic():
            row = InboundEmail.objects.create(
                message_id_hash=_message_id_hash(email, raw),
                received_at=now or timezone.now(),
                sender=sender[:254],
                recipient=to[:320],
                result=InboundEmail.Result.REFUSED,
            )
    except IntegrityError:
        # The same Message-ID again: a second delivery (or a second copy arriving at the same moment) is ignored.
        return None
    if _is_automatic(email, envelope_sender):
        return _refused(row, AUTOMATIC)
    if not to:
        return _refused(row, NO_REPLY_ADDRESS)
    senders = [sender] if envelope_sender is None else [sender, envelope_sender]
    try:
        user, thread = reply_by_email_for(to, [address for address in senders if address])
    except ReplyRefused as refusal:
        row.user, row.thread = refusal.user, refusal.thread
        return _refused(row, refusal.code, answer=True)
    row.user, row.thread = user, thread
    text = reply_text(email)
    if not text:
        return _refused(row, "empty", answer=True)
    if len(text) > Comment._meta.get_field("text").max_length:
        return _refused(row, "too_long", answer=True)
    try:
        comment = comment_add(thread=thread, author=user, text=text, by_email=True)
    except ValidationError as error:
        logger.warning("Reply by email %s could not be added: %s", row.pk, " ".join(error.messages))
        return _refused(row, "not_added", answer=True)
    row.comment, row.result, row.reason = comment, InboundEmail.Result.COMMENTED, ""
    row.save(update_fields=["user", "thread", "comment", "result", "reason"])
    return row


def _refused(row: InboundEmail, code: str, *, answer: bool = False) -> InboundEmail:
    why = REASONS[code][0] if code in REASONS else code
    row.result, row.reason = InboundEmail.Result.REFUSED, why[:300]
    row.save(update_fields=["user", "thread", "result", "reason"])
    if answer and row.sender:
        # About the row itself: one row per Message-ID, so the same email is never answered twice. The
        # Collaborative (named in the subject) only when the sender is the person the address was made for.
        messages_queue(
            addresses=[row.sender],
            collaborative=row.thread.collaborative if row.user_id else None,
            kind=REPLY_NOT_ACCEPTED,
            about=row,
        )
    logger.info("Reply by email %s not added: %s", row.pk, why)
    return row


# Reading the email


def _message_id_hash(email: EmailMessage, raw: bytes) -> str:
    """What makes two copies of one email the same: its Message-ID, or without one its bytes."""
    message_id = str(email.get("Message-ID", "") or "").strip()
    seed = f"message-id:{message_id}".encode() if message_id else b"content:" + raw
    return hashlib.sha256(seed).hexdigest()


def _addresses(values) -> list[str]:
    return [address.strip().lower() for _name, address in getaddresses([str(v) for v in values]) if "@" in address]


def _sender(email: EmailMessage) -> str:
    found = _addresses(email.get_all("From") or [])
    return found[0] if len(found) == 1 else ""


def _header_recipients(email: EmailMessage) -> list[str]:
    return _addresses([*(email.get_all("To") or []), *(email.get_all("Cc") or [])])


def _is_automatic(email: EmailMessage, envelope_sender: str | None) -> bool:
    if envelope_sender == "":  # MAIL FROM:<>, which only bounces and other automatic reports use.
        return True
    if str(email.get("Auto-Submitted", "no")).strip().lower().split(";")[0] != "no":
        return True
    if str(email.get("Precedence", "")).strip().lower() in _PRECEDENCE_AUTOMATIC:
        return True
    if email.get("X-Autoreply") or email.get("X-Autorespond"):
        return True
    if email.get_content_type() == "multipart/report":  # Delivery and read reports.
        return True
    senders = [*_addresses(email.get_all("From") or []), *([envelope_sender.lower()] if envelope_sender else [])]
    return any(address.rpartition("@")[0] in _AUTOMATIC_SENDERS for address in senders)


def reply_text(email: EmailMessage) -> str:
    """What the person wrote: the text part (or the HTML made into text), without the quoted earlier email, the
    signature, or lines quoted with ">"."""
    text = _body_text(email)
    if not text.strip():
        return ""
    replies = EmailReplyParser(languages=["en"]).read(text).replies
    # A first part with a header above it ("On ... wrote:") is already the quoted email: nothing was written.
    latest = replies[0].body if replies and not replies[0].headers else ""
    lines = [line.rstrip() for line in latest.splitlines() if not line.lstrip().startswith(">")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _body_text(email: EmailMessage) -> str:
    part = email.get_body(preferencelist=("plain",))
    if part is not None:
        return _content(part)
    part = email.get_body(preferencelist=("html",))
    return html_to_text(_content(part)) if part is not None else ""


def _content(part) -> str:
    try:
        return part.get_content()
    except (LookupError, UnicodeError):  # A charset Python does not know, or text not in its charset.
        return (part.get_payload(decode=True) or b"").decode("utf-8", errors="replace")


class _HTMLText(HTMLParser):
    """HTML made into plain text: a line for each block, and nothing of quoted emails, styles or scripts."""

    SKIP = {"blockquote", "style", "script", "head", "title"}
    VOID = {"br", "hr", "img", "meta", "link", "input", "wbr", "col", "area", "base", "source"}
    BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "hr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        classes = set((dict(attrs).get("class") or "").split())
        if tag in self.VOID:
            self.handle_startendtag(tag, attrs)
        elif self.skipping:
            self.skipping += 1  # Inside what is left out: count the depth to know where it ends.
        # Gmail and others wrap the quoted email in a div of their own rather than a blockquote.
        elif tag in self.SKIP or (tag == "div" and classes & {"gmail_quote", "moz-cite-prefix"}):
            self.skipping = 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_startendtag(self, tag, attrs):
        if tag in self.BLOCKS and not self.skipping:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        if self.skipping:
            self.skipping -= 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> str:
    parser = _HTMLText()
    parser.feed(html)
    parser.close()
    lines = [line.strip() for line in "".join(parser.parts).splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
