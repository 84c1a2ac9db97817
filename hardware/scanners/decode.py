"""Find and decode QR codes (and 1-D barcodes) in camera frames and image files.

One frame goes through a ladder of attempts, cheapest first: zbar on a reduced
copy, zbar at full size, then contrast, threshold and sharpening fallbacks, and
OpenCV's own QR detector as a second decoder. The ladder stops at the first
attempt that finds something or when the per-frame time budget is spent, so a
kiosk preview stays smooth even on a frame with no code in it.

Blocking and CPU-bound: call from a worker thread, never from the event loop.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from typing import Any

from .errors import ScannerError, ScannerUnavailable

__all__ = ["decode_frame", "decode_file", "DEFAULT_BUDGET_S"]

DEFAULT_BUDGET_S = 0.030

# zbar is fastest and most tolerant at 2-6 px per QR module. A receipt held in
# front of a kiosk camera shows modules of 4-10 px at 720p, so a copy reduced to
# this width still decodes and costs a quarter of the full frame.
_REDUCED_WIDTH = 640


def _libs() -> tuple[Any, Any, Any]:
    try:
        import cv2
        import numpy as np
        from pyzbar import pyzbar
    except ImportError as exc:  # libzbar0 or opencv missing on this box
        raise ScannerUnavailable(
            "decoder_missing",
            "Thiếu thư viện giải mã QR trên máy này, vui lòng báo cán bộ kỹ thuật.",
            detail=str(exc),
        ) from exc
    return cv2, np, pyzbar


def _zbar(pyzbar: Any, gray: Any) -> list[str]:
    found = []
    for symbol in pyzbar.decode(gray):
        data: bytes = symbol.data
        try:
            found.append(data.decode("utf-8"))
        except UnicodeDecodeError:
            # zbar can hand back Latin-1 bytes when the QR declared no charset.
            found.append(data.decode("latin-1"))
    return found


class _Ladder:
    """The fallback attempts for one frame, each one cached image derived from the last."""

    def __init__(self, frame: Any) -> None:
        self.cv2, self.np, self.pyzbar = _libs()
        cv2 = self.cv2
        if frame.ndim == 3:
            conversion = cv2.COLOR_BGRA2GRAY if frame.shape[2] == 4 else cv2.COLOR_BGR2GRAY
            self.gray = cv2.cvtColor(frame, conversion)
        else:
            self.gray = frame
        height, width = self.gray.shape[:2]
        if width > _REDUCED_WIDTH * 1.25:
            scale = _REDUCED_WIDTH / width
            self.small = cv2.resize(self.gray, (_REDUCED_WIDTH, round(height * scale)), interpolation=cv2.INTER_AREA)
        else:
            self.small = None
        self._clahe: Any = None
        self._crop: Any = None

    def attempts(self) -> Iterator[Callable[[], list[str]]]:
        pyzbar = self.pyzbar
        base = self.small if self.small is not None else self.gray
        yield lambda: _zbar(pyzbar, base)
        # Fallbacks work on a crop around the most code-like patch: a few ms each
        # instead of tens of ms on the whole frame.
        yield lambda: _zbar(pyzbar, self.sharpen(self.crop()))
        yield lambda: _zbar(pyzbar, self.otsu(self.sharpen(self.crop(), amount=2.0)))
        # Motion blur wider than a module needs a harder edge boost than defocus.
        yield lambda: _zbar(pyzbar, self.sharpen(self.crop(), amount=4.0))
        yield lambda: _zbar(pyzbar, self.clahe(self.crop()))
        yield lambda: _zbar(pyzbar, self.crop())
        yield lambda: self.opencv(self.crop())
        yield lambda: _zbar(pyzbar, self.threshold(base, 31))
        if self.small is not None:
            yield lambda: _zbar(pyzbar, self.gray)
        yield lambda: self.opencv(base)

    def crop(self) -> Any:
        """The full-resolution patch around the strongest black-and-white texture:
        a QR is the densest block of high local contrast in a receipt photo."""
        if self._crop is None:
            cv2, np = self.cv2, self.np
            base = self.small if self.small is not None else self.gray
            image = base.astype(np.float32)
            window = (15, 15)
            mean = cv2.boxFilter(image, -1, window)
            spread = np.sqrt(np.maximum(cv2.boxFilter(image * image, -1, window) - mean * mean, 0))
            score = cv2.boxFilter(spread, -1, (41, 41))
            _lo, peak, _lo_at, peak_at = cv2.minMaxLoc(score)
            _n, labels, stats, _centres = cv2.connectedComponentsWithStats((score > 0.6 * peak).astype(np.uint8))
            x, y, w, h, _area = stats[labels[peak_at[1], peak_at[0]]]
            scale = self.gray.shape[1] / base.shape[1]
            x0, y0 = int(max(0, (x - 0.15 * w) * scale)), int(max(0, (y - 0.15 * h) * scale))
            x1, y1 = int((x + 1.15 * w) * scale), int((y + 1.15 * h) * scale)
            crop = self.gray[y0:y1, x0:x1]
            if max(crop.shape) < 240:  # too few pixels per module for zbar's finder
                crop = cv2.resize(crop, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
            self._crop = crop
        return self._crop

    def clahe(self, gray: Any) -> Any:
        if self._clahe is None:
            self._clahe = self.cv2.createCLAHE(clipLimit=3.0, tileGridSize=(8, 8))
        return self._clahe.apply(gray)

    def threshold(self, gray: Any, block: int) -> Any:
        cv2 = self.cv2
        return cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, block, 7)

    def otsu(self, gray: Any) -> Any:
        cv2 = self.cv2
        return cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)[1]

    def sharpen(self, gray: Any, amount: float = 1.5) -> Any:
        cv2 = self.cv2
        stretched = cv2.normalize(gray, None, 0, 255, cv2.NORM_MINMAX)
        blurred = cv2.GaussianBlur(stretched, (0, 0), 2.0)
        return cv2.addWeighted(stretched, 1.0 + amount, blurred, -amount, 0)

    def opencv(self, gray: Any) -> list[str]:
        detector = _opencv_detector(self.cv2)
        ok, texts, _points, _straight = detector.detectAndDecodeMulti(gray)
        return [t for t in texts if t] if ok else []


_DETECTOR: Any = None


def _opencv_detector(cv2: Any) -> Any:
    # The WeChat detector lives in opencv-contrib only; the Aruco-based one ships
    # in opencv-python-headless and finds damaged finder patterns better than the
    # classic detector.
    global _DETECTOR
    if _DETECTOR is None:
        factory = getattr(cv2, "QRCodeDetectorAruco", None) or cv2.QRCodeDetector
        _DETECTOR = factory()
    return _DETECTOR


def decode_frame(frame_bgr: Any, budget_s: float = DEFAULT_BUDGET_S) -> list[str]:
    """Texts of the codes in one BGR (or grayscale) frame, without duplicates.

    Stops trying fallbacks once ``budget_s`` is spent; the first attempt always runs.
    """
    if frame_bgr is None or getattr(frame_bgr, "size", 0) == 0:
        return []
    started = time.perf_counter()
    ladder = _Ladder(frame_bgr)
    for attempt in ladder.attempts():
        found = attempt()
        if found:
            return list(dict.fromkeys(found))
        if time.perf_counter() - started >= budget_s:
            break
    return []


def decode_file(path: str | os.PathLike[str], budget_s: float = 1.0) -> list[str]:
    """Texts of the codes in an image file. A still image is not a live preview,
    so the budget is generous: every fallback gets its turn."""
    cv2, _np, _pyzbar = _libs()
    frame = cv2.imread(os.fspath(path), cv2.IMREAD_COLOR)
    if frame is None:
        raise ScannerError("image_unreadable", "Không đọc được tệp ảnh.", detail=os.fspath(path))
    return decode_frame(frame, budget_s=budget_s)
