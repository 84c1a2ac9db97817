"""General readings of a query, beyond the lexicon: what the visitor says they do not want,
words a speech-to-text slip turned into other real words, counts written as digits. Wording
written for these tests (the benches' query sets are kept apart: bench/data/)."""

from queue_server.procedures.search import Entry, SearchIndex, contrasted, pronounced_alike


def _top3(client, centre, q):
    r = client.get("/api/v1/procedures", params={"q": q, "limit": 3}, headers=centre.auth("kiosk"))
    assert r.status_code == 200, r.text
    return [i["code"] for i in r.json()["items"]]


def _index(names_by_code: dict[str, str]) -> SearchIndex:
    entries = [
        Entry(ref=code, code=code, name=name, field=None, level=None, data={}) for code, name in names_by_code.items()
    ]
    return SearchIndex.build(1, entries)


# -- what the visitor does not want ---------------------------------------------------------------------


def test_a_clause_saying_what_is_not_wanted_is_left_out():
    assert contrasted("thôi kinh doanh luôn, không phải nghỉ tạm") == "thôi kinh doanh luôn"
    assert contrasted("bằng lái bị rách chứ không phải bị mất, đổi bằng mới") == "bằng lái bị rách , đổi bằng mới"
    assert contrasted("hòa giải ở thôn, chưa cần lên huyện") == "hòa giải ở thôn"
    assert contrasted("đổi bằng lái chứ ko mất") == "đổi bằng lái"


def test_a_name_saying_not_is_not_a_contrast():
    # No comma or «chứ» before it: part of what is asked (a procedure's own name says it).
    assert contrasted("chuyển mục đích đất không phải xin phép") == "chuyển mục đích đất không phải xin phép"
    assert contrasted("có sổ hộ khẩu, chưa bao giờ làm căn cước") == "có sổ hộ khẩu, chưa bao giờ làm căn cước"


def test_the_unwanted_cousin_does_not_win(client, catalogue):
    assert _top3(client, catalogue, "bằng lái cũ quá rồi cần đổi, không phải bị mất")[0] == "3.000347"


# -- speech-to-text slips -----------------------------------------------------------------------------


def test_words_pronounced_alike():
    assert "chuc" in pronounced_alike("truc")
    assert "ban" in pronounced_alike("bang")
    assert "sao" in pronounced_alike("xao")
    assert pronounced_alike("anh") == []  # «-nh» is not «-n»


def test_a_misheard_word_pair_becomes_the_pair_a_name_says(client, catalogue):
    assert "1.004194" in _top3(client, catalogue, "khai tạm chú cho người thuê phòng")
    assert "2.001019" in _top3(client, catalogue, "ông ngoại muốn làm di trúc chứng thực")


def test_words_in_a_pair_a_name_says_are_left_alone():
    index = _index({"A": "Đăng ký kết hôn", "B": "Chứng thực di chúc", "C": "Cấp bản sao"})
    words = ["dang", "ki", "ket", "hon", "voi", "ban"]
    assert not index._heard_pairs(words, [None] * len(words))
    words = ["xin", "bang", "sao"]
    assert index._heard_pairs(words, [None, "bảng", None]) and words == ["xin", "ban", "sao"]
    # Typed with the diacritics a name writes it with, the word was meant: «chúc» stays.
    assert not index._heard_pairs(["loi", "chuc", "mung"], [None, "chúc", None])


# -- counts -------------------------------------------------------------------------------------------


def test_a_count_typed_as_a_digit_matches_the_name_writing_it_out(client, catalogue):
    assert _top3(client, catalogue, "mở cty TNHH 2 người góp vốn")[0] == "2.001199"
    assert _top3(client, catalogue, "công ty TNHH 1 chủ")[0] == "2.001583"


def test_an_age_stays_an_age():
    index = _index({"A": "Cấp thẻ căn cước cho người dưới 14 tuổi", "B": "Đăng ký công ty hai thành viên"})
    assert "hai" not in index.analyse("căn cước bé 2 tuổi").words
