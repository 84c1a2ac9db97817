"""The keys a visitor touches on the apps' on-screen keyboard (kiosk/keyboard.py) to type a text.

Letters with a hat, breve or horn and đ have their own keys; a word's tone is one key touched after
the word's letters; ⇧ before a capital. So "Đăng ký" is ⇧ đ ă n g, space, k y, Dấu sắc.
"""

from __future__ import annotations

import unicodedata

from kiosk.keyboard import TONES

_TONE_KEY = {mark: label for label, mark in TONES.items() if mark}


def key_taps(text: str, space: str = "Dấu cách") -> list[str]:
    taps: list[str] = []
    for i, word in enumerate(text.split(" ")):
        if i:
            taps.append(space)
        tone = None
        for ch in word:
            parts = unicodedata.normalize("NFD", ch)
            marks = [c for c in parts if c in _TONE_KEY]
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONE_KEY))
            tone = marks[0] if marks else tone
            if base != base.lower():
                taps.append("⇧")
            taps.append(base.lower())
        if tone:
            taps.append(_TONE_KEY[tone])
    return taps
