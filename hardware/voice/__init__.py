"""Vietnamese voice calls: numbers read aloud, the call sentence, and a playable WAV."""

from .announcement import DEFAULT_TEMPLATE, announcement_text, read_counter
from .announcer import Announcer, ClipLibrary, VoiceError, VoiceUnavailable
from .numbers import LETTER_NAMES, NumberStyle, read_number, read_ticket_number, spell_digits

__all__ = [
    "DEFAULT_TEMPLATE",
    "LETTER_NAMES",
    "Announcer",
    "ClipLibrary",
    "NumberStyle",
    "VoiceError",
    "VoiceUnavailable",
    "announcement_text",
    "read_counter",
    "read_number",
    "read_ticket_number",
    "spell_digits",
]
