"""What a scanned code means: typed results for every text a scanner can read.

``parse_payload`` never raises. Anything it cannot place becomes ``NotRecognised``
with a short reason, and no result ever echoes raw personal data through
``repr``/``str``/``as_dict`` (CCCD contents and lookup tokens are masked).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar, Literal
from urllib.parse import parse_qs, urlencode, urlsplit

__all__ = [
    "Payload",
    "TicketLink",
    "ReceiptLink",
    "BookingLink",
    "BookingCode",
    "DossierCode",
    "CitizenId",
    "NotRecognised",
    "Enrolment",
    "enrolment_payload",
    "parse_payload",
    "MAX_PAYLOAD_CHARS",
]

# A CCCD QR with a long address is ~250 chars; a lookup URL well under 300.
# Anything this long is not ours and is not worth running regexes over.
MAX_PAYLOAD_CHARS = 2048

_TOKEN = r"[A-Za-z0-9_-]{16,128}"
_LINK_PATH_RE = re.compile(rf"/(?P<kind>[tlh])/(?P<token>{_TOKEN})/?$")
_PREFIXED_TOKEN_RE = re.compile(rf"^(?P<prefix>MC[TL]):(?P<token>{_TOKEN})$", re.IGNORECASE)

_AGENCY = r"[0-9A-Z]{3}\.[0-9A-Z]{2}\.[0-9A-Z]{2}\.[A-Z][0-9A-Z]{2}"
_BP_CODE_RE = re.compile(rf"^(?P<agency>{_AGENCY})-(?P<yy>\d{{2}})(?P<mm>\d{{2}})(?P<dd>\d{{2}})-(?P<seq>\d{{4}})$")
_AG_CODE_RE = re.compile(rf"^(?P<agency>{_AGENCY})(?P<dd>\d{{2}})(?P<mm>\d{{2}})(?P<yy>\d{{2}})(?P<seq>\d{{3}})$")

# A booking's code as /hen shows it (queue_server.appointments: 8 letters and digits without 0/O, 1/I),
# typed at the kiosk in either case, perhaps with a space or dash between its halves.
_BOOKING_CODE_RE = re.compile(r"^[A-HJ-NP-Z2-9]{8}$")

_DEVICE_TOKEN_RE = re.compile(r"^mdv_[A-Za-z0-9_-]{8,120}$")
ENROLMENT_PREFIX = "motcua://enrol?"

_CCCD_ID_RE = re.compile(r"^\d{12}$")
_OLD_ID_RE = re.compile(r"^(\d{9})?$")
_DDMMYYYY_RE = re.compile(r"^(?P<dd>\d{2})(?P<mm>\d{2})(?P<yyyy>\d{4})$")
_SEXES = ("Nam", "Nữ")


def _mask_middle(value: str, keep_start: int, keep_end: int) -> str:
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    hidden = len(value) - keep_start - keep_end
    return value[:keep_start] + "*" * hidden + (value[-keep_end:] if keep_end else "")


def _mask_token(token: str) -> str:
    return _mask_middle(token, 4, 2)


def _initials(full_name: str) -> str:
    return " ".join(f"{word[0]}." for word in full_name.split())


class Payload:
    """Base of every parse result; ``kind`` names the variant."""

    kind: ClassVar[str]

    def as_dict(self) -> dict[str, Any]:
        """A log- and display-safe view: personal data and secrets masked."""
        raise NotImplementedError


@dataclass(frozen=True, repr=False)
class _Link(Payload):
    url: str
    token: str

    def as_dict(self) -> dict[str, Any]:
        token = self.token
        return {"kind": self.kind, "url": self.url.replace(token, _mask_token(token)), "token": _mask_token(token)}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(token={_mask_token(self.token)!r})"

    __str__ = __repr__


@dataclass(frozen=True, repr=False)
class TicketLink(_Link):
    """A ticket's tracking link ``…/t/<token>`` (or bare ``MCT:<token>``; then ``url`` is empty)."""

    kind: ClassVar[str] = "ticket"


@dataclass(frozen=True, repr=False)
class ReceiptLink(_Link):
    """A receipt's status-lookup link ``…/l/<token>`` (or bare ``MCL:<token>``; then ``url`` is empty)."""

    kind: ClassVar[str] = "receipt"


@dataclass(frozen=True, repr=False)
class BookingLink(_Link):
    """A booking's QR from the phone page /hen: ``…/h/<token>``, to check in with at the kiosk."""

    kind: ClassVar[str] = "booking"


@dataclass(frozen=True)
class BookingCode(Payload):
    """A booking's code typed at the kiosk (``K7MQ-2XPA`` or ``k7mq2xpa``), normalised to upper case."""

    kind: ClassVar[str] = "booking_code"
    code: str

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "code": self.code}


@dataclass(frozen=True, repr=False)
class Enrolment(Payload):
    """A device's enrolment QR, shown once when an admin adds the device:
    ``motcua://enrol?v=1&server=<server URL>&token=<device token>`` (query-encoded; docs/hardware.md).
    A kiosk or tablet without a configuration scans it at first start and writes both into its file."""

    kind: ClassVar[str] = "enrolment"
    server_url: str
    token: str

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "server_url": self.server_url, "token": _mask_token(self.token)}

    def __repr__(self) -> str:
        return f"Enrolment(server_url={self.server_url!r}, token={_mask_token(self.token)!r})"

    __str__ = __repr__


def enrolment_payload(server_url: str, token: str) -> str:
    """The text of a device's enrolment QR (see `Enrolment`)."""
    return ENROLMENT_PREFIX + urlencode({"v": "1", "server": server_url.rstrip("/"), "token": token})


@dataclass(frozen=True)
class DossierCode(Payload):
    """A bare dossier code in either legal layout (domain.md §3)."""

    kind: ClassVar[str] = "dossier_code"
    code: str
    layout: Literal["bp", "ag"]
    agency_identifier: str
    received_on: date
    sequence: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "code": self.code,
            "layout": self.layout,
            "agency_identifier": self.agency_identifier,
            "received_on": self.received_on.isoformat(),
            "sequence": self.sequence,
        }


@dataclass(frozen=True, repr=False)
class CitizenId(Payload):
    """The QR of a chip citizen ID card (CCCD). Attributes hold real values;
    ``repr``/``str``/``as_dict`` are masked so the card cannot be logged by accident."""

    kind: ClassVar[str] = "citizen_id"
    id_number: str
    old_id_number: str
    full_name: str
    birth_date: date
    sex: str
    address: str
    issue_date: date

    def raw_fields(self) -> dict[str, Any]:
        """The real values, for code that must fill a form; never log this."""
        return {
            "id_number": self.id_number,
            "old_id_number": self.old_id_number,
            "full_name": self.full_name,
            "birth_date": self.birth_date,
            "sex": self.sex,
            "address": self.address,
            "issue_date": self.issue_date,
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id_number": _mask_middle(self.id_number, 4, 2),
            "old_id_number": _mask_middle(self.old_id_number, 2, 2) if self.old_id_number else "",
            "full_name": _initials(self.full_name),
            "birth_year": self.birth_date.year,
            "sex": "*",
            "address": "***",
            "issue_date": "**/**/****",
        }

    def __repr__(self) -> str:
        masked = self.as_dict()
        return f"CitizenId(id_number={masked['id_number']!r}, full_name={masked['full_name']!r})"

    __str__ = __repr__


_REASON_MESSAGES_VI = {
    "empty": "Không đọc được nội dung mã.",
    "too_long": "Mã quá dài, không phải mã của hệ thống.",
    "binary": "Mã chứa dữ liệu không đọc được.",
    "bad_token": "Mã phiếu không hợp lệ.",
    "bad_date": "Mã hồ sơ có ngày không hợp lệ.",
    "bad_citizen_id": "Mã QR trên căn cước không hợp lệ.",
    "unknown_format": "Không nhận dạng được mã này.",
}


@dataclass(frozen=True)
class NotRecognised(Payload):
    """Text that is none of ours. ``reason`` is a stable code; the raw text is not kept."""

    kind: ClassVar[str] = "not_recognised"
    reason: str

    @property
    def message_vi(self) -> str:
        return _REASON_MESSAGES_VI.get(self.reason, _REASON_MESSAGES_VI["unknown_format"])

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "reason": self.reason}


def _valid_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _parse_link(text: str) -> Payload | None:
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    match = _LINK_PATH_RE.search(parts.path)
    if match is None:
        # Our path shape with a malformed token is a broken receipt, not a stranger's URL.
        if re.search(r"/[tlh]/[^/]*/?$", parts.path):
            return NotRecognised("bad_token")
        return None
    cls = {"t": TicketLink, "l": ReceiptLink, "h": BookingLink}[match["kind"]]
    return cls(url=text, token=match["token"])


def _parse_enrolment(text: str) -> Payload | None:
    if not text.lower().startswith("motcua:"):
        return None
    parts = urlsplit(text)
    query = {k: v[0] for k, v in parse_qs(parts.query, strict_parsing=False).items() if len(v) == 1}
    server, token = query.get("server", ""), query.get("token", "")
    target = urlsplit(server)
    if (
        parts.netloc != "enrol"
        or query.get("v") != "1"
        or target.scheme not in ("http", "https")
        or not target.netloc
        or not _DEVICE_TOKEN_RE.match(token)
    ):
        return NotRecognised("bad_enrolment")
    return Enrolment(server_url=server.rstrip("/"), token=token)


def _parse_prefixed_token(text: str) -> Payload | None:
    if not re.match(r"^MC[TL]:", text, re.IGNORECASE):
        return None
    match = _PREFIXED_TOKEN_RE.match(text)
    if match is None:
        return NotRecognised("bad_token")
    cls = TicketLink if match["prefix"].upper() == "MCT" else ReceiptLink
    return cls(url="", token=match["token"])


def _parse_dossier_code(text: str) -> Payload | None:
    code = text.upper()
    for layout, pattern in (("bp", _BP_CODE_RE), ("ag", _AG_CODE_RE)):
        match = pattern.match(code)
        if match is None:
            continue
        received_on = _valid_date(2000 + int(match["yy"]), int(match["mm"]), int(match["dd"]))
        if received_on is None:
            return NotRecognised("bad_date")
        return DossierCode(
            code=code,
            layout=layout,  # type: ignore[arg-type]
            agency_identifier=match["agency"],
            received_on=received_on,
            sequence=int(match["seq"]),
        )
    return None


def _parse_booking_code(text: str) -> Payload | None:
    code = re.sub(r"[\s-]", "", text).upper()
    return BookingCode(code) if _BOOKING_CODE_RE.match(code) else None


def _parse_ddmmyyyy(value: str) -> date | None:
    match = _DDMMYYYY_RE.match(value)
    if match is None:
        return None
    return _valid_date(int(match["yyyy"]), int(match["mm"]), int(match["dd"]))


def _parse_citizen_id(text: str) -> Payload | None:
    fields = [f.strip() for f in unicodedata.normalize("NFC", text).split("|")]
    if len(fields) < 7:
        return None
    id_number, old_id, full_name, birth, sex, address, issued = fields[:7]
    birth_date = _parse_ddmmyyyy(birth)
    issue_date = _parse_ddmmyyyy(issued)
    if (
        not _CCCD_ID_RE.match(id_number)
        or not _OLD_ID_RE.match(old_id)
        or not full_name
        or any(ch.isdigit() for ch in full_name)
        or sex not in _SEXES
        or birth_date is None
        or issue_date is None
        or issue_date < birth_date
    ):
        return NotRecognised("bad_citizen_id")
    return CitizenId(
        id_number=id_number,
        old_id_number=old_id,
        full_name=" ".join(full_name.split()),
        birth_date=birth_date,
        sex=sex,
        address=address,
        issue_date=issue_date,
    )


def parse_payload(text: str) -> Payload:
    """Classify scanned text. Never raises; unknown input gives ``NotRecognised``."""
    try:
        return _parse(text)
    except Exception:
        return NotRecognised("unknown_format")


def _parse(text: Any) -> Payload:
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            return NotRecognised("binary")
    if not isinstance(text, str):
        return NotRecognised("unknown_format")
    if len(text) > MAX_PAYLOAD_CHARS:
        return NotRecognised("too_long")
    text = text.strip()
    if not text:
        return NotRecognised("empty")
    if any(unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn") for ch in text):
        return NotRecognised("binary")
    for parser in (
        _parse_link,
        _parse_enrolment,
        _parse_prefixed_token,
        _parse_dossier_code,
        _parse_citizen_id,
        _parse_booking_code,
    ):
        result = parser(text)
        if result is not None:
            return result
    return NotRecognised("unknown_format")
