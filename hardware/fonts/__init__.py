"""The shipped Vietnamese-capable fonts (DejaVu), so nothing is fetched at run time."""

from pathlib import Path

_FONTS_DIR = Path(__file__).resolve().parent


def font_path(bold: bool = False) -> Path:
    """Path of the shipped DejaVu Sans font (regular or bold)."""
    return _FONTS_DIR / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")
