"""The tables of each report with their Vietnamese headers: one spec drives XLSX, CSV, PDF and the page.

A column's unit says how a figure is shown: seconds are shown in minutes (one decimal) because that
is how managers read waits; percentages as numbers of percent; everything else as it is.
"""

from __future__ import annotations

from dataclasses import dataclass

QUEUE_FIGURES = [
    ("issued", "Số phiếu đã phát", "n"),
    ("served", "Đã phục vụ", "n"),
    ("no_show", "Vắng mặt", "n"),
    ("cancelled", "Đã hủy", "n"),
    ("waiting", "Còn chờ cuối kỳ", "n"),
    ("mean_wait_s", "Chờ trung bình (phút)", "min"),
    ("p90_wait_s", "Chờ P90 (phút)", "min"),
    ("mean_service_s", "Phục vụ trung bình (phút)", "min"),
    ("p90_service_s", "Phục vụ P90 (phút)", "min"),
    ("within_target_pct", "Gọi trong thời gian chờ mục tiêu (%)", "pct"),
]
SERVED_FIGURES = [
    ("served", "Đã phục vụ", "n"),
    ("no_show", "Vắng mặt", "n"),
    ("mean_service_s", "Phục vụ trung bình (phút)", "min"),
    ("p90_service_s", "Phục vụ P90 (phút)", "min"),
]
# booking_figures.py defines these
BOOKING_FIGURES = [
    ("bookings", "Số lịch hẹn", "n"),
    ("checked_in", "Đã đến xác nhận", "n"),
    ("checked_in_late", "Trong đó xác nhận muộn", "n"),
    ("no_show", "Lỡ hẹn (quá giờ không đến)", "n"),
    ("expected", "Chưa đến giờ hẹn", "n"),
    ("check_in_rate_pct", "Tỷ lệ đến theo hẹn (%)", "pct"),
]
WAIT_BY_SOURCE = [
    ("label", "Nguồn phiếu", "t"),
    ("issued", "Số phiếu đã phát", "n"),
    ("called", "Đã được gọi", "n"),
    ("mean_wait_s", "Chờ trung bình (phút)", "min"),
    ("p90_wait_s", "Chờ P90 (phút)", "min"),
]
DOSSIER_FIGURES = [
    ("received_total", "Tổng số nhận giải quyết", "n"),
    ("carried_over", "Kỳ trước chuyển qua", "n"),
    ("received_new", "Mới tiếp nhận", "n"),
    ("received_online", "Tiếp nhận trực tuyến", "n"),
    ("received_direct", "Tiếp nhận trực tiếp", "n"),
    ("received_post", "Tiếp nhận qua bưu chính", "n"),
    ("online_pct", "Tỷ lệ trực tuyến (%)", "pct"),
    ("resolved", "Đã giải quyết", "n"),
    ("early", "Trước hạn", "n"),
    ("early_pct", "Trước hạn (%)", "pct"),
    ("on_time", "Đúng hạn", "n"),
    ("on_time_pct", "Đúng hạn (%)", "pct"),
    ("late", "Quá hạn", "n"),
    ("late_pct", "Quá hạn (%)", "pct"),
    ("pending", "Đang giải quyết", "n"),
    ("pending_in_time", "Đang giải quyết, chưa đến hạn", "n"),
    ("pending_overdue", "Đang giải quyết, quá hạn", "n"),
    ("closed_otherwise", "Rút, trả lại, không thuộc thẩm quyền", "n"),
]
RATING_FIGURES = [
    ("total", "Số lượt đánh giá", "n"),
    ("rat_hai_long", "Rất hài lòng", "n"),
    ("rat_hai_long_pct", "Rất hài lòng (%)", "pct"),
    ("hai_long", "Hài lòng", "n"),
    ("hai_long_pct", "Hài lòng (%)", "pct"),
    ("chua_hai_long", "Chưa hài lòng", "n"),
    ("chua_hai_long_pct", "Chưa hài lòng (%)", "pct"),
    ("satisfied_pct", "Tỷ lệ hài lòng (%)", "pct"),
]


@dataclass(frozen=True)
class Table:
    key: str  # the report's key holding the rows ("totals" is one row)
    title: str  # sheet name: at most 31 characters
    columns: list  # (key, header, unit)


TABLES: dict[str, list[Table]] = {
    "queue": [
        Table("totals", "Tổng hợp", QUEUE_FIGURES),
        Table(
            "by_service",
            "Theo dịch vụ",
            [("code", "Mã", "t"), ("name", "Dịch vụ", "t"), ("agency_name", "Cơ quan", "t")] + QUEUE_FIGURES,
        ),
        Table("by_counter", "Theo quầy", [("number", "Quầy số", "n"), ("name", "Tên quầy", "t")] + SERVED_FIGURES),
        Table("by_officer", "Theo cán bộ", [("full_name", "Cán bộ", "t")] + SERVED_FIGURES),
        Table(
            "by_hour",
            "Theo giờ",
            [
                ("hour", "Giờ", "n"),
                ("arrivals", "Số người đến", "n"),
                ("served", "Đã phục vụ", "n"),
                ("mean_wait_s", "Chờ trung bình (phút)", "min"),
                ("p90_wait_s", "Chờ P90 (phút)", "min"),
            ],
        ),
        Table("by_day", "Theo ngày", [("day", "Ngày", "t")] + QUEUE_FIGURES),
        Table("bookings", "Đặt lịch hẹn", BOOKING_FIGURES),
        Table("wait_by_source", "Chờ theo nguồn phiếu", WAIT_BY_SOURCE),
    ],
    "dossiers": [
        Table("totals", "Tổng hợp", DOSSIER_FIGURES),
        Table("by_agency", "Theo cơ quan", [("name", "Cơ quan", "t")] + DOSSIER_FIGURES),
        Table("by_field", "Theo lĩnh vực", [("field", "Lĩnh vực", "t")] + DOSSIER_FIGURES),
        Table("by_channel", "Theo hình thức nộp", [("name", "Hình thức nộp", "t")] + DOSSIER_FIGURES),
        Table("by_level", "Theo cấp giải quyết", [("name", "Cấp", "t")] + DOSSIER_FIGURES),
    ],
    "ratings": [
        Table("totals", "Tổng hợp", RATING_FIGURES),
        Table("by_agency", "Theo cơ quan", [("name", "Cơ quan", "t")] + RATING_FIGURES),
        Table(
            "by_officer",
            "Theo cán bộ",
            [("full_name", "Cán bộ", "t")] + RATING_FIGURES + [("flagged", "Cần lưu ý", "flag")],
        ),
        Table(
            "by_criterion",
            "Theo tiêu chí",
            [("label", "Tiêu chí", "t")] + RATING_FIGURES + [("flagged", "Cần lưu ý", "flag")],
        ),
    ],
}
TITLES = {
    "queue": "Báo cáo xếp hàng",
    "dossiers": "Báo cáo tình hình giải quyết hồ sơ",
    "ratings": "Báo cáo mức độ hài lòng",
}


def cell(value, unit: str):
    """A figure as shown: minutes for seconds, 'Có' for a flag; numbers stay numbers."""
    if value is None:
        return None
    if unit == "min":
        return round(value / 60, 1)
    if unit == "flag":
        return "Có" if value else ""
    return value


def rows_of(report: dict, table: Table) -> list[dict] | None:
    rows = report.get(table.key)
    if rows is None:
        return None
    return [rows] if isinstance(rows, dict) else rows


def table_specs(kind: str) -> list[dict]:
    """The column specs for the page, so headers are written once."""
    return [
        {"key": t.key, "title": t.title, "columns": [{"key": k, "label": h, "unit": u} for k, h, u in t.columns]}
        for t in TABLES[kind]
    ]
