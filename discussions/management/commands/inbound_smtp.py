"""`manage.py inbound_smtp`: the SMTP server replies by email come in through.

Point the reply domain's MX record at it, or have a relay (Postfix, a mail provider's forwarding) pass mail for
that domain to it. It takes mail only for addresses at REPLY_EMAIL_DOMAIN (anything else is refused with 550
while the sender's server is still talking, so it is never an open relay) and no email over INBOUND_MAX_BYTES
(refused with 552). Each email is handed to discussions.inbound in its own database transaction; if that fails
(the database is down, say) the sender's server is told to try again later (451) and nothing is kept.
"""

import logging
import signal
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections, connection, transaction

from discussions.inbound import inbound_email_receive
from discussions.links import is_reply_domain

logger = logging.getLogger(__name__)


def receive(raw: bytes, recipients: list[str], envelope_sender: str) -> None:
    """One email, in one transaction, on a worker thread with its own database connection."""
    close_old_connections()
    try:
        with transaction.atomic():
            inbound_email_receive(raw=raw, recipients=recipients, envelope_sender=envelope_sender)
    finally:
        connection.close()


class InboundHandler:
    """aiosmtpd's hooks: which recipients to accept, and what to do with an email once it is all in."""

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options):
        if not is_reply_domain(address):
            return "550 5.1.1 Not an address this server takes mail for"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        try:
            # The database work runs off the event loop, so one slow email does not stop the others coming in.
            # aiosmtpd keeps the null return path of a bounce (MAIL FROM:<>) as "<>".
            sender = "" if envelope.mail_from in (None, "", "<>") else envelope.mail_from
            await sync_to_async(receive, thread_sensitive=False)(
                envelope.original_content, list(envelope.rcpt_tos), sender
            )
        except Exception:
            logger.exception("Could not take in an email from %s", envelope.mail_from)
            return "451 4.3.0 Could not take the email in just now; try again later"
        return "250 OK"


def inbound_controller(*, host: str, port: int, max_bytes: int | None = None) -> Controller:
    """The server, not yet started: `start()` runs it in a thread of its own, `stop()` ends it."""
    return Controller(
        InboundHandler(),
        hostname=host,
        port=port,
        data_size_limit=max_bytes or settings.INBOUND_MAX_BYTES,
        ident="Living Well Collaboratives replies",
    )


class Command(BaseCommand):
    help = "Take in replies by email: an SMTP server for REPLY_EMAIL_DOMAIN (see README, Replying by email)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default=settings.INBOUND_SMTP_HOST, help="Address to listen on.")
        parser.add_argument("--port", type=int, default=settings.INBOUND_SMTP_PORT, help="Port to listen on.")

    def handle(self, *args, **options) -> None:
        if not settings.REPLY_EMAIL_DOMAIN:
            raise CommandError("Set REPLY_EMAIL_DOMAIN first: it is the domain whose mail this server takes in.")
        controller = inbound_controller(host=options["host"], port=options["port"])
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        controller.start()
        self.stdout.write(
            f"Taking in replies for @{settings.REPLY_EMAIL_DOMAIN} on {options['host']}:{options['port']}."
        )
        try:
            stop.wait()
        finally:
            controller.stop()
