"""The on-screen keyboard: every Vietnamese letter with every tone, by touch alone.

The vowels with their own hats and horns (ă â ê ô ơ ư) and đ have keys; a tone key (Dấu sắc,
huyền, hỏi, ngã, nặng) puts its mark where Vietnamese writes it in the word being typed, wherever
that word has got to: "khâu" + hỏi gives "khẩu", "ngươi" + huyền "người", "hoa" + huyền "hòa"
(the tone on the first vowel of an open oa/oe/uy, as the regulations write it), "quy" + sắc "quý".
Typing on after a tone keeps it ("hò" + "a" is "hòa"). ⇧ makes the next letter a capital.
Search works without diacritics anyway; names and codes need them.

The kiosk's search and dossier screens and the rating tablet's comment box use this one keyboard.
"""

from __future__ import annotations

import unicodedata

from kivy.properties import BooleanProperty, ObjectProperty, OptionProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button

LETTER_ROWS = ["1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm.-", "ăâđêôơư"]
DIGIT_ROWS = ["123", "456", "789"]
# The label on the key → the combining mark it puts on the word's tone vowel ("" takes the tone off).
TONES = {
    "Dấu sắc": "\u0301",
    "Dấu huyền": "\u0300",
    "Dấu hỏi": "\u0309",
    "Dấu ngã": "\u0303",
    "Dấu nặng": "\u0323",
    "Bỏ dấu": "",
}
_TONE_MARKS = {m for m in TONES.values() if m}
_VOWELS = set("aăâeêioôơuưy")
# Vowels with a hat, breve or horn carry the tone before plain ones (ươ: on the ơ).
_MARKED_FIRST = "êơâăô"


def _base(ch: str) -> str:
    """The letter without its tone mark (keeps the vowel's own hat or horn)."""
    decomposed = unicodedata.normalize("NFD", ch)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONE_MARKS))


def tone_position(word: str) -> int | None:
    """Index in ``word`` (tones already stripped) of the vowel that carries the tone, or None."""
    low = word.lower()
    start = 0
    # "qu" and "gi" (before another vowel) begin with a consonant: quý, giữa, già.
    if low.startswith("qu") or (low.startswith("gi") and len(low) > 2 and low[2] in _VOWELS):
        start = 2
    vowels = [i for i in range(start, len(low)) if low[i] in _VOWELS]
    if not vowels:
        if low.startswith("gi") and len(low) == 2:
            return 1  # "gì"
        return None
    # The vowel run that ends the word's nucleus: the last run of consecutive vowels.
    run = [vowels[-1]]
    for i in reversed(vowels[:-1]):
        if i == run[0] - 1:
            run.insert(0, i)
        else:
            break
    for group in (_MARKED_FIRST, "ư"):
        marked = [i for i in run if low[i] in group]
        if marked:
            return marked[-1]
    if run[-1] < len(low) - 1:  # a final consonant follows: the last vowel (hoàn, toán)
        return run[-1]
    if len(run) == 3:  # ngoài, khuỷu
        return run[1]
    return run[0]  # hòa, thủy, khỏe, mía, cái


def apply_tone(text: str, mark: str) -> str:
    """Put ``mark`` on the tone vowel of the last word (replacing any tone it had); "" removes it."""
    end = len(text)
    begin = end
    while begin > 0 and not text[begin - 1].isspace():
        begin -= 1
    word = "".join(_base(ch) for ch in text[begin:end])
    at = tone_position(word)
    if at is None:
        return text
    toned = unicodedata.normalize("NFC", word[at] + mark) if mark else word[at]
    return text[:begin] + word[:at] + toned + word[at + 1 :]


def _keep_tone(text: str, typed: str) -> str:
    """After a letter joins a toned word, move its tone to where it now belongs ("hò" + "a" → "hòa",
    then + "n" → "hoàn")."""
    begin = len(text)
    while begin > 0 and not text[begin - 1].isspace():
        begin -= 1
    word = text[begin:]
    marks = [c for c in unicodedata.normalize("NFD", word) if c in _TONE_MARKS]
    if not marks or not typed.isalpha():
        return text
    return apply_tone(text, marks[-1])


class KeyboardKey(Button):
    latched = BooleanProperty(False)  # ⇧ while the next letter will be a capital


class OnScreenKeyboard(BoxLayout):
    """Types into ``target`` (a TextInput). ``layout``: "letters" or "digits"."""

    target = ObjectProperty(None, allownone=True)
    layout = OptionProperty("letters", options=["letters", "digits"])
    space_label = ObjectProperty("Dấu cách")
    clear_label = ObjectProperty("Xóa hết")
    shift = BooleanProperty(False)

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
            self.add_widget(self._row([(c, lambda c=c: self.type_letter(c)) for c in chars]))
        if self.layout == "letters":
            self.add_widget(self._row([(label, lambda m=mark: self.tone(m)) for label, mark in TONES.items()]))
            self.add_widget(
                self._row(
                    [
                        ("⇧", self.toggle_shift),
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

    def toggle_shift(self) -> None:
        self.shift = not self.shift

    def on_shift(self, _inst, value: bool) -> None:
        for row in self.children:
            for key in row.children:
                if key.text == "⇧":
                    key.latched = value

    def type_letter(self, ch: str) -> None:
        if self.shift:
            ch, self.shift = ch.upper(), False
        self.type_text(ch)

    def type_text(self, text: str) -> None:
        if self.target is None:
            return
        self.target.insert_text(text)
        if len(text) == 1:
            before = self.target.text[: self.target.cursor_index()]
            kept = _keep_tone(before, text)
            if kept != before:
                self._replace_before_cursor(before, kept)

    def tone(self, mark: str) -> None:
        if self.target is None:
            return
        before = self.target.text[: self.target.cursor_index()]
        toned = apply_tone(before, mark)
        if toned != before:
            self._replace_before_cursor(before, toned)

    def _replace_before_cursor(self, before: str, new: str) -> None:
        after = self.target.text[len(before) :]
        self.target.text = new + after
        self.target.cursor = self.target.get_cursor_from_index(len(new))

    def backspace(self) -> None:
        if self.target is not None:
            self.target.do_backspace()

    def clear(self) -> None:
        if self.target is not None:
            self.target.text = ""
