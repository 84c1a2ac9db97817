"""The on-screen keyboard, with Vietnamese letters and tone marks.

Tone keys put the mark on the last vowel of the word being typed, so "viet" + "nặng" gives "việt"
without hunting for precomposed letters. Search works without diacritics anyway.
"""

from __future__ import annotations

import unicodedata

from kivy.properties import ObjectProperty, OptionProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button

LETTER_ROWS = ["1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm.-", "ăâđêôơư"]
DIGIT_ROWS = ["123", "456", "789"]
# label on the key (the mark shown on "a") → combining character
TONES = {"á": "\u0301", "à": "\u0300", "ả": "\u0309", "ã": "\u0303", "ạ": "\u0323"}
_TONE_MARKS = set(TONES.values())
_VOWELS = set("aăâeêioôơuưy")


def _base(ch: str) -> str:
    """The letter without its tone mark (keeps the vowel's own hat or horn)."""
    decomposed = unicodedata.normalize("NFD", ch)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONE_MARKS))


def apply_tone(text: str, mark: str) -> str:
    """Put ``mark`` on the last vowel of the last word (replacing any tone it had)."""
    for i in range(len(text) - 1, -1, -1):
        ch = text[i]
        if ch.isspace():
            break
        base = _base(ch)
        if base.lower() in _VOWELS:
            toned = unicodedata.normalize("NFC", base + mark)
            return text[:i] + toned + text[i + 1 :]
    return text


class KeyboardKey(Button):
    pass


class OnScreenKeyboard(BoxLayout):
    """Types into ``target`` (a TextInput). ``layout``: "letters" or "digits"."""

    target = ObjectProperty(None, allownone=True)
    layout = OptionProperty("letters", options=["letters", "digits"])
    space_label = ObjectProperty("Dấu cách")
    clear_label = ObjectProperty("Xóa hết")

    def __init__(self, **kwargs):
        super().__init__(orientation="vertical", spacing=6, **kwargs)
        self.bind(
            layout=lambda *_: self._build(), space_label=lambda *_: self._build(), clear_label=lambda *_: self._build()
        )
        self._build()

    def _row(self, keys: list[tuple[str, callable]]) -> BoxLayout:
        row = BoxLayout(spacing=6)
        for label, action in keys:
            key = KeyboardKey(text=label)
            key.bind(on_release=lambda _btn, act=action: act())
            row.add_widget(key)
        return row

    def _build(self) -> None:
        self.clear_widgets()
        rows = LETTER_ROWS if self.layout == "letters" else DIGIT_ROWS
        for chars in rows:
            self.add_widget(self._row([(c, lambda c=c: self.type_text(c)) for c in chars]))
        if self.layout == "letters":
            self.add_widget(self._row([(label, lambda m=mark: self.tone(m)) for label, mark in TONES.items()]))
            self.add_widget(
                self._row(
                    [
                        (self.space_label, lambda: self.type_text(" ")),
                        ("⌫", self.backspace),
                        (self.clear_label, self.clear),
                    ]
                )
            )
        else:
            self.add_widget(
                self._row([("0", lambda: self.type_text("0")), ("⌫", self.backspace), (self.clear_label, self.clear)])
            )

    def type_text(self, text: str) -> None:
        if self.target is not None:
            self.target.insert_text(text)

    def tone(self, mark: str) -> None:
        if self.target is None:
            return
        before = self.target.text[: self.target.cursor_index()]
        after = self.target.text[len(before) :]
        toned = apply_tone(before, mark)
        if toned != before:
            self.target.text = toned + after
            self.target.cursor = self.target.get_cursor_from_index(len(toned))

    def backspace(self) -> None:
        if self.target is not None:
            self.target.do_backspace()

    def clear(self) -> None:
        if self.target is not None:
            self.target.text = ""
