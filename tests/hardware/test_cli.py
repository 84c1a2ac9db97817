"""`motcua-hw` as a technician runs it: the installed console script, in a subprocess."""

import json
import shutil
import subprocess
import sys
import wave
from pathlib import Path

import pytest
import qrcode

from hardware.printers import PROFILES
from hardware.printers.layouts import ticket_job

CLI = Path(sys.executable).with_name("motcua-hw")
pytestmark = pytest.mark.skipif(not CLI.exists(), reason="run `pip install -e .` to install the motcua-hw script")


def run(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([str(CLI), *args], capture_output=True, text=True, timeout=timeout)


def test_printers_lists_or_says_none():
    result = run("printers")
    assert result.returncode == 0
    assert "escpos+" in result.stdout or "Không tìm thấy máy in" in result.stdout


def test_print_test_on_the_emulator_prints_vietnamese_and_a_qr(tmp_path, qr_texts):
    from PIL import Image

    result = run("print-test", f"emulator://{tmp_path}/?width=384", "--qr", "http://motcua.local/t/thu")
    assert result.returncode == 0, result.stderr
    png = Path(json.loads(result.stdout)["png"])
    paper = Image.open(png)
    assert paper.width == 384
    assert qr_texts(paper) == ["http://motcua.local/t/thu"]


def test_print_test_reports_paper_out_in_vietnamese(fake_printer):
    fake_printer.paper_out = True
    result = run("print-test", fake_printer.url)
    assert result.returncode == 1
    assert "Máy in hết giấy" in result.stderr
    assert fake_printer.job_bytes() == b""


def test_print_test_bad_url_is_exit_2():
    result = run("print-test", "lp://printer")
    assert result.returncode == 2
    assert "Không hỗ trợ loại máy in" in result.stderr


def test_render_turns_captured_bytes_into_a_png(tmp_path, ticket, qr_texts):
    from PIL import Image

    job = tmp_path / "job.bin"
    job.write_bytes(ticket_job(ticket, PROFILES["generic-80"]))
    out = tmp_path / "job.png"
    result = run("render", str(job), "--out", str(out), "--width", "576")
    assert result.returncode == 0, result.stderr
    assert qr_texts(Image.open(out)) == [ticket.qr_url]


def test_render_refuses_garbage_with_the_offset(tmp_path):
    job = tmp_path / "junk.bin"
    job.write_bytes(b"\x1b@\x1b\x99\x00")
    result = run("render", str(job), "--out", str(tmp_path / "x.png"))
    assert result.returncode == 2
    assert "at byte 2" in result.stderr
    assert not (tmp_path / "x.png").exists()


def test_decode_prints_one_json_line_per_code(tmp_path):
    image = tmp_path / "code.png"
    qrcode.make("000.00.18.H01-240506-0001").save(image)
    result = run("decode", str(image))
    assert result.returncode == 0, result.stderr
    line = json.loads(result.stdout.strip().splitlines()[0])
    assert set(line) == {"image", "raw", "kind", "fields"}
    assert line["image"] == str(image)
    assert line["kind"] and isinstance(line["fields"], dict)


def test_read_number_speaks_vietnamese():
    result = run("read-number", "21")
    assert result.returncode == 0
    assert result.stdout.strip() == "hai mươi mốt"


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_announce_writes_the_wav(tmp_path):
    out = tmp_path / "call.wav"
    result = run("announce", "A012", "3", "--out", str(out), "--cache-dir", str(tmp_path / "cache"))
    assert result.returncode == 0, result.stderr
    with wave.open(str(out), "rb") as wav:
        assert wav.getnframes() / wav.getframerate() > 1.0
