"""Sending one email at a time so that it is recorded as sent once, and sent once.

A mail server and our database cannot commit together, so there is always a moment
when one knows and the other does not; the work here is to make that moment as short
as possible. Over SMTP:

1. the message is sent up to, not including, the final "." line;
2. in an open database transaction the row is marked sent, only if it is still ours
   (a row already sent, or claimed again by a later scan, is not touched);
3. the final "." is written, and straight after it the COMMIT.

A worker killed before step 3 leaves an unfinished message, which the server throws
away, and a transaction the database rolls back: the next worker sends it. Killed
after both writes, the server has the message and the database its record: the kernel
still delivers what a dead process wrote. Only a kill in the few microseconds between
the two writes could send a message twice. (Committing before the "." would instead
risk losing it, for as long as the database takes to commit.)
"""

import contextlib
import re
import smtplib
import socket
from collections.abc import Callable
from contextlib import AbstractContextManager

from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.core.mail.message import sanitize_address


class TransientDeliveryError(Exception):
    """The mail server or the network failed for now; trying again later may work."""


class PermanentDeliveryError(Exception):
    """The mail server refused this message for good (for example, no such mailbox)."""


class RefusedForNowError(Exception):
    """The mail server refused this one message for now (a full mailbox, greylisting).

    Unlike TransientDeliveryError, the connection is fine: the other messages go on.
    """


NETWORK_ERRORS = (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, ConnectionError, socket.timeout, OSError)


def refusal(code: int, reply: bytes | str, what: str) -> Exception:
    """A refusal as facilitators read it, with what the server said for whoever fixes it."""
    said = f"(The mail server said: {code} {reply.decode(errors='replace') if isinstance(reply, bytes) else reply})"
    if 400 <= code < 500:
        return RefusedForNowError(f"The mail server asked us to try the {what} again later. {said}")
    return PermanentDeliveryError(f"The mail server would not accept the {what}. {said}")


def dot_quoted(data: bytes) -> bytes:
    """The message as SMTP DATA (RFC 5321, 4.5.2), without the final "." line."""
    data = re.sub(rb"(?m)^\.", b"..", data)
    return data if data.endswith(b"\r\n") else data + b"\r\n"


class Mailer:
    """One connection to the configured email backend, used for a batch of messages."""

    def __init__(self) -> None:
        self.backend = get_connection()

    def __enter__(self) -> "Mailer":
        return self

    def __exit__(self, *exc_info) -> None:
        with contextlib.suppress(NETWORK_ERRORS):
            self.backend.close()

    def deliver(
        self,
        email: EmailMessage,
        *,
        recording: Callable[[], AbstractContextManager[bool]],
        undo: Callable[[], None],
    ) -> bool:
        """Send `email` while `recording()` marks it sent in a transaction it commits on exit.

        `recording()` yields whether this call may send the message; it returns False
        when someone else has. Raises TransientDeliveryError or PermanentDeliveryError
        (after calling undo() if the record was committed but the server refused).
        """
        if isinstance(self.backend, SMTPBackend):
            return self._deliver_smtp(email, recording=recording, undo=undo)
        try:
            with recording() as may_send:
                if not may_send:
                    return False
                self.backend.send_messages([email])
        except Exception as error:
            raise TransientDeliveryError(f"The email backend failed: {error}") from error
        return True

    def _smtp(self) -> smtplib.SMTP:
        if self.backend.connection is None:
            try:
                self.backend.open()
            except smtplib.SMTPAuthenticationError as error:
                raise TransientDeliveryError(f"The mail server did not accept our login: {error}") from error
            except NETWORK_ERRORS as error:
                self._drop()
                raise TransientDeliveryError(f"Could not reach the mail server: {error}") from error
            # The final "." goes in a small packet of its own; without this, Nagle's
            # algorithm holds it for the server's delayed ACK (about 40 ms a message).
            with contextlib.suppress(OSError, AttributeError):
                self.backend.connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return self.backend.connection

    def _drop(self) -> None:
        """Forget the connection; an unfinished message on it is thrown away by the server."""
        connection, self.backend.connection = self.backend.connection, None
        if connection is not None:
            with contextlib.suppress(NETWORK_ERRORS):
                connection.close()

    def _deliver_smtp(
        self,
        email: EmailMessage,
        *,
        recording: Callable[[], AbstractContextManager[bool]],
        undo: Callable[[], None],
    ) -> bool:
        encoding = email.encoding or "utf-8"
        sender = sanitize_address(email.from_email, encoding)
        recipients = [sanitize_address(address, encoding) for address in email.recipients()]
        data = dot_quoted(email.message().as_bytes(linesep="\r\n"))
        smtp = self._smtp()
        try:
            smtp.ehlo_or_helo_if_needed()
            code, reply = smtp.mail(sender)
            if code != 250:
                smtp.rset()
                raise refusal(code, reply, "email from our sender address")
            for recipient in recipients:
                code, reply = smtp.rcpt(recipient)
                if code not in (250, 251):
                    smtp.rset()
                    raise refusal(code, reply, f"email for {recipient}")
            code, reply = smtp.docmd("DATA")
            if code != 354:
                smtp.rset()
                raise refusal(code, reply, "message")
            smtp.send(data)
        except NETWORK_ERRORS as error:
            self._drop()
            raise TransientDeliveryError(f"Lost the connection to the mail server: {error}") from error

        try:
            with recording() as may_send:
                if not may_send:
                    self._drop()
                    return False
                smtp.send(b".\r\n")
            code, reply = smtp.getreply()
        except NETWORK_ERRORS as error:
            # Without the server's answer we cannot know it kept the message; as SMTP
            # clients do, we try again (RFC 5321, 6.1). If the "." never left, the
            # record was rolled back and undo() finds nothing to undo.
            self._drop()
            undo()
            raise TransientDeliveryError(f"The mail server did not confirm the message: {error}") from error
        if code != 250:
            undo()
            raise refusal(code, reply, "message")
        return True
