"""Sign-in, staff accounts and devices."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, status
from sqlalchemy import select

from ..bounds import Id
from ..deps import Admin, AnyDevice, AppSettings, DbSession, Public, Staff
from ..security.ratelimit import client_address
from . import schemas, service
from .models import Device, User
from .security import make_access_token

router = APIRouter()
ERRORS = {
    401: {"description": "no valid token"},
    429: {"description": "too many sign-in attempts from this address or for this account"},
    403: {"description": "not allowed"},
    404: {"description": "not found"},
    422: {"description": "invalid input"},
}


@router.post(
    "/auth/token",
    response_model=schemas.TokenResponse,
    tags=["auth"],
    responses=ERRORS,
    summary="OAuth2 password flow for staff (public)",
)
def login(
    request: Request,
    form: Annotated[schemas.LoginForm, Form()],
    session: DbSession,
    settings: AppSettings,
    _: Public,
):
    limits = request.app.state.rate_limits
    user = service.sign_in(session, settings, limits, client_address(request), form.username, form.password)
    token = make_access_token(settings.secret_key, user.id, user.token_version, settings.access_token_minutes)
    return {"access_token": token, "token_type": "bearer", "user": service.user_read(user)}


@router.get("/auth/me", response_model=schemas.UserRead, tags=["auth"], responses=ERRORS)
def me(actor: Staff):
    return service.user_read(actor.user)


@router.post(
    "/users", response_model=schemas.UserRead, status_code=status.HTTP_201_CREATED, tags=["admin"], responses=ERRORS
)
def create_user(data: schemas.UserCreate, session: DbSession, actor: Admin):
    return service.user_read(service.create_user(session, data, actor=actor))


@router.get("/users", response_model=list[schemas.UserRead], tags=["admin"], responses=ERRORS)
def list_users(session: DbSession, _: Admin):
    return [service.user_read(u) for u in session.execute(select(User).order_by(User.id)).scalars()]


@router.patch("/users/{user_id}", response_model=schemas.UserRead, tags=["admin"], responses=ERRORS)
def update_user(user_id: Id, data: schemas.UserUpdate, session: DbSession, actor: Admin):
    return service.user_read(service.update_user(session, user_id, data, actor=actor))


@router.post(
    "/users/{user_id}/reset-password",
    response_model=schemas.PasswordReset,
    tags=["admin"],
    responses=ERRORS,
    summary="Give the user a new random password (shown once) and sign them out everywhere",
)
def reset_password(user_id: Id, session: DbSession, actor: Admin):
    _, password = service.reset_password(session, user_id, actor=actor)
    return {"password": password}


@router.post(
    "/devices",
    response_model=schemas.DeviceCreated,
    status_code=status.HTTP_201_CREATED,
    tags=["admin"],
    responses=ERRORS,
    summary="Register a device; the token is shown once",
)
def create_device(data: schemas.DeviceCreate, session: DbSession, settings: AppSettings, actor: Admin):
    device, token = service.create_device(session, data, actor=actor)
    return {**service.device_read(device), "token": token, **service.enrolment(settings.public_base_url, token)}


@router.get("/devices", response_model=list[schemas.DeviceRead], tags=["admin"], responses=ERRORS)
def list_devices(session: DbSession, _: Admin):
    return [service.device_read(d) for d in session.execute(select(Device).order_by(Device.id)).scalars()]


@router.get(
    "/devices/me",
    response_model=schemas.DeviceRead,
    tags=["devices"],
    responses=ERRORS,
    summary="The calling device's own registration and settings",
)
def device_me(actor: AnyDevice):
    return service.device_read(actor.device)


@router.post(
    "/devices/me/alerts",
    status_code=status.HTTP_202_ACCEPTED,
    tags=["devices"],
    responses=ERRORS,
    summary="Report a device fault (printer out of paper …) to staff",
)
def device_alert(alert: schemas.DeviceAlert, session: DbSession, actor: AnyDevice):
    service.raise_alert(session, actor, alert)
    return {"accepted": True}


@router.patch("/devices/{device_id}", response_model=schemas.DeviceRead, tags=["admin"], responses=ERRORS)
def update_device(device_id: Id, data: schemas.DeviceUpdate, session: DbSession, actor: Admin):
    return service.device_read(service.update_device(session, device_id, data, actor=actor))


@router.post("/devices/{device_id}/revoke", response_model=schemas.DeviceRead, tags=["admin"], responses=ERRORS)
def revoke_device(device_id: Id, session: DbSession, actor: Admin):
    return service.device_read(service.revoke_device(session, device_id, actor=actor))
