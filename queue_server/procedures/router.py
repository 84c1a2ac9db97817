"""GET /procedures (search, browse), /procedures/fields, /procedures/{ref}; POST /procedures/import;
the centre's own search lexicon: /centres/{centre_id}/search-terms."""

from __future__ import annotations

from fastapi import APIRouter, Query, Response, UploadFile

from ..bounds import Id, Token
from ..deps import Admin, AdminOrManager, AnyCaller, AppSettings, DbSession
from ..errors import DomainError
from ..security.middleware import file_too_large_message
from . import schemas, service, terms

router = APIRouter(tags=["procedures"])
ERRORS = {
    401: {"description": "no valid token"},
    403: {"description": "not allowed"},
    404: {"description": "not found"},
    422: {"description": "invalid input"},
}


@router.get(
    "/procedures",
    response_model=schemas.SearchResult,
    responses=ERRORS,
    summary="Search the catalogue (no diacritics, typos, abbreviations, codes); empty q browses",
)
def search(
    session: DbSession,
    caller: AnyCaller,
    q: str = Query("", max_length=200, description="words of the name, a code (1.001193) or an abbreviation (GPLX)"),
    field: str | None = Query(
        None, max_length=300, description="only this field (lĩnh vực), as listed by /procedures/fields"
    ),
    level: schemas.Level | None = Query(None),
    limit: int = Query(20, ge=1, le=service.MAX_LIMIT),
):
    return service.search_procedures(session, q, field=field, level=level, limit=limit, centre_id=caller.centre_id)


@router.get(
    "/procedures/fields",
    response_model=schemas.FieldList,
    responses=ERRORS,
    summary="Fields (lĩnh vực) and levels with how many procedures each has",
)
def fields(session: DbSession, _: AnyCaller):
    return service.list_fields(session)


@router.post(
    "/procedures/import",
    response_model=schemas.ImportResult,
    responses=ERRORS,
    summary="Import a catalogue file (JSON, CSV or XLSX; multipart field 'file'); idempotent",
)
def import_catalogue(session: DbSession, settings: AppSettings, actor: Admin, file: UploadFile):
    # Bodies this large reach here only from staff (api.UPLOAD_ROUTES); the file itself is bounded here.
    content = file.file.read(settings.max_upload_bytes + 1)
    if len(content) > settings.max_upload_bytes:
        raise DomainError("file_too_large", file_too_large_message(settings.max_upload_bytes), 413)
    return service.import_file(session, content, filename=file.filename, actor=actor).as_dict()


@router.put(
    "/procedures/field-service",
    response_model=schemas.FieldServiceResult,
    responses=ERRORS,
    summary="Route every procedure of a field (lĩnh vực) to the queue with a service code",
)
def map_field(data: schemas.FieldService, session: DbSession, actor: Admin):
    return service.map_field(session, data.field, data.service_code, actor=actor)


@router.get(
    "/procedures/{ref}",
    response_model=schemas.ProcedureDetail,
    responses=ERRORS,
    summary="One procedure with documents, fees, time, agency, channels and the receiving service",
)
def get_procedure(ref: Token, session: DbSession, caller: AnyCaller):
    return service.procedure_detail(session, ref, caller.centre_id)


@router.get(
    "/centres/{centre_id}/search-terms",
    response_model=list[schemas.SearchTermRead],
    responses=ERRORS,
    summary="The centre's own everyday names and synonyms that its searches read, oldest first",
)
def list_search_terms(centre_id: Id, session: DbSession, actor: AdminOrManager):
    return terms.list_terms(session, actor, centre_id)


@router.post(
    "/centres/{centre_id}/search-terms",
    response_model=schemas.SearchTermRead,
    status_code=201,
    responses={**ERRORS, 409: {"description": "the centre already has this phrase"}},
    summary="Add an everyday name (phrase → procedure code) or a synonym (phrase → words), with its source",
)
def add_search_term(centre_id: Id, data: schemas.SearchTermCreate, session: DbSession, actor: Admin):
    return terms.add_term(session, actor, centre_id, data.kind, data.phrase, data.target, data.source)


@router.delete(
    "/centres/{centre_id}/search-terms/{term_id}",
    status_code=204,
    response_class=Response,
    responses=ERRORS,
    summary="Remove an entry of the centre's search lexicon",
)
def delete_search_term(centre_id: Id, term_id: Id, session: DbSession, actor: Admin):
    terms.delete_term(session, actor, centre_id, term_id)
