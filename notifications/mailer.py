"""Sending one email at a time so that it is marked sent exactly once.

The risky moment in sending email is between the mail server accepting a message and
our database recording that it was sent: a worker killed there would send it again
after a restart. So, over SMTP, the message is sent up to its last line, then "sent" is
committed in the database (only if no one else has sent it), and only then is the final
"." written that makes the server accept it. A worker killed before the commit leaves
an unfinished message that the server throws away; one killed after it has sent the
message and recorded it.
"""

import contextlib
import re
import smtplib
import socket
from collections.abc import Callable

from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.core.mail.message import sanitize_address


class TransientDeliveryError(Exception):
    """The mail server or the network failed for now; trying again later may work."""


class PermanentDeliveryError(Exception):
    """The mail server refused this message for good (for example, no such mailbox)."""


NETWORK_ERRORS = (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, ConnectionError, socket.timeout, OSError)


def refusal(code: int, reply: bytes | str, what: str) -> Exception:
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
    error_class = TransientDeliveryError if 400 <= code < 500 else PermanentDeliveryError
    return error_class(f"The mail server refused the {what}: {code} {text}".strip())


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

    def deliver(self, email: EmailMessage, *, commit: Callable[[], bool], undo: Callable[[], None]) -> bool:
        """Send `email`; `commit()` records it as sent and says whether this call may send it.

        Returns False when commit() said no (someone else sent it). Raises
        TransientDeliveryError or PermanentDeliveryError after calling undo() if the
        message was recorded as sent but the server did not accept it.
        """
        if isinstance(self.backend, SMTPBackend):
            return self._deliver_smtp(email, commit=commit, undo=undo)
        if not commit():
            return False
        try:
            self.backend.send_messages([email])
        except Exception as error:
            undo()
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

    def _deliver_smtp(self, email: EmailMessage, *, commit: Callable[[], bool], undo: Callable[[], None]) -> bool:
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
                raise refusal(code, reply, "sender")
            for recipient in recipients:
                code, reply = smtp.rcpt(recipient)
                if code not in (250, 251):
                    smtp.rset()
                    raise refusal(code, reply, f"address {recipient}")
            code, reply = smtp.docmd("DATA")
            if code != 354:
                smtp.rset()
                raise refusal(code, reply, "message")
            smtp.send(data)
        except NETWORK_ERRORS as error:
            self._drop()
            raise TransientDeliveryError(f"Lost the connection to the mail server: {error}") from error

        if not commit():
            self._drop()
            return False
        try:
            smtp.send(b".\r\n")
            code, reply = smtp.getreply()
        except NETWORK_ERRORS as error:
            # Without the server's answer we cannot know it kept the message; as SMTP
            # clients do, we try again (RFC 5321, 6.1).
            self._drop()
            undo()
            raise TransientDeliveryError(f"The mail server did not confirm the message: {error}") from error
        if code != 250:
            undo()
            raise refusal(code, reply, "message")
        return True
