"""Where messages go, chosen by one URL (MOTCUA_NOTIFY_URL), as printers are: `log://` writes a
masked line to the server log; anything else is an Apprise URL (`json://`, `mailto://`, SMS
gateways …). `{phone}` in the URL is replaced by the recipient's number, e.g.
`json://gateway.local/sms?:to={phone}` adds `"to": "<phone>"` to the posted JSON."""

from __future__ import annotations

import logging
from typing import Protocol

log = logging.getLogger(__name__)


class SendFailed(Exception):
    """The channel refused or could not deliver; the message says why (no phone number in it)."""


class Channel(Protocol):
    def send(self, recipient: str, text: str) -> None:
        """Deliver `text` to `recipient` or raise SendFailed."""


def mask_phone(phone: str) -> str:
    return "*" * max(0, len(phone) - 3) + phone[-3:]


class LogChannel:
    """`log://`: one line per message with the number masked (a centre without a gateway yet)."""

    def send(self, recipient: str, text: str) -> None:
        log.info("notification to %s: %s", mask_phone(recipient), text)


class AppriseChannel:
    def __init__(self, url: str):
        import apprise  # a missing library fails when the channel is built, not at import

        self._apprise = apprise
        self.url = url
        # Apprise logs request URLs at DEBUG, and our URL carries the phone: keep it at WARNING
        logging.getLogger("apprise").setLevel(logging.WARNING)

    def send(self, recipient: str, text: str) -> None:
        apprise = self._apprise
        target = apprise.Apprise()
        if not target.add(self.url.replace("{phone}", recipient)):
            raise SendFailed("MOTCUA_NOTIFY_URL không hợp lệ")
        with apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as captured:
            ok = target.notify(body=text)
        if not ok:
            why = " ".join(captured.getvalue().split()).replace(recipient, mask_phone(recipient))
            raise SendFailed(why[:500] or "gửi không thành công")


def channel_for(url: str) -> Channel:
    if url.startswith("log://"):
        return LogChannel()
    return AppriseChannel(url)
