"""Where messages go, chosen by one URL (MOTCUA_NOTIFY_URL), as printers are: `log://` writes a
masked line to the server log; `zalo-zns://` sends through Zalo's ZNS template API (ours: Apprise
has no Zalo channel); anything else is an Apprise URL (`json://`, `mailto://`, SMS gateways …).
`{phone}` in an Apprise URL is replaced by the recipient's number, e.g.
`json://gateway.local/sms?:to={phone}` adds `"to": "<phone>"` to the posted JSON."""

from __future__ import annotations

import logging
from typing import Protocol
from urllib.parse import parse_qs, unquote

import httpx

log = logging.getLogger(__name__)


class SendFailed(Exception):
    """The channel refused or could not deliver; the message says why (no phone number in it)."""


class Channel(Protocol):
    def send(self, recipient: str, text: str, key: str | None = None) -> None:
        """Deliver `text` to `recipient` or raise SendFailed. `key` is the message's own unique key
        (the outbox's dedupe key): a channel whose gateway de-duplicates by it passes it on."""


def mask_phone(phone: str) -> str:
    return "*" * max(0, len(phone) - 3) + phone[-3:]


class LogChannel:
    """`log://`: one line per message with the number masked (a centre without a gateway yet)."""

    def send(self, recipient: str, text: str, key: str | None = None) -> None:
        log.info("notification to %s: %s", mask_phone(recipient), text)


class AppriseChannel:
    def __init__(self, url: str):
        import apprise  # a missing library fails when the channel is built, not at import

        self._apprise = apprise
        self.url = url
        # Apprise logs request URLs at DEBUG, and our URL carries the phone: keep it at WARNING
        logging.getLogger("apprise").setLevel(logging.WARNING)

    def send(self, recipient: str, text: str, key: str | None = None) -> None:
        apprise = self._apprise
        target = apprise.Apprise()
        if not target.add(self.url.replace("{phone}", recipient)):
            raise SendFailed("MOTCUA_NOTIFY_URL không hợp lệ")
        with apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as captured:
            ok = target.notify(body=text)
        if not ok:
            why = " ".join(captured.getvalue().split()).replace(recipient, mask_phone(recipient))
            raise SendFailed(why[:500] or "gửi không thành công")


ZNS_ENDPOINT = "https://business.openapi.zalo.me/message/template"


def international_vn_phone(phone: str) -> str:
    """Zalo wants 84xxxxxxxxx: a Vietnamese 0xxxxxxxxx (or +84…) number in that form."""
    digits = phone.strip().replace(" ", "").replace(".", "").replace("-", "")
    if digits.startswith("+"):
        digits = digits[1:]
    elif digits.startswith("0"):
        digits = "84" + digits[1:]
    if not (digits.isdigit() and digits.startswith("84") and 10 <= len(digits) <= 12):
        raise SendFailed("số điện thoại không hợp lệ cho Zalo")
    return digits


class ZaloZnsChannel:
    """`zalo-zns://<access_token>@<template_id>?endpoint=…&key=content`: one POST per message to
    Zalo's ZNS template API, header `access_token`, body `{phone: 84…, template_id, template_data:
    {<key>: text}, tracking_id: <the message's key>}`. Our messages are whole Vietnamese texts, so
    the ZNS template registered with Zalo has one parameter (`content` unless `key=` says another)
    that is the text. `endpoint` defaults to Zalo's own (https when no scheme is given). The
    tracking id is the outbox's unique key, so Zalo can tell a resend of the same message."""

    def __init__(self, url: str, timeout_s: float = 10.0):
        rest = url.removeprefix("zalo-zns://")
        where, _, query = rest.partition("?")
        token, at, template_id = where.rstrip("/").rpartition("@")
        params = {k: v[-1] for k, v in parse_qs(query).items()}
        if not (at and token and template_id):
            raise SendFailed("MOTCUA_NOTIFY_URL không hợp lệ: zalo-zns://<access_token>@<template_id>")
        self._token = unquote(token)  # never logged, never in an error
        self.template_id = unquote(template_id)
        endpoint = params.get("endpoint") or ZNS_ENDPOINT
        self.endpoint = endpoint if "://" in endpoint else f"https://{endpoint}"
        self.data_key = params.get("key") or "content"
        self.timeout_s = timeout_s

    def send(self, recipient: str, text: str, key: str | None = None) -> None:
        phone = international_vn_phone(recipient)
        body = {"phone": phone, "template_id": self.template_id, "template_data": {self.data_key: text}}
        if key:
            body["tracking_id"] = key
        try:
            r = httpx.post(self.endpoint, json=body, headers={"access_token": self._token}, timeout=self.timeout_s)
        except httpx.HTTPError as exc:  # its text may hold the endpoint, never the token or the phone
            raise SendFailed(f"Zalo ZNS: {type(exc).__name__}") from None
        if r.status_code >= 400:
            raise SendFailed(f"Zalo ZNS: HTTP {r.status_code}")
        try:
            answer = r.json()
            error = int(answer.get("error", -1))
        except (ValueError, TypeError, AttributeError):
            raise SendFailed(f"Zalo ZNS: HTTP {r.status_code}, câu trả lời không đọc được") from None
        if error != 0:
            why = str(answer.get("message") or "")
            for secret in (self._token, phone, recipient):
                why = why.replace(secret, "***")
            raise SendFailed(f"Zalo ZNS lỗi {error}: {why}"[:500])


def channel_for(url: str) -> Channel:
    if url.startswith("log://"):
        return LogChannel()
    if url.startswith("zalo-zns://"):
        return ZaloZnsChannel(url)
    return AppriseChannel(url)
