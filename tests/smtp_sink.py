"""A real SMTP server on 127.0.0.1 that keeps what it receives, for tests and benchmarks.

It speaks SMTP through aiosmtpd, so delivery code is tested against a real server.
Addresses can be made to fail: any address containing "reject" is refused for good
(550), and addresses added to `flaky` are refused for now (451) that many times.
"""

import socket
import threading
from collections import Counter
from email import message_from_bytes
from email.message import Message as EmailMessage

from aiosmtpd.controller import Controller


class Handler:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.received: list[EmailMessage] = []
        self.flaky: Counter = Counter()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if "reject" in address:
            return "550 5.1.1 No such mailbox here"
        with self.lock:
            if self.flaky[address] > 0:
                self.flaky[address] -= 1
                return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        with self.lock:
            self.received.append(message)
        return "250 Message accepted for delivery"


class SMTPSink:
    def __init__(self) -> None:
        self.handler = Handler()
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def received(self) -> list[EmailMessage]:
        with self.handler.lock:
            return list(self.handler.received)

    def count(self) -> int:
        with self.handler.lock:
            return len(self.handler.received)

    def per_recipient(self) -> Counter:
        return Counter(message["X-Envelope-To"] for message in self.received)

    def start(self) -> "SMTPSink":
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def __enter__(self) -> "SMTPSink":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()
