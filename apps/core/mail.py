"""The console mailer for development: each e-mail printed as a person reads it.

Django's console backend prints the wire format, where quoted-printable breaks a long invitation
or sign-in link across lines with ``=`` (copying it gives a dead link). This one prints the
headers and then every text part decoded, so links come out whole.
"""

from email.header import decode_header, make_header
from email.message import EmailMessage as WireMessage
from typing import Any

from django.core.mail import EmailMessage
from django.core.mail.backends.console import EmailBackend as DjangoConsoleBackend


def readable(message: EmailMessage) -> str:
    wire = message.message()
    lines = [
        f"{name}: {make_header(decode_header(str(value)))}"
        for name, value in wire.items()
        if name.lower() != "content-transfer-encoding"
    ]
    lines.append("")
    for part in wire.walk() if wire.is_multipart() else [wire]:
        if part.get_content_maintype() != "text":
            continue
        if wire.is_multipart():
            lines.append(f"--- {part.get_content_type()} ---")
        if isinstance(part, WireMessage):
            text = str(part.get_content())
        else:
            payload = part.get_payload(decode=True)
            text = payload.decode(part.get_content_charset() or "utf-8") if payload else ""
        lines.append(text.rstrip("\n"))
    return "\n".join(lines)


class ReadableConsoleBackend(DjangoConsoleBackend):
    def write_message(self, message: Any) -> None:
        self.stream.write(readable(message) + "\n")
        self.stream.write("-" * 79 + "\n")
