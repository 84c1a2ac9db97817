"""``open_scanner(url)``: the scanner backend named by a configuration URL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from .base import Scanner
from .errors import ScannerError
from .hid import DeviceLineScanner, KeyboardWedgeScanner
from .sources import CameraScanner, ImageScanner

__all__ = ["open_scanner", "register_scanner", "scanner_for_url"]

Factory = Callable[[str, dict[str, str]], Scanner]
_FACTORIES: dict[str, Factory] = {}


def register_scanner(scheme: str, factory: Factory) -> None:
    """Make ``scheme://…`` URLs build scanners with ``factory(location, query)``."""
    _FACTORIES[scheme.lower()] = factory


def _int_or_none(value: str | None, name: str) -> int | None:
    if value is None:
        return None
    if not value.isdigit():
        raise _bad_url(f"{name}={value!r} is not a whole number")
    return int(value)


def _bad_url(detail: str) -> ScannerError:
    return ScannerError(
        "scanner_url_invalid", "Cấu hình máy quét không hợp lệ, vui lòng báo cán bộ kỹ thuật.", detail=detail
    )


def _camera(location: str, query: dict[str, str]) -> Scanner:
    location = location or "0"
    device: int | str = int(location) if location.isdigit() else location
    return CameraScanner(
        device,
        width=_int_or_none(query.get("width"), "width"),
        height=_int_or_none(query.get("height"), "height"),
        **_common(query),
    )


def _hid(location: str, query: dict[str, str]) -> Scanner:
    if not location:
        return KeyboardWedgeScanner(**_common(query))
    return DeviceLineScanner(location, format=query.get("format"), **_common(query))


def _image(location: str, query: dict[str, str]) -> Scanner:
    if not location:
        raise _bad_url("image:// needs a file or folder path")
    return ImageScanner(location, **_common(query))


def _common(query: dict[str, str]) -> dict[str, Any]:
    if "repeat_window" not in query:
        return {}
    try:
        return {"repeat_window_s": float(query["repeat_window"])}
    except ValueError:
        raise _bad_url(f"repeat_window={query['repeat_window']!r} is not a number") from None


register_scanner("camera", _camera)
register_scanner("hid", _hid)
register_scanner("image", _image)


def scanner_for_url(url: str) -> Scanner:
    """The scanner a URL names, not yet opened."""
    scheme, sep, rest = url.partition("://")
    factory = _FACTORIES.get(scheme.lower()) if sep else None
    if factory is None:
        raise _bad_url(f"unknown scanner URL {url!r}; known: {', '.join(s + '://' for s in sorted(_FACTORIES))}")
    # Everything between :// and ? is the location, so relative paths
    # (image://tests/x.png) and absolute ones (hid:///dev/ttyACM0) both work.
    location, _q, query = rest.partition("?")
    scanner = factory(location, dict(parse_qsl(query)))
    scanner.url = url
    return scanner


def open_scanner(url: str) -> Scanner:
    """The scanner a URL names, opened. Raises ``ScannerUnavailable`` (with ``message_vi``)
    when the device or a library it needs is missing, ``ScannerError`` for a bad URL."""
    scanner = scanner_for_url(url)
    scanner.open()
    return scanner
