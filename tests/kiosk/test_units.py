"""Fast checks of the kiosk's pure parts: configuration, texts, tone keys, live merge."""

from __future__ import annotations

import json
import unicodedata
from datetime import datetime

import pytest

from kiosk.config import ConfigError, load_config, parse_config
from kiosk.controller import merge_queue_update
from kiosk.keyboard import TONES, apply_tone
from kiosk.texts import clock_line, mask_name, wait_line

SAC, HUYEN, HOI, NGA, NANG = (TONES[k] for k in ("Dấu sắc", "Dấu huyền", "Dấu hỏi", "Dấu ngã", "Dấu nặng"))


def test_clock_line_reads_like_the_spec():
    assert clock_line(datetime(2026, 11, 23, 9, 41)) == "Thứ Hai, 23/11/2026 — 09:41"
    assert clock_line(datetime(2026, 11, 29, 7, 5), "en") == "Sunday, 29/11/2026 — 07:05"


@pytest.mark.parametrize(
    "typed, mark, expected",
    [
        ("viêt", NANG, "việt"),
        ("khai sinh", SAC, "khai sính"),
        ("khâu", HOI, "khẩu"),  # on the vowel with a hat, not the last one
        ("ngươi", HUYEN, "người"),  # ươ: on the ơ
        ("nươc", SAC, "nước"),
        ("tuôi", HOI, "tuổi"),
        ("hoa", HUYEN, "hòa"),  # open oa/oe/uy: the first vowel, as the regulations write it
        ("khoe", HOI, "khỏe"),
        ("thuy", HOI, "thủy"),
        ("hoan", HUYEN, "hoàn"),  # a final consonant: the last vowel
        ("ngoai", HUYEN, "ngoài"),  # three vowels: the middle one
        ("khuyu", HOI, "khuỷu"),
        ("quy", SAC, "quý"),  # qu and gi begin with a consonant
        ("giưa", NGA, "giữa"),
        ("gia", HUYEN, "già"),
        ("gi", HUYEN, "gì"),
        ("Đăng", NANG, "Đặng"),
        ("hộ", SAC, "hố"),  # a second tone replaces the first
        ("hộ", TONES["Bỏ dấu"], "hô"),
        ("đăng ky", SAC, "đăng ký"),
        ("123", SAC, "123"),  # nothing to mark
    ],
)
def test_tone_keys_mark_the_vowel_vietnamese_marks(typed, mark, expected):
    assert apply_tone(typed, mark) == expected


@pytest.mark.parametrize("vowel", list("aăâeêioôơuưy"))
@pytest.mark.parametrize("tone", [SAC, HUYEN, HOI, NGA, NANG])
def test_every_vowel_takes_every_tone(vowel, tone):
    expected = unicodedata.normalize("NFC", vowel + tone)
    assert apply_tone(vowel, tone) == expected
    assert apply_tone(vowel.upper(), tone) == expected.upper()


def test_config_file_round_trip(tmp_path, monkeypatch):
    path = tmp_path / "kiosk.json"
    path.write_text(
        json.dumps(
            {
                "server_url": "http://10.0.0.5:8000",
                "device_token": "mdv_x",
                "printer_url": "emulator:///tmp/p",
                "camera_url": "none",
                "idle_timeout_s": 45,
            }
        )
    )
    monkeypatch.setenv("MOTCUA_KIOSK_CONFIG", str(path))
    cfg = load_config()
    assert cfg.camera_url is None and cfg.idle_timeout_s == 45.0 and cfg.language == "vi"
    assert cfg.as_dict()["device_token"] == "***"


@pytest.mark.parametrize(
    "data, problem",
    [
        ({"server_url": "10.0.0.5", "device_token": "x"}, "server_url"),
        ({"server_url": "http://a", "device_token": ""}, "device_token"),
        ({"server_url": "http://a", "device_token": "x", "language": "fr"}, "language"),
        ({"server_url": "http://a", "device_token": "x", "idle_timeout_s": "soon"}, "idle_timeout_s"),
        ({"server_url": "http://a", "device_token": "x", "printer": "usb"}, "unknown setting"),
        ({"server_url": "http://a", "device_token": "x", "printer_check_s": 0}, "printer_check_s"),
    ],
)
def test_bad_config_says_what_to_fix(data, problem):
    with pytest.raises(ConfigError, match=problem):
        parse_config(data)


def test_missing_config_file_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "nope.json")


def test_queue_update_changes_only_live_figures():
    services = [
        {"id": 1, "name": "Hộ tịch", "waiting": 0, "open_now": True},
        {"id": 2, "name": "Đất đai", "waiting": 3, "open_now": True},
    ]
    merged = merge_queue_update(
        services,
        [{"id": 2, "waiting": 4, "estimated_wait_s": 900, "open_now": False, "closed_reason": "Ngoài giờ tiếp nhận"}],
    )
    assert merged[0] == services[0]
    assert merged[1]["name"] == "Đất đai" and merged[1]["waiting"] == 4 and merged[1]["open_now"] is False


@pytest.mark.parametrize(
    "full, shown",
    [("Nguyễn Văn An", "Nguyễn V… A…"), ("Đặng Thị Ngọc Ánh", "Đặng T… N… Á…"), ("Ánh", "Á…"), ("", "")],
)
def test_a_public_screen_shows_the_family_name_and_initials(full, shown):
    assert mask_name(full) == shown


def test_a_tile_shows_the_estimate_as_a_range_while_the_server_is_unsure():
    unsure = {"estimated_wait_s": 720, "estimated_wait_low_s": 560, "estimated_wait_high_s": 890}
    assert wait_line(unsure) == "Chờ khoảng 9–15 phút"
    assert wait_line(unsure, "en") == "About 9–15 min"
    sure = {"estimated_wait_s": 900, "estimated_wait_low_s": 870, "estimated_wait_high_s": 930}
    assert wait_line(sure) == "Chờ khoảng 15 phút"
    assert wait_line({"estimated_wait_s": 600}) == "Chờ khoảng 10 phút"  # a server without ranges


def test_check_in_refusals_in_english_by_code():
    from kiosk.texts import checkin_refusal_en
    from queue_server.client import ServerError

    early = ServerError("checkin_too_early", "Lịch hẹn…", 409, {"opens_at": "2026-03-11T02:45:00+00:00"})
    assert checkin_refusal_en(early) == "It is too early to check in for your booking. Please come back from 09:45."
    cancelled = ServerError("booking_cancelled", "Lịch hẹn này đã được hủy.", 409)
    assert checkin_refusal_en(cancelled) == "This booking was cancelled. Please take a queue number as usual."
    other = ServerError("something_else", "Máy chủ nói thế này.", 409)
    assert checkin_refusal_en(other) == "Máy chủ nói thế này."  # the server's own words when there is no English


def test_a_dossier_not_found_reads_as_the_server_words_it():
    """The visitor reads one sentence for «not found», whether the server answered (a wrong code or
    digits, a forged receipt) or the kiosk decided alone (a QR that is no receipt): the server's."""
    from kiosk.texts import lookup_refusal, t
    from queue_server.client import ServerError
    from queue_server.dossiers.lookup import NOT_FOUND_MESSAGE, lookup_not_found

    refused = lookup_not_found()
    answer = ServerError(refused.code, refused.message, refused.status)
    assert lookup_refusal(answer) == NOT_FOUND_MESSAGE
    assert t("dossier_not_found") == NOT_FOUND_MESSAGE, "the kiosk's own sentence is the server's"
    reworded = ServerError("lookup_not_found", "Không tìm thấy hồ sơ (máy chủ mới).", 404)
    assert lookup_refusal(reworded) == "Không tìm thấy hồ sơ (máy chủ mới).", "a server's new wording is shown"
    assert lookup_refusal(ServerError("lookup_not_found", "", 404)) == NOT_FOUND_MESSAGE  # no words: the kiosk's
    assert lookup_refusal(answer, "en").startswith("Dossier not found."), "English by code, as for check-in"
