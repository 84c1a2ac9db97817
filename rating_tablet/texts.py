"""What the tablet says, per language (Vietnamese first; English for foreign visitors' centres)."""

from __future__ import annotations

TEXTS = {
    "vi": {
        "title": "Đánh giá mức độ hài lòng",
        "counter": "Quầy số {number}",
        "on_duty": "Cán bộ đang trực",
        "no_officer": "Quầy chưa có cán bộ trực",
        "welcome_hint": "Sau khi được phục vụ, xin Quý khách vui lòng đánh giá trên máy này.",
        "overall_question": "Quý khách có hài lòng với sự phục vụ của cán bộ?",
        "ticket_line": "Số {display_number} — {officer}",
        "rat_hai_long": "Rất hài lòng",
        "hai_long": "Hài lòng",
        "chua_hai_long": "Chưa hài lòng",
        "criteria_question": "Đánh giá chi tiết (không bắt buộc)",
        "next": "Tiếp tục",
        "skip": "Bỏ qua",
        "comment_question": "Góp ý của Quý khách (không bắt buộc)",
        "comment_hint": "Nhập góp ý tại đây…",
        "send": "Gửi đánh giá",
        "thanks": "Cảm ơn Quý khách!",
        "thanks_detail": "Ý kiến của Quý khách giúp chúng tôi phục vụ tốt hơn.",
        "offline": "Mất kết nối máy chủ — đánh giá được lưu và sẽ gửi lại",
        "pending": "{count} đánh giá chờ gửi",
    },
    "en": {
        "title": "Satisfaction rating",
        "counter": "Counter {number}",
        "on_duty": "Officer on duty",
        "no_officer": "No officer on duty at this counter",
        "welcome_hint": "After you have been served, please rate our service on this tablet.",
        "overall_question": "Are you satisfied with the officer's service?",
        "ticket_line": "Ticket {display_number} — {officer}",
        "rat_hai_long": "Very satisfied",
        "hai_long": "Satisfied",
        "chua_hai_long": "Not satisfied",
        "criteria_question": "Detailed rating (optional)",
        "next": "Continue",
        "skip": "Skip",
        "comment_question": "Your comments (optional)",
        "comment_hint": "Type your comments here…",
        "send": "Send",
        "thanks": "Thank you!",
        "thanks_detail": "Your opinion helps us serve you better.",
        "offline": "Server unreachable — ratings are kept and will be sent",
        "pending": "{count} ratings waiting to be sent",
    },
}

LEVELS = ("rat_hai_long", "hai_long", "chua_hai_long")
