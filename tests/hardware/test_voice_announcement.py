"""The call sentence: template, ticket and counter spelled as words."""

import re

import pytest

from hardware.voice import DEFAULT_TEMPLATE, NumberStyle, announcement_text


def test_default_call_sentence():
    assert announcement_text("A012", 3) == "Mời công dân có số thứ tự A mười hai đến quầy số ba"


@pytest.mark.parametrize(
    ("number", "counter", "expected"),
    [
        ("0012", "05", "Mời công dân có số thứ tự mười hai đến quầy số năm"),
        ("B105", 14, "Mời công dân có số thứ tự Bê một trăm linh năm đến quầy số mười bốn"),
        ("C021", "A2", "Mời công dân có số thứ tự Xê hai mươi mốt đến quầy số A hai"),
        ("D1024", 25, "Mời công dân có số thứ tự Dê một nghìn không trăm hai mươi tư đến quầy số hai mươi lăm"),
        ("Đ001", "Tư pháp 2", "Mời công dân có số thứ tự Đê một đến quầy số Tư pháp hai"),
    ],
)
def test_numbers_and_counters_are_words_never_digits(number, counter, expected):
    text = announcement_text(number, counter)
    assert text == expected
    assert not re.search(r"\d", text)


def test_custom_template_and_style():
    template = "Xin mời số {number} tới quầy {counter}, phòng 2"
    style = NumberStyle(thousand="ngàn", zero_tens="lẻ", four_after_tens="bốn")
    assert announcement_text("A1004", 24, template, style) == (
        "Xin mời số A một ngàn không trăm lẻ bốn tới quầy hai mươi bốn, phòng hai"
    )


def test_template_may_leave_out_the_counter():
    assert announcement_text("A7", 1, "Mời số {number}") == "Mời số A bảy"


@pytest.mark.parametrize(
    ("template", "reason"),
    [
        ("Mời quầy {counter}", "must contain {number}"),
        ("Mời {number} {name}", "may only use"),
        ("Mời {number:>5}", "format spec"),
        ("Mời {number", "malformed"),
        ("", "non-empty"),
    ],
)
def test_bad_templates_are_refused_with_a_reason(template, reason):
    with pytest.raises(ValueError, match=re.escape(reason)):
        announcement_text("A1", 1, template)


@pytest.mark.parametrize("counter", ["", "  ", True, None, -1, "quầy <3>"])
def test_bad_counters_are_refused(counter):
    with pytest.raises(ValueError):
        announcement_text("A1", counter)


def test_default_template_is_the_centres_wording():
    assert DEFAULT_TEMPLATE == "Mời công dân có số thứ tự {number} đến quầy số {counter}"
