"""Helpers for the dossier tests: catalogue entries, a principal inside a session, dossiers in the past."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from queue_server.auth.models import User
from queue_server.auth.principal import Principal

PROCEDURES = [
    # code, name, processing days, fee
    ("1.001193", "Đăng ký khai sinh", 3, None),
    ("2.000908", "Cấp bản sao có chứng thực từ bản chính", 0, "2.000 đồng/trang"),
    ("1.004227", "Đăng ký biến động quyền sử dụng đất", 10, "Theo quy định của HĐND tỉnh"),
]


def add_procedure(db, code: str, name: str, processing_days: int, fee_text: str | None = None) -> None:
    """A published procedure in the catalogue (the procedures area's own model)."""
    from queue_server.procedures.models import Procedure

    columns = Procedure.__table__.columns
    wanted = {
        "ref": code,
        "code": code,
        "name": name,
        "processing_days": processing_days,
        "fee_text": fee_text,
        "field": "Hộ tịch",
        "level": "Cấp tỉnh",
        "agency_name": "Sở Tư pháp",
        "documents": [],
        "online_level": "Một phần",
    }
    values = {k: v for k, v in wanted.items() if k in columns}
    with db.unit_of_work() as s:
        s.add(Procedure(**values))


def add_catalogue(db) -> None:
    for code, name, days, fee in PROCEDURES:
        add_procedure(db, code, name, days, fee)


def principal(session, username: str) -> Principal:
    user = session.execute(select(User).where(User.username == username)).scalar_one()
    return Principal(role=user.role, user=user)


def create_at(db, settings, when: datetime, username: str = "admin", **fields) -> str:
    """A dossier received at `when` through the service layer; returns its code."""
    from queue_server.dossiers import service
    from queue_server.dossiers.schemas import DossierCreate

    body = {"procedure_code": "1.001193", "applicant": {"full_name": "Trần Thị Bình", "phone": "0987654321"}}
    body.update(fields)
    with db.unit_of_work() as s:
        return service.create_dossier(s, settings, principal(s, username), DossierCreate(**body), now=when).code


def step(db, settings, code: str, to: str, when: datetime, reason: str | None = None, data: dict | None = None) -> None:
    from queue_server.dossiers import service
    from queue_server.dossiers.schemas import TransitionRequest

    with db.unit_of_work() as s:
        dossier = service.get_dossier(s, code)
        service.transition(
            s,
            settings,
            principal(s, "admin"),
            dossier,
            TransitionRequest(to=to, reason=reason, data=data or {}),
            now=when,
        )
