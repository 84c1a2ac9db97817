"""A QR code read module by module from its own patterns: the decoder's last resort.

zxing-cpp samples a code through one homography (three finder patterns and at most one
alignment pattern). A bent page is not one plane, and a dense code (CCCD strings,
version 8-11) at 2-4 px per module drifts by a module or more between its finders. Here
the three finder centres give a first, affine guess; every alignment pattern the version
has is then looked for where the guess puts it (edges first, where perspective errs
along the edge; then a homography through what was found predicts the inner ones), the
finders' centres are re-measured through that local geometry, and a thin-plate spline
through all those centres maps each module. Each module's value is read at its centre
and the dark ones chosen by a model of the blur fitted on the modules the version fixes
(finders, separators, timing, alignment patterns, quiet zone): what a module looks like
given its 3x3 neighbourhood, so a defocus or shake smearing dark into light is undone
rather than thresholded, then fitted again on all the modules as decided. The clean code, redrawn with a quiet zone, goes to zxing-cpp,
whose error correction checks it: a wrong sample makes a failure, never a wrong text.

Only imported by the ladder's last step (``decode.py``), once OpenCV and numpy loaded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any

import cv2
import numpy as np

# Rectified images are sampled at this many pixels per module.
_PX_PER_MODULE = 6
# A match to the alignment-pattern template below this (normalised correlation) is not one.
_ALIGNMENT_SCORE = 0.45
# How far (modules) from where the geometry so far puts it an alignment pattern is looked for.
_ALIGNMENT_REACH = 3.5
# A finder's centre re-measured within this many modules of where its contour put it.
_FINDER_REACH = 1.5
# The third finder of a pair, where the contour search missed it: looked for within this share
# of the finders' spacing (at least 4.5 modules) of where the pair puts it at a right angle
# (perspective moves it that far), at 3 px per module. A match scoring _COMPLETION_SCORE is a
# finder; one scoring _COMPLETION_SEEN (a finder skewed by the perspective of the first guess)
# is matched again through the frame of the three, and a finder if it then scores _COMPLETION_AGAIN.
_COMPLETION_REACH = (0.3, 4.5)
_COMPLETION_SCORE = 0.55
_COMPLETION_SEEN = 0.3
_COMPLETION_AGAIN = 0.45
# How many times the blur model is fitted again on all modules as decided (``dark_modules``).
_REFITS = 3


def size_of(version: int) -> int:
    return 17 + 4 * version


def alignment_centres(version: int) -> list[int]:
    """Rows (and columns) of the alignment patterns' centres (ISO/IEC 18004, annex E)."""
    if version < 2:
        return []
    count = version // 7 + 2
    step = 26 if version == 32 else (version * 4 + count * 2 + 1) // (count * 2 - 2) * 2
    return [6] + sorted(size_of(version) - 7 - i * step for i in range(count - 1))


def _alignment_cells(version: int) -> list[tuple[int, int]]:
    centres = alignment_centres(version)
    if not centres:
        return []
    last = centres[-1]
    corners = {(6, 6), (6, last), (last, 6)}  # where the finders are
    return [(r, c) for r in centres for c in centres if (r, c) not in corners]


@lru_cache(maxsize=16)
def function_modules(version: int) -> tuple[Any, Any]:
    """(mask, dark): the modules whose value the version fixes, and those values."""
    n = size_of(version)
    mask = np.zeros((n, n), bool)
    dark = np.zeros((n, n), bool)
    finder = np.ones((7, 7), bool)
    finder[1:6, 1:6] = False
    finder[2:5, 2:5] = True
    for r0, c0 in ((0, 0), (0, n - 7), (n - 7, 0)):
        dark[r0 : r0 + 7, c0 : c0 + 7] = finder
        mask[max(0, r0 - 1) : r0 + 8, max(0, c0 - 1) : c0 + 8] = True  # with its light separator
    timing = np.arange(8, n - 8) % 2 == 0
    mask[6, 8 : n - 8] = mask[8 : n - 8, 6] = True
    dark[6, 8 : n - 8] = dark[8 : n - 8, 6] = timing
    pattern = np.ones((5, 5), bool)
    pattern[1:4, 1:4] = False
    pattern[2, 2] = True
    for r, c in _alignment_cells(version):
        mask[r - 2 : r + 3, c - 2 : c + 3] = True
        dark[r - 2 : r + 3, c - 2 : c + 3] = pattern
    mask[n - 8, 8] = dark[n - 8, 8] = True  # the "dark module"
    return mask, dark


class Warp:
    """Module coordinates (x = column, y = row; a module's centre at +0.5) to frame pixels:
    the least-squares homography (an affine map from three points) plus a thin-plate spline
    through its residuals from six points on, so a bent page's curve is followed."""

    def __init__(self, src: Any, dst: Any, bend: bool = True) -> None:
        self.src = np.float64(src)
        dst = np.float64(dst)
        if len(self.src) >= 4:
            matrix, _mask = cv2.findHomography(self.src, dst, 0)
        else:
            matrix = None
        if matrix is None:
            affine = np.linalg.lstsq(np.hstack([self.src, np.ones((len(self.src), 1))]), dst, rcond=None)[0]
            matrix = np.eye(3)
            matrix[:2, :] = affine.T
        self.matrix = matrix
        self.spline = None
        if bend and len(self.src) >= 6:
            n = len(self.src)
            system = np.zeros((n + 3, n + 3))
            system[:n, :n] = self._kernel(self.src, self.src)
            system[:n, n] = system[n, :n] = 1.0
            system[:n, n + 1 :] = self.src
            system[n + 1 :, :n] = self.src.T
            values = np.zeros((n + 3, 2))
            values[:n] = dst - self._project(self.src)
            try:
                self.spline = np.linalg.solve(system, values)
            except np.linalg.LinAlgError:
                self.spline = None

    @staticmethod
    def _kernel(a: Any, b: Any) -> Any:
        d = np.linalg.norm(a[:, None] - b[None], axis=2)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(d > 0, d * d * np.log(d), 0.0)

    def _project(self, points: Any) -> Any:
        p = np.hstack([points, np.ones((len(points), 1))]) @ self.matrix.T
        # A degenerate fit (alignment patterns found in the wrong places) can send points to
        # infinity: those sample outside the frame, and the code simply fails to read.
        with np.errstate(divide="ignore", invalid="ignore"):
            return p[:, :2] / p[:, 2:3]

    def __call__(self, points: Any) -> Any:
        points = np.float64(points).reshape(-1, 2)
        out = self._project(points)
        if self.spline is not None:
            n = len(self.src)
            out += self._kernel(points, self.src) @ self.spline[:n] + self.spline[n] + points @ self.spline[n + 1 :]
        return out


def rectify(gray: Any, warp: Warp, x0: float, y0: float, x1: float, y1: float, k: int = _PX_PER_MODULE) -> Any:
    """The frame over module coordinates [x0, x1] x [y0, y1], resampled at ``k`` px per module
    (the warp evaluated once per module, interpolated in between)."""
    width, height = round((x1 - x0) * k), round((y1 - y0) * k)
    gx = np.arange(int(np.floor(x0)), int(np.ceil(x1)) + 2)
    gy = np.arange(int(np.floor(y0)), int(np.ceil(y1)) + 2)
    grid_x, grid_y = np.meshgrid(gx, gy)
    coarse = warp(np.stack([grid_x.ravel(), grid_y.ravel()], 1)).reshape(len(gy), len(gx), 2).astype(np.float32)
    at_x = np.float32(x0 + (np.arange(width) + 0.5) / k - gx[0])
    at_y = np.float32(y0 + (np.arange(height) + 0.5) / k - gy[0])
    fine_x, fine_y = np.meshgrid(at_x, at_y)
    map_x = cv2.remap(coarse[..., 0], fine_x, fine_y, cv2.INTER_LINEAR)
    map_y = cv2.remap(coarse[..., 1], fine_x, fine_y, cv2.INTER_LINEAR)
    return cv2.remap(gray, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


@lru_cache(maxsize=8)
def _template(kind: str, k: int) -> Any:
    """A finder (with its light ring, 9x9 modules) or an alignment pattern (5x5), blurred a little."""
    if kind == "finder":
        pattern = np.zeros((9, 9), np.float32)
        pattern[1:8, 1:8] = 1
        pattern[2:7, 2:7] = 0
        pattern[3:6, 3:6] = 1
    else:
        pattern = np.ones((5, 5), np.float32)
        pattern[1:4, 1:4] = 0
        pattern[2, 2] = 1
    image = 255 - 255 * np.kron(pattern, np.ones((k, k), np.float32))
    return cv2.GaussianBlur(image, (0, 0), 0.3 * k)


def match(
    gray: Any, warp: Warp, centre: tuple[float, float], kind: str, reach: float, k: int = _PX_PER_MODULE
) -> tuple[Any, float, float]:
    """The best match of a pattern within ``reach`` modules of ``centre`` (module coordinates),
    through ``warp``: (its centre in the frame, score, distance from ``centre`` in modules)."""
    template = _template(kind, k)
    size = template.shape[0] / k
    half = size / 2 + reach
    cx, cy = centre
    patch = rectify(gray, warp, cx - half, cy - half, cx + half, cy + half, k).astype(np.float32)
    scores = cv2.matchTemplate(patch, template, cv2.TM_CCOEFF_NORMED)
    _low, score, _at, (px, py) = cv2.minMaxLoc(scores)

    def vertex(a: float, b: float, c: float) -> float:  # of the parabola through three samples
        bend = a - 2 * b + c
        return 0.0 if abs(bend) < 1e-9 else 0.5 * (a - c) / bend

    dx = vertex(*scores[py, px - 1 : px + 2]) if 0 < px < scores.shape[1] - 1 else 0.0
    dy = vertex(*scores[py - 1 : py + 2, px]) if 0 < py < scores.shape[0] - 1 else 0.0
    mx = cx - half + (px + dx) / k + size / 2
    my = cy - half + (py + dy) / k + size / 2
    return warp([[mx, my]])[0], float(score), max(abs(mx - cx), abs(my - cy))


def code_warp(gray: Any, tl: Any, tr: Any, bl: Any, version: int) -> Warp:
    """Module coordinates to the frame for a code of ``version`` whose finders are centred at
    ``tl``, ``tr`` and ``bl``: through its alignment patterns, where found."""
    n = size_of(version)
    src = [(3.5, 3.5), (n - 3.5, 3.5), (3.5, n - 3.5)]
    dst = [tuple(tl), tuple(tr), tuple(bl)]
    # Along the edges first (perspective misplaces points along an edge, the affine guess
    # across it hardly), then inwards, each predicted from what was found before it.
    cells = sorted(_alignment_cells(version), key=lambda rc: (min(rc) != 6, rc[0] + rc[1], abs(rc[0] - rc[1])))
    for r, c in cells:
        centre = (c + 0.5, r + 0.5)
        guess = Warp(src, dst, bend=False) if len(src) >= 5 else _nearest_affine(src, dst, centre)
        point, score, moved = match(gray, guess, centre, "alignment", _ALIGNMENT_REACH)
        if score > _ALIGNMENT_SCORE and moved < _ALIGNMENT_REACH - 0.1:
            src.append(centre)
            dst.append(tuple(point))
    warp = Warp(src, dst)
    # The finders' centres measured again through the local geometry: a blurred contour's
    # centre can be most of a module out, which the spline would carry into the modules.
    moved_any = False
    for i in range(3):
        point, score, moved = match(gray, warp, src[i], "finder", _FINDER_REACH)
        if score > 0.5 and moved < _FINDER_REACH - 0.1:
            dst[i] = tuple(point)
            moved_any = True
    return Warp(src, dst) if moved_any else warp


def _nearest_affine(src: list, dst: list, target: tuple[float, float]) -> Warp:
    """The affine map through the three known points nearest ``target`` that span a triangle
    (three nearly in a line, such as two finders and the pattern between them, do not)."""
    points = np.float64(src)
    order = np.argsort(np.linalg.norm(points - np.float64(target), axis=1))
    span = float(np.ptp(points, axis=0).max())
    for i, j, k in _triples(len(order)):
        a, b, c = points[order[[i, j, k]]]
        if abs(_cross(b - a, c - a)) / 2 > 0.08 * span * span:
            chosen = order[[i, j, k]]
            return Warp(points[chosen], np.float64(dst)[chosen], bend=False)
    return Warp(points[order[:3]], np.float64(dst)[order[:3]], bend=False)


def _cross(u: Any, v: Any) -> float:
    return float(u[0] * v[1] - u[1] * v[0])


def _triples(n: int) -> Iterator[tuple[int, int, int]]:
    for i in range(n):
        for j in range(i + 1, n):
            for k in range(j + 1, n):
                yield i, j, k


_NEIGHBOURS = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)]


def module_values(gray: Any, warp: Warp, version: int, smooth: float = 0.2) -> Any:
    """Each module's brightness at its centre (smoothed by a fifth of a module), with a ring
    of quiet zone around the code: (n + 2) x (n + 2)."""
    n, k = size_of(version), _PX_PER_MODULE
    image = cv2.GaussianBlur(rectify(gray, warp, -1, -1, n + 1, n + 1, k).astype(np.float32), (0, 0), smooth * k)
    centres = ((np.arange(n + 2) + 0.5) * k).astype(int)
    return image[np.ix_(centres, centres)]


def dark_modules(values: Any, version: int, rounds: int = 6, local: float = 2.5, refits: int = 0) -> Iterator[Any]:
    """Which modules are dark, by a blur model fitted on the modules the version fixes: the
    first guess, then ``refits`` more, each from the model fitted again on every module.

    The values are made local (minus the mean, over the spread, of the modules around within
    a Gaussian of sigma ``local`` modules: glare and shadow); each is modelled as a weighted
    sum of its 3x3 neighbourhood's darkness, the weights fitted by least squares where the
    whole neighbourhood is known; then each unknown module is flipped while that makes the
    model fit its neighbourhood better (iterated conditional modes, modules three apart
    updated together so no two updates interact). The fixed modules are few and lie on
    lines and small squares, so a heavy blur's weights are poorly fitted from them alone:
    refitting on all modules as decided (decision-directed) and deciding again reads codes
    the first guess misses: with the true finder centres, 203 instead of 198 of 240 tuning
    photos (held-out conditions, seeds 96000/97000); through the ladder, tuning 235 instead of
    234/240 and hard tuning scenes (seed 96000) 67 instead of 66/72, the 360 tuning photos of
    seeds 96000-98000 unchanged (339). A flip's gain is a correlation of the residuals with
    the weights turned round, so a whole colour is decided by two filters (4x faster than
    summing the nine neighbours one by one; the same decisions)."""
    n = size_of(version)
    fixed, fixed_dark = function_modules(version)
    known = np.ones((n + 2, n + 2), bool)  # the ring around: quiet zone, light
    known[1:-1, 1:-1] = fixed
    dark = np.zeros((n + 2, n + 2), np.float32)
    dark[1:-1, 1:-1] = fixed_dark
    mean = cv2.GaussianBlur(values, (0, 0), local)
    spread = np.sqrt(np.maximum(cv2.GaussianBlur(values * values, (0, 0), local) - mean * mean, 1e-2))
    z = (values - mean) / spread
    dark = np.where(known, dark, np.float32(z < 0))

    def neighbourhoods(x: Any) -> Any:
        padded = np.pad(x, 1)
        h, w = x.shape
        return np.stack([padded[1 + dy : 1 + dy + h, 1 + dx : 1 + dx + w] for dy, dx in _NEIGHBOURS], -1)

    padded_known = np.pad(known, 1, constant_values=True)
    trainable = np.logical_and.reduce(
        [padded_known[1 + dy : n + 3 + dy, 1 + dx : n + 3 + dx] for dy, dx in _NEIGHBOURS]
    )
    ridge = np.eye(10)
    ridge[9, 9] = 0
    colour = (np.arange(n + 2)[:, None] % 3) * 3 + np.arange(n + 2)[None, :] % 3
    unknown = ~known
    for refit in range(refits + 1):
        if refit:
            trainable = np.ones_like(known)
        features = np.concatenate([neighbourhoods(dark)[trainable], np.ones((int(trainable.sum()), 1))], 1)
        weights = np.linalg.solve(features.T @ features + ridge, features.T @ z[trainable])
        kernel = np.float32(weights[:9]).reshape(3, 3)  # row dy + 1, column dx + 1
        # Flipping a module by ``step`` changes each neighbour's squared residual r^2 by
        # 2 w r step - w^2: summed over the neighbours it sees, a correlation with the
        # kernel turned round.
        seen_by = kernel[::-1, ::-1].copy()
        spent = float((weights[:9] ** 2).sum())
        for _round in range(rounds):
            flipped = 0
            for c in range(9):
                chosen = unknown & (colour == c)
                model = cv2.filter2D(dark, -1, kernel, borderType=cv2.BORDER_CONSTANT) + np.float32(weights[9])
                residual = np.float32(z - model)
                step = np.where(dark > 0.5, -1.0, 1.0)
                gain = 2 * step * cv2.filter2D(residual, -1, seen_by, borderType=cv2.BORDER_CONSTANT) - spent
                flip = chosen & (gain > 0)
                dark = np.where(flip, 1 - dark, dark).astype(np.float32)
                flipped += int(flip.sum())
            if not flipped:
                break
        yield dark[1:-1, 1:-1] > 0.5


def render(dark: Any, version: int, scale: int = 6) -> Any:
    """The code drawn clean: black on white, its fixed patterns as they must be, a quiet zone of 4."""
    fixed, fixed_dark = function_modules(version)
    dark = np.where(fixed, fixed_dark, dark)
    n = dark.shape[0]
    image = np.full((n + 8, n + 8), 255, np.uint8)
    image[4 : 4 + n, 4 : 4 + n] = np.where(dark, 0, 255)
    return cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_NEAREST)


def read(gray: Any, tl: Any, tr: Any, bl: Any, version: int, decode: Callable[[Any], list[str]]) -> list[str]:
    """Texts read from the code of ``version`` with these finder centres (``decode`` reads a clean
    image). Light and shade made local over ~5 modules, then over ~4 (a glare's edge)."""
    warp = code_warp(gray, tl, tr, bl, version)
    values = module_values(gray, warp, version)
    for local in (2.5, 1.8):
        for dark in dark_modules(values, version, local=local, refits=_REFITS):
            found = decode(render(dark, version))
            if found:
                return found
    return []


def versions(tl: Any, tr: Any, bl: Any, module: float) -> list[int]:
    """The likely versions, nearest first: finder centres are 4 * version + 10 modules apart."""
    legs = (float(np.linalg.norm(tr - tl)) + float(np.linalg.norm(bl - tl))) / 2
    estimate = (legs / module - 10) / 4
    nearest = round(estimate)
    around = {v for v in range(nearest - 2, nearest + 3) if 1 <= v <= 40}
    return sorted(around, key=lambda v: abs(v - estimate))[:3]


def orient(a: Any, b: Any, c: Any) -> tuple[Any, Any, Any]:
    """(top left, top right, bottom left) of three finder centres: the corner is opposite the
    longest side; the other two in reading order (not mirrored)."""
    points = [np.float64(a), np.float64(b), np.float64(c)]
    sides = [float(np.linalg.norm(points[(j + 1) % 3] - points[(j + 2) % 3])) for j in range(3)]
    j = int(np.argmax(sides))
    corner, p1, p2 = points[j], points[(j + 1) % 3], points[(j + 2) % 3]
    if _cross(p1 - corner, p2 - corner) < 0:
        p1, p2 = p2, p1
    return corner, p1, p2


def finder_triples(found: list[tuple[Any, float]], limit: int = 3) -> list[tuple[Any, Any, Any, float]]:
    """(tl, tr, bl, module px) of triples of finder patterns of one size at about a right angle."""
    ranked = []
    found = found[:40]
    for a, b, c in _triples(len(found)):
        triple = (found[a], found[b], found[c])
        sides = [t[1] for t in triple]
        if max(sides) > 1.8 * min(sides):
            continue
        tl, tr, bl = orient(*(t[0] for t in triple))
        l1, l2 = float(np.linalg.norm(tr - tl)), float(np.linalg.norm(bl - tl))
        module = float(np.mean(sides)) / 7
        if min(l1, l2) < 10 * module or max(l1, l2) > 1.6 * min(l1, l2) or max(l1, l2) > 75 * module:
            continue
        cos = float(np.dot(tr - tl, bl - tl)) / (l1 * l2)
        if abs(cos) > 0.5:
            continue
        ranked.append((abs(cos) + abs(l1 - l2) / max(l1, l2), tl, tr, bl, module))
    ranked.sort(key=lambda t: t[0])
    return [t[1:] for t in ranked[:limit]]


def completed_pairs(gray: Any, found: list[tuple[Any, float]], limit: int = 3) -> list[tuple[Any, Any, Any, float]]:
    """Triples whose third finder the contour search missed (glare, a finger, a dim corner):
    looked for by template at each place a pair of finders puts it — beside either one at a
    right angle (an edge of the code) or across their middle (its diagonal)."""
    completed = []
    found = found[:20]
    for a in range(len(found)):
        for b in range(a + 1, len(found)):
            (pa, side_a), (pb, side_b) = found[a], found[b]
            if max(side_a, side_b) > 1.6 * min(side_a, side_b):
                continue
            module = (side_a + side_b) / 14
            apart = pb - pa
            distance = float(np.linalg.norm(apart)) / module
            if not 10 <= distance <= 75 * 1.45:
                continue
            across = np.float64([-apart[1], apart[0]])
            places = [pa + across, pa - across, pb + across, pb - across] if distance <= 75 else []
            if distance >= 14:
                places += [(pa + pb) / 2 + across / 2, (pa + pb) / 2 - across / 2]
            for place in places:
                tl, tr, bl = orient(pa, pb, place)
                legs = float(np.linalg.norm(tr - tl) + np.linalg.norm(bl - tl)) / 2 / module
                src = [(3.5, 3.5), (3.5 + legs, 3.5), (3.5, 3.5 + legs)]
                guess = Warp(src, [tl, tr, bl], bend=False)
                which = int(np.argmin([np.linalg.norm(p - place) for p in (tl, tr, bl)]))
                reach = max(_COMPLETION_REACH[0] * legs, _COMPLETION_REACH[1])
                point, score, moved = match(gray, guess, src[which], "finder", reach, k=3)
                if score < _COMPLETION_SEEN or moved >= reach - 0.1:
                    continue
                corners = [tl, tr, bl]
                corners[which] = point
                if score < _COMPLETION_SCORE:
                    again = Warp(src, corners, bend=False)
                    point, score, moved = match(gray, again, src[which], "finder", 1.5, k=4)
                    if score < _COMPLETION_AGAIN or moved >= 1.4:
                        continue
                    corners[which] = point
                completed.append((score, *corners, module))
    completed.sort(key=lambda t: -t[0])
    return [t[1:] for t in completed[:limit]]
