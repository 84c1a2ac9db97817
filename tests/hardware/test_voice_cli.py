"""`python -m hardware.voice`: what an installer types to hear the centre's calls."""

import shutil
import wave

import pytest

from hardware.voice.__main__ import main


def test_read_prints_the_words(capsys):
    assert main(["--thousand", "ngàn", "read", "2024"]) == 0
    assert capsys.readouterr().out.strip() == "hai ngàn không trăm hai mươi tư"


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_call_writes_a_wav_and_prints_the_sentence(tmp_path, capsys):
    out = tmp_path / "call.wav"
    assert main(["call", "A012", "3", "--out", str(out), "--cache-dir", str(tmp_path / "cache")]) == 0
    assert "Mời công dân có số thứ tự A mười hai đến quầy số ba" in capsys.readouterr().out
    with wave.open(str(out), "rb") as wav:
        assert wav.getnframes() / wav.getframerate() > 1.5


def test_bad_ticket_is_an_error_message_not_a_traceback(tmp_path, capsys):
    code = main(["call", "A#1", "3", "--out", str(tmp_path / "x.wav"), "--cache-dir", str(tmp_path)])
    assert code == 2
    assert "ticket number" in capsys.readouterr().err
