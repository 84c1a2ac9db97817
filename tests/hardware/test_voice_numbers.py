"""Vietnamese number reading: a hand-written table, regional styles, and properties over 0–9999."""

import unicodedata

import pytest

from hardware.voice import NumberStyle, read_number, read_ticket_number

SOUTHERN = NumberStyle(thousand="ngàn", zero_tens="lẻ", four_after_tens="bốn")

# Written out by hand, as a clerk reads them aloud.
TABLE = [
    (0, "không"),
    (1, "một"),
    (4, "bốn"),
    (5, "năm"),
    (7, "bảy"),
    (10, "mười"),
    (11, "mười một"),
    (14, "mười bốn"),
    (15, "mười lăm"),
    (19, "mười chín"),
    (20, "hai mươi"),
    (21, "hai mươi mốt"),
    (24, "hai mươi tư"),
    (25, "hai mươi lăm"),
    (31, "ba mươi mốt"),
    (44, "bốn mươi tư"),
    (55, "năm mươi lăm"),
    (99, "chín mươi chín"),
    (100, "một trăm"),
    (101, "một trăm linh một"),
    (104, "một trăm linh bốn"),
    (105, "một trăm linh năm"),
    (110, "một trăm mười"),
    (111, "một trăm mười một"),
    (114, "một trăm mười bốn"),
    (115, "một trăm mười lăm"),
    (121, "một trăm hai mươi mốt"),
    (124, "một trăm hai mươi tư"),
    (125, "một trăm hai mươi lăm"),
    (200, "hai trăm"),
    (405, "bốn trăm linh năm"),
    (555, "năm trăm năm mươi lăm"),
    (1000, "một nghìn"),
    (1001, "một nghìn không trăm linh một"),
    (1005, "một nghìn không trăm linh năm"),
    (1010, "một nghìn không trăm mười"),
    (1015, "một nghìn không trăm mười lăm"),
    (1021, "một nghìn không trăm hai mươi mốt"),
    (1050, "một nghìn không trăm năm mươi"),
    (1100, "một nghìn một trăm"),
    (1105, "một nghìn một trăm linh năm"),
    (2024, "hai nghìn không trăm hai mươi tư"),
    (5555, "năm nghìn năm trăm năm mươi lăm"),
    (9999, "chín nghìn chín trăm chín mươi chín"),
    (10000, "mười nghìn"),
    (15000, "mười lăm nghìn"),
    (21000, "hai mươi mốt nghìn"),
    (100005, "một trăm nghìn không trăm linh năm"),
    (1000000, "một triệu"),
    (1000005, "một triệu không trăm linh năm"),
    (1050000, "một triệu không trăm năm mươi nghìn"),
    (25_000_000, "hai mươi lăm triệu"),
    (999_999_999, "chín trăm chín mươi chín triệu chín trăm chín mươi chín nghìn chín trăm chín mươi chín"),
    (1_000_000_000, "một tỷ"),
    (2_000_000_021, "hai tỷ không trăm hai mươi mốt"),
]

SOUTHERN_TABLE = [
    (14, "mười bốn"),
    (24, "hai mươi bốn"),
    (105, "một trăm lẻ năm"),
    (1005, "một ngàn không trăm lẻ năm"),
    (2024, "hai ngàn không trăm hai mươi bốn"),
    (9999, "chín ngàn chín trăm chín mươi chín"),
]


@pytest.mark.parametrize(("number", "words"), TABLE)
def test_reads_the_table(number, words):
    assert read_number(number) == words


@pytest.mark.parametrize(("number", "words"), SOUTHERN_TABLE)
def test_reads_with_southern_choices(number, words):
    assert read_number(number, SOUTHERN) == words


def test_each_regional_choice_is_independent():
    assert read_number(1024, NumberStyle(thousand="ngàn")) == "một ngàn không trăm hai mươi tư"
    assert read_number(1004, NumberStyle(zero_tens="lẻ")) == "một nghìn không trăm lẻ bốn"
    assert read_number(34, NumberStyle(four_after_tens="bốn")) == "ba mươi bốn"


@pytest.mark.parametrize("bad", [-1, -100, 1.5, 12.0, "12", None, True, 10**12])
def test_rejects_what_is_not_a_readable_whole_number(bad):
    with pytest.raises(ValueError, match="read_number"):
        read_number(bad)


def test_style_rejects_unknown_choices():
    with pytest.raises(ValueError, match="thousand"):
        NumberStyle(thousand="ngàng")


def _value_of(words: str) -> int:
    """An independent reader of the words back to a number (0–9999)."""
    digits = {
        "không": 0,
        "một": 1,
        "mốt": 1,
        "hai": 2,
        "ba": 3,
        "bốn": 4,
        "tư": 4,
        "năm": 5,
        "lăm": 5,
        "sáu": 6,
        "bảy": 7,
        "tám": 8,
        "chín": 9,
    }
    total = group = current = 0
    for word in words.split(" "):
        if word in digits:
            current = digits[word]
        elif word == "mười":
            group += 10
        elif word == "mươi":
            group, current = group + current * 10, 0
        elif word == "trăm":
            group, current = group + current * 100, 0
        elif word in ("nghìn", "ngàn"):
            total, group, current = (group + current) * 1000, 0, 0
        elif word not in ("linh", "lẻ"):
            raise AssertionError(f"unexpected word {word!r} in {words!r}")
    return total + group + current


ALL = {n: read_number(n) for n in range(10000)}


def test_every_reading_up_to_9999_means_its_number():
    assert [n for n, words in ALL.items() if _value_of(words) != n] == []
    assert len(set(ALL.values())) == 10000


def test_special_words_only_follow_their_word():
    allowed_before = {"mốt": {"mươi"}, "lăm": {"mười", "mươi"}, "tư": {"mươi"}, "linh": {"trăm"}}
    wrong = []
    for n, words in ALL.items():
        tokens = words.split(" ")
        for before, word in zip(["^", *tokens], tokens):
            if word in allowed_before and before not in allowed_before[word]:
                wrong.append((n, words))
    assert wrong == []


def test_linh_comes_only_before_a_lone_final_unit():
    for n, words in ALL.items():
        tokens = words.split(" ")
        if "linh" in tokens:
            assert tokens.index("linh") == len(tokens) - 2 and n % 100 < 10, (n, words)
        elif n >= 100 and 0 < n % 100 < 10:
            raise AssertionError(f"{n} needs linh: {words!r}")


def test_readings_are_clean_nfc_text():
    for words in ALL.values():
        assert words == unicodedata.normalize("NFC", words)
        assert "  " not in words and words == words.strip()


def test_southern_style_only_swaps_the_regional_words():
    swap = {"nghìn": "ngàn", "linh": "lẻ", "tư": "bốn"}
    for n in range(10000):
        expected = " ".join(swap.get(word, word) for word in ALL[n].split(" "))
        assert read_number(n, SOUTHERN) == expected


@pytest.mark.parametrize(
    ("ticket", "words"),
    [
        ("A012", "A mười hai"),
        ("0012", "mười hai"),
        ("B105", "Bê một trăm linh năm"),
        ("C001", "Xê một"),
        ("D021", "Dê hai mươi mốt"),
        ("Đ024", "Đê hai mươi tư"),
        ("E100", "E một trăm"),
        ("a-012", "A mười hai"),
        ("S 15", "Ét xì mười lăm"),
        ("AB0007", "A Bê bảy"),
        ("000", "không"),
        ("K", "Ca"),
    ],
)
def test_reads_ticket_display_numbers(ticket, words):
    assert read_ticket_number(ticket) == words


def test_ticket_reading_follows_the_style():
    assert read_ticket_number("A1005", SOUTHERN) == "A một ngàn không trăm lẻ năm"


@pytest.mark.parametrize("bad", ["", "   ", "A#12", "A١٢", "A" * 17, 12, None])
def test_rejects_ticket_numbers_that_cannot_be_read(bad):
    with pytest.raises(ValueError, match="ticket number"):
        read_ticket_number(bad)
