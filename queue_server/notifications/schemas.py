from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from .channels import mask_phone


class NotificationRead(BaseModel):
    """A message of the outbox and its delivery state (the phone masked), read from its row."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    phone_masked: str = Field(
        validation_alias="phone", description="the recipient's number, all but its last three digits starred"
    )
    text: str
    state: str = Field(description="queued | sent | failed")
    attempts: int
    next_attempt_at: datetime | None = Field(description="when the sender tries it next; only while queued")
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None

    @field_validator("phone_masked")
    @classmethod
    def _mask(cls, phone: str) -> str:
        return mask_phone(phone)

    @field_validator("next_attempt_at")
    @classmethod
    def _only_queued(cls, at: datetime | None, info: ValidationInfo) -> datetime | None:
        return at if info.data.get("state") == "queued" else None


class TemplateRead(BaseModel):
    """One kind of message and the text the centre sends for it."""

    kind: str
    label: str = Field(description="the kind in Vietnamese, as /admin shows it")
    text: str = Field(description="what is sent: the centre's own text, or the default")
    default_text: str
    placeholders: dict[str, str] = Field(description="{name} → what fills it; no other {…} is allowed")
    overridden: bool = Field(description="the centre changed the text (DELETE returns to the default)")
    updated_at: datetime | None


class TemplateUpdate(BaseModel):
    text: str = Field(
        min_length=1,
        max_length=500,
        examples=["Số {number} ({service}): còn {ahead} người nữa đến lượt bạn."],
    )
