"""A centre's own search lexicon (`search_terms`): everyday names and synonyms an administrator
adds in /admin, each with its source. Searches from the centre's kiosks and staff read them
(search.CentreTerms) from the next search on, in every process: adding or deleting bumps the
centre's `search_terms:<centre>` counter in the same transaction, and a search reads that counter
with the catalogue's in the one SELECT it already made."""

from __future__ import annotations

import unicodedata

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..audit.service import record
from ..auth.principal import Principal, actor_name
from ..centres.service import ensure_centre_visible, get_centre
from ..db import next_value
from ..errors import DomainError, not_found
from ..timeutil import utcnow
from .models import Procedure, SearchTerm
from .search import fold, key, same_marks, spelling

MAX_WORDS = 10  # a phrase visitors say, not a sentence
MAX_TERMS = 1000  # per centre: the centre's lexicon is read into every process


def version_name(centre_id: int) -> str:
    return f"search_terms:{centre_id}"


def _view(term: SearchTerm, names: dict[str, str]) -> dict:
    return {
        "id": term.id,
        "centre_id": term.centre_id,
        "kind": term.kind,
        "phrase": term.phrase,
        "target": term.target,
        "target_name": names.get(term.target) if term.kind == "name" else None,
        "source": term.source,
        "created_by": term.created_by,
        "created_at": term.created_at,
    }


def _procedure_names(session: Session, refs: set[str]) -> dict[str, str]:
    if not refs:
        return {}
    return dict(session.execute(select(Procedure.ref, Procedure.name).where(Procedure.ref.in_(refs))).all())


def _rows(session: Session, centre_id: int) -> list[SearchTerm]:
    return list(session.scalars(select(SearchTerm).where(SearchTerm.centre_id == centre_id).order_by(SearchTerm.id)))


def list_terms(session: Session, actor: Principal, centre_id: int) -> list[dict]:
    ensure_centre_visible(actor, centre_id)
    get_centre(session, centre_id)
    rows = _rows(session, centre_id)
    names = _procedure_names(session, {t.target for t in rows if t.kind == "name"})
    return [_view(t, names) for t in rows]


def replacements(session: Session, centre_id: int) -> list[tuple[str, str]]:
    """(phrase, what a query saying it is read as) of the centre's entries: a procedure's name for
    an everyday name (an entry whose procedure left the catalogue is skipped), the words for a synonym."""
    rows = _rows(session, centre_id)
    names = _procedure_names(session, {t.target for t in rows if t.kind == "name"})
    out = []
    for t in rows:
        meant = names.get(t.target) if t.kind == "name" else t.target
        if meant:
            out.append((t.phrase, meant))
    return out


def _same_phrase(phrase: str, written: tuple[str, ...]) -> bool:
    """Whether a query could not tell `phrase` from `written`: the same words, each either with the
    same diacritics (y and i alike) or without any on one side («giay mat» is «giấy mất» and
    «giấy mật»; «giấy mất» is not «giấy mật»), as search.CentreTerms reads them."""
    other = spelling(phrase)
    return len(other) == len(written) and all(
        key(fold(a)) == key(fold(b)) and (fold(a) == a or fold(b) == b or same_marks(a, b))
        for a, b in zip(other, written, strict=True)
    )


def _invalid(code: str, field: str, message: str) -> DomainError:
    return DomainError(code, message, 422, fields=[{"field": field, "problem": message}])


def add_term(
    session: Session, actor: Principal, centre_id: int, kind: str, phrase: str, target: str, source: str
) -> dict:
    ensure_centre_visible(actor, centre_id)
    get_centre(session, centre_id)
    phrase = " ".join(unicodedata.normalize("NFC", phrase).split())
    target = " ".join(unicodedata.normalize("NFC", target).split())
    source = " ".join(unicodedata.normalize("NFC", source).split())
    compared = key(fold(phrase))  # the words as search compares a query's
    if not compared:
        raise _invalid("invalid_phrase", "phrase", "Cụm từ phải có ít nhất một chữ hoặc số.")
    if len(compared.split()) > MAX_WORDS:
        raise _invalid("invalid_phrase", "phrase", f"Cụm từ dài quá {MAX_WORDS} từ.")
    if not source:
        raise _invalid("invalid_source", "source", "Hãy ghi nguồn của mục này (ai đề nghị, vì sao).")
    names: dict[str, str] = {}
    if kind == "name":
        procedure = session.scalars(
            select(Procedure).where((Procedure.code == target) | (Procedure.ref == target))
        ).first()
        if procedure is None:
            raise _invalid(
                "unknown_procedure", "target", f"Không có thủ tục mã «{target[:60]}» trong danh mục thủ tục."
            )
        target, names = procedure.ref, {procedure.ref: procedure.name}
    else:
        target_key = key(fold(target))
        if not target_key:
            raise _invalid("invalid_target", "target", "Nghĩa của cụm từ phải có ít nhất một chữ hoặc số.")
        if target_key == compared:
            raise _invalid("invalid_target", "target", "Nghĩa phải khác cụm từ.")
    written = spelling(phrase)
    existing = next((t for t in _rows(session, centre_id) if _same_phrase(t.phrase, written)), None)
    if existing is not None:
        raise DomainError(
            "search_term_exists", f"Cụm từ «{existing.phrase}» đã có trong từ điển tìm kiếm của trung tâm.", 409
        )
    count = session.scalar(select(func.count()).select_from(SearchTerm).where(SearchTerm.centre_id == centre_id))
    if count >= MAX_TERMS:
        raise DomainError("too_many_terms", f"Từ điển của trung tâm đã đủ {MAX_TERMS} mục.", 422)
    term = SearchTerm(
        centre_id=centre_id,
        kind=kind,
        phrase=phrase,
        phrase_key=" ".join(written),
        target=target,
        source=source,
        created_by=actor_name(actor)[:120],
        created_at=utcnow(),
    )
    session.add(term)
    session.flush()
    next_value(session, version_name(centre_id))  # every process re-reads the centre's terms
    after = {"kind": kind, "phrase": phrase, "target": target, "source": source}
    record(
        session,
        actor,
        "create",
        "search_term",
        term.id,
        after=after,
        centre_id=centre_id,
        summary=f"{phrase} → {target}",
    )
    return _view(term, names)


def delete_term(session: Session, actor: Principal, centre_id: int, term_id: int) -> None:
    ensure_centre_visible(actor, centre_id)
    term = session.get(SearchTerm, term_id)
    if term is None or term.centre_id != centre_id:
        raise not_found("mục từ điển tìm kiếm", "search_term_not_found")
    before = {"kind": term.kind, "phrase": term.phrase, "target": term.target, "source": term.source}
    record(session, actor, "delete", "search_term", term.id, before=before, centre_id=centre_id, summary=term.phrase)
    session.delete(term)
    session.flush()
    next_value(session, version_name(centre_id))
