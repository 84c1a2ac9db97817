"""Printer capabilities as data.

The renderer asks the profile what to do (raster or code-page text, native or
raster QR, cut or feed); nothing else in the package branches on a model name.
Profiles are seeded from python-escpos' capability database where it knows the
model, with the widths normalised to the two paper sizes kiosks use.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from .errors import PrinterConfigError

WIDTH_58MM = 384
WIDTH_80MM = 576
SUPPORTED_WIDTHS = (WIDTH_58MM, WIDTH_80MM)

# Code pages a site may choose for native Vietnamese text.
VIETNAMESE_CODEPAGES = ("cp1258",)


@dataclass(frozen=True)
class PrinterProfile:
    """What a printer model can do. ``code_pages`` maps codec name → ESC t number."""

    name: str
    width_dots: int
    dpi: int = 203
    code_pages: dict[str, int] = field(default_factory=dict)
    native_qr: bool = False
    cutter: bool = False
    # The code page the site chose for text; None means print text as a raster image.
    codepage: str | None = None

    @property
    def text_mode(self) -> str:
        """'codepage' when the site chose a code page this model has, else 'raster'."""
        return "codepage" if self.codepage else "raster"

    def with_options(self, width: int | None = None, codepage: str | None = None) -> PrinterProfile:
        """A copy with the site's URL options applied, refusing what the model cannot do."""
        profile = self
        if width is not None:
            if width not in SUPPORTED_WIDTHS:
                raise PrinterConfigError(
                    f"Khổ giấy {width} điểm không được hỗ trợ (chỉ {WIDTH_58MM} hoặc {WIDTH_80MM}).",
                    detail=f"width={width}",
                )
            profile = replace(profile, width_dots=width)
        if codepage:
            key = codepage.lower().replace("-", "")
            if key not in profile.code_pages:
                raise PrinterConfigError(
                    f"Máy in loại {profile.name} không có bảng mã {codepage}; "
                    "hãy bỏ tham số codepage để in tiếng Việt dạng ảnh.",
                    detail=f"codepage={codepage}",
                )
            profile = replace(profile, codepage=key)
        return profile

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "width_dots": self.width_dots,
            "dpi": self.dpi,
            "code_pages": dict(self.code_pages),
            "native_qr": self.native_qr,
            "cutter": self.cutter,
            "codepage": self.codepage,
            "text_mode": self.text_mode,
        }


def _from_escpos(name: str, width_dots: int) -> PrinterProfile:
    """Seed a profile from python-escpos' capability data for ``name``."""
    from escpos.capabilities import CAPABILITIES  # a data file; cheap, but keep it off import time

    data = CAPABILITIES["profiles"][name]
    features = data.get("features", {})
    code_pages: dict[str, int] = {}
    for number, codec in sorted(data.get("codePages", {}).items(), key=lambda kv: int(kv[0])):
        key = str(codec).lower()
        if key in ("cp1258", "cp437", "cp1252"):
            code_pages.setdefault(key, int(number))
    dpi = data.get("media", {}).get("dpi")
    return PrinterProfile(
        name=name,
        width_dots=width_dots,
        dpi=dpi if isinstance(dpi, int) else 203,
        code_pages=code_pages,
        native_qr=bool(features.get("qrCode")),
        cutter=bool(features.get("paperFullCut") or features.get("paperPartCut")),
    )


def _build_profiles() -> dict[str, PrinterProfile]:
    profiles = {
        # Unbranded 80 mm kiosk printers: ESC/POS with cutter and native QR, no
        # Vietnamese code page we can rely on.
        "generic-80": PrinterProfile("generic-80", WIDTH_80MM, native_qr=True, cutter=True, code_pages={"cp437": 0}),
        # Unbranded 58 mm printers: often no cutter and no native QR.
        "generic-58": PrinterProfile("generic-58", WIDTH_58MM, code_pages={"cp437": 0}),
    }
    for name, width in (
        ("TM-T20II", WIDTH_80MM),
        ("TM-L90", WIDTH_80MM),
        ("POS-5890", WIDTH_58MM),
        ("ZJ-5870", WIDTH_58MM),
        ("NT-5890K", WIDTH_58MM),
    ):
        profiles[name] = _from_escpos(name, width)
    return profiles


PROFILES: dict[str, PrinterProfile] = _build_profiles()
DEFAULT_PROFILE = "generic-80"


def get_profile(name: str | None = None, *, width: int | None = None, codepage: str | None = None) -> PrinterProfile:
    """Look up a profile by name and apply the URL's width/codepage options."""
    name = name or (DEFAULT_PROFILE if width != WIDTH_58MM else "generic-58")
    try:
        base = PROFILES[name]
    except KeyError:
        raise PrinterConfigError(
            f"Không biết loại máy in '{name}'. Các loại có sẵn: {', '.join(sorted(PROFILES))}.",
            detail=f"profile={name}",
        ) from None
    return base.with_options(width=width, codepage=codepage)
