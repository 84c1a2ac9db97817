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

import json
import math
import re
import threading
import unicodedata
import weakref
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Sequence

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
            return folded[len(noise):]
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
    """Inverted index over the folded words of names and fields of one catalogue version."""

    version: int
    entries: list[Entry]
    name_postings: dict[str, list[int]] = field(default_factory=dict)
    field_postings: dict[str, list[int]] = field(default_factory=dict)
    idf: dict[str, float] = field(default_factory=dict)
    vocabulary: list[str] = field(default_factory=list)
    by_ref: dict[str, int] = field(default_factory=dict)

    @classmethod
    def build(cls, version: int, entries: Iterable[Entry]) -> SearchIndex:
        index = cls(version=version, entries=list(entries))
        doc_freq: dict[str, int] = {}
        for i, e in enumerate(index.entries):
            index.by_ref[e.ref] = i
            name_words = set(e.name_folded.split())
            field_words = set(e.field_folded.split())
            for w in name_words:
                index.name_postings.setdefault(w, []).append(i)
            for w in field_words:
                index.field_postings.setdefault(w, []).append(i)
            for w in name_words | field_words:
                doc_freq[w] = doc_freq.get(w, 0) + 1
        n = max(len(index.entries), 1)
        index.idf = {w: math.log(1 + n / df) for w, df in doc_freq.items()}
        index.vocabulary = sorted(doc_freq)
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
            for w in self.vocabulary:  # a few thousand words: a scan is cheaper than a trie here
                if w.startswith(word) and w != word:
                    found.setdefault(w, PREFIX)
        if len(word) >= 4 and word not in found:
            max_edits = 1 if len(word) < 8 else 2
            for w, dist, _ in process.extract(word, self.vocabulary, scorer=OSA.distance,
                                               score_cutoff=max_edits, limit=None):
                if w not in found:
                    found[w] = ONE_TYPO if dist <= 1 else TWO_TYPOS
        return found

    def _relevance(self, words: Sequence[str]) -> dict[int, float]:
        """Rarity-weighted share of the query each procedure covers (0..1)."""
        totals: dict[int, float] = {}
        possible = 0.0
        for n, word in enumerate(words):
            matches = self._word_matches(word, last=n == len(words) - 1)
            if not matches:
                # An unknown word still counts against everyone, as a rare word would.
                possible += math.log(1 + len(self.entries))
                continue
            best: dict[int, float] = {}
            for w, weight in matches.items():
                score = weight * self.idf[w]
                for i in self.name_postings.get(w, ()):
                    if best.get(i, 0.0) < score:
                        best[i] = score
                field_score = score * FIELD_WEIGHT
                for i in self.field_postings.get(w, ()):
                    if best.get(i, 0.0) < field_score:
                        best[i] = field_score
            possible += max(self.idf[w] for w in matches)
            for i, s in best.items():
                totals[i] = totals.get(i, 0.0) + s
        if possible <= 0:
            return {}
        return {i: s / possible for i, s in totals.items()}

    def search(self, query: str, *, field: str | None = None, level: str | None = None) -> list[Hit]:
        """All procedures matching `query` (and the filters), best first."""
        allowed = self._filter(field, level)
        raw = query.strip()
        hits: list[Hit] = []
        if _CODE_LIKE.match(raw):
            for i, e in enumerate(self.entries):
                if e.code and e.code.startswith(raw) and (allowed is None or i in allowed):
                    hits.append(Hit(e, 6 if e.code == raw else 5, 1.0))
            if hits:
                return sorted(hits, key=lambda h: (-h.tier, h.entry.code or ""))
        exact_ref = self.by_ref.get(raw)
        if exact_ref is not None and (allowed is None or exact_ref in allowed):
            return [Hit(self.entries[exact_ref], 6, 1.0)]
        phrase = expand(fold(raw))
        words = phrase.split()
        if not words:
            return []
        for i, rel in self._relevance(words).items():
            if allowed is not None and i not in allowed:
                continue
            e = self.entries[i]
            name = e.name_folded
            if name == phrase:
                tier = 4
            elif name.startswith(phrase + " "):
                tier = 3
            elif f" {phrase} " in f" {name} ":
                tier = 2
            elif rel >= MIN_RELEVANCE:
                tier = 0
            else:
                continue
            hits.append(Hit(e, tier, rel))
        # Closeness of the whole name to the query orders hits of equal coverage (shorter first).
        hits.sort(key=lambda h: (-h.tier, -round(h.relevance, 2), -fuzz.ratio(phrase, h.entry.name_folded),
                                 len(h.entry.name_folded)))
        return hits

    def browse(self, *, field: str | None = None, level: str | None = None) -> list[Entry]:
        allowed = self._filter(field, level)
        chosen = [e for i, e in enumerate(self.entries) if allowed is None or i in allowed]
        return sorted(chosen, key=lambda e: (e.field_folded, e.name_folded))

    def _filter(self, field: str | None, level: str | None) -> set[int] | None:
        if field is None and level is None:
            return None
        wanted_field = expand(fold(field)) if field is not None else None
        return {
            i for i, e in enumerate(self.entries)
            if (wanted_field is None or e.field_folded == wanted_field) and (level is None or e.level == level)
        }


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
