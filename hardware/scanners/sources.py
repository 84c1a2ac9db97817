"""Frame sources: a camera (OpenCV VideoCapture) and image files for tests and demos."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from .base import Scanner
from .decode import DEFAULT_BUDGET_S
from .errors import ScannerError, ScannerUnavailable
from .multiframe import MultiFrameReader

__all__ = ["CameraScanner", "ImageScanner"]

_IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff"}


class _FrameScanner(Scanner):
    """Frames read one after another through one ``MultiFrameReader``: what a frame saw
    helps the next, and ``guidance`` holds the advice for the visitor."""

    budget_s: float = DEFAULT_BUDGET_S

    def _read_texts(self, timeout: float | None) -> list[str]:
        frame = self._next_frame()
        self.last_frame = frame
        if getattr(self, "_reader", None) is None or self._reader.budget_s != self.budget_s:
            self._reader = MultiFrameReader(self.budget_s)
        reading = self._reader.feed(frame)
        self.guidance = reading.guidance
        return reading.texts

    def restart(self) -> None:
        super().restart()
        if getattr(self, "_reader", None) is not None:
            self._reader.reset()
        self.guidance = None

    def _next_frame(self) -> Any:
        raise NotImplementedError


class CameraScanner(_FrameScanner):
    """``camera://0`` or ``camera:///dev/video2``, optionally ``?width=1280&height=720``."""

    def __init__(self, device: int | str, width: int | None = None, height: int | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.device = device
        self.width, self.height = width, height
        self.url = f"camera://{device}"
        self._capture: Any = None
        self._lock = threading.Lock()

    def _open(self) -> None:
        try:
            import cv2
        except ImportError as exc:
            raise ScannerUnavailable(
                "camera_library_missing",
                "Thiếu thư viện camera (OpenCV) trên máy này, vui lòng báo cán bộ kỹ thuật.",
                detail=str(exc),
            ) from exc
        if isinstance(self.device, str) and not Path(self.device).exists():
            raise self._not_found(f"no device at {self.device}")
        capture = cv2.VideoCapture(self.device)
        if not capture.isOpened():
            capture.release()
            raise self._not_found(f"VideoCapture({self.device!r}) did not open")
        if self.width:
            capture.set(cv2.CAP_PROP_FRAME_WIDTH, self.width)
        if self.height:
            capture.set(cv2.CAP_PROP_FRAME_HEIGHT, self.height)
        self._capture = capture

    def _not_found(self, detail: str) -> ScannerUnavailable:
        return ScannerUnavailable(
            "camera_not_found",
            "Không tìm thấy camera quét mã. Vui lòng kiểm tra dây cắm hoặc báo cán bộ hỗ trợ.",
            detail=detail,
        )

    def _next_frame(self) -> Any:
        with self._lock:
            ok, frame = self._capture.read() if self._capture is not None else (False, None)
        if not ok:
            raise ScannerUnavailable(
                "camera_lost", "Mất kết nối với camera quét mã, vui lòng báo cán bộ hỗ trợ.", detail=self.url
            )
        return frame

    def _close(self) -> None:
        with self._lock:
            if self._capture is not None:
                self._capture.release()
                self._capture = None


class ImageScanner(_FrameScanner):
    """``image://path.png`` or ``image://folder/``: each read shows the next image, cycling."""

    def __init__(self, path: str | os.PathLike[str], **kwargs: Any):
        super().__init__(**kwargs)
        self.path = Path(path)
        self.url = f"image://{self.path}"
        self._files: list[Path] = []
        self._next = 0
        # An image is not a live stream: give every fallback its turn.
        self.budget_s = 1.0

    def _open(self) -> None:
        if self.path.is_dir():
            files = sorted(p for p in self.path.iterdir() if p.suffix.lower() in _IMAGE_SUFFIXES)
        elif self.path.is_file():
            files = [self.path]
        else:
            files = []
        if not files:
            raise ScannerUnavailable(
                "image_not_found", "Không tìm thấy ảnh để quét.", detail=f"no image at {self.path}"
            )
        self._files, self._next = files, 0

    def _next_frame(self) -> Any:
        import cv2

        path = self._files[self._next % len(self._files)]
        self._next += 1
        frame = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if frame is None:
            raise ScannerError("image_unreadable", "Không đọc được tệp ảnh.", detail=str(path))
        return frame
