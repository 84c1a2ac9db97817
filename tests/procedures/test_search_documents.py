"""The papers a procedure asks for, as weak evidence: two procedures whose names cover the query
alike are told apart by which one's list of papers says the visitor's words side by side; a
list of papers never makes a procedure match on its own; and search stays fast over 2,000
procedures with their full lists. Examples written for these tests (none is in the benches'
query sets)."""

import json
import random
import time

from queue_server.procedures.search import Entry, SearchIndex

from .conftest import SAMPLE


def _entry(ref: str, name: str, documents: tuple[str, ...]) -> Entry:
    return Entry(ref=ref, code=None, name=name, field="Khoáng sản", level=None, data={}, documents=documents)


def _refs(index: SearchIndex, q: str) -> list[str]:
    hits, _total = index.search(q, limit=3)
    return [h.entry.ref for h in hits]


def _cousins() -> SearchIndex:
    return SearchIndex.build(
        1,
        [
            _entry("a", "Cấp phép khai thác cát lòng sông", ("Đơn đề nghị", "Sơ đồ vị trí")),
            _entry("b", "Cấp phép khai thác cát lòng sông", ("Đơn đề nghị", "Bản đồ khu vực mỏ")),
            _entry("c", "Cấp phép nuôi cá lồng bè", ("Đơn đề nghị", "Bản đồ khu vực nuôi")),
        ],
    )


def test_the_papers_decide_between_names_that_cover_the_query_alike():
    index = _cousins()
    # a comes first among equals without the papers (catalogue order); b's papers say «bản đồ khu vực»
    assert _refs(index, "khai thác cát lòng sông có bản đồ khu vực")[:2] == ["b", "a"]
    assert _refs(index, "khai thac cat long song ban do khu vuc")[:2] == ["b", "a"]


def test_the_papers_alone_never_make_a_match():
    index = _cousins()
    # «sơ đồ vị trí» is only in a's papers: the procedure named for the visitor's words stays first
    assert _refs(index, "nuôi cá lồng bè sơ đồ vị trí")[0] == "c"
    # words said only in papers find nothing
    assert _refs(index, "sơ đồ vị trí") == []


def test_a_pair_every_list_says_weighs_less_than_a_rare_one():
    index = SearchIndex.build(
        1,
        [
            _entry("a", "Cấp phép khai thác cát lòng sông", ("Đơn đề nghị", "Bản đồ khu vực mỏ")),
            _entry("b", "Cấp phép khai thác cát lòng sông", ("Đơn đề nghị", "Báo cáo đánh giá tác động")),
            _entry("c", "Cấp phép khai thác cát lòng sông", ("Đơn đề nghị", "Biên bản kiểm tra")),
        ],
    )
    # «đơn đề nghị» is in every list, «đánh giá tác động» only in b's
    assert _refs(index, "khai thác cát lòng sông đơn đề nghị đánh giá tác động")[0] == "b"


def test_search_over_two_thousand_procedures_with_their_papers_stays_fast():
    records = json.loads(SAMPLE.read_text(encoding="utf-8"))
    rng = random.Random(9)
    entries = []
    for n in range(2000):
        r = records[n % len(records)]
        suffix = "" if n < len(records) else f" (trường hợp {n})"
        entries.append(
            Entry(
                ref=str(n),
                code=r.get("code") if n < len(records) else f"9.{n:06d}",
                name=r["name"] + suffix,
                field=r.get("field"),
                level=r.get("level"),
                data={"agency_name": r.get("agency")},
                documents=tuple(r.get("documents") or ()),
            )
        )
    index = SearchIndex.build(1, entries)
    queries = [
        "bố tôi mới mất cần làm giấy tờ gì",
        "xin trợ cấp thất nghiệp sau khi bị cho thôi việc",
        "dang ky ket hon voi nguoi nuoc ngoai",
        "cap lai the can cuoc bi mat",
        "tách thửa chia đất cho con",
        "làm giấy phép xây dựng nhà ở",
    ]
    times = []
    for _ in range(20):
        rng.shuffle(queries)
        for q in queries:
            t = time.thread_time()
            assert index.search(q, limit=20)[0], q
            times.append((time.thread_time() - t) * 1000)
    times.sort()
    assert times[int(len(times) * 0.99)] <= 10, times[-5:]
