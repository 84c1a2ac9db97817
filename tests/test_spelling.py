"""One tone-placement convention in everything the product says: the regulations' own.

Vietnamese writes the tone of an open oa, oe, uy syllable on the first vowel ("hóa", "hòa", "khỏe",
"thủy", "hủy", "xóa") or on the second ("hoá", "hoà", "khoẻ", "thuỷ", "huỷ", "xoá"). The provincial
regulations in the brief use the first, without exception (187 such words, among them ủy 121,
hóa 28, hủy 9, thỏa 9, hòa 6, tòa 5, tùy 4, khóa 4, xóa 1; none the other way), so the product does
too: the kiosk and the tablet, the web pages and their scripts, the PDFs and the server's messages.
"""

import re
import subprocess
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Where the product's own words live; catalogue data imported from the national portal is its own
# text and is shown as written (queue_server/procedures/data).
PRODUCT = ("kiosk", "rating_tablet", "queue_server", "displays", "hardware", "control_channel", "README.md", "docs")
SUFFIXES = {".py", ".kv", ".js", ".html", ".css", ".md", ".json"}
SKIP = ("queue_server/procedures/data/",)
# An open oa/oe/uy syllable with the tone on its second vowel ("qu" is a consonant: "quý" is right either way).
SECOND_VOWEL_TONE = re.compile(r"(?<![qQ])(?:[oO][àáãảạèéẽẻẹÀÁÃẢẠÈÉẼẺẸ]|[uU][ỳýỹỷỵỲÝỸỶỴ])$")


def _words_with_the_other_convention(text: str) -> list[str]:
    return [w for w in re.findall(r"\w+", unicodedata.normalize("NFC", text)) if SECOND_VOWEL_TONE.search(w)]


def test_the_pattern_tells_the_two_conventions_apart():
    assert _words_with_the_other_convention("Xoá hết, huỷ, hoà, khoẻ, thuỷ, uỷ ban") == [
        "Xoá",
        "huỷ",
        "hoà",
        "khoẻ",
        "thuỷ",
        "uỷ",
    ]
    assert _words_with_the_other_convention("Xóa hết, hủy, hòa, hoàn, khỏe, thủy, ủy ban, quý, toàn, khuya") == []


def test_product_strings_keep_the_regulations_convention():
    files = subprocess.run(["git", "ls-files", *PRODUCT], cwd=ROOT, capture_output=True, text=True, check=True)
    found = {}
    for name in files.stdout.split():
        if Path(name).suffix not in SUFFIXES or name.startswith(SKIP):
            continue
        words = _words_with_the_other_convention((ROOT / name).read_text(encoding="utf-8"))
        if words:
            found[name] = sorted(set(words))
    assert found == {}, "write the tone on the first vowel (xóa, hủy, hòa, thủy), as the regulations do"
