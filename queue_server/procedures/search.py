"""Procedure search: Vietnamese folding, abbreviations, typo tolerance and ranking, in memory.

Scoring never touches the database: each process keeps one `SearchIndex` per database,
rebuilt when the catalogue's version counter (bumped by every import that changes
something) moves. A search costs one tiny SELECT of that counter.

Ranking, strongest first: the code (exact, then prefix); the whole name equal to the query;
the name starting with it; the query as a phrase inside the name; then how much of the query
the name (and, weaker, the field) covers — each word weighted by its rarity, typed prefixes
and one- or two-letter typos counting a little less; shorter names break ties. The leading
"Thủ tục" most names carry is ignored for all of this.
"""

from __future__ import annotations

import bisect
import json
import math
import re
import threading
import unicodedata
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

DATA_DIR = Path(__file__).resolve().parent / "data"

_NON_WORD = re.compile(r"[^0-9a-z]+")
_CODE_LIKE = re.compile(r"^\d+(\.\d*)*$")
_LEADING_NOISE = ("thu tuc ",)

# Weights of a query word's match against a name word; a field match counts half.
EXACT, PREFIX, ONE_TYPO, TWO_TYPOS = 1.0, 0.85, 0.7, 0.55
FIELD_WEIGHT = 0.5
# A procedure must cover this share of the (rarity-weighted) query to be listed at all.
MIN_RELEVANCE = 0.45


def fold(text: str | None) -> str:
    """Lower case, no diacritics (đ → d), words separated by single spaces."""
    if not text:
        return ""
    text = text.lower().replace("đ", "d")
    text = unicodedata.normalize("NFD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", text).strip()


def strip_noise(folded: str) -> str:
    for noise in _LEADING_NOISE:
        if folded.startswith(noise):
            return folded[len(noise) :]
    return folded


@lru_cache(maxsize=1)
def abbreviations() -> tuple[tuple[str, str], ...]:
    """(folded abbreviation, folded expansion), longest first so "gcnqsdd" wins over "gcn"."""
    raw = json.loads((DATA_DIR / "abbreviations.json").read_text(encoding="utf-8"))
    pairs = {fold(k): fold(v) for k, v in raw.items() if not k.startswith("_")}
    return tuple(sorted(pairs.items(), key=lambda kv: -len(kv[0])))


def expand(folded_query: str) -> str:
    """The query with whole-word abbreviations written out (GPLX → giay phep lai xe)."""
    padded = f" {folded_query} "
    for short, full in abbreviations():
        if f" {short} " in padded:
            padded = padded.replace(f" {short} ", f" {full} ")
    return strip_noise(padded.strip())


@dataclass
class Entry:
    """One procedure as the index holds it: what is scored and what is answered."""

    ref: str
    code: str | None
    name: str
    field: str | None
    level: str | None
    data: dict  # the summary answered to callers, without DB access
    name_folded: str = ""
    field_folded: str = ""

    def __post_init__(self) -> None:
        # Abbreviations in the source ("Thực hiện chính sách BHXH") are written out as in queries.
        self.name_folded = expand(fold(self.name))
        self.field_folded = expand(fold(self.field))


@dataclass
class Hit:
    entry: Entry
    tier: int
    relevance: float


@dataclass
class SearchIndex:
    """Inverted index over the folded words of names and fields of one catalogue version.

    Postings are numpy arrays so a query scores every procedure in a few vector operations;
    Python only touches the candidates that can still make the list.
    """

    version: int
    entries: list[Entry]
    name_postings: dict[str, np.ndarray] = field(default_factory=dict)
    field_postings: dict[str, np.ndarray] = field(default_factory=dict)
    idf: dict[str, float] = field(default_factory=dict)
    vocabulary: list[str] = field(default_factory=list)
    by_ref: dict[str, int] = field(default_factory=dict)
    codes: list[tuple[str, int]] = field(default_factory=list)  # sorted, for prefix lookups
    names: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=object))
    name_lengths: np.ndarray = field(default_factory=lambda: np.zeros(0))
    field_of: np.ndarray = field(default_factory=lambda: np.zeros(0))
    level_of: list[str | None] = field(default_factory=list)
    field_ids: dict[str, int] = field(default_factory=dict)
    joined_names: str = ""
    name_offsets: list[int] = field(default_factory=list)

    @classmethod
    def build(cls, version: int, entries: Iterable[Entry]) -> SearchIndex:
        index = cls(version=version, entries=list(entries))
        doc_freq: dict[str, int] = {}
        name_lists: dict[str, list[int]] = {}
        field_lists: dict[str, list[int]] = {}
        field_of = []
        for i, e in enumerate(index.entries):
            index.by_ref[e.ref] = i
            if e.code:
                index.codes.append((e.code, i))
            name_words = set(e.name_folded.split())
            field_words = set(e.field_folded.split())
            for w in name_words:
                name_lists.setdefault(w, []).append(i)
            for w in field_words:
                field_lists.setdefault(w, []).append(i)
            for w in name_words | field_words:
                doc_freq[w] = doc_freq.get(w, 0) + 1
            field_of.append(index.field_ids.setdefault(e.field_folded, len(index.field_ids)))
            index.level_of.append(e.level)
        n = max(len(index.entries), 1)
        index.idf = {w: math.log(1 + n / df) for w, df in doc_freq.items()}
        index.vocabulary = sorted(doc_freq)
        index.name_postings = {w: np.array(v, dtype=np.int32) for w, v in name_lists.items()}
        index.field_postings = {w: np.array(v, dtype=np.int32) for w, v in field_lists.items()}
        index.codes.sort()
        index.names = np.array([e.name_folded for e in index.entries], dtype=object)
        index.name_lengths = np.array([len(e.name_folded) for e in index.entries], dtype=np.int32)
        index.field_of = np.array(field_of, dtype=np.int32)
        # Every name as " name " back to back, so a phrase is found by one str.find per match.
        offset, offsets, parts = 0, [], []
        for e in index.entries:
            offsets.append(offset)
            parts.append(f" {e.name_folded} ")
            offset += len(parts[-1])
        index.joined_names, index.name_offsets = "".join(parts), offsets
        return index

    # -- matching ------------------------------------------------------------------------------
    def _word_matches(self, word: str, last: bool) -> dict[str, float]:
        """Index words a query word stands for, with how much each counts.

        A known word is taken as meant (Vietnamese syllables are so short that one edit
        away there is always another real word); only the word being typed — the last —
        also stands for the longer words it begins.
        """
        found: dict[str, float] = {}
        if word in self.idf:
            found[word] = EXACT
            if not last:
                return found
        if len(word) >= 2 or last:
            at = bisect.bisect_left(self.vocabulary, word)
            while at < len(self.vocabulary) and self.vocabulary[at].startswith(word):
                found.setdefault(self.vocabulary[at], PREFIX)
                at += 1
        if len(word) >= 4 and word not in found:
            max_edits = 1 if len(word) < 8 else 2
            for w, dist, _ in process.extract(
                word, self.vocabulary, scorer=OSA.distance, score_cutoff=max_edits, limit=None
            ):
                if w not in found:
                    found[w] = ONE_TYPO if dist <= 1 else TWO_TYPOS
        return found

    def _relevance(self, words: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Per entry: the rarity-weighted share of the query it covers (0..1) and how many
        query words it matches at all (exactly, by prefix or with a typo)."""
        totals = np.zeros(len(self.entries))
        matched = np.zeros(len(self.entries), dtype=np.int16)
        possible = 0.0
        for n, word in enumerate(words):
            matches = self._word_matches(word, last=n == len(words) - 1)
            if not matches:
                # An unknown word still counts against everyone, as a rare word would.
                possible += math.log(1 + len(self.entries))
                continue
            best = np.zeros(len(self.entries))
            for w, weight in matches.items():
                score = weight * self.idf[w]
                for postings, value in (
                    (self.name_postings.get(w), score),
                    (self.field_postings.get(w), score * FIELD_WEIGHT),
                ):
                    if postings is not None:
                        best[postings] = np.maximum(best[postings], value)
            possible += max(self.idf[w] for w in matches)
            totals += best
            matched += best > 0
        return (totals / possible if possible > 0 else totals), matched

    def search(
        self, query: str, *, field: str | None = None, level: str | None = None, limit: int | None = None
    ) -> tuple[list[Hit], int]:
        """The best `limit` procedures matching `query` (and the filters), and how many match."""
        allowed = self._mask(field, level)
        raw = query.strip()
        if _CODE_LIKE.match(raw):
            at = bisect.bisect_left(self.codes, (raw, -1))
            hits = []
            while at < len(self.codes) and self.codes[at][0].startswith(raw):
                code, i = self.codes[at]
                if allowed is None or allowed[i]:
                    hits.append(Hit(self.entries[i], 6 if code == raw else 5, 1.0))
                at += 1
            if hits:
                hits.sort(key=lambda h: -h.tier)  # stable: codes stay in order within a tier
                return hits[:limit], len(hits)
        exact_ref = self.by_ref.get(raw)
        if exact_ref is not None and (allowed is None or allowed[exact_ref]):
            return [Hit(self.entries[exact_ref], 6, 1.0)], 1
        phrase = expand(fold(raw))
        words = phrase.split()
        if not words:
            return [], 0
        relevance, matched = self._relevance(words)
        tiers = self._phrase_tiers(phrase)
        # Every word must match (one may miss in every three): "ly hon" is not "ket hon".
        enough = matched >= len(words) - len(words) // 3
        keep = ((relevance >= MIN_RELEVANCE) & enough) | (tiers > 0)
        if allowed is not None:
            keep &= allowed
        candidates = np.flatnonzero(keep)
        if not len(candidates):
            return [], 0
        tiers = tiers[candidates]
        coverage = np.round(relevance[candidates], 2)
        # Closeness of the whole name to the query orders hits of equal coverage (shorter first).
        closeness = process.cdist([phrase], self.names[candidates].tolist(), scorer=fuzz.ratio, dtype=np.float32)[0]
        order = np.lexsort((self.name_lengths[candidates], -closeness, -coverage, -tiers))
        if limit is not None:
            order = order[:limit]
        hits = [
            Hit(self.entries[candidates[k]], int(tiers[k]), float(relevance[candidates[k]])) for k in order.tolist()
        ]
        return hits, len(candidates)

    def _phrase_tiers(self, phrase: str) -> np.ndarray:
        """4: the name is the phrase; 3: it starts with it; 2: it holds it from a word start; else 0.

        The phrase's last word may be unfinished ("dang ky khai si"): it is being typed.
        """
        tiers = np.zeros(len(self.entries), dtype=np.int8)
        needle = f" {phrase}"
        text, offsets = self.joined_names, self.name_offsets
        at = text.find(needle)
        while at >= 0:  # str.find scans in C; a few hundred kilobytes cost microseconds
            i = bisect.bisect_right(offsets, at) - 1
            tiers[i] = 4 if self.entries[i].name_folded == phrase else 3 if at == offsets[i] else 2
            at = text.find(needle, offsets[i + 1] if i + 1 < len(offsets) else len(text))
        return tiers

    def browse(self, *, field: str | None = None, level: str | None = None) -> list[Entry]:
        allowed = self._mask(field, level)
        chosen = [e for i, e in enumerate(self.entries) if allowed is None or allowed[i]]
        return sorted(chosen, key=lambda e: (e.field_folded, e.name_folded))

    def _mask(self, field: str | None, level: str | None) -> np.ndarray | None:
        if field is None and level is None:
            return None
        mask = np.ones(len(self.entries), dtype=bool)
        if field is not None:
            wanted = self.field_ids.get(expand(fold(field)), -1)
            mask &= self.field_of == wanted
        if level is not None:
            mask &= np.array([lv == level for lv in self.level_of], dtype=bool)
        return mask


class IndexCache:
    """One index per database engine per process, swapped whole when the catalogue version moves.

    Keyed by the engine object (weakly), not its URL, so a database emptied and refilled
    behind the same URL (tests do this) starts from a fresh index with its new engine.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._indexes: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def get(self, key, version: int, load) -> SearchIndex:
        index = self._indexes.get(key)
        if index is not None and index.version == version:
            return index
        with self._lock:  # one build per change, not one per concurrent request
            index = self._indexes.get(key)
            if index is None or index.version != version:
                index = self._indexes[key] = SearchIndex.build(version, load())
            return index

    def clear(self) -> None:
        with self._lock:
            self._indexes.clear()


INDEXES = IndexCache()
