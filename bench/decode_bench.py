"""Decode benchmark: hard photos of a receipt held up to the kiosk camera.

The photos come from the camera's emulator (``hardware/scanners/photos.py``): thermal
print on grey paper, rotation, perspective, bent paper, fingers, shadows, glare,
darkness, defocus and motion blur, sensor noise, vignetting and JPEG compression, at
480p, 720p and 1080p, for the four payload kinds (both dossier-code layouts, ticket and
receipt links, CCCD strings).

Two sets that never meet: the TUNING set (conditions ``TUNING``, seeds from 1000) is
what the decoder's ladder was tuned on; the HELD-OUT set (conditions ``HELD_OUT`` —
other ranges and another blur model — seeds from 9000) is only ever measured. A second
held-out set (``HELD_OUT_2``: faded ink on bluish paper, barrel distortion, coloured light;
seeds from 20000) was added once the first had been looked at, and is measured only.

    .venv/bin/python bench/decode_bench.py [--set held-out|tuning] [--per-cell 25] [--seed N]
    .venv/bin/python bench/decode_bench.py --set tuning --steps     # yield and cost of each step
    .venv/bin/python bench/decode_bench.py --set held-out --cli     # also through `motcua-hw decode`

Prints JSON: share decoded overall, by frame size, by payload kind and by effect, and
milliseconds per frame (median, p99) with the decode-file budget the CLI uses.
Targets: >= 97 % decoded, median <= 40 ms per frame.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hardware.scanners.decode import _Ladder, inspect_frame
from hardware.scanners.photos import HELD_OUT, HELD_OUT_2, PAYLOAD_KINDS, RESOLUTIONS, TUNING, photo_set
from hardware.scanners.scenes import SCENE_HELD_OUT, SCENE_TUNING, scene_set

# name: (generator, conditions, first seed). The "scenes-" sets come from the second, independent
# emulator (3-D pose through a pinhole camera, see hardware/scanners/scenes.py).
SETS = {
    "tuning": (photo_set, TUNING, 1000),
    "held-out": (photo_set, HELD_OUT, 9000),
    "held-out-2": (photo_set, HELD_OUT_2, 20000),
    "scenes-tuning": (scene_set, SCENE_TUNING, 31000),
    "scenes-held-out": (scene_set, SCENE_HELD_OUT, 47000),
    # Harder tuning scenes: the held-out conditions with other seeds (run with --per-cell 6, and
    # again with --seed 62000). Tuning on them made the held-out set's conditions, not its photos,
    # known to the decoder.
    "scenes-tuning-hard": (scene_set, SCENE_HELD_OUT, 61000),
    # Fresh tuning scenes (the tuning conditions, seeds never used before): the deblurring fallback
    # was chosen on their misses (run with --per-cell 20, and again with --seed 64000).
    "scenes-tuning-fresh": (scene_set, SCENE_TUNING, 63000),
}


def _share(hits: list[bool]) -> dict:
    return {"decoded": sum(hits), "of": len(hits), "share": round(sum(hits) / len(hits), 4) if hits else None}


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def _ms(values: list[float]) -> dict:
    return {"p50": round(statistics.median(values), 1), "p99": round(_percentile(values, 99), 1)}


def run(photos: list, budget_s: float) -> dict:
    inspect_frame(np.zeros((64, 64, 3), np.uint8))  # load the libraries before timing
    by: dict[str, dict[str, list[bool]]] = {"resolution": {}, "kind": {}, "effect": {}, "step": {}}
    ms: list[float] = []
    cpu_ms: list[float] = []  # CPU time (all threads): what other processes on a loaded machine do not inflate
    ms_by_resolution: dict[str, list[float]] = {}
    ms_by_kind: dict[str, list[float]] = {}
    hits = []
    for photo in photos:
        started, cpu_started = time.perf_counter(), time.process_time()
        report = inspect_frame(photo.image, budget_s)
        elapsed = (time.perf_counter() - started) * 1000
        cpu_ms.append((time.process_time() - cpu_started) * 1000)
        hit = photo.text in report.texts
        hits.append(hit)
        ms.append(elapsed)
        ms_by_resolution.setdefault(photo.resolution, []).append(elapsed)
        ms_by_kind.setdefault(photo.kind, []).append(elapsed)
        by["resolution"].setdefault(photo.resolution, []).append(hit)
        by["kind"].setdefault(photo.kind, []).append(hit)
        for effect in photo.effects or ("none",):
            by["effect"].setdefault(effect, []).append(hit)
        by["step"].setdefault(report.step or "none", []).append(hit)
    return {
        "frames": len(photos),
        "decoded": _share(hits),
        "by_resolution": {r: _share(by["resolution"][r]) for r in RESOLUTIONS if r in by["resolution"]},
        "by_payload_kind": {k: _share(by["kind"][k]) for k in PAYLOAD_KINDS if k in by["kind"]},
        "by_effect": {e: _share(v) for e, v in sorted(by["effect"].items())},
        "decoded_by_step": {s: len(v) for s, v in sorted(by["step"].items(), key=lambda kv: -len(kv[1]))},
        "ms_per_frame": {
            "p50": round(statistics.median(ms), 1),
            "mean": round(statistics.fmean(ms), 1),
            "p90": round(_percentile(ms, 90), 1),
            "p99": round(_percentile(ms, 99), 1),
            "max": round(max(ms), 1),
        },
        "cpu_ms_per_frame": _ms(cpu_ms),
        "ms_by_resolution": {r: _ms(v) for r, v in ms_by_resolution.items()},
        "ms_by_payload_kind": {k: _ms(v) for k, v in ms_by_kind.items()},
        "budget_s": budget_s,
    }


def steps(photos: list) -> dict:
    """Every step of the ladder on every photo, on its own: what each decodes and costs,
    and what it adds to the steps before it."""
    yields: dict[str, list[bool]] = {}
    cost: dict[str, list[float]] = {}
    decoded_before: list[bool] = []
    added: dict[str, int] = {}
    for photo in photos:
        ladder = _Ladder(photo.image)
        done = False
        for name, attempt in ladder.attempts():
            started = time.perf_counter()
            hit = photo.text in attempt()
            cost.setdefault(name, []).append((time.perf_counter() - started) * 1000)
            yields.setdefault(name, []).append(hit)
            if hit and not done:
                added[name] = added.get(name, 0) + 1
                done = True
        decoded_before.append(done)
    return {
        "frames": len(photos),
        "decoded_by_any_step": sum(decoded_before),
        "steps": {
            name: {
                "decodes": sum(v),
                "first_to_decode": added.get(name, 0),
                "ms_mean": round(statistics.fmean(cost[name]), 2),
            }
            for name, v in yields.items()
        },
    }


def through_cli(photos: list) -> dict:
    """The same photos through `motcua-hw decode` (one process for all, as an operator runs it)."""
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for i, photo in enumerate(photos):
            path = Path(tmp) / f"{i:04d}.png"
            cv2.imwrite(str(path), photo.image)
            paths.append(str(path))
        started = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-m", "hardware.cli", "decode", "--show-raw", *paths],
            capture_output=True,
            text=True,
            check=False,
            cwd=Path(__file__).resolve().parents[1],
        )
        wall = time.perf_counter() - started
    found: dict[str, set[str]] = {}
    for line in out.stdout.splitlines():
        row = json.loads(line)
        found.setdefault(row["image"], set()).add(row["raw"])
    hits = [photo.text in found.get(path, set()) for photo, path in zip(photos, paths, strict=True)]
    return {
        "decoded": _share(hits),
        "wall_s": round(wall, 1),
        "ms_per_photo_with_start_up": round(wall / len(photos) * 1000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", choices=sorted(SETS), default="held-out")
    parser.add_argument("--per-cell", type=int, default=25, help="photos per frame size and payload kind")
    parser.add_argument("--seed", type=int, help="default: the set's first seed (see SETS)")
    parser.add_argument("--budget", type=float, default=1.0, help="per-frame budget (s); the CLI's is 1.0")
    parser.add_argument("--steps", action="store_true", help="yield and cost of every step instead")
    parser.add_argument("--cli", action="store_true", help="also decode the photos through `motcua-hw decode`")
    parser.add_argument("--save-failures", type=Path, help="write the photos that did not decode here")
    args = parser.parse_args()
    generator, conditions, default_seed = SETS[args.set]
    seed = args.seed if args.seed is not None else default_seed
    photos = list(generator(seed, args.per_cell, conditions))
    if args.steps:
        result = steps(photos)
    else:
        result = run(photos, args.budget)
        if args.cli:
            result["cli"] = through_cli(photos)
    result = {"set": args.set, "seed": seed} | result | {"targets": {"decoded_share": 0.97, "ms_p50": 40}}
    if args.save_failures:
        args.save_failures.mkdir(parents=True, exist_ok=True)
        for i, photo in enumerate(photos):
            if photo.text not in inspect_frame(photo.image, args.budget).texts:
                name = f"{i:04d}-{photo.resolution}-{photo.kind}-{'-'.join(photo.effects)}.png"
                cv2.imwrite(str(args.save_failures / name), photo.image)
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
