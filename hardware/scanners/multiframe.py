"""Reading one code across the frames of a live camera, and guiding the visitor.

A kiosk camera gives several frames a second, and each gets only a few tens of
milliseconds. ``MultiFrameReader`` uses them together:

- where a frame saw a code it could not read, the next frame looks there first
  (the visitor moves the paper a little; a code half out of one frame is whole in
  the next);
- the region clean-ups that did not fit one frame's budget continue on the next
  frame instead of starting over;
- once a code is read, the following frames only check that it is still there
  (one cheap pass) until it goes away: the kiosk has what it needs.

From what the detector sees it also gives one piece of advice (``Guidance``) —
bring the paper closer, hold it still, out of the glare — once the same advice
holds for a few frames, so the words on screen do not flicker.
"""

from __future__ import annotations

import threading
from collections import Counter, deque
from dataclasses import dataclass
from typing import Any

from .decode import DEFAULT_BUDGET_S, FrameReport, inspect_frame

__all__ = ["Guidance", "GUIDANCE_VI", "MultiFrameReader", "Reading", "guidance_for"]


class Guidance:
    """Stable codes of the advice; the apps show ``GUIDANCE_VI`` (or their own translations)."""

    SHOW_CODE = "show_code"
    CLOSER = "closer"
    FURTHER = "further"
    CENTRE = "centre"
    HOLD_STILL = "hold_still"
    MORE_LIGHT = "more_light"
    GLARE = "glare"


GUIDANCE_VI = {
    Guidance.SHOW_CODE: "Đưa mã QR trên phiếu vào trước camera",
    Guidance.CLOSER: "Đưa phiếu lại gần hơn",
    Guidance.FURTHER: "Đưa phiếu ra xa hơn một chút",
    Guidance.CENTRE: "Đưa mã QR vào giữa khung hình",
    Guidance.HOLD_STILL: "Giữ yên phiếu",
    Guidance.MORE_LIGHT: "Đưa phiếu ra chỗ sáng hơn",
    Guidance.GLARE: "Nghiêng phiếu để tránh ánh đèn chói",
}

# Thresholds, measured on the camera emulator's photos (bench/decode_bench.py): a code
# narrower than this share of the frame height is mostly too small to read at 480p...
_MIN_SIDE_SHARE = 0.16
# ...wider than this, it is too close for the lens to focus.
_MAX_SIDE_SHARE = 0.92
_MIN_SHARPNESS = 0.35
_MIN_BRIGHTNESS = 55.0
_MAX_CLIPPED = 0.06


def guidance_for(report: FrameReport) -> str | None:
    """The one most useful piece of advice for a frame that was not read, or None."""
    if report.texts:
        return None
    regions = [r for r in report.regions if r.source == "finder"] or report.regions[:1]
    if not regions:
        return Guidance.SHOW_CODE
    region = regions[0]
    side = region.side_px
    x0, y0 = region.corners.min(axis=0)
    x1, y1 = region.corners.max(axis=0)
    edge = 0.01 * max(report.width, report.height)
    if x0 <= edge or y0 <= edge or x1 >= report.width - edge or y1 >= report.height - edge:
        return Guidance.CENTRE
    if side < _MIN_SIDE_SHARE * report.height:
        return Guidance.CLOSER
    if side > _MAX_SIDE_SHARE * report.height:
        return Guidance.FURTHER
    if report.brightness is not None and report.brightness < _MIN_BRIGHTNESS:
        return Guidance.MORE_LIGHT
    if report.clipped is not None and report.clipped > _MAX_CLIPPED:
        return Guidance.GLARE
    if report.sharpness is not None and report.sharpness < _MIN_SHARPNESS:
        return Guidance.HOLD_STILL
    # A code of a good size, lit and sharp enough that still did not decode: most often
    # it moved during the exposure.
    return Guidance.HOLD_STILL


@dataclass
class Reading:
    """The result of one frame: new texts (maybe none) and the advice to show (maybe none)."""

    texts: list[str]
    guidance: str | None
    report: FrameReport

    @property
    def guidance_vi(self) -> str | None:
        return GUIDANCE_VI.get(self.guidance or "")


class MultiFrameReader:
    """Feeds frames one by one; keeps what helps across them. Thread-safe, one camera per reader."""

    def __init__(self, budget_s: float = DEFAULT_BUDGET_S, *, agree_frames: int = 2, window: int = 3) -> None:
        self.budget_s = budget_s
        self._agree = agree_frames
        self._advice: deque[str | None] = deque(maxlen=window)
        self._hints: list[Any] = []
        self._resume = 0  # where the last frame's ladder stopped, to go on from there
        self._holding: set[str] = set()  # texts read and still in view
        self._held_at: Any = None  # where the code read was, when it took the fallbacks
        self._lock = threading.Lock()
        self.frames = 0

    def reset(self) -> None:
        """Forget everything: the next visitor starts afresh."""
        with self._lock:
            self._advice.clear()
            self._hints, self._resume, self._holding, self._held_at = [], 0, set(), None

    def feed(self, frame: Any) -> Reading:
        with self._lock:
            self.frames += 1
            if self._holding:
                # Read already: one cheap pass tells whether the paper is still in view.
                report = inspect_frame(frame, budget_s=0.0)
                still = set(report.texts) & self._holding if report.texts else self._near_last(report)
                if still:
                    return Reading([], None, report)
                self._holding, self._held_at = set(), None
            # Every frame gets at least one fallback, so the clean-ups go on across frames
            # even when the first attempts used the whole budget.
            report = inspect_frame(frame, self.budget_s, hints=self._hints, resume=self._resume, min_fallbacks=1)
            if report.texts:
                self._holding = set(report.texts)
                self._held_at = self._hints[0] if self._hints else None
                self._hints, self._resume = [], 0
                self._advice.clear()
                return Reading(report.texts, None, report)
            located = [r.corners for r in report.regions if r.source == "finder"] or [
                r.corners for r in report.regions[:1]
            ]
            if located and self._hints and not _near(located[0], self._hints[0]):
                self._resume = 0  # a different place: the clean-ups start over
            else:
                self._resume = report.next_step
            self._hints = located[:1]
            self._advice.append(guidance_for(report))
            return Reading([], self._stable_advice(), report)

    def _near_last(self, report: FrameReport) -> bool:
        return self._held_at is not None and any(_near(r.corners, self._held_at) for r in report.regions)

    def _stable_advice(self) -> str | None:
        counts = Counter(a for a in self._advice if a)
        if not counts:
            return None
        advice, seen = counts.most_common(1)[0]
        return advice if seen >= self._agree else None


def _near(a: Any, b: Any) -> bool:
    import numpy as np

    side = float(np.linalg.norm(a[1] - a[0])) or 1.0
    return float(np.linalg.norm(a.mean(axis=0) - b.mean(axis=0))) < 0.5 * side
