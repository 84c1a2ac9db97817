"""The sentence read out when a counter calls a ticket."""

from __future__ import annotations

import re
import string
import unicodedata

from .numbers import NumberStyle, read_number, read_ticket_number, spell_digits

DEFAULT_TEMPLATE = "Mời công dân có số thứ tự {number} đến quầy số {counter}"
TEMPLATE_FIELDS = frozenset({"number", "counter"})
_SPACES = re.compile(r"\s+")
_WORDS_AND_DIGITS = re.compile(r"[\w\s\-.,]+")


def check_template(template: str) -> str:
    """Return the template if it is usable, else raise ValueError saying why."""
    if not isinstance(template, str) or not template.strip():
        raise ValueError("the announcement template must be non-empty text")
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as error:
        raise ValueError(f"the announcement template is malformed: {error}") from None
    fields = {name for _, name, _, _ in parsed if name is not None}
    unknown = fields - TEMPLATE_FIELDS
    if unknown:
        raise ValueError(
            f"the announcement template may only use {{number}} and {{counter}}; "
            f"found {', '.join('{' + name + '}' for name in sorted(unknown))}"
        )
    if "number" not in fields:
        raise ValueError("the announcement template must contain {number}")
    if any(spec or conversion for _, name, spec, conversion in parsed if name):
        raise ValueError("the announcement template fields take no format spec or conversion")
    return template


def read_counter(counter: str | int, style: NumberStyle = NumberStyle()) -> str:
    """Spell a counter label: 3 → "ba", "A2" → "A hai", "Tư pháp 2" → "Tư pháp hai"."""
    if isinstance(counter, bool):
        raise ValueError("a counter is a number or a short label, not True/False")
    if isinstance(counter, int):
        return read_number(counter, style)
    if not isinstance(counter, str) or not counter.strip():
        raise ValueError(f"a counter is a number or a short label; got {counter!r}")
    try:
        return read_ticket_number(counter, style)
    except ValueError:
        pass
    label = unicodedata.normalize("NFC", counter.strip())
    if not _WORDS_AND_DIGITS.fullmatch(label):
        raise ValueError(f"counter label {counter!r} has characters that cannot be read aloud")
    return spell_digits(label, style)


def announcement_text(
    number: str,
    counter: str | int,
    template: str = DEFAULT_TEMPLATE,
    style: NumberStyle = NumberStyle(),
) -> str:
    """The call sentence with ticket and counter spelled as words, never digits."""
    check_template(template)
    text = template.format(number=read_ticket_number(number, style), counter=read_counter(counter, style))
    # Digits written into the template itself must be spoken as words too.
    text = spell_digits(text, style)
    return _SPACES.sub(" ", text).strip()
