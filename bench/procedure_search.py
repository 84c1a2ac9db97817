"""Procedure search latency over 2,000 procedures (target: p99 < 10 ms), printed as JSON.

The catalogue is the 134 real procedures plus variants of them (other agencies, levels,
special cases) up to --procedures, imported into a temporary SQLite database. Each timed call
is `search_procedures(session, q)` as the API makes it: the version check (one SELECT) plus
in-memory scoring. Queries are realistic kiosk input: names with and without diacritics,
typos, abbreviations, codes, fields and half-typed words.

    .venv/bin/python bench/procedure_search.py [--procedures 2000] [--queries 200] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from queue_server.db import Database
from queue_server.migrate import upgrade
from queue_server.procedures import search
from queue_server.procedures.demo import SAMPLE
from queue_server.procedures.importer import check_rows
from queue_server.procedures.search import INDEXES, fold
from queue_server.procedures.service import import_rows, search_procedures

VARIANTS = [
    " (thực hiện tại cấp tỉnh)",
    " (thực hiện tại cấp xã)",
    " đối với người nước ngoài",
    " cho người dưới 14 tuổi",
    " trong trường hợp bị mất",
    " có yếu tố nước ngoài",
    " theo hình thức trực tuyến",
    " tại khu kinh tế",
    " đối với tổ chức",
    " đối với hộ gia đình, cá nhân",
    " (liên thông)",
    " cho cơ sở sản xuất",
]
ABBREVIATIONS = ["GPLX", "CCCD", "LLTP", "BHXH", "HKD", "GCN QSDĐ", "sổ đỏ", "ĐKKD", "GPXD", "HTX"]


def catalogue(records: list[dict], size: int, rng: random.Random) -> list[dict]:
    out = [dict(r) for r in records]
    n = 0
    while len(out) < size:
        base = dict(records[n % len(records)])
        variant = VARIANTS[(n // len(records)) % len(VARIANTS)]
        base["name"] = base["name"] + variant
        base["code"] = f"9.{n:06d}"
        base["level"] = rng.choice(["xa", "tinh", "trung_uong", None])
        out.append(base)
        n += 1
    return out


def typo(word: str, rng: random.Random) -> str:
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]  # swap two neighbouring letters


def queries(records: list[dict], count: int, rng: random.Random) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    kinds = ["name", "no_diacritics", "typo", "abbreviation", "code", "field", "prefix"]
    while len(out) < count:
        r = rng.choice(records)
        words = fold(r["name"]).replace("thu tuc ", "").split()
        kind = kinds[len(out) % len(kinds)]
        if kind == "name":
            q = " ".join(r["name"].split()[: rng.randint(2, 6)])
        elif kind == "no_diacritics":
            q = " ".join(words[: rng.randint(2, 5)])
        elif kind == "typo":
            part = words[: rng.randint(2, 4)]
            j = max(range(len(part)), key=lambda k: len(part[k]))
            part[j] = typo(part[j], rng)
            q = " ".join(part)
        elif kind == "abbreviation":
            q = rng.choice(ABBREVIATIONS)
        elif kind == "code":
            if not r["code"]:
                continue
            q = r["code"][: rng.choice([4, 6, 8])]
        elif kind == "field":
            if not r["field"]:
                continue
            q = fold(r["field"])
        else:
            q = " ".join(words[:2])[:-1]
        out.append((kind, q))
    return out


DATA = Path(__file__).resolve().parent / "data"
QUERY_SETS = {
    "tuning": DATA / "procedure_queries_tuning.tsv",
    # A second tuning set, phone and teencode style («ko», «j», «dc», «đk», «cty»).
    "tuning_3": DATA / "procedure_queries_tuning_3.tsv",
    # Tuning set 5: person-centred queries and everyday names (two thirds of one set; see held_out_5).
    "tuning_5": DATA / "procedure_queries_tuning_5.tsv",
    # Tuning set 6: visitors who speak of the person and the life event (a newborn, a parent who died, a
    # grandfather giving land), slang, English words, no tone marks, typos and regional words; two thirds
    # of one set written before that round's tuning (see held_out_6).
    "tuning_6": DATA / "procedure_queries_tuning_6.tsv",
    "held_out": DATA / "procedure_queries_held_out.tsv",
    # Written after the first held-out set had been looked at, from the procedure list, without
    # reading the lexicon or the other sets. Both were measured and their misses read in the
    # round that added everyday names (search19): since then they are tuning material too.
    "held_out_2": DATA / "procedure_queries_held_out_2.tsv",
    # The only set no tuning has seen: written and committed before the everyday names, the
    # filler weights and the Telex repair of that round, by another persona (older southern
    # visitors and the relatives who type for them); only measured.
    "held_out_3": DATA / "procedure_queries_held_out_3.tsv",
    # Held-out set 4, by a second author: written from the procedure list alone by someone who had
    # not seen the search code, its lexicon or any other set (young urban people of the North and
    # Centre, factory workers: slang, English words, phones without Vietnamese input). Measured untuned
    # at 90.0 % top-3 (81.2 % top-1); since issue 19 its misses are read: tuning material too.
    "held_out_4": DATA / "procedure_queries_held_out_4.tsv",
    # Held-out set 5: the other third of the set tuning_5 was split from (written before any tuning of
    # that round, split at random per family); only measured.
    "held_out_5": DATA / "procedure_queries_held_out_5.tsv",
    # Held-out set 6: the other third of the set tuning_6 was split from (split at random per family
    # before any tuning of that round); only measured, once, at the end.
    "held_out_6": DATA / "procedure_queries_held_out_6.tsv",
    # Sets 7, by a third author who saw only the procedure list (not the code, the lexicon or any other
    # set); 240 queries split at random per family before any run. Answers are national codes.
    "tuning_7": DATA / "procedure_queries_tuning_7.tsv",
    # Only measured, once, at the end of the round that tuned on tuning_7.
    "held_out_7": DATA / "procedure_queries_held_out_7.tsv",
    # Sets 8, by a fourth author who saw only the procedure list: 300 queries (elderly and rural
    # visitors, Southern and Central speech, Telex/VNI leftovers, speech-to-text slips, abbreviations,
    # life situations, English, typos, near-official paraphrases, needs with only a closest
    # procedure), split at random per family (seed 8080) before any run. tuning_8 is read while
    # tuning; held_out_8 is only measured — once untuned, once at the end of its round.
    "tuning_8": DATA / "procedure_queries_tuning_8.tsv",
    "held_out_8": DATA / "procedure_queries_held_out_8.tsv",
    # Sets 9, by a fifth author who saw only the procedure list: 300 queries (autocorrect and
    # speech-to-text damage, visitors for whom Vietnamese is a second language, 2–4 hurried words,
    # the result wanted instead of the procedure, questions, no marks, Telex, abbreviations, typos,
    # close cousins), split at random per family (seed 9090) before any run. tuning_9 is read while
    # tuning; held_out_9 is only measured — once untuned, once at the end of its round.
    "tuning_9": DATA / "procedure_queries_tuning_9.tsv",
    "held_out_9": DATA / "procedure_queries_held_out_9.tsv",
    # Sets 10, by a sixth author who saw only the procedure list: 240 queries of people in a life
    # situation told their own way (a wedding, a newborn, a death, a worker back from abroad, land,
    # a shop, a pensioner, a carer, a flood, a foreign spouse), all regions, stories and fragments,
    # no marks, typos, abbreviations, English, close cousins; split at random per family (seed 10100)
    # before any run, and measured once untuned, after round 9 (example queries as evidence).
    "tuning_10": DATA / "procedure_queries_tuning_10.tsv",
    "held_out_10": DATA / "procedure_queries_held_out_10.tsv",
    # Sets 11, by a seventh author who saw only the procedure list: 200 queries of the commune desk's
    # everyday business as ten kinds of visitors ask for it (office worker, grandmother, teenager,
    # farmer, migrant worker, shop owner, new mother, the paper only, a misremembered name, a
    # question); split at random per family (seed 11110) before any run; measured once untuned,
    # after round 10, and not tuned on in that session.
    "tuning_11": DATA / "procedure_queries_tuning_11.tsv",
    "held_out_11": DATA / "procedure_queries_held_out_11.tsv",
}
# The tuning material (read while tuning): the only sets the shipped example queries
# (queue_server/procedures/data/example_queries.json, built by bench/example_queries.py) come from.
# Never a set that is only measured.
EXAMPLE_SETS = (
    "tuning",
    "tuning_3",
    "tuning_5",
    "tuning_6",
    "tuning_7",
    "tuning_8",
    "tuning_9",
    "held_out",
    "held_out_2",
    "held_out_4",
)


def query_set(path: Path) -> list[tuple[str, set[int], str]]:
    """(query, acceptable procedures as indices in the sample, family) from a TSV file. An answer is
    an index in the sample or a national code ("1.001612"); the 15 procedures without a code (district
    duplicates) can only be named by index, so a set written in codes never accepts them."""
    index = {r["code"]: i for i, r in enumerate(json.loads(SAMPLE.read_text(encoding="utf-8"))) if r["code"]}
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            query, wanted, family = line.split("\t")
            rows.append((query, {index[w] if "." in w else int(w) for w in wanted.split(",")}, family))
    return rows


def quality(records: list[dict], sets: list[str], *, cross_validate: bool = False) -> dict:
    """Top-1 and top-3 of the everyday query sets over the 134 real procedures, through
    `search_procedures` as the API calls it; each set's p50/p99 time per search too. See
    QUERY_SETS for which sets were looked at while tuning. ``cross_validate``: a set of the
    example queries' material is measured with examples built without it (as unseen authors)."""
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'quality.sqlite3'}"
        upgrade(url)
        db = Database(url)
        rows, _rejected = check_rows(list(enumerate(records, start=1)))
        with db.unit_of_work() as s:
            import_rows(s, rows)
        key = {(r["name"], r["level"]): i for i, r in enumerate(records)}
        with db.reading() as s:
            for name in sets:
                path = QUERY_SETS[name]
                if cross_validate and name in EXAMPLE_SETS:
                    left_out(name, Path(tmp))
                top1 = top3 = empty = 0
                families: dict[str, list[int]] = {}
                queries = query_set(path)
                times = []
                for query, wanted, family in queries:
                    t = time.perf_counter()
                    items = search_procedures(s, query, limit=3)["items"]
                    times.append((time.perf_counter() - t) * 1000)
                    got = [key.get((i["name"], i["level"])) for i in items]
                    hit3 = bool(wanted & set(got))
                    top1 += bool(got) and got[0] in wanted
                    top3 += hit3
                    empty += not items
                    families.setdefault(family, [0, 0])
                    families[family][0] += hit3
                    families[family][1] += 1
                out[name] = {
                    "examples": f"without {name}" if cross_validate and name in EXAMPLE_SETS else "shipped",
                    "queries": len(queries),
                    "top1": round(top1 / len(queries), 3),
                    "top3": round(top3 / len(queries), 3),
                    "top3_hits": top3,
                    "without_results": empty,
                    "p50_ms": round(statistics.median(times), 3),
                    "p99_ms": round(percentile(times, 99), 3),
                    "top3_by_family": {f: f"{h}/{n}" for f, (h, n) in sorted(families.items())},
                }
        db.dispose()
        INDEXES.clear()
        if cross_validate:
            search.EXAMPLE_QUERIES = SHIPPED_EXAMPLES
            search.example_queries.cache_clear()
    return out


SHIPPED_EXAMPLES = search.EXAMPLE_QUERIES


def left_out(name: str, tmp: Path) -> None:
    """From now on the index reads example queries built without the set `name`."""
    from example_queries import build

    path = tmp / f"examples_without_{name}.json"
    path.write_text(json.dumps(build([s for s in EXAMPLE_SETS if s != name]), ensure_ascii=False), encoding="utf-8")
    search.EXAMPLE_QUERIES = path
    search.example_queries.cache_clear()
    INDEXES.clear()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--procedures", type=int, default=2000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument(
        "--cross-validate",
        action="store_true",
        help="measure each set of the example queries' material with examples built without it",
    )
    parser.add_argument(
        "--sets", default=",".join(QUERY_SETS), help="query sets to score, comma-separated (default: all)"
    )
    args = parser.parse_args()
    records = json.loads(SAMPLE.read_text(encoding="utf-8"))
    found = quality(records, [name for name in args.sets.split(",") if name], cross_validate=args.cross_validate)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        results["sqlite"] = latency(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", records, args, random.Random(args.seed))
    if not args.no_postgres:
        from report_month import postgres_schema  # the benches' scratch-schema helper

        with postgres_schema() as url:
            results["postgresql"] = latency(url, records, args, random.Random(args.seed))
    print(
        json.dumps(
            results | {"quality_over_134_real_procedures": found, "target": {"held_out_top3": 0.95, "p99_ms": 10}},
            ensure_ascii=False,
            indent=2,
        )
    )
    return 0


def latency(url: str, records: list[dict], args, rng: random.Random) -> dict:
    """Search times over ``args.procedures`` procedures in the database at ``url``."""
    upgrade(url)
    db = Database(url)
    rows, rejected = check_rows(list(enumerate(catalogue(records, args.procedures, rng), start=1)))
    assert not rejected, rejected[:3]
    with db.unit_of_work() as s:
        import_rows(s, rows)
    qs = queries(records, args.queries, rng)
    # Everyday queries too, as visitors type them (the held-out set's text; no answers needed here).
    qs += [
        ("everyday", q)
        for name in ("held_out", "held_out_2", "held_out_3")
        for q, _w, _f in query_set(QUERY_SETS[name])
    ]
    timings: dict[str, list[float]] = {}
    cpu: list[float] = []  # this thread's CPU time: wall time minus waiting for a busy machine
    with db.reading() as s:
        t0 = time.perf_counter()
        search_procedures(s, "khai sinh")  # builds the index
        build_ms = (time.perf_counter() - t0) * 1000
        empty = 0
        for _ in range(args.repeat):
            for kind, q in qs:
                t, c = time.perf_counter(), time.thread_time()
                result = search_procedures(s, q)
                timings.setdefault(kind, []).append((time.perf_counter() - t) * 1000)
                cpu.append((time.thread_time() - c) * 1000)
                empty += not result["items"]
    db.dispose()
    INDEXES.clear()
    every = [v for values in timings.values() for v in values]
    return {
        "procedures": len(rows),
        "queries": len(qs),
        "searches": len(every),
        "index_build_ms": round(build_ms, 1),
        "p50_ms": round(statistics.median(every), 3),
        "p99_ms": round(percentile(every, 99), 3),
        "max_ms": round(max(every), 3),
        "cpu_p50_ms": round(statistics.median(cpu), 3),
        "cpu_p99_ms": round(percentile(cpu, 99), 3),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "queries_without_results": empty // args.repeat,
        "by_kind": {
            k: {"p50_ms": round(statistics.median(v), 3), "p99_ms": round(percentile(v, 99), 3)}
            for k, v in sorted(timings.items())
        },
    }


if __name__ == "__main__":
    sys.exit(main())
