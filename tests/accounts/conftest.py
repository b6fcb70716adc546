"""A real SMTP server for the account e-mails: tests read what Django's mail backend sent."""

import email
import re
import socket
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller

from config.settings.base import mailers_from_url


@dataclass
class Mailbox:
    """What the local SMTP server received, oldest first."""

    messages: list[EmailMessage] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope) -> str:
        message = email.message_from_bytes(envelope.content, policy=default_policy)
        with self._lock:
            self.messages.append(message)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        with self._lock:
            return [m for m in self.messages if address in m["To"]]

    def body(self, message: EmailMessage) -> str:
        return message.get_body(preferencelist=("plain",)).get_content()

    def link(self, message: EmailMessage, path_start: str) -> str:
        """The path of the first link in `message` whose path starts with `path_start`."""
        pattern = r"(?:https?://[^/\s]+)?(" + re.escape(path_start) + r"\S*)"
        found = re.search(pattern, self.body(message))
        assert found, f"no {path_start} link in:\n{self.body(message)}"
        return found.group(1)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_mailbox(settings):
    """Start aiosmtpd on 127.0.0.1 at a free port and send the project's mail there."""
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.MAILERS = mailers_from_url(f"smtp://127.0.0.1:{controller.port}")
    yield mailbox
    controller.stop()
