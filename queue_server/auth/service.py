"""Staff accounts, sign-in and device registration."""

from __future__ import annotations

import hmac
import logging
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit.service import record, snapshot
from ..centres.models import Agency, Centre, Counter
from ..errors import DomainError, not_found
from ..realtime.service import access_changed, record_event
from ..security.ratelimit import RateLimits, too_many
from ..timeutil import utcnow
from . import schemas
from .models import Device, User
from .principal import Principal
from .security import hash_password, new_device_token, token_digest, verify_password

log = logging.getLogger(__name__)
DEMO_PASSWORD = "motcua-demo"  # the demo centre's staff password (README); refused outside demo mode
_dummy_hash: str | None = None


def _dummy() -> str:
    """A hash to verify against when the user is unknown, so timing does not reveal usernames."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = hash_password("not-a-real-password")
    return _dummy_hash


def authenticate(session: Session, username: str, password: str, *, demo: bool = True) -> User:
    """The active user with this password. `demo` False (a real centre): the demo password opens
    no account, even one seeded by `motcua-server demo` into the same database."""
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    ok = verify_password(user.password_hash if user else _dummy(), password)
    if ok and not demo and hmac.compare_digest(password.encode(), DEMO_PASSWORD.encode()):
        log.warning("sign-in of %s with the demo password refused outside demo mode; set a real password", username)
        ok = False
    if user is None or not ok or not user.active:
        raise DomainError("bad_credentials", "Sai tên đăng nhập hoặc mật khẩu.", 401)
    return user


LOGIN_THROTTLED_MESSAGE = "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau ít phút."


def sign_in(session: Session, settings, limits: RateLimits, client: str, username: str, password: str) -> User:
    """`authenticate` within the limits: attempts per client address (every attempt counts) and
    wrong passwords per account (from anywhere). Refused before the password hash is computed,
    so a flood costs the server almost nothing."""
    limits.check(limits.parse(settings.login_address_limit), "login", client, LOGIN_THROTTLED_MESSAGE)
    account = username.strip().lower()
    per_account = limits.parse(settings.login_account_failure_limit)
    if not limits.allows(per_account, "login-account", account):
        raise too_many(LOGIN_THROTTLED_MESSAGE)
    try:
        return authenticate(session, username, password, demo=settings.demo)
    except DomainError:
        limits.hit(per_account, "login-account", account)
        raise


def _agencies(session: Session, ids: list[int]) -> list[Agency]:
    agencies = [session.get(Agency, i) for i in ids]
    if any(a is None for a in agencies):
        raise DomainError("agency_not_found", "Không tìm thấy cơ quan được gán.", 422)
    return agencies


USER_FIELDS = ("username", "full_name", "title", "role", "centre_id", "active", "photo_url", "password_hash")


def user_snapshot(user: User) -> dict:
    """A user's audited state (the password hash is kept out by `record`, noted only as changed)."""
    return snapshot(user, USER_FIELDS, agency_ids=sorted(user.agency_ids))


def _record_user(session: Session, actor: Principal | None, action: str, user: User, **states) -> None:
    agencies = user.agency_ids
    record(
        session,
        actor,
        action,
        "user",
        user.id,
        centre_id=user.centre_id,
        agency_id=agencies[0] if len(agencies) == 1 else None,
        summary=f"{user.username} ({user.full_name})",
        **states,
    )


def create_user(session: Session, data: schemas.UserCreate, *, actor: Principal | None = None) -> User:
    if data.centre_id is not None and session.get(Centre, data.centre_id) is None:
        raise not_found("trung tâm", "centre_not_found")
    if data.role == "clerk" and data.centre_id is None:
        raise DomainError("centre_required", "Cán bộ một cửa phải thuộc một trung tâm.", 422)
    user = User(
        username=data.username,
        full_name=data.full_name,
        title=data.title,
        role=data.role,
        centre_id=data.centre_id,
        password_hash=hash_password(data.password),
        photo_url=data.photo_url,
    )
    user.agencies = _agencies(session, data.agency_ids)
    session.add(user)
    session.flush()
    _record_user(session, actor, "create", user, after=user_snapshot(user))
    return user


def update_user(session: Session, user_id: int, data: schemas.UserUpdate, *, actor: Principal | None = None) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise not_found("người dùng", "user_not_found")
    before = user_snapshot(user)
    changes = data.model_dump(exclude_unset=True)
    if "password" in changes:
        user.password_hash = hash_password(changes.pop("password"))
        user.token_version += 1  # a password change signs the user out everywhere
    if "agency_ids" in changes:
        user.agencies = _agencies(session, changes.pop("agency_ids") or [])
    if changes.get("active") is False:
        if actor is not None and actor.user_id == user.id:
            raise DomainError("own_account", "Không thể tự vô hiệu hóa tài khoản của chính mình.", 409)
        user.token_version += 1
    if (
        "centre_id" in changes
        and changes["centre_id"] is not None
        and session.get(Centre, changes["centre_id"]) is None
    ):
        raise not_found("trung tâm", "centre_not_found")
    if changes.get("role", user.role) != user.role:
        user.token_version += 1  # a token carries no role, but a changed role starts a fresh sign-in
    for key, value in changes.items():
        setattr(user, key, value)
    if user.role == "clerk" and user.centre_id is None:
        raise DomainError("centre_required", "Cán bộ một cửa phải thuộc một trung tâm.", 422)
    session.flush()
    after = user_snapshot(user)
    action = (
        "deactivate"
        if before["active"] and not after["active"]
        else "reset_password"
        if before["password_hash"] != after["password_hash"]
        else "update"
    )
    _record_user(session, actor, action, user, before=before, after=after)
    access_changed(session)  # role, scope, state or password: open-stream authorisations are re-read
    return user


def reset_password(session: Session, user_id: int, *, actor: Principal | None = None) -> tuple[User, str]:
    """A new random password for the user (to be shown once) and every session of theirs ended."""
    user = session.get(User, user_id)
    if user is None:
        raise not_found("người dùng", "user_not_found")
    if actor is not None and actor.user_id == user.id:
        raise DomainError(
            "own_account", "Không thể tự đặt lại mật khẩu của chính mình; hãy nhờ một quản trị viên khác.", 409
        )
    before = user_snapshot(user)
    password = secrets.token_urlsafe(9)  # 12 characters, 72 bits
    user.password_hash = hash_password(password)
    user.token_version += 1
    session.flush()
    _record_user(session, actor, "reset_password", user, before=before, after=user_snapshot(user))
    access_changed(session)
    return user, password


def user_read(user: User) -> dict:
    return {
        "id": user.id,
        "username": user.username,
        "full_name": user.full_name,
        "title": user.title,
        "role": user.role,
        "centre_id": user.centre_id,
        "active": user.active,
        "agency_ids": user.agency_ids,
        "photo_url": user.photo_url,
    }


def device_snapshot(device: Device) -> dict:
    return snapshot(device, ("kind", "name", "centre_id", "counter_id", "settings", "revoked_at"))


def _record_device(session: Session, actor: Principal | None, action: str, device: Device, **states):
    return record(
        session,
        actor,
        action,
        "device",
        device.id,
        centre_id=device.centre_id,
        summary=f"{device.kind} {device.name or device.id}",
        **states,
    )


def create_device(
    session: Session, data: schemas.DeviceCreate, *, actor: Principal | None = None
) -> tuple[Device, str]:
    if session.get(Centre, data.centre_id) is None:
        raise not_found("trung tâm", "centre_not_found")
    if data.counter_id is not None:
        counter = session.get(Counter, data.counter_id)
        if counter is None or counter.centre_id != data.centre_id:
            raise DomainError("counter_not_in_centre", "Quầy không thuộc trung tâm này.", 422)
    if data.kind in ("tablet", "console") and data.counter_id is None:
        raise DomainError("counter_required", "Máy tính bảng đánh giá và bàn phím quầy phải gắn với một quầy.", 422)
    token = new_device_token()
    device = Device(
        kind=data.kind,
        name=data.name,
        centre_id=data.centre_id,
        counter_id=data.counter_id,
        settings=data.settings,
        token_hash=token_digest(token),
    )
    session.add(device)
    session.flush()
    _record_device(session, actor, "create", device, after=device_snapshot(device))
    return device, token


def enrolment(server_url: str, token: str) -> dict:
    """The enrolment QR of a new device: its text and the code as an SVG document (hardware/payloads.py)."""
    import io

    import qrcode
    import qrcode.image.svg

    from hardware.payloads import enrolment_payload

    payload = enrolment_payload(server_url, token)
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4, box_size=10)
    code.add_data(payload)
    buffer = io.BytesIO()
    code.make_image(image_factory=qrcode.image.svg.SvgPathImage).save(buffer)
    return {"enrolment_payload": payload, "enrolment_qr_svg": buffer.getvalue().decode()}


def get_device(session: Session, device_id: int) -> Device:
    device = session.get(Device, device_id)
    if device is None:
        raise not_found("thiết bị", "device_not_found")
    return device


def update_device(
    session: Session, device_id: int, data: schemas.DeviceUpdate, *, actor: Principal | None = None
) -> Device:
    device = get_device(session, device_id)
    before = device_snapshot(device)
    if data.name is not None:
        device.name = data.name
    if data.settings is not None:
        device.settings = data.settings
    if _record_device(session, actor, "update", device, before=before, after=device_snapshot(device)):
        record_event(session, device.centre_id, "config.updated", {"entity": "device", "id": device.id})
    return device


def revoke_device(session: Session, device_id: int, *, actor: Principal | None = None) -> Device:
    """Revoke a device's token: its requests are refused from this commit on, and the
    `device.revoked` event makes every worker close the device's open event streams at once."""
    device = get_device(session, device_id)
    if device.revoked_at is None:
        before = device_snapshot(device)
        device.revoked_at = utcnow()
        _record_device(session, actor, "revoke", device, before=before, after=device_snapshot(device))
        record_event(session, device.centre_id, "device.revoked", {"device_id": device.id})
        access_changed(session)  # every worker forgets the device's cached stream authorisation
    return device


def device_read(device: Device) -> dict:
    return {
        "id": device.id,
        "kind": device.kind,
        "name": device.name,
        "centre_id": device.centre_id,
        "counter_id": device.counter_id,
        "settings": device.settings or {},
        "revoked": device.revoked_at is not None,
        "last_seen_at": device.last_seen_at.isoformat() if device.last_seen_at else None,
    }


def raise_alert(session: Session, actor: Principal, alert: schemas.DeviceAlert) -> None:
    """A device reports a fault staff must see (printer out of paper …) on the event stream."""
    from ..devices.service import printer_alert

    device = actor.device
    printer_alert(session, device, alert.code, alert.cleared)
    record_event(
        session,
        device.centre_id,
        "device.alert",
        {
            "device_id": device.id,
            "kind": device.kind,
            "name": device.name,
            "counter_id": device.counter_id,
            "code": alert.code,
            "message": alert.message,
            "cleared": alert.cleared,
        },
    )
