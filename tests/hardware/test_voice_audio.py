"""WAV reading for recorded clips (any PCM layout) and the shipped chime."""

import struct
import wave
from pathlib import Path

import numpy as np
import pytest

from hardware.voice.announcer import CHIME_FILE
from hardware.voice.audio import SAMPLE_RATE, AudioFileError, make_chime, read_wav, resample


def _tone(frequency: float, rate: int, seconds: float = 0.5) -> np.ndarray:
    return 0.5 * np.sin(2 * np.pi * frequency * np.arange(int(rate * seconds)) / rate)


def _pitch(samples: np.ndarray, rate: int = SAMPLE_RATE) -> float:
    return float(np.argmax(np.abs(np.fft.rfft(samples)))) * rate / len(samples)


def _encode(samples: np.ndarray, width: int) -> bytes:
    if width == 1:
        return (samples * 127 + 128).astype(np.uint8).tobytes()
    scaled = (samples * (2 ** (8 * width - 1) - 1)).astype(np.int64)
    return b"".join(int(value).to_bytes(width, "little", signed=True) for value in scaled)


@pytest.mark.parametrize("width", [1, 2, 3, 4])
@pytest.mark.parametrize(("rate", "channels"), [(8000, 1), (44100, 2), (48000, 1)])
def test_clips_of_any_pcm_layout_load_at_the_common_rate(tmp_path, width, rate, channels):
    tone = _tone(440, rate)
    path = tmp_path / "clip.wav"
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(width)
        wav.setframerate(rate)
        wav.writeframes(_encode(np.repeat(tone, channels), width))
    loaded = read_wav(path)
    assert len(loaded) == pytest.approx(SAMPLE_RATE * 0.5, abs=2)
    assert _pitch(loaded) == pytest.approx(440, abs=3)
    assert np.abs(loaded).max() == pytest.approx(0.5, abs=0.03)


def test_downsampling_removes_tones_above_the_new_limit():
    # 15 kHz cannot exist at 22.05 kHz; without filtering it would fold back to 7.05 kHz.
    folded = resample(_tone(15000, 44100).astype(np.float32), 44100)
    assert np.abs(folded[200:-200]).max() < 0.05


def test_float_or_broken_wav_is_a_clear_error(tmp_path):
    float_wav = tmp_path / "float.wav"
    data = np.zeros(100, "<f4").tobytes()
    fmt = struct.pack("<HHIIHH", 3, 1, SAMPLE_RATE, SAMPLE_RATE * 4, 4, 32)
    float_wav.write_bytes(
        b"RIFF"
        + struct.pack("<I", 36 + len(data))
        + b"WAVEfmt "
        + struct.pack("<I", 16)
        + fmt
        + b"data"
        + struct.pack("<I", len(data))
        + data
    )
    (tmp_path / "text.wav").write_text("not audio")
    for name in ("float.wav", "text.wav", "absent.wav"):
        with pytest.raises(AudioFileError, match=name):
            read_wav(tmp_path / name)


def test_shipped_chime_is_the_generated_two_tone_chime():
    shipped = read_wav(Path(CHIME_FILE))
    generated = make_chime()
    assert len(shipped) == len(generated)
    assert np.abs(shipped - generated).max() < 1e-3
    half = len(generated) // 3
    assert _pitch(generated[:half]) == pytest.approx(659, abs=5)
    assert _pitch(generated[-2 * half :]) == pytest.approx(523, abs=5)
    assert 0.3 < np.abs(generated).max() < 0.9
