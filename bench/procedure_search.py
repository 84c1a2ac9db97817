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


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--procedures", type=int, default=2000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    records = json.loads(SAMPLE.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        upgrade(url)
        db = Database(url)
        rows, rejected = check_rows(list(enumerate(catalogue(records, args.procedures, rng), start=1)))
        assert not rejected, rejected[:3]
        with db.unit_of_work() as s:
            import_rows(s, rows)
        qs = queries(records, args.queries, rng)
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
    print(
        json.dumps(
            {
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
                "target_p99_ms": 10,
                "queries_without_results": empty // args.repeat,
                "by_kind": {
                    k: {"p50_ms": round(statistics.median(v), 3), "p99_ms": round(percentile(v, 99), 3)}
                    for k, v in sorted(timings.items())
                },
                "examples": [q for _, q in qs[:14]],
            },
            ensure_ascii=False,
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
