"""Mono 16-bit WAV in and out, resampling and the call chime — numpy and `wave` only."""

from __future__ import annotations

import io
import os
import tempfile
import wave
from pathlib import Path

import numpy as np

SAMPLE_RATE = 22050
PEAK = 0.89  # about -1 dBFS: loud on a hall speaker without clipping


class AudioFileError(ValueError):
    """A WAV file we were given cannot be used (not PCM, empty, unreadable)."""


def read_wav(source: Path | bytes, rate: int = SAMPLE_RATE) -> np.ndarray:
    """Load PCM WAV (8/16/24/32-bit, any channels, any rate) as mono float32 at `rate`."""
    name = str(source) if isinstance(source, Path) else "WAV data"
    try:
        with wave.open(io.BytesIO(source) if isinstance(source, bytes) else str(source), "rb") as wav:
            channels, width, source_rate = wav.getnchannels(), wav.getsampwidth(), wav.getframerate()
            frames = wav.readframes(wav.getnframes())
    except (wave.Error, EOFError, OSError) as error:
        raise AudioFileError(f"{name} is not a readable PCM WAV file: {error}") from None
    samples = _decode_pcm(frames, width, name)
    usable = len(samples) - len(samples) % channels
    mono = samples[:usable].reshape(-1, channels).mean(axis=1)
    return resample(mono.astype(np.float32), source_rate, rate)


def _decode_pcm(frames: bytes, width: int, name: str) -> np.ndarray:
    if width == 1:
        return (np.frombuffer(frames, np.uint8).astype(np.float32) - 128.0) / 128.0
    if width == 2:
        return np.frombuffer(frames, "<i2").astype(np.float32) / 32768.0
    if width == 3:
        raw = np.frombuffer(frames[: len(frames) - len(frames) % 3], np.uint8).reshape(-1, 3)
        joined = raw[:, 0].astype(np.int32) | (raw[:, 1].astype(np.int32) << 8) | (raw[:, 2].astype(np.int32) << 16)
        joined = np.where(joined >= 1 << 23, joined - (1 << 24), joined)
        return joined.astype(np.float32) / float(1 << 23)
    if width == 4:
        return (np.frombuffer(frames, "<i4").astype(np.float64) / 2147483648.0).astype(np.float32)
    raise AudioFileError(f"{name} uses {width * 8}-bit samples, which is not supported")


def resample(samples: np.ndarray, source_rate: int, rate: int = SAMPLE_RATE) -> np.ndarray:
    """Change sample rate; low-pass first when going down so speech does not alias."""
    if source_rate == rate or len(samples) == 0:
        return samples.astype(np.float32)
    if source_rate > rate:
        samples = _low_pass(samples, cutoff=0.45 * rate / source_rate)
    count = max(1, round(len(samples) * rate / source_rate))
    positions = np.arange(count) * (source_rate / rate)
    return np.interp(positions, np.arange(len(samples)), samples).astype(np.float32)


def _low_pass(samples: np.ndarray, cutoff: float, taps: int = 63) -> np.ndarray:
    """Windowed-sinc FIR; `cutoff` is a fraction of the source sample rate."""
    n = np.arange(taps) - (taps - 1) / 2
    kernel = 2 * cutoff * np.sinc(2 * cutoff * n) * np.hamming(taps)
    kernel /= kernel.sum()
    return np.convolve(samples, kernel, mode="same").astype(np.float32)


def silence(seconds: float, rate: int = SAMPLE_RATE) -> np.ndarray:
    return np.zeros(round(seconds * rate), np.float32)


def trim_silence(
    samples: np.ndarray, threshold: float = 0.02, margin_s: float = 0.01, rate: int = SAMPLE_RATE
) -> np.ndarray:
    """Cut quiet lead-in and tail of a recorded clip, keeping a short margin."""
    loud = np.flatnonzero(np.abs(samples) > threshold)
    if len(loud) == 0:
        return samples[:0]
    margin = round(margin_s * rate)
    return samples[max(0, loud[0] - margin) : loud[-1] + margin + 1]


def normalise(samples: np.ndarray, peak: float = PEAK) -> np.ndarray:
    loudest = float(np.max(np.abs(samples))) if len(samples) else 0.0
    return samples if loudest == 0.0 else (samples * (peak / loudest)).astype(np.float32)


def to_wav_bytes(samples: np.ndarray, rate: int = SAMPLE_RATE) -> bytes:
    """Encode float samples in [-1, 1] as a mono 16-bit PCM WAV."""
    pcm = (np.clip(samples, -1.0, 1.0) * 32767.0).round().astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(pcm.tobytes())
    return buffer.getvalue()


def write_wav_atomically(path: Path, samples: np.ndarray, rate: int = SAMPLE_RATE) -> Path:
    """Write so that a board fetching the file never sees half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".partial-", suffix=".wav")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(to_wav_bytes(samples, rate))
        os.chmod(temporary, 0o644)  # mkstemp makes it private; boards are served by another process
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def make_chime(rate: int = SAMPLE_RATE) -> np.ndarray:
    """A soft two-tone "ding-dong" (E5 then C5) with bell-like decaying partials."""
    note_s, gap_s, ring_s = 0.38, 0.05, 0.9
    ring = round(ring_s * rate)
    second = round((note_s + gap_s) * rate)
    total = np.zeros(second + ring, np.float32)
    for start, frequency in ((0, 659.25), (second, 523.25)):
        t = np.arange(ring) / rate
        tone = (
            np.sin(2 * np.pi * frequency * t)
            + 0.35 * np.sin(2 * np.pi * 2 * frequency * t) * np.exp(-t * 6)
            + 0.12 * np.sin(2 * np.pi * 3 * frequency * t) * np.exp(-t * 9)
        )
        attack = np.minimum(1.0, t / 0.008)  # no click at the onset
        envelope = attack * np.exp(-t * 4.0)
        total[start : start + ring] += (tone * envelope).astype(np.float32)
    fade = round(0.05 * rate)
    total[-fade:] *= np.linspace(1.0, 0.0, fade, dtype=np.float32)
    return normalise(total, 0.6)
