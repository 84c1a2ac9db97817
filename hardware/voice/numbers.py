"""Vietnamese number reading, as a clerk would say it aloud."""

from __future__ import annotations

import numbers
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
HUNDRED = "trăm"
TEN = "mười"
TENS = "mươi"
SCALES_ABOVE_THOUSAND = ("triệu", "tỷ")
MAX_NUMBER = 999_999_999_999

# Traditional letter names; several letters take two syllables, kept as
# separate words so recorded clips can stay one syllable each.
LETTER_NAMES: Mapping[str, str] = {
    "A": "A",
    "Ă": "Á",
    "Â": "Ớ",
    "B": "Bê",
    "C": "Xê",
    "D": "Dê",
    "Đ": "Đê",
    "E": "E",
    "Ê": "Ê",
    "F": "Ép",
    "G": "Giê",
    "H": "Hát",
    "I": "I",
    "J": "Gi",
    "K": "Ca",
    "L": "E lờ",
    "M": "Em mờ",
    "N": "En nờ",
    "O": "O",
    "Ô": "Ô",
    "Ơ": "Ơ",
    "P": "Pê",
    "Q": "Quy",
    "R": "E rờ",
    "S": "Ét xì",
    "T": "Tê",
    "U": "U",
    "Ư": "Ư",
    "V": "Vê",
    "W": "Vê kép",
    "X": "Ích xì",
    "Y": "I dài",
    "Z": "Dét",
}

_TICKET_SEPARATORS = re.compile(r"[\s\-./_]+")
_TICKET_PART = re.compile(r"\d+|\D")
_DIGIT_RUN = re.compile(r"\d+")
MAX_TICKET_LENGTH = 16


@dataclass(frozen=True)
class NumberStyle:
    """Regional choices: 'nghìn'/'ngàn', 'linh'/'lẻ', 'tư'/'bốn' after mươi."""

    thousand: str = "nghìn"
    zero_tens: str = "linh"
    four_after_tens: str = "tư"

    def __post_init__(self) -> None:
        for field, value, allowed in (
            ("thousand", self.thousand, ("nghìn", "ngàn")),
            ("zero_tens", self.zero_tens, ("linh", "lẻ")),
            ("four_after_tens", self.four_after_tens, ("tư", "bốn")),
        ):
            if unicodedata.normalize("NFC", str(value)) not in allowed:
                raise ValueError(f"NumberStyle.{field} must be one of {', '.join(allowed)}; got {value!r}")
            object.__setattr__(self, field, unicodedata.normalize("NFC", value))


def _read_group(n: int, style: NumberStyle, full: bool) -> list[str]:
    """Words for 0 < n < 1000; `full` reads a zero hundreds digit ("không trăm")."""
    hundreds, rest = divmod(n, 100)
    tens, units = divmod(rest, 10)
    words: list[str] = []
    if hundreds or full:
        words += [DIGITS[hundreds], HUNDRED]
    if tens == 0:
        if units:
            if words:
                words.append(style.zero_tens)
            words.append(DIGITS[units])
    elif tens == 1:
        words.append(TEN)
        if units == 5:
            words.append("lăm")
        elif units:
            words.append(DIGITS[units])
    else:
        words += [DIGITS[tens], TENS]
        if units == 1:
            words.append("mốt")
        elif units == 4:
            words.append(style.four_after_tens)
        elif units == 5:
            words.append("lăm")
        elif units:
            words.append(DIGITS[units])
    return words


def _check_number(n: object) -> int:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise ValueError(f"read_number needs a whole number (int); got {type(n).__name__} {n!r}")
    value = int(n)
    if value < 0:
        raise ValueError(f"read_number reads numbers from 0 upwards; got {value}")
    if value > MAX_NUMBER:
        raise ValueError(f"read_number reads numbers up to {MAX_NUMBER:,}; got {value:,}")
    return value


def read_number(n: int, style: NumberStyle = NumberStyle()) -> str:
    """Spell 0 ≤ n ≤ 999 999 999 999 in Vietnamese words (2024 → "hai nghìn không trăm hai mươi tư")."""
    value = _check_number(n)
    if value == 0:
        return DIGITS[0]
    scales = ("", style.thousand, *SCALES_ABOVE_THOUSAND)
    groups: list[int] = []
    while value:
        value, group = divmod(value, 1000)
        groups.append(group)
    words: list[str] = []
    # Whole-zero groups are skipped; any group after a higher spoken group is
    # read in full, so 1005 is "một nghìn không trăm linh năm".
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            continue
        words += _read_group(group, style, full=bool(words))
        if scales[index]:
            words.append(scales[index])
    return unicodedata.normalize("NFC", " ".join(words))


def read_ticket_number(
    display_number: str,
    style: NumberStyle = NumberStyle(),
    letter_names: Mapping[str, str] = LETTER_NAMES,
) -> str:
    """Read a ticket's display number: "A012" → "A mười hai", "0012" → "mười hai"."""
    if not isinstance(display_number, str):
        raise ValueError(f"a ticket number is text such as 'A012'; got {type(display_number).__name__}")
    compact = _TICKET_SEPARATORS.sub("", unicodedata.normalize("NFC", display_number)).upper()
    if not compact:
        raise ValueError("a ticket number cannot be empty")
    if len(compact) > MAX_TICKET_LENGTH:
        raise ValueError(f"a ticket number has at most {MAX_TICKET_LENGTH} characters; got {len(compact)}")
    words: list[str] = []
    for part in _TICKET_PART.findall(compact):
        if part.isascii() and part.isdigit():
            words.append(read_number(int(part), style))
        elif part in letter_names:
            words.append(letter_names[part])
        else:
            raise ValueError(f"ticket number {display_number!r} has a character that cannot be read aloud: {part!r}")
    return unicodedata.normalize("NFC", " ".join(words))


def spell_digits(text: str, style: NumberStyle = NumberStyle()) -> str:
    """Replace every run of ASCII digits in free text by its Vietnamese words."""
    spelled = _DIGIT_RUN.sub(lambda match: read_number(int(match.group()), style), text)
    return unicodedata.normalize("NFC", spelled)
