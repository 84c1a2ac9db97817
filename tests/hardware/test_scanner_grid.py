"""The ladder's last resort: a QR code read module by module through all its alignment patterns."""

import dataclasses

import cv2
import numpy as np
import pytest
import qrcode

from hardware.scanners import grid, inspect_frame
from hardware.scanners.decode import _Ladder
from hardware.scanners.scenes import SCENE_TUNING, make_scene

# Tuning conditions with the sheet always sagging hard and the room always dim.
CURLED = dataclasses.replace(SCENE_TUNING, curl_depth=(0.07, 0.1), dim_share=1.0)


def test_a_curled_dense_code_nothing_else_reads_is_read_module_by_module():
    # A CCCD string (version 9) at 2.35 px per module on a sagging sheet in a dim room, the hand
    # shaking: every other step of the ladder misses it.
    scene = make_scene(np.random.default_rng(13), "720p", "cccd", CURLED)
    assert "curl" in scene.effects and scene.version >= 8 and scene.module_px < 2.5
    report = inspect_frame(scene.image, budget_s=60.0)  # no attempt cut short, whatever the load
    assert report.texts == [scene.text]
    assert report.step == "grid-region"


def _matrix(text, version=None):
    code = qrcode.QRCode(version=version, error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(text)
    code.make(fit=version is None)
    return np.array(code.get_matrix(), bool), code.version


@pytest.mark.parametrize("version", [2, 7, 10, 14])
def test_the_fixed_modules_are_those_of_a_real_code(version):
    matrix, _version = _matrix("CCCD", version)
    fixed, dark = grid.function_modules(version)
    assert matrix.shape == fixed.shape
    assert (matrix[fixed] == dark[fixed]).all()


def test_alignment_centres_follow_the_standard():
    assert grid.alignment_centres(1) == []
    assert grid.alignment_centres(2) == [6, 18]
    assert grid.alignment_centres(7) == [6, 22, 38]
    assert grid.alignment_centres(10) == [6, 28, 50]
    assert grid.alignment_centres(14) == [6, 26, 46, 66]
    assert grid.alignment_centres(32) == [6, 34, 60, 86, 112, 138]


def test_a_page_bent_by_two_modules_is_sampled_through_its_alignment_patterns():
    text = "001099012345|123456789|Nguyễn Văn An|01011990|Nam|Số 1 Lê Lợi, Tổ 10 Khu phố 3, Phường Bến Nghé, TP Hồ Chí Minh|01012021"
    matrix, version = _matrix(text)
    assert version >= 8
    n = matrix.shape[0]
    module = 8
    page = np.pad(np.where(matrix, 40, 215).astype(np.uint8), 4, constant_values=215)
    page = cv2.resize(page, None, fx=module, fy=module, interpolation=cv2.INTER_NEAREST)
    # Rows bow by two modules across the code (the middle of the sheet sags), then a tilt.
    h, w = page.shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    bent = cv2.remap(page, xx, yy + 2 * module * np.sin(np.pi * xx / w), cv2.INTER_LINEAR, borderValue=215)
    corners = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    tilted = np.float32([[60, 50], [330, 30], [350, 340], [40, 320]])
    matrix_to_frame = cv2.getPerspectiveTransform(corners, tilted)
    frame = cv2.warpPerspective(bent, matrix_to_frame, (400, 380), flags=cv2.INTER_AREA, borderValue=200)
    frame = cv2.GaussianBlur(frame, (0, 0), 0.8)

    # The finders' centres where the sheet put them, bend included.
    def in_frame(x, y):
        px, py = (x + 4) * module, (y + 4) * module
        py -= 2 * module * np.sin(np.pi * px / w)
        return cv2.perspectiveTransform(np.float32([[[px, py]]]), matrix_to_frame)[0, 0]

    tl, tr, bl = in_frame(3.5, 3.5), in_frame(n - 3.5, 3.5), in_frame(3.5, n - 3.5)
    ladder = _Ladder(frame)
    assert grid.read(frame, tl, tr, bl, version, ladder.pure_zxing) == [text]
    # Through the finders alone (one plane, as zxing samples) the bend garbles it.
    flat = grid.Warp([(3.5, 3.5), (n - 3.5, 3.5), (3.5, n - 3.5)], [tl, tr, bl], bend=False)
    assert (
        ladder.pure_zxing(
            grid.render(next(grid.dark_modules(grid.module_values(frame, flat, version), version)), version)
        )
        == []
    )


def test_a_frame_without_a_code_gives_nothing():
    rng = np.random.default_rng(5)
    frame = cv2.GaussianBlur(rng.integers(0, 255, (480, 640), dtype=np.uint8), (0, 0), 3)
    assert _Ladder(frame).grid_attempt() == []


def test_a_blurred_code_under_a_light_gradient_and_glare_is_read_once_the_blur_is_fitted_again():
    # A CCCD string (version 10) at 2.3 px per module, out of focus by half a module, lit from
    # one side with a glare spot: the blur model fitted on the fixed modules alone misreads it,
    # fitted again on all modules as decided it reads.
    text = "001234567890|123456789|Nguyen Van A|01011990|Nam|So 1 Duong ABC, Phuong XYZ, Quan 1, TP HCM|01012021"
    matrix, version = _matrix(text, 10)
    n, px = matrix.shape[0], 2.3
    page = np.ones((n + 8, n + 8), np.float32)
    page[4 : 4 + n, 4 : 4 + n] = np.where(matrix, 0.0, 1.0)
    sharp = cv2.resize(page, None, fx=px, fy=px, interpolation=cv2.INTER_AREA)
    blurred = cv2.GaussianBlur(sharp, (0, 0), 0.5 * px)
    h, w = blurred.shape
    y, x = np.mgrid[0:h, 0:w]
    glare = np.exp(-((x - 0.7 * w) ** 2 + (y - 0.3 * h) ** 2) / (2 * (0.15 * w) ** 2))
    light = (0.25 + 0.75 * x / w + 0.5 * glare) / 1.5
    noise = np.random.default_rng(1).normal(0, 6, blurred.shape)
    frame = np.clip(255 * (0.1 + 0.8 * blurred) * light + noise, 0, 255).astype(np.uint8)

    def in_frame(cx, cy):
        return (cx + 4) * px - 0.5, (cy + 4) * px - 0.5

    tl, tr, bl = in_frame(3.5, 3.5), in_frame(n - 3.5, 3.5), in_frame(3.5, n - 3.5)
    ladder = _Ladder(frame)
    warp = grid.Warp([(3.5, 3.5), (n - 3.5, 3.5), (3.5, n - 3.5)], [tl, tr, bl], bend=False)
    values = grid.module_values(frame, warp, version)
    for local in (2.5, 1.8):  # the first guess, all the module reading did before
        assert ladder.pure_zxing(grid.render(next(grid.dark_modules(values, version, local=local)), version)) == []
    refitted = [
        ladder.pure_zxing(grid.render(dark, version))
        for local in (2.5, 1.8)
        for dark in grid.dark_modules(values, version, local=local, refits=3)
    ]
    assert [text] in refitted and all(texts in ([], [text]) for texts in refitted)
