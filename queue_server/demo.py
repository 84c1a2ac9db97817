"""The demo centre: realistic names, idempotent seeding, fixed demo logins and device tokens."""

from __future__ import annotations

from datetime import time

from sqlalchemy import select

from .appointments.models import BookingSettings
from .auth.models import Device, User
from .auth.security import hash_password, token_digest
from .auth.service import DEMO_PASSWORD  # refused outside demo mode
from .calendar.service import seed_default_rule
from .centres.models import Agency, Centre, Counter, CounterService, Service, ServiceHours
from .config import Settings
from .db import Database, next_value
from .dossiers import demo as dossiers_demo
from .procedures import demo as procedures_demo
from .realtime.service import sequence_name

CENTRE_NAME = "Trung tâm Phục vụ Hành chính công tỉnh (demo)"
AGENCIES = [
    ("000.00.14.H12", "Sở Tư pháp"),
    ("000.00.17.H12", "Sở Tài nguyên và Môi trường"),
    ("000.00.10.H12", "Sở Kế hoạch và Đầu tư"),
    ("000.00.20.H12", "Sở Xây dựng"),
    ("000.00.24.H12", "Sở Lao động - Thương binh và Xã hội"),
    ("000.21.31.H12", "UBND phường Phú Cường"),
]
# code, name, English name, prefix, agency index
SERVICES = [
    ("HOTICH", "Hộ tịch", "Civil status", "A", 5),
    ("CHUNGTHUC", "Chứng thực", "Certification", "B", 5),
    ("DATDAI", "Đất đai", "Land", "C", 1),
    ("DKKD", "Đăng ký kinh doanh", "Business registration", "D", 2),
    ("XAYDUNG", "Xây dựng", "Construction permits", "E", 3),
    ("LYLICH", "Lý lịch tư pháp", "Judicial records", "G", 0),
    ("LDTBXH", "Lao động - Thương binh và Xã hội", "Labour and social affairs", "H", 4),
    ("CUTRU", "Cư trú - Căn cước", "Residence and ID", "K", 5),
]
# counter number → service codes it serves
COUNTERS = {
    1: ["HOTICH"],
    2: ["HOTICH", "CHUNGTHUC"],
    3: ["CHUNGTHUC"],
    4: ["DATDAI"],
    5: ["DATDAI"],
    6: ["DKKD"],
    7: ["XAYDUNG"],
    8: ["LYLICH", "HOTICH"],
    9: ["LDTBXH"],
    10: ["CUTRU", "CHUNGTHUC"],
}
OFFICERS = [
    "Nguyễn Thị Lan",
    "Trần Văn Hùng",
    "Lê Thị Hoa",
    "Phạm Minh Tuấn",
    "Hoàng Thị Mai",
    "Vũ Đức Anh",
    "Đặng Thu Trang",
    "Bùi Quốc Việt",
    "Đỗ Thị Hằng",
    "Ngô Thanh Sơn",
]

DEMO_TOKENS = {  # fixed, so the README can list them; demo only
    "kiosk": "mdv_demo-kiosk-1",
    "display": "mdv_demo-hall-display",
}


def _weekday_hours() -> list[ServiceHours]:
    """Receiving hours of BD19 Đ.5 k.2: 07:30–11:00 and 13:00–16:30, Monday to Friday."""
    rows = []
    for wd in range(5):
        rows.append(ServiceHours(weekday=wd, start=time(7, 30), end=time(11, 0)))
        rows.append(ServiceHours(weekday=wd, start=time(13, 0), end=time(16, 30)))
    return rows


def seed_demo(db: Database, settings: Settings, *, with_hours: bool = False) -> dict:
    """Create the demo centre once; later runs find it and change nothing. Returns the logins."""
    with db.unit_of_work() as s:
        centre = s.execute(select(Centre).where(Centre.name == CENTRE_NAME)).scalar_one_or_none()
        if centre is None:
            centre = Centre(
                name=CENTRE_NAME,
                short_name="TTPVHCC",
                address="Số 1 Đường Hùng Vương",
                phone="0274 1234 567",
                notice="Trung tâm làm việc từ 07:30 đến 17:00, Thứ Hai đến Thứ Sáu. Vui lòng lấy số thứ tự và chờ gọi.",
            )
            s.add(centre)
            s.flush()
            next_value(s, sequence_name(centre.id), start=0)
            seed_default_rule(s, centre.id)
            agencies = [Agency(centre_id=centre.id, identifier=i, name=n, phone="0274 3822 000") for i, n in AGENCIES]
            s.add_all(agencies)
            s.flush()
            services = {}
            for order, (code, name, name_en, prefix, ai) in enumerate(SERVICES):
                services[code] = Service(
                    centre_id=centre.id,
                    agency_id=agencies[ai].id,
                    code=code,
                    name=name,
                    name_en=name_en,
                    prefix=prefix,
                    number_start=1,
                    number_end=999,
                    sort_order=order,
                    hours=_weekday_hours() if with_hours else [],
                )
            s.add_all(services.values())
            s.flush()
            # /hen takes bookings for civil status and certification; numbers from the phone (API) for
            # civil status (docs/queue-policy.md, *Booked visitors*)
            for code in ("HOTICH", "CHUNGTHUC"):
                s.add(
                    BookingSettings(
                        service_id=services[code].id,
                        booking_enabled=True,
                        slot_minutes=15,
                        slot_capacity=2,
                        days_ahead=14,
                        remote_enabled=code == "HOTICH",
                        remote_per_hour=10,
                    )
                )
            s.add(
                User(
                    username="admin",
                    full_name="Quản trị hệ thống",
                    role="admin",
                    centre_id=centre.id,
                    password_hash=hash_password(DEMO_PASSWORD),
                )
            )
            s.add(
                User(
                    username="lanhdao",
                    full_name="Trần Quốc Bảo",
                    title="Giám đốc Trung tâm",
                    role="manager",
                    centre_id=centre.id,
                    password_hash=hash_password(DEMO_PASSWORD),
                )
            )
            manager_tp = User(
                username="truongphong.tuphap",
                full_name="Lý Thị Ngọc",
                title="Trưởng phòng, Sở Tư pháp",
                role="manager",
                centre_id=centre.id,
                password_hash=hash_password(DEMO_PASSWORD),
            )
            manager_tp.agencies = [agencies[0]]
            s.add(manager_tp)
            for number, codes in COUNTERS.items():
                counter = Counter(
                    centre_id=centre.id,
                    number=number,
                    name=f"Quầy {number} - {services[codes[0]].name}",
                    state="closed",
                )
                counter.services = [CounterService(service_id=services[c].id, order=i) for i, c in enumerate(codes)]
                s.add(counter)
                s.flush()
                officer = User(
                    username=f"canbo{number:02d}",
                    full_name=OFFICERS[number - 1],
                    title="Chuyên viên",
                    role="clerk",
                    centre_id=centre.id,
                    password_hash=hash_password(DEMO_PASSWORD),
                )
                s.add(officer)
                s.add(
                    Device(
                        kind="tablet",
                        name=f"Máy đánh giá quầy {number}",
                        centre_id=centre.id,
                        counter_id=counter.id,
                        token_hash=token_digest(f"mdv_demo-tablet-{number}"),
                    )
                )
                s.add(
                    Device(
                        kind="display",
                        name=f"Bảng quầy {number}",
                        centre_id=centre.id,
                        counter_id=counter.id,
                        token_hash=token_digest(f"mdv_demo-counter-display-{number}"),
                        settings={"board": "counter"},
                    )
                )
            s.add(
                Device(
                    kind="kiosk",
                    name="Kiosk sảnh chính",
                    centre_id=centre.id,
                    token_hash=token_digest(DEMO_TOKENS["kiosk"]),
                )
            )
            s.add(
                Device(
                    kind="display",
                    name="Bảng sảnh chính",
                    centre_id=centre.id,
                    token_hash=token_digest(DEMO_TOKENS["display"]),
                    settings={"board": "hall"},
                )
            )
        centre_id = centre.id
    procedures_demo.seed(db)
    dossiers_demo.seed(db, settings, centre_id)
    return {
        "centre_id": centre_id,
        "password": DEMO_PASSWORD,
        "users": ["admin", "lanhdao", "truongphong.tuphap"] + [f"canbo{n:02d}" for n in COUNTERS],
        "tokens": {
            "kiosk": DEMO_TOKENS["kiosk"],
            "hall display": DEMO_TOKENS["display"],
            **{f"tablet counter {n}": f"mdv_demo-tablet-{n}" for n in COUNTERS},
            **{f"display counter {n}": f"mdv_demo-counter-display-{n}" for n in COUNTERS},
        },
    }
