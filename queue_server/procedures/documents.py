"""A procedure's document list as the visitor should read it: the source's own order, its bullets
turned into structure instead of being shown as text ("• - Tờ khai", "• * Giấy tờ phải xuất trình:").

The national portal writes the list as lines marked "- " (a document), "+ " (a detail of the one
above), "* " (a group heading such as "* Giấy tờ phải xuất trình:"), and unmarked lines that
continue the document above them. Nothing is reordered: the portal's order is the only order there is.
"""

from __future__ import annotations

import re

# Leading marks and what they make a line: "++", "+)" and "+" a detail; "*" a heading; dashes and bullets a document.
_MARK = re.compile(r"^\s*(?P<mark>\+\+|\+\)|\+|\*|[-–—•·])\s*")
_KIND_OF_MARK = {"+": "detail", "++": "detail", "+)": "detail", "*": "heading"}


def document_outline(documents: list[str]) -> list[dict]:
    """[{"text", "kind"}] in source order; kind is heading, document, detail or note."""
    marked = [_MARK.match(d or "") for d in documents]
    # Unmarked lines are documents in a plain list, but notes on the document above in a marked one.
    plain = not any(m and _KIND_OF_MARK.get(m["mark"], "document") == "document" for m in marked)
    outline = []
    for raw, m in zip(documents, marked):
        text = " ".join((raw[m.end() :] if m else raw or "").split())
        if not text:
            continue
        if m:
            kind = _KIND_OF_MARK.get(m["mark"], "document")
        elif text.endswith(":"):
            kind = "heading"
        else:
            kind = "document" if plain or not outline else "note"
        outline.append({"text": text, "kind": kind})
    return outline
