"""A real SMTP server on 127.0.0.1 that keeps what it receives, for tests and benchmarks.

It speaks SMTP over TCP (RFC 5321: EHLO/HELO, MAIL, RCPT, DATA with dot-stuffing, RSET,
NOOP, QUIT), one thread per connection. Like Postfix or Exim, it keeps a message as
soon as the line with the final "." arrives, even if the client hangs up before reading
the reply. (aiosmtpd, which we used first, drops such a message when the hang-up
reaches it in the same read, which no real mail server does.)

Addresses can be made to fail: any address containing "reject" is refused for good
(550), and `sink.handler.flaky[address] = n` refuses that address for now (451) n times.
`sink.handler.hold(address, at)` stops the server at one point of the message to that
address until the test releases it, so a test can kill the client at exactly that point.
"""

import re
import socketserver
import threading
from collections import Counter
from email import message_from_bytes
from email.message import Message as EmailMessage

ADDRESS = re.compile(r"<([^>]*)>")


class Hold:
    """One stop of the server: `reached` is set when it gets there, and it waits for `release`."""

    POINTS = ("data", "end")  # Before answering DATA; after the final "." and before answering it.

    def __init__(self, address: str, at: str) -> None:
        if at not in self.POINTS:
            raise ValueError(f"A hold is at one of {self.POINTS}, not {at!r}.")
        self.address, self.at = address, at
        self.reached = threading.Event()
        self.release = threading.Event()


class Handler:
    """What the server has received, which addresses it refuses, and where it stops."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.received: list[EmailMessage] = []
        self.flaky: Counter = Counter()
        self.holds: list[Hold] = []

    def hold(self, address: str, at: str) -> Hold:
        hold = Hold(address, at)
        with self.lock:
            self.holds.append(hold)
        return hold

    def pause(self, at: str, recipients: list[str]) -> None:
        """Wait here if a hold is set for this point of a message to one of `recipients`."""
        with self.lock:
            hold = next((h for h in self.holds if h.at == at and h.address in recipients), None)
            if hold is not None:
                self.holds.remove(hold)
        if hold is not None:
            hold.reached.set()
            hold.release.wait(timeout=120)

    def rcpt_reply(self, address: str) -> bytes:
        if "reject" in address:
            return b"550 5.1.1 No such mailbox here"
        with self.lock:
            if self.flaky[address] > 0:
                self.flaky[address] -= 1
                return b"451 4.3.0 Try again later"
        return b"250 OK"

    def keep(self, data: bytes, recipients: list[str]) -> None:
        message = message_from_bytes(data)
        message["X-Envelope-To"] = ", ".join(recipients)
        with self.lock:
            self.received.append(message)


class Session(socketserver.StreamRequestHandler):
    def reply(self, line: bytes) -> None:
        self.wfile.write(line + b"\r\n")
        self.wfile.flush()

    def handle(self) -> None:
        handler: Handler = self.server.handler
        try:
            self.reply(b"220 127.0.0.1 ESMTP test sink")
            recipients: list[str] = []
            while line := self.rfile.readline():
                verb = line[:4].upper()
                if verb == b"EHLO":
                    self.wfile.write(b"250-127.0.0.1\r\n250-8BITMIME\r\n")
                    self.reply(b"250 SMTPUTF8")
                elif verb == b"HELO":
                    self.reply(b"250 127.0.0.1")
                elif verb == b"MAIL":
                    recipients = []
                    self.reply(b"250 OK")
                elif verb == b"RCPT":
                    match = ADDRESS.search(line.decode("utf-8", "replace"))
                    address = match.group(1) if match else ""
                    answer = handler.rcpt_reply(address)
                    if answer.startswith(b"250"):
                        recipients.append(address)
                    self.reply(answer)
                elif verb == b"DATA":
                    if not recipients:
                        self.reply(b"503 5.5.1 No valid recipients")
                        continue
                    handler.pause("data", recipients)
                    self.reply(b"354 End data with <CR><LF>.<CR><LF>")
                    lines = []
                    while True:
                        data_line = self.rfile.readline()
                        if not data_line:
                            return  # The client went away before the end: nothing is kept.
                        if data_line == b".\r\n":
                            break
                        lines.append(data_line[1:] if data_line.startswith(b".") else data_line)
                    handler.keep(b"".join(lines), recipients)
                    handler.pause("end", recipients)
                    recipients = []
                    self.reply(b"250 2.0.0 Message accepted for delivery")
                elif verb in (b"RSET", b"NOOP"):
                    recipients = [] if verb == b"RSET" else recipients
                    self.reply(b"250 OK")
                elif verb == b"QUIT":
                    self.reply(b"221 Bye")
                    return
                else:
                    self.reply(b"500 5.5.2 Command not recognised")
        except (BrokenPipeError, ConnectionResetError):
            return  # The client hung up; what was complete has been kept.


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class SMTPSink:
    def __init__(self) -> None:
        self.handler = Handler()
        self.server = Server(("127.0.0.1", 0), Session)
        self.server.handler = self.handler
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)

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
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> "SMTPSink":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()
