"""Rating levels and the criteria lists a rating can be given under (domain.md §7)."""

from __future__ import annotations

# The three levels of ĐN 2019 Đ.14 k.2, best first.
LEVELS: dict[str, str] = {
    "rat_hai_long": "Rất hài lòng",
    "hai_long": "Hài lòng",
    "chua_hai_long": "Chưa hài lòng",
}
SATISFIED = ("rat_hai_long", "hai_long")

# The detailed criteria of ĐN 2019 Đ.14 k.2 đ.b: the default list.
DETAILED: list[dict[str, str]] = [
    {"code": "thuan_tien", "label_vi": "Mức độ thuận tiện khi thực hiện thủ tục"},
    {"code": "dung_hen", "label_vi": "Giải quyết, trả kết quả đúng hẹn"},
    {"code": "thai_do", "label_vi": "Thái độ hỗ trợ, nhiệt tình của cán bộ"},
]

# The provincial portals' list. Its first item, the overall rating, is the rating's own
# `overall` field, so the remaining eleven are the criteria.
PROVINCIAL: list[dict[str, str]] = DETAILED + [
    {"code": "thoi_gian_quy_dinh", "label_vi": "Thời gian giải quyết so với quy định"},
    {"code": "thoi_gian_thuc_te", "label_vi": "Thời gian thực tế giải quyết hồ sơ"},
    {"code": "so_lan_lien_he", "label_vi": "Số lần phải liên hệ để hoàn thành hồ sơ"},
    {"code": "so_co_quan", "label_vi": "Số cơ quan phải liên hệ"},
    {"code": "tiep_nhan_mot_cua", "label_vi": "Tiếp nhận hồ sơ tại Bộ phận Một cửa"},
    {"code": "cong_khai", "label_vi": "Công khai, minh bạch thủ tục hành chính"},
    {"code": "phan_anh_kien_nghi", "label_vi": "Tiếp nhận, xử lý phản ánh, kiến nghị"},
    {"code": "dich_vu_truc_tuyen", "label_vi": "Cung cấp dịch vụ công trực tuyến"},
]

PRESETS: dict[str, list[dict[str, str]]] = {"detailed": DETAILED, "provincial": PROVINCIAL}
