"""Procedure search: Vietnamese folding, abbreviations, typo tolerance and ranking, in memory.

Scoring never touches the database: each process keeps one `SearchIndex` per database,
rebuilt when the catalogue's version counter (bumped by every import that changes
something) moves. A search costs one tiny SELECT of that counter.

Ranking, strongest first: the code (exact, then prefix); the whole name equal to the query;
the name starting with it; the query as a phrase inside the name; then how much of the query
the name (and, weaker, the procedure's everyday names, its field and agency) covers — each
word weighted by its rarity, typed prefixes and one- or two-letter typos counting a little less —
plus how much of it visitors used when they asked for the procedure before (its example
queries, data/example_queries.json, scored like BM25 over words and word pairs: a procedure
visitors asked for in these words is listed even when its name says others); shorter names
break ties. The leading "Thủ tục" most names carry is ignored for all of this.

The visitor's words are read first (`SearchIndex.analyse`): a clause saying what they do not
want dropped («…, không phải tạm ngừng»), Telex leftovers repaired, a real word speech-to-text
wrote for one sounding alike put right where a name says the pair («di trúc» → «di chúc»), a
count typed as a digit written out, abbreviations written out, synonyms and everyday phrases of
the lexicon (data/lexicon.json) turned into the catalogue's words, an age turned into its age
band, filler words made optional. Diacritics are folded for matching and kept as a signal: a
lexicon phrase or a catalogue word typed with other diacritics than it is written with counts
less («để» is not «đẻ»).
"""

from __future__ import annotations

import bisect
import json
import math
import re
import threading
import unicodedata
import weakref
from collections import Counter
from collections.abc import Iterable
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
AGENCY_WEIGHT = 0.3
# A word of a procedure's everyday names (data/everyday_names.json: «tiền tuất», «dẹp tiệm»):
# nearly as good as the official name, so the official wording still wins a tie.
EVERYDAY_WEIGHT = 0.8
# How visitors asked for a procedure (data/example_queries.json): a weak field scored like BM25
# over the example queries' folded words and adjacent word pairs (as typed and as the lexicon
# reads them), each weighted by its rarity among the procedures that have examples. The query's
# share found there (0–1) adds this much to a procedure's score…
EXAMPLE_WEIGHT = 0.4
EXAMPLE_K1, EXAMPLE_B = 1.2, 0.4
# … makes it a candidate from this share on, whatever its name says…
EXAMPLE_ALONE = 0.35
# … and, times this, stands in for the name's coverage where that is lower.
EXAMPLE_AS_RELEVANCE = 0.7
EXAMPLE_QUERIES = DATA_DIR / "example_queries.json"
# «… (thực hiện tại cấp tỉnh)»: one procedure's copy at another level.
_LEVEL_SUFFIX = re.compile(r"\s*\((?:thực hiện )?tại cấp [^)]*\)\s*$", re.IGNORECASE)
# A lexicon entry's helping words (its «also», or a hint's meaning) count this much.
ALSO_WEIGHT = 0.1
# An unaccented word that may be a filler («chi», «con», «thu») or a catalogue word.
MAYBE_FILLER_WEIGHT = 0.3
FILLER_WEIGHT = 0.1
# How many of the best-covered candidates get the finer tie-breaks.
_RERANK = 60
# Words that tell a procedure from its close cousins (re-issue, exchange, stop, end, delete…):
# a name with one the visitor did not say ranks a little lower.
COUSIN_MARKERS = frozenset({"lại", "đổi", "dứt", "ngừng", "xóa", "hạn", "chỉnh", "mất", "thể"})
COUSIN_PENALTY = 0.06
# Filler words that may stand inside an everyday phrase («mẹ tôi mất», «cho con mảnh đất»: the one it is for).
_PRONOUNS = frozenset({"toi", "minh", "em", "anh", "chi", "chau", "tui", "con"})
# Time words that may stand before its «mất», with the diacritics they must carry if typed with any («bố tôi mới mất»,
# «mẹ vừa mất»; not «mỗi»).
_WHEN = {"moi": "mới", "vua": "vừa", "da": "đã"}
# After a person's «mất», a paper or a thing: it was lost, not a death («bố tôi bị mất sổ đỏ»).
_LOST_THINGS = {"so": "sổ", "the": "thẻ", "giay": "giấy", "can": "căn", "ho": "hộ", "bang": "bằng", "vi": "ví"}
# A procedure must cover this share of the (rarity-weighted) query to be listed at all.
MIN_RELEVANCE = 0.45
# Ties in coverage are broken by query word pairs found side by side in the name (Vietnamese
# words are often two syllables: «khai sinh», «kết hôn») and by the visitor's diacritics.
PAIR_WEIGHT = 0.15
PHRASE_WEIGHT = 0.1
# The whole query is one of a procedure's everyday names: as telling as the query inside its name.
EVERYDAY_NAME_WEIGHT = 0.1
# A procedure without a national code (a centre's own entry, or a copy of a coded one kept from the
# district level abolished on 1 July 2025) ranks a little below an equally good coded one: the
# canonical record, whose papers and fees follow the national database, is shown first.
UNCODED_PENALTY = 0.05
ACCENT_WEIGHT = 0.05
# A word typed with diacritics, found only written with others.
OTHER_MARKS = 0.6


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


_Y_AFTER_CONSONANT = re.compile(r"(?<=[bcdghklmnpqrstvx])y\b")


def key(folded: str) -> str:
    """A folded text as the index compares it: final «y» after a consonant is «i»
    (people write «lí lịch», «đăng kí» as often as «lý lịch», «đăng ký»)."""
    return _Y_AFTER_CONSONANT.sub("i", folded)


@dataclass(frozen=True)
class Lexicon:
    """``data/lexicon.json``: what visitors say → the words procedure names use."""

    abbreviations: dict[str, str]  # folded short form → folded words, also written out in names
    # (said, meant, also): meant words must match (unless the entry is a hint), also-words only help
    phrases: tuple[tuple[tuple[str, ...], tuple[str, ...], bool, tuple[str, ...]], ...]  # longest first
    abbreviation_words: dict[str, tuple[str, ...]]  # folded short form → its words with diacritics
    phrases_by_first: dict[str, tuple]  # the phrases by their first word, longest first
    fillers: frozenset[str]  # lower case, with diacritics: «cần» is a filler, «căn» is not
    folded_fillers: frozenset[str]
    # a phrase's words as the entry writes them, with diacritics: a visitor's «để» is not «đẻ»
    phrase_marks: dict[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)
    # words said alike, rewritten before the phrases are looked up («đánh mất», «làm mất» → «mất»)
    synonyms: dict[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)
    # the phrases of kind «name» (sổ đỏ → giấy chứng nhận): another name for the same thing
    names: frozenset[tuple[str, ...]] = frozenset()
    # synonyms read only when typed with one of their spellings: «mạ», «má» (mother), not «ma»
    marked_synonyms: dict[tuple[str, ...], frozenset[tuple[str, ...]]] = field(default_factory=dict)


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    raw = json.loads((DATA_DIR / "lexicon.json").read_text(encoding="utf-8"))
    abbreviations: dict[str, str] = {}
    abbreviation_words: dict[str, tuple[str, ...]] = {}
    phrases: dict[tuple[str, ...], tuple[tuple[str, ...], bool, tuple[str, ...]]] = {}
    marks: dict[tuple[str, ...], tuple[str, ...]] = {}
    synonyms: dict[tuple[str, ...], tuple[str, ...]] = {}
    names: set[tuple[str, ...]] = set()
    marked: dict[tuple[str, ...], set[tuple[str, ...]]] = {}
    for entry in raw["entries"]:
        said, meant = key(fold(entry["say"])), key(fold(entry["means"]))
        if entry["kind"] == "abbreviation":
            abbreviations[said] = meant
            abbreviation_words[said] = tuple(unicodedata.normalize("NFC", entry["means"].lower()).split())
        elif entry["kind"] == "synonym":
            synonyms[tuple(said.split())] = tuple(meant.split())
            spelling = tuple(re.findall(r"\w+", unicodedata.normalize("NFC", entry["say"].lower())))
            if entry.get("marked"):  # folded alike, spelled apart («má», «mạ»): kept apart from other marks
                marked.setdefault(tuple(said.split()), set()).add(tuple(w.translate(_Y_TO_I) for w in spelling))
            else:
                marks[tuple(said.split())] = spelling
        else:
            also = tuple(key(fold(entry.get("also", ""))).split())
            phrases[tuple(said.split())] = (tuple(meant.split()), entry["kind"] != "hint", also)
            if entry["kind"] == "name":
                names.add(tuple(said.split()))
            marks[tuple(said.split())] = tuple(re.findall(r"\w+", unicodedata.normalize("NFC", entry["say"].lower())))
    ordered = sorted(((s, *rest) for s, rest in phrases.items()), key=lambda item: -len(item[0]))
    fillers = frozenset(unicodedata.normalize("NFC", w.lower()) for w in raw["fillers"]["words"])
    by_first: dict[str, list] = {}
    for phrase in ordered:
        by_first.setdefault(phrase[0][0], []).append(phrase)
    by_first_t = {w: tuple(v) for w, v in by_first.items()}
    return Lexicon(
        abbreviations,
        tuple(ordered),
        abbreviation_words,
        by_first_t,
        fillers,
        frozenset(key(fold(w)) for w in fillers),
        marks,
        {said: synonyms[said] for said in sorted(synonyms, key=len, reverse=True)},
        frozenset(names),
        {said: frozenset(spellings) for said, spellings in marked.items()},
    )


_Y_TO_I = str.maketrans("yýỳỷỹỵ", "iíìỉĩị")


def spelling(text: str) -> tuple[str, ...]:
    """A text's words as written, with their diacritics: lower case, NFC («Giấy  Mất» → giấy, mất)."""
    return tuple(re.findall(r"\w+", unicodedata.normalize("NFC", text.lower())))


def same_marks(typed: str | None, written: str) -> bool:
    """Whether a visitor's word may be the lexicon's: typed without diacritics it may be any;
    with them, only the same ones (y and i alike: «kí», «ký»)."""
    return typed is None or typed.translate(_Y_TO_I) == written.translate(_Y_TO_I)


def expand(folded_query: str) -> str:
    """The text with whole-word abbreviations written out (GPLX → giay phep lai xe)."""
    padded = f" {key(folded_query)} "
    for short, full in sorted(lexicon().abbreviations.items(), key=lambda kv: -len(kv[0])):
        if f" {short} " in padded:
            padded = padded.replace(f" {short} ", f" {full} ")
    return strip_noise(padded.strip())


_TELEX_VOWELS = (("aa", "a"), ("aw", "a"), ("ee", "e"), ("oo", "o"), ("ow", "o"), ("uw", "u"), ("dd", "d"))
_TELEX_TONE = re.compile(r"(?<=[aeiouy])[sfrxj]")


def telex_candidates(word: str) -> list[str]:
    """What a word typed with Telex on a keyboard without Vietnamese input may have meant
    («ddawng» → «dang», «kys» → «ky», «caaps» → «cap»)."""
    plain = word
    for typed, letter in _TELEX_VOWELS:
        plain = plain.replace(typed, letter)
    # Vietnamese has no «w»: one left over modified a vowel typed earlier («chungws» → «chứng»).
    plain = plain.replace("w", "")
    out = []
    # The tone key may come last, after the final consonant too («thucj» → «thực»).
    if plain.endswith(("s", "f", "r", "x", "j")) and len(plain) > 2:
        out.append(plain[:-1])
    out.append(_TELEX_TONE.sub("", plain))
    out.append(plain)
    return [key(w) for w in dict.fromkeys(out) if w and w != word]


# Initial consonants the North pronounces alike and so spells alike: «thai xản» is «thai sản»,
# «chả lại» is «trả lại». Only these two pairs: swapping d/gi/r or l/n turns common words outside
# the catalogue into catalogue words («giờ» would become «do»).
_SAME_SOUNDING_ONSETS = (("s", "x"), ("x", "s"), ("tr", "ch"), ("ch", "tr"))


# Sounds speech-to-text (and regional speech) confuses: initial consonants, then final ones
# (the South says «bản» and «bảng», «mất» and «mấc» alike).
_ALIKE_ONSETS = (
    ("s", "x"),
    ("x", "s"),
    ("tr", "ch"),
    ("ch", "tr"),
    ("d", "gi"),
    ("r", "gi"),
    ("r", "d"),
    ("l", "n"),
    ("n", "l"),
)
_ALIKE_FINALS = (("ng", "n"), ("n", "ng"), ("t", "c"), ("c", "t"))


def pronounced_alike(word: str) -> list[str]:
    """Words pronounced (nearly) like ``word``, folded: «truc» → «chuc», «bang» → «ban»."""
    out = [to + word[len(typed) :] for typed, to in _ALIKE_ONSETS if word.startswith(typed) and len(word) > len(typed)]
    for typed, to in _ALIKE_FINALS:
        if word.endswith(typed) and not word.endswith(("nh", "ch")) and not (typed == "n" and word.endswith("ng")):
            out.append(word[: -len(typed)] + to)
    return out


def sound_alike_candidates(word: str) -> list[str]:
    """The word with its initial consonant swapped for one pronounced alike, «xan» → «san»."""
    return [
        to + word[len(typed) :]
        for typed, to in _SAME_SOUNDING_ONSETS
        if word.startswith(typed) and len(word) > len(typed)
    ]


# Numbers names write out («công ty TNHH hai thành viên»); larger ones are also other words
# («ba» is a father, «năm» a year).
_NUMBER_WORDS = {"1": "mot", "2": "hai"}

# How strongly an age's band words count: enough to tell «dưới 14 tuổi» from «từ đủ 14 tuổi
# trở lên», not enough to outrank what the visitor asked for.
AGE_WEIGHT = 0.5
# «dưới 14 tuổi», «từ đủ 14 tuổi», «trên 6 tuổi»: the visitor already names the band.
_AGE_BOUNDS = (["duoi"], ["tren"], ["du"], ["tu"], ["qua"])


def age_words(age: int) -> list[tuple[str, float]]:
    """The words procedure names use for the age bands an age falls in (Luật Căn cước 2023:
    14; Luật Bảo hiểm y tế: children under 6), with the age itself as a helper («đủ 17 tuổi»)."""
    out = [(str(age), MAYBE_FILLER_WEIGHT), ("tuoi", MAYBE_FILLER_WEIGHT)]
    if age < 14:
        out += [("duoi", AGE_WEIGHT), ("14", AGE_WEIGHT)]
    else:
        out += [("du", AGE_WEIGHT), ("14", AGE_WEIGHT), ("tro", AGE_WEIGHT), ("len", AGE_WEIGHT)]
    if age < 6:
        out += [("6", AGE_WEIGHT)]
    return out


@dataclass
class Analysed:
    """A query as scored: its words, which must match, and what was corrected."""

    words: list[str]
    weights: list[float]  # 1: must match; less: only helps (see SAID_WEIGHT, ALSO_WEIGHT)
    accented: set[str]  # the visitor's words that carried diacritics (lower case, NFC)
    corrected: bool = False
    marks: dict[str, str] = field(default_factory=dict)  # word → as the visitor wrote it, if with diacritics
    # the visitor's last word as typed, which may be unfinished (stands for the words it begins);
    # None when the query ends in words the lexicon wrote («báo tử» → «… khai tử» is not «tuổi»)
    open_word: str | None = None


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
    agency_folded: str = ""
    everyday: tuple[str, ...] = ()  # the procedure's everyday names, folded
    examples: tuple[tuple[str, ...], ...] = ()  # how visitors asked for it: each query's words, folded
    accented: set[str] = field(default_factory=set)
    markers: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        # Abbreviations in the source ("Thực hiện chính sách BHXH") are written out as in queries.
        self.name_folded = expand(fold(self.name))
        self.field_folded = expand(fold(self.field))
        self.agency_folded = expand(fold(self.data.get("agency_name"))) if self.data else ""
        names, examples = everyday_names(), example_queries()
        said, asked = names.get(self.code or ""), examples.get(self.code or "")
        if not said or not asked:  # a procedure without a code (or not listed by it) is listed by name
            own = key(fold(self.name))
            said, asked = said or names.get(own), asked or examples.get(own)
        self.everyday, everyday_words = said or ((), ())
        self.examples = asked or ()
        words = re.findall(r"\w+", unicodedata.normalize("NFC", (self.name or "").lower()))
        self.accented = set(words)
        for word in words:  # «BHYT» in a name stands for «bảo hiểm y tế» as the visitor types it
            self.accented.update(lexicon().abbreviation_words.get(key(fold(word)), ()))
        self.markers = self.accented & COUSIN_MARKERS  # the name's own: what tells cousins apart
        self.accented.update(everyday_words)


@lru_cache(maxsize=1)
def everyday_names() -> dict[str, tuple[tuple[str, ...], frozenset[str]]]:
    """``data/everyday_names.json``: per procedure (by national code, or by name when it has
    none), the phrases visitors use for it, folded as the index compares them, and their words
    with diacritics (a visitor's «đóng» is «đóng công ty», not «cổ đông»)."""
    raw = json.loads((DATA_DIR / "everyday_names.json").read_text(encoding="utf-8"))
    out: dict[str, tuple[tuple[str, ...], frozenset[str]]] = {}
    for item in raw["procedures"]:
        ident = item.get("code") or key(fold(item["name"]))
        phrases = tuple(expand(key(fold(p))) for p in item["say"])
        # Also as a query saying it is read («đổi tên trên sổ đỏ» → «… giấy chứng nhận»): the
        # lexicon turns the visitor's «sổ đỏ» into the catalogue's words before scoring.
        phrases += tuple(r for r in (lexicon_reading(p) for p in item["say"]) if r not in phrases)
        words = {w for p in item["say"] for w in re.findall(r"\w+", unicodedata.normalize("NFC", p.lower()))}
        before = out.get(ident, ((), frozenset()))
        out[ident] = (before[0] + phrases, before[1] | words)
    return out


@lru_cache(maxsize=1)
def example_queries() -> dict[str, tuple[tuple[str, ...], ...]]:
    """``data/example_queries.json``: per procedure (by national code, or by name when it has
    none), the queries visitors asked for it with, as their folded words; none without the file."""
    if not EXAMPLE_QUERIES.exists():
        return {}
    raw = json.loads(EXAMPLE_QUERIES.read_text(encoding="utf-8"))
    out: dict[str, tuple[tuple[str, ...], ...]] = {}
    for item in raw["procedures"]:
        ident = item.get("code") or key(fold(item["name"]))
        out[ident] = out.get(ident, ()) + tuple(tuple(example_terms(q)) for q in item["queries"])
    return out


def example_terms(text: str) -> list[str]:
    """A query's terms as the example field compares them: its folded words and its adjacent
    word pairs («khai sinh» → khai, sinh, «khai sinh»)."""
    terms: dict[str, None] = {}
    for reading in (key(fold(text)), lexicon_reading(text)):
        words = reading.split()
        terms.update(dict.fromkeys(words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]))
    return list(terms)


def _without_leading_fillers(phrase: str) -> str:
    """A folded phrase without the filler words it starts with: «làm sổ đỏ» is said «sổ đỏ» too."""
    words = phrase.split()
    fillers = lexicon().folded_fillers
    while len(words) > 1 and words[0] in fillers:
        words.pop(0)
    return " ".join(words)


def lexicon_reading(text: str) -> str:
    """A phrase as the lexicon rewrites a query saying it (abbreviations, synonyms and other
    names for a thing: «sổ đỏ»; not purposes or cousins, which read a whole query's intent),
    folded: how an everyday name is also indexed."""
    lex = lexicon()
    words: list[str] = []
    origins: list[str | None] = []
    for token in re.findall(r"\w+", unicodedata.normalize("NFC", text.lower())):
        word = key(fold(token))
        written = lex.abbreviations.get(word, word).split()
        words += written
        origins += [token if len(written) == 1 and fold(token) != token else None] * len(written)
    words, origins = SearchIndex._synonyms(words, origins, lex)
    out: list[str] = []
    i = 0
    while i < len(words):
        match = SearchIndex._phrase_at(words, origins, i, lex, set())
        if match is None or match[0][0] not in lex.names:
            out.append(words[i])
            i += 1
            continue
        (said, meant, strong, _also), i = match
        out += meant if strong else [*said, *meant]
    return strip_noise(" ".join(out))


# «…, không phải tạm ngừng», «… chứ không cấp đổi», «…, chưa cần chủ tịch quyết định»: after a
# comma or «chứ», what the visitor says they do not want, up to the end of that clause.
_CONTRAST = re.compile(
    r"(?:,\s*(?:không|khong|ko)\s+(?:phải|phai)|,\s*(?:chưa|chua)\s+(?:cần|can)"
    r"|\b(?:chứ|chu)\s+(?:không|khong|ko|chưa|chua)(?:\s+(?:phải|phai))?)\s+([^,.;!?]*)"
)


def contrasted(raw: str) -> str:
    """The query without the clauses saying what the visitor does not want: «căn cước bị mất
    chứ không phải hỏng» is «căn cước bị mất» (their words would only pull towards the cousin)."""
    text = unicodedata.normalize("NFC", raw.lower())
    if not _CONTRAST.search(text):
        return raw
    return " ".join(_CONTRAST.sub(" ", text).split()).strip(" ,.;") or raw


@dataclass
class Hit:
    entry: Entry
    tier: int
    relevance: float
    partial: bool = False  # matches only part of the query: offered as "did you mean"


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
    agency_postings: dict[str, np.ndarray] = field(default_factory=dict)
    everyday_postings: dict[str, np.ndarray] = field(default_factory=dict)
    # an example query term → (the entries whose examples say it, its BM25 weight in each)
    example_postings: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    # an example term → its most a query can gain from it (idf × (k1 + 1)); unseen terms count as the rarest
    example_ceiling: dict[str, float] = field(default_factory=dict)
    example_unseen: float = 0.0
    # words with their diacritics (y as i) → the entries whose name, field or everyday names say them
    marked_postings: dict[str, np.ndarray] = field(default_factory=dict)
    idf: dict[str, float] = field(default_factory=dict)
    vocabulary: list[str] = field(default_factory=list)
    by_ref: dict[str, int] = field(default_factory=dict)
    codes: list[tuple[str, int]] = field(default_factory=list)  # sorted, for prefix lookups
    names: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=object))
    # " name | everyday name | … ": where adjacent query words are looked for side by side
    pair_texts: list[str] = field(default_factory=list)
    name_lengths: np.ndarray = field(default_factory=lambda: np.zeros(0))
    # 1 for a procedure without a national code (a centre's own or a district copy of a coded one)
    uncoded: np.ndarray = field(default_factory=lambda: np.zeros(0))
    field_of: np.ndarray = field(default_factory=lambda: np.zeros(0))
    level_of: list[str | None] = field(default_factory=list)
    field_ids: dict[str, int] = field(default_factory=dict)
    # a folded everyday name → the entries that carry it, for a query that says one whole
    said_names: dict[str, list[int]] = field(default_factory=dict)
    joined_names: str = ""
    # every two words side by side in a name or an everyday name
    name_pairs: set[str] = field(default_factory=set)
    name_offsets: list[int] = field(default_factory=list)

    @classmethod
    def build(cls, version: int, entries: Iterable[Entry]) -> SearchIndex:
        index = cls(version=version, entries=list(entries))
        doc_freq: dict[str, int] = {}
        name_lists: dict[str, list[int]] = {}
        field_lists: dict[str, list[int]] = {}
        agency_lists: dict[str, list[int]] = {}
        everyday_lists: dict[str, list[int]] = {}
        marked_lists: dict[str, list[int]] = {}
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
            agency_words = set(e.agency_folded.split())
            for w in agency_words:
                agency_lists.setdefault(w, []).append(i)
            field_marked = re.findall(r"\w+", unicodedata.normalize("NFC", (e.field or "").lower()))
            for w in {m.translate(_Y_TO_I) for m in e.accented.union(field_marked)}:
                marked_lists.setdefault(w, []).append(i)
            everyday_words = {w for phrase in e.everyday for w in phrase.split()}
            for phrase in {_without_leading_fillers(p) for p in e.everyday}:
                index.said_names.setdefault(phrase, []).append(i)
            for w in everyday_words:
                everyday_lists.setdefault(w, []).append(i)
            for w in name_words | field_words | agency_words | everyday_words:
                doc_freq[w] = doc_freq.get(w, 0) + 1
            field_of.append(index.field_ids.setdefault(e.field_folded, len(index.field_ids)))
            index.level_of.append(e.level)
        n = max(len(index.entries), 1)
        index.idf = {w: math.log(1 + n / df) for w, df in doc_freq.items()}
        index.vocabulary = sorted(doc_freq)
        index.name_postings = {w: np.array(v, dtype=np.int32) for w, v in name_lists.items()}
        index.field_postings = {w: np.array(v, dtype=np.int32) for w, v in field_lists.items()}
        index.agency_postings = {w: np.array(v, dtype=np.int32) for w, v in agency_lists.items()}
        index.everyday_postings = {w: np.array(v, dtype=np.int32) for w, v in everyday_lists.items()}
        index.marked_postings = {w: np.array(v, dtype=np.int32) for w, v in marked_lists.items()}
        index._build_examples()
        for e in index.entries:
            for text in (e.name_folded, *e.everyday):
                words = text.split()
                index.name_pairs.update(f"{a} {b}" for a, b in zip(words, words[1:], strict=False))
        index.pair_texts = [" | ".join((f" {e.name_folded}", *e.everyday)) + " " for e in index.entries]
        index.codes.sort()
        index.names = np.array([e.name_folded for e in index.entries], dtype=object)
        index.name_lengths = np.array([len(e.name_folded) for e in index.entries], dtype=np.int32)
        index.uncoded = np.array([not e.code for e in index.entries], dtype=np.int8)
        index.field_of = np.array(field_of, dtype=np.int32)
        # Every name as " name " back to back, so a phrase is found by one str.find per match.
        offset, offsets, parts = 0, [], []
        for e in index.entries:
            offsets.append(offset)
            parts.append(f" {e.name_folded} ")
            offset += len(parts[-1])
        index.joined_names, index.name_offsets = "".join(parts), offsets
        return index

    def _build_examples(self) -> None:
        """BM25 over each procedure's example queries taken as one document (words and pairs).
        The same procedure at several levels («… (thực hiện tại cấp tỉnh)») shares one document:
        visitors ask for it alike, and its levels are then told apart as without examples."""
        groups: dict[str, list[int]] = {}
        for i, e in enumerate(self.entries):
            if e.examples:
                groups.setdefault(key(fold(_LEVEL_SUFFIX.sub("", e.name))), []).append(i)
        if not groups:
            return
        docs = []
        for members in groups.values():
            said = dict.fromkeys(q for i in members for q in self.entries[i].examples)
            docs.append((members, Counter(t for q in said for t in q)))
        n = len(docs)
        avg = sum(sum(c.values()) for _i, c in docs) / n
        df = Counter(t for _i, c in docs for t in c)
        idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
        lists: dict[str, tuple[list[int], list[float]]] = {}
        for members, counts in docs:
            norm = EXAMPLE_K1 * (1 - EXAMPLE_B + EXAMPLE_B * sum(counts.values()) / avg)
            for t, tf in counts.items():
                at, weights = lists.setdefault(t, ([], []))
                at.extend(members)
                weights.extend([idf[t] * tf * (EXAMPLE_K1 + 1) / (tf + norm)] * len(members))
        self.example_postings = {t: (np.array(at, dtype=np.int32), np.array(w)) for t, (at, w) in lists.items()}
        self.example_ceiling = {t: v * (EXAMPLE_K1 + 1) for t, v in idf.items()}
        self.example_unseen = math.log(1 + (n + 0.5) / 0.5) * (EXAMPLE_K1 + 1)

    def example_share(self, raw: str) -> np.ndarray:
        """Per entry: how much of the query's terms its example queries say, rarity-weighted (0–1)."""
        out = np.zeros(len(self.entries))
        if not self.example_postings:
            return out
        possible = 0.0
        for t in dict.fromkeys(example_terms(raw)):
            posting = self.example_postings.get(t)
            if posting is None:
                possible += 0 if " " in t else self.example_unseen
                continue
            out[posting[0]] += posting[1]
            possible += self.example_ceiling[t]
        return out / possible if possible else out

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

    def analyse(self, raw: str, *, loose: bool = False) -> Analysed:
        """The visitor's words as the index knows them: Telex leftovers repaired,
        abbreviations and everyday names written out as procedure names say them
        (their own words kept as optional), filler words optional. ``loose``: every word
        that may be a filler is one (the second reading when the first matched nothing)."""
        lex = lexicon()
        tokens = re.findall(r"\w+", unicodedata.normalize("NFC", raw.lower()))
        accented = {t for t in tokens if fold(t) != t}
        # A filler by its diacritics («cần», «hỏi»); typed without them, only when the bare
        # word means nothing in the catalogue («hoi» is a filler, «can» may be «căn»), or
        # in the loose reading.
        filler_words = {
            key(fold(t))
            for t in tokens
            if t in lex.fillers or (fold(t) == t and key(t) in lex.folded_fillers and (loose or key(t) not in self.idf))
        }
        # Typed without tone marks, a filler that is also a catalogue word («chi»: «chị» or «chi
        # nhánh», «con», «thu») neither has to match nor is dropped: it only helps.
        maybe_fillers = {
            key(fold(t)) for t in tokens if fold(t) == t and key(t) in lex.folded_fillers and key(t) not in filler_words
        }
        words, corrected = [], False
        origins: list[str | None] = []  # per word, the visitor's own with diacritics, if it had any
        for n, token in enumerate(tokens):
            word = key(fold(token))
            if len(word) > 3 and word[-1] == word[-2] and word not in self.idf and word[:-1] in self.idf:
                token = tokens[n] = token[:-1]  # a key pressed twice at the end («mấtt», «sinhh»)
                word = word[:-1]
            if word and word not in self.idf and word not in lex.abbreviations and not word.isdigit():
                for candidate in [*telex_candidates(word), *sound_alike_candidates(word)]:
                    if candidate in self.idf:
                        word, corrected = candidate, True
                        break
            after = key(fold(tokens[n + 1])) if n + 1 < len(tokens) else ""
            if word in _NUMBER_WORDS and _NUMBER_WORDS[word] in self.idf and after.isalpha() and after != "tuoi":
                word = _NUMBER_WORDS[word]  # «công ty 2 thành viên»: a count, which names write out
            written = lex.abbreviations.get(word, word).split()
            words.extend(written)
            origins.extend([token if len(written) == 1 and token in accented else None] * len(written))
        stripped = strip_noise(" ".join(words)).split()
        origins = origins[len(words) - len(stripped) :]
        corrected |= self._heard_pairs(stripped, origins)
        words, origins = self._synonyms(stripped, origins, lex)
        out: list[str] = []
        weights: list[float] = []
        marks: dict[str, str] = {}
        open_word = None
        i = 0
        while i < len(words):
            if words[i].isdigit() and words[i + 1 : i + 2] == ["tuoi"] and words[i - 1 : i] not in _AGE_BOUNDS:
                # An age («bé 8 tuổi», «mẹ 70 tuổi») says which age band's procedure is meant.
                for w, weight in age_words(int(words[i])):
                    out.append(w)
                    weights.append(weight)
                i += 2
                continue
            match = self._phrase_at(words, origins, i, lex, filler_words)
            if match is not None:
                (said, meant, strong, also), end = match
                if strong:  # the visitor's words become the catalogue's
                    out += [*meant, *also]
                    weights += [1.0] * len(meant) + [ALSO_WEIGHT] * len(also)
                else:  # a hint keeps the visitor's words and adds its own as helpers
                    out += [*said, *meant, *also]
                    weights += [1.0] * len(said) + [ALSO_WEIGHT] * (len(meant) + len(also))
                i = end
                open_word = None
                continue
            open_word = words[i] if i == len(words) - 1 and words[i] == key(fold(tokens[-1])) else None
            if words[i] not in filler_words:
                out.append(words[i])
                weights.append(MAYBE_FILLER_WEIGHT if words[i] in maybe_fillers else 1.0)
                if origins[i] is not None:
                    marks[words[i]] = origins[i].translate(_Y_TO_I)
            elif words[i] in self.idf:  # «cho con»: not required, but a name that says it is closer
                out.append(words[i])
                weights.append(FILLER_WEIGHT)
            i += 1
        if not any(w >= 1.0 for w in weights):  # only filler words: take them at their word
            out, weights = list(words), [1.0] * len(words)
            open_word = words[-1] if words and words[-1] == key(fold(tokens[-1])) else None
        # A word said twice (by the visitor and by the lexicon) counts once, at its strongest.
        merged: dict[str, float] = {}
        for w, weight in zip(out, weights, strict=True):
            merged[w] = max(merged.get(w, 0.0), weight)
        return Analysed(list(merged), list(merged.values()), accented, corrected, marks, open_word)

    def _heard_pairs(self, words: list[str], origins: list[str | None]) -> bool:
        """Speech-to-text writes a real word sounding like the one meant («di trúc», «bảng sao»):
        two words no name says side by side become the pair a name says when one of them, swapped
        for a word pronounced alike, makes it («di chúc», «bản sao»). In place; whether any was."""
        changed = False
        pairs = self.name_pairs
        fillers = lexicon().folded_fillers

        def may_be_misheard(k: int) -> bool:
            # Not a filler, not a word typed with diacritics the catalogue writes it with, and
            # not one standing in a pair a name says with its other neighbour.
            mark = origins[k]
            return (
                words[k] not in fillers
                and (mark is None or mark.translate(_Y_TO_I) not in self.marked_postings)
                and not (k > 0 and f"{words[k - 1]} {words[k]}" in pairs)
                and not (k + 1 < len(words) and f"{words[k]} {words[k + 1]}" in pairs)
            )

        for j in range(len(words) - 1):
            if f"{words[j]} {words[j + 1]}" in pairs:
                continue
            for k in (j, j + 1):
                if not may_be_misheard(k):
                    continue
                alike = next(
                    (
                        alt
                        for alt in pronounced_alike(words[k])
                        if (f"{alt} {words[j + 1]}" if k == j else f"{words[j]} {alt}") in self.name_pairs
                    ),
                    None,
                )
                if alike is not None:
                    words[k], origins[k], changed = alike, None, True
                    break
        return changed

    @staticmethod
    def _synonyms(words: list[str], origins: list[str | None], lex: Lexicon) -> tuple[list[str], list[str | None]]:
        """The words with the lexicon's synonyms written as it says them (longest first). What a
        synonym writes is read again with the words after it, a bounded number of times: «bị mất
        tiêu» → «mất tiêu» → «mất»."""
        if not lex.synonyms:
            return words, origins
        words, origins = list(words), list(origins)
        rereads = len(words)
        out_words: list[str] = []
        out_origins: list[str | None] = []
        i = 0
        while i < len(words):
            for said, meant in lex.synonyms.items():
                if said[0] != words[i]:
                    continue
                end = i + len(said)
                marks = lex.phrase_marks.get(said, ())
                typed = origins[i:end]
                spellings = lex.marked_synonyms.get(said)
                if spellings is not None and (
                    None in typed or tuple(t.translate(_Y_TO_I) for t in typed) not in spellings
                ):
                    continue
                if tuple(words[i:end]) == said and (
                    len(marks) != len(said) or all(same_marks(o, m) for o, m in zip(typed, marks, strict=True))
                ):
                    if rereads:
                        words[i:end], origins[i:end] = meant, [None] * len(meant)
                        rereads -= 1
                    else:
                        out_words += meant
                        out_origins += [None] * len(meant)
                        i = end
                    break
            else:
                out_words.append(words[i])
                out_origins.append(origins[i])
                i += 1
        return out_words, out_origins

    @staticmethod
    def _phrase_at(words: list[str], origins: list[str | None], i: int, lex: Lexicon, fillers: set[str]):
        """The longest lexicon phrase said from word ``i`` on (filler words may stand
        between its words: «mẹ tôi mất»; words typed with diacritics must carry the phrase's:
        «để lại» is not «đẻ»), and where it ends; None if there is none."""
        for phrase in lex.phrases_by_first.get(words[i], ()):
            said = phrase[0]
            marks = lex.phrase_marks.get(said, ())
            if len(marks) != len(said):
                marks = (None,) * len(said)  # no usable spelling: folded words decide
            if marks[0] is not None and not same_marks(origins[i], marks[0]):
                continue
            j, k = i + 1, 1
            while k < len(said) and j < len(words):
                if words[j] == said[k] and (marks[k] is None or same_marks(origins[j], marks[k])):
                    k += 1
                elif said[k] == "mat" and words[j] in _WHEN and same_marks(origins[j], _WHEN[words[j]]):
                    pass
                elif words[j] not in fillers or words[j] not in _PRONOUNS:
                    break
                j += 1
            if k < len(said):
                continue
            lost = j < len(words) and words[j] in _LOST_THINGS and same_marks(origins[j], _LOST_THINGS[words[j]])
            if len(said) > 1 and said[-1] == "mat" and lost:
                continue  # «mẹ mất thẻ căn cước»: a loss
            return phrase, j
        return None

    def _relevance(self, query: Analysed) -> tuple[np.ndarray, np.ndarray, int]:
        """Per entry: the rarity-weighted share of the required words it covers (optional
        words add to it), how many required words it matches at all (exactly, by prefix
        or with a typo), and how many required words there are."""
        words = query.words
        totals = np.zeros(len(self.entries))
        matched = np.zeros(len(self.entries), dtype=np.int16)
        possible = 0.0
        n_required = 0
        for word, weight in zip(words, query.weights, strict=True):
            required = weight >= 1.0
            matches = self._word_matches(word, last=word == query.open_word)
            if required:
                n_required += 1
            if not matches:
                # An unknown word still counts against everyone, as a rare word would.
                if required:
                    possible += math.log(1 + len(self.entries))
                continue
            best = np.zeros(len(self.entries))
            # The agency only adds context: a word found only there does not count as matched
            # («ly hon» is not a hộ tịch procedure whose agency «quản lý» something).
            counted = np.zeros(len(self.entries), dtype=bool)
            for w, closeness in matches.items():
                score = closeness * self.idf[w]
                for postings, value, counts in (
                    (self.name_postings.get(w), score, True),
                    (self.field_postings.get(w), score * FIELD_WEIGHT, True),
                    (self.agency_postings.get(w), score * AGENCY_WEIGHT, False),
                    # Everyday names are loose already: only a whole word counts there, not a
                    # prefix or a typo («hon» is not «hỏng»).
                    (self.everyday_postings.get(w) if closeness == EXACT else None, score * EVERYDAY_WEIGHT, True),
                ):
                    if postings is not None:
                        best[postings] = np.maximum(best[postings], value)
                        counted[postings] |= counts
            mark = query.marks.get(word)
            if mark is not None and word in self.idf and mark in self.marked_postings:
                # Typed with diacritics the catalogue knows, the word counts less where it is
                # written otherwise («đóng» is not «động», «để» is not «đẻ»).
                same = np.zeros(len(self.entries), dtype=bool)
                same[self.marked_postings[mark]] = True
                best = np.where(same, best, best * OTHER_MARKS)
            if required:
                possible += max(self.idf[w] for w in matches)
                totals += best
                matched += counted
            else:
                totals += weight * best
        return (totals / possible if possible > 0 else totals), matched, n_required

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
        raw = contrasted(raw)
        phrase = expand(fold(raw))
        query = self.analyse(raw)
        if not query.words:
            return [], 0
        relevance, matched, n_required = self._relevance(query)
        examples = self.example_share(raw)
        tiers = self._phrase_tiers(phrase) if phrase else np.zeros(len(self.entries), dtype=np.int8)
        # Every required word must match (one may miss in every three): "ly hon" is not "ket hon".
        enough = matched >= n_required - n_required // 3
        keep = ((relevance >= MIN_RELEVANCE) & enough) | (tiers > 0)
        if allowed is not None:
            keep &= allowed
        candidates = np.flatnonzero(keep)
        partial = False
        if not len(candidates):
            # Words typed without tone marks may be fillers or not («lam giay» is «làm giấy»
            # or a name's «lâm», «giấy»): read strictly first, then with them as fillers.
            loose = self.analyse(raw, loose=True)
            if loose.words and loose.words != query.words:
                query = loose
                relevance, matched, n_required = self._relevance(query)
                enough = matched >= n_required - n_required // 3
                keep = ((relevance >= MIN_RELEVANCE) & enough) | (tiers > 0)
                if allowed is not None:
                    keep &= allowed
                candidates = np.flatnonzero(keep)
        if not len(candidates):
            # Nothing matches the whole query: the best partial matches rather than nothing,
            # offered as "did you mean".
            keep = (relevance > 0) if allowed is None else (relevance > 0) & allowed
            candidates = np.flatnonzero(keep)
            partial = True
        # A procedure visitors asked for in these words is a candidate even if its name says others.
        heard = examples >= EXAMPLE_ALONE
        if allowed is not None:
            heard &= allowed
        if heard.any():
            candidates = np.union1d(candidates, np.flatnonzero(heard))
        if not len(candidates):
            return [], 0
        # What visitors asked with stands in, a little weaker, for what a name does not say.
        base = np.maximum(relevance, EXAMPLE_AS_RELEVANCE * examples) + EXAMPLE_WEIGHT * examples
        if limit is not None and len(candidates) > _RERANK:
            # The tie-breaks below run in Python: only the best by coverage and examples (and
            # every name that is or starts with the phrase) need them.
            strongest = np.argpartition(-base[candidates], _RERANK)[:_RERANK]
            total = len(candidates)
            candidates = np.union1d(candidates[strongest], candidates[tiers[candidates] >= 3])
        else:
            total = len(candidates)
        score = base[candidates] + PAIR_WEIGHT * self._pair_share(query.words, candidates)
        if query.accented:
            score += ACCENT_WEIGHT * np.array(
                [len(query.accented & self.entries[i].accented) / len(query.accented) for i in candidates]
            )
        said = query.accented | set(query.words) | {key(fold(t)) for t in query.accented}
        score -= COUSIN_PENALTY * np.array(
            [
                min(2, len({m for m in self.entries[i].markers if m not in said and key(fold(m)) not in said}))
                for i in candidates
            ]
        )
        score -= UNCODED_PENALTY * self.uncoded[candidates]
        tiers = tiers[candidates]
        # The query as a phrase inside a name helps; only a name that is or starts with it outranks.
        score += PHRASE_WEIGHT * (tiers == 2)
        named = self.said_names.get(_without_leading_fillers(phrase), ()) or self.said_names.get(
            _without_leading_fillers(" ".join(query.words)), ()
        )
        if named:
            score += EVERYDAY_NAME_WEIGHT * np.isin(candidates, named)
        tiers = np.where(tiers >= 3, tiers, 0)
        coverage = np.round(score, 2)
        # Closeness of the whole name to the query orders hits of equal score (shorter first).
        text = " ".join(query.words)
        closeness = process.cdist([text], self.names[candidates].tolist(), scorer=fuzz.ratio, dtype=np.float32)[0]
        order = np.lexsort((self.name_lengths[candidates], -closeness, -coverage, -tiers))
        if limit is not None:
            order = order[:limit]
        hits = [
            Hit(self.entries[candidates[k]], int(tiers[k]), float(relevance[candidates[k]]), partial)
            for k in order.tolist()
        ]
        return hits, total

    def _pair_share(self, words: list[str], candidates: np.ndarray) -> np.ndarray:
        """Per candidate: the share of adjacent query word pairs found side by side in its name
        or one of its everyday names."""
        pairs = [f" {a} {b} " for a, b in zip(words, words[1:], strict=False)]
        if not pairs:
            return np.zeros(len(candidates))
        texts = self.pair_texts
        return np.array([sum(p in texts[i] for p in pairs) / len(pairs) for i in candidates])

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


@dataclass(frozen=True)
class CentreTerms:
    """A centre's own lexicon (table ``search_terms``, written in /admin), read before the shared
    index reads a query: each phrase the visitor says is replaced by what it stands for — a
    procedure's official name (an everyday name) or the words it means (a synonym) — and the
    query is then searched like any other. The shared index stays one per catalogue; a centre's
    entries cost a dictionary lookup per query word.

    Phrases match by their words as search compares them (folded, y as i), longest first; a word
    the visitor typed with diacritics must carry the entry's («để» is not «đẻ»)."""

    version: tuple[int, int] = (0, 0)  # (catalogue, this centre's terms)
    # first word → (phrase words, the phrase's words with diacritics, replacement), longest first
    by_first: dict[str, tuple[tuple[tuple[str, ...], tuple[str, ...], str], ...]] = field(default_factory=dict)

    @classmethod
    def build(cls, version: tuple[int, int], rows: Iterable[tuple[str, str]]) -> CentreTerms:
        """`rows`: (phrase as written, the text it stands for)."""
        by_first: dict[str, list] = {}
        for phrase, meant in rows:
            words = tuple(key(fold(phrase)).split())
            marks = spelling(phrase)
            if words:
                by_first.setdefault(words[0], []).append((words, marks if len(marks) == len(words) else (), meant))
        return cls(version, {w: tuple(sorted(v, key=lambda e: -len(e[0]))) for w, v in by_first.items()})

    def rewrite(self, raw: str) -> str:
        """The query with the centre's phrases replaced; unchanged (codes too) when none is said."""
        if not self.by_first:
            return raw
        tokens = re.findall(r"\w+", unicodedata.normalize("NFC", raw.lower()))
        words = [key(fold(t)) for t in tokens]
        out: list[str] = []
        changed = False
        i = 0
        while i < len(words):
            for said, marks, meant in self.by_first.get(words[i], ()):
                end = i + len(said)
                if tuple(words[i:end]) == said and all(
                    fold(t) == t or same_marks(t, m) for t, m in zip(tokens[i:end], marks, strict=False)
                ):
                    out.append(meant)
                    i, changed = end, True
                    break
            else:
                out.append(tokens[i])
                i += 1
        return " ".join(out) if changed else raw


class TermsCache:
    """Per process, each centre's `CentreTerms` by database engine (weakly, like `IndexCache`),
    rebuilt when its version — the catalogue's and the centre's terms' counters — moves."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._terms: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def get(self, engine, centre_id: int, version: tuple[int, int], load) -> CentreTerms:
        terms = self._terms.get(engine, {}).get(centre_id)
        if terms is not None and terms.version == version:
            return terms
        with self._lock:
            per_engine = self._terms.setdefault(engine, {})
            terms = per_engine.get(centre_id)
            if terms is None or terms.version != version:
                terms = per_engine[centre_id] = CentreTerms.build(version, load())
            return terms

    def clear(self) -> None:
        with self._lock:
            self._terms.clear()


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
TERMS = TermsCache()
