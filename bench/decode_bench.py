"""Decode benchmark: synthetic photos of a receipt held up to the kiosk camera.

Each photo is a white receipt with printed text and the QR of a status-lookup
link, pasted into a cluttered background and distorted one way (rotation,
perspective, blur, glare, low light, noise) at 480p, 720p or 1080p. Every photo
goes through ``hardware.scanners.decode_frame`` with its default time budget.

    .venv/bin/python bench/decode_bench.py [--per-case 12] [--seed 7]

Prints JSON: share decoded overall, per distortion and per resolution, and
milliseconds per 720p frame (mean, p50, p99). Targets: >= 99 % decoded,
<= 30 ms per 720p frame on the 2-core reference machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import qrcode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hardware.scanners import decode_frame

RESOLUTIONS = {"480p": (854, 480), "720p": (1280, 720), "1080p": (1920, 1080)}
DISTORTIONS = ("clean", "rotation", "perspective", "blur", "glare", "low_light", "noise")
TOKEN_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"


def _token(rng: np.random.Generator) -> str:
    return "".join(rng.choice(list(TOKEN_ALPHABET), size=22))


def _qr(text: str) -> np.ndarray:
    # The receipt printer prints error-correction level M, quiet zone of 4 modules.
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=8, border=4)
    code.add_data(text)
    code.make(fit=True)
    return np.array(code.make_image().convert("L"), dtype=np.uint8)


def _receipt(rng: np.random.Generator, url: str) -> tuple[np.ndarray, tuple[int, int, int]]:
    """A receipt in its own pixels (600 px wide paper, text lines, the QR at the
    bottom) and the QR's (left, top, side) on it."""
    width, height = 600, 820
    paper = np.full((height, width, 3), (242, 244, 246), np.uint8)
    lines = [
        "UBND TINH - TRUNG TAM PHUC VU HANH CHINH CONG",
        "GIAY TIEP NHAN HO SO VA HEN TRA KET QUA",
        "Ma ho so: 000.00.14.H12-250115-0001",
        "Nguoi nop: N. V. A.",
        "Thoi gian nhan: 09:12 15/01/2025",
        "Ngay hen tra: 22/01/2025",
        "Le phi: khong thu phi",
    ]
    for i, line in enumerate(lines):
        cv2.putText(paper, line, (24, 50 + 42 * i), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (30, 30, 30), 1, cv2.LINE_AA)
    qr = _qr(url)
    side = 330
    qr = cv2.resize(qr, (side, side), interpolation=cv2.INTER_NEAREST)
    top, left = height - side - 40, (width - side) // 2
    paper[top : top + side, left : left + side] = cv2.cvtColor(qr, cv2.COLOR_GRAY2BGR)
    return paper, (left, top, side)


def _background(rng: np.random.Generator, size: tuple[int, int]) -> np.ndarray:
    width, height = size
    base = rng.integers(40, 200, size=3).astype(np.float32)
    gradient = np.linspace(0.7, 1.2, width, dtype=np.float32)[None, :, None]
    texture = cv2.resize(rng.normal(0, 25, (height // 16, width // 16, 3)).astype(np.float32), (width, height))
    image = np.clip(base[None, None, :] * gradient + texture, 0, 255).astype(np.uint8)
    for _ in range(6):  # clutter: other papers, a hand, the kiosk frame
        p1 = (int(rng.integers(0, width)), int(rng.integers(0, height)))
        p2 = (int(rng.integers(0, width)), int(rng.integers(0, height)))
        cv2.rectangle(image, p1, p2, tuple(int(c) for c in rng.integers(0, 255, 3)), -1)
    return image


def _placement(rng, receipt_size, qr_box, frame_size, distortion):
    """A homography putting the receipt in the frame with its QR wholly in view,
    the QR 20-40 % of the frame height (a receipt held 20-40 cm from the camera)."""
    rw, rh = receipt_size
    fw, fh = frame_size
    left, top, side = qr_box
    corners = np.float32([[0, 0], [rw, 0], [rw, rh], [0, rh]])
    qr_corners = np.float32([[left, top], [left + side, top], [left + side, top + side], [left, top + side]])
    qr_centre = qr_corners.mean(axis=0)
    while True:
        scale = fh * float(rng.uniform(0.2, 0.4)) / side
        centre = np.float32([fw * rng.uniform(0.3, 0.7), fh * rng.uniform(0.3, 0.7)])
        angle = float(rng.uniform(-180, 180)) if distortion == "rotation" else float(rng.uniform(-6, 6))
        theta = np.deg2rad(angle)
        rot = np.float32([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
        target = ((corners - qr_centre) * scale) @ rot.T + centre
        if distortion == "perspective":
            # Tilted toward or away from the camera: one edge foreshortened by up to a third.
            shrink = float(rng.uniform(0.15, 0.33))
            a = int(rng.integers(0, 4))
            b = (a + 1) % 4
            mid = (target[a] + target[b]) / 2
            target[a] += (mid - target[a]) * shrink
            target[b] += (mid - target[b]) * shrink
            target += rng.normal(0, fh * 0.01, target.shape)
        matrix = cv2.getPerspectiveTransform(corners, target.astype(np.float32))
        qr_in_frame = cv2.perspectiveTransform(qr_corners[None], matrix)[0]
        margin = 0.02 * fh
        if (qr_in_frame.min(axis=0) > margin).all() and (qr_in_frame.max(axis=0) < [fw - margin, fh - margin]).all():
            return matrix


def _place(rng, receipt, qr_box, frame, distortion):
    fh, fw = frame.shape[:2]
    rh, rw = receipt.shape[:2]
    matrix = _placement(rng, (rw, rh), qr_box, (fw, fh), distortion)
    warped = cv2.warpPerspective(receipt, matrix, (fw, fh), flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(np.full((rh, rw), 255, np.uint8), matrix, (fw, fh))
    frame[mask > 0] = warped[mask > 0]
    return frame


def _distort(rng, frame, distortion):
    fh, fw = frame.shape[:2]
    image = frame.astype(np.float32)
    if distortion == "blur":
        if rng.random() < 0.5:
            sigma = fh / 720 * float(rng.uniform(1.2, 2.2))
            image = cv2.GaussianBlur(image, (0, 0), sigma)
        else:  # hand shake: motion blur along a random direction
            length = max(3, int(fh / 720 * rng.uniform(4, 8)))
            kernel = np.zeros((length, length), np.float32)
            kernel[length // 2, :] = 1.0 / length
            rot = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5), float(rng.uniform(0, 180)), 1.0)
            kernel = cv2.warpAffine(kernel, rot, (length, length))
            image = cv2.filter2D(image, -1, kernel / kernel.sum())
    elif distortion == "glare":
        # A ceiling light reflected on glossy paper: a soft bright blob near the QR.
        yy, xx = np.mgrid[0:fh, 0:fw].astype(np.float32)
        gx, gy = fw * float(rng.uniform(0.35, 0.65)), fh * float(rng.uniform(0.4, 0.9))
        radius = fh * float(rng.uniform(0.08, 0.15))
        blob = np.exp(-(((xx - gx) ** 2 + (yy - gy) ** 2) / (2 * radius**2)))
        image = image + blob[..., None] * float(rng.uniform(90, 160))
    elif distortion == "low_light":
        image = image * float(rng.uniform(0.15, 0.3)) + rng.normal(0, 3, image.shape)
    elif distortion == "noise":
        image = image + rng.normal(0, float(rng.uniform(15, 28)), image.shape)
    # Every camera adds a little sensor noise and a touch of lens softness.
    image = cv2.GaussianBlur(image, (0, 0), 0.6) + rng.normal(0, 2, image.shape)
    image = np.clip(image, 0, 255).astype(np.uint8)
    ok, jpeg = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 85])  # webcams send MJPEG
    return cv2.imdecode(jpeg, cv2.IMREAD_COLOR)


def synthetic_photo(rng: np.random.Generator, resolution: str, distortion: str) -> tuple[np.ndarray, str]:
    url = f"https://hcc.example.gov.vn/l/{_token(rng)}"
    frame = _background(rng, RESOLUTIONS[resolution])
    receipt, qr_box = _receipt(rng, url)
    frame = _place(rng, receipt, qr_box, frame, distortion)
    return _distort(rng, frame, distortion), url


def _share(hits: list[bool]) -> float:
    return round(sum(hits) / len(hits), 4) if hits else 0.0


def run(per_case: int, seed: int, save_failures: Path | None) -> dict:
    rng = np.random.default_rng(seed)
    by_distortion: dict[str, list[bool]] = {d: [] for d in DISTORTIONS}
    by_resolution: dict[str, list[bool]] = {r: [] for r in RESOLUTIONS}
    ms_by_resolution: dict[str, list[float]] = {r: [] for r in RESOLUTIONS}
    decode_frame(np.zeros((64, 64, 3), np.uint8))  # load zbar and OpenCV before timing
    for resolution in RESOLUTIONS:
        for distortion in DISTORTIONS:
            for i in range(per_case):
                frame, url = synthetic_photo(rng, resolution, distortion)
                started = time.perf_counter()
                found = decode_frame(frame)
                ms_by_resolution[resolution].append((time.perf_counter() - started) * 1000)
                hit = url in found
                by_distortion[distortion].append(hit)
                by_resolution[resolution].append(hit)
                if not hit and save_failures is not None:
                    save_failures.mkdir(parents=True, exist_ok=True)
                    cv2.imwrite(str(save_failures / f"{resolution}-{distortion}-{i}.jpg"), frame)
    all_hits = [h for hits in by_distortion.values() for h in hits]
    ms = sorted(ms_by_resolution["720p"])
    return {
        "frames": len(all_hits),
        "seed": seed,
        "decoded_share": _share(all_hits),
        "decoded_share_by_distortion": {d: _share(h) for d, h in by_distortion.items()},
        "decoded_share_by_resolution": {r: _share(h) for r, h in by_resolution.items()},
        "ms_per_720p_frame": {
            "mean": round(statistics.fmean(ms), 2),
            "p50": round(ms[len(ms) // 2], 2),
            "p99": round(ms[min(len(ms) - 1, int(len(ms) * 0.99))], 2),
            "max": round(ms[-1], 2),
        },
        "ms_mean_by_resolution": {r: round(statistics.fmean(v), 2) for r, v in ms_by_resolution.items()},
        "targets": {"decoded_share": 0.99, "ms_per_720p_frame_mean": 30.0},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--per-case", type=int, default=12, help="photos per resolution and distortion")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--save-failures", type=Path, help="write frames that did not decode here")
    args = parser.parse_args()
    print(json.dumps(run(args.per_case, args.seed, args.save_failures), indent=2))


if __name__ == "__main__":
    main()
