"""A second camera emulator, built independently of ``photos.py``: receipts in a 3-D scene.

``photos.py`` moves a flat page with a 2-D homography and paints its effects on the
frame. This one models the scene the way a kiosk camera sees it, so that a decoder
tuned on one emulator can be judged on photos it has never seen the like of:

- the receipt is printed by a 203-dpi thermal head (PIL, the kiosk's Vietnamese font,
  modules of 5-8 dots, random QR mask and sometimes a fixed larger QR version), on grey
  paper that may be creased across the code;
- it is a curved sheet in front of a pinhole camera (the webcam's focal length drawn per
  photo): rolled up to ±35°, tilted toward or away from the lens, held at the distance
  that makes the code the size drawn; every pixel of the page is projected through the
  camera (``cv2.remap`` of the inverse mapping), so tilt shrinks the far side of the code
  as it does through a real lens;
- light is a low-frequency random field (a room's lamps and windows) times Lambert shading
  of the bent sheet, with a specular highlight where glossy thermal paper mirrors a lamp;
- behind it, a scene with decoys a detector may take for a code: keyboards and tiled
  floors (grids of squares), other printed pages, checked shirts, logos;
- the camera: defocus as a lens's disk (with the focal plane behind or in front), a hand's
  shake along a curved path, shot noise that grows with the light and read noise that grows
  with the gain, the webcam's own sharpening halo, chroma subsampling and JPEG; a 480p
  stream is scaled down from a bigger sensor by the webcam, aliasing and all.

What is drawn is data (``SceneConditions``). ``SCENE_TUNING`` (seeds from 31000) is what the
decoder may be tuned on; ``SCENE_HELD_OUT`` (seeds from 47000, and other ranges: steeper
tilt, smaller codes, creases, curved shakes, stronger sharpening halos, harder JPEG,
more decoys) is only measured.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from .photos import PAYLOAD_KINDS, RESOLUTIONS, Conditions, _kernel_disk, payload_text

__all__ = ["SceneConditions", "Scene", "SCENE_TUNING", "SCENE_HELD_OUT", "make_scene", "scene_set"]

_FONT = Path(__file__).resolve().parents[1] / "fonts" / "DejaVuSans.ttf"
_FONT_BOLD = Path(__file__).resolve().parents[1] / "fonts" / "DejaVuSans-Bold.ttf"


@dataclass(frozen=True)
class SceneConditions:
    max_roll_deg: float = 35.0  # rotation in the image plane
    max_tilt_deg: float = 28.0  # the sheet turned toward/away from the lens, about either axis
    max_perspective: float = 0.12  # the page's corners off a similar shape, as a share of its size
    focal_share: tuple[float, float] = (0.75, 1.3)  # focal length / frame width: 42-67° lenses
    qr_height_share: tuple[float, float] = (0.12, 0.42)  # the code's side / frame height
    min_module_px: float = 2.0  # smaller than this is the kiosk's "đưa phiếu lại gần hơn"
    module_dots: tuple[int, int] = (5, 8)
    error_correction: tuple[str, ...] = ("M", "Q")
    version_bump_share: float = 0.25  # printers set to a fixed, larger version
    max_version: int = 11
    link_length: tuple[int, int] = (44, 65)
    cccd_length: tuple[int, int] = (120, 130)
    paper_grey: tuple[int, int] = (150, 240)
    ink_share: tuple[float, float] = (0.5, 0.95)  # how much darker ink is than the paper
    crease_share: float = 0.0
    curl_depth: tuple[float, float] = (0.0, 0.08)  # sag of the sheet, share of its width
    light_field: tuple[float, float] = (0.15, 0.6)  # how uneven the room's light is
    dim_share: float = 0.25
    specular_share: float = 0.3
    decoys: tuple[int, int] = (2, 6)
    defocus_share: float = 0.45
    defocus_modules: tuple[float, float] = (0.2, 0.65)  # disk radius in modules
    shake_share: float = 0.35
    shake_modules: tuple[float, float] = (0.3, 1.1)
    shake_curve: float = 0.0  # 0: straight shakes; up to this share bends the path
    shot_noise: tuple[float, float] = (0.3, 1.2)  # sigma = k * sqrt(signal)
    read_noise: tuple[float, float] = (1.5, 6.0)
    sharpen_halo: tuple[float, float] = (0.0, 0.6)  # the webcam's unsharp mask
    jpeg_quality: tuple[int, int] = (55, 90)


SCENE_TUNING = SceneConditions()
SCENE_HELD_OUT = SceneConditions(
    max_roll_deg=35.0,
    max_tilt_deg=32.0,
    max_perspective=0.12,
    focal_share=(0.65, 1.4),
    qr_height_share=(0.11, 0.45),
    paper_grey=(140, 245),
    ink_share=(0.45, 0.95),
    crease_share=0.3,
    curl_depth=(0.0, 0.1),
    light_field=(0.2, 0.7),
    dim_share=0.3,
    specular_share=0.35,
    decoys=(3, 8),
    defocus_share=0.5,
    defocus_modules=(0.25, 0.7),
    shake_share=0.4,
    shake_modules=(0.35, 1.2),
    shake_curve=0.5,
    shot_noise=(0.4, 1.4),
    read_noise=(2.0, 7.0),
    sharpen_halo=(0.2, 1.0),
    jpeg_quality=(45, 85),
)


@dataclass(frozen=True)
class Scene:
    image: Any  # BGR uint8
    text: str
    kind: str
    resolution: str
    version: int
    module_px: float  # mean module size in the frame
    qr_corners: Any  # 4x2 float32, the code's corners in the frame
    effects: tuple[str, ...] = ()


def _libs() -> tuple[Any, Any]:
    import cv2
    import numpy as np

    return cv2, np


@lru_cache(maxsize=8)
def _font(size: int, bold: bool = False) -> Any:
    from PIL import ImageFont

    return ImageFont.truetype(str(_FONT_BOLD if bold else _FONT), size)


def _qr(text: str, level: str, bump: bool, max_version: int, rng: Any) -> tuple[Any, int]:
    import qrcode

    _cv2, np = _libs()
    levels = {"M": qrcode.constants.ERROR_CORRECT_M, "Q": qrcode.constants.ERROR_CORRECT_Q}
    mask = int(rng.integers(0, 8))
    code = qrcode.QRCode(error_correction=levels[level], box_size=1, border=0, mask_pattern=mask)
    code.add_data(text.encode("utf-8"))
    code.make(fit=True)
    if bump and code.version < max_version:
        fixed = qrcode.QRCode(
            version=code.version + 1, error_correction=levels[level], box_size=1, border=0, mask_pattern=mask
        )
        fixed.add_data(text.encode("utf-8"))
        fixed.make(fit=False)
        code = fixed
    return np.array(code.get_matrix(), dtype=bool), code.version


def _print_receipt(rng: Any, modules: Any, dots: int, c: SceneConditions) -> tuple[Any, tuple[int, int, int], list]:
    """The receipt as the thermal head prints it: float32 reflectance 0..1, the QR's box."""
    from PIL import Image, ImageDraw

    cv2, np = _libs()
    side = modules.shape[0] * dots
    width = 576
    qr_top = 250
    height = qr_top + side + 4 * dots + 170
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    lines = [
        ("TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG", 22, True),
        ("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", 20, True),
        (f"Người nộp: {rng.choice(['Trần Thị Bích', 'Lê Văn Đức', 'Phạm Ngọc Ánh'])}", 20, False),
        (f"Ngày hẹn trả: {int(rng.integers(1, 29)):02d}/{int(rng.integers(1, 13)):02d}/2026", 20, False),
        ("Quét mã để tra cứu tình trạng hồ sơ", 18, False),
    ]
    y = 16
    for text, size, bold in lines:
        draw.text((18, y), text, fill=0, font=_font(size, bold))
        y += size + 18
    draw.text((18, height - 120), "Cảm ơn Quý khách!", fill=0, font=_font(20))
    draw.text((18, height - 80), "Hotline: 1900 1234 - Zalo OA", fill=0, font=_font(18))
    ink = np.asarray(page, np.float32) / 255.0  # 1 = paper, 0 = ink
    left = (width - side) // 2 + int(rng.integers(-30, 31))
    qr = np.kron(~modules, np.ones((dots, dots), bool)).astype(np.float32)
    ink[qr_top : qr_top + side, left : left + side] = qr
    # Dot gain of the thermal head: each dark dot bleeds a little (or a cool head prints thin).
    gain = float(rng.uniform(-0.35, 0.45))
    if abs(gain) > 0.05:
        blurred = cv2.GaussianBlur(ink, (0, 0), 0.7)
        ink = np.clip(0.5 + (blurred - 0.5) * 3.0 - gain * 0.6, 0, 1)
    # Columns of a worn head print paler.
    wear = np.ones(width, np.float32)
    for _ in range(int(rng.integers(0, 3))):
        x = int(rng.integers(0, width))
        wear[x : x + int(rng.integers(1, 4))] = float(rng.uniform(0.4, 0.8))
    paper = float(rng.uniform(*c.paper_grey)) / 255.0
    darkness = float(rng.uniform(*c.ink_share)) * wear[None, :]
    reflect = paper * (1.0 - darkness * (1.0 - ink))
    # Paper fibre.
    fibre = cv2.GaussianBlur(rng.normal(0, 1, reflect.shape).astype(np.float32), (0, 0), 1.5)
    reflect = reflect * (1.0 + 0.02 * fibre)
    effects = []
    if rng.random() < c.crease_share:  # folded in a pocket: a line across the code, darker on one side
        effects.append("crease")
        yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
        angle = float(rng.uniform(0, np.pi))
        cx, cy = left + side * float(rng.uniform(0.2, 0.8)), qr_top + side * float(rng.uniform(0.2, 0.8))
        distance = (xx - cx) * np.cos(angle) + (yy - cy) * np.sin(angle)
        reflect *= 1.0 - 0.25 * np.exp(-(distance**2) / (2 * (dots * 0.8) ** 2)) - 0.08 * (distance > 0)
    return np.clip(reflect, 0, 1), (left, qr_top, side), effects


def _background(rng: Any, width: int, height: int, c: SceneConditions) -> Any:
    """Reflectance of the scene behind the receipt (BGR 0..1), with decoys."""
    cv2, np = _libs()
    low = rng.uniform(0.1, 0.8, (3, 4, 3)).astype(np.float32)
    image = cv2.resize(low, (width, height), interpolation=cv2.INTER_CUBIC)
    image += cv2.resize(rng.normal(0, 0.06, (height // 8, width // 8, 3)).astype(np.float32), (width, height))
    image = (np.clip(image, 0, 1) * 255).astype(np.uint8)  # drawn on in 8 bits (OpenCV's text wants it)
    for _ in range(int(rng.integers(*c.decoys)) + 1):
        kind = int(rng.integers(0, 5))
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
        w, h = int(rng.integers(width // 10, width // 2)), int(rng.integers(height // 10, height // 2))
        if kind == 0:  # keyboard / tiles: a grid of squares
            pitch = int(rng.integers(max(6, width // 80), max(8, width // 25)))
            for gy in range(y, min(height, y + h), pitch):
                for gx in range(x, min(width, x + w), pitch):
                    cv2.rectangle(image, (gx, gy), (gx + pitch - 3, gy + pitch - 3), colour, -1)
        elif kind == 1:  # another printed page with text
            cv2.rectangle(image, (x, y), (x + w, y + h), (216, 220, 214), -1)
            for ty in range(y + 20, y + h, 22):
                cv2.putText(image, "VAN BAN SO 12/QD-UBND", (x + 8, ty), cv2.FONT_HERSHEY_PLAIN, 1.2, (25,) * 3, 1)
        elif kind == 2:  # a checked shirt
            step = int(rng.integers(5, 16))
            region = image[y : y + h, x : x + w]
            yy, xx = np.mgrid[0 : region.shape[0], 0 : region.shape[1]]
            check = (((xx // step) + (yy // step)) % 2).astype(np.float32)[..., None]
            mixed = region * (1 - 0.6 * check) + np.float32(colour) * 0.6 * check
            region[:] = mixed.astype(np.uint8)
        elif kind == 3:  # a logo: a few black squares with white centres, like finder patterns
            s = int(rng.integers(12, 40))
            for k in range(int(rng.integers(1, 4))):
                cx, cy = x + k * 3 * s, y
                cv2.rectangle(image, (cx, cy), (cx + s, cy + s), (12,) * 3, -1)
                cv2.rectangle(image, (cx + s // 7, cy + s // 7), (cx + s - s // 7, cy + s - s // 7), (230,) * 3, -1)
                cv2.rectangle(
                    image, (cx + 2 * s // 7, cy + 2 * s // 7), (cx + 5 * s // 7, cy + 5 * s // 7), (12,) * 3, -1
                )
        else:  # furniture, a sleeve: a solid shape
            cv2.ellipse(image, (x, y), (w // 2, h // 2), float(rng.uniform(0, 180)), 0, 360, colour, -1)
    return image.astype(np.float32) / 255.0


def _rotation(roll: float, tilt_x: float, tilt_y: float) -> Any:
    _cv2, np = _libs()
    cz, sz = np.cos(roll), np.sin(roll)
    cx, sx = np.cos(tilt_x), np.sin(tilt_x)
    cy, sy = np.cos(tilt_y), np.sin(tilt_y)
    rz = np.array([[cz, -sz, 0], [sz, cz, 0], [0, 0, 1]])
    rx = np.array([[1, 0, 0], [0, cx, -sx], [0, sx, cx]])
    ry = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    return ry @ rx @ rz


def _project(points3: Any, f: float, cx: float, cy: float) -> Any:
    return points3[..., :2] / points3[..., 2:3] * f + [cx, cy]


def _pose(rng: Any, page_shape, qr_box, modules: int, frame, c: SceneConditions):
    """A pose of the sheet in front of the camera with the code (and its quiet zone) in view."""
    _cv2, np = _libs()
    ph, pw = page_shape
    fw, fh = frame
    left, top, side = qr_box
    for _attempt in range(300):
        f = fw * float(rng.uniform(*c.focal_share))
        roll = np.deg2rad(rng.uniform(-c.max_roll_deg, c.max_roll_deg))
        tilt_x = np.deg2rad(rng.uniform(-c.max_tilt_deg, c.max_tilt_deg))
        tilt_y = np.deg2rad(rng.uniform(-c.max_tilt_deg, c.max_tilt_deg))
        rot = _rotation(roll, tilt_x, tilt_y)
        want = max(fh * float(rng.uniform(*c.qr_height_share)), c.min_module_px * modules * 1.1)
        distance = f * side / want  # page units (dots)
        aim = np.array([rng.uniform(-0.3, 0.3) * fw, rng.uniform(-0.25, 0.25) * fh]) / f * distance
        qr_centre = np.array([left + side / 2, top + side / 2, 0.0])
        origin = np.array([aim[0], aim[1], distance]) - rot @ qr_centre
        page = np.array([[0, 0, 0], [pw, 0, 0], [pw, ph, 0], [0, ph, 0]], float)
        q = side
        qr = np.array([[left, top, 0], [left + q, top, 0], [left + q, top + q, 0], [left, top + q, 0]], float)
        quiet = qr + np.array([[-4, -4, 0], [4, -4, 0], [4, 4, 0], [-4, 4, 0]]) * (side / modules)
        qr_px = _project(qr @ rot.T + origin, f, fw / 2, fh / 2)
        quiet_px = _project(quiet @ rot.T + origin, f, fw / 2, fh / 2)
        page_px = _project(page @ rot.T + origin, f, fw / 2, fh / 2)
        if not ((quiet_px.min(axis=0) > 2).all() and (quiet_px.max(axis=0) < [fw - 2, fh - 2]).all()):
            continue
        edges = np.linalg.norm(qr_px - np.roll(qr_px, 1, axis=0), axis=1)
        if edges.min() < c.min_module_px * modules:
            continue
        if _perspective(page_px, page[:, :2]) > c.max_perspective:
            continue
        return rot, origin, f, qr_px.astype(np.float32)
    raise RuntimeError("no pose found")  # the ranges leave room


def _perspective(image_pts: Any, page_pts: Any) -> float:
    """How far the page's corners are from the nearest similar shape, as a share of its size."""
    cv2, np = _libs()
    similarity, _ = cv2.estimateAffinePartial2D(page_pts.astype(np.float32), image_pts.astype(np.float32))
    fitted = page_pts @ similarity[:, :2].T + similarity[:, 2]
    size = float(np.linalg.norm(image_pts[2] - image_pts[0]))
    return float(np.linalg.norm(fitted - image_pts, axis=1).max()) / size


def _shake(rng: Any, length: float, curve: float) -> Any:
    """A hand's shake during the exposure: a path of ``length`` px, bent by up to ``curve``."""
    cv2, np = _libs()
    n = int(np.ceil(length)) + 3
    n += 1 - n % 2
    kernel = np.zeros((n, n), np.float32)
    angle = float(rng.uniform(0, np.pi))
    bend = float(rng.uniform(-curve, curve))
    steps = 64
    for i in range(steps + 1):
        t = i / steps - 0.5
        along = t * length
        off = bend * length * (t * t - 0.25)
        x = n // 2 + along * np.cos(angle) - off * np.sin(angle)
        y = n // 2 + along * np.sin(angle) + off * np.cos(angle)
        weight = 1.0 + float(rng.uniform(0, 0.5))  # the hand slows and speeds up
        xi, yi = int(x), int(y)
        fx, fy = x - xi, y - yi
        for dx, dy, w in ((0, 0, (1 - fx) * (1 - fy)), (1, 0, fx * (1 - fy)), (0, 1, (1 - fx) * fy), (1, 1, fx * fy)):
            if 0 <= xi + dx < n and 0 <= yi + dy < n:
                kernel[yi + dy, xi + dx] += w * weight
    return kernel / kernel.sum()


def make_scene(
    rng: Any,
    resolution: str = "720p",
    kind: str = "link",
    conditions: SceneConditions = SCENE_TUNING,
    *,
    text: str | None = None,
) -> Scene:
    cv2, np = _libs()
    c = conditions
    lengths = Conditions(link_length=c.link_length, cccd_length=c.cccd_length)
    text = text if text is not None else payload_text(rng, kind, lengths)
    level = str(rng.choice(list(c.error_correction)))
    modules, version = _qr(text, level, rng.random() < c.version_bump_share, c.max_version, rng)
    n_modules = modules.shape[0]
    dots = int(rng.integers(c.module_dots[0], c.module_dots[1] + 1))
    reflect, qr_box, effects = _print_receipt(rng, modules, dots, c)
    ph, pw = reflect.shape

    # A 480p stream is the webcam's downscale of a 720p sensor read-out.
    out_w, out_h = RESOLUTIONS[resolution]
    fw, fh = (1280, 720) if resolution == "480p" else (out_w, out_h)
    if resolution == "480p":  # 4:3 crop of the 16:9 sensor
        fw = 960
    sensor_scale = out_h / fh
    min_module = c.min_module_px / sensor_scale
    c_sensor = dataclasses.replace(c, min_module_px=min_module)
    rot, origin, f, qr_px = _pose(rng, (ph, pw), qr_box, n_modules, (fw, fh), c_sensor)

    # The sheet sags (curl): z grows with the distance from its middle line.
    sag = float(rng.uniform(*c.curl_depth)) * pw
    if sag > 0.02 * pw:
        effects.append("curl")

    # Inverse mapping: for every frame pixel, the page point it sees (ray / plane intersection,
    # the curl treated as a small correction along the plane's normal).
    yy, xx = np.mgrid[0:fh, 0:fw].astype(np.float32)
    rays = np.stack([(xx - fw / 2) / f, (yy - fh / 2) / f, np.ones_like(xx)], axis=-1)
    normal = rot[:, 2]
    denom = rays @ normal.astype(np.float32)
    t = float(normal @ origin) / np.where(np.abs(denom) < 1e-6, 1e-6, denom)
    hit = rays * t[..., None] - origin.astype(np.float32)
    local = hit @ rot.astype(np.float32)  # page coordinates (x, y, ~0)
    u, v = local[..., 0], local[..., 1]
    if sag > 0:
        # Points of a sagging sheet sit closer to the lens: seen from the lens they move
        # toward the page's middle column by the sag's foreshortening.
        bow = sag * (1 - ((u - pw / 2) / (pw / 2)) ** 2)
        u = u + (u - pw / 2) * bow / (t + 1e-6)
        v = v + (v - ph / 2) * bow / (t + 1e-6)
    inside = ((u >= 0) & (u < pw - 1) & (v >= 0) & (v < ph - 1)).astype(np.float32)
    # Area-correct sampling of the page: prefilter the page by the local scale.
    scale = f / float(np.median(t[inside > 0])) if inside.any() else 1.0
    source = reflect if scale >= 0.8 else cv2.GaussianBlur(reflect, (0, 0), 0.45 / scale)
    page_img = cv2.remap(source, u, v, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    inside = cv2.GaussianBlur(inside, (0, 0), 0.6)

    background = _background(rng, fw, fh, c)
    tint = rng.uniform(0.9, 1.05, 3).astype(np.float32)
    scene = background * (1 - inside[..., None]) + (page_img[..., None] * tint) * inside[..., None]

    # Light: the room's field times the sheet's Lambert shading, a lamp's mirror image.
    field = cv2.resize(rng.uniform(0, 1, (4, 6)).astype(np.float32), (fw, fh), interpolation=cv2.INTER_CUBIC)
    unevenness = float(rng.uniform(*c.light_field))
    light = 1.0 - unevenness * np.clip(field, 0, 1)
    light *= 0.75 + 0.25 * abs(float(normal[2]))
    if rng.random() < c.dim_share:
        effects.append("dim")
        light *= float(rng.uniform(0.22, 0.45))
    exposure = float(rng.uniform(0.85, 1.15)) / max(0.35, float(np.median(light)))  # auto-exposure
    exposure = min(exposure, 3.0)
    gain = exposure
    radiance = scene * (light * min(exposure, 1.4))[..., None] * 235.0
    if rng.random() < c.specular_share:
        effects.append("glare")
        centre = qr_px.mean(axis=0) + rng.normal(0, 0.3, 2) * float(np.linalg.norm(qr_px[1] - qr_px[0]))
        side = float(np.linalg.norm(qr_px[1] - qr_px[0]))
        ax, ay = side * float(rng.uniform(0.08, 0.35)), side * float(rng.uniform(0.05, 0.2))
        angle = float(rng.uniform(0, np.pi))
        dx, dy = xx - centre[0], yy - centre[1]
        a = (dx * np.cos(angle) + dy * np.sin(angle)) / ax
        b = (-dx * np.sin(angle) + dy * np.cos(angle)) / ay
        radiance += (np.exp(-(a * a + b * b)) * float(rng.uniform(90, 260)))[..., None] * inside[..., None]

    module_px = float(np.mean(np.linalg.norm(qr_px - np.roll(qr_px, 1, axis=0), axis=1))) / n_modules
    if rng.random() < c.defocus_share:
        effects.append("defocus")
        radiance = cv2.filter2D(radiance, -1, _kernel_disk(module_px * float(rng.uniform(*c.defocus_modules))))
    if rng.random() < c.shake_share:
        length = module_px * float(rng.uniform(*c.shake_modules))
        if length >= 1.2:
            effects.append("shake")
            radiance = cv2.filter2D(radiance, -1, _shake(rng, length, c.shake_curve))
    radiance = cv2.GaussianBlur(radiance, (0, 0), 0.45)  # optics and the Bayer demosaic

    # The sensor: shot noise grows with the signal, read noise with the gain.
    shot = float(rng.uniform(*c.shot_noise))
    read = float(rng.uniform(*c.read_noise)) * (gain if gain > 1 else 1.0)
    noisy = radiance + rng.normal(0, 1, radiance.shape).astype(np.float32) * (
        shot * np.sqrt(np.clip(radiance, 0, None)) + read
    )
    # The webcam's ISP: denoise a little, then sharpen (halos along the module edges).
    noisy = cv2.GaussianBlur(noisy, (0, 0), 0.6)
    halo = float(rng.uniform(*c.sharpen_halo))
    if halo > 0.05:
        noisy = cv2.addWeighted(noisy, 1 + halo, cv2.GaussianBlur(noisy, (0, 0), 1.5), -halo, 0)
    frame = np.clip(noisy, 0, 255).astype(np.uint8)
    if resolution == "480p":
        frame = cv2.resize(frame, (out_w, out_h), interpolation=cv2.INTER_LINEAR)  # webcams scale cheaply
        qr_px = qr_px * [out_w / fw, out_h / fh]
        module_px *= sensor_scale
    quality = int(rng.integers(c.jpeg_quality[0], c.jpeg_quality[1] + 1))
    _ok, jpeg = cv2.imencode(
        ".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, quality, cv2.IMWRITE_JPEG_SAMPLING_FACTOR, 0x221111]
    )
    image = cv2.imdecode(jpeg, cv2.IMREAD_COLOR)
    return Scene(image, text, kind, resolution, version, module_px, qr_px.astype(np.float32), tuple(effects))


def scene_set(seed: int, per_cell: int, conditions: SceneConditions = SCENE_TUNING, resolutions=None, kinds=None):
    """``per_cell`` scenes for every frame size and payload kind, drawn from ``seed``."""
    _cv2, np = _libs()
    rng = np.random.default_rng(seed)
    for resolution in resolutions or RESOLUTIONS:
        for kind in kinds or PAYLOAD_KINDS:
            for _ in range(per_cell):
                yield make_scene(rng, resolution, kind, conditions)
