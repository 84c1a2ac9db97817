"""A handful of demo dossiers in several states, with their lookup links printed (idempotent).

Codes are fixed (received on fixed past dates) so a second run finds them and writes nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from ..centres.models import Agency
from ..config import Settings
from ..db import Database
from ..errors import DomainError
from ..timeutil import VN_TZ
from . import codes, service
from .models import Dossier
from .schemas import ApplicantIn, TransitionRequest

# (procedure code, applicant, phone, received (VN), steps)
DEMO = [
    ("1.001193", "Nguyễn Thị Mai", "0912000111", datetime(2026, 1, 5, 8, 30), []),
    ("1.001193", "Trần Văn Hùng", "0912000222", datetime(2026, 1, 5, 9, 15), ["transferred", "in_processing"]),
    ("1.001193", "Lê Thị Thu", "0912000333", datetime(2026, 1, 6, 10, 0), ["in_processing", "result_ready"]),
    (
        "1.001193",
        "Phạm Minh Tuấn",
        "0912000444",
        datetime(2026, 1, 6, 14, 0),
        ["in_processing", "result_ready", "returned"],
    ),
    ("1.001193", "Võ Thị Hoa", "0912000555", datetime(2026, 1, 7, 9, 0), ["in_processing", "supplement_requested"]),
]


def seed(db: Database, settings: Settings, centre_id: int) -> list[dict]:
    out = []
    with db.unit_of_work() as s:
        agency = s.execute(select(Agency).where(Agency.centre_id == centre_id).order_by(Agency.id)).scalars().first()
        if agency is None:
            return out
        try:
            service.procedure_snapshot(s, DEMO[0][0])
        except DomainError:
            return out  # no catalogue loaded: nothing to attach the demo dossiers to
        layout = settings.dossier_code_layout
        for i, (proc, name, phone, received, steps) in enumerate(DEMO):
            when = received.replace(tzinfo=VN_TZ)
            code = codes.format_code(layout, agency.identifier, when.date(), 900 + i)
            dossier = s.execute(select(Dossier).where(Dossier.code == code)).scalar_one_or_none()
            if dossier is None:
                dossier = service.new_dossier(
                    s,
                    settings,
                    agency,
                    service.procedure_snapshot(s, proc),
                    ApplicantIn(full_name=name, phone=phone),
                    now=when,
                    code=code,
                    source="demo",
                    documents=[{"name": "Tờ khai theo mẫu", "copies": 1}],
                )
                service.record(
                    s,
                    dossier,
                    "created",
                    None,
                    at=when,
                    to_status=dossier.status,
                    actor_label="Dữ liệu mẫu",
                    agency_name=agency.name,
                )
                for n, to in enumerate(steps, 1):
                    data = {"items": ["Bản sao giấy tờ tùy thân"]} if to == "supplement_requested" else {}
                    reason = "Hồ sơ chưa đầy đủ" if to == "supplement_requested" else None
                    service.transition(
                        s,
                        settings,
                        None,
                        dossier,
                        TransitionRequest(to=to, reason=reason, data=data),
                        now=when.replace(hour=min(16, when.hour + n)),
                        actor_label="Dữ liệu mẫu",
                    )
            out.append(
                {
                    "code": code,
                    "status": dossier.status,
                    "lookup_url": service.lookup_url(settings, dossier),
                    "phone_last4": phone[-4:],
                }
            )
    for row in out:
        print(f"  demo dossier {row['code']} ({row['status']}): {row['lookup_url']}  (4 số cuối: {row['phone_last4']})")
    return out
