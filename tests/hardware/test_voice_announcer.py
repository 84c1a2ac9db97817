"""The announcer: a playable WAV from espeak-ng or recorded clips, with chime and disk cache."""

import re
import shutil
import time
import unicodedata
import wave
from pathlib import Path

import numpy as np
import pytest

from hardware.voice import Announcer, VoiceUnavailable, announcement_text
from hardware.voice.audio import SAMPLE_RATE, read_wav, to_wav_bytes

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
MISSING_ESPEAK = "/nonexistent/bin/espeak-ng"


class CountingAnnouncer(Announcer):
    """Records every text handed to espeak-ng, to tell a cache hit from a fresh render."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.spoken: list[str] = []

    def speak_with_espeak(self, text):
        self.spoken.append(text)
        return super().speak_with_espeak(text)


def _duration(path: Path) -> float:
    with wave.open(str(path), "rb") as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, SAMPLE_RATE)
        return wav.getnframes() / wav.getframerate()


@needs_espeak
def test_call_becomes_a_playable_mono_16_bit_wav(tmp_path):
    path = Announcer(tmp_path).wav_for_call("A012", 3)
    assert path.parent == tmp_path and path.suffix == ".wav"
    assert 1.5 < _duration(path) < 15
    samples = read_wav(path)
    assert np.abs(samples).max() > 0.5  # audible, not silence


@needs_espeak
def test_chime_comes_first_and_makes_the_call_longer(tmp_path):
    with_chime = Announcer(tmp_path / "a", chime=True).wav_for_call("A012", 3)
    without = Announcer(tmp_path / "b", chime=False).wav_for_call("A012", 3)
    assert _duration(with_chime) > _duration(without) + 0.8
    opening = read_wav(with_chime)[: SAMPLE_RATE // 2]
    spectrum = np.abs(np.fft.rfft(opening))
    assert 600 < np.argmax(spectrum) * SAMPLE_RATE / len(opening) < 700  # the E5 "ding"


@needs_espeak
def test_second_request_is_served_from_the_cache(tmp_path):
    announcer = CountingAnnouncer(tmp_path)
    first = announcer.wav_for_call("A012", 3)
    written = first.stat().st_mtime_ns
    again = announcer.wav_for_call("A012", 3)
    assert again == first and again.stat().st_mtime_ns == written
    assert len(announcer.spoken) == 1
    # A fresh announcer (a restarted server) finds the same file.
    restarted = CountingAnnouncer(tmp_path)
    assert restarted.wav_for_call("A012", 3) == first and restarted.spoken == []


@needs_espeak
def test_different_call_or_settings_render_anew(tmp_path):
    paths = {
        Announcer(tmp_path).wav_for_call("A012", 3),
        Announcer(tmp_path).wav_for_call("A012", 4),
        Announcer(tmp_path, speed=120).wav_for_call("A012", 3),
        Announcer(tmp_path, chime=False).wav_for_call("A012", 3),
    }
    assert len(paths) == 4


@needs_espeak
def test_espeak_is_only_ever_given_words(tmp_path):
    announcer = CountingAnnouncer(tmp_path)
    announcer.wav_for_text("Quầy 12 tạm nghỉ đến 13 giờ")
    assert announcer.spoken == ["Quầy mười hai tạm nghỉ đến mười ba giờ"]
    announcer.wav_for_call("B2024", "07")
    assert not re.search(r"\d", announcer.spoken[-1])


def test_missing_espeak_is_a_clear_error_when_used_not_when_built(tmp_path):
    announcer = Announcer(tmp_path, espeak=MISSING_ESPEAK)
    assert announcer.available() is False
    with pytest.raises(VoiceUnavailable, match="espeak-ng"):
        announcer.wav_for_call("A012", 3)
    assert list(tmp_path.glob("*")) == []


@needs_espeak
def test_unknown_voice_is_reported_as_unavailable(tmp_path):
    with pytest.raises(VoiceUnavailable, match="zz"):
        Announcer(tmp_path, voice="zz").wav_for_text("xin chào")


@pytest.mark.parametrize(
    ("setting", "value"), [("speed", 10), ("speed", "fast"), ("voice", "-w /tmp/x"), ("template", "Mời quầy {counter}")]
)
def test_bad_settings_are_refused_up_front(tmp_path, setting, value):
    with pytest.raises(ValueError):
        Announcer(tmp_path, **{setting: value})


def test_empty_text_is_refused(tmp_path):
    with pytest.raises(ValueError, match="empty"):
        Announcer(tmp_path).wav_for_text("   ")


# --- recorded clips ---------------------------------------------------------

CALL_TEXT = announcement_text("A012", 3)
WORDS = sorted({word.lower() for word in CALL_TEXT.split()})
FREQUENCY = {word: 300 + 40 * index for index, word in enumerate(WORDS)}


def _write_clip(folder: Path, word: str, frequency: float, rate: int = 44100) -> None:
    """A stereo 44.1 kHz "recording": quiet lead-in, a 0.2 s tone, quiet tail."""
    t = np.arange(int(0.2 * rate)) / rate
    tone = 0.5 * np.sin(2 * np.pi * frequency * t)
    mono = np.concatenate([np.zeros(int(0.1 * rate)), tone, np.zeros(int(0.1 * rate))])
    stereo = (np.repeat(mono[:, None], 2, axis=1) * 32767).astype("<i2")
    with wave.open(str(folder / f"{unicodedata.normalize('NFD', word)}.wav"), "wb") as wav:
        wav.setnchannels(2)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(stereo.tobytes())


@pytest.fixture
def clips(tmp_path):
    folder = tmp_path / "clips"
    folder.mkdir()
    for word in WORDS:
        _write_clip(folder, word, FREQUENCY[word])
    return folder


def _bursts(samples: np.ndarray) -> list[np.ndarray]:
    frame = SAMPLE_RATE // 200
    loud = np.sqrt(np.mean(samples[: len(samples) // frame * frame].reshape(-1, frame) ** 2, axis=1)) > 0.05
    edges = np.flatnonzero(np.diff(np.concatenate([[0], loud.astype(int), [0]])))
    return [samples[start * frame : end * frame] for start, end in zip(edges[::2], edges[1::2])]


def _pitch(burst: np.ndarray) -> float:
    padded = np.concatenate([burst, np.zeros(SAMPLE_RATE - len(burst))])  # 1 Hz bins
    return float(np.argmax(np.abs(np.fft.rfft(padded))))


def test_clips_covering_every_word_are_joined_in_order_without_espeak(tmp_path, clips):
    announcer = Announcer(tmp_path / "cache", clips_dir=clips, chime=False, espeak=MISSING_ESPEAK)
    path = announcer.wav_for_call("A012", 3)
    bursts = _bursts(read_wav(path))
    spoken = [word.lower() for word in CALL_TEXT.split()]
    assert len(bursts) == len(spoken)
    assert [round(_pitch(burst)) for burst in bursts] == pytest.approx([FREQUENCY[w] for w in spoken], abs=3)
    # Lead-in and tail silence of each recording is trimmed: words follow closely.
    assert _duration(path) < len(spoken) * 0.35


def test_clips_with_chime(tmp_path, clips):
    plain = Announcer(tmp_path / "a", clips_dir=clips, chime=False, espeak=MISSING_ESPEAK).wav_for_call("A012", 3)
    chimed = Announcer(tmp_path / "b", clips_dir=clips, chime=True, espeak=MISSING_ESPEAK).wav_for_call("A012", 3)
    assert _duration(chimed) > _duration(plain) + 0.8


def test_a_missing_clip_falls_back_to_espeak(tmp_path, clips):
    (clips / f"{unicodedata.normalize('NFD', 'quầy')}.wav").unlink()
    with pytest.raises(VoiceUnavailable):
        Announcer(tmp_path, clips_dir=clips, espeak=MISSING_ESPEAK).wav_for_call("A012", 3)
    if shutil.which("espeak-ng"):
        announcer = CountingAnnouncer(tmp_path, clips_dir=clips)
        announcer.wav_for_call("A012", 3)
        assert announcer.spoken == [CALL_TEXT]


def test_re_recording_a_clip_renews_the_cached_call(tmp_path, clips):
    announcer = Announcer(tmp_path / "cache", clips_dir=clips, chime=False, espeak=MISSING_ESPEAK)
    before = announcer.wav_for_call("A012", 3)
    (clips / "ba.wav").write_bytes(to_wav_bytes(0.5 * np.sin(np.linspace(0, 2000, 4410)).astype(np.float32)))
    after = announcer.wav_for_call("A012", 3)
    assert after != before
    assert round(_pitch(_bursts(read_wav(after))[-1])) != FREQUENCY["ba"]


def test_cache_keeps_only_the_newest_files(tmp_path, clips):
    announcer = Announcer(tmp_path / "cache", clips_dir=clips, chime=False, espeak=MISSING_ESPEAK, max_cache_files=2)
    made = []
    for text in ("ba", "hai", "mười hai"):
        made.append(announcer.wav_for_text(text))
        time.sleep(0.02)  # file times tick coarsely; keep "newest" unambiguous
    assert sorted((tmp_path / "cache").glob("*.wav")) == sorted(made[1:])
