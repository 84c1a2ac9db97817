"""Find and decode QR codes (and 1-D barcodes) in camera frames and image files.

A frame goes through a ladder of attempts, cheapest and most productive first
(each step's yield and cost measured on a tuning set of hard receipt photos,
``bench/decode_bench.py --steps``):

1. zxing-cpp on the whole grey frame (its own detector copes with rotation,
   perspective and uneven light, and tries downscaled copies itself);
2. zxing-cpp on a half-size copy (averaging four pixels quiets sensor noise);
3. the regions where a code probably is — where zxing saw finder patterns but could
   not decode, else the densest black-and-white texture — cut out at full
   resolution and resampled so the code is ~320 px: smoothed by a quarter module
   and stretched, thresholded adaptively (block of ~6 modules) or sharpened
   against defocus, each tried with zxing-cpp;
4. where all that failed: the code located by its own three finder patterns (nested
   contours of an adaptive threshold, grouped at a right angle — zxing misses ~2 px
   modules and decoys on busy backgrounds beat the texture search), and a small code
   upscaled three times (yield measured on the second emulator's tuning scenes,
   ``hardware/scanners/scenes.py``: 480p small codes 87.5 % -> 92.5 %);
5. zbar (pyzbar) and OpenCV's detector on the best region, as second opinions;
6. only for frames nothing above read: the other regions upscaled, every finder-pattern
   find with the longer list of clean-ups, and a 1080p frame upscaled whole (harder
   tuning scenes, 144 photos at seeds 61000/62000: 81.3 % -> 83.3 %);
7. last of all, the best region deconvolved (a Wiener filter for a Gaussian blur of
   3 px at 640 px): defocus and shake that smear a module into its neighbours
   (fresh tuning scenes, seeds 63000/64000, read it on frames nothing else read);
8. after that, for glare and dim light: the code located again by edge texture averaged
   over a code's area rather than a few modules (small crisp decoys — printed squares,
   a grid's lines — beat a glared or dim code at module scale, not over its whole area),
   blobs as elongated as text lines left out; and the best regions smoothed by a third
   of a module or more against a dim frame's gain noise (fresh tuning scenes, seeds
   63000-66000: 5 of the 32 frames nothing else read);
9. the last resort, "grid-region": the code read module by module (``grid.py``). Its three
   finder patterns are found on a contrast-normalised copy (or the third looked for by
   template where two put it), every alignment pattern of the version is searched where
   the geometry so far predicts it, and a thin-plate spline through all those centres
   follows a bent page (zxing samples through one homography, which a curl defeats); each
   module is then judged by a blur model fitted on the modules the version fixes, and the
   clean code redrawn for zxing-cpp, whose error correction checks it. Tuned on the frames
   nothing else read in fresh tuning material (held-out conditions seeds 90000-94000,
   harder tuning scenes 91000-94000, tuning photos 1000, fresh tuning scenes 93000): it
   reads 47 of those 157. ~75 ms on a frame it runs on, cut off after 0.25 s of candidates.

The ladder stops at the first attempt that finds something or when the per-frame
time budget is spent, so a kiosk preview stays smooth even on a frame with no code
in it. ``inspect_frame`` also says what the frame showed (where a code seemed to
be, how big and how sharp), from which the kiosk guides the visitor.

Blocking and CPU-bound: call from a worker thread, never from the event loop.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .errors import ScannerError, ScannerUnavailable

__all__ = ["decode_frame", "decode_file", "inspect_frame", "FrameReport", "Region", "DEFAULT_BUDGET_S"]

DEFAULT_BUDGET_S = 0.030

# The grid step stops trying finder triples after this long (s).
_GRID_LIMIT_S = 0.25
# How many candidate regions the fallbacks look at, best first.
_MAX_REGIONS = 3
# A located code smaller than this (mean side, px) is a degenerate find, not a region.
_MIN_FINDER_SIDE_PX = 16


def _libs() -> tuple[Any, Any]:
    try:
        import cv2
        import numpy as np
    except ImportError as exc:  # opencv missing on this box
        raise ScannerUnavailable(
            "decoder_missing",
            "Thiếu thư viện giải mã QR trên máy này, vui lòng báo cán bộ kỹ thuật.",
            detail=str(exc),
        ) from exc
    return cv2, np


def _zxing() -> Any:
    try:
        import zxingcpp
    except ImportError as exc:
        raise ScannerUnavailable(
            "decoder_missing",
            "Thiếu thư viện giải mã QR trên máy này, vui lòng báo cán bộ kỹ thuật.",
            detail=str(exc),
        ) from exc
    return zxingcpp


def _as_text(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # A QR that declared no charset can hold Latin-1 bytes.
        return data.decode("latin-1")


@dataclass
class Region:
    """Where a code seems to be: four corners in frame pixels (clockwise from top left)."""

    corners: Any  # 4x2 float32 array
    source: str  # "decoded", "finder" (zxing saw it but could not read it) or "texture"

    @property
    def side_px(self) -> float:
        _cv2, np = _libs()
        return float(np.mean(np.linalg.norm(self.corners - np.roll(self.corners, 1, axis=0), axis=1)))

    @property
    def centre(self) -> tuple[float, float]:
        x, y = self.corners.mean(axis=0)
        return float(x), float(y)


@dataclass
class FrameReport:
    """What one frame showed: the decoded texts, where codes seemed to be, and how it looked."""

    texts: list[str]
    regions: list[Region] = field(default_factory=list)
    step: str | None = None  # the attempt that decoded it
    width: int = 0
    height: int = 0
    sharpness: float | None = (
        None  # of the best region: mean edge steepness per unit of contrast (~0.2 blurred, 0.5 crisp)
    )
    brightness: float | None = None  # of the best region, 0..255
    clipped: float | None = None  # share of the best region washed out to white (glare)
    elapsed_s: float = 0.0
    next_step: int = 0  # the fallback to try first on the next frame
    attempts: int = 0  # how many attempts of the ladder ran on this frame...
    ladder_length: int = 0  # ...of how many it has


@dataclass(frozen=True)
class Variant:
    """One way to clean up a region before decoding it."""

    size: int  # the region resampled to about this many pixels
    smooth: float = 0.0  # Gaussian sigma, px
    sharpen: tuple[float, float] | None = None  # unsharp mask (amount, sigma)
    block: int = 0  # adaptive threshold block (px); 0: stretch contrast only
    decoder: str = "zxing"
    deblur: tuple[float, float] | None = None  # Wiener deconvolution (Gaussian PSF sigma px, noise-to-signal)


# Chosen greedily on the tuning set for what each adds per millisecond (bench/decode_bench.py --steps).
_FIRST_VARIANTS = (
    Variant(448, smooth=1.8, sharpen=(3.0, 2.0), block=61),
    Variant(640, smooth=1.0, block=31),
    Variant(320, smooth=1.8, block=31),
)
_MORE_VARIANTS = (
    Variant(448, smooth=1.8, block=31),
    Variant(640, smooth=1.8),
    Variant(448, smooth=1.0, sharpen=(3.0, 2.0)),
    Variant(320, smooth=1.0, block=61),
    Variant(320, smooth=2.6, sharpen=(6.0, 3.0)),
    Variant(448, smooth=1.8, sharpen=(6.0, 3.0), block=61),
)
# Chosen among ~170 deconvolutions (Wiener with Gaussian and disk PSFs, Richardson-Lucy, strong
# unsharp masks; 448-640 px) on the 17 frames nothing else read in 480 fresh tuning scenes
# (seeds 63000/64000): this one read 3, no other read one it missed.
_DEBLUR_VARIANTS = (Variant(640, deblur=(3.0, 0.06)),)
# A dim frame's gain noise: smoothed by a third of a module or more (chosen on the misses of 960
# fresh tuning scenes, seeds 63000-66000: read 3 frames nothing else read).
_DENOISE_VARIANTS = (Variant(640, smooth=4.0), Variant(640, smooth=3.0), Variant(448, smooth=4.0))


class _Ladder:
    """The attempts for one frame, each cached image derived from the last."""

    def __init__(self, frame: Any, hints: list[Any] | None = None) -> None:
        self.cv2, self.np = _libs()
        self.zx = _zxing()
        cv2 = self.cv2
        if frame.ndim == 3:
            conversion = cv2.COLOR_BGRA2GRAY if frame.shape[2] == 4 else cv2.COLOR_BGR2GRAY
            self.gray = cv2.cvtColor(frame, conversion)
        else:
            self.gray = frame
        self.height, self.width = self.gray.shape[:2]
        self.finders: list[Any] = []  # quads zxing located but could not decode
        self.hints = list(hints or [])  # quads where earlier frames saw the code
        self._regions: list[Region] | None = None
        self._pattern_quads: list[Any] | None = None

    # -- decoders ----------------------------------------------------------------------------
    def zxing(self, image: Any, *, downscale: bool = False, collect: float | None = None) -> list[str]:
        """Texts zxing-cpp reads in ``image``. With ``collect`` (the image's scale to the
        frame), the quads of codes it located but could not decode are kept as regions."""
        zx = self.zx
        found = zx.read_barcodes(
            image,
            formats=[zx.BarcodeFormat.QRCode, zx.BarcodeFormat.MicroQRCode, zx.BarcodeFormat.Code128],
            try_rotate=False,
            try_invert=False,
            try_downscale=downscale,
            return_errors=collect is not None,
        )
        return self._texts(found, collect)

    def _texts(self, found: Any, collect: float | None) -> list[str]:
        zx = self.zx
        texts = []
        for barcode in found:
            if barcode.error:
                if collect is not None and barcode.format == zx.BarcodeFormat.QRCode:
                    quad = self._quad(barcode.position) / collect
                    # zxing sometimes reports a failed find as a point or a sliver: such a
                    # "region" would take the place of a real one in the fallbacks.
                    if Region(quad, "finder").side_px >= _MIN_FINDER_SIDE_PX:
                        self.finders.append(quad)
                continue
            texts.append(_as_text(barcode.bytes))
        return texts

    def _quad(self, position: Any) -> Any:
        points = (position.top_left, position.top_right, position.bottom_right, position.bottom_left)
        return self.np.float32([[p.x, p.y] for p in points])

    def zbar(self, image: Any) -> list[str]:
        try:
            from pyzbar import pyzbar
        except ImportError:  # libzbar0 missing: zxing-cpp alone still reads
            return []
        # Only what receipts and tickets carry: asked for every symbology, zbar reads a short EAN or
        # interleaved 2-of-5 number out of a blurred QR's modules, and a wrong text ends the ladder.
        symbols = [pyzbar.ZBarSymbol.QRCODE, pyzbar.ZBarSymbol.CODE128]
        return [_as_text(symbol.data) for symbol in pyzbar.decode(image, symbols=symbols)]

    def opencv(self, image: Any) -> list[str]:
        ok, texts, _points, _straight = _opencv_detector(self.cv2).detectAndDecodeMulti(image)
        return [t for t in texts if t] if ok else []

    # -- the ladder --------------------------------------------------------------------------
    def head(self) -> list[tuple[str, Callable[[], list[str]]]]:
        """The attempts every frame gets, whatever the budget."""
        steps: list[tuple[str, Callable[[], list[str]]]] = []
        for hint in self.hints[:1]:  # where the last frames saw it: the cheapest place to look
            steps.append(("hint", lambda hint=hint: self.region_variants(hint, _FIRST_VARIANTS)))
        steps.append(("zxing", lambda: self.zxing(self.gray, downscale=True, collect=1.0)))
        return steps

    def tail(self) -> list[tuple[str, Callable[[], list[str]]]]:
        """The fallbacks, most productive per millisecond first, while the budget lasts."""
        cv2 = self.cv2
        steps: list[tuple[str, Callable[[], list[str]]]] = []
        if self.width >= 960:
            half = lambda: cv2.resize(self.gray, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)  # noqa: E731
            steps.append(("zxing-half", lambda: self.zxing(half(), collect=0.5)))
        steps += [
            ("region0", lambda: self.region_attempt(0, _FIRST_VARIANTS)),
            ("region1", lambda: self.region_attempt(1, _FIRST_VARIANTS)),
            ("region0-more", lambda: self.region_attempt(0, _MORE_VARIANTS)),
            ("region1-more", lambda: self.region_attempt(1, _MORE_VARIANTS)),
            ("region2", lambda: self.region_attempt(2, _FIRST_VARIANTS)),
        ]
        if self.width < 960:  # small frames hold small codes; zxing's finder likes bigger modules
            up = lambda: cv2.resize(self.gray, None, fx=1.5, fy=1.5, interpolation=cv2.INTER_LINEAR)  # noqa: E731
            steps.append(("zxing-up", lambda: self.zxing(up())))
        # Last, where everything above failed: codes located by their own finder patterns
        # (zxing misses ~2 px modules; decoys on busy backgrounds beat the texture search),
        # and small codes upscaled three times.
        steps += [
            ("pattern-region", lambda: self.pattern_attempt()),
            ("region0-up", lambda: self.small_region_attempt(0)),
            ("zbar-region", lambda: self.region_attempt(0, (Variant(448, decoder="zbar"),))),
            ("opencv-region", lambda: self.region_attempt(0, (Variant(448, decoder="opencv"),))),
            # Only for frames nothing above read (so no cost to the median): the other regions
            # upscaled, every finder-pattern find with the longer list of clean-ups, and a big
            # frame upscaled whole (zxing misses some blurred 1080p codes at their own size).
            ("regions-up", lambda: self.small_region_attempt(1) or self.small_region_attempt(2)),
            ("pattern-more", lambda: self.pattern_attempt(first=0, more=True)),
        ]
        if self.width >= 960:
            up = lambda: cv2.resize(self.gray, None, fx=1.5, fy=1.5, interpolation=cv2.INTER_LINEAR)  # noqa: E731
            steps.append(("zxing-up-big", lambda: self.zxing(up())))
        # The very last: the best region deconvolved, for a defocus or shake that smears a
        # module into its neighbours, which sharpening and thresholds could not undo.
        steps.append(("deblur-region", lambda: self.region_attempt(0, _DEBLUR_VARIANTS)))
        # After that, for glare and dim light: the code located by texture spread over a code's
        # area (small, crisp decoys such as printed squares or a grid's corner win the
        # module-sized search), and the best regions smoothed hard against a dim frame's grain.
        steps += [
            ("spread-region", lambda: self.spread_attempt()),
            (
                "denoise-region",
                lambda: self.region_attempt(0, _DENOISE_VARIANTS) or self.region_attempt(1, _DENOISE_VARIANTS),
            ),
        ]
        # Last resort: the code read module by module through all its alignment patterns, for a
        # bent page (not one plane, which zxing's one homography assumes) and a blur that mixes
        # each module with its neighbours.
        steps.append(("grid-region", lambda: self.grid_attempt()))
        return steps

    def attempts(self) -> Iterator[tuple[str, Callable[[], list[str]]]]:
        yield from self.head()
        yield from self.tail()

    # -- regions -----------------------------------------------------------------------------
    def regions(self) -> list[Region]:
        """Where a code probably is, best first: zxing's failed finds, then texture blobs."""
        if self._regions is None:
            found = [Region(q, "finder") for q in self.finders]
            for quad in self.texture_quads():
                centre = quad.mean(axis=0)
                if not any(self._inside(r.corners, centre) for r in found):
                    found.append(Region(quad, "texture"))
            self._regions = found[:_MAX_REGIONS]
        return self._regions

    def _inside(self, quad: Any, point: Any) -> bool:
        return self.cv2.pointPolygonTest(quad.reshape(-1, 1, 2), (float(point[0]), float(point[1])), False) >= 0

    def finder_pattern_quads(self) -> list[Any]:
        """Codes located by their three finder patterns (a dark ring around a dark square),
        found among nested contours of an adaptive threshold. zxing's own detector misses
        them when modules are ~2 px or blurred; busy backgrounds fool the texture search."""
        cv2, np = self.cv2, self.np
        # Big frames hold big codes: half size is enough there and costs a quarter.
        scale = 0.5 if self.width >= 1600 else 1.0
        gray = (
            self.gray if scale == 1.0 else cv2.resize(self.gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        )
        found: list[tuple[Any, float]] = []  # (centre, side)
        # A small block keeps the one-module white ring of a 2 px code open; a bigger one
        # copes with the soft edges of a big, blurred code.
        for block, offset in ((15, 3), (31, 5)):
            binary = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, offset)
            for centre, side in self._nested_squares(binary):
                centre, side = centre / scale, side / scale
                if not any(float(np.linalg.norm(centre - c)) < 0.5 * s for c, s in found):
                    found.append((centre, side))
        return self._group_finders(found)

    def _nested_squares(self, binary: Any) -> list[tuple[Any, float]]:
        cv2, np = self.cv2, self.np
        contours, hierarchy = cv2.findContours(binary, cv2.RETR_TREE, cv2.CHAIN_APPROX_SIMPLE)
        if hierarchy is None:
            return []
        tree = hierarchy[0]
        found = []
        for i, contour in enumerate(contours):
            child = tree[i][2]
            if child < 0:
                continue
            grandchild = tree[child][2]
            if grandchild < 0:
                continue
            area = cv2.contourArea(contour)
            if area < 30 or area > 0.05 * binary.size:
                continue
            inner = cv2.contourArea(contours[grandchild])
            # The dark centre is 3x3 of the 7x7 pattern: ~18 % of its area, blur and tilt allowing.
            if inner <= 0 or not 0.06 < inner / area < 0.45:
                continue
            (cx, cy), (w, h), _angle = cv2.minAreaRect(contour)
            if min(w, h) < 5 or max(w, h) > 2.2 * min(w, h):
                continue
            found.append((np.float32([cx, cy]), float(np.sqrt(area))))
        return found

    def _group_finders(self, found: list[tuple[Any, float]]) -> list[Any]:
        """Quads of codes from triples of finder patterns of one size at a right angle."""
        np = self.np
        quads: list[tuple[float, Any]] = []
        found = found[:40]
        for a in range(len(found)):
            for b in range(a + 1, len(found)):
                for c in range(b + 1, len(found)):
                    triple = [found[a], found[b], found[c]]
                    sides = [t[1] for t in triple]
                    if max(sides) > 1.8 * min(sides):
                        continue
                    points = [t[0] for t in triple]
                    # The corner pattern is the one opposite the longest side.
                    d = [float(np.linalg.norm(points[(k + 1) % 3] - points[(k + 2) % 3])) for k in range(3)]
                    k = int(np.argmax(d))
                    corner, p1, p2 = points[k], points[(k + 1) % 3], points[(k + 2) % 3]
                    l1, l2 = float(np.linalg.norm(p1 - corner)), float(np.linalg.norm(p2 - corner))
                    module = float(np.mean(sides)) / 7
                    # Finder centres are 7..(4*version+10) modules apart; both legs about equal.
                    if min(l1, l2) < 10 * module or max(l1, l2) > 1.6 * min(l1, l2) or max(l1, l2) > 75 * module:
                        continue
                    cos = float(np.dot(p1 - corner, p2 - corner)) / (l1 * l2)
                    if abs(cos) > 0.5:  # ~60..120 degrees: a right angle under perspective
                        continue
                    fourth = p1 + p2 - corner
                    quad = np.float32([corner, p1, fourth, p2])
                    centre = quad.mean(axis=0)
                    # Out from the finder centres to the code's edge: 3.5 modules (x1.4 for the diagonal).
                    quad = centre + (quad - centre) * (1 + 5.0 * module / max(l1, l2))
                    quads.append((abs(cos) + abs(l1 - l2) / max(l1, l2), quad))
        quads.sort(key=lambda q: q[0])
        return [q for _score, q in quads[:_MAX_REGIONS]]

    def texture_quads(self, spread: int = 9, threshold: float = 0.5, min_squareness: float = 0.0) -> list[Any]:
        """Boxes around the densest black-and-white texture: a QR is the busiest block of
        strong edges in all directions on a receipt photo. ``spread`` (px at 320 px wide) is
        the area the edge density is averaged over; blobs above ``threshold`` of the peak and
        no more elongated than ``min_squareness`` (short side / long side) are boxed."""
        cv2, np = self.cv2, self.np
        scale = 320 / self.width
        small = cv2.resize(self.gray, (320, max(1, round(self.height * scale))), interpolation=cv2.INTER_AREA)
        small = small.astype(np.float32)
        gx = cv2.Sobel(small, cv2.CV_32F, 1, 0, ksize=3)
        gy = cv2.Sobel(small, cv2.CV_32F, 0, 1, ksize=3)
        # Edges in both directions: stripes and text lines have mostly one.
        score = np.minimum(cv2.boxFilter(np.abs(gx), -1, (9, 9)), cv2.boxFilter(np.abs(gy), -1, (9, 9)))
        mean = cv2.boxFilter(small, -1, (9, 9))
        score /= mean + 20.0  # relative to brightness: a dim code counts as much as a bright one
        score = cv2.boxFilter(score, -1, (spread, spread))
        _lo, peak, _lo_at, _peak_at = cv2.minMaxLoc(score)
        if peak <= 0:
            return []
        count, labels, stats, _centres = cv2.connectedComponentsWithStats((score > threshold * peak).astype(np.uint8))
        ranked = []
        for label in range(1, count):
            x, y, w, h, area = stats[label]
            squareness = min(w, h) / max(w, h)
            if w < 6 or h < 6 or squareness < min_squareness:
                continue
            strength = float(score[labels == label].mean())
            ranked.append((strength * (0.5 + squareness), x, y, w, h))
        ranked.sort(reverse=True)
        quads = []
        for _s, x, y, w, h in ranked[:_MAX_REGIONS]:
            quads.append(np.float32([[x, y], [x + w, y], [x + w, y + h], [x, y + h]]) / scale)
        return quads

    def region_image(self, quad: Any, size: int) -> Any:
        """The frame around ``quad`` at full resolution, resampled to about ``size`` pixels."""
        cv2, np = self.cv2, self.np
        x0, y0 = quad.min(axis=0)
        x1, y1 = quad.max(axis=0)
        margin = 0.2 * max(x1 - x0, y1 - y0) + 4
        x0, y0 = int(max(0, x0 - margin)), int(max(0, y0 - margin))
        x1, y1 = int(min(self.width, x1 + margin)), int(min(self.height, y1 + margin))
        crop = self.gray[y0:y1, x0:x1]
        if min(crop.shape[:2]) < 12:
            return None
        factor = size / max(crop.shape[:2])
        if factor > 1.15:
            crop = cv2.resize(crop, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)
        elif factor < 0.87:
            crop = cv2.resize(crop, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
        return np.ascontiguousarray(crop)

    def region_attempt(self, k: int, variants: tuple[Variant, ...]) -> list[str]:
        regions = self.regions()
        if k >= len(regions):
            return []
        return self.region_variants(regions[k].corners, variants)

    def pattern_attempt(self, first: int = 1, more: bool = False) -> list[str]:
        """The code located by its finder patterns: the best find (``first=1``), or all
        finds (``first=0``); with ``more``, the longer list of clean-ups as well."""
        if self._pattern_quads is None:
            self._pattern_quads = self.finder_pattern_quads()
        for i, quad in enumerate(self._pattern_quads[: first or None]):
            side = Region(quad, "pattern").side_px
            variants = _FIRST_VARIANTS
            if more:  # the best find already had the first clean-ups
                variants = _MORE_VARIANTS if i == 0 else _FIRST_VARIANTS + _MORE_VARIANTS
            if side < 160:  # small: three times bigger, smoothed by half a module, sharpened at a module
                size = int(side * 1.4 * 3)
                variants = (Variant(size, smooth=1.5, sharpen=(1.5, 3.0)), *variants)
            found = self.region_variants(quad, variants)
            if found:
                return found
        return []

    def grid_attempt(self) -> list[str]:
        """The code sampled module by module (``grid.py``) from its three finder patterns, found
        on a contrast-normalised copy (dim and blurred frames too); where only two were found,
        the third looked for where they put it. Versions near the finders' spacing are tried."""
        from . import grid  # only here: OpenCV and numpy are known to be there

        started = time.perf_counter()
        found = self.normalised_finders()
        for tl, tr, bl, module in self._grid_candidates(grid, found):
            for version in grid.versions(tl, tr, bl, module):
                texts = grid.read(self.gray, tl, tr, bl, version, self.pure_zxing)
                if texts:
                    return texts
            # Reads on tuning frames came within ~0.2 s; a busy frame's many false finders
            # would otherwise stall a kiosk preview for longer.
            if time.perf_counter() - started > _GRID_LIMIT_S:
                break
        return []

    def _grid_candidates(self, grid: Any, found: list) -> Iterator[tuple[Any, Any, Any, float]]:
        yield from grid.finder_triples(found)
        yield from grid.completed_pairs(self.gray, found)

    def normalised_finders(self) -> list[tuple[Any, float]]:
        """Finder patterns (centre, side) as nested squares of a threshold relative to the local
        contrast (a tenth of a standard deviation below the mean of 11 px around, after
        smoothing): the fixed offsets of ``finder_pattern_quads`` find none in a dim or strongly
        blurred frame. The spread has a floor, so flat paper and background stay one blob."""
        cv2, np = self.cv2, self.np
        scale = 0.5 if self.width >= 1600 else 1.0
        gray = (
            self.gray if scale == 1.0 else cv2.resize(self.gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        )
        gray = gray.astype(np.float32)
        found: list[tuple[Any, float]] = []
        for sigma in (0.6, 1.0, 2.0):  # 0.6 keeps the 2 px light ring of a 2 px code open
            smooth = cv2.GaussianBlur(gray, (0, 0), sigma)
            mean = cv2.blur(smooth, (11, 11))
            spread = np.sqrt(np.maximum(cv2.blur(smooth * smooth, (31, 31)) - cv2.blur(smooth, (31, 31)) ** 2, 16.0))
            binary = np.uint8(smooth - mean < -0.1 * spread) * 255
            for centre, side in self._nested_squares(binary):
                centre, side = centre / scale, side / scale
                if not any(float(np.linalg.norm(centre - c)) < 0.5 * s for c, s in found):
                    found.append((centre, side))
        return found

    def pure_zxing(self, image: Any) -> list[str]:
        """Texts zxing-cpp reads in a clean, upright, synthetic code (``grid.render``)."""
        zx = self.zx
        found = zx.read_barcodes(
            image,
            formats=zx.BarcodeFormat.QRCode,
            try_rotate=False,
            try_invert=False,
            try_downscale=False,
            is_pure=True,
        )
        return [_as_text(barcode.bytes) for barcode in found if barcode.valid]

    def spread_attempt(self) -> list[str]:
        """Regions where edges in both directions fill an area the size of the smallest code
        (~25 px at 320 px wide), not elongated like a text line: under glare or in dim light a
        code's texture is weaker than that of a small printed square or a grid's lines, which
        win the module-sized search but not this one."""
        for quad in self.texture_quads(spread=25, threshold=0.35, min_squareness=0.4):
            found = self.region_variants(quad, _FIRST_VARIANTS)
            if found:
                return found
        return []

    def small_region_attempt(self, k: int) -> list[str]:
        """A small code (~2 px modules) upscaled three times, smoothed by half a module and
        sharpened at a module's scale: what reads the smallest codes of the tuning sets."""
        regions = self.regions()
        if k >= len(regions) or regions[k].side_px >= 160:
            return []
        size = int(regions[k].side_px * 1.4 * 3)
        return self.region_variants(regions[k].corners, (Variant(size, smooth=1.5, sharpen=(1.5, 3.0)), Variant(size)))

    def region_variants(self, quad: Any, variants: tuple[Variant, ...]) -> list[str]:
        images: dict[int, Any] = {}
        for variant in variants:
            if variant.size not in images:
                images[variant.size] = self.region_image(quad, variant.size)
            image = images[variant.size]
            if image is None:
                return []
            found = self.variant(image, variant)
            if found:
                return found
        return []

    def variant(self, image: Any, v: Variant) -> list[str]:
        cv2 = self.cv2
        if v.decoder == "zbar":
            return self.zbar(cv2.GaussianBlur(image, (0, 0), 1.2))
        if v.decoder == "opencv":
            return self.opencv(image)
        # A blur a lens or a shake spread over most of a module is undone, not just steepened.
        if v.deblur:
            image = self.wiener(image, *v.deblur)
        # Smoothing by about a quarter module removes sensor grain and JPEG blocks...
        if v.smooth:
            image = cv2.GaussianBlur(image, (0, 0), v.smooth)
        # ...unsharp masking gives back the module edges a defocused lens or a shake smeared...
        if v.sharpen:
            amount, sigma = v.sharpen
            image = cv2.addWeighted(image, 1 + amount, cv2.GaussianBlur(image, (0, 0), sigma), -amount, 0)
        # ...and a threshold over a few modules' neighbourhood undoes shadows, glare and dim light.
        if v.block:
            image = cv2.adaptiveThreshold(image, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, v.block, 0)
        else:
            image = cv2.normalize(image, None, 0, 255, cv2.NORM_MINMAX)
        return self.zxing(image)

    def wiener(self, image: Any, sigma: float, nsr: float) -> Any:
        """``image`` deconvolved by a Gaussian blur of ``sigma`` px (Wiener filter, ``nsr`` the
        noise-to-signal ratio that keeps sensor grain from being amplified without bound)."""
        cv2, np = self.cv2, self.np
        height, width = image.shape[:2]
        pad = int(6 * sigma) + 2  # mirrored borders: the FFT's wrap-around would ring at the edges
        rows, cols = cv2.getOptimalDFTSize(height + 2 * pad), cv2.getOptimalDFTSize(width + 2 * pad)
        padded = cv2.copyMakeBorder(
            image.astype(np.float32), pad, rows - height - pad, pad, cols - width - pad, cv2.BORDER_REFLECT
        )
        # A Gaussian's spectrum is a Gaussian: no kernel to transform.
        fy = np.fft.fftfreq(rows).astype(np.float32)[:, None]
        fx = np.fft.fftfreq(cols).astype(np.float32)[None, :]
        transfer = np.exp(-2 * (np.pi * sigma) ** 2 * (fx * fx + fy * fy))
        gain = transfer / (transfer * transfer + nsr)
        spectrum = cv2.dft(padded, flags=cv2.DFT_COMPLEX_OUTPUT)
        spectrum *= gain[..., None]
        out = cv2.idft(spectrum, flags=cv2.DFT_SCALE | cv2.DFT_REAL_OUTPUT)[pad : pad + height, pad : pad + width]
        return cv2.normalize(out, None, 0, 255, cv2.NORM_MINMAX, cv2.CV_8U)

    # -- what the frame looked like ----------------------------------------------------------
    def measure(self, report: FrameReport) -> None:
        cv2, np = self.cv2, self.np
        regions = self.regions() if not report.texts else report.regions
        report.regions = list(regions) if not report.texts else report.regions
        if not report.regions:
            return
        quad = report.regions[0].corners
        x0, y0 = np.maximum(quad.min(axis=0).astype(int), 0)
        x1, y1 = quad.max(axis=0).astype(int)
        patch = self.gray[y0 : y1 + 1, x0 : x1 + 1]
        if patch.size < 64:
            return
        if max(patch.shape) > 320:  # what matters is the code's look at the scale the decoder reads it
            factor = 320 / max(patch.shape)
            patch = cv2.resize(patch, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
        values = patch.astype(np.float32)
        mean, std = (float(v[0][0]) for v in cv2.meanStdDev(values))
        gradient = cv2.magnitude(cv2.Sobel(values, cv2.CV_32F, 1, 0), cv2.Sobel(values, cv2.CV_32F, 0, 1))
        # Edge steepness per unit of contrast: a sharp code has steep module edges whatever its light.
        report.sharpness = round(float(cv2.mean(gradient)[0]) / (4 * max(std, 5.0)), 3)
        report.brightness = round(mean, 1)
        report.clipped = round(float((patch >= 250).mean()), 3)


_DETECTOR: Any = None


def _opencv_detector(cv2: Any) -> Any:
    # The Aruco-based detector ships in opencv-python-headless and finds damaged finder
    # patterns better than the classic one.
    global _DETECTOR
    if _DETECTOR is None:
        factory = getattr(cv2, "QRCodeDetectorAruco", None) or cv2.QRCodeDetector
        _DETECTOR = factory()
    return _DETECTOR


def inspect_frame(
    frame: Any,
    budget_s: float = DEFAULT_BUDGET_S,
    hints: list[Any] | None = None,
    resume: int = 0,
    min_fallbacks: int = 0,
) -> FrameReport:
    """Decode one BGR (or grayscale) frame and say what it showed.

    The first attempts and ``min_fallbacks`` fallbacks always run; the others stop once
    ``budget_s`` is spent. ``hints`` are quads where earlier frames saw a code: looked at
    first. ``resume`` starts the fallbacks where an earlier frame stopped (``report.next_step``).
    """
    if frame is None or getattr(frame, "size", 0) == 0:
        return FrameReport([])
    started = time.perf_counter()
    ladder = _Ladder(frame, hints)
    report = FrameReport([], width=ladder.width, height=ladder.height)
    tail = ladder.tail()
    start = resume % len(tail) if tail else 0
    order = ladder.head() + tail[start:] + tail[:start]
    report.ladder_length = len(order)
    for n, (name, attempt) in enumerate(order):
        report.attempts = n + 1
        found = attempt()
        if found:
            report.texts, report.step = list(dict.fromkeys(found)), name
            break
        if n + 1 >= len(order) - len(tail) + min_fallbacks and time.perf_counter() - started >= budget_s:
            done = n + 1 - (len(order) - len(tail))
            report.next_step = (start + done) % len(tail) if done < len(tail) else 0
            break
    report.elapsed_s = time.perf_counter() - started
    ladder.measure(report)
    return report


def decode_frame(frame_bgr: Any, budget_s: float = DEFAULT_BUDGET_S) -> list[str]:
    """Texts of the codes in one BGR (or grayscale) frame, without duplicates."""
    return inspect_frame(frame_bgr, budget_s).texts


def decode_file(path: str | os.PathLike[str], budget_s: float = 1.0) -> list[str]:
    """Texts of the codes in an image file. A still image is not a live preview,
    so the budget is generous: every fallback gets its turn."""
    cv2, _np = _libs()
    frame = cv2.imread(os.fspath(path), cv2.IMREAD_COLOR)
    if frame is None:
        raise ScannerError("image_unreadable", "Không đọc được tệp ảnh.", detail=os.fspath(path))
    return decode_frame(frame, budget_s=budget_s)
