"""Turns a call into one WAV the boards can play: chime, then the spoken sentence."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import tempfile
import unicodedata
from functools import cached_property
from pathlib import Path

import numpy as np

from .announcement import DEFAULT_TEMPLATE, announcement_text, check_template
from .audio import (
    SAMPLE_RATE,
    AudioFileError,
    make_chime,
    normalise,
    read_wav,
    silence,
    trim_silence,
    write_wav_atomically,
)
from .numbers import NumberStyle, spell_digits

CHIME_FILE = Path(__file__).with_name("sounds") / "chime.wav"
FORMAT_VERSION = 1  # bump when the rendering below changes, so old cache files are not reused
MAX_TEXT_LENGTH = 500
ESPEAK_TIMEOUT_S = 30
MIN_SPEED, MAX_SPEED = 80, 450
_VOICE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_+\-]*")
_SPACES = re.compile(r"\s+")
_CLIP_TOKENS = re.compile(r"\w+|[,.;:!?]")
WORD_GAP_S, PAUSE_GAP_S = 0.05, 0.25
CHIME_GAP_S, LEAD_S, TAIL_S = 0.25, 0.1, 0.3


class VoiceError(Exception):
    """The announcement could not be produced."""


class VoiceUnavailable(VoiceError):
    """No way to speak: espeak-ng is missing or broken and the clips do not cover the text."""


class ClipLibrary:
    """A folder of recorded words (`mời.wav`, `mười.wav` …) a centre may replace."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def index(self) -> dict[str, Path]:
        """Word (lower case, NFC) → clip file; file names on disk may be NFD."""
        if not self.directory.is_dir():
            return {}
        return {
            unicodedata.normalize("NFC", path.stem).lower(): path
            for path in sorted(self.directory.iterdir())
            if path.suffix.lower() == ".wav" and path.is_file()
        }

    def version(self) -> str:
        """Changes whenever a clip is added, removed or re-recorded."""
        listing = [(word, path.stat().st_size, path.stat().st_mtime_ns) for word, path in self.index().items()]
        return hashlib.sha256(json.dumps(listing).encode()).hexdigest()

    def render(self, text: str) -> np.ndarray | None:
        """The text spoken from clips, or None when some word has no clip."""
        clips = self.index()
        tokens = _CLIP_TOKENS.findall(text.lower())
        words = [token for token in tokens if token[0].isalnum() or token[0] == "_"]
        if not words or any(word not in clips for word in words):
            return None
        pieces: list[np.ndarray] = []
        for token in tokens:
            if token in clips:
                try:
                    pieces += [trim_silence(read_wav(clips[token])), silence(WORD_GAP_S)]
                except AudioFileError as error:
                    raise VoiceError(f"recorded clip for {token!r} is unusable: {error}") from None
            else:
                pieces.append(silence(PAUSE_GAP_S))
        return np.concatenate(pieces)


class Announcer:
    """Renders calls to cached WAV files; espeak-ng is needed only when clips fall short."""

    def __init__(
        self,
        cache_dir: Path,
        template: str = DEFAULT_TEMPLATE,
        style: NumberStyle = NumberStyle(),
        clips_dir: Path | None = None,
        chime: bool = True,
        espeak: str = "espeak-ng",
        voice: str = "vi",
        speed: int = 150,
        chime_file: Path = CHIME_FILE,
        max_cache_files: int = 500,
    ) -> None:
        if not isinstance(speed, int) or isinstance(speed, bool) or not MIN_SPEED <= speed <= MAX_SPEED:
            raise ValueError(f"speed is words per minute between {MIN_SPEED} and {MAX_SPEED}; got {speed!r}")
        if not isinstance(voice, str) or not _VOICE_NAME.fullmatch(voice):
            raise ValueError(f"voice must be an espeak-ng voice name such as 'vi'; got {voice!r}")
        if max_cache_files < 1:
            raise ValueError("max_cache_files must be at least 1")
        self.cache_dir = Path(cache_dir)
        self.template = check_template(template)
        self.style = style
        self.clips = ClipLibrary(clips_dir) if clips_dir is not None else None
        self.chime = chime
        self.espeak = espeak
        self.voice = voice
        self.speed = speed
        self.chime_file = Path(chime_file)
        self.max_cache_files = max_cache_files

    def available(self) -> bool:
        """True when the espeak-ng program can be found."""
        return shutil.which(self.espeak) is not None

    def text_for_call(self, number: str, counter: str | int) -> str:
        return announcement_text(number, counter, self.template, self.style)

    def wav_for_call(self, number: str, counter: str | int) -> Path:
        """WAV of the call for ticket `number` at `counter`, e.g. ("A012", 3)."""
        return self.wav_for_text(self.text_for_call(number, counter))

    def wav_for_text(self, text: str) -> Path:
        """WAV of any sentence; digits are spelled as words first. Cached on disk."""
        spoken = self._prepare(text)
        clips_version = self.clips.version() if self.clips else ""
        path = self.cache_dir / f"{self._cache_key(spoken, clips_version)}.wav"
        if path.is_file():
            return path
        speech = self.clips.render(spoken) if self.clips else None
        if speech is None:
            speech = self.speak_with_espeak(spoken)
        write_wav_atomically(path, self._assemble(speech))
        self._prune_cache(keep=path)
        return path

    def speak_with_espeak(self, text: str) -> np.ndarray:
        """Run espeak-ng on words (never digits); the one place a process is started."""
        if not self.available():
            raise VoiceUnavailable(
                f"espeak-ng program {self.espeak!r} was not found; install the Debian package "
                "espeak-ng or provide recorded clips for every word"
            )
        with tempfile.TemporaryDirectory(prefix="motcua-voice-") as scratch:
            output = Path(scratch) / "speech.wav"
            command = [self.espeak, "-v", self.voice, "-s", str(self.speed), "-b", "1", "-w", str(output), "--stdin"]
            try:
                result = subprocess.run(
                    command, input=text.encode("utf-8"), capture_output=True, timeout=ESPEAK_TIMEOUT_S, check=False
                )
            except (OSError, subprocess.TimeoutExpired) as error:
                raise VoiceUnavailable(f"espeak-ng could not be run: {error}") from None
            if result.returncode != 0 or not output.is_file():
                message = result.stderr.decode("utf-8", "replace").strip() or f"exit status {result.returncode}"
                raise VoiceUnavailable(f"espeak-ng (voice {self.voice!r}) failed: {message}")
            try:
                speech = read_wav(output)
            except AudioFileError as error:
                raise VoiceError(f"espeak-ng produced unusable audio: {error}") from None
        if len(speech) == 0:
            raise VoiceError("espeak-ng produced no audio")
        return speech

    @cached_property
    def _chime_samples(self) -> np.ndarray:
        if self.chime_file.is_file():
            try:
                return read_wav(self.chime_file)
            except AudioFileError as error:
                raise VoiceError(f"chime file is unusable: {error}") from None
        return make_chime()

    def _prepare(self, text: str) -> str:
        if not isinstance(text, str):
            raise ValueError(f"announcement text must be a string; got {type(text).__name__}")
        spoken = _SPACES.sub(" ", spell_digits(unicodedata.normalize("NFC", text), self.style)).strip()
        if not spoken:
            raise ValueError("announcement text is empty")
        if len(spoken) > MAX_TEXT_LENGTH:
            raise ValueError(f"announcement text is limited to {MAX_TEXT_LENGTH} characters; got {len(spoken)}")
        return spoken

    def _cache_key(self, spoken: str, clips_version: str) -> str:
        chime = hashlib.sha256(self._chime_samples.tobytes()).hexdigest() if self.chime else ""
        settings = {
            "format": FORMAT_VERSION,
            "rate": SAMPLE_RATE,
            "text": spoken,
            "voice": self.voice,
            "speed": self.speed,
            "espeak": self.espeak,
            "chime": chime,
            "clips": clips_version,
        }
        return hashlib.sha256(json.dumps(settings, ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:40]

    def _assemble(self, speech: np.ndarray) -> np.ndarray:
        opening = [self._chime_samples, silence(CHIME_GAP_S)] if self.chime else [silence(LEAD_S)]
        return np.concatenate([*opening, normalise(speech), silence(TAIL_S)])

    def _prune_cache(self, keep: Path) -> None:
        """Keep the cache bounded: a busy hall makes hundreds of distinct calls a day."""
        # Dot-files are other writers' partial files; leave them alone.
        files = [path for path in self.cache_dir.glob("*.wav") if path != keep and not path.name.startswith(".")]
        excess = len(files) + 1 - self.max_cache_files
        if excess <= 0:
            return
        for path in sorted(files, key=_modified_ns)[:excess]:
            path.unlink(missing_ok=True)


def _modified_ns(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except FileNotFoundError:  # pruned meanwhile by another process
        return 0
