"""Answers of the procedure API, and the one routing change it takes (imports arrive as files)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from ..bounds import text

Level = Literal["xa", "huyen", "tinh", "trung_uong"]


class ProcedureSummary(BaseModel):
    ref: str = Field(description="the national code when known, else a stable key 'tt-…'; use it in /procedures/{ref}")
    code: str | None = Field(description="national procedure code (mã thủ tục), e.g. 1.001193; null when unknown")
    name: str
    field: str | None
    level: Level | None
    level_label: str | None = Field(description="e.g. 'Cấp xã'")
    agency_name: str | None
    processing_time_text: str | None
    processing_days: int | None = Field(description="working days, when the source states them")
    fee_text: str | None
    service_code: str | None = Field(description="code of the queue (service) that receives it, e.g. HOTICH")
    service_id: int | None = Field(description="that service at the caller's centre, when it has one")


class DocumentLine(BaseModel):
    text: str = Field(description="the line without the source's bullet mark")
    kind: Literal["heading", "document", "detail", "note"] = Field(
        description="heading: a group such as 'Giấy tờ phải xuất trình:'; document: one paper to bring; "
        "detail: a point under the document above; note: an explanation of the document above"
    )


class ProcedureDetail(ProcedureSummary):
    documents: list[str] = Field(description="the documents list in source order, bullet marks removed")
    document_outline: list[DocumentLine] = Field(description="the same lines with what each one is")
    online_level_text: str | None
    channels: list[str] = Field(description="submission channels: Trực tiếp, Trực tuyến, Dịch vụ bưu chính")
    source_url: str | None
    updated_at: datetime


class SearchResult(BaseModel):
    query: str
    items: list[ProcedureSummary]
    total: int = Field(description="matches before the limit")
    suggestion: str | None = Field(
        None, description="«Có phải bạn muốn tìm …?» when nothing matched the whole query and items are partial matches"
    )


class FieldCount(BaseModel):
    field: str
    count: int
    service_code: str | None


class LevelCount(BaseModel):
    level: Level
    label: str
    count: int


class FieldService(BaseModel):
    field: text(300, 1) = Field(description="a field (lĩnh vực) as listed by /procedures/fields")
    service_code: text(20, 1, r"^[A-Za-z0-9_.-]+$") | None = Field(
        description="the service code whose queue receives the field's procedures; null: none"
    )


class FieldServiceResult(BaseModel):
    field: str
    service_code: str | None
    updated: int = Field(description="procedures whose receiving service changed")


class FieldList(BaseModel):
    items: list[FieldCount]
    levels: list[LevelCount]
    unclassified: int = Field(description="procedures without a field")
    total: int


class RejectedRow(BaseModel):
    row: int = Field(
        description="JSON: position in the list (1-based); CSV and XLSX: the row a spreadsheet shows (header = 1)"
    )
    reason: str
    name: str | None
    code: str | None


class ImportResult(BaseModel):
    format: str
    added: int
    updated: int
    unchanged: int
    rejected: list[RejectedRow]
    rejected_count: int
    message: str


TermKind = Literal["name", "synonym"]


class SearchTermCreate(BaseModel):
    kind: TermKind = Field(description="name: an everyday name of a procedure; synonym: other words for a thing")
    phrase: text(100, 1) = Field(description="what visitors say, e.g. «sổ hồng», «làm giấy khai sinh cho con»")
    target: text(200, 1) = Field(description="name: the procedure's code (1.001193) or ref; synonym: the words meant")
    source: text(300, 1) = Field(
        description="who asked for the entry and why (its source), e.g. «quầy Hộ tịch, 03/2026»"
    )


class SearchTermRead(BaseModel):
    id: int
    centre_id: int
    kind: TermKind
    phrase: str
    target: str
    target_name: str | None = Field(description="kind name: the procedure's official name")
    source: str
    created_by: str
    created_at: datetime
