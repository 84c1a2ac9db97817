"""How visitors asked for each procedure before (data/example_queries.json) as evidence for a
new visitor's words. Wording written for these tests (the benches' query sets are kept apart:
bench/data/)."""

import json

import pytest

from queue_server.procedures import search
from queue_server.procedures.search import Entry, SearchIndex


def _top3(client, centre, q):
    r = client.get("/api/v1/procedures", params={"q": q, "limit": 3}, headers=centre.auth("kiosk"))
    assert r.status_code == 200, r.text
    return [i["code"] for i in r.json()["items"]]


def _reset_examples():
    search.example_queries.cache_clear()
    search.INDEXES.clear()


@pytest.fixture
def examples(monkeypatch, tmp_path):
    """Replace the shipped example queries with `{code: [queries]}` for one test."""

    def use(by_code: dict[str, list[str]]) -> None:
        path = tmp_path / "example_queries.json"
        procedures = [{"code": code, "queries": queries} for code, queries in by_code.items()]
        path.write_text(json.dumps({"source": "test", "procedures": procedures}), encoding="utf-8")
        monkeypatch.setattr(search, "EXAMPLE_QUERIES", path)
        _reset_examples()

    yield use
    monkeypatch.undo()
    _reset_examples()


def _index(names_by_code: dict[str, str]) -> SearchIndex:
    entries = [
        Entry(ref=code, code=code, name=name, field=None, level=None, data={}) for code, name in names_by_code.items()
    ]
    return SearchIndex.build(1, entries)


ASKED = {
    "1.001193": ["đứa nhỏ chào đời rồi làm giấy gì", "giấy cho đứa nhỏ nhà tôi mới chào đời"],
    "1.000894": ["hai đứa tôi về chung một nhà", "cưới nhau rồi làm giấy gì"],
    "1.000656": ["ông cụ qua đời rồi làm giấy gì", "nhà có người qua đời"],
    "1.004222": ["về ở hẳn nhà mới", "nhập vào nhà ông bà"],
}


def test_a_procedure_is_found_by_how_visitors_asked_for_it(client, catalogue, examples):
    examples(ASKED)
    assert _top3(client, catalogue, "đứa nhỏ nhà tôi chào đời")[0] == "1.001193"


def test_without_examples_the_same_query_finds_nothing_better(client, catalogue, examples):
    examples({})
    assert "1.001193" not in _top3(client, catalogue, "đứa nhỏ nhà tôi chào đời")


def test_examples_break_a_tie_between_cousins(client, catalogue, examples):
    # Both names say «thành lập công ty TNHH»; visitors who opened one alone said «một mình».
    examples({"2.001583": ["một mình đứng tên lập công ty"], "2.001199": ["mấy anh em hùn vốn lập công ty"]})
    assert _top3(client, catalogue, "lập công ty TNHH một mình đứng tên")[0] == "2.001583"
    assert _top3(client, catalogue, "lập công ty TNHH hùn vốn với bạn")[0] == "2.001199"


def test_a_word_every_procedure_was_asked_with_tells_nothing(examples):
    examples({"A": ["xin hỏi thủ tục cây cảnh"], "B": ["xin hỏi thủ tục ao cá"], "C": ["xin hỏi thủ tục gà vịt"]})
    index = _index({"A": "Một", "B": "Hai", "C": "Ba"})
    share = index.example_share("xin hỏi ao cá")
    assert share.argmax() == 1
    # «xin hỏi» was said for all three: it gives the others far less than «ao cá» gives B.
    assert share[0] < share[1] / 3 and share[0] == pytest.approx(share[2])


def test_examples_are_read_through_the_lexicon(examples):
    # An example saying «sổ đỏ» helps a query in the catalogue's words (and the other way round).
    examples({"A": ["mất sổ đỏ rồi"], "B": ["mất căn cước rồi"]})
    share = _index({"A": "Một", "B": "Hai"}).example_share("bị mất giấy chứng nhận quyền sử dụng đất")
    assert share[0] > 2 * share[1]


def test_the_shipped_examples_come_from_tuning_material_only():
    raw = json.loads((search.DATA_DIR / "example_queries.json").read_text(encoding="utf-8"))
    named = raw["sets"]
    measured_only = {"held_out_3", "held_out_5", "held_out_6", "held_out_7", "held_out_8", "held_out_9"}
    assert named and not set(named) & measured_only
    assert all(p["queries"] for p in raw["procedures"])
