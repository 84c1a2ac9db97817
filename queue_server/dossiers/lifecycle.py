"""The dossier lifecycle (domain.md §5; BP Đ.9–14) as an explicit state machine.

Overdue, completed early and uncollected are not states: they are read from the due date and
the result date, so a late dossier keeps moving through the same steps.
"""

from __future__ import annotations

from collections import deque

from ..errors import DomainError

STATUS_LABELS: dict[str, str] = {
    "pending_acceptance": "Hồ sơ trực tuyến đang chờ tiếp nhận",
    "received": "Đã tiếp nhận",
    "transferred": "Đã chuyển cơ quan giải quyết",
    "in_processing": "Đang xử lý",
    "verifying": "Đang thẩm tra, xác minh",
    "consulting": "Đang lấy ý kiến cơ quan liên quan (liên thông)",
    "supplement_requested": "Chờ bổ sung, hoàn thiện hồ sơ",
    "result_ready": "Đã có kết quả, chờ trả",
    "returned": "Đã trả kết quả (hoàn thành)",
    "wrong_agency": "Không thuộc thẩm quyền, đã hướng dẫn nộp đúng cơ quan",
    "refused": "Từ chối giải quyết",
    "withdrawn": "Đã rút hồ sơ",
    "lapsed": "Quá hạn bổ sung, hồ sơ không còn hiệu lực",
}

# What a status means to the applicant, for the colour it is shown in: done (green), still being
# worked on (blue), waiting on the applicant (amber), stopped without a result (red).
STATUS_TONES: dict[str, str] = {
    "pending_acceptance": "progress",
    "received": "progress",
    "transferred": "progress",
    "in_processing": "progress",
    "verifying": "progress",
    "consulting": "progress",
    "supplement_requested": "attention",
    "result_ready": "done",
    "returned": "done",
    "wrong_agency": "stopped",
    "refused": "stopped",
    "withdrawn": "stopped",
    "lapsed": "stopped",
}

# from → the states it may move to. Anything else is refused (409) and nothing is written.
TRANSITIONS: dict[str, frozenset[str]] = {
    "pending_acceptance": frozenset({"received", "supplement_requested", "refused", "withdrawn", "wrong_agency"}),
    # received → result_ready directly: procedures with an immediate result.
    "received": frozenset(
        {"transferred", "in_processing", "supplement_requested", "result_ready", "wrong_agency", "refused", "withdrawn"}
    ),
    "transferred": frozenset({"in_processing", "supplement_requested", "wrong_agency", "refused", "withdrawn"}),
    "in_processing": frozenset(
        {"verifying", "consulting", "supplement_requested", "result_ready", "refused", "withdrawn"}
    ),
    "verifying": frozenset(
        {"in_processing", "consulting", "supplement_requested", "result_ready", "refused", "withdrawn"}
    ),
    "consulting": frozenset(
        {"in_processing", "verifying", "supplement_requested", "result_ready", "refused", "withdrawn"}
    ),
    # Supplemented: back to where the dossier is processed (or accepted, for online ones).
    # pending_acceptance: an online dossier sent back before acceptance, supplemented, to be checked again.
    "supplement_requested": frozenset(
        {"pending_acceptance", "received", "in_processing", "lapsed", "refused", "withdrawn"}
    ),
    "result_ready": frozenset({"returned"}),
    "returned": frozenset(),
    "wrong_agency": frozenset(),
    "refused": frozenset(),
    "withdrawn": frozenset(),
    "lapsed": frozenset(),
}
assert set(TRANSITIONS) == set(STATUS_LABELS) == set(STATUS_TONES)

FINAL_STATES = frozenset(s for s, nxt in TRANSITIONS.items() if not nxt)
# Still being worked on by the agency: counts towards "overdue" once due_at has passed.
OPEN_STATES = frozenset({"received", "transferred", "in_processing", "verifying", "consulting", "supplement_requested"})
# A step into any of these means the dossier was accepted (received) by the agency.
ACCEPTED_STATES = frozenset(OPEN_STATES - {"supplement_requested"}) | {"result_ready", "returned"}
# The supplement arrived: the dossier's clocks run again (service._resume_clock).
RESUMING_STATES = frozenset({"pending_acceptance", "received", "in_processing"})
# Waiting for the citizen: the clock is stopped, the dossier is not the agency's delay.
CLOCK_STOPPED = frozenset({"supplement_requested"})
REASON_REQUIRED = frozenset({"refused", "wrong_agency", "supplement_requested", "withdrawn"})
RETURN_METHODS = ("desk", "post")


def check_transition(current: str, target: str, reason: str | None, data: dict) -> None:
    """Raise a DomainError (Vietnamese) unless `current → target` is allowed with this reason/data."""
    if target not in STATUS_LABELS:
        raise DomainError("unknown_status", f"Trạng thái hồ sơ «{target}» không tồn tại.", 422)
    if target not in TRANSITIONS[current]:
        raise DomainError(
            "illegal_transition",
            f"Không thể chuyển hồ sơ từ trạng thái «{STATUS_LABELS[current]}» sang «{STATUS_LABELS[target]}».",
            409,
        )
    if target in REASON_REQUIRED and not (reason or "").strip():
        raise DomainError("reason_required", f"Cần ghi rõ lý do khi chuyển hồ sơ sang «{STATUS_LABELS[target]}».", 422)
    if target == "supplement_requested":
        items = data.get("items")
        if not isinstance(items, list) or not items or not all(isinstance(i, str) and i.strip() for i in items):
            raise DomainError(
                "supplement_items_required",
                "Yêu cầu bổ sung phải liệt kê đầy đủ, một lần, các nội dung cần bổ sung (mẫu 02): data.items.",
                422,
            )
    if target == "wrong_agency" and not str(data.get("redirect_to") or "").strip():
        raise DomainError(
            "redirect_required", "Cần ghi rõ cơ quan có thẩm quyền để hướng dẫn công dân (data.redirect_to).", 422
        )
    if target == "returned" and data.get("method", "desk") not in RETURN_METHODS:
        raise DomainError(
            "return_method_invalid", "Hình thức trả kết quả phải là tại quầy (desk) hoặc qua bưu chính (post).", 422
        )


def reachable(current: str, target: str) -> bool:
    """Whether some chain of allowed steps leads from `current` to `target` (external systems skip steps)."""
    seen, todo = {current}, deque([current])
    while todo:
        state = todo.popleft()
        for nxt in TRANSITIONS[state]:
            if nxt == target:
                return True
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return False


def check_reachable(current: str, target: str) -> None:
    if target not in STATUS_LABELS:
        raise DomainError("unknown_status", f"Trạng thái hồ sơ «{target}» không tồn tại.", 422)
    if not reachable(current, target):
        raise DomainError(
            "illegal_transition",
            f"Không thể chuyển hồ sơ từ trạng thái «{STATUS_LABELS[current]}» sang «{STATUS_LABELS[target]}».",
            409,
        )
