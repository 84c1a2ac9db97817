"""Request and response bodies of the ratings API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..bounds import Id

Level = Literal["rat_hai_long", "hai_long", "chua_hai_long"]
GroupBy = Literal["officer", "counter", "agency", "service"]
MAX_COMMENT = 1000


class RatingCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ticket_id: Id
    overall: Level
    criteria: dict[str, Level] = Field(default_factory=dict)
    criteria_version: int | None = Field(
        None, ge=1, le=10_000, description="the criteria version the tablet showed; default: current"
    )
    comment: str | None = Field(None, max_length=1000)
    idempotency_key: str = Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    rated_at: datetime | None = Field(
        None, description="when the visitor tapped, by the tablet's clock; lets an offline tablet deliver late"
    )

    @field_validator("comment")
    @classmethod
    def _comment(cls, v: str | None) -> str | None:
        if v is None:
            return None
        v = v.strip()
        if len(v) > MAX_COMMENT:
            raise ValueError(f"at most {MAX_COMMENT} characters")
        return v or None

    @field_validator("rated_at")
    @classmethod
    def _aware(cls, v: datetime | None) -> datetime | None:
        if v is not None and v.tzinfo is None:
            raise ValueError("rated_at needs a timezone offset")
        return v


class RatingRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    ticket_id: Id
    centre_id: int
    counter_id: int
    officer_id: int | None
    agency_id: int | None
    service_id: int
    overall: Level
    criteria: dict[str, Level]
    criteria_version_id: int | None
    comment: str | None
    idempotency_key: str
    day: date
    rated_at: datetime
    received_at: datetime


class Criterion(BaseModel):
    code: str = Field(max_length=40, pattern=r"^[a-z][a-z0-9_]{1,39}$")
    label_vi: str = Field(min_length=1, max_length=200)


class CriteriaCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[Criterion] | None = Field(None, max_length=20)
    preset: Literal["detailed", "provincial"] | None = None

    @model_validator(mode="after")
    def _one_source(self):
        if (self.items is None) == (self.preset is None):
            raise ValueError("give either items or preset")
        if self.items is not None and len({c.code for c in self.items}) != len(self.items):
            raise ValueError("criterion codes must be unique")
        return self


class CriteriaRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    created_at: datetime
    items: list[Criterion]
    levels: dict[str, str]


class LevelCounts(BaseModel):
    total: int
    counts: dict[str, int]
    satisfaction: float | None = Field(description="(rất hài lòng + hài lòng) / total; null without ratings")


class SummaryGroup(LevelCounts):
    key: int | None
    label: str
    criteria: dict[str, LevelCounts]


class Summary(BaseModel):
    centre_id: int
    date_from: date = Field(alias="from")
    date_to: date = Field(alias="to")
    group_by: GroupBy
    criteria: list[Criterion]
    overall: LevelCounts
    groups: list[SummaryGroup]

    model_config = ConfigDict(populate_by_name=True)
