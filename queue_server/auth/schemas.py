from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from ..bounds import Id


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"
    user: UserRead


class UserCreate(BaseModel):
    username: str = Field(min_length=3, max_length=60, pattern=r"^[a-z0-9_.-]+$", examples=["canbo01"])
    full_name: str = Field(min_length=1, max_length=120, examples=["Nguyễn Thị Lan"])
    title: str | None = Field(None, max_length=120, examples=["Chuyên viên"])
    role: str = Field(max_length=10, pattern=r"^(admin|manager|clerk)$")
    centre_id: Id | None = None
    agency_ids: list[Id] = Field(default_factory=list, max_length=200, description="a manager's agencies")
    password: str = Field(min_length=8, max_length=200)
    photo_url: str | None = Field(None, max_length=300)


class UserUpdate(BaseModel):
    role: str = Field(None, max_length=10, pattern=r"^(admin|manager|clerk)$")
    centre_id: Id | None = None
    full_name: str = Field(
        None, min_length=1, max_length=120
    )  # absent: unchanged; null: refused (the column is NOT NULL)
    title: str | None = Field(None, max_length=120)
    active: bool = None
    agency_ids: list[Id] = Field(None, max_length=200)
    password: str = Field(None, min_length=8, max_length=200)
    photo_url: str | None = Field(None, max_length=300)


class PasswordReset(BaseModel):
    password: str = Field(description="the new password, shown once; every session of the user is signed out")


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    username: str
    full_name: str
    title: str | None
    role: str
    centre_id: int | None
    active: bool
    agency_ids: list[int]
    photo_url: str | None = None


class DeviceCreate(BaseModel):
    kind: str = Field(max_length=10, pattern=r"^(kiosk|display|tablet|console)$")
    centre_id: Id
    counter_id: Id | None = None
    name: str | None = Field(None, max_length=120)
    settings: dict = Field(
        default_factory=dict, description="what the device shows (board layout, services, language …)"
    )


class DeviceUpdate(BaseModel):
    name: str | None = Field(None, max_length=120)
    settings: dict | None = None


class DeviceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    kind: str
    name: str | None
    centre_id: int
    counter_id: int | None
    settings: dict
    revoked: bool
    last_seen_at: str | None


class DeviceCreated(DeviceRead):
    token: str = Field(description="shown once; store it in the device's configuration")
    enrolment_payload: str = Field(
        description="shown once: motcua://enrol?v=1&server=<URL>&token=<token>, what the enrolment QR encodes"
    )
    enrolment_qr_svg: str = Field(
        description="shown once: the enrolment QR as an SVG document, for a kiosk or tablet to scan at first start"
    )


class DeviceAlert(BaseModel):
    code: str = Field(pattern=r"^[a-z_.]+$", max_length=60, examples=["printer.paper_out"])
    message: str = Field(max_length=300, examples=["Máy in hết giấy"])
    cleared: bool = False


TokenResponse.model_rebuild()


class LoginForm(BaseModel):
    """The OAuth2 password flow's form (as `OAuth2PasswordRequestForm`), with every field bounded."""

    grant_type: str | None = Field(None, max_length=20, pattern=r"^password$")
    username: str = Field(min_length=1, max_length=60)
    password: str = Field(min_length=1, max_length=200)
    scope: str = Field("", max_length=200)
    client_id: str | None = Field(None, max_length=200)
    client_secret: str | None = Field(None, max_length=200)
